import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, ConnectHeaders, Schema, SchemaBuilder, type SourceRecord, Struct } from '@sluice/api';
import { ExtractNewRecordState } from '../../src/index.ts';
import { configured, sourceRecord } from '../helpers.ts';

const KEY = SchemaBuilder.struct().name('srv.public.items.Key').field('id', Schema.INT32_SCHEMA).build();
const ROW = SchemaBuilder.struct()
  .name('srv.public.items.Value')
  .optional()
  .field('id', Schema.INT32_SCHEMA)
  .field('name', Schema.OPTIONAL_STRING_SCHEMA)
  .field('category', Schema.OPTIONAL_STRING_SCHEMA)
  .field('code', Schema.STRING_SCHEMA)
  .build();
const SOURCE = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .field('db', Schema.STRING_SCHEMA)
  .field('table', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.INT64_SCHEMA)
  .field('lsn', Schema.OPTIONAL_INT64_SCHEMA)
  .build();
const TX = SchemaBuilder.struct()
  .name('event.block')
  .optional()
  .field('id', Schema.STRING_SCHEMA)
  .field('total_order', Schema.INT64_SCHEMA)
  .field('data_collection_order', Schema.INT64_SCHEMA)
  .build();
const ENVELOPE = SchemaBuilder.struct()
  .name('srv.public.items.Envelope')
  .version(2)
  .field('before', ROW)
  .field('after', ROW)
  .field('source', SOURCE)
  .field('transaction', TX)
  .field('op', Schema.STRING_SCHEMA)
  .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
  .build();

function item(id: number, name: string | null, category = 'tools'): Struct {
  return new Struct(ROW).put('id', id).put('name', name).put('category', category).put('code', `c${id}`);
}

function event(
  op: string,
  before: Struct | null,
  after: Struct | null,
  headers = new ConnectHeaders(),
): SourceRecord {
  const value = new Struct(ENVELOPE)
    .put('before', before)
    .put('after', after)
    .put(
      'source',
      new Struct(SOURCE).put('db', 'shop').put('table', 'items').put('ts_ms', 1000).put('lsn', 77),
    )
    .put('op', op)
    .put('ts_ms', 2000);
  return sourceRecord({
    topic: 'srv.public.items',
    keySchema: KEY,
    key: new Struct(KEY).put('id', 1),
    valueSchema: ENVELOPE,
    value,
    headers,
  });
}

function tombstone(): SourceRecord {
  return sourceRecord({
    topic: 'srv.public.items',
    keySchema: KEY,
    key: new Struct(KEY).put('id', 1),
    valueSchema: null,
    value: null,
  });
}

function unwrap(configs: Record<string, string> = {}): ExtractNewRecordState<SourceRecord> {
  return configured(ExtractNewRecordState<SourceRecord>, configs);
}

