// PostgreSQL change data capture benchmark: Sluice's PostgresConnector in `sluice standalone`,
// `pg_recvlogical` draining the same kind of slot (pgoutput) to /dev/null (the physical ceiling),
// and Debezium's PostgresConnector 3.x in Apache Kafka Connect's `connect-standalone` (both from
// Maven Central, Java 17), on one PostgreSQL 15 and one Kafka broker, one after the other.
//
//   bash scripts/run-node.sh benchmarks/postgres-cdc/run.ts                          # full run, appends to benchmarks/RESULTS.md
//   bash scripts/run-node.sh benchmarks/postgres-cdc/run.ts --rows 20000 --no-results # quick smoke run
//
// Other options: --tx-rows N (rows per transaction in the backlog, 1000), --latency-rows N (20000),
// --latency-rate N (changes/s in the latency phase, 2000), --poll-ms, --pause-ms, --timeout-s,
// --jvm-args "..." (extra JVM flags for Kafka Connect, recorded in the section), --profile (the
// Sluice worker under --cpu-prof into benchmarks/.work/postgres-cdc/profiles; never writes RESULTS.md),
// --systems sluice[,recvlogical,debezium] (run only these; the comparison table and RESULTS.md need all three),
// --connector-props "k=v,k=v" (extra connector properties for both connectors, e.g. max.batch.size;
// recorded in the section).
//
// Per system: TRUNCATE the table, create a fresh pgoutput slot, write the backlog of --rows
// inserts (transactions of --tx-rows rows) while nobody reads the slot, then start the consumer:
// **events/s** is the rate it drains that backlog from its first event to its last (start-up
// excluded). Then, with the consumer caught up, **latency**: --latency-rows inserts written at
// --latency-rate changes/s (transactions of 10 rows); each record's latency is its broker append
// time (topic with message.timestamp.type=LogAppendTime) minus its commit time (`source.ts_ms`).
// Peak RSS is VmHWM of the consumer process at the end. Checks (a failure exits 1 and marks the
// section CHECK FAILED): each connector's topic holds exactly rows + latency-rows records, one per
// id, every id present; pg_recvlogical's walsender sent everything.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { startKafka, startPostgres } from '@sluice/testing';
import pg from 'pg';
import { fetchMavenLibs, jarVersion, log, run, sleep, workDir } from '../lib/bench-util.ts';
import {
  type Command,
  connectCommand,
  cpuProfArgs,
  sluiceCommand,
  endOffset as topicEndOffset,
  writeConnectLog4j,
} from '../lib/connect.ts';
import { fmtLoad, fmtMs, fmtN, fmtRate, fmtRatio, mb, percentile } from '../lib/format.ts';
import { gitDescribe, javaInfo, node24Info, sluiceRunFrom } from '../lib/machine.ts';
import { flag, nonNegativeInt, parseOptions, positiveInt, text, words } from '../lib/options.ts';
import {
  childrenOf,
  cpuSeconds,
  type Proc,
  procStatusKb,
  startProc,
  stopProc,
  tail,
} from '../lib/processes.ts';
import {
  appendSection,
  type Check,
  checkLine,
  checksLine,
  exitIfFailed,
  machineLines,
  sectionTitle,
} from '../lib/results.ts';

const here = import.meta.dirname;
const work = workDir('postgres-cdc');
const libs = path.join(work, 'libs');
const runDir = path.join(work, 'run');
const logDir = path.join(work, 'logs');
const PG_BIN = '/usr/lib/postgresql/15/bin';

