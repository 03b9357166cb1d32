/**
 * The JDBC sink on each real database (MariaDB, PostgreSQL, SQLite): insert / upsert / update ×
 * pk.mode none / kafka / record_key / record_value, auto.create with every Connect type,
 * auto.evolve, deletes from tombstones, fields.whitelist, table.name.format, replays, retries
 * and errors, and bad records reported to the errant record reporter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  ConnectError,
  Decimal,
  type ErrantRecordReporter,
  RetriableError,
  type Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { TestSinkTaskContext, uniqueName } from '@sluice/testing';
import { captureLogs, KINDS, SettledSinkTask, startSink, type TestDb, testDb } from './helpers.ts';

const VALUE = SchemaBuilder.struct()
  .name('row')
  .field('id', SchemaBuilder.int32().build())
  .field('name', SchemaBuilder.string().optional().build())
  .field('qty', SchemaBuilder.int64().optional().build())
  .build();
const KEY = SchemaBuilder.struct().name('key').field('id', SchemaBuilder.int32().build()).build();

function row(id: number, name: string | null, qty: number | null = null): Struct {
  return new Struct(VALUE).put('id', id).put('name', name).put('qty', qty);
}

let offset = 0;
function rec(
  topic: string,
  value: Struct | null,
  key: Struct | number | null = null,
  keySchema: Schema | null = null,
): SinkRecord {
  return new SinkRecord({
    topic,
    kafkaPartition: 0,
    kafkaOffset: offset++,
    keySchema: keySchema ?? (key instanceof Struct ? KEY : null),
    key,
    valueSchema: value === null ? null : value.schema,
    value,
  });
}
const keyOf = (id: number): Struct => new Struct(KEY).put('id', id);

for (const kind of KINDS) {
  describe(`JDBC sink on ${kind}`, () => {
    let db: TestDb;
    const sorted = async (table: string, cols = 'id, name, qty'): Promise<unknown[][]> => {
      const rows = await db.exec(`SELECT ${cols} FROM ${table} ORDER BY id`);
      return rows.map((r) =>
        Object.values(r).map((v) =>
          typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v,
        ),
      );
    };
    const sink = (extra: Record<string, string>) =>
      startSink({ ...db.connection(), 'max.retries': '0', ...extra });

    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    test('insert, pk.mode none, auto.create with every Connect type', async () => {
      const topic = uniqueName('types');
      const schema = SchemaBuilder.struct()
        .field('i8', SchemaBuilder.int8().build())
        .field('i16', SchemaBuilder.int16().build())
        .field('i32', SchemaBuilder.int32().build())
        .field('i64', SchemaBuilder.int64().build())
        .field('f32', SchemaBuilder.float32().build())
        .field('f64', SchemaBuilder.float64().build())
        .field('b', SchemaBuilder.bool().build())
        .field('s', SchemaBuilder.string().build())
        .field('bytes', SchemaBuilder.bytes().build())
        .field('amount', Decimal.builder(3).build())
        .field('d', ConnectDate.builder().build())
        .field('t', Time.builder().build())
        .field('ts', Timestamp.builder().build())
        .field('opt', SchemaBuilder.string().optional().build())
        .build();
      const value = new Struct(schema)
        .put('i8', -8)
        .put('i16', 1600)
        .put('i32', 320000)
        .put('i64', 9007199254740993n)
        .put('f32', 1.5)
        .put('f64', 2.25)
        .put('b', true)
        .put('s', 'héllo')
        .put('bytes', new Uint8Array([0, 1, 255]))
        .put('amount', new BigDecimal(-123456n, 3))
        .put('d', new Date(Date.UTC(2024, 1, 29)))
        .put('t', new Date(45_296_789))
        .put('ts', new Date(Date.UTC(2024, 2, 1, 12, 30, 15, 250)))
        .put('opt', null);
      const { task } = await sink({ 'auto.create': 'true' });
      try {
        await task.put([
          new SinkRecord({
            topic,
            kafkaPartition: 0,
            kafkaOffset: 0,
            keySchema: null,
            key: null,
            valueSchema: schema,
            value,
          }),
        ]);
      } finally {
        await task.stop();
      }
      const rows = await db.exec(
        kind === 'postgresql'
          ? `SELECT i8, i16, i32, i64::text AS i64, f32, f64, b, s, encode(bytes, 'hex') AS bytes, amount::text AS amount, d::text AS d, t::text AS t, ts::text AS ts, opt FROM "${topic}"`
          : kind === 'mariadb'
            ? `SELECT i8, i16, i32, CAST(i64 AS CHAR) AS i64, f32, f64, b, s, HEX(bytes) AS bytes, CAST(amount AS CHAR) AS amount, CAST(d AS CHAR) AS d, CAST(t AS CHAR) AS t, CAST(ts AS CHAR) AS ts, opt FROM \`${topic}\``
            : `SELECT i8, i16, i32, CAST(i64 AS TEXT) AS i64, f32, f64, b, s, hex(bytes) AS bytes, amount, d, t, ts, opt FROM "${topic}"`,
      );
      const r = rows[0]!;
      assert.equal(Number(r.i8), -8);
      assert.equal(Number(r.i16), 1600);
      assert.equal(Number(r.i32), 320000);
      assert.equal(String(r.i64), '9007199254740993');
      assert.equal(Number(r.f32), 1.5);
      assert.equal(Number(r.f64), 2.25);
      assert.ok(r.b === true || Number(r.b) === 1);
      assert.equal(r.s, 'héllo');
      assert.equal(String(r.bytes).toLowerCase(), '0001ff');
      assert.equal(Number(r.amount), -123.456);
      assert.equal(r.d, '2024-02-29');
      assert.match(String(r.t), /^12:34:56\.789/);
      assert.match(String(r.ts), /^2024-03-01 12:30:15\.25/);
      assert.equal(r.opt, null);
    });

    test('upsert × record_key: replays are harmless, the last value wins', async () => {
      const topic = uniqueName('upsert_key');
      const { task } = await sink({
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
      });
      try {
        const batch = [
          rec(topic, row(1, 'a'), keyOf(1)),
          rec(topic, row(2, 'b'), keyOf(2)),
          rec(topic, row(1, 'a2'), keyOf(1)),
        ];
        await task.put(batch);
        await task.put(batch); // a replay after a crash
        await task.put([rec(topic, row(2, 'b2', 5), keyOf(2))]);
      } finally {
        await task.stop();
      }
      assert.deepEqual(await sorted(topic), [
        [1, 'a2', null],
        [2, 'b2', 5],
      ]);
    });

    test('strings with quotes, backslashes, commas, braces and NULL-like text round-trip', async () => {
      const topic = uniqueName('strings');
      const texts = ['plain', 'say "hi"', 'back\\slash', 'a,b{c}', 'NULL', '', ' spaced ', 'ünï\ncode'];
      const { task } = await sink({
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
      });
      try {
        await task.put(texts.map((t, i) => rec(topic, row(i + 1, t), keyOf(i + 1))));
      } finally {
        await task.stop();
      }
      assert.deepEqual(
        (await sorted(topic, 'id, name')).map((r) => r[1]),
        texts,
      );
    });

    test('insert mode (COPY on PostgreSQL, LOAD DATA on MariaDB): tabs, line breaks, backslashes, \\N text and nulls round-trip', async () => {
      const topic = uniqueName('bulk_text');
      const texts = [
        'tab\there',
        'line\nbreak',
        'cr\r\nlf',
        '\\N',
        'back\\slash\\',
        '\\t not a tab',
        '',
        null,
        'ünï',
      ];
      const { task } = await sink({ 'auto.create': 'true' });
      try {
        await task.put(texts.map((t, i) => rec(topic, row(i + 1, t, i % 2 === 0 ? null : i * 10))));
      } finally {
        await task.stop();
      }
      assert.deepEqual(
        await sorted(topic),
        texts.map((t, i) => [i + 1, t, i % 2 === 0 ? null : i * 10]),
      );
    });

    test('upsert × record_value with pk.fields, and fields.whitelist', async () => {
      const topic = uniqueName('upsert_value');
      const { task } = await sink({
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'fields.whitelist': 'name',
      });
      try {
        await task.put([
          rec(topic, row(1, 'a', 10)),
          rec(topic, row(1, 'a2', 11)),
          rec(topic, row(3, 'c', 12)),
        ]);
      } finally {
        await task.stop();
      }
      assert.deepEqual(await sorted(topic, 'id, name'), [
        [1, 'a2'],
        [3, 'c'],
      ]);
      const columns = Object.keys((await db.exec(`SELECT * FROM ${topic}`))[0]!);
      assert.deepEqual(columns.sort(), ['id', 'name']);
    });

    test('upsert × kafka: the coordinates are the key', async () => {
      const topic = uniqueName('kafka_pk');
      const { task } = await sink({ 'auto.create': 'true', 'insert.mode': 'upsert', 'pk.mode': 'kafka' });
      const first = rec(topic, row(1, 'a'));
      try {
        await task.put([first, rec(topic, row(2, 'b'))]);
        await task.put([first]);
      } finally {
        await task.stop();
      }
      const rows = await db.exec(
        `SELECT __connect_topic AS t, __connect_partition AS p, __connect_offset AS o, name FROM ${topic} ORDER BY __connect_offset`,
      );
      assert.equal(rows.length, 2);
      assert.equal(rows[0]!.t, topic);
      assert.equal(Number(rows[0]!.p), 0);
      assert.equal(Number(rows[0]!.o), first.kafkaOffset);
    });

    test('insert × record_key with a primitive key; update mode changes existing rows only', async () => {
      const topic = uniqueName('prim_key');
      const value = SchemaBuilder.struct().field('name', SchemaBuilder.string().build()).build();
      const mk = (id: number, name: string) =>
        new SinkRecord({
          topic,
          kafkaPartition: 0,
          kafkaOffset: offset++,
          keySchema: SchemaBuilder.int64().build(),
          key: id,
          valueSchema: value,
          value: new Struct(value).put('name', name),
        });
      const ins = await sink({ 'auto.create': 'true', 'pk.mode': 'record_key', 'pk.fields': 'id' });
      try {
        await ins.task.put([mk(1, 'a'), mk(2, 'b')]);
      } finally {
        await ins.task.stop();
      }
      const upd = await sink({ 'insert.mode': 'update', 'pk.mode': 'record_key', 'pk.fields': 'id' });
      try {
        await upd.task.put([mk(2, 'b2'), mk(3, 'never inserted')]);
      } finally {
        await upd.task.stop();
      }
      assert.deepEqual(await sorted(topic, 'id, name'), [
        [1, 'a'],
        [2, 'b2'],
      ]);
    });

    test('delete.enabled: tombstones delete by key, in order with inserts', async () => {
      const topic = uniqueName('deletes');
      const { task } = await sink({
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
        'delete.enabled': 'true',
      });
      try {
        await task.put([
          rec(topic, row(1, 'a'), keyOf(1)),
          rec(topic, row(2, 'b'), keyOf(2)),
          rec(topic, row(3, 'c'), keyOf(3)),
        ]);
        // Delete 1, delete then re-insert 2, in one batch.
        await task.put([
          rec(topic, null, keyOf(1)),
          rec(topic, null, keyOf(2)),
          rec(topic, row(2, 'b-again'), keyOf(2)),
        ]);
        // Rows, a delete of one of them, more rows: three flushes in one put (on PostgreSQL the
        // staging table is emptied between them, so 4 stays deleted).
        await task.put([
          rec(topic, row(4, 'd'), keyOf(4)),
          rec(topic, null, keyOf(4)),
          rec(topic, row(5, 'e'), keyOf(5)),
        ]);
      } finally {
        await task.stop();
      }
      assert.deepEqual(await sorted(topic, 'id, name'), [
        [2, 'b-again'],
        [3, 'c'],
        [5, 'e'],
      ]);
    });

    test('delete.enabled: runs of tombstones (one DELETE per batch.size keys), single and composite keys: exactly those rows go', async () => {
      // One key column: 2,500 tombstones in statements of 1,000 keys (the last of 500).
      const topic = uniqueName('deletes_many');
      const { task } = await sink({
        'auto.create': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
        'delete.enabled': 'true',
        'batch.size': '1000',
      });
      // Two key columns: the same through (id, region) IN ((…), …).
      const KEY2 = SchemaBuilder.struct()
        .name('key2')
        .field('id', SchemaBuilder.int32().build())
        .field('region', SchemaBuilder.string().build())
        .build();
      const VALUE2 = SchemaBuilder.struct()
        .name('row2')
        .field('id', SchemaBuilder.int32().build())
        .field('region', SchemaBuilder.string().build())
        .field('name', SchemaBuilder.string().optional().build())
        .build();
      const key2 = (id: number, region: string) => new Struct(KEY2).put('id', id).put('region', region);
      const value2 = (id: number, region: string) =>
        new Struct(VALUE2).put('id', id).put('region', region).put('name', `n${id}`);
      const topic2 = uniqueName('deletes_composite');
      const rec2 = (id: number, region: string, tombstone: boolean, at: number) =>
        new SinkRecord({
          topic: topic2,
          kafkaPartition: 0,
          kafkaOffset: at,
          keySchema: KEY2,
          key: key2(id, region),
          valueSchema: tombstone ? null : VALUE2,
          value: tombstone ? null : value2(id, region),
        });
      try {
        await task.put(Array.from({ length: 3000 }, (_, i) => rec(topic, row(i, `r${i}`), keyOf(i))));
        // Every id but the multiples of 6 goes: 2,500 tombstones in a row.
        await task.put(
          Array.from({ length: 3000 }, (_, i) => i)
            .filter((i) => i % 6 !== 0)
            .map((i) => rec(topic, null, keyOf(i))),
        );
        let at = 0;
        await task.put(
          Array.from({ length: 1200 }, (_, i) => rec2(i % 600, i < 600 ? 'eu' : 'us', false, at++)),
        );
        // (id, 'eu') goes for even ids, (id, 'us') for odd ones: 600 composite keys, statements
        // of 1,000 keys at most.
        await task.put(Array.from({ length: 600 }, (_, i) => rec2(i, i % 2 === 0 ? 'eu' : 'us', true, at++)));
      } finally {
        await task.stop();
      }
      const left = await db.exec(`SELECT id FROM ${topic} ORDER BY id`);
      assert.deepEqual(
        left.map((r) => Number(r.id)),
        Array.from({ length: 500 }, (_, i) => i * 6),
      );
      const left2 = await db.exec(`SELECT id, region FROM ${topic2} ORDER BY id, region`);
      assert.deepEqual(
        left2.map((r) => `${Number(r.id)}-${r.region}`),
        Array.from({ length: 600 }, (_, i) => `${i}-${i % 2 === 0 ? 'us' : 'eu'}`),
      );
    });

    test('auto.evolve adds optional columns; a required one is refused naming table and column', async () => {
      const topic = uniqueName('evolve');
      const { task } = await sink({
        'auto.create': 'true',
        'auto.evolve': 'true',
        'insert.mode': 'upsert',
        'pk.mode': 'record_key',
      });
      const wider = SchemaBuilder.struct()
        .name('row')
        .field('id', SchemaBuilder.int32().build())
        .field('name', SchemaBuilder.string().optional().build())
        .field('qty', SchemaBuilder.int64().optional().build())
        .field('note', SchemaBuilder.string().optional().build())
        .build();
      const required = SchemaBuilder.struct()
        .field('id', SchemaBuilder.int32().build())
        .field('must', SchemaBuilder.string().build())
        .build();
      try {
        await task.put([rec(topic, row(1, 'a'), keyOf(1))]);
        await task.put([
          rec(topic, new Struct(wider).put('id', 2).put('name', 'b').put('note', 'new column'), keyOf(2)),
        ]);
        await assert.rejects(
          task.put([
            rec(topic, new Struct(required).put('id', 3).put('must', 'x'), keyOf(3)),
          ]) as Promise<void>,
          (err: Error) =>
            err instanceof ConnectError && err.message.includes(topic) && err.message.includes('must'),
        );
      } finally {
        await task.stop();
      }
      assert.deepEqual(await sorted(topic, 'id, name, note'), [
        [1, 'a', null],
        [2, 'b', 'new column'],
      ]);
      const noEvolve = await sink({ 'insert.mode': 'upsert', 'pk.mode': 'record_key' });
      try {
        const evenWider = SchemaBuilder.struct()
          .field('id', SchemaBuilder.int32().build())
          .field('extra', SchemaBuilder.string().optional().build())
          .build();
        await assert.rejects(
          noEvolve.task.put([
            rec(topic, new Struct(evenWider).put('id', 4).put('extra', 'x'), keyOf(4)),
          ]) as Promise<void>,
          (err: Error) =>
            err.message.includes(`${topic} is missing column(s) extra`) &&
            err.message.includes('auto.evolve=false'),
        );
      } finally {
        await noEvolve.task.stop();
      }
    });

    test('a missing table without auto.create is an error naming it; table.name.format', async () => {
      const topic = uniqueName('missing');
      const plain = await sink({});
      try {
        await assert.rejects(
          plain.task.put([rec(topic, row(1, 'a'))]) as Promise<void>,
          (err: Error) =>
            err instanceof ConnectError &&
            err.message.includes(`${topic} is missing and auto-creation is disabled`),
        );
      } finally {
        await plain.task.stop();
      }
      const schemaless = await sink({ 'auto.create': 'true' });
      try {
        await assert.rejects(
          schemaless.task.put([
            new SinkRecord({
              topic,
              kafkaPartition: 0,
              kafkaOffset: 7,
              keySchema: null,
              key: null,
              valueSchema: null,
              value: { id: 1 },
            }),
          ]) as Promise<void>,
          (err: Error) =>
            err instanceof ConnectError &&
            /needs records with a Struct value and a Struct schema/.test(err.message) &&
            err.message.includes(`${topic}-0@7`),
        );
      } finally {
        await schemaless.task.stop();
      }
      const formatted = await sink({ 'auto.create': 'true', 'table.name.format': 'copy_of_${topic}' });
      try {
        await formatted.task.put([rec(topic, row(1, 'a'))]);
      } finally {
        await formatted.task.stop();
      }
      assert.deepEqual(await sorted(`copy_of_${topic}`, 'id, name'), [[1, 'a']]);
    });

    test('a failing batch is rolled back, retried (max.retries, retry.backoff.ms), then fails', async () => {
      const topic = uniqueName('retries');
      await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), qty BIGINT)`);
      const { task, context } = await startSink({
        ...db.connection(),
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'max.retries': '1',
        'retry.backoff.ms': '123',
      });
      const timeouts: number[] = [];
      context.timeout = (ms: number) => {
        timeouts.push(ms);
      };
      const logs = captureLogs();
      try {
        // The duplicate key fails the whole put: nothing of it may stay.
        const batch = [rec(topic, row(1, 'a')), rec(topic, row(2, 'b')), rec(topic, row(1, 'dup'))];
        await assert.rejects(task.put(batch) as Promise<void>, RetriableError);
        assert.deepEqual(timeouts, [123]);
        assert.deepEqual(await sorted(topic, 'id, name'), []);
        await assert.rejects(
          task.put(batch) as Promise<void>,
          (err: Error) =>
            !(err instanceof RetriableError) &&
            err instanceof ConnectError &&
            /after 1 retries/.test(err.message) &&
            err.message.includes(`Table ${topic}: `),
        );
      } finally {
        await task.stop();
        logs.restore();
      }
    });

    test('with errors.tolerance=all, the records the database refuses are reported and the others written', async () => {
      const topic = uniqueName('reported');
      await db.exec(`CREATE TABLE ${topic} (id INT NOT NULL PRIMARY KEY, name VARCHAR(20), qty BIGINT)`);
      const reported: Array<{ record: SinkRecord; error: Error }> = [];
      const reporter: ErrantRecordReporter = {
        report: async (record, error) => {
          reported.push({ record, error });
        },
      };
      const props = { ...db.connection(), 'pk.mode': 'record_value', 'pk.fields': 'id', 'max.retries': '0' };
      const context = new TestSinkTaskContext(props);
      context.errantRecordReporter = () => reporter;
      const task = new SettledSinkTask();
      task.initialize(context);
      await task.start(props);
      try {
        await task.put([rec(topic, row(1, 'a')), rec(topic, row(1, 'duplicate')), rec(topic, row(2, 'b'))]);
      } finally {
        await task.stop();
      }
      assert.equal(reported.length, 1);
      assert.equal((reported[0]!.record.value as Struct).get('name'), 'duplicate');
      assert.deepEqual(await sorted(topic, 'id, name'), [
        [1, 'a'],
        [2, 'b'],
      ]);
    });
  });
}
