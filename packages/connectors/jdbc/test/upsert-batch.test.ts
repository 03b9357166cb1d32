/**
 * The sink's upsert path within one put, on each real database: a key written twice (the last
 * record wins), tombstones between upserts of the same keys, a schema change (auto.evolve)
 * inside the batch, a record the table refuses (the put fails, or only that record is reported),
 * and text that needs escaping. On MariaDB the rows go out as multi-row
 * `INSERT ... ON DUPLICATE KEY UPDATE` text with the values as literals (mysql-text.ts): the
 * literals are checked against mysql2's own escaping, and the text against a session in the
 * NO_BACKSLASH_ESCAPES SQL mode.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  type ErrantRecordReporter,
  type Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { TestSinkTaskContext, uniqueName } from '@sluice/testing';
import { SinkConfig } from '../src/config.ts';
import { openDatabase } from '../src/database.ts';
import { parseJdbcUrl } from '../src/jdbc-url.ts';
import { backslashLiteral, doublingLiteral, literalEncoder } from '../src/mysql-text.ts';
import { binder, SinkWriter } from '../src/sink-writer.ts';
import { dialectFor } from '../src/sql.ts';
import { KINDS, SettledSinkTask, startSink, type TestDb, testDb } from './helpers.ts';

const require = createRequire(import.meta.url);

const KEY = SchemaBuilder.struct().name('key').field('id', SchemaBuilder.int32().build()).build();
const V1 = SchemaBuilder.struct()
  .name('row')
  .field('id', SchemaBuilder.int32().build())
  .field('name', SchemaBuilder.string().optional().build())
  .build();
const V2 = SchemaBuilder.struct()
  .name('row')
  .version(2)
  .field('id', SchemaBuilder.int32().build())
  .field('name', SchemaBuilder.string().optional().build())
  .field('extra', SchemaBuilder.int64().optional().build())
  .build();

let offset = 0;
function up(topic: string, id: number, name: string | null, schema: Schema = V1, extra?: number): SinkRecord {
  const value = new Struct(schema).put('id', id).put('name', name);
  if (extra !== undefined) value.put('extra', extra);
  return new SinkRecord({
    topic,
    kafkaPartition: 0,
    kafkaOffset: offset++,
    keySchema: KEY,
    key: new Struct(KEY).put('id', id),
    valueSchema: schema,
    value,
  });
}
function del(topic: string, id: number): SinkRecord {
  return new SinkRecord({
    topic,
    kafkaPartition: 0,
    kafkaOffset: offset++,
    keySchema: KEY,
    key: new Struct(KEY).put('id', id),
    valueSchema: null,
    value: null,
  });
}

/** Texts that need escaping in SQL literals (no NUL: PostgreSQL text cannot hold it). */
const TEXTS = [
  "it's",
  'say "hi"',
  'back\\slash\\',
  "\\'",
  "''",
  'tab\there',
  'line\nbreak\r\n',
  '\b\x1a',
  '?, ?? and :name',
  '😀 ünï',
  '',
];

test("MySQL literals of every Connect type are mysql2's escaping of the bound value (the statement placeholders would give)", () => {
  const mysql = require('mysql2') as { escape(v: unknown): string };
  const db = { dialect: dialectFor('mysql') } as never;
  const cases: Array<[Schema, unknown[]]> = [
    [SchemaBuilder.int8().build(), [-8, 0, 127]],
    [SchemaBuilder.int16().build(), [1600]],
    [SchemaBuilder.int32().build(), [320000, -1]],
    [SchemaBuilder.int64().build(), [9007199254740993n, 42, -7n]],
    [SchemaBuilder.float32().build(), [1.5, -0.25]],
    [SchemaBuilder.float64().build(), [2.25, 1e21, 5e-324]],
    [SchemaBuilder.bool().build(), [true, false]],
    [SchemaBuilder.string().build(), ['plain', "it's \\ \n", '😀']],
    [SchemaBuilder.bytes().build(), [new Uint8Array([0, 1, 255]), new Uint8Array([])]],
    [Decimal.schema(3), [new BigDecimal(-123456n, 3), new BigDecimal(0n, 3)]],
    [ConnectDate.SCHEMA, [new Date(Date.UTC(2024, 1, 29))]],
    [Time.SCHEMA, [new Date(45_296_789)]],
    [Timestamp.SCHEMA, [new Date(Date.UTC(2024, 2, 1, 12, 30, 15, 250)), new Date(-1)]],
    [SchemaBuilder.string().optional().build(), [null, undefined]],
  ];
  for (const [schema, values] of cases) {
    const bind = binder(schema, db, 'c', 't');
    const encode = literalEncoder(schema, bind, backslashLiteral);
    for (const v of values) {
      assert.equal(encode(v), mysql.escape(bind(v)), `${schema.type} ${schema.name ?? ''} ${String(v)}`);
    }
  }
});

