// Where the time of the PostgreSQL CDC pipeline goes, one stage at a time, in one process and
// without Kafka: how fast the connector alone turns a pgoutput backlog into SourceRecords
// (`PostgresSourceTask.poll()` driven directly: socket read, frame decode, type mapping, Struct
// and envelope building), and how fast JsonConverter (schemas.enable=false, as in run.ts)
// serializes those records' keys and values. Compare with run.ts, where the same work plus the
// runtime's produce path runs in `sluice standalone` against a broker. Prints; writes nothing.
//
//   bash scripts/run-node.sh benchmarks/postgres-cdc/stages.ts [--rows 300000] [--tx-rows 1000]
//
// --connector <path to a postgres connector src/index.ts> runs another copy of the connector (for
// before/after comparisons, e.g. `git archive <commit> packages/connectors/postgres/src` unpacked
// under benchmarks/.work/).

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type {
  OffsetStorageReader,
  SourceMap,
  SourceRecord,
  SourceTaskContext,
  TransactionContext,
} from '@sluice/api';
import { PostgresSourceTask as CurrentTask } from '@sluice/connector-postgres';
import { JsonConverter } from '@sluice/converters';
import { startPostgres } from '@sluice/testing';
import pg from 'pg';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    'tx-rows': { type: 'string', default: '1000' },
    connector: { type: 'string' },
  },
});
const PostgresSourceTask: typeof CurrentTask =
  opts.connector === undefined
    ? CurrentTask
    : (
        (await import(pathToFileURL(path.resolve(opts.connector)).href)) as {
          PostgresSourceTask: typeof CurrentTask;
        }
      ).PostgresSourceTask;
const ROWS = Number(opts.rows);
const TX_ROWS = Number(opts['tx-rows']);
if (!Number.isInteger(ROWS) || ROWS <= 0) throw new Error('--rows must be a positive integer');
if (!Number.isInteger(TX_ROWS) || TX_ROWS <= 0) throw new Error('--tx-rows must be a positive integer');

const log = (message: string) => console.error(`[stages] ${message}`);
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');

const postgres = await startPostgres({ ownerPid: process.pid, log });
const admin = new pg.Client({ connectionString: postgres.connectionString });
await admin.connect();
await admin.query('CREATE DATABASE stages');
await admin.end();
const url = new URL(postgres.connectionString);
url.pathname = '/stages';
const sql = new pg.Client({ connectionString: url.toString() });
await sql.connect();

class NoOffsets implements OffsetStorageReader {
  async offset(): Promise<SourceMap | null> {
    return null;
  }
  async offsets(partitions: readonly SourceMap[]) {
    return partitions.map((partition) => ({ partition, offset: null }));
  }
}
const props = {
  'database.hostname': postgres.host,
  'database.port': String(postgres.port),
  'database.user': postgres.user,
  'database.dbname': 'stages',
  'database.sslmode': 'disable',
  'topic.prefix': 'stages',
  'plugin.name': 'pgoutput',
  'slot.name': 'stages_slot',
  'publication.name': 'stages_pub',
  'publication.autocreate.mode': 'disabled',
  'snapshot.mode': 'no_data',
  'table.include.list': 'public.bench_rows',
};
const context: SourceTaskContext = {
  configs: () => props,
  offsetStorageReader: () => new NoOffsets(),
  transactionContext: (): TransactionContext | null => null,
};

let task: CurrentTask | undefined;
try {
  await sql.query(`CREATE TABLE bench_rows (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2),
                   created timestamptz NOT NULL DEFAULT now())`);
  await sql.query('CREATE PUBLICATION stages_pub FOR TABLE bench_rows');
  await sql.query(`SELECT pg_create_logical_replication_slot('stages_slot', 'pgoutput')`);
  log(`writing ${ROWS.toLocaleString('en-US')} inserts in transactions of ${TX_ROWS}`);
  for (let a = 1; a <= ROWS; a += TX_ROWS) {
    const b = Math.min(ROWS, a + TX_ROWS - 1);
    await sql.query(
      `INSERT INTO bench_rows (id, name, amount) SELECT g, 'customer-' || g, (g % 1000000) / 100.0 FROM generate_series(${a}, ${b}) g`,
    );
  }

  // Stage 1: the connector alone.
  task = new PostgresSourceTask();
  task.initialize(context);
  await task.start(props);
  const records: SourceRecord[] = [];
  let first = 0;
  let cpuAtFirst = process.cpuUsage();
  let polls = 0;
  while (records.length < ROWS) {
    const batch = await task.poll();
    polls++;
    if (batch === null) continue;
    if (first === 0) {
      first = performance.now();
      cpuAtFirst = process.cpuUsage();
    }
    for (const r of batch) records.push(r);
  }
  const connectorMs = performance.now() - first;
  const connectorCpu = process.cpuUsage(cpuAtFirst);
  await task.stop();
  task = undefined;

  // Stage 2: JsonConverter over the same records (key and value, schemas.enable=false).
  const keys = new JsonConverter();
  keys.configure({ 'schemas.enable': 'false' }, true);
  const values = new JsonConverter();
  values.configure({ 'schemas.enable': 'false' }, false);
  let bytes = 0;
  const t0 = performance.now();
  for (const r of records) {
    bytes += keys.fromConnectData(r.topic, r.keySchema, r.key)?.length ?? 0;
    bytes += values.fromConnectData(r.topic, r.valueSchema, r.value)?.length ?? 0;
  }
  const convertMs = performance.now() - t0;

  const cpuMs = (connectorCpu.user + connectorCpu.system) / 1000;
  console.log(`connector: ${opts.connector ?? '@sluice/connector-postgres (this checkout)'}`);
  console.log(
    `connector alone (poll → SourceRecords): ${rate(ROWS, connectorMs)} events/s (${ROWS.toLocaleString('en-US')} in ${Math.round(connectorMs)} ms, ${polls} polls, process CPU ${Math.round(cpuMs)} ms = ${((cpuMs / connectorMs) * 100).toFixed(0)}% of the wall time)`,
  );
  console.log(
    `JsonConverter alone (key + value, schemas off): ${rate(ROWS, convertMs)} events/s (${Math.round(convertMs)} ms, ${(bytes / ROWS).toFixed(0)} bytes/event)`,
  );
  console.log(
    `both stages on one thread: ${rate(ROWS, connectorMs + convertMs)} events/s (before the runtime's produce path)`,
  );
} finally {
  await task?.stop();
  await sql.query(`SELECT pg_drop_replication_slot('stages_slot')`).catch(() => {});
  await sql.end();
  await postgres.stop();
}
