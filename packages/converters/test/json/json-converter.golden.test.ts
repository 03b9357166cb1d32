/**
 * Golden tests: the bytes JsonConverter writes for every schema type, logical type and both
 * `schemas.enable` modes, each expected string worked out from Kafka's JsonConverter rules
 * (reference §6.1: Jackson key order, Java number formatting, base64 decimals), and the
 * round trip back to Connect data.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  type Schema,
  SchemaBuilder,
  Schema as Schemas,
  Struct,
  Time,
  Timestamp,
  valueEquals,
} from '@sluice/api';
import { JsonConverter } from '@sluice/converters';

function converter(configs: Record<string, string> = {}): JsonConverter {
  const c = new JsonConverter();
  c.configure(configs, false);
  return c;
}

function text(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('utf8');
}

interface Golden {
  name: string;
  schema: Schema;
  value: unknown;
  /** The schema JSON Kafka writes in the envelope. */
  schemaJson: string;
  /** The payload JSON. */
  payload: string;
  /** The value read back, when it differs from `value` (defaults filled in, canonical forms). */
  readBack?: unknown;
}

const nested = SchemaBuilder.struct()
  .name('com.example.Address')
  .version(2)
  .doc('a postal address')
  .field('street', Schemas.STRING_SCHEMA)
  .field('zip', Schemas.OPTIONAL_INT32_SCHEMA)
  .build();

const withDefaults = SchemaBuilder.struct()
  .field('retries', SchemaBuilder.int32().defaultValue(3).build())
  .field('label', SchemaBuilder.string().optional().defaultValue('none').build())
  .build();

const everyType = SchemaBuilder.struct()
  .name('com.example.Everything')
  .field('i8', Schemas.INT8_SCHEMA)
  .field('i16', Schemas.INT16_SCHEMA)
  .field('i32', Schemas.INT32_SCHEMA)
  .field('i64', Schemas.INT64_SCHEMA)
  .field('f32', Schemas.FLOAT32_SCHEMA)
  .field('f64', Schemas.FLOAT64_SCHEMA)
  .field('bool', Schemas.BOOLEAN_SCHEMA)
  .field('str', Schemas.STRING_SCHEMA)
  .field('bytes', Schemas.BYTES_SCHEMA)
  .field('arr', SchemaBuilder.array(Schemas.INT32_SCHEMA).build())
  .field('map', SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT64_SCHEMA).build())
  .field('address', nested)
  .field('dec', Decimal.schema(3))
  .field('date', ConnectDate.SCHEMA)
  .field('time', Time.SCHEMA)
  .field('ts', Timestamp.SCHEMA)
  .field('opt', Schemas.OPTIONAL_STRING_SCHEMA)
  .build();

const everyValue = new Struct(everyType)
  .put('i8', -128)
  .put('i16', 32767)
  .put('i32', -2147483648)
  .put('i64', 9223372036854775807n)
  .put('f32', Math.fround(1.1))
  .put('f64', 1e20)
  .put('bool', false)
  .put('str', 'say "hi"\\\n\u0001\u001f é ✓')
  .put('bytes', new Uint8Array([0, 1, 2, 253, 254, 255]))
  .put('arr', [1, -2, 3])
  .put('map', { a: 1, b: -9007199254740993n })
  .put('address', new Struct(nested).put('street', 'Main St').put('zip', null))
  .put('dec', new BigDecimal(-1234567n, 3))
  .put('date', new Date(Date.UTC(2024, 1, 29)))
  .put('time', new Date(45296789))
  .put('ts', new Date(1700000000123))
  .put('opt', null);

