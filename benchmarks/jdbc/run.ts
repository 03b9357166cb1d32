// JDBC connectors benchmark: Sluice's JdbcSinkTask and JdbcSourceTask against the ceiling of the
// same Node driver, on MariaDB and PostgreSQL 15 started fresh by @sluice/testing.
//
//   bash scripts/run-node.sh benchmarks/jdbc/run.ts                            # full run, appends to benchmarks/RESULTS.md
//   bash scripts/run-node.sh benchmarks/jdbc/run.ts --rows 50000 --no-results  # quick smoke run
//
// Options: --rows N (1,000,000), --batch N (records per sink put, 3000), --databases mariadb,postgresql.
//
// Each case runs in a child process of its own (one after the other, never in parallel), so its
// peak RSS (process.resourceUsage().maxRSS) is its own:
//   sink ceiling    the driver's fastest bulk load of the N rows: MariaDB `LOAD DATA LOCAL INFILE`
//                   from a CSV stream (mysql2), PostgreSQL `COPY ... FROM STDIN` (pg + pg-copy-streams);
//   sink Sluice     JdbcSinkTask.put of the N rows as SinkRecords (Struct values with a schema) in
//                   batches of --batch, insert mode, pk.mode none, into the same empty table; and
//                   again in upsert mode (pk.mode record_value, pk.fields id) into another empty
//                   table, against the same ceiling; the time ends after the preCommit that waits
//                   for the last put's write (put.pipelining); the client's CPU time is reported;
//   sink memory     the insert-mode load again, in processes of their own (--expose-gc), into an empty
//                   table of N/10 rows and one of N rows: peak RSS, and the heap used right after a
//                   forced full GC every rows/20 rows (between puts; the GC time left out) and the
//                   RSS just before each of those GCs;
//   upsert ceiling  the driver's own upserts of the N rows into an empty table keyed on id, each
//                   in a process of its own (see upsertCeiling; the fastest is the ceiling the
//                   Sluice upsert is set against, besides the plain bulk load above);
//   source ceiling  the driver streaming `SELECT * FROM t ORDER BY id` (mysql2 `query().stream()`
//                   rows as arrays; pg a cursor fetched 1000 rows at a time, rows as arrays, text values);
//   source Sluice   JdbcSourceTask (mode incrementing on id, batch.max.rows at its default 100) polled until it
//                   returned all N rows as SourceRecords; and the same over a table of N/10 rows,
//                   to see whether memory grows with the table: besides peak RSS, the heap used
//                   right after a forced full GC (--expose-gc) every N/20 rows, whose time is
//                   left out of the rate.
// Rows: id BIGINT, name VARCHAR(64) 'name-<i>', qty INT i%1000, price DECIMAL(10,2) (i%100000)/100,
// created DATETIME(3)/TIMESTAMP(3) 2023-11-14 22:13:20 + i s. Rate = rows / wall time of the load
// or read (record generation included on both sides; connection set-up excluded).
// Checks (a failure exits 1 and marks the section CHECK FAILED): after each sink case the table
// holds N rows whose ids sum to N(N+1)/2; each source case read N rows whose ids sum to the same.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  BigDecimal,
  Decimal,
  SchemaBuilder,
  SinkRecord,
  type SourceRecord,
  Struct,
  Timestamp,
  TopicPartitionMap,
} from '@sluice/api';
import { JdbcSinkTask, JdbcSourceTask } from '@sluice/connector-jdbc';
import { startMariaDb, startPostgres, TestSinkTaskContext, TestSourceTaskContext } from '@sluice/testing';
import pg from 'pg';
import { lastJsonLine, log } from '../lib/bench-util.ts';
import { fmtN, fmtRatio, mb } from '../lib/format.ts';
import { gitDescribe, node24Info } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt, text } from '../lib/options.ts';
import {
  appendSection,
  type Check,
  checkLine,
  checksLine,
  exitIfFailed,
  machineLines,
  sectionTitle,
} from '../lib/results.ts';

const require = createRequire(import.meta.url);
type Kind = 'mariadb' | 'postgresql';
const BASE_TS = 1_700_000_000_000;

interface ChildResult {
  rows: number;
  ms: number;
  idSum: string;
  maxRssKb: number;
  /** Sink cases: CPU time (user + system) of the process during the load, in ms. */
  cpuMs?: number;
  /** Source and sink memory cases: heap used (MB) right after a forced full GC, sampled 20 times through the read or load. */
  heapAfterGcMb?: number[];
  /** The same cases: the process's RSS (MB) at each of those samples, just before the GC. */
  rssMb?: number[];
}

