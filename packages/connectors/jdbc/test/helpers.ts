/**
 * Test databases on the real servers (MariaDB and PostgreSQL from `@sluice/testing`, SQLite in a
 * temporary file), set up with the drivers directly (not with the code under test), and helpers
 * to drive the connectors' tasks without a runtime.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkRecord, SourceRecord, StringMap } from '@sluice/api';
import {
  MapOffsetReader,
  TestSinkTaskContext,
  TestSourceTaskContext,
  uniqueName,
  useMariaDb,
  usePostgres,
} from '@sluice/testing';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import { JdbcSinkTask, JdbcSourceConnector, JdbcSourceTask, setJdbcLogger } from '../src/index.ts';

const require = createRequire(import.meta.url);

export type Kind = 'mariadb' | 'postgresql' | 'sqlite';
export const KINDS: Kind[] = ['mariadb', 'postgresql', 'sqlite'];

export interface TestDb {
  kind: Kind;
  /** JDBC URL of the test database (credentials not in it). */
  url: string;
  user: string;
  password: string;
  /** The database name (MariaDB), schema (PostgreSQL: `public`) or null (SQLite). */
  qualifier: string | null;
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Connector config keys for the connection. */
  connection(): StringMap;
  cleanup(): Promise<void>;
}

export async function testDb(kind: Kind): Promise<TestDb> {
  if (kind === 'mariadb') return await mariaDb();
  if (kind === 'postgresql') return await postgresDb();
  return sqliteDb();
}

/** A fresh MariaDB database and a user with a password that may use it. */
export async function mariaDb(): Promise<TestDb> {
  const server = await useMariaDb();
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const admin = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
  });
  const name = uniqueName('jdbc');
  const user = `u_${name.slice(-20)}`;
  const password = `pw-${name.slice(-8)}!`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
  await admin.query(`GRANT ALL ON ${name}.* TO '${user}'@'%'`);
  const conn: Connection = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: name,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
  await conn.query("SET time_zone = '+00:00'");
  return {
    kind: 'mariadb',
    url: `jdbc:mysql://${server.host}:${server.port}/${name}`,
    user,
    password,
    qualifier: name,
    async exec(sql, params = []) {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    connection: () => ({
      'connection.url': `jdbc:mysql://${server.host}:${server.port}/${name}`,
      'connection.user': user,
      'connection.password': password,
    }),
    async cleanup() {
      await conn.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => {});
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => {});
      await admin.end().catch(() => {});
    },
  };
}

/** A fresh PostgreSQL database (user `postgres`, no password). */
export async function postgresDb(): Promise<TestDb> {
  const server = await usePostgres();
  const name = uniqueName('jdbc');
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server.connectionString);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query("SET TIME ZONE 'UTC'");
  const jdbc = `jdbc:postgresql://${server.host}:${server.port}/${name}`;
  return {
    kind: 'postgresql',
    url: jdbc,
    user: server.user,
    password: '',
    qualifier: 'public',
    async exec(sql, params = []) {
      const r = await client.query(sql, params);
      return r.rows as Record<string, unknown>[];
    },
    connection: () => ({ 'connection.url': jdbc, 'connection.user': server.user }),
    async cleanup() {
      await client.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end().catch(() => {});
    },
  };
}

/** A fresh SQLite database file. */
export function sqliteDb(): TestDb {
  const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-jdbc-sqlite-'));
  const file = join(dir, 'test.db');
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  return {
    kind: 'sqlite',
    url: `jdbc:sqlite:${file}`,
    user: '',
    password: '',
    qualifier: null,
    async exec(sql, params = []) {
      const stmt = db.prepare(sql);
      if (/^\s*(select|pragma|with)/i.test(sql))
        return stmt.all(...(params as never[])) as Record<string, unknown>[];
      stmt.run(...(params as never[]));
      return [];
    },
    connection: () => ({ 'connection.url': `jdbc:sqlite:${file}` }),
    async cleanup() {
      if (db.isOpen) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects the connectors' log lines (and still lets tests see them on failure). */
export function captureLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const previous = setJdbcLogger({
    info: (_n, m) => lines.push(`INFO ${m}`),
    warn: (_n, m) => lines.push(`WARN ${m}`),
  });
  return { lines, restore: () => setJdbcLogger(previous) };
}

/** A started source connector and its tasks, on one offset reader. */
export interface SourceRun {
  connector: JdbcSourceConnector;
  tasks: JdbcSourceTask[];
  reader: MapOffsetReader;
  taskConfigs: StringMap[];
  /** Polls every task until `count` records arrived (or throws after `timeoutMs`). */
  pollUntil(count: number, timeoutMs?: number): Promise<SourceRecord[]>;
  /** Polls every task for `ms` and returns what came. */
  pollFor(ms: number): Promise<SourceRecord[]>;
  stop(): Promise<void>;
}

export async function startSource(
  props: StringMap,
  maxTasks = 1,
  reader = new MapOffsetReader(),
): Promise<SourceRun> {
  const connector = new JdbcSourceConnector();
  connector.initialize({ requestTaskReconfiguration: () => {}, raiseError: () => {} });
  await connector.start(props);
  const taskConfigs = await connector.taskConfigs(maxTasks);
  const tasks: JdbcSourceTask[] = [];
  for (const config of taskConfigs) {
    const task = new JdbcSourceTask();
    task.initialize(new TestSourceTaskContext(config, reader));
    await task.start(config);
    tasks.push(task);
  }
  const pollOnce = async (): Promise<SourceRecord[]> => {
    const out: SourceRecord[] = [];
    for (const task of tasks) {
      const records = await task.poll();
      if (records !== null) {
        out.push(...records);
        reader.flush(records);
      }
    }
    return out;
  };
  return {
    connector,
    tasks,
    reader,
    taskConfigs,
    async pollUntil(count, timeoutMs = 20_000) {
      const out: SourceRecord[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`got ${out.length} of ${count} records within ${timeoutMs} ms`);
        }
        out.push(...(await pollOnce()));
      }
      return out;
    },
    async pollFor(ms) {
      const out: SourceRecord[] = [];
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) out.push(...(await pollOnce()));
      return out;
    },
    async stop() {
      for (const task of tasks) await task.stop();
      await connector.stop();
    },
  };
}

/** A started sink task on a test context. */
/**
 * A sink task whose put() also waits for the write it starts (with `put.pipelining`, the
 * default, it is finished by the next put), so a test sees the table, or the put's failure,
 * as soon as put returns.
 */
export class SettledSinkTask extends JdbcSinkTask {
  override async put(records: SinkRecord[]): Promise<void> {
    await super.put(records);
    await super.put([]);
  }
}

export async function startSink(
  props: StringMap,
): Promise<{ task: JdbcSinkTask; context: TestSinkTaskContext }> {
  const task = new SettledSinkTask();
  const context = new TestSinkTaskContext(props);
  task.initialize(context);
  await task.start(props);
  return { task, context };
}

export type { SinkRecord };
