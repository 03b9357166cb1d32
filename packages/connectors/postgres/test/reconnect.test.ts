/**
 * Lost connections while streaming, against real PostgreSQL servers: the walsender and the task's
 * SQL session terminated with `pg_terminate_backend`, a server of our own stopped and started
 * again, and a server that stays down past `errors.max.retries`. Each time the changes written
 * before, during and after the outage all arrive, in commit order, none twice, and `poll()` keeps
 * answering (null) while the task reconnects; only an exhausted retry budget fails the task.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError, type SourceRecord, type Struct } from '@sluice/api';
import {
  eventually,
  MapOffsetReader,
  POSTGRES_MAJOR,
  type PostgresServer,
  startPostgres,
  TestSourceTaskContext,
  uniqueName,
} from '@sluice/testing';
import pg from 'pg';
import { PostgresConnectorConfig, PostgresSourceTask } from '../src/index.ts';
import { dropSlot } from '../src/postgres-source-task.ts';
import { isConnectionLoss } from '../src/replication-connection.ts';
import { confirmedFlushLsn, useTestDatabase } from './harness.ts';

const execFileAsync = promisify(execFile);

const db = useTestDatabase();

/** Small back-off so the tests take seconds, not the default 10 s per attempt. */
const FAST_RETRY = { 'retriable.restart.connector.wait.ms': '200', 'poll.interval.ms': '50' };

interface Watched {
  task: PostgresSourceTask;
  reader: MapOffsetReader;
  warnings: string[];
  infos: string[];
}

async function startTask(config: Record<string, string>): Promise<Watched> {
  const task = new PostgresSourceTask();
  const warnings: string[] = [];
  const infos: string[] = [];
  task.logger = { warn: (m) => warnings.push(m), info: (m) => infos.push(m) };
  const reader = new MapOffsetReader();
  task.initialize(new TestSourceTaskContext(config, reader));
  await task.start(config);
  return { task, reader, warnings, infos };
}

const idOf = (r: SourceRecord): number => ((r.value as Struct).get('after') as Struct).get('id') as number;

interface Collected {
  records: SourceRecord[];
  /** Polls that returned null while the task was reconnecting. */
  nullWhileReconnecting: number;
  sawReconnecting: boolean;
}

/**
 * Polls until `done(records)` holds or `timeoutMs` passes; every poll must resolve (a throw
 * fails the test). Records of the data table only (no heartbeats here).
 */
async function pollUntil(
  task: PostgresSourceTask,
  done: (records: SourceRecord[]) => boolean,
  timeoutMs = 20_000,
  into: Collected = { records: [], nullWhileReconnecting: 0, sawReconnecting: false },
): Promise<Collected> {
  const deadline = Date.now() + timeoutMs;
  while (!done(into.records) && Date.now() < deadline) {
    const reconnecting = task.reconnecting;
    into.sawReconnecting ||= reconnecting;
    const batch = await task.poll();
    if (batch === null) {
      if (reconnecting) into.nullWhileReconnecting++;
    } else into.records.push(...batch);
  }
  return into;
}

/** Flushes `records` as the runtime would, then lets the task confirm them. */
async function flush(w: Watched, records: SourceRecord[]): Promise<void> {
  w.reader.flush(records);
  await w.task.commit();
}

async function walsenderPid(sql: pg.Client, slot: string): Promise<number | null> {
  const res = await sql.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  const pid = (res.rows[0] as { active_pid: number | null } | undefined)?.active_pid;
  return pid ?? null;
}