const HEAP_SAMPLES = 20;

/** RSS (MB) just before each forced GC of a memory sample. */
const rssSamplesMb: number[] = [];

/** The process's CPU usage when a sink case's timed load started. */
let cpuAtStart: NodeJS.CpuUsage | null = null;

// ---------------------------------------------------------------------------------------------
// Child side

const ddl = (kind: Kind, table: string): string =>
  kind === 'mariadb'
    ? `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NOT NULL, price DECIMAL(10,2) NOT NULL, created DATETIME(3) NOT NULL)`
    : `CREATE TABLE ${table} (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INT NOT NULL, price DECIMAL(10,2) NOT NULL, created TIMESTAMP(3) NOT NULL)`;

function csvLine(i: number): string {
  const created = new Date(BASE_TS + i * 1000).toISOString();
  return `${i},name-${i},${i % 1000},${((i % 100000) / 100).toFixed(2)},${created.slice(0, 10)} ${created.slice(11, 23)}\n`;
}

function* csvChunks(rows: number, first = 1): Generator<Buffer> {
  let chunk = '';
  for (let i = first; i < first + rows; i++) {
    chunk += csvLine(i);
    if (chunk.length > 64 * 1024) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}

async function mysqlConnect(url: string, extra: Record<string, unknown> = {}) {
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const u = new URL(url);
  return await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    database: u.pathname.slice(1),
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    ...extra,
  });
}

async function pgConnect(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    types: { getTypeParser: () => (v: string) => v } as never,
  });
  await client.connect();
  return client;
}

const jdbcUrl = (kind: Kind, url: string): string => {
  const u = new URL(url);
  return `jdbc:${kind === 'mariadb' ? 'mysql' : 'postgresql'}://${u.hostname}:${u.port}${u.pathname}`;
};

async function sinkCeiling(kind: Kind, url: string, table: string, rows: number): Promise<number> {
  if (kind === 'mariadb') {
    const conn = await mysqlConnect(url, {
      flags: ['+LOCAL_FILES'],
      infileStreamFactory: () => Readable.from(csvChunks(rows)),
    });
    try {
      const start = performance.now();
      cpuAtStart = process.cpuUsage();
      await conn.query(
        `LOAD DATA LOCAL INFILE 'stream' INTO TABLE ${table} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (id, name, qty, price, created)`,
      );
      return performance.now() - start;
    } finally {
      await conn.end();
    }
  }
  const { from } = require('pg-copy-streams') as { from: (sql: string) => NodeJS.WritableStream };
  const client = await pgConnect(url);
  try {
    const start = performance.now();
    cpuAtStart = process.cpuUsage();
    const stream = client.query(
      from(`COPY ${table} (id, name, qty, price, created) FROM STDIN (FORMAT csv)`) as never,
    ) as unknown as NodeJS.WritableStream;
    await pipeline(Readable.from(csvChunks(rows)), stream);
    return performance.now() - start;
  } finally {
    await client.end();
  }
}

/** The driver-side upserts tried for the upsert ceiling (the fastest of a database's is its ceiling). */
const UPSERT_VARIANTS: Record<Kind, readonly string[]> = {
  mariadb: ['staging', 'staging-batched', 'multirow'],
  postgresql: ['staging', 'merge'],
};

const COLUMNS = 'id, name, qty, price, created';

/** A row as SQL text for a multi-row INSERT (the values need no escaping). */
function sqlRow(i: number): string {
  const created = new Date(BASE_TS + i * 1000).toISOString();
  return `(${i},'name-${i}',${i % 1000},${((i % 100000) / 100).toFixed(2)},'${created.slice(0, 10)} ${created.slice(11, 23)}')`;
}

/**
 * The driver's own upsert of the N rows (keyed on id) into `table`, with autocommit:
 *   staging   MariaDB: LOAD DATA LOCAL INFILE into a temporary table, then one
 *             `INSERT ... SELECT ... ON DUPLICATE KEY UPDATE`; PostgreSQL: COPY into a temporary
 *             table, then one `INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE`;
 *   merge     PostgreSQL: COPY into a temporary table, then one `MERGE` (PostgreSQL 15);
 *   multirow  MariaDB: `INSERT ... VALUES (...), ... ON DUPLICATE KEY UPDATE` of `batch` rows per
 *             statement, the SQL text built directly (no placeholders).
 */
