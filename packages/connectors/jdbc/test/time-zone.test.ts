/**
 * `db.timezone` other than UTC on MariaDB and PostgreSQL, with Confluent's semantics: the source
 * reads TIMESTAMP and TIME values without a zone as wall-clock times of the zone (DATE always in
 * UTC), stores offsets as instants and queries with the zone's wall-clock times; the sink writes
 * TIMESTAMP and TIME values as the zone's wall-clock times and DATE values by `date.timezone`
 * (DB_TIMEZONE by default, so a zone west of UTC writes the day before, as Confluent does).
 * Columns that hold instants (MySQL TIMESTAMP, PostgreSQL TIMESTAMP WITH TIME ZONE) stay instants.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConnectDate,
  SchemaBuilder,
  SinkRecord,
  type SourceRecord,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { SinkConfig } from '../src/index.ts';
import { type Kind, startSink, startSource, type TestDb, testDb } from './helpers.ts';

const KINDS: Kind[] = ['mariadb', 'postgresql'];

const DDL: Record<'mariadb' | 'postgresql', (t: string) => string> = {
  mariadb: (t) =>
    `CREATE TABLE ${t} (id INT PRIMARY KEY, ts DATETIME(3) NOT NULL, tm TIME(3), dt DATE, inst TIMESTAMP(3) NULL)`,
  postgresql: (t) =>
    `CREATE TABLE ${t} (id INT PRIMARY KEY, ts TIMESTAMP(3) NOT NULL, tm TIME(3), dt DATE, inst TIMESTAMPTZ(3))`,
};

/** The columns as text, as the database shows them in a UTC session. */
function textColumns(kind: Kind, table: string): string {
  return kind === 'mariadb'
    ? `SELECT id, CAST(ts AS CHAR) AS ts, CAST(tm AS CHAR) AS tm, CAST(dt AS CHAR) AS dt, CAST(inst AS CHAR) AS inst FROM ${table} ORDER BY id`
    : `SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS ts, to_char(tm, 'HH24:MI:SS.MS') AS tm, dt::text AS dt, to_char(inst AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS inst FROM ${table} ORDER BY id`;
}

const iso = (v: unknown): string => (v as Date).toISOString();

