/**
 * A real Prometheus (Debian's package) scrapes `GET /metrics` of one standalone worker running a
 * PostgreSQL source pipeline (a real PostgreSQL, the embedded log), a FileStream source and a
 * FileStream sink that writes the change events to a file: after a snapshot and streamed inserts,
 * updates and deletes, the Debezium-style metrics and Kafka Connect's source-task counters that
 * Prometheus stored equal what the topic holds, counted by operation (`r`, `c`, `u`, `d`,
 * tombstones) from the change events themselves; the file source's counters equal its file's
 * lines, and the sink's equal the topic and the lines of its file.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { LoggerRegistry, RestServer, StandaloneHerder } from '@sluice/runtime';
import { startPrometheus } from '@sluice/testing';
import { pino } from 'pino';
import {
  readTopic,
  SEED_DATABASE,
  SEED_PASSWORD,
  SEED_USER,
  seedDatabase,
  topicExists,
} from './worker-harness.ts';

const SNAPSHOT_ROWS = 250;
const FILE_LINES = 40;

test('Prometheus scrapes one worker with PostgreSQL, file source and file sink pipelines: the counters equal the topic and the files', {
  timeout: 240_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-prometheus-'));
  const db = await seedDatabase();
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '500',
      'embedded.log.dir': join(dir, 'data'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(pino({ level: 'silent' })),
    listeners: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
    metrics: herder.metrics,
  });
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    await db.sql.query(`CREATE TABLE orders (id int PRIMARY KEY, label text);
      INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, ${SNAPSHOT_ROWS}) g;`);
    await herder.start();
    const { urls } = await rest.start();
    prometheus = await startPrometheus([new URL(urls[0]!).host]);
    const name = 'pg-orders';
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': db.server.host,
        'database.port': String(db.server.port),
        'database.user': SEED_USER,
        'database.password': SEED_PASSWORD,
        'database.dbname': SEED_DATABASE,
        'topic.prefix': 'shop',
        'plugin.name': 'pgoutput',
        'table.include.list': 'public.orders',
      },
      { allowReplace: false },
    );
    const topic = 'shop.public.orders';
    // A file pipeline in the same worker: a source of FILE_LINES lines, and a sink of the change events.
    const input = join(dir, 'in.txt');
    const output = join(dir, 'orders.txt');
    await writeFile(input, Array.from({ length: FILE_LINES }, (_, i) => `line ${i}\n`).join(''));
    await herder.putConnectorConfig(
      'file-in',
      { 'connector.class': 'FileStreamSource', file: input, topic: 'lines' },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'orders-out',
      { 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: false },
    );
    const waitRecords = async (count: number): Promise<void> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const status = await herder.connectorStatus(name);
        const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
        if (failed !== undefined) throw new Error(`FAILED: ${failed.trace}`);
        if ((await topicExists(herder.log, topic)) && (await readTopic(herder.log, topic)).length >= count)
          return;
        assert.ok(Date.now() < deadline, `${topic} did not reach ${count} records`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await waitRecords(SNAPSHOT_ROWS);
    // Streamed: 30 inserts in 3 transactions, 12 updates in 1, 5 deletes in 1 (each delete is a
    // delete event and a tombstone).
    for (let t = 0; t < 3; t++) {
      const from = SNAPSHOT_ROWS + 1 + t * 10;
      await db.sql.query(
        `INSERT INTO orders SELECT g, 'new ' || g FROM generate_series(${from}, ${from + 9}) g`,
      );
    }
    await db.sql.query(`UPDATE orders SET label = label || ' (paid)' WHERE id <= 12`);
    await db.sql.query('DELETE FROM orders WHERE id BETWEEN 100 AND 104');
    const expectedTotal = SNAPSHOT_ROWS + 30 + 12 + 5 + 5;
    await waitRecords(expectedTotal);

    // What the topic holds, by operation.
    const records = await readTopic(herder.log, topic);
    const ops = { r: 0, c: 0, u: 0, d: 0, tombstone: 0 };
    for (const r of records) {
      if (r.value === null || r.value === undefined) {
        ops.tombstone++;
        continue;
      }
      const op = (JSON.parse(Buffer.from(r.value).toString('utf8')) as { op: keyof typeof ops }).op;
      ops[op]++;
    }
    assert.deepEqual(ops, { r: SNAPSHOT_ROWS, c: 30, u: 12, d: 5, tombstone: 5 });

    // What Prometheus scraped, once its latest samples have caught up with the topic.
    const q = async (expr: string): Promise<number | undefined> => {
      const result = await prometheus!.query(expr);
      assert.ok(result.length <= 1, `${expr}: ${JSON.stringify(result)}`);
      return result[0]?.value;
    };
    const sel = (context: string, extra = ''): string =>
      `{connector="${name}",task="0",plugin="postgres",name="shop",context="${context}"${extra}}`;
    const expected: [string, number][] = [
      [`debezium_metrics_RowsScanned${sel('snapshot', ',table="public.orders"')}`, ops.r],
      [`debezium_metrics_TotalNumberOfEventsSeen${sel('snapshot')}`, ops.r],
      [`debezium_metrics_TotalTableCount${sel('snapshot')}`, 1],
      [`debezium_metrics_RemainingTableCount${sel('snapshot')}`, 0],
      [`debezium_metrics_SnapshotCompleted${sel('snapshot')}`, 1],
      [`debezium_metrics_SnapshotRunning${sel('snapshot')}`, 0],
      [`debezium_metrics_TotalNumberOfEventsSeen${sel('streaming')}`, ops.c + ops.u + ops.d],
      [`debezium_metrics_TotalNumberOfCreateEventsSeen${sel('streaming')}`, ops.c],
      [`debezium_metrics_TotalNumberOfUpdateEventsSeen${sel('streaming')}`, ops.u],
      [`debezium_metrics_TotalNumberOfDeleteEventsSeen${sel('streaming')}`, ops.d],
      [`debezium_metrics_NumberOfCommittedTransactions${sel('streaming')}`, 5],
      [`debezium_metrics_Connected${sel('streaming')}`, 1],
      [`kafka_connect_source_task_source_record_write_total{connector="${name}",task="0"}`, records.length],
      [`kafka_connect_source_task_source_record_poll_total{connector="${name}",task="0"}`, records.length],
      [`kafka_connect_source_task_source_record_write_total{connector="file-in",task="0"}`, FILE_LINES],
      [`kafka_connect_sink_task_sink_record_read_total{connector="orders-out",task="0"}`, records.length],
      [`kafka_connect_sink_task_sink_record_send_total{connector="orders-out",task="0"}`, records.length],
      ['kafka_connect_worker_connector_count', 3],
    ];
    const deadline = Date.now() + 60_000;
    let seen: string[] = [];
    for (;;) {
      seen = [];
      for (const [expr, want] of expected) {
        const got = await q(expr);
        if (got !== want) seen.push(`${expr} = ${got}, expected ${want}`);
      }
      if (seen.length === 0) break;
      assert.ok(Date.now() < deadline, `Prometheus does not hold the topic's counts:\n${seen.join('\n')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // One line per change event (a tombstone prints as `null`) in the sink's file.
    const written = (await readFile(output, 'utf8')).split('\n').length - 1;
    assert.equal(written, records.length);
    const behind = await q(`debezium_metrics_MilliSecondsBehindSource${sel('streaming')}`);
    assert.ok(behind !== undefined && behind >= 0 && behind < 60_000, `MilliSecondsBehindSource ${behind}`);
    assert.ok(((await q(`debezium_metrics_QueueTotalCapacity${sel('streaming')}`)) ?? 0) > 0);
    // The scrape target is healthy.
    assert.equal(await q('up{job="sluice"}'), 1);
  } finally {
    await prometheus?.stop();
    await rest.stop();
    await herder.stop();
    await db.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