const opts = parseOptions({
  rows: positiveInt(1_000_000),
  'tx-rows': positiveInt(1000),
  'latency-rows': positiveInt(20_000),
  'latency-rate': positiveInt(2000),
  'poll-ms': positiveInt(50),
  'pause-ms': nonNegativeInt(3000),
  'timeout-s': positiveInt(900),
  'jvm-args': words(),
  'no-results': flag(),
  profile: flag(),
  systems: text('recvlogical,sluice,debezium'),
  'connector-props': text(),
});
const ROWS = opts.rows;
const TX_ROWS = opts['tx-rows'];
const LAT_ROWS = opts['latency-rows'];
const LAT_RATE = opts['latency-rate'];
const LAT_TX = 10;
const POLL_MS = opts['poll-ms'];
const PAUSE_MS = opts['pause-ms'];
const TIMEOUT_MS = opts['timeout-s'] * 1000;
if (LAT_ROWS % LAT_TX !== 0) throw new Error(`--latency-rows must be a multiple of ${LAT_TX}`);
const jvmArgs = opts['jvm-args'];
const profile = opts.profile;
const ALL_SYSTEMS = ['recvlogical', 'sluice', 'debezium'] as const;
const selected = opts.systems.split(',').map((s) => s.trim());
for (const s of selected) {
  if (!(ALL_SYSTEMS as readonly string[]).includes(s))
    throw new Error(`--systems: '${s}' is not one of ${ALL_SYSTEMS.join(', ')}`);
}
const allSystems = ALL_SYSTEMS.every((s) => selected.includes(s));
const writeResults = !opts['no-results'] && !profile && allSystems;
const extraConnectorProps = opts['connector-props']
  .split(',')
  .map((p) => p.trim())
  .filter((p) => p !== '');
for (const p of extraConnectorProps) {
  if (!/^[\w.-]+=.*$/.test(p)) throw new Error(`--connector-props: '${p}' is not key=value`);
}

// ---------------------------------------------------------------------------------------------
// Set-up: jars, versions, servers

const loadBefore = os.loadavg();
const sluiceSource = gitDescribe(['packages']);
fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^debezium-connector-postgres-.*\.jar$/);
const connectVersion = jarVersion(libs, 'connect-runtime');
const debeziumVersion = jarVersion(libs, 'debezium-connector-postgres');
const jdbcVersion = jarVersion(libs, 'postgresql');

const { bin: node24, node: nodeVersion } = node24Info();
// The section names the first line of `java -version` only.
const java = javaInfo(jvmArgs, 1);
const recvlogicalVersion = run(path.join(PG_BIN, 'pg_recvlogical'), ['--version'], true).trim();
const sluiceFrom = sluiceRunFrom();

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
mkdirSync(logDir, { recursive: true });
const log4jFile = path.join(runDir, 'connect-log4j2.properties');
writeConnectLog4j(log4jFile);

