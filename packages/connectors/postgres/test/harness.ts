/**
 * Helpers for driving the task against the real PostgreSQL: a task context whose offset reader
 * is backed by a Map (what the runtime's offset store would hold after a flush), connection
 * settings for a test database, and a poll loop.
 */
import type {
  OffsetStorageReader,
  SourceMap,
  SourceRecord,
  SourceTask,
  SourceTaskContext,
  StringMap,
  TransactionContext,
} from '@sluice/api';
import { type PostgresTestServer, uniqueName, usePostgres } from '@sluice/testing';
import pg from 'pg';

/** Committed source offsets by partition (keyed by JSON form, as the offset store keys them). */
export class MapOffsetReader implements OffsetStorageReader {
  readonly #stored = new Map<string, SourceMap>();

  set(partition: SourceMap, offset: SourceMap): this {
    this.#stored.set(JSON.stringify(partition), offset);
    return this;
  }

  async offset(partition: SourceMap): Promise<SourceMap | null> {
    return this.#stored.get(JSON.stringify(partition)) ?? null;
  }

  async offsets(
    partitions: readonly SourceMap[],
  ): Promise<Array<{ partition: SourceMap; offset: SourceMap | null }>> {
    return Promise.all(
      partitions.map(async (partition) => ({ partition, offset: await this.offset(partition) })),
    );
  }

  /** What the runtime does on an offset flush: the last offset of each partition is stored (JSON round trip). */
  flush(records: readonly SourceRecord[]): void {
    for (const r of records) {
      if (r.sourcePartition !== null && r.sourceOffset !== null) {
        this.set(r.sourcePartition, JSON.parse(JSON.stringify(r.sourceOffset)) as SourceMap);
      }
    }
  }
}

export class TestContext implements SourceTaskContext {
  readonly #configs: StringMap;
  readonly reader: MapOffsetReader;

  constructor(configs: StringMap, reader = new MapOffsetReader()) {
    this.#configs = configs;
    this.reader = reader;
  }

  configs(): StringMap {
    return this.#configs;
  }

  offsetStorageReader(): OffsetStorageReader {
    return this.reader;
  }

  transactionContext(): TransactionContext | null {
    return null;
  }
}

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
