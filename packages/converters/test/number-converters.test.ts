import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, DataError, Schema, SchemaAndValue, SchemaBuilder } from '@sluice/api';
import { BooleanConverter } from '../src/boolean-converter.ts';
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from '../src/number-converters.ts';

const TOPIC = 'topic';

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

function configured<C extends { configure(c: Record<string, unknown>, isKey?: boolean): void }>(c: C): C {
  c.configure({}, false);
  return c;
}

describe('LongConverter', () => {
  const c = configured(new LongConverter());

  test('writes 8 big-endian bytes', () => {
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.INT64_SCHEMA, 1)), '0000000000000001');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -1)), 'ffffffffffffffff');
    assert.equal(hex(c.fromConnectData(TOPIC, null, 0x0102030405060708n)), '0102030405060708');
    assert.equal(hex(c.fromConnectData(TOPIC, null, 9223372036854775807n)), '7fffffffffffffff');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -9223372036854775808n)), '8000000000000000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, 2 ** 53)), '0020000000000000');
  });

  test('reads the canonical INT64 form with an optional INT64 schema', () => {
    const one = c.toConnectData(TOPIC, bytes('0000000000000001'));
    assert.equal(one.schema, Schema.OPTIONAL_INT64_SCHEMA);
    assert.equal(one.value, 1);
    assert.equal(c.toConnectData(TOPIC, bytes('ffffffffffffff85')).value, -123);
    assert.equal(c.toConnectData(TOPIC, bytes('001fffffffffffff')).value, 9007199254740991);
    assert.equal(c.toConnectData(TOPIC, bytes('0020000000000000')).value, 9007199254740992n);
    assert.equal(c.toConnectData(TOPIC, bytes('7fffffffffffffff')).value, 9223372036854775807n);
    assert.equal(c.toConnectData(TOPIC, bytes('8000000000000000')).value, -9223372036854775808n);
  });

  test('reads from a view into a larger buffer', () => {
    const buf = bytes('ff0000000000000002ff');
    assert.equal(c.toConnectData(TOPIC, buf.subarray(1, 9)).value, 2);
  });

  test('null ⇔ null', () => {
    assert.equal(c.fromConnectData(TOPIC, Schema.OPTIONAL_INT64_SCHEMA, null), null);
    const back = c.toConnectData(TOPIC, null);
    assert.equal(back.schema, Schema.OPTIONAL_INT64_SCHEMA);
    assert.equal(back.value, null);
  });

  test('wrong input is a DataError', () => {
    assert.throws(() => c.fromConnectData(TOPIC, null, '1'), /Failed to serialize to long: .*string "1"/);
    assert.throws(() => c.fromConnectData(TOPIC, null, 1.5), DataError);
    assert.throws(() => c.fromConnectData(TOPIC, null, 2 ** 63), DataError);
    assert.throws(() => c.fromConnectData(TOPIC, null, 2n ** 63n), DataError);
    assert.throws(() => c.toConnectData(TOPIC, bytes('0001')), /LongDeserializer is not 8 \(got 2 bytes\)/);
    assert.throws(() => c.toConnectData(TOPIC, new Uint8Array(9)), DataError);
  });
});

describe('IntegerConverter, ShortConverter', () => {
  test('IntegerConverter: 4 bytes, INT32', () => {
    const c = configured(new IntegerConverter());
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.INT32_SCHEMA, 1)), '00000001');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -2)), 'fffffffe');
    assert.equal(hex(c.fromConnectData(TOPIC, null, 2147483647)), '7fffffff');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -2147483648)), '80000000');
    const back = c.toConnectData(TOPIC, bytes('80000000'));
    assert.equal(back.schema, Schema.OPTIONAL_INT32_SCHEMA);
    assert.equal(back.value, -2147483648);
    assert.deepStrictEqual(
      c.toConnectData(TOPIC, null),
      new SchemaAndValue(Schema.OPTIONAL_INT32_SCHEMA, null),
    );
    assert.throws(() => c.fromConnectData(TOPIC, null, 2147483648), /Failed to serialize to integer/);
    assert.throws(() => c.fromConnectData(TOPIC, null, 1n), DataError);
    assert.throws(() => c.toConnectData(TOPIC, bytes('000001')), /IntegerDeserializer is not 4/);
  });

  test('ShortConverter: 2 bytes, INT16', () => {
    const c = configured(new ShortConverter());
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.INT16_SCHEMA, 258)), '0102');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -1)), 'ffff');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -32768)), '8000');
    const back = c.toConnectData(TOPIC, bytes('fffe'));
    assert.equal(back.schema, Schema.OPTIONAL_INT16_SCHEMA);
    assert.equal(back.value, -2);
    assert.throws(() => c.fromConnectData(TOPIC, null, 32768), /Failed to serialize to short/);
    assert.throws(() => c.toConnectData(TOPIC, bytes('01')), /ShortDeserializer is not 2/);
  });
});