const postgres = await startPostgres({ ownerPid: process.pid, log });
const kafka = await startKafka({ ownerPid: process.pid, log });
const monitor = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'bench-monitor',
});
const DB = 'bench';
const TABLE = 'bench_rows';
const PUBLICATION = 'bench_pub';
let sql: pg.Client;
{
  const admin = new pg.Client({ connectionString: postgres.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const url = new URL(postgres.connectionString);
  url.pathname = `/${DB}`;
  sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  await sql.query(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2),
                   created timestamptz NOT NULL DEFAULT now())`);
  await sql.query(`CREATE PUBLICATION ${PUBLICATION} FOR TABLE ${TABLE}`);
}
const pgVersion = ((await sql.query('SHOW server_version')).rows[0] as { server_version: string })
  .server_version;

// ---------------------------------------------------------------------------------------------
// One system

type System = 'sluice' | 'recvlogical' | 'debezium';
const label: Record<System, string> = {
  sluice: 'Sluice PostgresConnector',
  recvlogical: 'pg_recvlogical → /dev/null',
  debezium: `Debezium ${debeziumVersion}`,
};

interface Result {
  system: System;
  writeS: number;
  startupMs: number;
  firstCount: number;
  steadyMs: number;
  rate: number;
  latency: { p50: number; p99: number; max: number; count: number } | null;
  peakRssKb: number;
  cpuS: number;
  exit: string;
}

const results: Result[] = [];
const checks: Check[] = [];
let running: Proc | undefined;

const lsnValue = (text: string) => {
  const [hi, lo] = text.split('/');
  return BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
};
const query1 = async <T>(text: string, values: unknown[] = []): Promise<T> =>
  (await sql.query(text, values)).rows[0] as T;

async function writeRows(first: number, count: number, txRows: number): Promise<void> {
  for (let a = first; a < first + count; a += txRows) {
    const b = Math.min(first + count, a + txRows) - 1;
    await sql.query(
      `INSERT INTO ${TABLE} (id, name, amount) SELECT g, 'customer-' || g, (g % 1000000) / 100.0 FROM generate_series(${a}, ${b}) g`,
    );
  }
}

const endOffset = (topic: string): Promise<number> => topicEndOffset(monitor, topic);

/** Reads the whole topic: ids (to check) and, for ids > ROWS, append time − commit time. */
async function readBack(
  topic: string,
): Promise<{ count: number; ids: Uint8Array; dupes: number; latencies: number[] }> {
  const ids = new Uint8Array(ROWS + LAT_ROWS + 1);
  let dupes = 0;
  let count = 0;
  const latencies: number[] = [];
  const end = await endOffset(topic);
  let offset = 0;
  while (offset < end) {
    const [part] = await monitor.fetch([{ topic, partition: 0, offset }], {
      maxBytes: 50 * 1024 * 1024,
      maxWaitMs: 200,
    });
    if (part === undefined || part.error !== undefined)
      throw new Error(`fetch ${topic}: ${part?.error?.message}`);
    for (const r of part.records) {
      count++;
      if (r.value === null) continue;
      const v = JSON.parse(r.value.toString('utf8')) as {
        after: { id: number } | null;
        source: { ts_ms: number };
      };
      const id = v.after?.id ?? 0;
      if (id > 0 && id < ids.length) {
        if (ids[id] === 1) dupes++;
        ids[id] = 1;
      }
      if (id > ROWS) {
        if (r.timestampType !== 'LogAppendTime')
          throw new Error(`${topic}: record timestamps are not LogAppendTime`);
        latencies.push(r.timestamp - v.source.ts_ms);
      }
    }
    offset = Math.max(offset + 1, part.nextOffset);
  }
  return { count, ids, dupes, latencies };
}

async function dropSlot(slot: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const row = await query1<{ active: boolean } | undefined>(
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    if (row === undefined) return;
    if (!row.active) {
      await sql.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return;
    }
    await sleep(100);
  }
  throw new Error(`slot ${slot} stayed active`);
}

function workerFiles(system: 'sluice' | 'debezium', prefix: string, slot: string): [string, string] {
  const worker = path.join(runDir, `${system}-worker.properties`);
  writeFileSync(
    worker,
    [
      `bootstrap.servers=${kafka.bootstrapServers}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=false',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=false',
      `offset.storage.file.filename=${path.join(runDir, `${system}.offsets`)}`,
      'offset.flush.interval.ms=10000',
      'listeners=http://127.0.0.1:0',
      '',
    ].join('\n'),
  );
  const connector = path.join(runDir, `${system}-connector.properties`);
  writeFileSync(
    connector,
    [
      `name=bench-${system}`,
      'connector.class=io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max=1',
      `database.hostname=${postgres.host}`,
      `database.port=${postgres.port}`,
      `database.user=${postgres.user}`,
      `database.dbname=${DB}`,
      `topic.prefix=${prefix}`,
      'plugin.name=pgoutput',
      `slot.name=${slot}`,
      `publication.name=${PUBLICATION}`,
      'publication.autocreate.mode=disabled',
      'snapshot.mode=no_data',
      `table.include.list=public.${TABLE}`,
      ...extraConnectorProps,
      '',
    ].join('\n'),
  );
  return [worker, connector];
}

function command(system: System, slot: string, prefix: string): Command {
  if (system === 'recvlogical') {
    return {
      cmd: path.join(PG_BIN, 'pg_recvlogical'),
      args: [
        '-h',
        postgres.host,
        '-p',
        String(postgres.port),
        '-U',
        postgres.user,
        '-d',
        DB,
        '--slot',
        slot,
        '--start',
        '--no-loop',
        '-o',
        'proto_version=1',
        '-o',
        `publication_names=${PUBLICATION}`,
        '-f',
        '/dev/null',
        '-s',
        '1',
        '-F',
        '0',
      ],
      env: { ...process.env },
    };
  }
  const [worker, connector] = workerFiles(system, prefix, slot);
  if (system === 'sluice') {
    return sluiceCommand({
      node: node24,
      nodeArgs: profile ? cpuProfArgs(path.join(work, 'profiles')) : [],
      args: ['standalone', worker, connector],
      logLevel: 'WARN',
    });
  }
  return connectCommand({
    jvmArgs,
    log4jFile,
    libs,
    mainClass: 'org.apache.kafka.connect.cli.ConnectStandalone',
    args: [worker, connector],
  });
}

/** A failure the consumer logged (a failed task keeps its worker alive). */
function loggedFailure(system: System, file: string): string | null {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const re =
    system === 'sluice' ? /"level":"(ERROR|FATAL)"/ : system === 'debezium' ? /\] ERROR / : /error:/i;
  return re.test(text) ? tail(file) : null;
}

