import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { avscType, fromAvroValue, fromConnectSchema, toAvroValue, toConnectSchema } from '../src/index.ts';

// Expected Avro schemas below are the cases of Confluent's AvroData documentation and of its
// AvroDataTest (schema-registry's avro-data module), written out as the JSON Avro's Java library prints.

test('unnamed structs are io.confluent.connect.avro.ConnectDefault, further distinct ones ConnectDefault2 (AvroDataTest.testFromConnectStructsWithNullName)', () => {
  const inner = SchemaBuilder.struct().field('value', Schema.INT64_SCHEMA).optional().build();
  const outer = SchemaBuilder.struct()
    .field('struct', inner)
    .field('array', SchemaBuilder.array(inner).build())
    .build();
  assert.deepEqual(fromConnectSchema(outer), {
    type: 'record',
    name: 'ConnectDefault',
    namespace: 'io.confluent.connect.avro',
    fields: [
      {
        name: 'struct',
        type: [
          'null',
          { type: 'record', name: 'ConnectDefault2', fields: [{ name: 'value', type: 'long' }] },
        ],
        default: null,
      },
      { name: 'array', type: { type: 'array', items: ['null', 'ConnectDefault2'] } },
    ],
  });
});

test('optional field with null default: union null first, default null (testFromConnectOptionalWithDefaultNull)', () => {
  const schema = SchemaBuilder.struct()
    .field('optionalBool', SchemaBuilder.bool().optional().build())
    .build();
  assert.deepEqual(fromConnectSchema(schema), {
    type: 'record',
    name: 'ConnectDefault',
    namespace: 'io.confluent.connect.avro',
    fields: [{ name: 'optionalBool', type: ['null', 'boolean'], default: null }],
  });
});

test('record with metadata: connect.doc, connect.version, connect.name (testFromConnectRecordWithMetadata)', () => {
  const schema = SchemaBuilder.struct()
    .name('io.confluent.test.TestSchema')
    .version(12)
    .doc('doc')
    .field('int32', Schema.INT32_SCHEMA)
    .build();
  const avro = fromConnectSchema(schema);
  assert.deepEqual(avro, {
    type: 'record',
    name: 'TestSchema',
    namespace: 'io.confluent.test',
    fields: [{ name: 'int32', type: 'int' }],
    'connect.doc': 'doc',
    'connect.version': 12,
    'connect.name': 'io.confluent.test.TestSchema',
  });
  assert.ok(toConnectSchema(avro).equals(schema));
});

test('optional primitive with a default: base type first, all connect.* properties (testFromConnectOptionalPrimitiveWithMetadata)', () => {
  const schema = SchemaBuilder.string()
    .doc('doc')
    .defaultValue('foo')
    .name('io.confluent.stringtype')
    .version(2)
    .optional()
    .parameter('foo', 'bar')
    .parameter('baz', 'baz')
    .build();
  const avro = fromConnectSchema(schema);
  assert.deepEqual(avro, [
    {
      type: 'string',
      'connect.doc': 'doc',
      'connect.version': 2,
      'connect.parameters': { foo: 'bar', baz: 'baz' },
      'connect.default': 'foo',
      'connect.name': 'io.confluent.stringtype',
    },
    'null',
  ]);
  assert.ok(toConnectSchema(avro).equals(schema));
});

