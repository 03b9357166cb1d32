/** InsertField, MaskField, ValueToKey, HoistField, ExtractField and SetSchemaMetadata. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConfigError,
  DataError,
  Decimal,
  Schema,
  SchemaBuilder,
  type SinkRecord,
  type SourceRecord,
  Struct,
  Timestamp,
} from '@sluice/api';
import {
  ExtractFieldKey,
  ExtractFieldValue,
  HoistFieldValue,
  InsertFieldValue,
  MaskFieldValue,
  SetSchemaMetadataValue,
  ValueToKey,
} from '../src/index.ts';
import { applied, configured, sinkRecord, sourceRecord } from './helpers.ts';

const schema = SchemaBuilder.struct()
  .name('row')
  .version(1)
  .field('id', Schema.INT64_SCHEMA)
  .field('name', SchemaBuilder.string().optional().defaultValue('anon').build())
  .field('price', Decimal.schema(2))
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
  .build();

function value(): Struct {
  return new Struct(schema).put('id', 7).put('price', new BigDecimal(1234n, 2)).put('tags', ['a']);
}

describe('InsertField', () => {
  test("schema'd: metadata fields with their types and optionality", () => {
    const t = configured(InsertFieldValue<SinkRecord>, {
      'topic.field': 'topic!',
      'partition.field': 'partition',
      'offset.field': 'offset?',
      'timestamp.field': 'ts',
      'static.field': 'origin',
      'static.value': 'db1',
    });
    const out = applied(t, sinkRecord({ valueSchema: schema, value: value() }));
    const s = out.valueSchema!;
    assert.equal(s.name, 'row');
    assert.deepEqual(
      s.fields
        .slice(4)
        .map((f) => `${f.name}:${f.schema.type}:${f.schema.isOptional}:${f.schema.name ?? ''}`),
      [
        'topic:STRING:false:',
        'partition:INT32:true:',
        'offset:INT64:true:',
        `ts:INT64:true:${Timestamp.LOGICAL_NAME}`,
        'origin:STRING:true:',
      ],
    );
    const v = out.value as Struct;
    assert.equal(v.get('topic'), 'test');
    assert.equal(v.get('partition'), 3);
    assert.equal(v.get('offset'), 42);
    assert.deepEqual(v.get('ts'), new Date(1_700_000_000_000));
    assert.equal(v.get('origin'), 'db1');
    assert.equal(v.getWithoutDefault('name'), 'anon');
    v.validate();
  });

  test('schemaless: raw timestamp; partition and timestamp only when present', () => {
    const t = configured(InsertFieldValue<SourceRecord>, { 'partition.field': 'p', 'timestamp.field': 'ts' });
    assert.deepEqual(applied(t, sourceRecord({ value: { a: 1 } })).value, {
      a: 1,
      p: 0,
      ts: 1_700_000_000_000,
    });
    assert.deepEqual(applied(t, sourceRecord({ value: { a: 1 }, partition: null, timestamp: null })).value, {
      a: 1,
    });
  });

  test('offset only on sink records', () => {
    const t = configured(InsertFieldValue<SourceRecord>, { 'offset.field': 'o' });
    assert.throws(
      () => t.apply(sourceRecord({ value: {} })),
      /Only SinkRecord supported for \[field insertion\], found: SourceRecord/,
    );
  });

  test('config errors', () => {
    assert.throws(() => configured(InsertFieldValue, {}), /No field insertion configured/);
    assert.throws(
      () => configured(InsertFieldValue, { 'static.field': 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'static.value',
    );
  });
});

describe('MaskField', () => {
  test('empty values by type, nulls stay null', () => {
    const t = configured(MaskFieldValue<SourceRecord>, { fields: 'id,name,price,tags' });
    const v = applied(t, sourceRecord({ valueSchema: schema, value: value() })).value as Struct;
    assert.equal(v.get('id'), 0);
    assert.equal(v.getWithoutDefault('name'), '');
    assert.ok((v.get('price') as BigDecimal).equals(new BigDecimal(0n, 2)));
    assert.deepEqual(v.get('tags'), []);
    const raw = configured(MaskFieldValue<SourceRecord>, {
      fields: 'name',
      'replace.null.with.default': 'false',
    });
    assert.equal(
      (applied(raw, sourceRecord({ valueSchema: schema, value: value() })).value as Struct).getWithoutDefault(
        'name',
      ),
      null,
    );
    const m = applied(t, sourceRecord({ value: { id: 5, name: 'x', price: true, tags: { a: 1 } } })).value;
    assert.deepEqual(m, { id: 0, name: '', price: false, tags: {} });
  });

  test('replacement converted to the field type; other types are errors', () => {
    const t = configured(MaskFieldValue<SourceRecord>, { fields: 'id,name', replacement: '99' });
    const v = applied(t, sourceRecord({ valueSchema: schema, value: value().put('name', 'n') }))
      .value as Struct;
    assert.equal(v.get('id'), 99);
    assert.equal(v.get('name'), '99');
    const bad = configured(MaskFieldValue<SourceRecord>, { fields: 'tags', replacement: 'x' });
    assert.throws(
      () => bad.apply(sourceRecord({ valueSchema: schema, value: value() })),
      /Cannot mask value of type Array with custom replacement/,
    );
    const nan = configured(MaskFieldValue<SourceRecord>, { fields: 'id', replacement: 'abc' });
    assert.throws(
      () => nan.apply(sourceRecord({ valueSchema: schema, value: value() })),
      /Unable to convert abc \(string\) to number/,
    );
    assert.throws(
      () => configured(MaskFieldValue, { fields: 'a', replacement: '' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'replacement',
    );
    assert.throws(
      () => configured(MaskFieldValue, {}),
      (e: unknown) => e instanceof ConfigError && e.key === 'fields',
    );
  });
});

describe('ValueToKey', () => {
  test('key from value fields, in the listed order', () => {
    const t = configured(ValueToKey<SourceRecord>, { fields: 'name,id' });
    const out = applied(t, sourceRecord({ valueSchema: schema, value: value() }));
    assert.deepEqual(
      out.keySchema!.fields.map((f) => f.name),
      ['name', 'id'],
    );
    assert.equal((out.key as Struct).get('id'), 7);
    assert.equal((out.key as Struct).getWithoutDefault('name'), 'anon');
    assert.deepEqual(applied(t, sourceRecord({ value: { id: 1, name: 'n', x: 2 } })).key, {
      name: 'n',
      id: 1,
    });
    const missing = configured(ValueToKey<SourceRecord>, { fields: 'nope' });
    assert.throws(
      () => missing.apply(sourceRecord({ valueSchema: schema, value: value() })),
      (e: unknown) => e instanceof DataError && /Field does not exist: nope/.test(e.message),
    );
  });
});

describe('HoistField and ExtractField', () => {
  test('hoist wraps, extract unwraps', () => {
    const hoist = configured(HoistFieldValue<SourceRecord>, { field: 'row' });
    const hoisted = applied(hoist, sourceRecord({ valueSchema: schema, value: value() }));
    assert.equal(hoisted.valueSchema!.field('row')!.schema, schema);
    assert.deepEqual(applied(hoist, sourceRecord({ value: 5 })).value, { row: 5 });
    const extract = configured(ExtractFieldValue<SourceRecord>, { field: 'row' });
    const back = applied(extract, hoisted);
    assert.equal(back.valueSchema, schema);
    assert.ok((back.value as Struct).equals(value()));
  });

  test('extract: defaults, unknown fields, schemaless missing ⇒ null', () => {
    const t = configured(ExtractFieldKey<SourceRecord>, { field: 'name' });
    assert.equal(applied(t, sourceRecord({ keySchema: schema, key: value() })).key, 'anon');
    const raw = configured(ExtractFieldKey<SourceRecord>, {
      field: 'name',
      'replace.null.with.default': 'false',
    });
    assert.equal(applied(raw, sourceRecord({ keySchema: schema, key: value() })).key, null);
    const unknown = configured(ExtractFieldKey<SourceRecord>, { field: 'nope' });
    assert.throws(
      () => unknown.apply(sourceRecord({ keySchema: schema, key: value() })),
      /Unknown field: nope/,
    );
    assert.equal(applied(unknown, sourceRecord({ key: { a: 1 } })).key, null);
  });

  test('field.syntax.version=V2: nested paths with backticks', () => {
    const inner = SchemaBuilder.struct().field('x.y', Schema.INT32_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('a', inner).field('a.b', Schema.STRING_SCHEMA).build();
    const v = new Struct(outer).put('a', new Struct(inner).put('x.y', 3)).put('a.b', 'dotted');
    const nested = configured(ExtractFieldValue<SourceRecord>, {
      field: 'a.`x.y`',
      'field.syntax.version': 'v2',
    });
    const out = applied(nested, sourceRecord({ valueSchema: outer, value: v }));
    assert.equal(out.value, 3);
    assert.equal(out.valueSchema, Schema.INT32_SCHEMA);
    const quoted = configured(ExtractFieldValue<SourceRecord>, {
      field: '`a.b`',
      'field.syntax.version': 'V2',
    });
    assert.equal(applied(quoted, sourceRecord({ valueSchema: outer, value: v })).value, 'dotted');
    const v1 = configured(ExtractFieldValue<SourceRecord>, { field: 'a.b' });
    assert.equal(applied(v1, sourceRecord({ valueSchema: outer, value: v })).value, 'dotted');
    assert.equal(applied(nested, sourceRecord({ value: { a: { 'x.y': 9 } } })).value, 9);
    assert.throws(
      () => configured(ExtractFieldValue, { field: '`a', 'field.syntax.version': 'V2' }),
      /Incomplete backtick pair/,
    );
    assert.throws(
      () => configured(ExtractFieldValue, { field: 'a', 'field.syntax.version': 'V3' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'field.syntax.version',
    );
  });
});

describe('SetSchemaMetadata', () => {
  test('name and version replaced, the rest kept; the Struct refers to the new schema', () => {
    const t = configured(SetSchemaMetadataValue<SourceRecord>, {
      'schema.name': 'renamed',
      'schema.version': '4',
    });
    const out = applied(t, sourceRecord({ valueSchema: schema, value: value() }));
    assert.equal(out.valueSchema!.name, 'renamed');
    assert.equal(out.valueSchema!.version, 4);
    assert.deepEqual(out.valueSchema!.fields, schema.fields);
    assert.equal((out.value as Struct).schema, out.valueSchema);
    const nameOnly = configured(SetSchemaMetadataValue<SourceRecord>, { 'schema.name': 'n' });
    assert.equal(
      applied(nameOnly, sourceRecord({ valueSchema: Schema.INT32_SCHEMA, value: 1 })).valueSchema!.type,
      'INT32',
    );
    assert.throws(
      () => t.apply(sourceRecord({ value: { a: 1 } })),
      /Schema required for \[updating schema metadata\]/,
    );
    assert.throws(() => configured(SetSchemaMetadataValue, {}), /Neither schema name nor version configured/);
    assert.throws(
      () => configured(SetSchemaMetadataValue, { 'schema.version': 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'schema.version',
    );
  });
});