async function runSystem(system: System): Promise<void> {
  const slot = `bench_${system}`;
  const prefix = `bench_${system}`;
  const topic = `${prefix}.public.${TABLE}`;
  const logFile = path.join(logDir, `${system}.log`);
  await sql.query(`TRUNCATE ${TABLE}`);
  await sql.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  const start = lsnValue(
    (
      await query1<{ l: string }>(
        'SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      )
    ).l,
  );
  log(
    `${label[system]}: writing ${fmtN(ROWS)} inserts in transactions of ${fmtN(TX_ROWS)} (nobody reads the slot yet)`,
  );
  const w0 = performance.now();
  await writeRows(1, ROWS, TX_ROWS);
  const writeS = (performance.now() - w0) / 1000;
  const target = lsnValue((await query1<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).l);
  if (system !== 'recvlogical') {
    await monitor.createTopics([
      {
        name: topic,
        partitions: 1,
        replicationFactor: 1,
        configs: { 'message.timestamp.type': 'LogAppendTime' },
      },
    ]);
  }
  const progress = async (): Promise<number> => {
    if (system !== 'recvlogical') return endOffset(topic);
    const row = await query1<{ l: string | null } | undefined>(
      `SELECT r.sent_lsn::text AS l FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1`,
      [slot],
    );
    if (row?.l == null) return 0;
    const sent = lsnValue(row.l);
    if (sent >= target) return ROWS;
    return sent <= start ? 0 : Math.floor((Number(sent - start) / Number(target - start)) * ROWS);
  };

  await sleep(PAUSE_MS);
  log(`${label[system]}: starting (load ${fmtLoad(os.loadavg())})`);
  const { cmd, args, env } = command(system, slot, prefix);
  const t0 = performance.now();
  const p = startProc(cmd, args, { cwd: runDir, env, logFile });
  running = p;
  let first: { t: number; count: number } | undefined;
  let doneAt = 0;
  let lastReport = t0;
  const watch = async (want: number, what: string): Promise<number> => {
    for (const deadline = performance.now() + TIMEOUT_MS; ; ) {
      if (p.exited) throw new Error(`${label[system]}: exited early; tail of ${logFile}:\n${tail(logFile)}`);
      const failure = loggedFailure(system, logFile);
      if (failure !== null) throw new Error(`${label[system]}: logged an error:\n${failure}`);
      if (performance.now() > deadline)
        throw new Error(`${label[system]}: timed out (${what}); tail of ${logFile}:\n${tail(logFile)}`);
      const count = await progress();
      const t = performance.now();
      if (first === undefined && count > 0) first = { t, count };
      if (count >= want) return t;
      if (t - lastReport > 5000) {
        log(`${label[system]}: ${fmtN(count)} ${what} after ${((t - t0) / 1000).toFixed(1)} s`);
        lastReport = t;
      }
      await sleep(POLL_MS);
    }
  };
  doneAt = await watch(ROWS, 'events');
  const f = first!;
  const steadyMs = doneAt - f.t;
  const rate = steadyMs > 0 ? ((ROWS - f.count) * 1000) / steadyMs : Number.NaN;
  log(`${label[system]}: ${fmtRate(rate)} events/s (first after ${((f.t - t0) / 1000).toFixed(2)} s)`);

  if (system !== 'recvlogical') {
    log(`${label[system]}: latency phase, ${fmtN(LAT_ROWS)} inserts at ${fmtN(LAT_RATE)}/s`);
    const l0 = performance.now();
    const intervalMs = (1000 * LAT_TX) / LAT_RATE;
    for (let i = 0; i < LAT_ROWS / LAT_TX; i++) {
      const due = l0 + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await writeRows(ROWS + 1 + i * LAT_TX, LAT_TX, LAT_TX);
    }
    await watch(ROWS + LAT_ROWS, 'events incl. the latency phase');
    await sleep(1000);
  }
  const finalProgress = await progress();
  const peakRssKb = procStatusKb(p.pid, 'VmHWM') ?? 0;
  const cpuS = cpuSeconds(p.pid);
  const children = childrenOf(p.pid);
  const stopped = system === 'recvlogical' ? await stopProcInt(p) : await stopProc(p);
  running = undefined;
  if (system === 'sluice' && children.length > 0)
    throw new Error(`the Sluice worker ${p.pid} has child processes: its RSS is not the worker's`);

  let latency: Result['latency'] = null;
  if (system !== 'recvlogical') {
    const back = await readBack(topic);
    let missing = 0;
    for (let id = 1; id <= ROWS + LAT_ROWS; id++) if (back.ids[id] !== 1) missing++;
    checks.push({
      what: `${label[system]}: topic holds every change once`,
      ok: back.count === ROWS + LAT_ROWS && missing === 0 && back.dupes === 0,
      detail: `${fmtN(back.count)} records (expected ${fmtN(ROWS + LAT_ROWS)}), ${missing} ids missing, ${back.dupes} duplicates`,
    });
    const sorted = back.latencies.sort((a, b) => a - b);
    latency = {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? Number.NaN,
      count: sorted.length,
    };
  } else {
    checks.push({
      what: 'pg_recvlogical: its walsender sent the whole backlog',
      ok: finalProgress >= ROWS,
      detail: `sent_lsn ${finalProgress >= ROWS ? 'reached' : 'did not reach'} the WAL position after the last insert`,
    });
  }
  await dropSlot(slot);
  results.push({
    system,
    writeS,
    startupMs: f.t - t0,
    firstCount: f.count,
    steadyMs,
    rate,
    latency,
    peakRssKb,
    cpuS,
    exit: stopped.code === null ? `killed by ${stopped.signal}` : `exit code ${stopped.code}`,
  });
  await sleep(PAUSE_MS);
}

/** pg_recvlogical ends cleanly on SIGINT; SIGTERM (then SIGKILL) only if it has not after 10 s. */
async function stopProcInt(p: Proc): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!p.exited) p.child.kill('SIGINT');
  await Promise.race([p.exit, sleep(10_000)]);
  return stopProc(p);
}

