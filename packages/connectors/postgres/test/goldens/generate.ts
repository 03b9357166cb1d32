/**
 * Writes the Debezium goldens from the real thing (run on demand, not by the test suite):
 *
 *   bash scripts/run-node.sh packages/connectors/postgres/test/goldens/generate.ts
 *
 * Fetches Apache Kafka Connect 4.1.1 and Debezium's PostgresConnector 3.6.1.Final from Maven
 * Central (the CDC benchmark's pom.xml, into `.cache/debezium-goldens/libs`), starts a PostgreSQL
 * 15 and a Kafka broker (@sluice/testing), creates the schema of `script.ts` (every type Debezium
 * maps, with their special values), and runs one `ConnectStandalone` worker (JsonConverter with
 * schemas for keys and values, SimpleHeaderConverter) holding one PostgresConnector per handling
 * mode of `MODES`. Each connector snapshots the tables, then the script's changes (inserts,
 * special values, updates, primary-key updates, deletes, truncates) stream; once every
 * connector wrote the marker row, every topic is read back and, per mode,
 * `<mode>.json` gets the events (topic, key, value, headers; topics sorted, each in its order)
 * and the committed source offsets (`GET /connectors/<name>/offsets`), normalised by
 * `normaliseEvent`/`normaliseOffsets`. Also writes `validate.json`: the worker's answer to
 * `PUT /connector-plugins/PostgresConnector/config/validate` (the whole ConfigDef), and from it
 * `src/debezium-config-def.ts` (`generate-config-def.ts`).
 *
 * PostGIS is required (the `postgis` modes capture schema `gis` of `POSTGIS_SETUP_SQL`):
 * `ensurePostgisInstalled` installs Debian's postgresql-15-postgis-3 when missing.
 *
 * `debezium-goldens.test.ts` runs Sluice's PostgresSourceTask over the same script and compares.
 * Review the diff of the goldens before committing them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { ensurePostgisInstalled, freePort, startKafka, startPostgres, waitFor } from '@sluice/testing';
import pg from 'pg';
import { writeDebeziumConfigDef } from './generate-config-def.ts';
import {
  baseConfig,
  byTopic,
  CHANGE_SQL,
  EXTENSIONS,
  type Golden,
  type GoldenEvent,
  MARKER_INSERT,
  MARKER_SQL,
  MODES,
  type Mode,
  normaliseEvent,
  normaliseOffsets,
  POSTGIS_CHANGE_SQL,
  POSTGIS_SETUP_SQL,
  parseConnectJson,
  prefixOf,
  runAll,
  SETUP_SQL,
  shareSchemas,
} from './script.ts';

const here = import.meta.dirname;
const repo = path.resolve(here, '../../../../..');
const cache = path.join(repo, '.cache', 'debezium-goldens');
const libs = path.join(cache, 'libs');
const run = path.join(cache, 'run');
const log = (m: string) => console.log(`[goldens] ${m}`);

/** Tables the snapshot reads and their row counts (to know when every snapshot is done). */
const SNAPSHOT_ROWS: Record<string, number> = {
  'public.scalars': 2,
  'public.geometry': 2,
  'public.arrays': 2,
  'public.arrays_more': 2,
  'public.toasted': 1,
  'public.required_default': 1,
  'public.defaults': 1,
  'public.keyed_full': 2,
  'public.keyed_default': 2,
  'public.no_key': 1,
};
const POSTGIS_SNAPSHOT_ROWS: Record<string, number> = { 'gis.shapes': 2 };
const snapshotRows = (mode: Mode) => (mode.postgis === true ? POSTGIS_SNAPSHOT_ROWS : SNAPSHOT_ROWS);

function fetchLibs(): void {
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('debezium-connector-postgres-'))) return;
  mkdirSync(libs, { recursive: true });
  log('fetching Kafka Connect and Debezium from Maven Central');
  const pom = path.join(repo, 'benchmarks', 'postgres-cdc', 'pom.xml');
  const r = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('mvn dependency:copy-dependencies failed');
}

