/**
 * The articles' pipeline in a real StandaloneHerder: the Debezium-compatible PostgreSQL source
 * (with ExtractNewRecordState) writes `dbserver1.public.customers`, and the articles' Elasticsearch
 * sink config, as written (only `connection.url` pointed at the test node), indexes it into
 * OpenSearch: documents equal the rows, updates overwrite the same document, the log says once that
 * `schema.enable` is unknown (did you mean `schema.ignore`?). With `behavior.on.null.values=delete`
 * added, deletes remove the document. On the embedded log and on Kafka.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { eventually, throwIfFailed, uniqueName, useKafka, useOpenSearch, usePostgres } from '@sluice/testing';
import pg from 'pg';
import { pino } from 'pino';
import { allDocs, request } from './harness.ts';

interface Db {
  sql: pg.Client;
  sourceConfig(prefix: string): Record<string, string>;
  cleanup(): Promise<void>;
}

async function database(): Promise<Db> {
  const server = await usePostgres();
  const name = uniqueName('es_pipeline');
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.connectionString);
  url.pathname = `/${name}`;
  const sql = new pg.Client({ connectionString: url.toString() });
  await sql.connect();
  const slot = uniqueName('slot');
  return {
    sql,
    sourceConfig: (prefix) => ({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.user': server.user,
      'database.password': 'unused',
      'database.dbname': name,
      'topic.prefix': prefix,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': uniqueName('pub'),
      'poll.interval.ms': '100',
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.drop.tombstones': 'false',
    }),
    async cleanup() {
      await sql.end().catch(() => {});
      const a = new pg.Client({ connectionString: server.connectionString });
      await a.connect();
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

/** The articles' sink config, as written, with connection.url pointed at the test node. */
function articlesSinkConfig(esUrl: string, topic: string): Record<string, string> {
  const json = `{"name":"es-sink-connector","config":{"connector.class":"io.confluent.connect.elasticsearch.ElasticsearchSinkConnector","tasks.max":"1","topics":"dbserver1.public.customers","connection.url":"http://HOST:PORT","type.name":"customer_event","schema.enable":"false","key.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter":"org.apache.kafka.connect.json.JsonConverter","key.converter.schemas.enable":"false","value.converter.schemas.enable":"false"}}`;
  const config = (JSON.parse(json) as { config: Record<string, string> }).config;
  config['connection.url'] = esUrl;
  config.topics = topic;
  return config;
}

/** `eventually` of @sluice/testing (every 250 ms, 60 s), failing at once when a connector or task FAILED. */
function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  herder: StandaloneHerder,
  timeoutMs = 60_000,
): Promise<T> {
  return eventually(what, check, { timeoutMs, intervalMs: 250, failFast: () => throwIfFailed(herder) });
}