describe('ExtractNewRecordState', () => {
  test('create and update: the value becomes `after`, key and metadata kept', () => {
    const t = unwrap();
    const out = t.apply(event('c', null, item(1, 'hammer')))!;
    assert.equal(out.valueSchema!.name, 'srv.public.items.Value');
    assert.deepEqual(
      out.valueSchema!.fields.map((f) => f.name),
      ['id', 'name', 'category', 'code'],
    );
    assert.equal((out.value as Struct).get('name'), 'hammer');
    assert.equal(out.topic, 'srv.public.items');
    assert.ok((out.key as Struct).equals(new Struct(KEY).put('id', 1)));
    const updated = t.apply(event('u', item(1, 'hammer'), item(1, 'mallet')))!;
    assert.equal((updated.value as Struct).get('name'), 'mallet');
  });

  test('delete and tombstone in every delete.tombstone.handling.mode', () => {
    const del = () => event('d', item(1, 'hammer'), null);
    // tombstone (default): null value, row schema kept; incoming tombstones dropped.
    const dflt = unwrap();
    const d = dflt.apply(del())!;
    assert.equal(d.value, null);
    assert.equal(d.valueSchema!.name, 'srv.public.items.Value');
    assert.equal(dflt.apply(tombstone()), null);
    // drop
    const drop = unwrap({ 'delete.tombstone.handling.mode': 'drop' });
    assert.equal(drop.apply(del()), null);
    assert.equal(drop.apply(tombstone()), null);
    // delete-to-tombstone: a real tombstone.
    const toTomb = unwrap({ 'delete.tombstone.handling.mode': 'delete-to-tombstone' });
    const tt = toTomb.apply(del())!;
    assert.equal(tt.value, null);
    assert.equal(tt.valueSchema, null);
    assert.equal(toTomb.apply(tombstone()), null);
    // rewrite: before + __deleted=true; others get __deleted=false; tombstones dropped.
    const rewrite = unwrap({ 'delete.tombstone.handling.mode': 'rewrite' });
    const rw = rewrite.apply(del())!;
    assert.equal((rw.value as Struct).get('name'), 'hammer');
    assert.equal((rw.value as Struct).get('__deleted'), 'true');
    const deletedField = rw.valueSchema!.field('__deleted')!;
    assert.equal(deletedField.schema.type, 'STRING');
    assert.equal(deletedField.schema.isOptional, true);
    assert.equal(
      (rewrite.apply(event('c', null, item(2, 'saw')))!.value as Struct).get('__deleted'),
      'false',
    );
    assert.equal(rewrite.apply(tombstone()), null);
    // rewrite-with-tombstone keeps tombstones.
    const rwt = unwrap({ 'delete.tombstone.handling.mode': 'Rewrite-With-Tombstone' });
    const tomb = tombstone();
    assert.equal(rwt.apply(tomb), tomb);
    assert.equal((rwt.apply(del())!.value as Struct).get('__deleted'), 'true');
  });

  test('the removed keys drop.tombstones / delete.handling.mode are ignored, with a warning', () => {
    const del = () => event('d', item(1, 'hammer'), null);
    const warnings: string[] = [];
    const saved = ExtractNewRecordState.warn;
    ExtractNewRecordState.warn = (m) => warnings.push(m);
    try {
      // What Debezium 3.6.1 does (goldens of the PostgreSQL connector): the default mode, tombstone.
      const legacy = unwrap({ 'delete.handling.mode': 'rewrite', 'drop.tombstones': 'false' });
      const deleted = legacy.apply(del())!;
      assert.equal(deleted.value, null, 'the delete keeps its value schema and a null value');
      assert.notEqual(deleted.valueSchema, null);
      assert.equal(legacy.apply(tombstone()), null, 'tombstones are dropped');
      assert.deepEqual(warnings, [
        "The 'drop.tombstones' option was removed in Debezium 3.2 and is ignored (as Debezium 3.6.1 does); use 'delete.tombstone.handling.mode' instead",
        "The 'delete.handling.mode' option was removed in Debezium 3.2 and is ignored (as Debezium 3.6.1 does); use 'delete.tombstone.handling.mode' instead",
      ]);
      const both = unwrap({ 'delete.tombstone.handling.mode': 'drop', 'delete.handling.mode': 'none' });
      assert.equal(both.apply(del()), null);
    } finally {
      ExtractNewRecordState.warn = saved;
    }
  });

  test('truncate events are dropped; non-envelope records pass through unchanged', () => {
    assert.equal(unwrap().apply(event('t', null, null)), null);
    const plain = sourceRecord({ valueSchema: ROW, value: item(1, 'x') });
    assert.equal(unwrap().apply(plain), plain);
    const schemaless = sourceRecord({ value: { before: null, after: { id: 1 }, op: 'c' } });
    assert.equal(unwrap({ 'add.headers': 'op' }).apply(schemaless), schemaless);
  });

  test('add.fields: names, struct fields, renames and prefix', () => {
    const t = unwrap({
      'add.fields': 'op,table,source.ts_ms,lsn:LSN,ts_ms,id,missing',
      'add.fields.prefix': '_',
    });
    const out = t.apply(event('c', null, item(1, 'hammer')))!;
    const added = out.valueSchema!.fields.slice(4);
    assert.deepEqual(
      added.map((f) => `${f.name}:${f.schema.type}:${f.schema.isOptional}`),
      [
        '_op:STRING:true',
        '_table:STRING:true',
        '_source_ts_ms:INT64:true',
        '_LSN:INT64:true',
        '_ts_ms:INT64:true',
        '_id:STRING:true',
      ],
    );
    const v = out.value as Struct;
    assert.equal(v.get('_op'), 'c');
    assert.equal(v.get('_table'), 'items');
    assert.equal(v.get('_source_ts_ms'), 1000);
    assert.equal(v.get('_LSN'), 77);
    assert.equal(v.get('_ts_ms'), 2000);
    assert.equal(v.get('_id'), null, 'transaction is null');
    // The unwrapped row is rebuilt as a required struct, as Debezium does.
    assert.equal(out.valueSchema!.isOptional, false);
    // Cached: same schema object for the next event.
    assert.equal(t.apply(event('u', null, item(2, 'saw')))!.valueSchema, out.valueSchema);
    // Deletes in tombstone mode keep a null value without added fields.
    assert.equal(t.apply(event('d', item(1, 'x'), null))!.value, null);
  });

  test('add.headers, including the op header on tombstones', () => {
    const t = unwrap({ 'add.headers': 'op,db', 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' });
    const out = t.apply(event('c', null, item(1, 'hammer'), new ConnectHeaders().addString('keep', 'me')))!;
    assert.deepEqual(
      [...out.headers].map((h) => `${h.key}=${String(h.value)}`),
      ['keep=me', '__op=c', '__db=shop'],
    );
    assert.equal(out.headers.lastWithName('__db')!.schema!.isOptional, true);
    const tomb = t.apply(tombstone())!;
    assert.deepEqual(
      [...tomb.headers].map((h) => `${h.key}=${String(h.value)}`),
      ['h1=one', '__op=d'],
    );
  });

  test('route.by.field takes the topic from after, or before for deletes', () => {
    const t = unwrap({ 'route.by.field': 'category', 'delete.tombstone.handling.mode': 'rewrite' });
    assert.equal(t.apply(event('c', null, item(1, 'hammer', 'garden')))!.topic, 'garden');
    assert.equal(t.apply(event('d', item(1, 'hammer', 'kitchen'), null))!.topic, 'kitchen');
  });

  test('drop.fields.header.name removes listed (optional) fields', () => {
    const headers = () =>
      new ConnectHeaders().add(
        'drop',
        ['name', 'code', 'id'],
        SchemaBuilder.array(Schema.STRING_SCHEMA).build(),
      );
    const compatible = unwrap({ 'drop.fields.header.name': 'drop' });
    const out = compatible.apply(event('c', null, item(1, 'hammer'), headers()))!;
    assert.deepEqual(
      out.valueSchema!.fields.map((f) => f.name),
      ['id', 'category', 'code'],
    );
    const all = unwrap({
      'drop.fields.header.name': 'drop',
      'drop.fields.keep.schema.compatible': 'false',
      'drop.fields.from.key': 'true',
    });
    const out2 = all.apply(event('c', null, item(1, 'hammer'), headers()))!;
    assert.deepEqual(
      out2.valueSchema!.fields.map((f) => f.name),
      ['category'],
    );
    assert.deepEqual(
      out2.keySchema!.fields.map((f) => f.name),
      [],
    );
    assert.equal(compatible.apply(event('c', null, item(1, 'hammer')))!.valueSchema!.fields.length, 4);
  });

  test('config errors name the key', () => {
    assert.throws(
      () => unwrap({ 'delete.tombstone.handling.mode': 'keep' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'delete.tombstone.handling.mode',
    );
    assert.throws(
      () => unwrap({ 'add.fields': 'a:b:c' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'add.fields',
    );
  });
});