describe('FloatConverter, DoubleConverter', () => {
  test('FloatConverter: 4 IEEE-754 bytes, float precision', () => {
    const c = configured(new FloatConverter());
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.FLOAT32_SCHEMA, 1.5)), '3fc00000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, 1.1)), '3f8ccccd');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -0)), '80000000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, Number.NaN)), '7fc00000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, Number.NEGATIVE_INFINITY)), 'ff800000');
    const back = c.toConnectData(TOPIC, bytes('3f8ccccd'));
    assert.equal(back.schema, Schema.OPTIONAL_FLOAT32_SCHEMA);
    assert.equal(back.value, Math.fround(1.1));
    assert.throws(() => c.fromConnectData(TOPIC, null, '1.5'), /Failed to serialize to float/);
    assert.throws(() => c.toConnectData(TOPIC, new Uint8Array(8)), /FloatDeserializer is not 4/);
  });

  test('DoubleConverter: 8 IEEE-754 bytes', () => {
    const c = configured(new DoubleConverter());
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.FLOAT64_SCHEMA, 1.5)), '3ff8000000000000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, -2)), 'c000000000000000');
    assert.equal(hex(c.fromConnectData(TOPIC, null, Number.MAX_VALUE)), '7fefffffffffffff');
    const back = c.toConnectData(TOPIC, bytes('8000000000000000'));
    assert.equal(back.schema, Schema.OPTIONAL_FLOAT64_SCHEMA);
    assert.ok(Object.is(back.value, -0));
    assert.equal(c.toConnectData(TOPIC, bytes('3fb999999999999a')).value, 0.1);
    assert.throws(() => c.fromConnectData(TOPIC, null, 1n), /Failed to serialize to double/);
    assert.throws(() => c.toConnectData(TOPIC, new Uint8Array(4)), /DoubleDeserializer is not 8/);
  });
});

describe('BooleanConverter', () => {
  const c = configured(new BooleanConverter());

  test('one byte, 0x01 or 0x00', () => {
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.BOOLEAN_SCHEMA, true)), '01');
    assert.equal(hex(c.fromConnectData(TOPIC, null, false)), '00');
    const t = c.toConnectData(TOPIC, bytes('01'));
    assert.equal(t.schema, Schema.OPTIONAL_BOOLEAN_SCHEMA);
    assert.equal(t.value, true);
    assert.equal(c.toConnectData(TOPIC, bytes('00')).value, false);
    assert.equal(c.fromConnectData(TOPIC, Schema.OPTIONAL_BOOLEAN_SCHEMA, null), null);
    assert.equal(c.toConnectData(TOPIC, null).value, null);
  });

  test('other bytes, lengths, values and schemas are DataErrors', () => {
    assert.throws(
      () => c.toConnectData(TOPIC, bytes('02')),
      /Unexpected byte received by BooleanDeserializer: 2/,
    );
    assert.throws(
      () => c.toConnectData(TOPIC, bytes('ff')),
      /Unexpected byte received by BooleanDeserializer: -1/,
    );
    assert.throws(() => c.toConnectData(TOPIC, bytes('0100')), /BooleanDeserializer is not 1/);
    assert.throws(() => c.toConnectData(TOPIC, new Uint8Array(0)), DataError);
    assert.throws(() => c.fromConnectData(TOPIC, null, 1), /Failed to serialize to boolean/);
    assert.throws(
      () => c.fromConnectData(TOPIC, Schema.STRING_SCHEMA, true),
      /Invalid schema type for BooleanConverter: STRING/,
    );
  });
});

describe('fixed-width converters: headers, configuration, plugin names', () => {
  test('header methods encode like the value methods', () => {
    const c = new LongConverter();
    c.configure({ 'converter.type': 'header' });
    assert.equal(hex(c.fromConnectHeader(TOPIC, 'h', Schema.INT64_SCHEMA, 258)), '0000000000000102');
    assert.equal(c.toConnectHeader(TOPIC, 'h', bytes('0000000000000102')).value, 258);
    assert.equal(c.fromConnectHeader(TOPIC, 'h', null, null), null);
    const b = new BooleanConverter();
    assert.equal(b.toConnectHeader(TOPIC, 'h', bytes('01')).value, true);
  });

  test('converter.type must be key, value or header', () => {
    const c = new IntegerConverter();
    c.configure({}, true);
    c.configure({});
    c.configure({ 'converter.type': 'value' });
    assert.throws(
      () => c.configure({ 'converter.type': 'KEY' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'converter.type',
    );
    assert.throws(() => new BooleanConverter().configure({ 'converter.type': 'both' }), ConfigError);
    assert.deepStrictEqual([...c.config().names()], ['converter.type']);
  });

  test('Kafka class names and aliases', () => {
    assert.equal(LongConverter.javaClass, 'org.apache.kafka.connect.converters.LongConverter');
    assert.equal(IntegerConverter.javaClass, 'org.apache.kafka.connect.converters.IntegerConverter');
    assert.equal(ShortConverter.javaClass, 'org.apache.kafka.connect.converters.ShortConverter');
    assert.equal(FloatConverter.javaClass, 'org.apache.kafka.connect.converters.FloatConverter');
    assert.equal(DoubleConverter.javaClass, 'org.apache.kafka.connect.converters.DoubleConverter');
    assert.equal(BooleanConverter.javaClass, 'org.apache.kafka.connect.converters.BooleanConverter');
    assert.deepStrictEqual(
      [
        LongConverter,
        IntegerConverter,
        ShortConverter,
        FloatConverter,
        DoubleConverter,
        BooleanConverter,
      ].map((c) => c.aliases),
      [['Long'], ['Integer'], ['Short'], ['Float'], ['Double'], ['Boolean']],
    );
  });

  test('a schema of another type does not stop a number converter, as in Kafka', () => {
    const c = configured(new LongConverter());
    assert.equal(hex(c.fromConnectData(TOPIC, SchemaBuilder.string().build(), 7)), '0000000000000007');
  });
});
