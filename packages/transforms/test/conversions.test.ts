/** Flatten, Cast and TimestampConverter. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConfigError,
  ConnectDate,
  Decimal,
  Schema,
  SchemaBuilder,
  type SourceRecord,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { CastKey, CastValue, FlattenValue, TimestampConverterValue } from '../src/index.ts';
import { applied, configured, sourceRecord } from './helpers.ts';

describe('Flatten', () => {
  test('nested structs flattened with optionality and defaults inherited', () => {
    const inner = SchemaBuilder.struct()
      .optional()
      .field('a', Schema.INT32_SCHEMA)
      .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
      .build();
    const mid = SchemaBuilder.struct()
      .field('inner', inner)
      .field('b', SchemaBuilder.string().defaultValue('dflt').build())
      .build();
    const s = SchemaBuilder.struct().name('top').field('id', Schema.INT64_SCHEMA).field('mid', mid).build();
    const v = new Struct(s)
      .put('id', 1)
      .put(
        'mid',
        new Struct(mid).put('inner', new Struct(inner).put('a', 2).put('tags', ['x'])).put('b', 'bee'),
      );
    const out = applied(
      configured(FlattenValue<SourceRecord>, { delimiter: '_' }),
      sourceRecord({ valueSchema: s, value: v }),
    );
    assert.equal(out.valueSchema!.name, 'top');
    assert.deepEqual(
      out.valueSchema!.fields.map((f) => `${f.name}:${f.schema.type}:${f.schema.isOptional}`),
      ['id:INT64:false', 'mid_inner_a:INT32:true', 'mid_inner_tags:ARRAY:true', 'mid_b:STRING:false'],
    );
    assert.equal(out.valueSchema!.field('mid_b')!.schema.defaultValue, 'dflt');
    const fv = out.value as Struct;
    assert.equal(fv.get('mid_inner_a'), 2);
    assert.deepEqual(fv.get('mid_inner_tags'), ['x']);
    const withNullInner = new Struct(s).put('id', 1).put('mid', new Struct(mid).put('b', 'bee'));
    assert.equal(
      (
        applied(
          configured(FlattenValue<SourceRecord>, {}),
          sourceRecord({ valueSchema: s, value: withNullInner }),
        ).value as Struct
      ).get('mid.inner.a'),
      null,
    );
  });

  test('schemaless maps; MAP fields with a schema are errors', () => {
    const t = configured(FlattenValue<SourceRecord>, {});
    assert.deepEqual(
      applied(t, sourceRecord({ value: { a: { b: { c: 1 }, d: [1, { e: 2 }] }, f: null } })).value,
      {
        'a.b.c': 1,
        'a.d': [1, { e: 2 }],
        f: null,
      },
    );
    const withMap = SchemaBuilder.struct()
      .field('m', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build())
      .build();
    assert.throws(
      () => t.apply(sourceRecord({ valueSchema: withMap, value: new Struct(withMap).put('m', {}) })),
      /Flatten transformation does not support MAP for record with schemas \(for field m\)/,
    );
  });
});

describe('Cast', () => {
  const s = SchemaBuilder.struct()
    .field('i', Schema.INT32_SCHEMA)
    .field('f', SchemaBuilder.float64().optional().defaultValue(2.5).build())
    .field('s', Schema.STRING_SCHEMA)
    .field('b', Schema.BYTES_SCHEMA)
    .field('ts', Timestamp.SCHEMA)
    .field('d', Decimal.schema(2))
    .build();
  const v = () =>
    new Struct(s)
      .put('i', 300)
      .put('s', '12')
      .put('b', new Uint8Array([104, 105]))
      .put('ts', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))
      .put('d', new BigDecimal(12345n, 2));

  test('field casts with Java semantics', () => {
    const t = configured(CastValue<SourceRecord>, {
      spec: 'i:int8,f:string,s:int64,b:string,ts:string,d:int32',
    });
    const out = applied(t, sourceRecord({ valueSchema: s, value: v() }));
    const o = out.value as Struct;
    assert.equal(o.get('i'), 44); // (byte) 300
    assert.equal(o.get('f'), '2.5');
    assert.equal(out.valueSchema!.field('f')!.schema.defaultValue, '2.5');
    assert.equal(out.valueSchema!.field('f')!.schema.isOptional, true);
    assert.equal(o.get('s'), 12);
    assert.equal(o.get('b'), 'aGk=');
    assert.equal(o.get('ts'), '2024-01-02T03:04:05.006Z');
    assert.equal(o.get('d'), 123);
    const ts = configured(CastValue<SourceRecord>, { spec: 'ts:int64' });
    assert.equal(
      (applied(ts, sourceRecord({ valueSchema: s, value: v() })).value as Struct).get('ts'),
      Date.UTC(2024, 0, 2, 3, 4, 5, 6),
    );
  });

  test('whole-value casts, booleans and out-of-range text', () => {
    const t = configured(CastKey<SourceRecord>, { spec: 'boolean' });
    assert.equal(applied(t, sourceRecord({ keySchema: Schema.FLOAT64_SCHEMA, key: 0.5 })).key, false);
    assert.equal(applied(t, sourceRecord({ key: 'TRUE' })).key, true);
    assert.equal(
      applied(configured(CastKey<SourceRecord>, { spec: 'int16' }), sourceRecord({ key: true })).key,
      1,
    );
    const i8 = configured(CastKey<SourceRecord>, { spec: 'int8' });
    assert.throws(
      () => i8.apply(sourceRecord({ key: '300' })),
      /Value \(300\) was out of range for requested data type/,
    );
    assert.throws(
      () => i8.apply(sourceRecord({ keySchema: Schema.BYTES_SCHEMA, key: new Uint8Array(1) })),
      /Unexpected type in Cast transformation/,
    );
    assert.throws(() => i8.apply(sourceRecord({ key: [1] })), /does not support casting from ARRAY/);
    const out = applied(
      configured(CastKey<SourceRecord>, { spec: 'string' }),
      sourceRecord({ keySchema: SchemaBuilder.int32().name('n').optional().build(), key: 5 }),
    );
    assert.equal(out.keySchema!.type, 'STRING');
    assert.equal(out.keySchema!.name, 'n');
    assert.equal(out.keySchema!.isOptional, true);
    assert.equal(out.key, '5');
    assert.deepEqual(
      applied(
        configured(CastValue<SourceRecord>, { spec: 'a:float32' }),
        sourceRecord({ value: { a: '1.1', b: 2 } }),
      ).value,
      {
        a: Math.fround(1.1),
        b: 2,
      },
    );
  });

  test('spec errors are ConfigErrors naming spec', () => {
    for (const [spec, msg] of [
      ['', /Must specify at least one field to cast/],
      ['a:uint8', /Invalid type found in casting spec: uint8/],
      ['a:bytes', /does not support casting to BYTES/],
      ['int8,a:int16', /may only specify a single cast/],
      ['a:b:c', /Invalid cast mapping/],
    ] as const) {
      assert.throws(
        () => configured(CastValue, { spec }),
        (e: unknown) => e instanceof ConfigError && e.key === 'spec' && msg.test(e.message),
        spec,
      );
    }
  });
});

describe('TimestampConverter', () => {
  const T = Date.UTC(2024, 2, 5, 14, 7, 9, 45);

  test('whole value between types', () => {
    const toText = configured(TimestampConverterValue<SourceRecord>, {
      'target.type': 'string',
      format: 'yyyy-MM-dd HH:mm',
    });
    const out = applied(toText, sourceRecord({ valueSchema: Timestamp.SCHEMA, value: new Date(T) }));
    assert.equal(out.value, '2024-03-05 14:07');
    assert.equal(out.valueSchema, Schema.STRING_SCHEMA);
    const toUnix = configured(TimestampConverterValue<SourceRecord>, {
      'target.type': 'unix',
      'unix.precision': 'microseconds',
    });
    assert.equal(
      applied(toUnix, sourceRecord({ valueSchema: Timestamp.SCHEMA, value: new Date(T) })).value,
      T * 1000,
    );
    const toDate = configured(TimestampConverterValue<SourceRecord>, { 'target.type': 'Date' });
    const date = applied(toDate, sourceRecord({ valueSchema: Schema.OPTIONAL_INT64_SCHEMA, value: T }));
    assert.deepEqual(date.value, new Date(Date.UTC(2024, 2, 5)));
    assert.equal(date.valueSchema!.name, ConnectDate.LOGICAL_NAME);
    assert.equal(date.valueSchema!.isOptional, true);
    const toTime = configured(TimestampConverterValue<SourceRecord>, { 'target.type': 'Time' });
    assert.deepEqual(applied(toTime, sourceRecord({ value: new Date(T) })).value, new Date(T % 86_400_000));
    const fromString = configured(TimestampConverterValue<SourceRecord>, {
      'target.type': 'Timestamp',
      format: 'yyyyMMddHHmmss',
    });
    assert.deepEqual(
      applied(fromString, sourceRecord({ value: '20240305140709' })).value,
      new Date(Date.UTC(2024, 2, 5, 14, 7, 9)),
    );
    const fromSeconds = configured(TimestampConverterValue<SourceRecord>, {
      'target.type': 'Timestamp',
      'unix.precision': 'seconds',
    });
    assert.deepEqual(
      applied(fromSeconds, sourceRecord({ value: 1_700_000_000 })).value,
      new Date(1_700_000_000_000),
    );
  });

  test('a field of a struct, with Time schema', () => {
    const s = SchemaBuilder.struct()
      .field('id', Schema.INT32_SCHEMA)
      .field('at', Schema.INT64_SCHEMA)
      .build();
    const t = configured(TimestampConverterValue<SourceRecord>, { field: 'at', 'target.type': 'Time' });
    const out = applied(t, sourceRecord({ valueSchema: s, value: new Struct(s).put('id', 1).put('at', T) }));
    assert.equal(out.valueSchema!.field('at')!.schema.name, Time.LOGICAL_NAME);
    assert.deepEqual((out.value as Struct).get('at'), new Date(T % 86_400_000));
    assert.equal((out.value as Struct).get('id'), 1);
    assert.deepEqual(applied(t, sourceRecord({ value: { at: T, x: 1 } })).value, {
      at: new Date(T % 86_400_000),
      x: 1,
    });
  });

  test('errors', () => {
    assert.throws(
      () => configured(TimestampConverterValue, { 'target.type': 'string' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'format',
    );
    assert.throws(
      () => configured(TimestampConverterValue, { 'target.type': 'date' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'target.type',
    );
    assert.throws(
      () => configured(TimestampConverterValue, { 'target.type': 'unix', format: 'yyyy-qq' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'format',
    );
    const t = configured(TimestampConverterValue<SourceRecord>, {
      'target.type': 'unix',
      format: 'yyyy-MM-dd',
    });
    assert.throws(
      () => t.apply(sourceRecord({ value: 'not a date' })),
      /Could not parse timestamp: value \(not a date\) does not match pattern \(yyyy-MM-dd\)/,
    );
    assert.throws(
      () => t.apply(sourceRecord({ value: true })),
      /TimestampConverter does not support boolean objects as timestamps/,
    );
  });
});
