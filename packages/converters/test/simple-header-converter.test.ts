import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  Schema,
  SchemaAndValue,
  SchemaBuilder,
  Struct,
  schemaEquals,
  Time,
  Timestamp,
} from '@sluice/api';
import { SimpleHeaderConverter } from '../src/simple-header-converter.ts';

const TOPIC = 'topic';
const c = new SimpleHeaderConverter();
c.configure({});

function write(schema: Schema | null, value: unknown): string | null {
  const out = c.fromConnectHeader(TOPIC, 'h', schema, value);
  return out === null ? null : Buffer.from(out).toString('utf8');
}

function read(text: string): SchemaAndValue {
  return c.toConnectHeader(TOPIC, 'h', new Uint8Array(Buffer.from(text, 'utf8')));
}

function assertRead(text: string, schema: Schema | null, value: unknown): void {
  const back = read(text);
  if (schema === null) assert.equal(back.schema, null, `schema of ${text}`);
  else
    assert.ok(
      back.schema !== null && schemaEquals(back.schema, schema),
      `schema of ${text}: ${String(back.schema)}`,
    );
  assert.deepStrictEqual(back.value, value, `value of ${text}`);
}

/** Writes the value, checks the exact text, reads it back and checks the result. */
function assertRoundTrip(
  schema: Schema | null,
  value: unknown,
  text: string,
  readSchema: Schema | null,
  readValue: unknown,
) {
  assert.equal(write(schema, value), text);
  assertRead(text, readSchema, readValue);
}