for (const kind of KINDS) {
  describe(`JDBC sink upserts within one put on ${kind}`, () => {
    let db: TestDb;
    const rows = async (table: string, cols = 'id, name'): Promise<unknown[][]> =>
      (await db.exec(`SELECT ${cols} FROM ${table} ORDER BY id`)).map((r) =>
        Object.values(r).map((v) =>
          v === null ? null : typeof v === 'string' && cols === 'id, name' ? v : Number(v),
        ),
      );
    const upsertSink = (extra: Record<string, string> = {}) =>
      startSink({
        ...db.connection(),
        'max.retries': '0',
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
        ...extra,
      });

    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    test('a key twice in one put: the last record wins; texts that need escaping round-trip', async () => {
      const topic = uniqueName('twice');
      const texts = kind === 'postgresql' ? TEXTS : [...TEXTS, 'nul\0inside'];
      const { task } = await upsertSink();
      try {
        await task.put([
          up(topic, 1, 'first'),
          ...texts.map((t, i) => up(topic, i + 10, `old ${t}`)),
          up(topic, 2, 'two'),
          up(topic, 1, 'second'),
          ...texts.map((t, i) => up(topic, i + 10, t)),
          up(topic, 1, 'last'),
        ]);
        // A later put updates rows that exist.
        await task.put([up(topic, 2, 'two again'), up(topic, 2, null)]);
      } finally {
        await task.stop();
      }
      const got = await rows(topic);
      assert.deepEqual(got, [[1, 'last'], [2, null], ...texts.map((t, i) => [i + 10, t])]);
    });

    test('tombstones between upserts of the same keys keep their order', async () => {
      const topic = uniqueName('upsert_delete');
      const { task } = await upsertSink({ 'delete.enabled': 'true' });
      try {
        await task.put([
          up(topic, 1, 'a'),
          up(topic, 2, 'b'),
          del(topic, 1),
          up(topic, 3, 'c'),
          up(topic, 2, 'b2'),
          del(topic, 3),
          up(topic, 4, 'd'),
          del(topic, 4),
          up(topic, 4, 'd2'),
          del(topic, 5),
        ]);
      } finally {
        await task.stop();
      }
      assert.deepEqual(await rows(topic), [
        [2, 'b2'],
        [4, 'd2'],
      ]);
    });

    test('auto.evolve inside one put: a new optional column, the rows before and after it upserted', async () => {
      const topic = uniqueName('upsert_evolve');
      const { task } = await upsertSink({ 'auto.evolve': 'true' });
      try {
        await task.put([
          up(topic, 1, 'a'),
          up(topic, 2, 'b'),
          up(topic, 2, 'b2', V2, 20),
          up(topic, 3, 'c', V2, 30),
          up(topic, 1, 'a2'),
        ]);
      } finally {
        await task.stop();
      }
      const got = (await db.exec(`SELECT id, name, extra FROM ${topic} ORDER BY id`)).map((r) => [
        Number(r.id),
        r.name,
        r.extra === null ? null : Number(r.extra),
      ]);
      assert.deepEqual(got, [
        [1, 'a2', null],
        [2, 'b2', 20],
        [3, 'c', 30],
      ]);
    });

    test('a record the table refuses fails the put naming the table, or alone is reported (errors.tolerance=all)', async () => {
      const topic = uniqueName('upsert_refused');
      await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL)`);
      const batch = () => [up(topic, 1, 'a'), up(topic, 2, null), up(topic, 3, 'c'), up(topic, 1, 'a2')];
      const failing = await upsertSink();
      try {
        await assert.rejects(failing.task.put(batch()), (err: Error) => {
          assert.match(err.message, new RegExp(topic));
          return true;
        });
      } finally {
        await failing.task.stop();
      }
      assert.deepEqual(await rows(topic), [], 'the failed put left nothing');

      const reported: SinkRecord[] = [];
      const reporter: ErrantRecordReporter = {
        report: async (record) => {
          reported.push(record);
        },
      };
      const props = {
        ...db.connection(),
        'max.retries': '0',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
      };
      const context = new TestSinkTaskContext(props);
      context.errantRecordReporter = () => reporter;
      const task = new SettledSinkTask();
      task.initialize(context);
      await task.start(props);
      try {
        await task.put(batch());
      } finally {
        await task.stop();
      }
      assert.deepEqual(
        reported.map((r) => (r.value as Struct).get('id')),
        [2],
      );
      assert.deepEqual(await rows(topic), [
        [1, 'a2'],
        [3, 'c'],
      ]);
    });

    if (kind === 'mariadb') {
      test("string literals are mysql2's own escaping of the same texts", () => {
        const mysql = require('mysql2') as { escape(v: unknown): string };
        for (const t of [...TEXTS, 'nul\0inside', 'plain'])
          assert.equal(backslashLiteral(t), mysql.escape(t));
        assert.equal(doublingLiteral("it's \\ 'q'"), "'it''s \\ ''q'''");
      });

      test('a session in the NO_BACKSLASH_ESCAPES SQL mode gets literals without backslash escapes', async () => {
        const topic = uniqueName('no_backslash');
        const conn = db.connection();
        const props = {
          ...conn,
          topics: topic,
          'auto.create': 'true',
          'insert.mode': 'upsert',
          'pk.mode': 'record_key',
        };
        const session = await openDatabase({
          url: parseJdbcUrl(conn['connection.url']!),
          user: conn['connection.user']!,
          password: conn['connection.password']!,
        });
        try {
          await session.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')");
          assert.equal(session.stringLiteral?.(), doublingLiteral);
          const writer = new SinkWriter(new SinkConfig(props));
          const records = [...TEXTS, 'nul\0inside'].map((t, i) => up(topic, i + 1, t));
          await writer.prepare(records, session);
          await session.begin();
          await writer.write(records, session, false);
          await session.commit();
          await session.execute("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
          assert.equal(session.stringLiteral?.(), backslashLiteral);
        } finally {
          await session.close();
        }
        assert.deepEqual(
          await rows(topic),
          [...TEXTS, 'nul\0inside'].map((t, i) => [i + 1, t]),
        );
      });
    }
  });
}
