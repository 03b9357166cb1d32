/**
 * What a Kafka Connect user meets first when bringing Java names along: a connector or converter
 * class Sluice does not provide is refused with what Sluice provides and `sluice plugins`; a
 * misspelled class gets "did you mean"; a `plugin.path` full of jars is said once to hold Java
 * plugins that do not run here; an unknown or misspelled connector key is logged at WARN on
 * create, naming the connector, with "did you mean".
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { SLUICE_VERSION, StandaloneHerder } from '@sluice/runtime';
import { uniqueName } from '@sluice/testing';
import pino from 'pino';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function capture(): { logger: pino.Logger; lines: () => Array<{ level: number; msg: string }> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

describe('Java-only names', () => {
  let dir: string;
  let herder: StandaloneHerder;
  let log: ReturnType<typeof capture>;
  let input: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-java-hints-'));
    dirs.push(dir);
    // A Kafka Connect plugin.path: one folder per plugin, jars inside, plus a loose jar.
    const plugins = join(dir, 'connect-plugins');
    await mkdir(join(plugins, 'confluentinc-kafka-connect-s3', 'lib'), { recursive: true });
    await mkdir(join(plugins, 'debezium-connector-mysql'), { recursive: true });
    await writeFile(join(plugins, 'debezium-connector-mysql', 'debezium-core-3.6.1.Final.jar'), 'PK');
    await writeFile(join(plugins, 'kafka-connect-jdbc-10.8.0.jar'), 'PK');
    input = join(dir, 'in.txt');
    await writeFile(input, '');
    log = capture();
    herder = await StandaloneHerder.create(
      {
        'embedded.log.dir': join(dir, 'data'),
        'offset.storage.file.filename': join(dir, 'offsets'),
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'plugin.path': plugins,
      },
      { logger: log.logger, plugins: builtinPlugins() },
    );
    await herder.start();
  });
  after(async () => {
    await herder.stop();
  });

  test('a plugin.path of jars: one warning that Java plugins do not run here', () => {
    const warnings = log.lines().filter((l) => l.level === 40 && /plugin\.path/.test(l.msg));
    assert.equal(warnings.length, 1, JSON.stringify(log.lines(), null, 1));
    assert.match(warnings[0]!.msg, /Java plugins do not run in Sluice/);
    assert.match(warnings[0]!.msg, /connect-plugins/);
    assert.match(warnings[0]!.msg, /sluice plugins/);
  });

  test('an io.confluent connector Sluice does not provide: what Sluice provides, and sluice plugins', async () => {
    await assert.rejects(
      herder.putConnectorConfig(
        uniqueName('s3'),
        { 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 't' },
        { allowReplace: false },
      ),
      (err: Error) => {
        assert.match(
          err.message,
          /Failed to find any class that implements Connector and which name matches io\.confluent\.connect\.s3\.S3SinkConnector\./,
        );
        assert.match(err.message, /a Java class .* cannot run here/);
        assert.match(err.message, /org\.apache\.kafka\.connect\.file\.FileStreamSinkConnector/);
        assert.match(err.message, /io\.debezium\.connector\.postgresql\.PostgresConnector/);
        assert.match(err.message, /`sluice plugins`/);
        return true;
      },
    );
  });

  test('a misspelled connector class: did you mean', async () => {
    await assert.rejects(
      herder.putConnectorConfig(
        uniqueName('typo'),
        { 'connector.class': 'FileStreamSourceConector', file: input, topic: 't' },
        { allowReplace: false },
      ),
      /Did you mean FileStreamSourceConnector\?/,
    );
  });

  test('a converter Sluice lacks: the converters Sluice provides, and sluice plugins', () => {
    const registry = builtinPlugins(SLUICE_VERSION);
    assert.throws(
      () => registry.resolve('io.apicurio.registry.utils.converter.AvroConverter', ['converter']),
      (err: Error) => {
        assert.match(err.message, /cannot run here/);
        assert.match(
          err.message,
          /Sluice provides these converters: .*org\.apache\.kafka\.connect\.json\.JsonConverter/,
        );
        assert.match(err.message, /io\.confluent\.connect\.avro\.AvroConverter/);
        assert.match(err.message, /`sluice plugins`/);
        return true;
      },
    );
  });

  test('unknown and misspelled connector keys: a warning on create naming the connector', async () => {
    const name = uniqueName('keys');
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: 't',
        'batch.sizee': '10',
        'tasks.maxx': '1',
        'completely.unrelated.setting': 'x',
        'producer.override.linger.ms': '5',
      },
      { allowReplace: false },
    );
    const warnings = log
      .lines()
      .filter((l) => l.level === 40 && l.msg.startsWith(`Connector ${name}:`))
      .map((l) => l.msg);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.some((w) => /'batch\.sizee' .*Did you mean 'batch\.size'\?/.test(w)));
    assert.ok(warnings.some((w) => /'tasks\.maxx' .*Did you mean 'tasks\.max'\?/.test(w)));
    assert.ok(warnings.some((w) => /'completely\.unrelated\.setting' is not a known config/.test(w)));
    await herder.deleteConnector(name);
  });
});