async function upsertCeiling(
  kind: Kind,
  url: string,
  table: string,
  rows: number,
  batch: number,
  variant: string,
): Promise<number> {
  const update = ['name', 'qty', 'price', 'created'];
  if (kind === 'mariadb') {
    const conn = await mysqlConnect(url, {
      flags: ['+LOCAL_FILES'],
      infileStreamFactory: () => Readable.from(csvChunks(rows)),
    });
    const onDuplicate = `ON DUPLICATE KEY UPDATE ${update.map((c) => `${c}=VALUES(${c})`).join(', ')}`;
    try {
      const start = performance.now();
      cpuAtStart = process.cpuUsage();
      if (variant === 'staging') {
        await conn.query(`CREATE TEMPORARY TABLE stage_${table} AS SELECT ${COLUMNS} FROM ${table} LIMIT 0`);
        await conn.query(
          `LOAD DATA LOCAL INFILE 'stream' INTO TABLE stage_${table} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (${COLUMNS})`,
        );
        await conn.query(
          `INSERT INTO ${table} (${COLUMNS}) SELECT ${COLUMNS} FROM stage_${table} ${onDuplicate}`,
        );
      } else if (variant === 'staging-batched') {
        // As a sink would: `batch` rows per transaction, the temporary table emptied after each.
        await conn.query(`CREATE TEMPORARY TABLE stage_${table} AS SELECT ${COLUMNS} FROM ${table} LIMIT 0`);
        for (let first = 1; first <= rows; first += batch) {
          const last = Math.min(rows, first + batch - 1);
          await conn.query('START TRANSACTION');
          await conn.query({
            sql: `LOAD DATA LOCAL INFILE 'stream' INTO TABLE stage_${table} FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' (${COLUMNS})`,
            infileStreamFactory: () => Readable.from(csvChunks(last - first + 1, first)),
          } as never);
          await conn.query(
            `INSERT INTO ${table} (${COLUMNS}) SELECT ${COLUMNS} FROM stage_${table} ${onDuplicate}`,
          );
          await conn.query(`DELETE FROM stage_${table}`);
          await conn.query('COMMIT');
        }
      } else if (variant === 'multirow') {
        for (let first = 1; first <= rows; first += batch) {
          const values: string[] = [];
          for (let i = first; i < first + batch && i <= rows; i++) values.push(sqlRow(i));
          await conn.query(`INSERT INTO ${table} (${COLUMNS}) VALUES ${values.join(',')} ${onDuplicate}`);
        }
      } else throw new Error(`unknown MariaDB upsert variant ${variant}`);
      return performance.now() - start;
    } finally {
      await conn.end();
    }
  }
  const { from } = require('pg-copy-streams') as { from: (sql: string) => NodeJS.WritableStream };
  const client = await pgConnect(url);
  try {
    const start = performance.now();
    cpuAtStart = process.cpuUsage();
    await client.query(`CREATE TEMP TABLE stage_${table} (LIKE ${table})`);
    const stream = client.query(
      from(`COPY stage_${table} (${COLUMNS}) FROM STDIN (FORMAT csv)`) as never,
    ) as unknown as NodeJS.WritableStream;
    await pipeline(Readable.from(csvChunks(rows)), stream);
    if (variant === 'staging') {
      await client.query(
        `INSERT INTO ${table} (${COLUMNS}) SELECT ${COLUMNS} FROM stage_${table} ON CONFLICT (id) DO UPDATE SET ${update.map((c) => `${c}=EXCLUDED.${c}`).join(', ')}`,
      );
    } else if (variant === 'merge') {
      const stageColumns = COLUMNS.split(', ')
        .map((c) => `s.${c}`)
        .join(', ');
      await client.query(
        `MERGE INTO ${table} t USING stage_${table} s ON t.id = s.id WHEN MATCHED THEN UPDATE SET ${update.map((c) => `${c}=s.${c}`).join(', ')} WHEN NOT MATCHED THEN INSERT (${COLUMNS}) VALUES (${stageColumns})`,
      );
    } else throw new Error(`unknown PostgreSQL upsert variant ${variant}`);
    return performance.now() - start;
  } finally {
    await client.end();
  }
}

