/**
 * The articles' pipeline: the Debezium-compatible PostgreSQL source with AvroConverter keys and
 * values, in a worker on the embedded log, against Sluice's registry. The envelopes land in the
 * log in Confluent's wire format; Sluice reads them back into Debezium's Connect schemas; Python's
 * AvroDeserializer (Confluent's client) decodes them; a column added registers a new, compatible
 * version of the value subject.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Struct } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { type LogRecord, StandaloneHerder } from '@sluice/runtime';
import { ensurePythonVenv, eventually, throwIfFailed, uniqueName } from '@sluice/testing';
import { pino } from 'pino';
import { testDatabase } from '../../connectors/postgres/test/harness.ts';
import { readTopic, topicExists } from '../../connectors/postgres/test/worker-harness.ts';
import { AvroConverter } from '../src/index.ts';
import { PYTHON_REQUIREMENTS, PYTHON_VENV } from './python/requirements.ts';
import { startRegistryProcess } from './registry-process.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function waitForRecords(
  herder: StandaloneHerder,
  name: string,
  topic: string,
  count: number,
): Promise<LogRecord[]> {
  let records: LogRecord[] = [];
  return eventually(
    () => `${count} records in ${topic} (it holds ${records.length})`,
    async () => {
      if (!(await topicExists(herder.log, topic))) return undefined;
      records = await readTopic(herder.log, topic);
      return records.length >= count ? records : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, failFast: () => throwIfFailed(herder, [name]) },
  );
}

test('PostgreSQL CDC → AvroConverter → embedded log: Debezium envelopes in Confluent Avro, schema evolution', async () => {
  const db = await testDatabase();
  // In a process of its own: the Python client below is run synchronously from this process.
  const registry = await startRegistryProcess();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-avro-'));
  dirs.push(dir);
  const prefix = uniqueName('pgavro').replaceAll('-', '_');
  const topic = `${prefix}.public.customers`;
  const name = uniqueName('pg-avro-source');
  await db.sql.query(`
    CREATE TABLE customers (id int PRIMARY KEY, first_name text NOT NULL, balance numeric(10,2),
                            joined timestamptz, active boolean, score double precision);
    INSERT INTO customers VALUES (1001, 'Sally', 12.50, '2024-01-02 03:04:05+00', true, 1.5),
                                 (1002, 'George', NULL, NULL, NULL, NULL);`);
  const converterProps = {
    'key.converter': 'io.confluent.connect.avro.AvroConverter',
    'key.converter.schema.registry.url': registry.url,
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': registry.url,
  };
  const herder = await StandaloneHerder.create(
    {
      ...converterProps,
      'embedded.log.dir': join(dir, 'data'),
      'offset.flush.interval.ms': '300',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  const reader = new AvroConverter();
  reader.configure({ 'schema.registry.url': registry.url }, false);
  const keyReader = new AvroConverter();
  keyReader.configure({ 'schema.registry.url': registry.url }, true);
  try {
    await herder.start();
    await herder.putConnectorConfig(
      name,
      { name, ...db.config({ 'topic.prefix': prefix }) },
      { allowReplace: false },
    );
    const snapshot = await waitForRecords(herder, name, topic, 2);

    // Sluice reads the envelope back: Debezium's schema names survive (connect.name).
    const first = reader.toConnectData(topic, snapshot[0]!.value);
    assert.equal(first.schema!.name, `${prefix}.public.customers.Envelope`);
    const after1 = (first.value as Struct).getStruct('after')!;
    assert.equal(after1.schema.name, `${prefix}.public.customers.Value`);
    assert.equal(after1.get('first_name'), 'Sally');
    assert.equal(after1.get('balance')!.toString(), '12.50');
    const source = (first.value as Struct).getStruct('source')!;
    assert.equal(source.schema.name, 'io.debezium.connector.postgresql.Source');
    assert.equal((first.value as Struct).get('op'), 'r');
    const key = keyReader.toConnectData(topic, snapshot[0]!.key);
    assert.equal((key.value as Struct).get('id'), 1001);
    assert.equal(key.schema!.name, `${prefix}.public.customers.Key`);

    // Confluent's Python client decodes the same bytes.
    const python = ensurePythonVenv(PYTHON_VENV, PYTHON_REQUIREMENTS);
    const py = JSON.parse(
      execFileSync(python, [join(here, 'python/confluent_client.py')], {
        input: JSON.stringify({
          url: registry.url,
          decode: [
            { topic, hex: Buffer.from(snapshot[0]!.value!).toString('hex') },
            { topic, hex: Buffer.from(snapshot[0]!.key!).toString('hex'), isKey: true },
          ],
        }),
        encoding: 'utf8',
        timeout: 120_000,
      }),
    );
    assert.equal(py.decoded[0].after.first_name, 'Sally');
    assert.equal(py.decoded[0].op, 'r');
    assert.deepEqual(py.decoded[1], { id: 1001 });

    // A column added: the next change registers version 2 of the value subject (BACKWARD-compatible).
    await db.sql.query(`ALTER TABLE customers ADD COLUMN email text;
                        INSERT INTO customers VALUES (1003, 'Edward', 1.00, NULL, false, 0, 'ed@example.com');`);
    const all = await waitForRecords(herder, name, topic, 3);
    const third = reader.toConnectData(topic, all[2]!.value);
    assert.equal((third.value as Struct).getStruct('after')!.get('email'), 'ed@example.com');
    const versions = (await (
      await fetch(`${registry.url}/subjects/${topic}-value/versions`)
    ).json()) as number[];
    assert.deepEqual(versions, [1, 2]);
    const status = await herder.connectorStatus(name);
    assert.deepEqual(
      status.tasks.map((t) => t.state),
      ['RUNNING'],
    );
  } finally {
    await herder.stop();
    reader.close();
    keyReader.close();
    registry.stop();
    await db.cleanup();
  }
});