test('int8/int16 as int with connect.type; logical types as Avro logical types', () => {
  const schema = SchemaBuilder.struct()
    .name('t.Logical')
    .field('i8', Schema.INT8_SCHEMA)
    .field('i16', Schema.INT16_SCHEMA)
    .field('dec', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
    .field('decDefault', Decimal.schema(3))
    .field('date', ConnectDate.SCHEMA)
    .field('time', Time.SCHEMA)
    .field('ts', Timestamp.SCHEMA)
    .build();
  const avro = fromConnectSchema(schema) as { fields: { name: string; type: unknown }[] };
  const types = Object.fromEntries(avro.fields.map((f) => [f.name, f.type]));
  assert.deepEqual(types.i8, { type: 'int', 'connect.type': 'int8' });
  assert.deepEqual(types.i16, { type: 'int', 'connect.type': 'int16' });
  assert.equal(
    JSON.stringify(types.dec),
    '{"type":"bytes","scale":2,"precision":10,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}',
  );
  assert.equal(
    JSON.stringify(types.decDefault),
    '{"type":"bytes","scale":3,"precision":64,"connect.version":1,"connect.parameters":{"scale":"3"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}',
  );
  assert.equal(
    JSON.stringify(types.date),
    '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}',
  );
  assert.equal(
    JSON.stringify(types.time),
    '{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time","logicalType":"time-millis"}',
  );
  assert.equal(
    JSON.stringify(types.ts),
    '{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}',
  );
  assert.ok(toConnectSchema(avro).equals(schema));
});

test('maps: string keys as Avro maps, other keys as arrays of io.confluent.connect.avro.MapEntry (testFromConnectOptionalComplex)', () => {
  const schema = SchemaBuilder.struct()
    .field('m', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).optional().build())
    .field('nk', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).optional().build())
    .build();
  assert.deepEqual(fromConnectSchema(schema), {
    type: 'record',
    name: 'ConnectDefault',
    namespace: 'io.confluent.connect.avro',
    fields: [
      { name: 'm', type: ['null', { type: 'map', values: 'int' }], default: null },
      {
        name: 'nk',
        type: [
          'null',
          {
            type: 'array',
            items: {
              type: 'record',
              name: 'MapEntry',
              fields: [
                { name: 'key', type: 'int' },
                { name: 'value', type: 'int' },
              ],
            },
          },
        ],
        default: null,
      },
    ],
  });
  assert.ok(toConnectSchema(fromConnectSchema(schema)).equals(schema));
});

test('values round-trip through avsc binary for every Connect type and logical type', () => {
  const inner = SchemaBuilder.struct().name('t.Inner').field('s', Schema.OPTIONAL_STRING_SCHEMA).build();
  const schema = SchemaBuilder.struct()
    .name('t.All')
    .field('i8', Schema.INT8_SCHEMA)
    .field('i16', Schema.INT16_SCHEMA)
    .field('i32', Schema.INT32_SCHEMA)
    .field('i64', Schema.INT64_SCHEMA)
    .field('big', Schema.INT64_SCHEMA)
    .field('f32', Schema.FLOAT32_SCHEMA)
    .field('f64', Schema.FLOAT64_SCHEMA)
    .field('b', Schema.BOOLEAN_SCHEMA)
    .field('s', Schema.STRING_SCHEMA)
    .field('bytes', Schema.BYTES_SCHEMA)
    .field('arr', SchemaBuilder.array(Schema.INT32_SCHEMA).build())
    .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
    .field('nkmap', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
    .field('inner', inner)
    .field('optNull', Schema.OPTIONAL_INT32_SCHEMA)
    .field('withDefault', SchemaBuilder.int32().defaultValue(7).build())
    .field('dec', Decimal.schema(2))
    .field('date', ConnectDate.SCHEMA)
    .field('time', Time.SCHEMA)
    .field('ts', Timestamp.SCHEMA)
    .build();
  const value = new Struct(schema)
    .put('i8', -8)
    .put('i16', 300)
    .put('i32', -70000)
    .put('i64', 1234567890123)
    .put('big', 9223372036854775807n)
    .put('f32', 1.5)
    .put('f64', Math.PI)
    .put('b', true)
    .put('s', 'héllo')
    .put('bytes', new Uint8Array([0, 1, 255]))
    .put('arr', [1, 2, 3])
    .put('map', { a: 1, b: -2 })
    .put('nkmap', new Map([[1, 'one']]))
    .put('inner', new Struct(inner).put('s', null))
    .put('optNull', null)
    .put('dec', BigDecimal.parse('-12345.67'))
    .put('date', new Date(Date.UTC(2024, 1, 29)))
    .put('time', new Date(45_296_789))
    .put('ts', new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)));
  const avroJson = fromConnectSchema(schema);
  const type = avscType(avroJson);
  const bytes = type.toBuffer(toAvroValue(schema, value));
  const back = fromAvroValue(toConnectSchema(avroJson), type.fromBuffer(bytes)) as Struct;
  assert.equal(back.get('big'), 9223372036854775807n);
  assert.equal(back.get('i64'), 1234567890123);
  assert.equal(back.get('withDefault'), 7);
  assert.ok(back.get('dec') instanceof BigDecimal);
  assert.equal((back.get('dec') as BigDecimal).toPlainString(), '-12345.67');
  assert.deepEqual(back.get('nkmap'), new Map([[1, 'one']]));
  const expected = new Struct(schema);
  for (const f of schema.fields) expected.put(f, value.get(f));
  assert.ok(back.equals(expected), `${back.toString()} != ${expected.toString()}`);
});

