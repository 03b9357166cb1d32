/** Unit tests: JDBC URLs, SQL per dialect, column type mapping, table selection, offsets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal, SchemaBuilder, Timestamp } from '@sluice/api';
import {
  dialectFor,
  groupPartitions,
  mapColumn,
  offsetMap,
  parseJdbcUrl,
  parseTimestamp,
  readOffset,
  redactUrl,
  SourceConfig,
  selectTables,
  sourcePartition,
} from '../src/index.ts';
import { binder, MYSQL_LOAD, PG_COPY, textEncoder, textRow } from '../src/sink-writer.ts';

test('JDBC URLs of each database', () => {
  assert.deepEqual(parseJdbcUrl('jdbc:mysql://db.example:3307/news?useSSL=false&user=u'), {
    kind: 'mysql',
    subprotocol: 'mysql',
    host: 'db.example',
    port: 3307,
    database: 'news',
    params: { useSSL: 'false', user: 'u' },
  });
  assert.equal(parseJdbcUrl('jdbc:mariadb://h/db').port, 3306);
  assert.equal(parseJdbcUrl('jdbc:mariadb://h/db').kind, 'mysql');
  const pg = parseJdbcUrl('jdbc:postgresql://[::1]:5433/app?user=a&password=p%40ss');
  assert.equal(pg.kind, 'postgresql');
  assert.equal(pg.host, '::1');
  assert.equal(pg.port, 5433);
  assert.equal(pg.params.password, 'p@ss');
  assert.equal(parseJdbcUrl('jdbc:postgresql://localhost/db').port, 5432);
  assert.deepEqual(parseJdbcUrl('jdbc:mysql://u:secret@h:1/d').params, { user: 'u', password: 'secret' });
  assert.equal(parseJdbcUrl('jdbc:sqlite:/tmp/x.db').database, '/tmp/x.db');
  assert.equal(parseJdbcUrl('jdbc:sqlite::memory:').database, ':memory:');
  assert.equal(parseJdbcUrl('jdbc:mysql://a:1,b:2/db').host, 'a');
  assert.throws(() => parseJdbcUrl('mysql://h/db'), /not a JDBC URL/);
  assert.throws(() => parseJdbcUrl('jdbc:oracle:thin:@h:1521:x'), /unsupported database 'oracle'/);
  assert.throws(() => parseJdbcUrl('jdbc:mysql://h:port/db'), /port 'port' is not a number/);
  assert.throws(() => parseJdbcUrl('jdbc:sqlite:'), /needs a database file path/);
  assert.equal(
    redactUrl('jdbc:mysql://h/db?user=a&password=s3cret'),
    'jdbc:mysql://h/db?user=a&password=********',
  );
  assert.equal(redactUrl('jdbc:mysql://a:s3cret@h/db'), 'jdbc:mysql://a:********@h/db');
});

test('upserts, inserts, updates and deletes per dialect', () => {
  const my = dialectFor('mysql');
  assert.equal(
    my.upsert('`t`', ['id'], ['a', 'b'], 2),
    'INSERT INTO `t`(`id`,`a`,`b`) VALUES (?,?,?),(?,?,?) ON DUPLICATE KEY UPDATE `a`=VALUES(`a`),`b`=VALUES(`b`)',
  );
  assert.equal(
    my.upsert('`t`', ['id'], [], 1),
    'INSERT INTO `t`(`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id`=`id`',
  );
  const pg = dialectFor('postgresql');
  assert.equal(
    pg.upsert('"t"', ['id'], ['a'], 2),
    'INSERT INTO "t"("id","a") VALUES ($1,$2),($3,$4) ON CONFLICT ("id") DO UPDATE SET "a"=EXCLUDED."a"',
  );
  assert.equal(
    pg.upsert('"t"', ['id'], [], 1),
    'INSERT INTO "t"("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING',
  );
  assert.equal(pg.update('"t"', ['id'], ['a', 'b']), 'UPDATE "t" SET "a" = $1, "b" = $2 WHERE "id" = $3');
  assert.equal(pg.delete('"t"', ['k1', 'k2']), 'DELETE FROM "t" WHERE "k1" = $1 AND "k2" = $2');
  assert.equal(pg.delete('"t"', ['id'], 'always', 3), 'DELETE FROM "t" WHERE "id" IN ($1,$2,$3)');
  assert.equal(
    pg.delete('"t"', ['k1', 'k2'], 'always', 2),
    'DELETE FROM "t" WHERE ("k1","k2") IN (($1,$2),($3,$4))',
  );
  assert.equal(my.delete('`t`', ['id'], 'always', 2), 'DELETE FROM `t` WHERE `id` IN (?,?)');
  assert.equal(pg.table({ catalog: null, schema: 'public', table: 'we"ird' }), '"public"."we""ird"');
  assert.equal(my.table({ catalog: 'news', schema: null, table: 'articles' }, 'never'), 'news.articles');
  const lite = dialectFor('sqlite');
  assert.equal(
    lite.upsert('"t"', ['id'], ['a'], 1),
    'INSERT INTO "t"("id","a") VALUES (?,?) ON CONFLICT("id") DO UPDATE SET "a"=excluded."a"',
  );
  const cols = [
    { name: 'id', schema: SchemaBuilder.string().build() },
    { name: 'amount', schema: Decimal.schema(2) },
    { name: 'at', schema: SchemaBuilder.int64().name(Timestamp.LOGICAL_NAME).optional().build() },
  ];
  assert.equal(
    my.createTable('`t`', cols, ['id']),
    'CREATE TABLE `t` (\n`id` VARCHAR(256) NOT NULL,\n`amount` DECIMAL(65,2) NOT NULL,\n`at` DATETIME(3) NULL,\nPRIMARY KEY(`id`))',
  );
  assert.equal(
    pg.createTable('"t"', cols, ['id']),
    'CREATE TABLE "t" (\n"id" TEXT NOT NULL,\n"amount" DECIMAL NOT NULL,\n"at" TIMESTAMP NULL,\nPRIMARY KEY("id"))',
  );
  assert.deepEqual(lite.addColumns('"t"', cols.slice(1)), [
    'ALTER TABLE "t" ADD "amount" NUMERIC NULL',
    'ALTER TABLE "t" ADD "at" TIMESTAMP NULL',
  ]);
});

test('column types map as Confluent maps them, numeric.mapping included', () => {
  const col = (type: string, extra: object = {}) =>
    ({
      name: 'c',
      type,
      typeName: type,
      signed: true,
      precision: 0,
      scale: 0,
      nullable: true,
      ...extra,
    }) as never;
  const schemaOf = (c: never, mapping: 'none' | 'best_fit' | 'precision_only' = 'none') =>
    mapColumn(c, 0, mapping, 'x')!.schema;
  assert.equal(schemaOf(col('TINYINT')).type, 'INT8');
  assert.equal(schemaOf(col('TINYINT', { signed: false })).type, 'INT16');
  assert.equal(schemaOf(col('INTEGER', { signed: false })).type, 'INT64');
  assert.equal(schemaOf(col('BIT')).type, 'INT8');
  assert.equal(schemaOf(col('INTEGER', { nullable: false })).isOptional, false);
  assert.equal(schemaOf(col('INTEGER', { nullable: null })).isOptional, true);
  const dec = schemaOf(col('DECIMAL', { precision: 10, scale: 2 }));
  assert.equal(dec.name, Decimal.LOGICAL_NAME);
  assert.deepEqual(dec.parameters, { scale: '2', 'connect.decimal.precision': '10' });
  assert.equal(schemaOf(col('DECIMAL', { precision: 5, scale: 0 }), 'best_fit').type, 'INT32');
  assert.equal(schemaOf(col('DECIMAL', { precision: 18, scale: 0 }), 'precision_only').type, 'INT64');
  assert.equal(schemaOf(col('DECIMAL', { precision: 10, scale: 2 }), 'best_fit').type, 'FLOAT64');
  assert.equal(schemaOf(col('DECIMAL', { precision: 30, scale: 2 }), 'best_fit').name, Decimal.LOGICAL_NAME);
  assert.equal(mapColumn(col('OTHER'), 0, 'none', 'x'), null);
  const decimal = mapColumn(col('DECIMAL', { precision: 10, scale: -1 }), 0, 'none', 'table t')!;
  assert.throws(
    () => decimal.convert('1.5'),
    /table t column 'c': value 1.5 does not fit the column's scale 0/,
  );
});

test('timestamps keep nanoseconds; offsets and partitions as Confluent stores them', () => {
  assert.deepEqual(parseTimestamp('2024-01-02 03:04:05.123456789'), {
    ms: Date.UTC(2024, 0, 2, 3, 4, 5, 123),
    nanos: 123456789,
  });
  assert.deepEqual(parseTimestamp('2024-01-02 03:04:05+02'), { ms: Date.UTC(2024, 0, 2, 1, 4, 5), nanos: 0 });
  assert.deepEqual(parseTimestamp('2024-01-02T03:04:05.5'), {
    ms: Date.UTC(2024, 0, 2, 3, 4, 5, 500),
    nanos: 500_000_000,
  });
  assert.deepEqual(parseTimestamp('1969-12-31 23:59:59.999'), { ms: -1, nanos: 999_000_000 });
  assert.deepEqual(parseTimestamp('2024-03-01 00:00:00'), { ms: Date.UTC(2024, 2, 1), nanos: 0 });
  assert.throws(() => parseTimestamp('2024-0x-01 00:00:00'), /cannot read/);
  const dec = mapColumn(
    {
      name: 'c',
      type: 'DECIMAL',
      typeName: 'd',
      signed: true,
      precision: 10,
      scale: 2,
      nullable: true,
    } as never,
    0,
    'none',
    'x',
  )!;
  assert.equal(String(dec.convert('-0.50')), '-0.50');
  assert.equal(String(dec.convert('12')), '12.00');
  assert.equal(String(dec.convert('1.5E+2')), '150.00');
  const state = { incrementing: 42, timestamp: { ms: Date.UTC(2024, 0, 1, 0, 0, 0, 5), nanos: 5_000_100 } };
  assert.equal(
    JSON.stringify(offsetMap(state)),
    `{"timestamp_nanos":5000100,"incrementing":42,"timestamp":${state.timestamp.ms}}`,
  );
  assert.deepEqual(readOffset(offsetMap(state)), state);
  assert.equal(JSON.stringify(offsetMap({ incrementing: 7, timestamp: null })), '{"incrementing":7}');
  assert.equal(
    JSON.stringify(sourcePartition({ catalog: 'news', schema: null, table: 'articles' })),
    '{"protocol":"1","table":"news.articles"}',
  );
  assert.deepEqual(sourcePartition(null), { query: 'query' });
});

test('table selection: whitelist by name or qualified name, include list as patterns on both', () => {
  const all = ['articles', 'authors', 'article_tags'].map((table) => ({
    catalog: 'news',
    schema: null,
    table,
  }));
  const base = { 'connection.url': 'jdbc:mysql://h/news', 'topic.prefix': 'p-', mode: 'bulk' };
  const names = (props: Record<string, string>) =>
    selectTables(all, new SourceConfig({ ...base, ...props })).map((t) => t.table);
  assert.deepEqual(names({ 'table.include.list': 'articles' }), ['articles']);
  assert.deepEqual(names({ 'table.include.list': 'news\\.articles' }), ['articles']);
  assert.deepEqual(names({ 'table.include.list': 'article.*', 'table.exclude.list': '.*tags' }), [
    'articles',
  ]);
  assert.deepEqual(names({ 'table.whitelist': 'news.authors,articles' }), ['articles', 'authors']);
  assert.deepEqual(names({ 'table.blacklist': 'authors' }), ['articles', 'article_tags']);
  assert.deepEqual(names({}), ['articles', 'authors', 'article_tags']);
  assert.throws(
    () => new SourceConfig({ ...base, 'table.whitelist': 'a', 'table.blacklist': 'b' }),
    /exclusive/,
  );
  assert.throws(() => new SourceConfig({ ...base, 'table.exclude.list': 'a' }), /needs table.include.list/);
  assert.throws(() => new SourceConfig({ ...base, mode: 'timestamp' }), /needs timestamp.column.name/);
  assert.throws(() => new SourceConfig({ ...base, mode: '' }), /Missing required configuration "mode"/);
  assert.deepEqual(groupPartitions([1, 2, 3, 4, 5], 3), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(groupPartitions([1], 1), [[1]]);
});

test('bulk-load text rows: COPY text and LOAD DATA formats', () => {
  const id = (v: unknown): unknown => v;
  const schemas = [
    SchemaBuilder.int32().build(),
    SchemaBuilder.bool().build(),
    SchemaBuilder.string().optional().build(),
    SchemaBuilder.string().build(),
    SchemaBuilder.bytes().build(),
    Decimal.schema(2),
    Timestamp.SCHEMA,
  ];
  const encoders = (format: typeof PG_COPY) => schemas.map((schema) => textEncoder(format, schema, id));
  const keys = [7];
  const values = [
    true,
    null,
    'tab\there\nline\\back\rret\0nul',
    new Uint8Array([0, 255]),
    '12.50',
    '2024-01-01 00:00:00.000',
  ];
  assert.equal(
    textRow(encoders(PG_COPY), 1, keys, values),
    '7\tt\t\\N\ttab\\there\\nline\\\\back\\rret\0nul\t\\\\x00ff\t12.50\t2024-01-01 00:00:00.000\n',
  );
  assert.equal(
    textRow(encoders(MYSQL_LOAD).slice(0, 4), 1, keys, values),
    '7\t1\t\\N\ttab\\there\\nline\\\\back\\rret\\0nul\n',
  );
  assert.equal(textRow([textEncoder(PG_COPY, SchemaBuilder.bool().build(), id)], 0, [], [false]), 'f\n');
});

test('Timestamp binder: wall-clock text to the millisecond, in and across minutes, days and back', () => {
  const bind = binder(Timestamp.SCHEMA, { dialect: { kind: 'postgresql' } } as never, 'at', 't');
  const base = Date.UTC(2023, 10, 14, 23, 59, 58, 5);
  const times = [
    base,
    base + 45, // same second
    base + 995, // same minute
    base + 1_000, // 23:59:59.005
    base + 2_000, // next day, 00:00:00.005
    base + 2_095,
    base + 61_999,
    base - 86_400_000, // back a day, same minute of the day
    Date.UTC(1969, 11, 31, 23, 59, 59, 999), // before 1970
    0,
    Date.UTC(2024, 1, 29, 12, 0, 0, 0),
  ];
  for (const ms of times) {
    assert.equal(bind(new Date(ms)), new Date(ms).toISOString().replace('T', ' ').slice(0, 23));
  }
  assert.equal(bind(null), null);
});
