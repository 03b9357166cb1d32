/**
 * Helpers for driving the task against the real PostgreSQL: a fresh test database per test file,
 * the task started on a task context whose offset reader is a Map (what the runtime's offset
 * store would hold after a flush; see `@sluice/testing`), poll loops, the slot's confirmed
 * position, and the JSON of records as JsonConverter writes them.
 */
import { after, before } from 'node:test';
import type { SourceRecord, SourceTask, StringMap } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import {
  MapOffsetReader,
  type PostgresTestServer,
  TestSourceTaskContext,
  uniqueName,
  usePostgres,
} from '@sluice/testing';
import pg from 'pg';
import { PostgresSourceTask, parseLsn } from '../src/index.ts';

/** A fresh database on the test server, with a client connected to it, dropped by `cleanup`. */
export interface TestDatabase {
  server: PostgresTestServer;
  name: string;
  sql: pg.Client;
  /** Connector config pointing at this database (slot and publication unique too). */
  config(overrides?: StringMap): StringMap;
  cleanup(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const server = await usePostgres();
  const name = uniqueName('pgcdc');
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.connectionString);
  url.pathname = `/${name}`;
  const sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  const slot = uniqueName('slot');
  const publication = uniqueName('pub');
  return {
    server,
    name,
    sql,
    config: (overrides = {}) => ({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.user': server.user,
      'database.dbname': name,
      'database.sslmode': 'disable',
      'topic.prefix': 'dbserver1',
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': publication,
      'poll.interval.ms': '100',
      ...overrides,
    }),
    async cleanup() {
      await sql.end().catch(() => {});
      const a = new pg.Client({ connectionString: server.connectionString });
      await a.connect();
      // Slots of this database hold WAL; drop them (waiting for walsenders to go away) before the database.
      for (let i = 0; i < 50; i++) {
        const res = await a.query('SELECT slot_name, active FROM pg_replication_slots WHERE database = $1', [
          name,
        ]);
        const rows = res.rows as Array<{ slot_name: string; active: boolean }>;
        if (rows.length === 0) break;
        for (const r of rows) {
          if (!r.active) await a.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]).catch(() => {});
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * The test database of this test file: created (then `setup` run on it) before the file's tests,
 * dropped after them. Its members may be used once the tests run.
 */
export function useTestDatabase(setup?: (db: TestDatabase) => Promise<void>): TestDatabase {
  let current: TestDatabase | undefined;
  before(async () => {
    current = await testDatabase();
    await setup?.(current);
  });
  after(async () => {
    await current?.cleanup();
  });
  const db = (): TestDatabase => {
    if (current === undefined) throw new Error('the test database is created in a before() hook');
    return current;
  };
  return {
    get server() {
      return db().server;
    },
    get name() {
      return db().name;
    },
    get sql() {
      return db().sql;
    },
    config: (overrides) => db().config(overrides),
    cleanup: () => db().cleanup(),
  };
}

/** A PostgresSourceTask initialised with a {@link TestSourceTaskContext} over `reader`, and started. */
export async function startSourceTask(
  config: StringMap,
  reader = new MapOffsetReader(),
): Promise<PostgresSourceTask> {
  const task = new PostgresSourceTask();
  task.initialize(new TestSourceTaskContext(config, reader));
  await task.start(config);
  return task;
}

/** Polls until `count` records arrived (or `timeoutMs` passed), returning them all. */
export async function pollRecords(
  task: SourceTask,
  count: number,
  timeoutMs = 15_000,
): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await task.poll();
    if (batch !== null) out.push(...batch);
  }
  return out;
}

/** Polls for `ms` and returns whatever arrived (to check that nothing more comes). */
export async function pollFor(task: SourceTask, ms: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const batch = await task.poll();
    if (batch !== null) out.push(...batch);
  }
  return out;
}

/** The slot's `confirmed_flush_lsn`; null when the slot does not exist or has none. */
export async function confirmedFlushLsn(sql: pg.Client, slot: string): Promise<bigint | null> {
  const res = await sql.query(
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const lsn = (res.rows[0] as { lsn: string | null } | undefined)?.lsn;
  return lsn == null ? null : parseLsn(lsn);
}

/**
 * Drops a slot once the walsender of a stopped task has let go of it (checked every 100 ms);
 * throws when it stays active for `attempts` checks.
 */
export async function dropInactiveSlot(sql: pg.Client, slot: string, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const res = await sql.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    const row = res.rows[0] as { active: boolean } | undefined;
    if (row === undefined) return;
    if (!row.active) {
      await sql.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slot ${slot} stayed active`);
}

/** A key or value as JsonConverter (schemas enabled) writes it, parsed; null for a null value. */
export function toJson(schema: SourceRecord['keySchema'], value: unknown, isKey: boolean): unknown {
  const converter = new JsonConverter();
  converter.configure({}, isKey);
  const bytes = converter.fromConnectData('t', schema, value);
  return bytes === null ? null : JSON.parse(Buffer.from(bytes).toString('utf8'));
}