/** `eventually` of @sluice/testing for the probes here, which answer null for "not yet". */
const waitFor = <T>(what: string, probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> =>
  eventually(what, async () => (await probe()) ?? undefined, { timeoutMs, intervalMs: 50 });

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('retriable.restart.connector.wait.ms and errors.max.retries: Debezium’s defaults, bad values refused by key', () => {
  const base = db.config();
  const config = new PostgresConnectorConfig(base);
  assert.equal(config.retriableRestartWaitMs, 10_000);
  assert.equal(config.errorsMaxRetries, -1);
  assert.throws(
    () => new PostgresConnectorConfig({ ...base, 'errors.max.retries': '-2' }),
    (err: unknown) => err instanceof ConfigError && /errors\.max\.retries/.test(err.message),
  );
  assert.throws(
    () => new PostgresConnectorConfig({ ...base, 'retriable.restart.connector.wait.ms': '0' }),
    (err: unknown) =>
      err instanceof ConfigError && /retriable\.restart\.connector\.wait\.ms/.test(err.message),
  );
});

test('connection losses are told apart from errors that retrying does not fix', () => {
  const sqlError = (code: string): Error => Object.assign(new Error('x'), { code });
  assert.equal(isConnectionLoss(sqlError('57P01')), true); // pg_terminate_backend, fast shutdown
  assert.equal(isConnectionLoss(sqlError('57P03')), true); // the database system is starting up
  assert.equal(isConnectionLoss(sqlError('08006')), true);
  assert.equal(isConnectionLoss(sqlError('ECONNREFUSED')), true);
  assert.equal(isConnectionLoss(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isConnectionLoss(new Error('wrapped', { cause: sqlError('ECONNRESET') })), true);
  assert.equal(isConnectionLoss(sqlError('28P01')), false); // password authentication failed
  assert.equal(isConnectionLoss(sqlError('42704')), false); // replication slot does not exist
  assert.equal(isConnectionLoss(new Error('invalid pgoutput message')), false);
});

test('a terminated walsender and SQL session: the task reconnects and every change arrives once, in order', async () => {
  const table = uniqueName('reconnect');
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
  const config = db.config({
    ...FAST_RETRY,
    'table.include.list': `public.${table}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'errors.max.retries': '50',
  });
  const slot = config['slot.name']!;
  const w = await startTask(config);
  try {
    const insert = (ids: number[]): Promise<unknown> =>
      db.sql.query(`INSERT INTO ${table} SELECT g, 'v' || g FROM unnest($1::int[]) AS g`, [ids]);
    // Before: three transactions, polled, and the first one flushed and confirmed.
    for (const id of [1, 2, 3]) await insert([id]);
    const before = await pollUntil(w.task, (r) => r.length >= 3);
    assert.deepEqual(before.records.map(idOf), [1, 2, 3]);
    await flush(w, before.records.slice(0, 1));
    // Changes the task has not polled yet when the connection goes: they must come again.
    await insert([4, 5]);
    await insert([6]);
    const oldPid = await waitFor('the walsender', () => walsenderPid(db.sql, slot));
    const terminated = await db.sql.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'sluice-postgres-connector' AND pid <> pg_backend_pid()`,
      [db.name],
    );
    assert.ok(terminated.rows.length >= 2, 'the walsender and the task’s SQL session');
    // During the outage (the task waits 200 ms before its first attempt).
    await insert([7, 8]);
    await insert([9]);
    const during = await pollUntil(w.task, (r) => r.some((x) => idOf(x) === 9));
    assert.equal(during.sawReconnecting, true, 'the task noticed the lost connection');
    assert.ok(during.nullWhileReconnecting > 0, 'poll() answered null while reconnecting');
    assert.equal(w.task.reconnecting, false);
    const newPid = await waitFor('the new walsender', () => walsenderPid(db.sql, slot));
    assert.notEqual(newPid, oldPid);
    // After.
    await insert([10]);
    const afterOutage = await pollUntil(w.task, (r) => r.length >= 1);
    const all = [...before.records, ...during.records, ...afterOutage.records];
    assert.deepEqual(all.map(idOf), range(1, 10), 'every change once, in commit order');
    assert.ok(
      w.warnings.some((m) => /Lost the connection to PostgreSQL .* while streaming .*57P01/.test(m)),
      w.warnings.join('\n'),
    );
    assert.ok(w.infos.some((m) => /Reconnected to PostgreSQL/.test(m)));
    // The new connection confirms flushed offsets as the old one did.
    await flush(w, all);
    const expected = BigInt((all.at(-1)!.sourceOffset as { lsn_commit: number }).lsn_commit);
    await w.task.commit();
    const confirmed = await waitFor('the confirmed LSN', async () => {
      const lsn = await confirmedFlushLsn(db.sql, slot);
      return lsn !== null && lsn >= expected ? lsn : null;
    });
    assert.ok(confirmed >= expected);
    // Nothing more arrives (no duplicates trailing behind).
    const trailing = await pollUntil(w.task, () => false, 600);
    assert.deepEqual(trailing.records.map(idOf), []);
  } finally {
    await w.task.stop();
  }
  await dropSlot(db.sql, slot); // waits for the stopped task's walsender to go
});

test('only the SQL session terminated: a change needing a catalog lookup still arrives', async () => {
  const prefix = uniqueName('sqlonly');
  const first = `${prefix}_a`;
  const second = `${prefix}_b`;
  await db.sql.query(`CREATE TABLE ${first} (id int PRIMARY KEY)`);
  const config = db.config({
    ...FAST_RETRY,
    'table.include.list': `public\\.${prefix}_.*`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
  });
  const w = await startTask(config);
  try {
    await db.sql.query(`INSERT INTO ${first} VALUES (1)`);
    const before = await pollUntil(w.task, (r) => r.length >= 1);
    const terminated = await db.sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'sluice-postgres-connector'
          AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      [db.name],
    );
    assert.ok(terminated.rows.length >= 1);
    // A table the stream has not seen: its Relation message needs the SQL connection.
    await db.sql.query(`CREATE TABLE ${second} (id int PRIMARY KEY)`);
    await db.sql.query(`INSERT INTO ${second} VALUES (2)`);
    await db.sql.query(`INSERT INTO ${first} VALUES (3)`);
    const rest = await pollUntil(w.task, (r) => r.length >= 2);
    assert.deepEqual(
      [...before.records, ...rest.records].map((r) => [r.topic, idOf(r)]),
      [
        [`dbserver1.public.${first}`, 1],
        [`dbserver1.public.${second}`, 2],
        [`dbserver1.public.${first}`, 3],
      ],
    );
    assert.ok(w.warnings.some((m) => /Lost the connection/.test(m)));
  } finally {
    await w.task.stop();
  }
  await dropSlot(db.sql, config['slot.name']!); // waits for the stopped task's walsender to go
});

test('errors.max.retries=0: a lost connection fails the task at once, saying so', async () => {
  const table = uniqueName('noretry');
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  const config = db.config({
    ...FAST_RETRY,
    'table.include.list': `public.${table}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'errors.max.retries': '0',
  });
  const w = await startTask(config);
  try {
    const pid = await waitFor('the walsender', () => walsenderPid(db.sql, config['slot.name']!));
    await db.sql.query('SELECT pg_terminate_backend($1)', [pid]);
    const deadline = Date.now() + 10_000;
    let failure: unknown = null;
    while (failure === null && Date.now() < deadline) {
      try {
        await w.task.poll();
      } catch (err) {
        failure = err;
      }
    }
    assert.match(
      String((failure as Error | null)?.message),
      /Lost the connection to PostgreSQL at .* while streaming \(.*57P01.*\) and errors\.max\.retries=0 disables reconnecting/,
    );
  } finally {
    await w.task.stop();
  }
  await dropSlot(db.sql, config['slot.name']!); // waits for the stopped task's walsender to go
});

/** Runs `pg_ctl` as the server's owner (initdb and the server refuse root). */
async function pgCtl(args: string[]): Promise<void> {
  const bin = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin/pg_ctl`;
  const [command, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  await execFileAsync(command, argv, { timeout: 120_000 });
}

/** The settings `startPostgres` gave the server, to start it again the same way. */
function serverOptions(server: PostgresServer): string {
  return [
    `-c port=${server.port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${server.dir}`,
    '-c wal_level=logical',
    '-c max_wal_senders=10',
    '-c max_replication_slots=10',
    '-c fsync=off',
  ].join(' ');
}

test('a server restart: poll() answers while it is down, then streaming resumes with nothing lost; a server that stays down fails the task once the retries are used up', async () => {
  // A server of our own (stopped and started by this test; no guardian, since its pid changes).
  const server = await startPostgres({ keepDir: true, log: () => {} });
  const stopServer = (): Promise<void> => pgCtl(['-D', server.dataDir, '-m', 'fast', '-w', 'stop']);
  const startServer = (): Promise<void> =>
    pgCtl([
      '-D',
      server.dataDir,
      '-l',
      join(server.dir, 'postgres.log'),
      '-w',
      '-o',
      serverOptions(server),
      'start',
    ]);
  let running = true;
  const admin = (): pg.Client => new pg.Client({ connectionString: server.connectionString });
  let sql = admin();
  try {
    await sql.connect();
    const table = uniqueName('restart');
    await sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
    const config = db.config({
      ...FAST_RETRY,
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.dbname': 'postgres',
      'table.include.list': `public.${table}`,
      'slot.name': uniqueName('slot'),
      'snapshot.mode': 'no_data',
      'errors.max.retries': '100',
    });
    const w = await startTask(config);
    try {
      const insert = (c: pg.Client, ids: number[]): Promise<unknown> =>
        c.query(`INSERT INTO ${table} SELECT g, 'v' || g FROM unnest($1::int[]) AS g`, [ids]);
      await insert(sql, [1]);
      await insert(sql, [2, 3]);
      const before = await pollUntil(w.task, (r) => r.length >= 3);
      await flush(w, before.records.slice(0, 1));
      await insert(sql, [4]); // not polled before the server goes down
      await sql.end();
      await stopServer();
      running = false;
      // Down: several polls and failed attempts, none of them throws.
      const down = await pollUntil(w.task, () => false, 1_500);
      assert.deepEqual(
        down.records.map(idOf),
        [4].slice(0, down.records.length),
        'at most the change already received',
      );
      assert.equal(w.task.reconnecting, true);
      assert.ok(down.nullWhileReconnecting > 0);
      assert.ok(
        w.warnings.some((m) => /Reconnect attempt \d+ to PostgreSQL failed: .*ECONNREFUSED/.test(m)),
        w.warnings.join('\n'),
      );
      // The runtime flushes while the task is disconnected: confirmed once it is connected again.
      await flush(w, before.records);
      const flushedMeanwhile = BigInt((before.records[2]!.sourceOffset as { lsn_commit: number }).lsn_commit);
      await startServer();
      running = true;
      sql = admin();
      await sql.connect();
      // Written as soon as the server is back, most likely before the task has reconnected.
      await insert(sql, [5]);
      await insert(sql, [6, 7]);
      const during = await pollUntil(w.task, (r) => r.some((x) => idOf(x) === 7), 20_000, {
        records: [...down.records],
        nullWhileReconnecting: 0,
        sawReconnecting: false,
      });
      assert.equal(w.task.reconnecting, false);
      await waitFor('the LSN flushed while disconnected to be confirmed', async () => {
        const lsn = await confirmedFlushLsn(sql, config['slot.name']!);
        return lsn !== null && lsn >= flushedMeanwhile ? lsn : null;
      });
      await insert(sql, [8]);
      const afterRestart = await pollUntil(w.task, (r) => r.length >= 1);
      const all = [...before.records, ...during.records, ...afterRestart.records];
      assert.deepEqual(all.map(idOf), range(1, 8), 'every change once, in commit order');

      // Down for good: with errors.max.retries=3 the task fails after three attempts.
      await w.task.stop();
      const budget = { ...config, 'errors.max.retries': '3', 'retriable.restart.connector.wait.ms': '100' };
      const w2 = await startTask(budget);
      try {
        await sql.end();
        await stopServer();
        running = false;
        const started = Date.now();
        let failure: unknown = null;
        while (failure === null && Date.now() - started < 15_000) {
          try {
            await w2.task.poll();
          } catch (err) {
            failure = err;
          }
        }
        assert.match(
          String((failure as Error | null)?.message),
          /Lost the connection to PostgreSQL at 127\.0\.0\.1:\d+ while streaming \(.*\) and could not reconnect: 3 attempt\(s\) failed over \d+ ms \(errors\.max\.retries=3, retriable\.restart\.connector\.wait\.ms=100\); last error: Could not connect to PostgreSQL .*ECONNREFUSED/,
        );
        // The task stays failed: every later poll reports the same failure.
        await assert.rejects(w2.task.poll(), (err: unknown) => err === failure);
      } finally {
        await w2.task.stop();
      }
    } finally {
      await w.task.stop();
    }
  } finally {
    await sql.end().catch(() => {});
    if (running) await stopServer().catch(() => {});
    await rm(server.dir, { recursive: true, force: true });
  }
});
