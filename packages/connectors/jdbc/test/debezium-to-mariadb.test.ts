/**
 * End to end on real Kafka: PostgreSQL (the Debezium-compatible source with ExtractNewRecordState)
 * → Kafka → MariaDB (JDBC sink, upsert, delete.enabled) keeps a table identical through inserts,
 * updates and deletes, in one StandaloneHerder with JsonConverter.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { type PostgresTestServer, uniqueName, useKafka, usePostgres } from '@sluice/testing';
import pg from 'pg';
import { pino } from 'pino';
import { captureLogs, mariaDb, type TestDb } from './helpers.ts';

let server: PostgresTestServer;
let source: pg.Client;
let maria: TestDb;
let dir: string;
const database = uniqueName('dbz');
const slot = uniqueName('slot');
const publication = uniqueName('pub');
const prefix = uniqueName('cdc');

before(async () => {
  server = await usePostgres();
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(server.connectionString);
  url.pathname = `/${database}`;
  source = new pg.Client({ connectionString: url.toString() });
  await source.connect();
  await source.query(`CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, balance numeric(10,2));
    INSERT INTO customers VALUES (1, 'Sally', 'sally@example.com', 12.50), (2, 'George', NULL, NULL), (3, 'Edward', 'ed@walker.com', 0.05);`);
  maria = await mariaDb();
  dir = await mkdtemp(join(tmpdir(), 'sluice-jdbc-dbz-'));
});

after(async () => {
  await source?.end().catch(() => {});
  if (server !== undefined) {
    const admin = new pg.Client({ connectionString: server.connectionString });
    await admin.connect();
    for (let i = 0; i < 50; i++) {
      const r = await admin.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      const row = r.rows[0] as { active: boolean } | undefined;
      if (row === undefined) break;
      if (!row.active) await admin.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
  await maria?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function sourceRows(): Promise<string> {
  const r = await source.query('SELECT id, name, email, balance::text AS balance FROM customers ORDER BY id');
  return JSON.stringify(r.rows.map((x) => [x.id, x.name, x.email, x.balance]));
}

async function sinkRows(): Promise<string> {
  const rows = await maria
    .exec('SELECT id, name, email, CAST(balance AS CHAR) AS balance FROM customers ORDER BY id')
    .catch(() => []);
  return JSON.stringify(rows.map((x) => [Number(x.id), x.name, x.email, x.balance]));
}

async function waitIdentical(herder: StandaloneHerder, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let want = '';
  let got = '';
  while (Date.now() < deadline) {
    for (const name of ['pg-source', 'mariadb-sink']) {
      const status = await herder.connectorStatus(name);
      const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
      if (failed !== undefined) throw new Error(`${name} FAILED: ${failed.trace}`);
    }
    want = await sourceRows();
    got = await sinkRows();
    if (want === got) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(got, want, 'MariaDB did not catch up with PostgreSQL');
}

test('PostgreSQL → Kafka → MariaDB keeps the table identical through inserts, updates and deletes', async () => {
  const kafka = await useKafka();
  const logs = captureLogs();
  const herder = await StandaloneHerder.create(
    {
      'bootstrap.servers': kafka.bootstrapServers,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '500',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  await herder.start();
  try {
    await herder.putConnectorConfig(
      'pg-source',
      {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': server.host,
        'database.port': String(server.port),
        'database.user': server.user,
        'database.dbname': database,
        'topic.prefix': prefix,
        'plugin.name': 'pgoutput',
        'slot.name': slot,
        'publication.name': publication,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.customers',
        transforms: 'unwrap',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.drop.tombstones': 'false',
      },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'mariadb-sink',
      {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        topics: `${prefix}.public.customers`,
        ...maria.connection(),
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
        'delete.enabled': 'true',
        'auto.create': 'true',
        'table.name.format': 'customers',
        'consumer.override.auto.offset.reset': 'earliest',
      },
      { allowReplace: false },
    );
    await waitIdentical(herder);
    await source.query(`UPDATE customers SET email = 'sally.t@example.com', balance = 99.99 WHERE id = 1;
      DELETE FROM customers WHERE id = 2;
      INSERT INTO customers VALUES (4, 'Anne', 'anne@example.com', 1000.00);
      UPDATE customers SET name = 'Ed' WHERE id = 3;
      DELETE FROM customers WHERE id = 4;
      INSERT INTO customers VALUES (4, 'Anne again', NULL, 1.00);`);
    await waitIdentical(herder);
    assert.equal(
      await sinkRows(),
      JSON.stringify([
        [1, 'Sally', 'sally.t@example.com', '99.99'],
        [3, 'Ed', 'ed@walker.com', '0.05'],
        [4, 'Anne again', null, '1.00'],
      ]),
    );
  } finally {
    await herder.stop();
    logs.restore();
  }
});
