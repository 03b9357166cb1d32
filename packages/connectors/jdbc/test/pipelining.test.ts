// put.pipelining (the default): put() starts the batch's transaction and returns; the next put,
// preCommit and close wait for it. A failure is handled there as the put would have handled it:
// the batch is written before anything after it, offsets never move past a record that is not in
// the table, and nothing is lost or written twice.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ErrantRecordReporter,
  type OffsetAndMetadata,
  RetriableError,
  SchemaBuilder,
  SinkRecord,
  Struct,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { TestSinkTaskContext, uniqueName } from '@sluice/testing';
import { JdbcSinkTask } from '../src/index.ts';
import { captureLogs, KINDS, type TestDb, testDb } from './helpers.ts';

const VALUE = SchemaBuilder.struct()
  .name('row')
  .field('id', SchemaBuilder.int32().build())
  .field('name', SchemaBuilder.string().optional().build())
  .build();

function rec(topic: string, id: number, offset: number, name = `n${id}`): SinkRecord {
  return new SinkRecord({
    topic,
    kafkaPartition: 0,
    kafkaOffset: offset,
    keySchema: null,
    key: null,
    valueSchema: VALUE,
    value: new Struct(VALUE).put('id', id).put('name', name),
  });
}

/** The offsets a runtime hands preCommit after these records: the next offset to read. */
function consumed(topic: string, next: number): TopicPartitionMap<OffsetAndMetadata> {
  return new TopicPartitionMap<OffsetAndMetadata>([[new TopicPartition(topic, 0), { offset: next }]]);
}