async function sinkSluice(
  kind: Kind,
  url: string,
  table: string,
  rows: number,
  batch: number,
  upsert = false,
  heapAfterGcMb: number[] | null = null,
): Promise<number> {
  const schema = SchemaBuilder.struct()
    .name('bench')
    .field('id', SchemaBuilder.int64().build())
    .field('name', SchemaBuilder.string().build())
    .field('qty', SchemaBuilder.int32().build())
    .field('price', Decimal.builder(2).build())
    .field('created', Timestamp.builder().build())
    .build();
  const u = new URL(url);
  const props = {
    'connection.url': jdbcUrl(kind, url),
    'connection.user': decodeURIComponent(u.username),
    topics: table,
    ...(upsert
      ? { 'insert.mode': 'upsert', 'pk.mode': 'record_value', 'pk.fields': 'id' }
      : { 'insert.mode': 'insert', 'pk.mode': 'none' }),
    'batch.size': String(batch),
  };
  const task = new JdbcSinkTask();
  task.initialize(new TestSinkTaskContext(props));
  await task.start(props);
  // Memory runs (heapAfterGcMb given, the child runs with --expose-gc): the heap used right after
  // a forced full GC every rows/20 rows, between puts (a put's write may be under way); the time
  // the samples take is left out.
  const gc = heapAfterGcMb === null ? undefined : (globalThis as { gc?: () => void }).gc;
  const every = Math.max(1, Math.floor(rows / HEAP_SAMPLES));
  let nextSample = every;
  let sampling = 0;
  try {
    const start = performance.now();
    cpuAtStart = process.cpuUsage();
    for (let first = 1; first <= rows; first += batch) {
      const records: SinkRecord[] = [];
      for (let i = first; i < first + batch && i <= rows; i++) {
        const value = Struct.withValues(schema, [
          i,
          `name-${i}`,
          i % 1000,
          new BigDecimal(BigInt(i % 100000), 2),
          new Date(BASE_TS + i * 1000),
        ]);
        records.push(
          new SinkRecord({
            topic: table,
            kafkaPartition: 0,
            kafkaOffset: i,
            keySchema: null,
            key: null,
            valueSchema: schema,
            value,
          }),
        );
      }
      await task.put(records);
      if (gc !== undefined && first + batch - 1 >= nextSample) {
        const t0 = performance.now();
        rssSamplesMb.push(process.memoryUsage.rss() / 1048576);
        gc();
        heapAfterGcMb!.push(process.memoryUsage().heapUsed / 1048576);
        nextSample += every;
        sampling += performance.now() - t0;
      }
    }
    // As the runtime does before committing offsets: everything put is in the table.
    await task.preCommit(new TopicPartitionMap());
    return performance.now() - start - sampling;
  } finally {
    await task.stop();
  }
}