const goldens: Golden[] = [
  {
    name: 'int8',
    schema: Schemas.INT8_SCHEMA,
    value: -7,
    schemaJson: '{"type":"int8","optional":false}',
    payload: '-7',
  },
  {
    name: 'int16',
    schema: Schemas.INT16_SCHEMA,
    value: 300,
    schemaJson: '{"type":"int16","optional":false}',
    payload: '300',
  },
  {
    name: 'int32',
    schema: Schemas.INT32_SCHEMA,
    value: 2147483647,
    schemaJson: '{"type":"int32","optional":false}',
    payload: '2147483647',
  },
  {
    name: 'int64 beyond 2^53 as bigint',
    schema: Schemas.INT64_SCHEMA,
    value: -9223372036854775808n,
    schemaJson: '{"type":"int64","optional":false}',
    payload: '-9223372036854775808',
  },
  {
    name: 'int64 small',
    schema: Schemas.INT64_SCHEMA,
    value: 42,
    schemaJson: '{"type":"int64","optional":false}',
    payload: '42',
  },
  {
    name: 'float32 prints float digits',
    schema: Schemas.FLOAT32_SCHEMA,
    value: Math.fround(1.1),
    schemaJson: '{"type":"float","optional":false}',
    payload: '1.1',
  },
  {
    name: 'float64 integral value keeps .0',
    schema: Schemas.FLOAT64_SCHEMA,
    value: 3,
    schemaJson: '{"type":"double","optional":false}',
    payload: '3.0',
  },
  {
    name: 'float64 small uses E notation',
    schema: Schemas.FLOAT64_SCHEMA,
    value: 0.00012,
    schemaJson: '{"type":"double","optional":false}',
    payload: '1.2E-4',
  },
  {
    name: 'float64 NaN is a quoted string',
    schema: Schemas.FLOAT64_SCHEMA,
    value: Number.NaN,
    schemaJson: '{"type":"double","optional":false}',
    payload: '"NaN"',
  },
  {
    name: 'boolean',
    schema: Schemas.BOOLEAN_SCHEMA,
    value: true,
    schemaJson: '{"type":"boolean","optional":false}',
    payload: 'true',
  },
  {
    name: 'string with escapes',
    schema: Schemas.STRING_SCHEMA,
    value: 'tab\tquote" back\\ nul\u0000 us\u001f',
    schemaJson: '{"type":"string","optional":false}',
    payload: '"tab\\tquote\\" back\\\\ nul\\u0000 us\\u001F"',
  },
  {
    // Jackson's UTF-8 writer escapes each UTF-16 surrogate, paired or lone, with upper-case hex;
    // other non-ASCII characters stay as they are (the config-topic golden records, written by
    // Kafka Connect 4.1.1 itself, hold the same).
    name: 'string with characters outside the BMP and lone surrogates',
    schema: Schemas.STRING_SCHEMA,
    value: 'é€😀x\ud800y\udfff',
    schemaJson: '{"type":"string","optional":false}',
    payload: '"é€\\uD83D\\uDE00x\\uD800y\\uDFFF"',
  },
  {
    name: 'bytes as base64',
    schema: Schemas.BYTES_SCHEMA,
    value: Buffer.from('hello?'),
    schemaJson: '{"type":"bytes","optional":false}',
    payload: '"aGVsbG8/"',
  },
  {
    name: 'optional null',
    schema: Schemas.OPTIONAL_STRING_SCHEMA,
    value: null,
    schemaJson: '{"type":"string","optional":true}',
    payload: 'null',
  },
  {
    name: 'required null replaced by the default',
    schema: SchemaBuilder.int32().defaultValue(12).build(),
    value: null,
    schemaJson: '{"type":"int32","optional":false,"default":12}',
    payload: '12',
    readBack: 12,
  },
  {
    name: 'array with optional elements',
    schema: SchemaBuilder.array(Schemas.OPTIONAL_STRING_SCHEMA).optional().build(),
    value: ['a', null, 'c'],
    schemaJson: '{"type":"array","items":{"type":"string","optional":true},"optional":true}',
    payload: '["a",null,"c"]',
  },
  {
    name: 'map with string keys is an object',
    schema: SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.BOOLEAN_SCHEMA).build(),
    value: { yes: true, no: false },
    schemaJson:
      '{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"boolean","optional":false},"optional":false}',
    payload: '{"yes":true,"no":false}',
  },
  {
    name: 'map with int keys is an array of pairs',
    schema: SchemaBuilder.map(Schemas.INT32_SCHEMA, Schemas.STRING_SCHEMA).build(),
    value: new Map<unknown, unknown>([
      [1, 'one'],
      [2, 'two'],
    ]),
    schemaJson:
      '{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":false}',
    payload: '[[1,"one"],[2,"two"]]',
  },
  {
    name: 'decimal as base64 of the unscaled two’s complement',
    schema: Decimal.schema(2),
    value: new BigDecimal(12345n, 2),
    schemaJson:
      '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}',
    payload: '"MDk="',
  },
  {
    name: 'negative decimal',
    schema: Decimal.schema(0),
    value: new BigDecimal(-129n, 0),
    schemaJson:
      '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0"}}',
    payload: '"/38="',
  },
  {
    name: 'date as days since epoch',
    schema: ConnectDate.SCHEMA,
    value: new Date(Date.UTC(2000, 0, 1)),
    schemaJson: '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1}',
    payload: '10957',
  },
  {
    name: 'time as millis of day',
    schema: Time.SCHEMA,
    value: new Date(3723004),
    schemaJson: '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1}',
    payload: '3723004',
  },
  {
    name: 'timestamp as epoch millis',
    schema: Timestamp.SCHEMA,
    value: new Date(-1000),
    schemaJson:
      '{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1}',
    payload: '-1000',
  },
  {
    name: 'struct defaults fill nulls',
    schema: withDefaults,
    value: new Struct(withDefaults),
    schemaJson:
      '{"type":"struct","fields":[{"type":"int32","optional":false,"default":3,"field":"retries"},{"type":"string","optional":true,"default":"none","field":"label"}],"optional":false}',
    payload: '{"retries":3,"label":"none"}',
    readBack: new Struct(withDefaults).put('retries', 3).put('label', 'none'),
  },
  {
    name: 'struct with every type',
    schema: everyType,
    value: everyValue,
    schemaJson:
      '{"type":"struct","fields":[' +
      '{"type":"int8","optional":false,"field":"i8"},' +
      '{"type":"int16","optional":false,"field":"i16"},' +
      '{"type":"int32","optional":false,"field":"i32"},' +
      '{"type":"int64","optional":false,"field":"i64"},' +
      '{"type":"float","optional":false,"field":"f32"},' +
      '{"type":"double","optional":false,"field":"f64"},' +
      '{"type":"boolean","optional":false,"field":"bool"},' +
      '{"type":"string","optional":false,"field":"str"},' +
      '{"type":"bytes","optional":false,"field":"bytes"},' +
      '{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"arr"},' +
      '{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":false,"field":"map"},' +
      '{"type":"struct","fields":[{"type":"string","optional":false,"field":"street"},{"type":"int32","optional":true,"field":"zip"}],' +
      '"optional":false,"name":"com.example.Address","version":2,"doc":"a postal address","field":"address"},' +
      '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"3"},"field":"dec"},' +
      '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date"},' +
      '{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"time"},' +
      '{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},' +
      '{"type":"string","optional":true,"field":"opt"}' +
      '],"optional":false,"name":"com.example.Everything"}',
    payload:
      '{"i8":-128,"i16":32767,"i32":-2147483648,"i64":9223372036854775807,"f32":1.1,"f64":1.0E20,"bool":false,' +
      '"str":"say \\"hi\\"\\\\\\n\\u0001\\u001F é ✓","bytes":"AAEC/f7/","arr":[1,-2,3],"map":{"a":1,"b":-9007199254740993},' +
      '"address":{"street":"Main St","zip":null},"dec":"7Sl5","date":19782,"time":45296789,"ts":1700000000123,"opt":null}',
  },
];