try {
  for (const system of ALL_SYSTEMS) if (selected.includes(system)) await runSystem(system);
} finally {
  if (running !== undefined) await stopProc(running);
  await sql.end().catch(() => {});
  await monitor.close();
  await kafka.stop();
  await postgres.stop();
}
const loadAfter = os.loadavg();
if (!allSystems) {
  // A partial run (profiling, a quick look at one system): no comparison, nothing written.
  for (const r of results) {
    console.log(
      `${label[r.system]}: ${fmtRate(r.rate)} events/s; latency p50 ${fmtMs(r.latency?.p50 ?? Number.NaN)}, p99 ${fmtMs(r.latency?.p99 ?? Number.NaN)}; peak RSS ${mb(r.peakRssKb)}; CPU ${r.cpuS.toFixed(1)} s`,
    );
  }
  for (const c of checks) console.log(checkLine(c));
  process.exit(checks.every((c) => c.ok) ? 0 : 1);
}

// ---------------------------------------------------------------------------------------------
// Report

const get = (s: System) => results.find((r) => r.system === s)!;
const sl = get('sluice');
const dz = get('debezium');
const ceiling = get('recvlogical');
const allOk = checks.every((c) => c.ok);
const table = [
  '| System | events/s | vs Debezium | vs pg_recvlogical | latency p50 | latency p99 | peak RSS | RSS vs Debezium |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...(['sluice', 'debezium', 'recvlogical'] as const).map((s) => {
    const r = get(s);
    return `| ${label[s]} | ${fmtRate(r.rate)} | ${fmtRatio(r.rate / dz.rate)} | ${fmtRatio(r.rate / ceiling.rate)} | ${fmtMs(r.latency?.p50 ?? Number.NaN)} | ${fmtMs(r.latency?.p99 ?? Number.NaN)} | ${mb(r.peakRssKb)} | ${fmtRatio(r.peakRssKb / dz.peakRssKb)} |`;
  }),
].join('\n');
const speed = sl.rate / dz.rate;
const rss = sl.peakRssKb / dz.peakRssKb;
const p99Lower = (sl.latency?.p99 ?? Number.POSITIVE_INFINITY) < (dz.latency?.p99 ?? Number.NaN);
const met = speed >= 1.5 && p99Lower && rss <= 0.25;
const target = `${met ? 'met' : 'NOT met'}: ${fmtRatio(speed)} Debezium's events/s (want ≥ 1.50×), p99 ${fmtMs(sl.latency?.p99 ?? Number.NaN)} vs ${fmtMs(dz.latency?.p99 ?? Number.NaN)} (want lower), ${fmtRatio(rss)} its peak RSS (want ≤ 0.25×)`;
const detail = (r: Result) =>
  `- ${label[r.system]}: backlog written in ${r.writeS.toFixed(1)} s; first event ${(r.startupMs / 1000).toFixed(2)} s after spawn (${fmtN(r.firstCount)} at the first observation), all ${fmtN(ROWS)} ${(r.steadyMs / 1000).toFixed(2)} s later; ` +
  `${r.latency === null ? 'no latency phase (no per-event output)' : `latency over ${fmtN(r.latency.count)} events: p50 ${fmtMs(r.latency.p50)}, p99 ${fmtMs(r.latency.p99)}, max ${fmtMs(r.latency.max)}`}; ` +
  `CPU ${r.cpuS.toFixed(1)} s; stopped: ${r.exit}`;

