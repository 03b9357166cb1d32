/**
 * `kill -9` of a `sluice standalone` worker running PostgreSQL → Kafka → OpenSearch (the Debezium-
 * compatible source with ExtractNewRecordState and the Elasticsearch sink) while rows are inserted,
 * updated and deleted, then a restart: the index ends equal to the table (no document missing,
 * none left over, none at an older version).
 *
 * The worker runs as `node packages/cli/bin/sluice.mjs standalone worker.properties source.json
 * sink.json` with SLUICE_NODE set to this Node, so the signal hits the worker itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueName, useKafka, useOpenSearch, usePostgres, WorkerProcess } from '@sluice/testing';
import pg from 'pg';
import { allDocs, request } from './harness.ts';

const ROWS = 2000;
const ROUNDS = 120;

test('kill -9 of the worker mid-stream, then a restart: the index ends equal to the table', async () => {
  const [kafka, os, server] = await Promise.all([useKafka(), useOpenSearch(), usePostgres()]);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-es-crash-'));
  const dbName = uniqueName('es_crash');
  const admin = new pg.Client({ connectionString: server.connectionString });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(server.connectionString);
  dbUrl.pathname = `/${dbName}`;
  const sql = new pg.Client({ connectionString: dbUrl.toString() });
  await sql.connect();
  const workers: WorkerProcess[] = [];
  const prefix = uniqueName('escrash');
  const topic = `${prefix}.public.items`;
  try {
    await sql.query('CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)');
    const workerFile = join(dir, 'worker.properties');
    await writeFile(
      workerFile,
      [
        `bootstrap.servers=${kafka.bootstrapServers}`,
        'key.converter=org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable=false',
        'value.converter=org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable=false',
        `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
        'offset.flush.interval.ms=500',
        'listeners=http://127.0.0.1:0',
        '',
      ].join('\n'),
    );
    const sourceFile = join(dir, 'source.json');
    await writeFile(
      sourceFile,
      JSON.stringify({
        name: 'pg-source',
        config: {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': server.host,
          'database.port': String(server.port),
          'database.user': server.user,
          'database.dbname': dbName,
          'topic.prefix': prefix,
          'plugin.name': 'pgoutput',
          'slot.name': uniqueName('slot'),
          'publication.name': uniqueName('pub'),
          'poll.interval.ms': '100',
          transforms: 'unwrap',
          'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
          'transforms.unwrap.drop.tombstones': 'false',
        },
      }),
    );
    const sinkFile = join(dir, 'sink.json');
    await writeFile(
      sinkFile,
      JSON.stringify({
        name: 'es-sink',
        config: {
          'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
          topics: topic,
          'connection.url': os.url,
          'schema.ignore': 'true',
          'behavior.on.null.values': 'delete',
          'batch.size': '200',
          'read.timeout.ms': '30000',
        },
      }),
    );

    const table = async (): Promise<string> =>
      JSON.stringify(
        ((await sql.query('SELECT id, v FROM items ORDER BY id')).rows as { id: number; v: number }[]).map(
          (r) => [String(r.id), { id: r.id, v: r.v }],
        ),
      );
    const index = async (): Promise<string> =>
      JSON.stringify(
        (await allDocs(os.url, topic.toLowerCase()).catch(() => [])).map((d) => [d._id, d._source]),
      );
    const docCount = async (): Promise<number> => {
      const res = await request(os.url, 'GET', `/${topic.toLowerCase()}/_count`);
      return res.status === 200 ? (res.body.count as number) : 0;
    };

    // Run 1: snapshot nothing, then stream inserts, updates and deletes.
    const w1 = WorkerProcess.standalone([workerFile, sourceFile, sinkFile], {
      logLevel: 'WARN',
      logFormat: 'json',
    });
    workers.push(w1);
    await sql.query(`INSERT INTO items SELECT g, 0 FROM generate_series(1, ${ROWS}) g`);
    let doneWriting = false;
    const writing = (async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const lo = ((round * 97) % ROWS) + 1;
        await sql.query(`UPDATE items SET v = ${round} WHERE id BETWEEN ${lo} AND ${lo + 150}`);
        await sql.query(
          `DELETE FROM items WHERE id % 60 = ${round % 60} AND id BETWEEN ${lo} AND ${lo + 400}`,
        );
        await sql.query(
          `INSERT INTO items SELECT g, ${round} FROM generate_series(${ROWS + round * 10}, ${ROWS + round * 10 + 9}) g`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      doneWriting = true;
    })();
    for (let deadline = Date.now() + 120_000; (await docCount()) < ROWS / 4; ) {
      if (Date.now() > deadline) assert.fail(`run 1 stalled:\n${w1.outputTail()}`);
      if (w1.child.exitCode !== null) assert.fail(`worker exited:\n${w1.outputTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(doneWriting, false, 'the kill comes while rows still change');
    w1.child.kill('SIGKILL');
    assert.equal((await w1.exit()).signal, 'SIGKILL');

    // Run 2, while the writer goes on.
    const w2 = WorkerProcess.standalone([workerFile, sourceFile, sinkFile], {
      logLevel: 'WARN',
      logFormat: 'json',
    });
    workers.push(w2);
    await writing;
    const expected = await table();
    let last = '';
    for (let deadline = Date.now() + 180_000; ; ) {
      last = await index();
      if (last === expected) break;
      if (Date.now() > deadline)
        assert.fail(
          `the index never equalled the table (${last.length} vs ${expected.length} chars):\n${w2.outputTail()}`,
        );
      if (w2.child.exitCode !== null) assert.fail(`worker exited:\n${w2.outputTail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.doesNotMatch(w2.outputTail(), /"level":"(ERROR|FATAL)"/, 'no errors logged');
  } finally {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exit()));
    await sql.end().catch(() => {});
    for (let i = 0; i < 50; i++) {
      const res = await admin.query(
        'SELECT slot_name, active FROM pg_replication_slots WHERE database = $1',
        [dbName],
      );
      const rows = res.rows as Array<{ slot_name: string; active: boolean }>;
      if (rows.length === 0) break;
      for (const r of rows)
        if (!r.active)
          await admin.query('SELECT pg_drop_replication_slot($1)', [r.slot_name]).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
});