for (const kind of KINDS) {
  describe(`db.timezone on ${kind}`, () => {
    let db: TestDb;
    const inst = (text: string): string => (kind === 'postgresql' ? `${text}+00` : text);

    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    test('source: wall-clock values read in Europe/Paris, instants kept, offsets and queries right', async () => {
      const table = uniqueName('tz_src');
      await db.exec(DDL[kind as 'mariadb'](table));
      const insert = (id: number, ts: string) =>
        db.exec(
          `INSERT INTO ${table} (id, ts, tm, dt, inst) VALUES (${id}, '${ts}', '10:30:00', '2024-02-29', '${inst('2024-01-15 09:00:00')}')`,
        );
      await insert(1, '2024-01-15 10:00:00.250'); // winter: UTC+1
      await insert(2, '2024-07-15 10:00:00.000'); // summer: UTC+2
      const run = await startSource({
        ...db.connection(),
        'table.whitelist': table,
        mode: 'timestamp',
        'timestamp.column.name': 'ts',
        'topic.prefix': 'tz-',
        'poll.interval.ms': '100',
        'db.timezone': 'Europe/Paris',
      });
      try {
        const records = await run.pollUntil(2);
        const values = records.map((r) => r.value as Struct);
        assert.deepEqual(
          values.map((v) => [
            v.get('id'),
            iso(v.get('ts')),
            iso(v.get('tm')),
            iso(v.get('dt')),
            iso(v.get('inst')),
          ]),
          [
            [
              1,
              '2024-01-15T09:00:00.250Z',
              '1970-01-01T09:30:00.000Z',
              '2024-02-29T00:00:00.000Z',
              '2024-01-15T09:00:00.000Z',
            ],
            [
              2,
              '2024-07-15T08:00:00.000Z',
              '1970-01-01T09:30:00.000Z',
              '2024-02-29T00:00:00.000Z',
              '2024-01-15T09:00:00.000Z',
            ],
          ],
        );
        const schema = records[0]!.valueSchema!;
        assert.equal(schema.field('ts')!.schema.name, Timestamp.LOGICAL_NAME);
        assert.equal(schema.field('dt')!.schema.name, ConnectDate.LOGICAL_NAME);
        // Offsets are the instants (as Confluent stores the Timestamp it read with the zone).
        assert.deepEqual(records[1]!.sourceOffset, {
          timestamp_nanos: 0,
          timestamp: Date.parse('2024-07-15T08:00:00Z'),
        });
        // A row one second later in wall-clock time comes alone: the query compares wall-clock
        // times (a UTC parameter would be two hours early and send row 2 again).
        await insert(3, '2024-07-15 10:00:01.000');
        const more: SourceRecord[] = await run.pollUntil(1);
        await new Promise((r) => setTimeout(r, 300));
        more.push(...(await run.pollFor(300)));
        assert.deepEqual(
          more.map((r) => [(r.value as Struct).get('id'), iso((r.value as Struct).get('ts'))]),
          [[3, '2024-07-15T08:00:01.000Z']],
        );
      } finally {
        await run.stop();
      }
    });

    test('source: the default (UTC) reads the same text as UTC', async () => {
      const table = uniqueName('tz_utc');
      await db.exec(DDL[kind as 'mariadb'](table));
      await db.exec(
        `INSERT INTO ${table} (id, ts, tm, dt) VALUES (1, '2024-01-15 10:00:00.250', '10:30:00', '2024-02-29')`,
      );
      const run = await startSource({
        ...db.connection(),
        'table.whitelist': table,
        mode: 'incrementing',
        'incrementing.column.name': 'id',
        'topic.prefix': 'tz-',
      });
      try {
        const [record] = await run.pollUntil(1);
        const v = record!.value as Struct;
        assert.equal(iso(v.get('ts')), '2024-01-15T10:00:00.250Z');
        assert.equal(iso(v.get('tm')), '1970-01-01T10:30:00.000Z');
      } finally {
        await run.stop();
      }
    });

    const VALUE = SchemaBuilder.struct()
      .name('tz')
      .field('id', SchemaBuilder.int32().build())
      .field('ts', Timestamp.builder().build())
      .field('tm', Time.builder().optional().build())
      .field('dt', ConnectDate.builder().optional().build())
      .field('inst', Timestamp.builder().optional().build())
      .build();
    const value = (id: number): Struct =>
      new Struct(VALUE)
        .put('id', id)
        .put('ts', new Date('2024-01-15T09:00:00.250Z'))
        .put('tm', new Date('1970-01-01T09:30:00.000Z'))
        .put('dt', new Date('2024-02-29T00:00:00.000Z'))
        .put('inst', new Date('2024-01-15T09:00:00.000Z'));
    const put = async (table: string, props: Record<string, string>, id: number): Promise<void> => {
      const { task } = await startSink({
        ...db.connection(),
        'max.retries': '0',
        'table.name.format': table,
        'insert.mode': 'upsert',
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        ...props,
      });
      try {
        await task.put([
          new SinkRecord({
            topic: 't',
            kafkaPartition: 0,
            kafkaOffset: id,
            keySchema: null,
            key: null,
            valueSchema: VALUE,
            value: value(id),
          }),
        ]);
      } finally {
        await task.stop();
      }
    };

    test('sink: TIMESTAMP and TIME written as Europe/Paris wall-clock, instants as instants', async () => {
      const table = uniqueName('tz_sink');
      await db.exec(DDL[kind as 'mariadb'](table));
      await put(table, { 'db.timezone': 'Europe/Paris' }, 1);
      const rows = await db.exec(textColumns(kind, table));
      assert.deepEqual(
        rows.map((r) => [Number(r.id), r.ts, String(r.tm).slice(0, 8), r.dt, r.inst]),
        [[1, '2024-01-15 10:00:00.250', '10:30:00', '2024-02-29', '2024-01-15 09:00:00.000']],
      );
    });

    test('sink: DATE by date.timezone west of UTC (DB_TIMEZONE writes the day before, UTC as is), auto.create', async () => {
      const table = uniqueName('tz_date');
      await put(table, { 'db.timezone': 'America/New_York', 'auto.create': 'true' }, 1);
      await put(table, { 'db.timezone': 'America/New_York', 'date.timezone': 'utc' }, 2);
      const rows = await db.exec(
        kind === 'mariadb'
          ? `SELECT id, CAST(dt AS CHAR) AS dt, CAST(ts AS CHAR) AS ts FROM ${table} ORDER BY id`
          : `SELECT id, dt::text AS dt, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS') AS ts FROM ${table} ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => [Number(r.id), r.dt, r.ts]),
        [
          [1, '2024-02-28', '2024-01-15 04:00:00.250'],
          [2, '2024-02-29', '2024-01-15 04:00:00.250'],
        ],
      );
    });
  });
}

test('db.timezone: an unknown zone is refused naming the key; UTC spellings and date.timezone values', () => {
  const base = { 'connection.url': 'jdbc:sqlite:/tmp/x.db', topics: 't' };
  assert.throws(
    () => new SinkConfig({ ...base, 'db.timezone': 'Mars/Olympus_Mons' }),
    /db\.timezone.*Invalid time zone identifier/s,
  );
  assert.equal(new SinkConfig({ ...base, 'db.timezone': 'Etc/UTC' }).timeZone, null);
  assert.equal(new SinkConfig({ ...base, 'db.timezone': 'Asia/Tokyo' }).timeZone?.id, 'Asia/Tokyo');
  assert.equal(
    new SinkConfig({ ...base, 'db.timezone': 'Asia/Tokyo', 'date.timezone': 'UTC' }).dateTimeZone,
    null,
  );
  assert.throws(() => new SinkConfig({ ...base, 'date.timezone': 'LOCAL' }), /date\.timezone/);
});