for (const kind of KINDS) {
  describe(`JDBC sink put.pipelining on ${kind}`, () => {
    let db: TestDb;
    const rows = async (table: string): Promise<Array<[number, string]>> =>
      (await db.exec(`SELECT id, name FROM ${table} ORDER BY id`)).map((r) => [Number(r.id), String(r.name)]);
    const start = async (
      topic: string,
      extra: Record<string, string> = {},
      reporter: ErrantRecordReporter | null = null,
    ): Promise<{ task: JdbcSinkTask; timeouts: number[] }> => {
      const props = {
        ...db.connection(),
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'max.retries': '2',
        'retry.backoff.ms': '10',
        ...extra,
      };
      await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))`);
      const context = new TestSinkTaskContext(props);
      const timeouts: number[] = [];
      context.timeout = (ms: number) => {
        timeouts.push(ms);
      };
      if (reporter !== null) context.errantRecordReporter = () => reporter;
      const task = new JdbcSinkTask();
      task.initialize(context);
      await task.start(props);
      return { task, timeouts };
    };

    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    test('a batch that fails is written before the batches after it; offsets wait for it', async () => {
      const topic = uniqueName('pipe_retry');
      const { task, timeouts } = await start(topic);
      const logs = captureLogs();
      try {
        await task.put([rec(topic, 1, 0), rec(topic, 2, 1)]);
        // A row already there makes the next batch fail (insert mode, duplicate key) ...
        await db.exec(`INSERT INTO ${topic} (id, name) VALUES (4, 'there')`);
        await task.put([rec(topic, 3, 2), rec(topic, 4, 3)]); // returns: the write is under way
        // ... which the next put reports, as a retriable failure of that batch (not of its own).
        const third = [rec(topic, 5, 4)];
        await assert.rejects(
          task.put(third) as Promise<void>,
          (err: Error) =>
            err instanceof RetriableError && err.message.includes(`2 record(s) from ${topic}-0@2`),
        );
        assert.deepEqual(timeouts, [10]);
        // Nothing of the failed batch is in the table, and no offset may move past its first record.
        assert.deepEqual(await rows(topic), [
          [1, 'n1'],
          [2, 'n2'],
          [4, 'there'],
        ]);
        const held = await task.preCommit(consumed(topic, 5));
        assert.equal(held.get(new TopicPartition(topic, 0))?.offset, 2);
        // The cause goes away; the runtime hands back the batch whose put threw.
        await db.exec(`DELETE FROM ${topic} WHERE id = 4`);
        await task.put(third);
        const committed = await task.preCommit(consumed(topic, 5));
        assert.equal(committed.get(new TopicPartition(topic, 0))?.offset, 5);
        assert.deepEqual(await rows(topic), [
          [1, 'n1'],
          [2, 'n2'],
          [3, 'n3'],
          [4, 'n4'],
          [5, 'n5'],
        ]);
      } finally {
        await task.stop();
        logs.restore();
      }
    });

    test('with errors.tolerance=all, the record at fault in a pipelined batch is reported before offsets are committed', async () => {
      const topic = uniqueName('pipe_dlq');
      const reported: SinkRecord[] = [];
      const { task } = await start(
        topic,
        { 'max.retries': '0' },
        {
          report: async (record) => {
            reported.push(record);
          },
        },
      );
      try {
        // The bad record sits in the middle of a batch big enough for the bulk paths.
        const batch = Array.from({ length: 50 }, (_, i) => rec(topic, i + 1, i));
        batch.splice(25, 0, rec(topic, 7, 50, 'duplicate'));
        await task.put(batch);
        const offsets = await task.preCommit(consumed(topic, 51));
        assert.equal(offsets.get(new TopicPartition(topic, 0))?.offset, 51);
        assert.deepEqual(
          reported.map((r) => [r.kafkaOffset, (r.value as Struct).get('name')]),
          [[50, 'duplicate']],
        );
        const table = await rows(topic);
        assert.equal(table.length, 50);
        assert.deepEqual(table[6], [7, 'n7']);
      } finally {
        await task.stop();
      }
    });

    test('a batch put while the one before it is under way is written after it, also when that one fails (errors.tolerance=all)', async () => {
      const topic = uniqueName('pipe_order');
      const reported: SinkRecord[] = [];
      const { task } = await start(
        topic,
        { 'max.retries': '0' },
        {
          report: async (record) => {
            reported.push(record);
          },
        },
      );
      // The order rows arrive in: a sequence number the database gives each row.
      const order = db.kind === 'sqlite' ? 'rowid' : 'seq';
      if (db.kind === 'postgresql') await db.exec(`ALTER TABLE ${topic} ADD COLUMN seq BIGSERIAL`);
      if (db.kind === 'mariadb') {
        await db.exec(`ALTER TABLE ${topic} ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE`);
      }
      try {
        await task.put([rec(topic, 1, 0), rec(topic, 2, 1), rec(topic, 3, 2)]);
        // Id 2 again in the middle: this batch fails as a whole, then its records go one by one.
        await task.put([rec(topic, 4, 3), rec(topic, 5, 4), rec(topic, 2, 5, 'dup'), rec(topic, 6, 6)]);
        // Put while that one is under way (on PostgreSQL its COPY is queued right behind it).
        await task.put([rec(topic, 7, 7), rec(topic, 8, 8), rec(topic, 9, 9)]);
        const offsets = await task.preCommit(consumed(topic, 10));
        assert.equal(offsets.get(new TopicPartition(topic, 0))?.offset, 10);
      } finally {
        await task.stop();
      }
      assert.deepEqual(
        reported.map((r) => [r.kafkaOffset, (r.value as Struct).get('name')]),
        [[5, 'dup']],
      );
      const arrived = await db.exec(`SELECT id, name FROM ${topic} ORDER BY ${order}`);
      assert.deepEqual(
        arrived.map((r) => [Number(r.id), String(r.name)]),
        [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => [id, `n${id}`]),
      );
    });

    test('put.pipelining=false: put returns once the batch is committed, and throws its own failure', async () => {
      const topic = uniqueName('pipe_off');
      const { task } = await start(topic, { 'put.pipelining': 'false', 'max.retries': '1' });
      const logs = captureLogs();
      try {
        await task.put([rec(topic, 1, 0)]);
        assert.deepEqual(await rows(topic), [[1, 'n1']]);
        await assert.rejects(task.put([rec(topic, 1, 1, 'dup')]) as Promise<void>, RetriableError);
      } finally {
        await task.stop();
        logs.restore();
      }
    });

    test('upsert (bulk through a staging table on PostgreSQL) keeps the columns the records do not have', async () => {
      const topic = uniqueName('pipe_upsert');
      const { task } = await start(topic, { 'insert.mode': 'upsert' });
      await db.exec(`ALTER TABLE ${topic} ADD COLUMN note VARCHAR(20)`);
      await db.exec(
        `INSERT INTO ${topic} (id, name, note) VALUES (1, 'old', 'kept'), (2, 'old', 'kept too')`,
      );
      try {
        const batch = Array.from({ length: 40 }, (_, i) => rec(topic, i + 1, i, `new${i + 1}`));
        batch.push(rec(topic, 2, 40, 'last wins'));
        await task.put(batch);
        await task.preCommit(consumed(topic, 41));
      } finally {
        await task.stop();
      }
      const table = await db.exec(`SELECT id, name, note FROM ${topic} ORDER BY id`);
      assert.equal(table.length, 40);
      assert.deepEqual(
        table.slice(0, 3).map((r) => [Number(r.id), r.name, r.note]),
        [
          [1, 'new1', 'kept'],
          [2, 'last wins', 'kept too'],
          [3, 'new3', null],
        ],
      );
    });

    test('a value that cannot be written, after hundreds of good rows, leaves nothing of the put (bulk load stopped, not committed)', async () => {
      const topic = uniqueName('pipe_bad_value');
      const nested = SchemaBuilder.struct().field('x', SchemaBuilder.int32().build()).optional().build();
      const schema = SchemaBuilder.struct()
        .name('row_with_struct')
        .field('id', SchemaBuilder.int32().build())
        .field('name', SchemaBuilder.string().optional().build())
        .field('nested', nested)
        .build();
      const { task } = await start(topic, { 'pk.mode': 'none', 'max.retries': '0' });
      await db.exec(`ALTER TABLE ${topic} ADD COLUMN nested VARCHAR(20)`);
      const mk = (id: number, bad: boolean): SinkRecord =>
        new SinkRecord({
          topic,
          kafkaPartition: 0,
          kafkaOffset: id,
          keySchema: null,
          key: null,
          valueSchema: schema,
          value: new Struct(schema)
            .put('id', id)
            .put('name', `n${id}`.padEnd(20, '.'))
            .put('nested', bad ? new Struct(nested).put('x', 1) : null),
        });
      try {
        // More than one piece of bulk-load text before the bad one (256 rows on MariaDB, 32 KB on
        // PostgreSQL: 2,500 rows of ~29 bytes), so the server has had rows of the put already.
        const batch = Array.from({ length: 2600 }, (_, i) => mk(i + 1, i === 2500));
        await task.put(batch);
        await assert.rejects(task.put([]) as Promise<void>, (err: Error) =>
          /Column 'nested' of table .* a STRUCT value cannot be written/.test(err.message),
        );
      } finally {
        await task.stop();
      }
      assert.deepEqual(await rows(topic), []);
    });

    test('a batch put while one with a value that cannot be written is under way is not written either', async () => {
      const topic = uniqueName('pipe_bad_next');
      const nested = SchemaBuilder.struct().field('x', SchemaBuilder.int32().build()).optional().build();
      const schema = SchemaBuilder.struct()
        .name('row_with_struct_next')
        .field('id', SchemaBuilder.int32().build())
        .field('name', SchemaBuilder.string().optional().build())
        .field('nested', nested)
        .build();
      const { task } = await start(topic, { 'pk.mode': 'none', 'max.retries': '0' });
      await db.exec(`ALTER TABLE ${topic} ADD COLUMN nested VARCHAR(20)`);
      const mk = (id: number, bad: boolean): SinkRecord =>
        new SinkRecord({
          topic,
          kafkaPartition: 0,
          kafkaOffset: id,
          keySchema: null,
          key: null,
          valueSchema: schema,
          value: new Struct(schema)
            .put('id', id)
            .put('name', `n${id}`)
            .put('nested', bad ? new Struct(nested).put('x', 1) : null),
        });
      try {
        await task.put(Array.from({ length: 1000 }, (_, i) => mk(i + 1, i === 900)));
        // Put while that one is under way (on PostgreSQL its COPY is queued right behind it).
        await assert.rejects(
          task.put(Array.from({ length: 1000 }, (_, i) => mk(1001 + i, false))) as Promise<void>,
          (err: Error) => /Column 'nested' of table .* a STRUCT value cannot be written/.test(err.message),
        );
      } finally {
        await task.stop();
      }
      assert.deepEqual(await rows(topic), []);
    });

    test('batches put one after another (each written while the next is handed over) arrive once each, in full', async () => {
      const topic = uniqueName('pipe_many');
      const { task } = await start(topic, { 'pk.mode': 'none' });
      try {
        for (let b = 0; b < 6; b++) {
          await task.put(
            Array.from({ length: 300 }, (_, i) => rec(topic, b * 300 + i + 1, b * 300 + i, `b${b}\tr${i}`)),
          );
        }
        const offsets = await task.preCommit(consumed(topic, 1800));
        assert.equal(offsets.get(new TopicPartition(topic, 0))?.offset, 1800);
      } finally {
        await task.stop();
      }
      const table = await rows(topic);
      assert.equal(table.length, 1800);
      assert.ok(
        table.every(([id, name], i) => id === i + 1 && name === `b${Math.floor(i / 300)}\tr${i % 300}`),
      );
    });

    test('stop waits for the write under way', async () => {
      const topic = uniqueName('pipe_stop');
      const { task } = await start(topic);
      await task.put(Array.from({ length: 500 }, (_, i) => rec(topic, i + 1, i)));
      await task.stop();
      assert.equal((await rows(topic)).length, 500);
    });
  });
}
