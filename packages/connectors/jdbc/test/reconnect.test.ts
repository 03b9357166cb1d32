/**
 * The database going away: the server ends the connectors' connections (MariaDB `KILL`,
 * PostgreSQL `pg_terminate_backend`). The source reconnects and goes on after its last row,
 * nothing lost or read twice; the sink rolls back, asks for a redelivery (RetriableError), and
 * writes the batch on the next attempt.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RetriableError, SchemaBuilder, SinkRecord, Struct } from '@sluice/api';
import { captureLogs, startSink, startSource, type TestDb, testDb } from './helpers.ts';

for (const kind of ['mariadb', 'postgresql'] as const) {
  describe(`connections ended by ${kind}`, () => {
    let db: TestDb;
    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    async function killConnectorConnections(): Promise<number> {
      if (kind === 'mariadb') {
        const rows = await db.exec('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [
          db.user,
        ]);
        for (const r of rows) await db.exec(`KILL ${Number(r.id)}`);
        return rows.length;
      }
      const rows = await db.exec(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      return rows.length;
    }

    test('the source reconnects and resumes after its last row', async () => {
      await db.exec(
        kind === 'mariadb'
          ? 'CREATE TABLE src (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))'
          : 'CREATE TABLE src (id SERIAL PRIMARY KEY, v VARCHAR(10))',
      );
      await db.exec("INSERT INTO src (v) VALUES ('a'), ('b'), ('c')");
      const logs = captureLogs();
      const run = await startSource({
        ...db.connection(),
        mode: 'incrementing',
        'table.whitelist': 'src',
        'incrementing.column.name': 'id',
        'topic.prefix': 't-',
        'poll.interval.ms': '100',
        'connection.backoff.ms': '200',
      });
      try {
        assert.equal((await run.pollUntil(3)).length, 3);
        assert.ok((await killConnectorConnections()) >= 1);
        await db.exec("INSERT INTO src (v) VALUES ('d'), ('e')");
        const more = await run.pollUntil(2);
        assert.deepEqual(
          more.map((r) => (r.value as Struct).get('id')),
          [4, 5],
        );
        assert.deepEqual(await run.pollFor(500), []);
        assert.ok(
          logs.lines.some((l) => l.startsWith('WARN Failed to read table')),
          logs.lines.join('\n'),
        );
      } finally {
        await run.stop();
        logs.restore();
      }
    });

    test('the sink rolls back, asks for a redelivery, then writes the batch', async () => {
      const schema = SchemaBuilder.struct()
        .field('id', SchemaBuilder.int32().build())
        .field('v', SchemaBuilder.string().build())
        .build();
      let offset = 0;
      const rec = (id: number, v: string) =>
        new SinkRecord({
          topic: 'dst',
          kafkaPartition: 0,
          kafkaOffset: offset++,
          keySchema: null,
          key: null,
          valueSchema: schema,
          value: new Struct(schema).put('id', id).put('v', v),
        });
      const logs = captureLogs();
      const { task } = await startSink({
        ...db.connection(),
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'max.retries': '3',
        'retry.backoff.ms': '10',
      });
      try {
        await task.put([rec(1, 'a'), rec(2, 'b')]);
        assert.ok((await killConnectorConnections()) >= 1);
        const batch = [rec(2, 'b2'), rec(3, 'c')];
        await assert.rejects(task.put(batch) as Promise<void>, RetriableError);
        await task.put(batch); // the runtime's redelivery
      } finally {
        await task.stop();
        logs.restore();
      }
      const rows = await db.exec('SELECT id, v FROM dst ORDER BY id');
      assert.deepEqual(
        rows.map((r) => [Number(r.id), r.v]),
        [
          [1, 'a'],
          [2, 'b2'],
          [3, 'c'],
        ],
      );
    });
  });
}
