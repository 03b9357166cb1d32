/**
 * Helpers for the tests that run the connector inside a whole worker: the `debezium` role and
 * `mydatabase` database the seed config names, created on the test server, and reading a
 * topic back through a runtime log client.
 */
import type { LogClient, LogRecord } from '@sluice/runtime';
import { type PostgresTestServer, usePostgres } from '@sluice/testing';
import pg from 'pg';

/** The role and database of the seed config (`database.user` / `database.dbname`). */
export const SEED_USER = 'debezium';
export const SEED_PASSWORD = 'dbpassword';
export const SEED_DATABASE = 'mydatabase';
/** Debezium's default slot and publication names (the seed config sets neither). */
export const DEFAULT_SLOT = 'debezium';
export const DEFAULT_PUBLICATION = 'dbz_publication';

export interface SeedDatabase {
  server: PostgresTestServer;
  /** Connected to `mydatabase` as `debezium` (owner of the database and of the tables it creates). */
  sql: pg.Client;
  /** Drops the slot and the database. */
  cleanup(): Promise<void>;
}

async function admin(server: PostgresTestServer, database = 'postgres'): Promise<pg.Client> {
  const url = new URL(server.connectionString);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/** Drops Debezium's default slot (waiting for its walsender to let go) and `mydatabase`. */
async function dropSeed(a: pg.Client): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await a.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [DEFAULT_SLOT]);
    const row = res.rows[0] as { active: boolean } | undefined;
    if (row === undefined) break;
    if (!row.active) {
      await a.query('SELECT pg_drop_replication_slot($1)', [DEFAULT_SLOT]).catch(() => {});
    } else {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await a.query(`DROP DATABASE IF EXISTS ${SEED_DATABASE} WITH (FORCE)`);
}

/**
 * A fresh `mydatabase` owned by a `debezium` role with LOGIN and REPLICATION (not superuser), and
 * the publication `dbz_publication FOR ALL TABLES` created by the superuser beforehand, as
 * Debezium's documentation has a DBA do it (only a superuser may create a FOR ALL TABLES
 * publication). The slot `debezium` is a server-wide name: a leftover one from an earlier run is
 * dropped first.
 */
export async function seedDatabase(): Promise<SeedDatabase> {
  const server = await usePostgres();
  const a = await admin(server);
  try {
    const role = await a.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [SEED_USER]);
    if (role.rows.length === 0) {
      await a.query(`CREATE ROLE ${SEED_USER} WITH LOGIN REPLICATION PASSWORD '${SEED_PASSWORD}'`);
    }
    await dropSeed(a);
    await a.query(`CREATE DATABASE ${SEED_DATABASE} OWNER ${SEED_USER}`);
  } finally {
    await a.end();
  }
  const inDb = await admin(server, SEED_DATABASE);
  try {
    await inDb.query(`CREATE PUBLICATION ${DEFAULT_PUBLICATION} FOR ALL TABLES`);
  } finally {
    await inDb.end();
  }
  const url = new URL(server.connectionString);
  url.username = SEED_USER;
  url.password = SEED_PASSWORD;
  url.pathname = `/${SEED_DATABASE}`;
  const sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  return {
    server,
    sql,
    async cleanup() {
      await sql.end().catch(() => {});
      const c = await admin(server);
      try {
        await dropSeed(c);
      } finally {
        await c.end();
      }
    },
  };
}

/** The connector config, verbatim, with host, port and password pointed at `server`. */
export function seedConnectorJson(server: PostgresTestServer): string {
  return JSON.stringify({
    name: 'postgres-source-connector',
    config: {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': 4,
      'database.hostname': server.host,
      'database.port': server.port,
      'database.user': 'debezium',
      'database.password': 'dbpassword',
      'database.dbname': 'mydatabase',
      'database.server.name': 'my-pg-server',
      'topic.prefix': 'dbserver1',
      'plugin.name': 'pgoutput',
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
    },
  });
}

/** Reads partition 0 of `topic` from `from` up to its current end. */
export async function readTopic(log: LogClient, topic: string, from = 0): Promise<LogRecord[]> {
  const [end] = await log.listOffsets([{ topic, partition: 0 }], 'latest');
  const out: LogRecord[] = [];
  let offset = from;
  while (offset < (end?.offset ?? 0)) {
    const [part] = await log.fetch([{ topic, partition: 0, offset }], { maxWaitMs: 100 });
    if (part === undefined) throw new Error(`no fetch result for ${topic}`);
    if (part.error !== undefined)
      throw new Error(`fetch of ${topic} failed: ${part.error.code} ${part.error.message}`);
    for (const r of part.records) if (r.offset >= offset) out.push(r);
    offset = Math.max(offset, part.nextOffset);
  }
  return out;
}

/** Whether a topic exists (a source creates its topics on first produce). */
export async function topicExists(log: LogClient, topic: string): Promise<boolean> {
  return (await log.listTopics()).includes(topic);
}
