import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, ConnectHeaders, Schema, SchemaBuilder, type SourceRecord, Struct } from '@sluice/api';
import { DropHeaders, HeaderFromKey, HeaderFromValue, InsertHeader } from '../src/index.ts';
import { applied, configured, sourceRecord } from './helpers.ts';

const schema = SchemaBuilder.struct()
  .field('id', Schema.INT32_SCHEMA)
  .field('name', SchemaBuilder.string().optional().defaultValue('anon').build())
  .build();

describe('InsertHeader', () => {
  test('the literal is parsed like SimpleHeaderConverter', () => {
    const int = applied(
      configured(InsertHeader<SourceRecord>, { header: 'n', 'value.literal': '42' }),
      sourceRecord(),
    );
    const h = int.headers.lastWithName('n')!;
    assert.equal(h.value, 42);
    assert.equal(h.schema!.type, 'INT8');
    const text = applied(
      configured(InsertHeader<SourceRecord>, { header: 's', 'value.literal': 'hello world' }),
      sourceRecord(),
    );
    assert.equal(text.headers.lastWithName('s')!.value, 'hello world');
    assert.equal(text.headers.lastWithName('s')!.schema!.type, 'STRING');
    assert.equal(text.headers.lastWithName('h1')!.value, 'one');
  });

  test('both keys are required', () => {
    assert.throws(
      () => configured(InsertHeader, { header: 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'value.literal',
    );
    assert.throws(
      () => configured(InsertHeader, { 'value.literal': 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'header',
    );
  });
});

describe('DropHeaders', () => {
  test('removes every header with the listed keys, keeps the order of the rest', () => {
    const headers = new ConnectHeaders()
      .addString('a', '1')
      .addString('b', '2')
      .addString('a', '3')
      .addString('c', '4');
    const out = applied(configured(DropHeaders<SourceRecord>, { headers: 'a,x' }), sourceRecord({ headers }));
    assert.deepEqual(
      [...out.headers].map((h) => h.key),
      ['b', 'c'],
    );
    assert.equal(headers.size, 4);
  });

  test('headers must be a non-empty list', () => {
    assert.throws(
      () => configured(DropHeaders, { headers: '' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'headers',
    );
  });
});

describe('HeaderFrom', () => {
  test('copy with a schema keeps the value and adds headers with field schemas and defaults', () => {
    const t = configured(HeaderFromValue<SourceRecord>, {
      fields: 'id,name',
      headers: 'hid,hname',
      operation: 'copy',
    });
    const value = new Struct(schema).put('id', 5);
    const out = applied(t, sourceRecord({ valueSchema: schema, value }));
    assert.equal(out.value, value);
    assert.equal(out.headers.lastWithName('hid')!.value, 5);
    assert.equal(out.headers.lastWithName('hid')!.schema, Schema.INT32_SCHEMA);
    assert.equal(out.headers.lastWithName('hname')!.value, 'anon');
    const raw = configured(HeaderFromValue<SourceRecord>, {
      fields: 'name',
      headers: 'hname',
      operation: 'copy',
      'replace.null.with.default': 'false',
    });
    assert.equal(
      applied(raw, sourceRecord({ valueSchema: schema, value })).headers.lastWithName('hname')!.value,
      null,
    );
  });

  test('move removes the fields (schema and schemaless)', () => {
    const t = configured(HeaderFromKey<SourceRecord>, { fields: 'id', headers: 'hid', operation: 'move' });
    const out = applied(
      t,
      sourceRecord({ keySchema: schema, key: new Struct(schema).put('id', 5).put('name', 'n') }),
    );
    assert.deepEqual(
      out.keySchema!.fields.map((f) => f.name),
      ['name'],
    );
    assert.equal((out.key as Struct).get('name'), 'n');
    assert.equal(out.headers.lastWithName('hid')!.value, 5);
    const m = applied(t, sourceRecord({ key: { id: 1, other: 2 } }));
    assert.deepEqual(m.key, { other: 2 });
    assert.equal(m.headers.lastWithName('hid')!.value, 1);
    assert.equal(m.headers.lastWithName('hid')!.schema, null);
  });

  test('config: fields and headers of the same length, operation move|copy', () => {
    assert.throws(
      () => configured(HeaderFromValue, { fields: 'a,b', headers: 'x', operation: 'copy' }),
      /'fields' config must have the same number of elements as 'headers' config\./,
    );
    assert.throws(
      () => configured(HeaderFromValue, { fields: 'a', headers: 'x', operation: 'cut' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'operation',
    );
  });

  test('a field missing from the schema is a DataError', () => {
    const t = configured(HeaderFromValue<SourceRecord>, { fields: 'nope', headers: 'x', operation: 'copy' });
    assert.throws(
      () => t.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema).put('id', 1) })),
      /Field does not exist: nope/,
    );
  });
});