const section = [
  sectionTitle(
    `PostgreSQL CDC (PostgresConnector on Kafka ${kafka.version}, PostgreSQL ${pgVersion})`,
    allOk,
  ),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${sluiceSource}, run from ${sluiceFrom}; \`node packages/cli/bin/sluice.mjs standalone\` on Node ${nodeVersion} (SLUICE_NODE = that node, no child process), SLUICE_LOG_LEVEL=WARN`,
  `- Debezium: \`io.debezium:debezium-connector-postgres:${debeziumVersion}\` (PostgreSQL JDBC ${jdbcVersion}) in \`org.apache.kafka.connect.cli.ConnectStandalone\` ${connectVersion} (connect-runtime, connect-json), one classpath from Maven Central, on ${java.version}; JVM args: ${jvmArgs.length === 0 ? 'none' : jvmArgs.join(' ')} (max heap ${java.maxHeapMb} MB); log4j2 at WARN`,
  `- Ceiling: ${recvlogicalVersion} \`--start -o proto_version=1 -o publication_names=${PUBLICATION} -f /dev/null\` on the same kind of slot`,
  `- Servers: PostgreSQL ${pgVersion} (\`startPostgres()\` of @sluice/testing: wal_level=logical, fsync=off) and one Apache Kafka ${kafka.version} broker (KRaft, \`startKafka()\`), both for the whole run`,
  `- Data: table \`${TABLE}(id bigint PRIMARY KEY, name text, amount numeric(12,2), created timestamptz)\`, publication for that table; per system a fresh pgoutput slot, then ${fmtN(ROWS)} inserts in transactions of ${fmtN(TX_ROWS)} rows written while nobody reads it. Both connectors: the same worker properties (JsonConverter for key and value with schemas.enable=false, offset.flush.interval.ms=10000) and connector properties (tasks.max=1, plugin.name=pgoutput, slot.name, publication.autocreate.mode=disabled, snapshot.mode=no_data, table.include.list${extraConnectorProps.length > 0 ? `, ${extraConnectorProps.join(', ')}` : ''}; other keys at their defaults, e.g. max.batch.size 2048, max.queue.size 8192); each writes its own fresh 1-partition topic with message.timestamp.type=LogAppendTime`,
  `- Method: one system after the other, ${PAUSE_MS} ms apart. **events/s** = (${fmtN(ROWS)} − events at the first observation of progress) / (time all were there − time of that observation): the drain rate of the backlog, start-up excluded. Progress polled every ${POLL_MS} ms: connectors by the topic's end offset; pg_recvlogical by its walsender's \`sent_lsn\` (pg_stat_replication) as a share of the backlog's WAL. **Latency** (connectors): then, caught up, ${fmtN(LAT_ROWS)} more inserts at ${fmtN(LAT_RATE)} changes/s in transactions of ${LAT_TX} rows; per record broker append time − \`source.ts_ms\` (the commit time), both ms. Peak RSS = VmHWM of the consumer process (/proc/<pid>/status) at the end`,
  checksLine(checks),
  '',
  table,
  '',
  ...results.map(detail),
  `- Issue target (≥ 1.5× Debezium's events/s at lower p99 latency, ≤ 1/4 of its RSS): ${target}`,
  '',
].join('\n');

console.log('');
console.log(table);
console.log('');
for (const r of results) console.log(detail(r));
console.log(`Target ${target}`);
for (const c of checks) console.log(checkLine(c));

appendSection(section, writeResults ? undefined : profile ? '--profile' : '--no-results');
exitIfFailed(allOk);
