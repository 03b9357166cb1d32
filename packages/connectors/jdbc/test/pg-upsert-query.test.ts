// PostgreSQL upserts as one simple Query per put: `COPY sluice_stage_N FROM STDIN; INSERT INTO t
// SELECT ... ON CONFLICT ... DO UPDATE`, without BEGIN/COMMIT (the server runs the two statements
// as one implicit transaction), the next put's query queued right behind it. Checked on the real
// server: what goes on the wire, that a failing INSERT leaves nothing (not even rows in the
// staging table for the next put), that a put queued behind a failing one is not sent and is
// written after it, in order, and that two tasks upserting the same keys at once both succeed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ErrantRecordReporter,
  type OffsetAndMetadata,
  SchemaBuilder,
  SinkRecord,
  Struct,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { TestSinkTaskContext, uniqueName } from '@sluice/testing';
import pg from 'pg';
import { JdbcSinkTask } from '../src/index.ts';
import { type TestDb, testDb } from './helpers.ts';

const VALUE = SchemaBuilder.struct()
  .name('pg_upsert_row')
  .field('id', SchemaBuilder.int32().build())
  .field('name', SchemaBuilder.string().optional().build())
  .build();

function rec(topic: string, id: number, offset: number, name: string | null = `n${id}`): SinkRecord {
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

function consumed(topic: string, next: number): TopicPartitionMap<OffsetAndMetadata> {
  return new TopicPartitionMap<OffsetAndMetadata>([[new TopicPartition(topic, 0), { offset: next }]]);
}

/** The text of every simple Query the driver writes while `on` (a spy on the real connection). */
function watchQueries(): { texts: string[]; restore(): void } {
  const proto = (pg as unknown as { Connection: { prototype: { query(text: string): void } } }).Connection
    .prototype;
  const original = proto.query;
  const texts: string[] = [];
  proto.query = function (this: unknown, text: string) {
    if (process.env.WIRE) console.log('WIRE', text.slice(0, 60));
    texts.push(text);
    return original.call(this, text);
  };
  return {
    texts,
    restore() {
      proto.query = original;
    },
  };
}

describe('JDBC sink PostgreSQL upsert: one query per put', () => {
  let db: TestDb;
  const rows = async (table: string): Promise<Array<[number, string | null]>> =>
    (await db.exec(`SELECT id, name FROM ${table} ORDER BY id`)).map((r) => [
      Number(r.id),
      r.name === null ? null : String(r.name),
    ]);
  const start = async (
    extra: Record<string, string> = {},
    reporter: ErrantRecordReporter | null = null,
  ): Promise<JdbcSinkTask> => {
    const props = {
      ...db.connection(),
      'insert.mode': 'upsert',
      'pk.mode': 'record_value',
      'pk.fields': 'id',
      'max.retries': '0',
      ...extra,
    };
    const context = new TestSinkTaskContext(props);
    context.timeout = () => {};
    if (reporter !== null) context.errantRecordReporter = () => reporter;
    const task = new JdbcSinkTask();
    task.initialize(context);
    await task.start(props);
    return task;
  };

  before(async () => {
    db = await testDb('postgresql');
  });
  after(async () => {
    await db?.cleanup();
  });

  test('a put is one query, COPY into the staging table then INSERT ... ON CONFLICT, with no BEGIN/COMMIT; new keys inserted, present keys updated', async () => {
    const topic = uniqueName('pgq_wire');
    await db.exec(
      `CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), note VARCHAR(20) DEFAULT 'dflt')`,
    );
    await db.exec(`INSERT INTO ${topic} (id, name, note) VALUES (2, 'old', 'kept')`);
    const task = await start();
    // The first put describes the table and creates the staging table; watched from the second.
    await task.put([rec(topic, 1, 0)]);
    await task.preCommit(consumed(topic, 1));
    const wire = watchQueries();
    try {
      await task.put([
        rec(topic, 2, 1, 'new'),
        rec(topic, 3, 2),
        rec(topic, 3, 3, 'last'),
        rec(topic, 4, 4, null),
      ]);
      await task.put([rec(topic, 5, 5)]);
      await task.preCommit(consumed(topic, 6));
    } finally {
      wire.restore();
      await task.stop();
    }
    assert.equal(wire.texts.length, 2, wire.texts.join('\n'));
    for (const text of wire.texts) {
      assert.match(
        text,
        new RegExp(
          `^COPY "sluice_stage_\\d+"\\("id","name"\\) FROM STDIN; INSERT INTO "${topic}"\\("id","name"\\) SELECT "id","name" FROM "sluice_stage_\\d+" ON CONFLICT \\("id"\\) DO UPDATE SET "name"=EXCLUDED."name"$`,
        ),
      );
    }
    const table = await db.exec(`SELECT id, name, note FROM ${topic} ORDER BY id`);
    assert.deepEqual(
      table.map((r) => [Number(r.id), r.name, r.note]),
      [
        [1, 'n1', 'dflt'],
        [2, 'new', 'kept'],
        [3, 'last', 'dflt'],
        [4, null, 'dflt'],
        [5, 'n5', 'dflt'],
      ],
    );
  });

  test('an INSERT that fails leaves nothing of the put, nor rows in the staging table for the next put (errors.tolerance=all: the record at fault reported)', async () => {
    const topic = uniqueName('pgq_atomic');
    // The staging table has the column types, not the NOT NULL: the COPY takes the null, the
    // INSERT refuses it, after the COPY's rows are in the staging table.
    await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL)`);
    const reported: SinkRecord[] = [];
    const task = await start(
      {},
      {
        report: async (record) => {
          reported.push(record);
        },
      },
    );
    try {
      await task.put([rec(topic, 1, 0), rec(topic, 2, 1)]);
      await task.preCommit(consumed(topic, 2));
      await task.put([rec(topic, 10, 2), rec(topic, 11, 3, null), rec(topic, 12, 4)]);
      await task.put([rec(topic, 20, 5), rec(topic, 1, 6, 'one again')]);
      await task.put([rec(topic, 30, 7)]);
      await task.preCommit(consumed(topic, 8));
    } finally {
      await task.stop();
    }
    assert.deepEqual(
      reported.map((r) => r.kafkaOffset),
      [3],
    );
    assert.deepEqual(await rows(topic), [
      [1, 'one again'],
      [2, 'n2'],
      [10, 'n10'],
      [12, 'n12'],
      [20, 'n20'],
      [30, 'n30'],
    ]);
  });

  test('a put queued behind one that fails is not sent: the failed batch is handled first (errors.tolerance=all), then it is written, in order', async () => {
    const topic = uniqueName('pgq_order');
    await db.exec(
      `CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL, seq BIGSERIAL)`,
    );
    const reported: SinkRecord[] = [];
    const task = await start(
      {},
      {
        report: async (record) => {
          reported.push(record);
        },
      },
    );
    try {
      await task.put([rec(topic, 1, 0), rec(topic, 2, 1)]);
      await task.preCommit(consumed(topic, 2));
      // A row with a null name fails the INSERT (the column is NOT NULL) ...
      await task.put([rec(topic, 3, 2), rec(topic, 4, 3, null)]);
      // ... and this batch's query is queued right behind it. It updates key 3 too: had it been
      // sent, the failed batch's records, written one by one after it, would overwrite it.
      await task.put([rec(topic, 3, 4, 'three again'), rec(topic, 5, 5)]);
      const committed = await task.preCommit(consumed(topic, 6));
      assert.equal(committed.get(new TopicPartition(topic, 0))?.offset, 6);
    } finally {
      await task.stop();
    }
    assert.deepEqual(
      reported.map((r) => r.kafkaOffset),
      [3],
    );
    const arrived = await db.exec(`SELECT id, name FROM ${topic} ORDER BY seq`);
    assert.deepEqual(
      arrived.map((r) => [Number(r.id), r.name]),
      [
        [1, 'n1'],
        [2, 'n2'],
        [3, 'three again'],
        [5, 'n5'],
      ],
    );
  });

  test('puts one after another, each queued behind the one under way, upsert the same keys: the last put wins, every row once', async () => {
    const topic = uniqueName('pgq_many');
    await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))`);
    const task = await start();
    try {
      for (let b = 0; b < 8; b++) {
        await task.put(
          Array.from({ length: 500 }, (_, i) => rec(topic, (i * 7 + b) % 600, b * 500 + i, `b${b}`)),
        );
      }
      await task.preCommit(consumed(topic, 4000));
    } finally {
      await task.stop();
    }
    // The key's last record: the highest batch b where (i*7 + b) % 600 = id for some i < 500.
    const expected = new Map<number, string>();
    for (let b = 0; b < 8; b++) for (let i = 0; i < 500; i++) expected.set((i * 7 + b) % 600, `b${b}`);
    assert.deepEqual(
      await rows(topic),
      [...expected].sort((a, b) => a[0] - b[0]),
    );
  });

  test('two tasks racing on the same keys: no put fails (ON CONFLICT, where a concurrent insert of a key is an update), every key once', async () => {
    const topic = uniqueName('pgq_race');
    await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20))`);
    const a = await start();
    const b = await start();
    const writer = async (task: JdbcSinkTask, who: string): Promise<void> => {
      for (let k = 0; k < 10; k++) {
        await task.put(Array.from({ length: 400 }, (_, i) => rec(topic, i, k * 400 + i, `${who}${k}`)));
      }
      await task.preCommit(consumed(topic, 4000));
    };
    try {
      await Promise.all([writer(a, 'a'), writer(b, 'b')]);
    } finally {
      await a.stop();
      await b.stop();
    }
    const table = await rows(topic);
    assert.equal(table.length, 400);
    assert.ok(
      table.every(([id, name], i) => id === i && (name === 'a9' || name === 'b9')),
      JSON.stringify(table.slice(0, 5)),
    );
  });
});