async function sourceCeiling(
  kind: Kind,
  url: string,
  table: string,
): Promise<{ ms: number; rows: number; idSum: bigint }> {
  let rows = 0;
  let idSum = 0n;
  if (kind === 'mariadb') {
    const mysql = require('mysql2') as typeof import('mysql2');
    const u = new URL(url);
    const conn = mysql.createConnection({
      host: u.hostname,
      port: Number(u.port),
      user: decodeURIComponent(u.username),
      database: u.pathname.slice(1),
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    try {
      const start = performance.now();
      const stream = conn
        .query({ sql: `SELECT * FROM ${table} ORDER BY id`, rowsAsArray: true })
        .stream({ highWaterMark: 1000 });
      for await (const row of stream as AsyncIterable<unknown[]>) {
        rows++;
        idSum += BigInt(row[0] as string | number);
      }
      return { ms: performance.now() - start, rows, idSum };
    } finally {
      conn.destroy();
    }
  }
  const client = await pgConnect(url);
  try {
    const start = performance.now();
    await client.query('BEGIN');
    await client.query(`DECLARE c NO SCROLL CURSOR FOR SELECT * FROM ${table} ORDER BY id`);
    for (;;) {
      const r = await client.query({ text: 'FETCH 1000 FROM c', rowMode: 'array' });
      for (const row of r.rows as string[][]) {
        rows++;
        idSum += BigInt(row[0]!);
      }
      if (r.rows.length < 1000) break;
    }
    await client.query('COMMIT');
    return { ms: performance.now() - start, rows, idSum };
  } finally {
    await client.end();
  }
}

async function sourceSluice(
  kind: Kind,
  url: string,
  table: string,
  rows: number,
): Promise<{ ms: number; rows: number; idSum: bigint; heapAfterGcMb: number[] }> {
  const u = new URL(url);
  const database = u.pathname.slice(1);
  const props = {
    'connection.url': jdbcUrl(kind, url),
    'connection.user': decodeURIComponent(u.username),
    mode: 'incrementing',
    'incrementing.column.name': 'id',
    'topic.prefix': 'bench-',
    tables: JSON.stringify([
      kind === 'mariadb'
        ? { catalog: database, schema: null, table }
        : { catalog: null, schema: 'public', table },
    ]),
  };
  const task = new JdbcSourceTask();
  task.initialize(new TestSourceTaskContext(props));
  await task.start(props);
  let count = 0;
  let idSum = 0n;
  // Heap after a forced full GC every rows/20 rows (the child runs with --expose-gc); the time
  // the samples take is left out of the read's time.
  const gc = (globalThis as { gc?: () => void }).gc;
  const heapAfterGcMb: number[] = [];
  const every = Math.max(1, Math.floor(rows / HEAP_SAMPLES));
  let nextSample = every;
  let sampling = 0;
  try {
    const start = performance.now();
    while (count < rows) {
      const records: SourceRecord[] | null = await task.poll();
      for (const r of records ?? []) {
        count++;
        idSum += BigInt((r.value as Struct).get('id') as number);
      }
      if (gc !== undefined && count >= nextSample) {
        const t0 = performance.now();
        rssSamplesMb.push(process.memoryUsage.rss() / 1048576);
        gc();
        heapAfterGcMb.push(process.memoryUsage().heapUsed / 1048576);
        nextSample += every;
        sampling += performance.now() - t0;
      }
    }
    return { ms: performance.now() - start - sampling, rows: count, idSum, heapAfterGcMb };
  } finally {
    await task.stop();
  }
}

async function child(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      child: { type: 'string' },
      kind: { type: 'string' },
      url: { type: 'string' },
      table: { type: 'string' },
      rows: { type: 'string' },
      batch: { type: 'string' },
      variant: { type: 'string' },
    },
  });
  const kind = values.kind as Kind;
  const url = values.url!;
  const table = values.table!;
  const rows = Number(values.rows);
  let ms: number;
  let count = rows;
  let idSum = (BigInt(rows) * BigInt(rows + 1)) / 2n;
  let heapAfterGcMb: number[] | undefined;
  switch (values.child) {
    case 'sink-ceiling':
      ms = await sinkCeiling(kind, url, table, rows);
      break;
    case 'sink-sluice':
      ms = await sinkSluice(kind, url, table, rows, Number(values.batch));
      break;
    case 'sink-sluice-upsert':
      ms = await sinkSluice(kind, url, table, rows, Number(values.batch), true);
      break;
    case 'upsert-ceiling':
      ms = await upsertCeiling(kind, url, table, rows, Number(values.batch), values.variant!);
      break;
    case 'sink-sluice-memory':
      heapAfterGcMb = [];
      ms = await sinkSluice(kind, url, table, rows, Number(values.batch), false, heapAfterGcMb);
      break;
    case 'source-ceiling': {
      const r = await sourceCeiling(kind, url, table);
      ({ ms, rows: count, idSum } = r);
      break;
    }
    case 'source-sluice': {
      const r = await sourceSluice(kind, url, table, rows);
      ({ ms, rows: count, idSum, heapAfterGcMb } = r);
      break;
    }
    default:
      throw new Error(`unknown case ${values.child}`);
  }
  const cpu = cpuAtStart === null ? null : process.cpuUsage(cpuAtStart);
  const result: ChildResult = {
    ...(cpu === null ? {} : { cpuMs: Math.round((cpu.user + cpu.system) / 1000) }),
    rows: count,
    ms,
    idSum: idSum.toString(),
    maxRssKb: process.resourceUsage().maxRSS,
    ...(heapAfterGcMb === undefined ? {} : { heapAfterGcMb }),
    ...(rssSamplesMb.length === 0 ? {} : { rssMb: rssSamplesMb }),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Driver side

function runChild(args: string[]): ChildResult {
  log(`case ${args.join(' ').replace(/--url \S+/, '--url …')}`);
  const gcFlag = args[1] === 'source-sluice' || args[1] === 'sink-sluice-memory' ? ['--expose-gc'] : [];
  const r = spawnSync(process.execPath, [...process.execArgv, ...gcFlag, import.meta.filename, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`case ${args[1]} exited with ${r.status ?? r.signal}`);
  return lastJsonLine<ChildResult>(r.stdout, `case ${args[1]}`);
}

/** `min–max MB (first a, last b)` of a memory case's samples (heap after GC, or RSS). */
function sampleLine(h: number[] | undefined): string {
  if (h === undefined || h.length === 0) return 'not sampled';
  const f = (n: number): string => n.toFixed(1);
  return `${f(Math.min(...h))}–${f(Math.max(...h))} MB (first ${f(h[0]!)}, last ${f(h[h.length - 1]!)})`;
}
const heapLine = (r: ChildResult): string => sampleLine(r.heapAfterGcMb);
const rssLine = (r: ChildResult): string => sampleLine(r.rssMb);

async function tableFacts(kind: Kind, url: string, table: string): Promise<{ rows: number; idSum: string }> {
  if (kind === 'mariadb') {
    const conn = await mysqlConnect(url);
    try {
      const [rows] = await conn.query(`SELECT COUNT(*) AS n, CAST(SUM(id) AS CHAR) AS s FROM ${table}`);
      const r = (rows as Array<{ n: string | number; s: string }>)[0]!;
      return { rows: Number(r.n), idSum: String(r.s) };
    } finally {
      await conn.end();
    }
  }
  const client = await pgConnect(url);
  try {
    const r = await client.query(`SELECT COUNT(*) AS n, SUM(id)::text AS s FROM ${table}`);
    const row = r.rows[0] as { n: string; s: string };
    return { rows: Number(row.n), idSum: row.s };
  } finally {
    await client.end();
  }
}

async function exec(kind: Kind, url: string, sql: string): Promise<void> {
  if (kind === 'mariadb') {
    const conn = await mysqlConnect(url);
    await conn.query(sql).finally(() => conn.end());
    return;
  }
  const client = await pgConnect(url);
  await client.query(sql).finally(() => client.end());
}

async function driver(): Promise<void> {
  const opts = parseOptions({
    rows: positiveInt(1_000_000),
    batch: positiveInt(3000),
    databases: text('mariadb,postgresql'),
    'no-results': flag(),
  });
  const kinds = opts.databases.split(',').map((k) => k.trim()) as Kind[];
  const loadBefore = os.loadavg();
  const expectedSum = ((BigInt(opts.rows) * BigInt(opts.rows + 1)) / 2n).toString();
  const small = Math.max(1, Math.floor(opts.rows / 10));
  const smallSum = ((BigInt(small) * BigInt(small + 1)) / 2n).toString();
  const checks: Check[] = [];
  const lines: string[] = [];
  const table: string[] = [
    '| Database | Case | Ceiling (rows/s) | Sluice (rows/s) | Sluice / ceiling | Peak RSS ceiling | Peak RSS Sluice |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const rate = (r: ChildResult): number => (r.rows / r.ms) * 1000;
  for (const kind of kinds) {
    const server =
      kind === 'mariadb'
        ? await startMariaDb({ ownerPid: process.pid })
        : await startPostgres({ ownerPid: process.pid });
    let url: string;
    if (kind === 'mariadb') {
      const base = (server as { url: string }).url;
      await exec(kind, base, 'CREATE DATABASE bench');
      await exec(kind, base, 'SET GLOBAL local_infile = 1');
      url = `${base}bench`;
    } else {
      url = (server as { connectionString: string }).connectionString;
    }
    try {
      const common = ['--kind', kind, '--url', url, '--rows', String(opts.rows)];
      // Sink: ceiling, then Sluice, each into a fresh empty table.
      await exec(kind, url, ddl(kind, 'sink_ceiling'));
      const sinkCeil = runChild(['--child', 'sink-ceiling', ...common, '--table', 'sink_ceiling']);
      const ceilFacts = await tableFacts(kind, url, 'sink_ceiling');
      checks.push({
        what: `${kind} sink ceiling wrote every row`,
        ok: ceilFacts.rows === opts.rows && ceilFacts.idSum === expectedSum,
        detail: `${fmtN(ceilFacts.rows)} rows`,
      });
      await exec(kind, url, ddl(kind, 'sink_sluice'));
      const sinkSl = runChild([
        '--child',
        'sink-sluice',
        ...common,
        '--table',
        'sink_sluice',
        '--batch',
        String(opts.batch),
      ]);
      const slFacts = await tableFacts(kind, url, 'sink_sluice');
      checks.push({
        what: `${kind} Sluice sink wrote every row once`,
        ok: slFacts.rows === opts.rows && slFacts.idSum === expectedSum,
        detail: `${fmtN(slFacts.rows)} rows`,
      });
      table.push(
        `| ${kind} | sink, ${fmtN(opts.rows)} rows | ${fmtN(Math.round(rate(sinkCeil)))} | ${fmtN(Math.round(rate(sinkSl)))} | ${fmtRatio(rate(sinkSl) / rate(sinkCeil))} | ${mb(sinkCeil.maxRssKb)} | ${mb(sinkSl.maxRssKb)} |`,
      );
      // Upsert mode (pk.mode record_value on id) into another empty table, against the same ceiling.
      await exec(kind, url, ddl(kind, 'sink_upsert'));
      const sinkUp = runChild([
        '--child',
        'sink-sluice-upsert',
        ...common,
        '--table',
        'sink_upsert',
        '--batch',
        String(opts.batch),
      ]);
      const upFacts = await tableFacts(kind, url, 'sink_upsert');
      checks.push({
        what: `${kind} Sluice upsert sink wrote every row once`,
        ok: upFacts.rows === opts.rows && upFacts.idSum === expectedSum,
        detail: `${fmtN(upFacts.rows)} rows`,
      });
      table.push(
        `| ${kind} | sink upsert vs the bulk load, ${fmtN(opts.rows)} rows | ${fmtN(Math.round(rate(sinkCeil)))} | ${fmtN(Math.round(rate(sinkUp)))} | ${fmtRatio(rate(sinkUp) / rate(sinkCeil))} | ${mb(sinkCeil.maxRssKb)} | ${mb(sinkUp.maxRssKb)} |`,
      );
      // The upsert ceiling: the driver's own upserts of the same rows, each into an empty table;
      // the fastest is the ceiling.
      const upserts: Array<[string, ChildResult]> = [];
      for (const variant of UPSERT_VARIANTS[kind]) {
        const t = `upsert_${variant.replaceAll('-', '_')}`;
        await exec(kind, url, ddl(kind, t));
        const r = runChild([
          '--child',
          'upsert-ceiling',
          ...common,
          '--table',
          t,
          '--batch',
          String(opts.batch),
          '--variant',
          variant,
        ]);
        const facts = await tableFacts(kind, url, t);
        checks.push({
          what: `${kind} driver upsert (${variant}) wrote every row once`,
          ok: facts.rows === opts.rows && facts.idSum === expectedSum,
          detail: `${fmtN(facts.rows)} rows`,
        });
        upserts.push([variant, r]);
      }
      const [bestVariant, upCeil] = upserts.reduce((a, b) => (rate(b[1]) > rate(a[1]) ? b : a));
      table.push(
        `| ${kind} | sink upsert vs the driver's upsert (${bestVariant}), ${fmtN(opts.rows)} rows | ${fmtN(Math.round(rate(upCeil)))} | ${fmtN(Math.round(rate(sinkUp)))} | ${fmtRatio(rate(sinkUp) / rate(upCeil))} | ${mb(upCeil.maxRssKb)} | ${mb(sinkUp.maxRssKb)} |`,
      );
      lines.push(
        `- ${kind}: the driver's upserts of the same rows into an empty table keyed on id (see upsertCeiling in run.ts), rows/s (client CPU): ${upserts
          .map(([v, r]) => `${v} ${fmtN(Math.round(rate(r)))} (${fmtN(r.cpuMs ?? 0)} ms)`)
          .join(', ')}; the fastest, ${bestVariant}, is the upsert ceiling`,
      );
      lines.push(
        `- ${kind}: CPU time of the client process during the sink load (user + system; the database server's is not counted): ceiling ${fmtN(sinkCeil.cpuMs ?? 0)} ms, Sluice ${fmtN(sinkSl.cpuMs ?? 0)} ms, Sluice upsert ${fmtN(sinkUp.cpuMs ?? 0)} ms`,
      );
      // Sink memory (insert mode): a load of N/10 rows and one of N rows, each into an empty table,
      // with the heap sampled after full GCs.
      const sinkMem: ChildResult[] = [];
      for (const [n, sum, t] of [
        [small, smallSum, 'sink_memory_small'],
        [opts.rows, expectedSum, 'sink_memory'],
      ] as const) {
        await exec(kind, url, ddl(kind, t));
        const r = runChild([
          '--child',
          'sink-sluice-memory',
          '--kind',
          kind,
          '--url',
          url,
          '--rows',
          String(n),
          '--table',
          t,
          '--batch',
          String(opts.batch),
        ]);
        const facts = await tableFacts(kind, url, t);
        checks.push({
          what: `${kind} Sluice sink (memory run) wrote every row of ${t} once`,
          ok: facts.rows === n && facts.idSum === sum,
          detail: `${fmtN(facts.rows)} rows`,
        });
        sinkMem.push(r);
      }
      const [memSmall, memFull] = sinkMem as [ChildResult, ChildResult];
      lines.push(
        `- ${kind}: Sluice sink (insert mode) peak RSS ${mb(memSmall.maxRssKb)} over ${fmtN(small)} rows vs ${mb(memFull.maxRssKb)} over ${fmtN(opts.rows)} rows (runs of their own, forced full GCs included); heap used after a full GC, ${HEAP_SAMPLES} samples through the load: ${heapLine(memSmall)} over ${fmtN(small)} rows vs ${heapLine(memFull)} over ${fmtN(opts.rows)} rows; RSS at those samples (before the GC): ${rssLine(memSmall)} vs ${rssLine(memFull)}`,
      );
      // Source: read the table the ceiling loaded, then a table of a tenth of its size.
      const srcCeil = runChild(['--child', 'source-ceiling', ...common, '--table', 'sink_ceiling']);
      const srcSl = runChild(['--child', 'source-sluice', ...common, '--table', 'sink_ceiling']);
      for (const [who, r] of [
        ['ceiling', srcCeil],
        ['Sluice', srcSl],
      ] as const) {
        checks.push({
          what: `${kind} ${who} source read every row`,
          ok: r.rows === opts.rows && r.idSum === expectedSum,
          detail: `${fmtN(r.rows)} rows`,
        });
      }
      table.push(
        `| ${kind} | source, ${fmtN(opts.rows)} rows | ${fmtN(Math.round(rate(srcCeil)))} | ${fmtN(Math.round(rate(srcSl)))} | ${fmtRatio(rate(srcSl) / rate(srcCeil))} | ${mb(srcCeil.maxRssKb)} | ${mb(srcSl.maxRssKb)} |`,
      );
      await exec(kind, url, ddl(kind, 'source_small'));
      await exec(kind, url, `INSERT INTO source_small SELECT * FROM sink_ceiling WHERE id <= ${small}`);
      const srcSmall = runChild([
        '--child',
        'source-sluice',
        '--kind',
        kind,
        '--url',
        url,
        '--rows',
        String(small),
        '--table',
        'source_small',
      ]);
      checks.push({
        what: `${kind} Sluice source read every row of the small table`,
        ok: srcSmall.rows === small && srcSmall.idSum === smallSum,
        detail: `${fmtN(srcSmall.rows)} rows`,
      });
      lines.push(
        `- ${kind}: Sluice source peak RSS ${mb(srcSmall.maxRssKb)} over ${fmtN(small)} rows vs ${mb(srcSl.maxRssKb)} over ${fmtN(opts.rows)} rows (${fmtN(Math.round(rate(srcSmall)))} rows/s on the small table); heap used after a full GC, ${HEAP_SAMPLES} samples through the read: ${heapLine(srcSmall)} over ${fmtN(small)} rows vs ${heapLine(srcSl)} over ${fmtN(opts.rows)} rows; RSS at those samples (before the GC): ${rssLine(srcSmall)} vs ${rssLine(srcSl)}`,
      );
    } finally {
      await (server as { stop(): Promise<void> }).stop();
    }
  }
  const loadAfter = os.loadavg();
  const ok = checks.every((c) => c.ok);
  for (const c of checks) console.error(checkLine(c));
  const node = node24Info();
  const mysql2 = (require('mysql2/package.json') as { version: string }).version;
  const pgVersion = (require('pg/package.json') as { version: string }).version;
  const copyVersion = (require('pg-copy-streams/package.json') as { version: string }).version;
  const section = [
    sectionTitle('JDBC connectors (sink and source vs the driver ceiling)', ok),
    '',
    ...machineLines(loadBefore, loadAfter),
    `- Sluice: ${gitDescribe(['packages/', 'benchmarks/jdbc'])}; Node ${node.node}; tasks driven in-process (no worker, no converter)`,
    `- Drivers: mysql2 ${mysql2}, pg ${pgVersion}, pg-copy-streams ${copyVersion}; servers: MariaDB from Debian, PostgreSQL 15 (fresh, started by @sluice/testing)`,
    `- Method: see benchmarks/jdbc/run.ts; sink batches of ${fmtN(opts.batch)} records (insert mode with pk.mode none, and upsert mode with pk.mode record_value on id, each into an empty table; one transaction per put; put.pipelining at its default, true, the Sluice time ending after the preCommit that waits for the last put); upsert ceiling: the fastest of the driver's own upserts of the same rows (MariaDB: LOAD DATA LOCAL into a temporary table then one INSERT ... SELECT ... ON DUPLICATE KEY UPDATE; the same per ${fmtN(opts.batch)} rows in a transaction, the temporary table emptied each time; multi-row INSERT ... ON DUPLICATE KEY UPDATE of ${fmtN(opts.batch)} rows as SQL text. PostgreSQL: COPY into a temporary table then one INSERT ... SELECT ... ON CONFLICT (id) DO UPDATE, or one MERGE); source mode incrementing, batch.max.rows 100 (the default; PostgreSQL cursor fetches of 1000); each case in its own process, one after the other`,
    '',
    ...table,
    '',
    ...lines,
    checksLine(checks),
    '',
  ].join('\n');
  console.log(section);
  appendSection(section, opts['no-results'] ? '--no-results' : undefined);
  exitIfFailed(ok);
}

if (process.argv.includes('--child')) await child(process.argv.slice(2));
else await driver();