describe('JsonConverter golden bytes', () => {
  for (const g of goldens) {
    test(`${g.name}: schemas.enable=true writes the envelope`, () => {
      const bytes = converter().fromConnectData('t', g.schema, g.value);
      assert.equal(text(bytes), `{"schema":${g.schemaJson},"payload":${g.payload}}`);
    });

    test(`${g.name}: schemas.enable=false writes the bare payload`, () => {
      const bytes = converter({ 'schemas.enable': 'false' }).fromConnectData('t', g.schema, g.value);
      assert.equal(text(bytes), g.payload);
    });

    test(`${g.name}: reads back to the same schema and value`, () => {
      const c = converter();
      const back = c.toConnectData('t', c.fromConnectData('t', g.schema, g.value));
      assert.ok(back.schema?.equals(g.schema), `schema ${back.schema?.toString()} differs`);
      const expected = g.readBack ?? g.value;
      assert.ok(
        valueEquals(back.value, expected),
        `value ${String(back.value)} differs from ${String(expected)}`,
      );
    });
  }

  test('decimal.format=NUMERIC writes decimals as JSON numbers', () => {
    const c = converter({ 'decimal.format': 'NUMERIC' });
    assert.equal(
      text(c.fromConnectData('t', Decimal.schema(2), new BigDecimal(-12345n, 2))),
      '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":-123.45}',
    );
    // Java's BigDecimal.toString switches to E notation for small adjusted exponents.
    assert.equal(
      text(
        converter({ 'schemas.enable': 'false', 'decimal.format': 'numeric' }).fromConnectData(
          't',
          Decimal.schema(10),
          new BigDecimal(1n, 10),
        ),
      ),
      '1E-10',
    );
  });

  test('NUMERIC decimals read back exactly, also beyond double precision, and rescale to the schema', () => {
    const c = converter({ 'decimal.format': 'NUMERIC' });
    const schemaJson = c.asJsonSchema(Decimal.schema(4));
    const read = (payload: string) =>
      c.toConnectData('t', Buffer.from(`{"schema":${schemaJson},"payload":${payload}}`)).value;
    assert.ok(valueEquals(read('12345678901234567890.1234'), new BigDecimal(123456789012345678901234n, 4)));
    assert.ok(valueEquals(read('1.5'), new BigDecimal(15000n, 4)));
    assert.throws(() => read('1.23456'), /cannot be represented with scale 4/);
  });

  test('replace.null.with.default=false writes null for an optional field with a default', () => {
    const schema = SchemaBuilder.string().optional().defaultValue('x').build();
    assert.equal(text(converter({ 'schemas.enable': 'false' }).fromConnectData('t', schema, null)), '"x"');
    const c = converter({ 'schemas.enable': 'false', 'replace.null.with.default': 'false' });
    assert.equal(text(c.fromConnectData('t', schema, null)), 'null');
  });

  test('null schema and null value is a tombstone; a schema with a null value is an envelope', () => {
    assert.equal(converter().fromConnectData('t', null, null), null);
    assert.equal(
      text(converter().fromConnectData('t', Schemas.OPTIONAL_INT32_SCHEMA, null)),
      '{"schema":{"type":"int32","optional":true},"payload":null}',
    );
    const back = converter().toConnectData('t', null);
    assert.equal(back.schema, null);
    assert.equal(back.value, null);
  });

  test('schemaless values are typed by their runtime class', () => {
    const value = {
      id: 7,
      ratio: 0.5,
      big: 2n ** 63n - 1n,
      ok: true,
      tags: ['a', null],
      nested: { x: 1.0e-9 },
    };
    assert.equal(
      text(converter().fromConnectData('t', null, value)),
      '{"schema":null,"payload":{"id":7,"ratio":0.5,"big":9223372036854775807,"ok":true,"tags":["a",null],"nested":{"x":1.0E-9}}}',
    );
    assert.equal(
      text(converter().fromConnectData('t', null, new Map<unknown, unknown>([[1, 'a']]))),
      '{"schema":null,"payload":[[1,"a"]]}',
    );
  });

  test('schemaless JSON reads back as plain objects, with integers beyond 2^53 kept exact', () => {
    const c = converter({ 'schemas.enable': 'false' });
    const back = c.toConnectData(
      't',
      Buffer.from('{"a":1,"b":12345678901234567890,"c":[1.5,"x",null],"d":{"e":false}}'),
    );
    assert.equal(back.schema, null);
    assert.deepEqual(back.value, { a: 1, b: 12345678901234567890n, c: [1.5, 'x', null], d: { e: false } });
  });

  test('a schema written with whitespace and keys in another order is read too', () => {
    const c = converter();
    const back = c.toConnectData(
      't',
      Buffer.from(
        '{ "payload": {"n": 5}, "schema": {"optional": false, "type": "struct", "fields": [ {"field": "n", "type": "int64"} ]} }',
      ),
    );
    const schema = SchemaBuilder.struct().field('n', Schemas.INT64_SCHEMA).build();
    assert.ok(back.schema?.equals(schema));
    assert.ok(valueEquals(back.value, new Struct(schema).put('n', 5)));
  });

  test('the schema cache returns the same Schema object for the same schema text', () => {
    const c = converter();
    const bytes = c.fromConnectData('t', everyType, everyValue);
    const a = c.toConnectData('t', bytes);
    const b = c.toConnectData('t', bytes);
    assert.equal(a.schema, b.schema);
    assert.notEqual(a.value, b.value);
  });

  test('an equal schema rebuilt per record is encoded identically', () => {
    const build = () => SchemaBuilder.struct().field('a', Schemas.STRING_SCHEMA).build();
    const c = converter();
    const one = text(c.fromConnectData('t', build(), new Struct(build()).put('a', 'x')));
    const two = text(c.fromConnectData('t', build(), new Struct(build()).put('a', 'x')));
    assert.equal(one, two);
    assert.equal(
      one,
      '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"a"}],"optional":false},"payload":{"a":"x"}}',
    );
  });

  test('the converter is also a header converter', () => {
    const c = converter();
    const bytes = c.fromConnectHeader('t', 'h', Schemas.INT32_SCHEMA, 5);
    assert.equal(text(bytes), '{"schema":{"type":"int32","optional":false},"payload":5}');
    assert.equal(c.toConnectHeader('t', 'h', bytes).value, 5);
  });
});