async function runPipeline(workerProps: Record<string, string>, dir: string, prefix: string): Promise<void> {
  const { url: esUrl } = await useOpenSearch();
  const db = await database();
  const topic = `${prefix}.public.customers`;
  const index = topic.toLowerCase();
  await request(esUrl, 'DELETE', `/${index}`);
  // What the worker and the connectors log (plugins log through the worker's logger).
  const logged: string[] = [];
  // INFO: the sink says at that level what it did with the articles' config (once each).
  const logger = pino(
    { level: process.env.ES_TEST_LOG ?? 'info' },
    {
      write: (line: string) => {
        logged.push(line);
        if (process.env.ES_TEST_LOG !== undefined) process.stderr.write(line);
      },
    },
  );
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      // The articles' pipeline writes schemaless JSON, which the sink reads with schemas.enable=false.
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '500',
      listeners: 'http://127.0.0.1:0',
      ...workerProps,
    },
    { logger, plugins: builtinPlugins() },
  );
  try {
    await db.sql.query(`
      CREATE TABLE customers (id int PRIMARY KEY, first_name text NOT NULL, last_name text, email text);
      INSERT INTO customers VALUES (1001, 'Sally', 'Thomas', 'sally.thomas@acme.com'),
                                   (1002, 'George', 'Bailey', 'gbailey@foobar.com'),
                                   (1003, 'Edward', 'Walker', 'ed@walker.com');`);
    await herder.start();
    await herder.putConnectorConfig('postgres-source-connector', db.sourceConfig(prefix), {
      allowReplace: false,
    });
    const sink = articlesSinkConfig(esUrl, topic);
    const created = await herder.putConnectorConfig('es-sink-connector', sink, { allowReplace: false });
    assert.equal(created.info.type, 'sink');

    const rows = async (): Promise<Record<string, unknown>[]> =>
      (await db.sql.query('SELECT * FROM customers ORDER BY id')).rows as Record<string, unknown>[];
    const documentsEqualRows = async (): Promise<true | undefined> => {
      const docs = await allDocs(esUrl, index);
      const expected = (await rows()).map((r) => [String(r.id), r]);
      return JSON.stringify(docs.map((d) => [d._id, d._source])) === JSON.stringify(expected)
        ? true
        : undefined;
    };
    await waitFor('the snapshot in the index', documentsEqualRows, herder).catch((err: Error) => {
      throw new Error(`${err.message}\n--- log ---\n${logged.join('').slice(-6000)}`);
    });

    await db.sql.query(`INSERT INTO customers VALUES (1004, 'Anne', 'Kretchmar', 'annek@noanswer.org')`);
    await db.sql.query(`UPDATE customers SET email = 'sally.t@example.com' WHERE id = 1001`);
    await db.sql.query(`UPDATE customers SET last_name = 'Walker-Smith' WHERE id = 1003`);
    await waitFor('the insert and updates in the index', documentsEqualRows, herder);
    const sally = (await allDocs(esUrl, index)).find((d) => d._id === '1001')!;
    assert.equal(sally._source.email, 'sally.t@example.com', 'the update overwrote the same document');
    assert.ok((sally._version ?? 0) > 0, 'versioned by the Kafka offset');

    const log = logged.join('');
    assert.match(
      log,
      /Unknown configuration 'schema\.enable' is ignored \(did you mean 'schema\.ignore'\?\)/,
    );
    assert.match(log, /type\.name=customer_event is ignored: OpenSearch/);
    assert.equal(log.match(/did you mean 'schema\.ignore'/g)?.length, 1, 'said once');
    assert.equal(log.match(/dynamic mapping/g)?.length, 1, 'said once');
    assert.equal(log.match(/structs of one field/g)?.length, 1, 'said once');

    // Deletes remove the document once behavior.on.null.values=delete (the default, FAIL, would fail on the tombstone).
    await herder.putConnectorConfig(
      'es-sink-connector',
      { ...sink, 'behavior.on.null.values': 'delete' },
      { allowReplace: true },
    );
    await db.sql.query('DELETE FROM customers WHERE id = 1002');
    await waitFor('the delete in the index', documentsEqualRows, herder);
    assert.equal((await allDocs(esUrl, index)).length, 3);
  } finally {
    await herder.stop();
    await db.cleanup();
  }
}

describe("the articles' pipeline: PostgreSQL → ExtractNewRecordState → Elasticsearch sink (OpenSearch)", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('on the embedded log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-es-pipeline-'));
    dirs.push(dir);
    await runPipeline({ 'embedded.log.dir': join(dir, 'data') }, dir, 'dbserver1');
  });

  test('on Kafka', async () => {
    const kafka = await useKafka();
    const dir = await mkdtemp(join(tmpdir(), 'sluice-es-pipeline-'));
    dirs.push(dir);
    // The broker is shared by the test run: a prefix of its own, so no other test's records are read.
    await runPipeline({ 'bootstrap.servers': kafka.bootstrapServers }, dir, uniqueName('dbserver1'));
  });
});
