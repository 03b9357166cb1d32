/**
 * The seed config, verbatim (host, port and password pointed at the test server), run by
 * a real `StandaloneHerder` with JsonConverter on the embedded log and on a real Kafka broker:
 * the snapshot and the streamed changes arrive on `dbserver1.public.<table>` as flat rows
 * (ExtractNewRecordState), keys are the primary-key structs, one task runs although `tasks.max`
 * is 4, and the source offset is Debezium's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { type LogRecord, parseConnectorConfigFile, StandaloneHerder } from '@sluice/runtime';
import { eventually, throwIfFailed, useKafka } from '@sluice/testing';
import { pino } from 'pino';
import {
  readTopic,
  type SeedDatabase,
  seedConnectorJson,
  seedDatabase,
  topicExists,
} from './worker-harness.ts';

interface JsonEnvelope {
  schema: { type: string; name?: string; fields?: Array<{ field: string; type: string; name?: string }> };
  payload: Record<string, unknown> | null;
}

const parse = (b: Buffer | null): JsonEnvelope | null =>
  b === null ? null : (JSON.parse(b.toString('utf8')) as JsonEnvelope);

/** Waits until `topic` holds `count` records; fails at once when the connector or a task FAILED. */
async function waitForRecords(
  herder: StandaloneHerder,
  topic: string,
  count: number,
  from: number,
  timeoutMs = 30_000,
): Promise<LogRecord[]> {
  let records: LogRecord[] = [];
  return eventually(
    () => `${count} records in ${topic} (it holds ${records.length})`,
    async () => {
      if (!(await topicExists(herder.log, topic))) return undefined;
      records = await readTopic(herder.log, topic, from);
      return records.length >= count ? records : undefined;
    },
    { timeoutMs, intervalMs: 200, failFast: () => throwIfFailed(herder, ['postgres-source-connector']) },
  );
}

async function runSeedConfig(workerProps: Record<string, string>, dir: string): Promise<void> {
  const db: SeedDatabase = await seedDatabase();
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '500',
      listeners: 'http://127.0.0.1:0',
      ...workerProps,
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  try {
    await db.sql.query(`
      CREATE TABLE customers (id int PRIMARY KEY, first_name text NOT NULL, email text, balance numeric(10,2),
                              joined timestamptz);
      INSERT INTO customers VALUES (1001, 'Sally', 'sally@example.com', 12.50, '2024-01-02 03:04:05+00'),
                                   (1002, 'George', 'gbailey@example.com', NULL, NULL);`);
    await herder.start();
    const topic = 'dbserver1.public.customers';
    // A broker shared between runs may hold this fixed topic already: read from its current end.
    const from = (await topicExists(herder.log, topic))
      ? (await herder.log.listOffsets([{ topic, partition: 0 }], 'latest'))[0]!.offset
      : 0;
    const { name, config } = parseConnectorConfigFile(seedConnectorJson(db.server), 'connector.json');
    const created = await herder.putConnectorConfig(name, config, { allowReplace: false });
    assert.equal(created.created, true);
    assert.equal(created.info.type, 'source');

    // Snapshot: two rows, flat.
    const snapshot = await waitForRecords(herder, topic, 2, from);
    const status = await herder.connectorStatus(name);
    assert.deepEqual(
      status.tasks.map((t) => t.state),
      ['RUNNING'],
      'one task, as Debezium, whatever tasks.max says',
    );

    const first = parse(snapshot[0]!.value)!;
    assert.equal(
      first.schema.name,
      'dbserver1.public.customers.Value',
      'the value is the row, not the envelope',
    );
    assert.deepEqual(
      first.schema.fields?.map((f) => [f.field, f.type, f.name ?? null]),
      [
        ['id', 'int32', null],
        ['first_name', 'string', null],
        ['email', 'string', null],
        ['balance', 'bytes', 'org.apache.kafka.connect.data.Decimal'],
        ['joined', 'string', 'io.debezium.time.ZonedTimestamp'],
      ],
    );
    assert.deepEqual(first.payload, {
      id: 1001,
      first_name: 'Sally',
      email: 'sally@example.com',
      balance: Buffer.from([0x04, 0xe2]).toString('base64'), // 1250, scale 2
      joined: '2024-01-02T03:04:05.000000Z',
    });
    assert.deepEqual(parse(snapshot[1]!.value)!.payload, {
      id: 1002,
      first_name: 'George',
      email: 'gbailey@example.com',
      balance: null,
      joined: null,
    });
    const key = parse(snapshot[0]!.key)!;
    assert.equal(key.schema.name, 'dbserver1.public.customers.Key');
    assert.deepEqual(key.payload, { id: 1001 });

    // Streaming: insert, update, delete.
    await db.sql.query(`INSERT INTO customers VALUES (1003, 'Edward', 'ed@walker.com', 0.05, NULL)`);
    await db.sql.query(`UPDATE customers SET email = 'sally.t@example.com' WHERE id = 1001`);
    await db.sql.query('DELETE FROM customers WHERE id = 1002');
    const all = await waitForRecords(herder, topic, 5, from);
    const streamed = all.slice(2);
    assert.deepEqual(
      streamed.map((r) => parse(r.key)?.payload),
      [{ id: 1003 }, { id: 1001 }, { id: 1002 }],
    );
    assert.deepEqual(parse(streamed[0]!.value)!.payload, {
      id: 1003,
      first_name: 'Edward',
      email: 'ed@walker.com',
      balance: Buffer.from([0x05]).toString('base64'),
      joined: null,
    });
    assert.deepEqual(parse(streamed[1]!.value)!.payload, {
      id: 1001,
      first_name: 'Sally',
      email: 'sally.t@example.com',
      balance: Buffer.from([0x04, 0xe2]).toString('base64'),
      joined: '2024-01-02T03:04:05.000000Z',
    });
    // The delete: the row is gone. `delete.tombstone.handling.mode=tombstone` turns the delete into
    // a null value (schema kept) and drops the tombstone; either way no row image follows for key 1002.
    const deleted = parse(streamed[2]!.value);
    assert.ok(deleted === null || deleted.payload === null, `delete arrived as ${JSON.stringify(deleted)}`);
    for (const r of streamed) {
      const v = parse(r.value);
      if (v?.payload != null) {
        assert.ok(!('before' in v.payload) && !('op' in v.payload), 'no envelope fields in flat rows');
      }
    }

    // Nothing else arrives (no envelope copies, no stray tombstones).
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await readTopic(herder.log, topic, from)).length, 5);

    // The source offset is Debezium's, under the partition {"server": "dbserver1"}.
    await new Promise((r) => setTimeout(r, 800)); // one offset flush
    const offsets = await herder.connectorOffsets(name);
    assert.equal(offsets.offsets.length, 1);
    assert.deepEqual(offsets.offsets[0]!.partition, { server: 'dbserver1' });
    const offset = offsets.offsets[0]!.offset as Record<string, unknown>;
    assert.equal(offset.messageType, 'DELETE');
    assert.equal(typeof offset.lsn, 'number');
    assert.equal(typeof offset.lsn_commit, 'number');
    assert.equal(typeof offset.txId, 'number');
  } finally {
    await herder.stop();
    await db.cleanup();
  }
}

describe('the seed config in a standalone worker', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('on the embedded log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-worker-'));
    dirs.push(dir);
    await runSeedConfig({ 'embedded.log.dir': join(dir, 'data') }, dir);
  });

  test('on Kafka', async () => {
    const kafka = await useKafka();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-worker-'));
    dirs.push(dir);
    await runSeedConfig({ 'bootstrap.servers': kafka.bootstrapServers }, dir);
  });
});