test('a value that does not fit its schema is a DataError naming the field', () => {
  const schema = SchemaBuilder.struct()
    .field('n', Schema.INT32_SCHEMA)
    .field('s', Schema.STRING_SCHEMA)
    .build();
  assert.throws(
    () => toAvroValue(schema, new Struct(schema).put('n', 1)),
    /null value for field that is required.*field s/,
  );
});

test('the direct binary encoder writes exactly the bytes avsc writes', async () => {
  const { AvroWriter, compileAvroEncoder } = await import('../src/avro/avro-binary.ts');
  const inner = SchemaBuilder.struct().name('b.Inner').field('s', Schema.OPTIONAL_STRING_SCHEMA).build();
  const schema = SchemaBuilder.struct()
    .name('b.All')
    .field('i8', Schema.INT8_SCHEMA)
    .field('i32', Schema.INT32_SCHEMA)
    .field('i64', Schema.INT64_SCHEMA)
    .field('f32', Schema.FLOAT32_SCHEMA)
    .field('f64', Schema.FLOAT64_SCHEMA)
    .field('b', Schema.BOOLEAN_SCHEMA)
    .field('s', Schema.STRING_SCHEMA)
    .field('bytes', Schema.BYTES_SCHEMA)
    .field('arr', SchemaBuilder.array(Schema.OPTIONAL_INT64_SCHEMA).build())
    .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
    .field('nk', SchemaBuilder.map(Schema.INT64_SCHEMA, inner).build())
    .field('opt', Schema.OPTIONAL_STRING_SCHEMA)
    .field('optDefault', SchemaBuilder.int32().optional().defaultValue(5).build())
    .field('dec', Decimal.schema(3))
    .field('date', ConnectDate.SCHEMA)
    .field('time', Time.SCHEMA)
    .field('ts', Timestamp.SCHEMA)
    .build();
  const type = avscType(fromConnectSchema(schema));
  const encode = compileAvroEncoder(schema);
  const longs = [
    0,
    1,
    -1,
    63,
    -64,
    64,
    2 ** 30 - 1,
    -(2 ** 30),
    2 ** 30,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 52 - 1,
    -(2 ** 52),
    2 ** 52 + 1,
    -(2 ** 52) - 1,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2n ** 63n - 1n,
    -(2n ** 63n),
    12345678901234567890n - 10n ** 19n,
  ];
  for (const [i, n] of longs.entries()) {
    const value = new Struct(schema)
      .put('i8', -128 + i)
      .put('i32', i % 2 === 0 ? 2147483647 - i : -2147483648 + i)
      .put('i64', n)
      .put('f32', 1.25 * i)
      .put('f64', -Math.E * i)
      .put('b', i % 2 === 0)
      .put('s', 'x✓'.repeat(i * 10))
      .put('bytes', new Uint8Array(i).fill(i))
      .put('arr', i % 3 === 0 ? [] : [n, null, 7])
      .put('map', i % 4 === 0 ? {} : { a: i, ü: -i })
      .put('nk', new Map([[n, new Struct(inner).put('s', i % 2 ? null : 'v')]]))
      .put('opt', i % 2 ? null : `o${i}`)
      .put('optDefault', i % 2 ? null : i)
      .put('dec', new BigDecimal(BigInt(n) * 7n, 3))
      .put('date', new Date(Date.UTC(1969, 11, 31 - i)))
      .put('time', new Date(i * 1000))
      .put('ts', new Date(-1000 * i));
    const w = new AvroWriter(16);
    encode(w, value);
    const expected = type.toBuffer(toAvroValue(schema, value));
    assert.equal(
      Buffer.from(w.buf.subarray(0, w.pos)).toString('hex'),
      expected.toString('hex'),
      `long ${n}`,
    );
  }
});
