/**
 * An unknown converter class is refused where it is written, as Kafka Connect refuses it: a worker
 * whose `key.converter`, `value.converter` or `header.converter` names no plugin does not start
 * (the ConfigError names the key and class, and what exists), and a connector config naming one is
 * answered 400 on create and on PUT config, and has the error on the key in config/validate —
 * instead of being accepted and failing its tasks later.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder, StandaloneHerder } from '@sluice/runtime';
import { http, uniqueName } from '@sluice/testing';
import pino from 'pino';
import { assertError, startWorker, type TestWorker, workerProps } from '../rest/rest-harness.ts';

const SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const STRING = 'org.apache.kafka.connect.storage.StringConverter';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-converter-'));
  dirs.push(d);
  return d;
}

describe('a worker with an unknown converter class does not start', () => {
  for (const [key, value] of [
    ['key.converter', 'org.example.NoSuchConverter'],
    ['value.converter', 'com.acme.AvroThing'],
    ['header.converter', 'org.example.NoSuchHeaderConverter'],
  ] as const) {
    test(`${key}=${value}: a ConfigError naming the key, the class and what exists`, async () => {
      const dir = await tempDir();
      await assert.rejects(
        StandaloneHerder.create(
          { ...workerProps(dir), [key]: value },
          { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
        ),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, String(err));
          assert.equal(err.key, key);
          assert.match(
            err.message,
            new RegExp(
              `^Invalid value ${value} for configuration ${key}: Class ${value} could not be found\\.`,
            ),
          );
          assert.match(err.message, /sluice plugins/);
          assert.match(
            err.message,
            key === 'header.converter'
              ? /SimpleHeaderConverter/
              : /org\.apache\.kafka\.connect\.json\.JsonConverter/,
          );
          return true;
        },
      );
    });
  }

  test('a class in the wrong package or case gets "Did you mean"', async () => {
    const dir = await tempDir();
    await assert.rejects(
      StandaloneHerder.create(
        { ...workerProps(dir), 'value.converter': 'org.apache.kafka.connect.json.JSONConverter' },
        { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
      ),
      /Did you mean org\.apache\.kafka\.connect\.json\.JsonConverter\?/,
    );
  });

  test('the distributed worker refuses it too (before any broker is contacted)', async () => {
    await assert.rejects(
      DistributedHerder.create(
        {
          'bootstrap.servers': '127.0.0.1:9',
          'group.id': 'g',
          'config.storage.topic': 'c',
          'offset.storage.topic': 'o',
          'status.storage.topic': 's',
          'key.converter': STRING,
          'value.converter': 'org.example.Nope',
        },
        { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
      ),
      (err: unknown) => err instanceof ConfigError && err.key === 'value.converter',
    );
  });

  test('sluice standalone exits 1 with the message', async () => {
    const dir = await tempDir();
    const file = join(dir, 'worker.properties');
    await writeFile(
      file,
      Object.entries({ ...workerProps(dir), 'key.converter': 'org.example.Nope' })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const { main } = await import('@sluice/cli');
    let err = '';
    const code = await main(
      ['standalone', file],
      process.stdout,
      Object.assign(new (await import('node:stream')).PassThrough(), {
        write: (chunk: string) => {
          err += chunk;
          return true;
        },
      }) as unknown as NodeJS.WritableStream,
    );
    assert.equal(code, 1);
    assert.match(err, /key\.converter: Class org\.example\.Nope could not be found/);
  });
});

describe('a connector config with an unknown converter class is a 400', () => {
  let worker: TestWorker;
  let input: string;
  before(async () => {
    worker = await startWorker();
    input = join(worker.dir, 'in.txt');
    await writeFile(input, '');
  });
  after(async () => {
    await worker.close();
  });
  const req = (method: string, path: string, body?: unknown) =>
    http(worker.url, method, path, body === undefined ? {} : { body });
  const config = (extra: Record<string, string>) => ({
    'connector.class': SOURCE,
    file: input,
    topic: 't',
    ...extra,
  });

  for (const key of ['key.converter', 'value.converter', 'header.converter']) {
    test(`POST /connectors with ${key} unknown: 400 naming the key; nothing created`, async () => {
      const name = uniqueName('conv');
      const res = await req('POST', '/connectors', { name, config: config({ [key]: 'org.example.Nope' }) });
      assertError(res, 400, /^Connector configuration is invalid and contains the following 1 error\(s\):\n/);
      assert.match(
        (res.json as { message: string }).message,
        new RegExp(
          `Invalid value org\\.example\\.Nope for configuration ${key}: Class org\\.example\\.Nope could not be found\\.`,
        ),
      );
      assert.equal((await req('GET', `/connectors/${name}`)).status, 404);
    });
  }

  test('PUT /connectors/{name}/config with an unknown value.converter: 400; the running config is kept', async () => {
    const name = uniqueName('conv');
    assert.equal(
      (await req('PUT', `/connectors/${name}/config`, config({ 'value.converter': STRING }))).status,
      201,
    );
    const res = await req(
      'PUT',
      `/connectors/${name}/config`,
      config({ 'value.converter': 'StringConverterr' }),
    );
    assertError(res, 400, /for configuration value\.converter: Class StringConverterr could not be found\./);
    const kept = (await req('GET', `/connectors/${name}/config`)).json as Record<string, string>;
    assert.equal(kept['value.converter'], STRING);
    assert.equal((await req('DELETE', `/connectors/${name}`)).status, 204);
  });

  test('config/validate reports it on the key; a known converter (by alias too) is no error', async () => {
    const res = await req('PUT', '/connector-plugins/FileStreamSource/config/validate', {
      name: 'v',
      ...config({ 'key.converter': 'org.example.Nope', 'value.converter': 'StringConverter' }),
    });
    assert.equal(res.status, 200);
    const body = res.json as {
      error_count: number;
      configs: Array<{ value: { name: string; errors: string[] } }>;
    };
    assert.equal(body.error_count, 1);
    const errors = (name: string) => body.configs.find((c) => c.value.name === name)?.value.errors;
    assert.equal(errors('key.converter')?.length, 1);
    assert.match(errors('key.converter')![0]!, /Class org\.example\.Nope could not be found/);
    assert.deepEqual(errors('value.converter'), []);
  });
});