describe('SimpleHeaderConverter', () => {
  test('null ⇔ null; empty is the empty string', () => {
    assert.equal(c.fromConnectHeader(TOPIC, 'h', Schema.OPTIONAL_STRING_SCHEMA, null), null);
    assert.equal(c.toConnectHeader(TOPIC, 'h', null), SchemaAndValue.NULL);
    assertRead('', Schema.STRING_SCHEMA, '');
    assert.equal(read('null'), SchemaAndValue.NULL);
  });

  test('strings and booleans', () => {
    assertRoundTrip(Schema.STRING_SCHEMA, 'hello world', 'hello world', Schema.STRING_SCHEMA, 'hello world');
    assertRoundTrip(Schema.STRING_SCHEMA, 'say "hi"', 'say "hi"', Schema.STRING_SCHEMA, 'say "hi"');
    assertRoundTrip(Schema.STRING_SCHEMA, '日本語', '日本語', Schema.STRING_SCHEMA, '日本語');
    assertRoundTrip(Schema.BOOLEAN_SCHEMA, true, 'true', Schema.BOOLEAN_SCHEMA, true);
    assertRoundTrip(null, false, 'false', Schema.BOOLEAN_SCHEMA, false);
  });

  test('integers come back as the smallest type that holds them', () => {
    assertRoundTrip(Schema.INT8_SCHEMA, -5, '-5', Schema.INT8_SCHEMA, -5);
    assertRoundTrip(Schema.INT16_SCHEMA, 1000, '1000', Schema.INT16_SCHEMA, 1000);
    assertRoundTrip(Schema.INT32_SCHEMA, 100000, '100000', Schema.INT32_SCHEMA, 100000);
    assertRoundTrip(Schema.INT64_SCHEMA, 5, '5', Schema.INT8_SCHEMA, 5);
    assertRoundTrip(Schema.INT64_SCHEMA, 2 ** 40, '1099511627776', Schema.INT64_SCHEMA, 2 ** 40);
    assertRoundTrip(
      Schema.INT64_SCHEMA,
      -9223372036854775808n,
      '-9223372036854775808',
      Schema.INT64_SCHEMA,
      -9223372036854775808n,
    );
  });

  test('floats and decimals', () => {
    assertRoundTrip(Schema.FLOAT32_SCHEMA, Math.fround(1.1), '1.1', Schema.FLOAT32_SCHEMA, Math.fround(1.1));
    // Kafka reads any decimal within float range as FLOAT32.
    assertRoundTrip(Schema.FLOAT64_SCHEMA, 0.1, '0.1', Schema.FLOAT32_SCHEMA, Math.fround(0.1));
    assertRoundTrip(Schema.FLOAT64_SCHEMA, 1, '1.0', Schema.INT8_SCHEMA, 1);
    assertRoundTrip(Schema.FLOAT64_SCHEMA, 1e300, '1.0E300', Schema.FLOAT64_SCHEMA, 1e300);
    assertRoundTrip(
      Decimal.schema(0),
      new BigDecimal(12345678901234567890n, 0),
      '12345678901234567890',
      Decimal.schema(0),
      new BigDecimal(12345678901234567890n, 0),
    );
    assertRoundTrip(
      Decimal.schema(2),
      new BigDecimal(12345n, 2),
      '123.45',
      Schema.FLOAT32_SCHEMA,
      Math.fround(123.45),
    );
  });

  test('bytes are written as base64 and read back as that text', () => {
    assertRoundTrip(Schema.BYTES_SCHEMA, new Uint8Array([1, 2, 3]), 'AQID', Schema.STRING_SCHEMA, 'AQID');
  });

  test('lists', () => {
    assertRoundTrip(
      SchemaBuilder.array(Schema.INT32_SCHEMA).build(),
      [1, 2, 3],
      '[1,2,3]',
      SchemaBuilder.array(Schema.INT8_SCHEMA).build(),
      [1, 2, 3],
    );
    assertRoundTrip(
      SchemaBuilder.array(Schema.STRING_SCHEMA).build(),
      ['a b', 'c"d'],
      '["a b","c\\"d"]',
      SchemaBuilder.array(Schema.STRING_SCHEMA).build(),
      ['a b', 'c"d'],
    );
    assertRoundTrip(null, [1, 'two'], '[1,"two"]', null, [1, 'two']);
  });

  test('maps and structs', () => {
    const stringMap = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build();
    assertRoundTrip(stringMap, { a: 'x y' }, '{"a":"x y"}', stringMap, new Map([['a', 'x y']]));
    assertRoundTrip(
      SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(),
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      '{"a":1,"b":2}',
      SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT8_SCHEMA).build(),
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    const schema = SchemaBuilder.struct()
      .field('id', Schema.INT32_SCHEMA)
      .field('name', Schema.STRING_SCHEMA)
      .build();
    assertRoundTrip(
      schema,
      new Struct(schema).put('id', 1).put('name', 'n'),
      '{"id":1,"name":"n"}',
      null,
      new Map<unknown, unknown>([
        ['id', 1],
        ['name', 'n'],
      ]),
    );
  });

  test('dates, times and timestamps as ISO-8601 UTC', () => {
    const day = new Date(Date.UTC(2024, 0, 15));
    assertRoundTrip(ConnectDate.SCHEMA, day, '2024-01-15', ConnectDate.SCHEMA, day);
    const time = new Date(45296789);
    assertRoundTrip(Time.SCHEMA, time, '12:34:56.789Z', Time.SCHEMA, time);
    const ts = new Date(Date.UTC(2024, 0, 15, 12, 34, 56, 789));
    assertRoundTrip(Timestamp.SCHEMA, ts, '2024-01-15T12:34:56.789Z', Timestamp.SCHEMA, ts);
  });

  test('text that is no value is a STRING of the whole text', () => {
    assertRead('12:34', Schema.STRING_SCHEMA, '12:34');
    assertRead('[1, 2, 3,,,]', Schema.STRING_SCHEMA, '[1, 2, 3,,,]');
    assertRead('{foo: 3}', Schema.STRING_SCHEMA, '{foo: 3}');
  });

  test('bytes that are not UTF-8 read with replacement characters; unparseable input comes back as BYTES', () => {
    const bad = c.toConnectHeader(TOPIC, 'h', new Uint8Array([0x61, 0xff]));
    assert.equal(bad.schema, Schema.STRING_SCHEMA);
    assert.equal(bad.value, 'a\uFFFD');
    const deep = new Uint8Array(Buffer.from('['.repeat(200_000)));
    const back = c.toConnectHeader(TOPIC, 'h', deep);
    assert.equal(back.schema, Schema.BYTES_SCHEMA);
    assert.equal(back.value, deep);
  });

  test('an unpaired surrogate is written as ?', () => {
    assert.equal(Buffer.from(c.fromConnectHeader(TOPIC, 'h', null, 'a\uDC00')!).toString('hex'), '613f');
  });

  test('plugin names and configuration', () => {
    assert.equal(SimpleHeaderConverter.javaClass, 'org.apache.kafka.connect.storage.SimpleHeaderConverter');
    assert.deepStrictEqual(SimpleHeaderConverter.aliases, ['Simple']);
    assert.equal(c.config().names().size, 0);
  });
});