const jarVersion = (artifact: string): string =>
  readdirSync(libs)
    .map((f) => new RegExp(`^${artifact}-(\\d.*)\\.jar$`).exec(f)?.[1])
    .find((v) => v !== undefined) ?? 'unknown';

fetchLibs();
const debeziumVersion = jarVersion('debezium-connector-postgres');
const connectVersion = jarVersion('connect-runtime');
log(`Debezium ${debeziumVersion}, Kafka Connect ${connectVersion}`);
rmSync(run, { recursive: true, force: true });
mkdirSync(run, { recursive: true });

const postgres = await startPostgres({
  ownerPid: process.pid,
  log,
  settings: { max_wal_senders: 40, max_replication_slots: 40 },
});
const kafka = await startKafka({ ownerPid: process.pid, log });
let worker: ReturnType<typeof spawn> | undefined;
const client = new PlatformaticLogClient({ bootstrapServers: kafka.bootstrapServers, clientId: 'goldens' });
try {
  const DB = 'goldens';
  {
    const admin = new pg.Client({ connectionString: postgres.connectionString });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DB}`);
    await admin.end();
  }
  const url = new URL(postgres.connectionString);
  url.pathname = `/${DB}`;
  const sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  sql.on('error', () => {});
  for (const e of EXTENSIONS) await sql.query(`CREATE EXTENSION ${e}`);
  const postgis = await ensurePostgisInstalled(log);
  if (postgis !== undefined) throw new Error(`the postgis modes need PostGIS: ${postgis}`);
  await runAll(sql, [...SETUP_SQL, ...POSTGIS_SETUP_SQL, ...MARKER_SQL]);

  const port = await freePort();
  const workerProps = path.join(run, 'worker.properties');
  writeFileSync(
    workerProps,
    [
      `bootstrap.servers=${kafka.bootstrapServers}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      `offset.storage.file.filename=${path.join(run, 'offsets')}`,
      'offset.flush.interval.ms=1000',
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const log4j = path.join(run, 'log4j2.properties');
  writeFileSync(
    log4j,
    [
      'status = warn',
      'appender.stdout.type = Console',
      'appender.stdout.name = STDOUT',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      '',
    ].join('\n'),
  );
  const logFile = path.join(run, 'connect.log');
  const out = openSync(logFile, 'w');
  log(`starting ConnectStandalone (log: ${logFile})`);
  worker = spawn(
    'java',
    [
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      workerProps,
    ],
    { stdio: ['ignore', out, out] },
  );
  const rest = `http://127.0.0.1:${port}`;
  const call = async (
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${rest}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : JSON.parse(text) };
  };
  await waitFor(
    'Kafka Connect REST',
    async () => {
      if (worker?.exitCode !== null) throw new Error(`Kafka Connect exited; see ${logFile}`);
      try {
        return (await call('GET', '/')).status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );

  const connection = {
    'database.hostname': postgres.host,
    'database.port': String(postgres.port),
    'database.user': postgres.user,
    'database.dbname': DB,
  };
  // The whole ConfigDef, as the validate endpoint answers it for a minimal valid config.
  {
    const cfg = { ...baseConfig(MODES[0]!), ...connection, 'slot.name': 'gold_validate' };
    const v = await call('PUT', '/connector-plugins/PostgresConnector/config/validate', cfg);
    if (v.status !== 200) throw new Error(`validate: ${v.status} ${JSON.stringify(v.json)}`);
    const doc = v.json as { configs: Array<{ value: { name: string; value: unknown } | null }> };
    // Values that name this run's servers.
    for (const c of doc.configs) {
      if (c.value !== null && c.value.name in connection) c.value.value = `<${c.value.name}>`;
    }
    writeFileSync(
      path.join(here, 'validate.json'),
      `${JSON.stringify({ debezium: debeziumVersion, connect: connectVersion, request: Object.keys(cfg).sort(), answer: doc }, null, 2)}\n`,
    );
    log(
      `validate: ${doc.configs.length} config entries; src/debezium-config-def.ts: ${writeDebeziumConfigDef()} keys`,
    );
  }

  for (const mode of MODES) {
    const name = `gold-${mode.name}`;
    const cfg = { ...baseConfig(mode), ...connection, 'slot.name': prefixOf(mode), name };
    const r = await call('PUT', `/connectors/${name}/config`, cfg);
    if (r.status >= 300) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.json)}`);
  }
  const endOf = async (topic: string): Promise<number> => {
    try {
      const [o] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
      return o?.offset ?? 0;
    } catch {
      return 0;
    }
  };
  const failed = async (): Promise<string | undefined> => {
    for (const mode of MODES) {
      const s = await call('GET', `/connectors/gold-${mode.name}/status`);
      const tasks = (s.json as { tasks?: Array<{ state: string; trace?: string }> }).tasks ?? [];
      const f = tasks.find((t) => t.state === 'FAILED');
      if (f !== undefined) return `${mode.name}: ${f.trace}`;
    }
    return undefined;
  };
  log('waiting for every snapshot');
  await waitFor(
    'the snapshots',
    async () => {
      const f = await failed();
      if (f !== undefined) throw new Error(`a task failed: ${f}`);
      for (const mode of MODES) {
        for (const [table, rows] of Object.entries(snapshotRows(mode))) {
          if ((await endOf(`${prefixOf(mode)}.${table}`)) < rows) return false;
        }
      }
      return true;
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  // Streaming starts once the snapshot is done; give the replication streams a moment.
  await new Promise((r) => setTimeout(r, 3000));
  log('running the change script');
  await runAll(sql, [...CHANGE_SQL, ...POSTGIS_CHANGE_SQL, MARKER_INSERT]);
  await waitFor(
    'the marker row on every connector',
    async () => {
      const f = await failed();
      if (f !== undefined) throw new Error(`a task failed: ${f}`);
      for (const mode of MODES) if ((await endOf(`${prefixOf(mode)}.public.marker`)) < 1) return false;
      return true;
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  // Let producers finish and offsets flush (offset.flush.interval.ms=1000).
  await new Promise((r) => setTimeout(r, 4000));

  const topics = await client.listTopics();
  for (const mode of MODES) {
    const prefix = prefixOf(mode);
    const events: GoldenEvent[] = [];
    for (const topic of topics.filter((t) => t.startsWith(`${prefix}.`)).sort()) {
      const end = await endOf(topic);
      let offset = 0;
      while (offset < end) {
        const [part] = await client.fetch([{ topic, partition: 0, offset }]);
        if (part === undefined || part.records.length === 0) break;
        for (const rec of part.records) {
          events.push({
            topic,
            key: rec.key === null ? null : parseConnectJson(rec.key.toString('utf8')),
            value: rec.value === null ? null : parseConnectJson(rec.value.toString('utf8')),
            headers: rec.headers.map(([key, value]) => ({
              key,
              value: value === null ? null : value.toString('utf8'),
            })),
          });
        }
        offset = part.nextOffset;
      }
    }
    const offsets = await call('GET', `/connectors/gold-${mode.name}/offsets`);
    // The events before normalisation, for looking into what the normalisation hides.
    writeFileSync(path.join(run, `${mode.name}.raw.json`), JSON.stringify(events, null, 1));
    const shared = shareSchemas(byTopic(events).map(normaliseEvent));
    const golden: Golden = {
      debezium: debeziumVersion,
      connect: connectVersion,
      mode: mode.name,
      config: baseConfig(mode),
      events: shared.events,
      offsets: normaliseOffsets(offsets.json),
      schemas: shared.schemas,
    };
    writeFileSync(path.join(here, `${mode.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
    log(`${mode.name}: ${events.length} events`);
  }
  const errors = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => / ERROR /.test(l));
  if (errors.length > 0) log(`Kafka Connect logged ${errors.length} ERROR lines, e.g. ${errors[0]}`);
  await sql.end();
  // The repository's formatter also checks JSON.
  spawnSync(path.join(repo, 'node_modules', '.bin', 'biome'), ['format', '--write', here], {
    stdio: 'inherit',
  });
} finally {
  await client.close().catch(() => {});
  if (worker !== undefined && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
  }
  await kafka.stop();
  await postgres.stop();
}
