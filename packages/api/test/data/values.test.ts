import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  Schema,
  SchemaAndValue,
  SchemaBuilder,
  Struct,
  schemaEquals,
  Time,
  Timestamp,
  Values,
} from '../../src/index.ts';

const DAY = 86_400_000;

function assertSchema(actual: Schema | null, expected: Schema | null): void {
  if (expected === null) {
    assert.equal(actual, null, `expected a null schema, got ${String(actual)}`);
    return;
  }
  assert.ok(actual !== null, `expected ${expected.toString()}, got a null schema`);
  assert.ok(
    schemaEquals(actual, expected),
    `expected ${describeSchema(expected)}, got ${describeSchema(actual)}`,
  );
}

function describeSchema(s: Schema | null): string {
  if (s === null) return 'null';
  if (s.type === 'ARRAY') return `ARRAY<${describeSchema(s.valueSchema)}>`;
  if (s.type === 'MAP') return `MAP<${describeSchema(s.keySchema)},${describeSchema(s.valueSchema)}>`;
  return `${s.toString()}${s.isOptional ? '?' : ''}`;
}

function assertParsed(text: string, schema: Schema | null, value: unknown): void {
  const parsed = Values.parseString(text);
  assertSchema(parsed.schema, schema);
  assert.deepStrictEqual(parsed.value, value, `value parsed from ${JSON.stringify(text)}`);
}

function assertString(text: string): void {
  assertParsed(text, Schema.STRING_SCHEMA, text);
}

const arrayOf = (s: Schema) => SchemaBuilder.array(s).build();
const mapOf = (k: Schema, v: Schema) => SchemaBuilder.map(k, v).build();

describe('Values.parseString: literals and text', () => {
  test('null text, empty text and the literal null', () => {
    assert.equal(Values.parseString(null), SchemaAndValue.NULL);
    assertParsed('', Schema.STRING_SCHEMA, '');
    assert.equal(Values.parseString('null'), SchemaAndValue.NULL);
    assert.equal(Values.parseString(' \n null \t'), SchemaAndValue.NULL);
  });

  test('booleans, also surrounded by whitespace', () => {
    assertParsed('true', Schema.BOOLEAN_SCHEMA, true);
    assertParsed('false', Schema.BOOLEAN_SCHEMA, false);
    assertParsed('\n \t true \t\n', Schema.BOOLEAN_SCHEMA, true);
  });

  test('a literal followed by more text is a string', () => {
    assertString('true}');
    assertString('false]');
    assertString('null=');
    assertString('truex');
  });

  test('plain text, including text with escaped delimiters and quotes, is kept whole', () => {
    assertString('simple');
    assertString('simple string');
    assertString('  ');
    assertString("'simple' string");
    assertString('si\\mple');
    assertString('si\\:mple');
    assertString('"abc"');
    assertString('three"blind\\"mice');
    assertString("string with delimiters: <>?,./\\=+-!@#$%^&*(){}[]|;':");
    assertString('\uFFFF');
    assertString('.5');
    assertString('abc123');
  });

  test('a number followed by more text is a string (Kafka would keep just the number)', () => {
    assertString('12:34');
    assertString('1,2');
    assertString('10,000');
    assertString('1 2');
  });
});

describe('Values.parseString: numbers', () => {
  test('integers get the smallest type that holds them', () => {
    assertParsed('0', Schema.INT8_SCHEMA, 0);
    assertParsed('127', Schema.INT8_SCHEMA, 127);
    assertParsed('-128', Schema.INT8_SCHEMA, -128);
    assertParsed('+5', Schema.INT8_SCHEMA, 5);
    assertParsed('128', Schema.INT16_SCHEMA, 128);
    assertParsed('-129', Schema.INT16_SCHEMA, -129);
    assertParsed('32767', Schema.INT16_SCHEMA, 32767);
    assertParsed('-32768', Schema.INT16_SCHEMA, -32768);
    assertParsed('32768', Schema.INT32_SCHEMA, 32768);
    assertParsed('2147483647', Schema.INT32_SCHEMA, 2147483647);
    assertParsed('-2147483648', Schema.INT32_SCHEMA, -2147483648);
    assertParsed('2147483648', Schema.INT64_SCHEMA, 2147483648);
    assertParsed('9007199254740991', Schema.INT64_SCHEMA, 9007199254740991);
    assertParsed('9007199254740992', Schema.INT64_SCHEMA, 9007199254740992n);
    assertParsed('9223372036854775807', Schema.INT64_SCHEMA, 9223372036854775807n);
    assertParsed('-9223372036854775808', Schema.INT64_SCHEMA, -9223372036854775808n);
  });

  test('integers beyond INT64 are Decimals with scale 0', () => {
    assertParsed('9223372036854775808', Decimal.schema(0), new BigDecimal(9223372036854775808n, 0));
    assertParsed('-9223372036854775809', Decimal.schema(0), new BigDecimal(-9223372036854775809n, 0));
  });

  test('a fraction of zero is an integer', () => {
    assertParsed('1.0', Schema.INT8_SCHEMA, 1);
    assertParsed('300.0', Schema.INT16_SCHEMA, 300);
    assertParsed('66000.0', Schema.INT32_SCHEMA, 66000);
    assertParsed('-0.0', Schema.INT8_SCHEMA, 0);
    assertParsed('1E+3', Schema.INT16_SCHEMA, 1000);
  });

  test('other decimals are FLOAT32 (with float precision) when within float range', () => {
    assertParsed('1.1', Schema.FLOAT32_SCHEMA, Math.fround(1.1));
    assertParsed('300.01', Schema.FLOAT32_SCHEMA, Math.fround(300.01));
    assertParsed('66000.0008', Schema.FLOAT32_SCHEMA, Math.fround(66000.0008));
    assertParsed('-0.5', Schema.FLOAT32_SCHEMA, -0.5);
    assertParsed('3.4028235E38', Schema.FLOAT32_SCHEMA, 3.4028234663852886e38);
    assertParsed('-3.4028235E38', Schema.FLOAT32_SCHEMA, -3.4028234663852886e38);
    // An integer beyond INT64 written with an exponent (scale ≠ 0) is read as a float, as in Kafka.
    assertParsed('1e20', Schema.FLOAT32_SCHEMA, Math.fround(1e20));
  });

  test('FLOAT32 rounding is from the exact decimal, not via the nearest double', () => {
    // 1 + 2^-24 is halfway between the floats 1 and 1 + 2^-23; all three texts read as that double.
    assertParsed('1.000000059604644775390625000001', Schema.FLOAT32_SCHEMA, 1 + 2 ** -23);
    assertParsed('1.000000059604644775390625', Schema.FLOAT32_SCHEMA, 1);
    assertParsed('1.000000059604644775390624999999', Schema.FLOAT32_SCHEMA, 1);
  });

  test('FLOAT64 beyond float range, Decimal beyond double range', () => {
    assertParsed('1.7976931348623157E308', Schema.FLOAT64_SCHEMA, Number.MAX_VALUE);
    assertParsed('1e39', Schema.FLOAT64_SCHEMA, 1e39);
    assertParsed('1e400', Decimal.schema(-400), new BigDecimal(1n, -400));
    assertParsed('-1e400', Decimal.schema(-400), new BigDecimal(-1n, -400));
  });

  test('a huge exponent is handled without building the number', () => {
    assertParsed('1e2000000000', Decimal.schema(-2000000000), new BigDecimal(1n, -2000000000));
    assertParsed('1e-2000000000', Schema.FLOAT32_SCHEMA, 0);
  });
});

describe('Values.parseString: dates and times', () => {
  test('ISO date, time and timestamp', () => {
    assertParsed('2019-08-23', ConnectDate.SCHEMA, new Date(Date.UTC(2019, 7, 23)));
    assertParsed('14:34:54.346Z', Time.SCHEMA, new Date(((14 * 60 + 34) * 60 + 54) * 1000 + 346));
    assertParsed(
      '2019-08-23T14:34:54.346Z',
      Timestamp.SCHEMA,
      new Date(Date.UTC(2019, 7, 23, 14, 34, 54, 346)),
    );
  });

  test('escaped colons', () => {
    assertParsed(
      '2019-08-23T14\\:34\\:54.346Z',
      Timestamp.SCHEMA,
      new Date(Date.UTC(2019, 7, 23, 14, 34, 54, 346)),
    );
    assertParsed('14\\:34\\:54.346Z', Time.SCHEMA, new Date(((14 * 60 + 34) * 60 + 54) * 1000 + 346));
  });

  test('in lists and maps, quoted or not', () => {
    const ts = (d: number) => new Date(Date.UTC(2019, 7, d, 14, 34, 54, 346));
    assertParsed(
      '[2019-08-23T14:34:54.346Z,2019-08-24T14:34:54.346Z,   2019-08-25T14:34:54.346Z]',
      arrayOf(Timestamp.SCHEMA),
      [ts(23), ts(24), ts(25)],
    );
    assertParsed('[2019-08-23]', arrayOf(ConnectDate.SCHEMA), [new Date(Date.UTC(2019, 7, 23))]);
    const time = new Date(((14 * 60 + 34) * 60 + 54) * 1000 + 346);
    assertParsed('{"k1":"14:34:54.346Z"}', mapOf(Schema.STRING_SCHEMA, Time.SCHEMA), new Map([['k1', time]]));
    assertParsed('{"k1":14:34:54.346Z}', mapOf(Schema.STRING_SCHEMA, Time.SCHEMA), new Map([['k1', time]]));
  });

  test('impossible dates and times are not dates', () => {
    assertString('2019-02-30');
    assertString('2019-13-01');
    assertString('24:00:00.000Z');
    assertString('12:60:00.000Z');
    assertString('2019-08-23T14:34:54.346X');
  });
});

describe('Values.parseString: lists', () => {
  test('a common element type, widening numbers', () => {
    assertParsed('[true, false]', arrayOf(Schema.BOOLEAN_SCHEMA), [true, false]);
    assertParsed('[1, 2, 300]', arrayOf(Schema.INT16_SCHEMA), [1, 2, 300]);
    assertParsed('[1, 2, 32768]', arrayOf(Schema.INT32_SCHEMA), [1, 2, 32768]);
    assertParsed('[1, 2, 3.4028235E38]', arrayOf(Schema.FLOAT32_SCHEMA), [1, 2, 3.4028234663852886e38]);
    assertParsed('[1, 2, 1.7976931348623157E308]', arrayOf(Schema.FLOAT64_SCHEMA), [1, 2, Number.MAX_VALUE]);
    assertParsed('["a", "b"]', arrayOf(Schema.STRING_SCHEMA), ['a', 'b']);
  });

  test('widening converts the values', () => {
    assertParsed('[9223372036854775807, 1.5]', arrayOf(Schema.FLOAT32_SCHEMA), [2 ** 63, 1.5]);
  });

  test('Decimals merge only with equal Decimals', () => {
    const big = new BigDecimal(9223372036854775808n, 0);
    const small = new BigDecimal(-9223372036854775809n, 0);
    assertParsed('[9223372036854775808, -9223372036854775809]', arrayOf(Decimal.schema(0)), [big, small]);
    assertParsed('["1.0", 9223372036854775808, -9223372036854775809, 1, 1]', null, ['1.0', big, small, 1, 1]);
  });

  test('mixed element types give a null schema, whatever the order', () => {
    assertParsed('[1, 2, 300, "four"]', null, [1, 2, 300, 'four']);
    assertParsed('["four", 1, 2, 300]', null, ['four', 1, 2, 300]);
    assertParsed('[1, 2019-08-23]', null, [1, new Date(Date.UTC(2019, 7, 23))]);
  });

  test('empty and all-null lists have a null schema', () => {
    assertParsed('[]', null, []);
    assertParsed('[ ]', null, []);
    assertParsed('[null]', null, [null]);
  });

  test('a null among typed elements cannot be represented: the text stays a string', () => {
    assertString('[1, null]');
    assertString('[null, 1]');
  });

  test('nested lists and maps', () => {
    assertParsed('[[1],[300]]', arrayOf(arrayOf(Schema.INT16_SCHEMA)), [[1], [300]]);
    assertParsed('[[],[1]]', arrayOf(arrayOf(Schema.INT8_SCHEMA)), [[], [1]]);
    assertParsed('[[1],["a"]]', null, [[1], ['a']]);
    assertParsed('[{"a":1},{"b":2}]', arrayOf(mapOf(Schema.STRING_SCHEMA, Schema.INT8_SCHEMA)), [
      new Map([['a', 1]]),
      new Map([['b', 2]]),
    ]);
  });

  test('quoted elements are unescaped, keep their whitespace and may hold delimiters', () => {
    assertParsed('["a, b", " c ", "x\\"y", "back\\\\slash", "k:v"]', arrayOf(Schema.STRING_SCHEMA), [
      'a, b',
      ' c ',
      'x"y',
      'back\\slash',
      'k:v',
    ]);
  });

  test('malformed lists stay strings', () => {
    assertString('[1, 2, 3,,,]');
    assertString('[,1]');
    assertString('[0 1 2]');
    assertString('[foo]');
    assertString('[1, 2');
    assertString('["abc]');
    assertString('[1,2] x');
  });

  test('deeply nested text is a DataError', () => {
    assert.throws(() => Values.parseString('['.repeat(200_000)), DataError);
  });
});

describe('Values.parseString: maps', () => {
  test('string keys and values, with or without whitespace', () => {
    const expected = new Map([
      ['foo', '123'],
      ['bar', 'baz'],
    ]);
    const schema = mapOf(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA);
    assertParsed('{"foo":"123","bar":"baz"}', schema, expected);
    assertParsed('{ "foo" : "123", \n"bar" : "baz" } ', schema, expected);
  });

  test('numeric values widen to a common type', () => {
    assertParsed(
      ' { "foo" :  12345 , "bar" : 0,  "baz" : -4321 }  ',
      mapOf(Schema.STRING_SCHEMA, Schema.INT16_SCHEMA),
      new Map([
        ['foo', 12345],
        ['bar', 0],
        ['baz', -4321],
      ]),
    );
  });

  test('boolean and numeric keys', () => {
    assertParsed(
      '{true: false, false: true}',
      mapOf(Schema.BOOLEAN_SCHEMA, Schema.BOOLEAN_SCHEMA),
      new Map([
        [true, false],
        [false, true],
      ]),
    );
    assertParsed(
      '{1: "a", 1.5: "b"}',
      mapOf(Schema.FLOAT32_SCHEMA, Schema.STRING_SCHEMA),
      new Map([
        [1, 'a'],
        [1.5, 'b'],
      ]),
    );
  });

  test('without a common key or value schema the schema is null', () => {
    assertParsed(
      '{1:1, 2:1, 300:300, "four":1}',
      null,
      new Map<unknown, unknown>([
        [1, 1],
        [2, 1],
        [300, 300],
        ['four', 1],
      ]),
    );
    assertParsed('{3: null}', null, new Map([[3, null]]));
    assertParsed('{}', null, new Map());
    // Keys are still aligned to their common schema.
    assertParsed(
      '{9223372036854775807: "x", 1.5: 2}',
      null,
      new Map<unknown, unknown>([
        [2 ** 63, 'x'],
        [1.5, 2],
      ]),
    );
  });

  test('escaped quotes and backslashes in keys and values', () => {
    assertParsed(
      '{"a\\"b":"c\\\\d"}',
      mapOf(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA),
      new Map([['a"b', 'c\\d']]),
    );
  });

  test('malformed maps stay strings', () => {
    assertString('{foo: 3}');
    assertString('{3: foo}');
    assertString('{null: 3}');
    assertString('{6:9 4:20}');
    assertString('{"a":1,,"b":2}');
    assertString('{"a":1, "b", "c":2}');
    assertString(' { ,,  , , }  ');
    assertString('{"a":1');
    assertString('{"a":1} x');
    assertString('{1: null, 2: 3}');
  });
});

describe('Values.convertToString', () => {
  test('null is null', () => {
    assert.equal(Values.convertToString(null, null), null);
    assert.equal(Values.convertToString(Schema.OPTIONAL_STRING_SCHEMA, undefined), null);
  });

  test('numbers as Java prints them, by schema', () => {
    assert.equal(Values.convertToString(Schema.INT8_SCHEMA, 5), '5');
    assert.equal(Values.convertToString(Schema.INT32_SCHEMA, -42), '-42');
    assert.equal(Values.convertToString(Schema.INT64_SCHEMA, 9223372036854775807n), '9223372036854775807');
    assert.equal(Values.convertToString(Schema.FLOAT32_SCHEMA, Math.fround(1.1)), '1.1');
    assert.equal(Values.convertToString(Schema.FLOAT64_SCHEMA, 1), '1.0');
    assert.equal(Values.convertToString(Schema.FLOAT64_SCHEMA, 1e21), '1.0E21');
    assert.equal(Values.convertToString(Schema.FLOAT64_SCHEMA, Number.NaN), 'NaN');
    assert.equal(Values.convertToString(null, 1), '1');
    assert.equal(Values.convertToString(null, 1.5), '1.5');
    assert.equal(Values.convertToString(null, 2 ** 60), '1152921504606846976');
    assert.equal(Values.convertToString(null, 1e300), '1.0E300');
    assert.equal(Values.convertToString(Decimal.schema(2), new BigDecimal(12345n, 2)), '123.45');
    assert.equal(Values.convertToString(null, new BigDecimal(1n, -3)), '1E+3');
  });

  test('booleans, strings, bytes', () => {
    assert.equal(Values.convertToString(null, true), 'true');
    assert.equal(Values.convertToString(Schema.STRING_SCHEMA, 'x "y" \\z'), 'x "y" \\z');
    assert.equal(Values.convertToString(Schema.BYTES_SCHEMA, new Uint8Array([1, 2, 3])), 'AQID');
    assert.equal(Values.convertToString(null, Buffer.from([0xff, 0xfe])), '//4=');
  });

  test('lists, with nested strings and bytes quoted and escaped', () => {
    assert.equal(
      Values.convertToString(null, ['a', 1, null, true, new Uint8Array([1])]),
      '["a",1,null,true,"AQ=="]',
    );
    assert.equal(Values.convertToString(null, []), '[]');
    assert.equal(Values.convertToString(arrayOf(Schema.FLOAT64_SCHEMA), [1, 2.5]), '[1.0,2.5]');
    assert.equal(Values.convertToString(arrayOf(Schema.FLOAT32_SCHEMA), [Math.fround(0.1)]), '[0.1]');
  });

  test('maps, plain objects and Maps', () => {
    assert.equal(Values.convertToString(null, { a: 'x y' }), '{"a":"x y"}');
    assert.equal(Values.convertToString(null, { q: 'say "hi" \\ bye' }), '{"q":"say \\"hi\\" \\\\ bye"}');
    assert.equal(
      Values.convertToString(
        mapOf(Schema.INT32_SCHEMA, Schema.FLOAT64_SCHEMA),
        new Map([
          [1, 2],
          [3, 4.5],
        ]),
      ),
      '{1:2.0,3:4.5}',
    );
    assert.equal(
      Values.convertToString(null, { nested: { list: [1, 'two'] } }),
      '{"nested":{"list":[1,"two"]}}',
    );
    assert.equal(Values.convertToString(null, {}), '{}');
  });

  test('structs print every field, defaults applied', () => {
    const schema = SchemaBuilder.struct()
      .field('id', Schema.INT64_SCHEMA)
      .field('name', Schema.OPTIONAL_STRING_SCHEMA)
      .field('score', SchemaBuilder.float64().defaultValue(0.5).build())
      .build();
    assert.equal(
      Values.convertToString(schema, new Struct(schema).put('id', 5)),
      '{"id":5,"name":null,"score":0.5}',
    );
    assert.equal(
      Values.convertToString(null, new Struct(schema).put('id', 1).put('name', 'n "q"').put('score', 2)),
      '{"id":1,"name":"n \\"q\\"","score":2.0}',
    );
  });

  test('dates: time of day before 1970-01-02, date at midnight, else timestamp; unquoted when nested', () => {
    assert.equal(Values.convertToString(ConnectDate.SCHEMA, new Date(Date.UTC(2024, 0, 15))), '2024-01-15');
    assert.equal(
      Values.convertToString(Timestamp.SCHEMA, new Date(Date.UTC(2024, 0, 15, 12, 34, 56, 789))),
      '2024-01-15T12:34:56.789Z',
    );
    assert.equal(Values.convertToString(Time.SCHEMA, new Date(45296789)), '12:34:56.789Z');
    assert.equal(Values.convertToString(Time.SCHEMA, new Date(0)), '00:00:00.000Z');
    // Kafka's choice is by value: a Timestamp before 1970-01-02 prints as a time of day.
    assert.equal(Values.convertToString(Timestamp.SCHEMA, new Date(-1)), '23:59:59.999Z');
    assert.equal(Values.convertToString(null, [new Date(Date.UTC(2024, 0, 15))]), '[2024-01-15]');
    assert.equal(
      Values.convertToString(null, new Date(Date.UTC(12345, 0, 1, 0, 0, 0, 1))),
      '12345-01-01T00:00:00.001Z',
    );
  });

  test('values of no Connect type are a DataError', () => {
    assert.throws(() => Values.convertToString(null, () => 1), DataError);
    assert.throws(() => Values.convertToString(null, [new (class Foo {})()]), DataError);
    assert.throws(() => Values.convertToString(null, new Date(Number.NaN)), DataError);
  });

  test('printed values parse back', () => {
    const roundTrip = (schema: Schema | null, value: unknown) =>
      Values.parseString(Values.convertToString(schema, value)!);
    assert.deepStrictEqual(roundTrip(null, ['a b', 'c,d']).value, ['a b', 'c,d']);
    assert.deepStrictEqual(roundTrip(null, { 'k"1': 'v\\1' }).value, new Map([['k"1', 'v\\1']]));
    assert.deepStrictEqual(roundTrip(Schema.INT64_SCHEMA, 9223372036854775807n).value, 9223372036854775807n);
    const ts = new Date(Date.UTC(2024, 0, 15, 12, 34, 56, 789));
    const back = roundTrip(Timestamp.SCHEMA, ts);
    assertSchema(back.schema, Timestamp.SCHEMA);
    assert.deepStrictEqual(back.value, ts);
  });
});

describe('Values.convertTo* numeric', () => {
  test('convertToBoolean', () => {
    assert.equal(Values.convertToBoolean(null, null), null);
    assert.equal(Values.convertToBoolean(null, true), true);
    assert.equal(Values.convertToBoolean(Schema.STRING_SCHEMA, 'true'), true);
    assert.equal(Values.convertToBoolean(Schema.STRING_SCHEMA, ' false '), false);
    assert.equal(Values.convertToBoolean(Schema.STRING_SCHEMA, '0'), false);
    assert.equal(Values.convertToBoolean(Schema.STRING_SCHEMA, '1'), true);
    assert.equal(Values.convertToBoolean(null, 5), true);
    assert.equal(Values.convertToBoolean(null, 0), false);
    assert.equal(Values.convertToBoolean(null, 0n), false);
    assert.throws(() => Values.convertToBoolean(Schema.STRING_SCHEMA, '"green"'), DataError);
  });

  test('integer conversions narrow as Java casts do', () => {
    assert.equal(Values.convertToByte(null, null), null);
    assert.equal(Values.convertToByte(null, 300), 44);
    assert.equal(Values.convertToByte(null, '1.9'), 1);
    assert.equal(Values.convertToShort(null, 70000), 4464);
    assert.equal(Values.convertToShort(null, '-12345'), -12345);
    assert.equal(Values.convertToInteger(null, 2 ** 32 + 5), 5);
    assert.equal(Values.convertToInteger(null, 1.9), 1);
    assert.equal(Values.convertToInteger(null, -1.9), -1);
    assert.equal(Values.convertToInteger(null, new BigDecimal(123456n, 2)), 1234);
  });

  test('convertToLong gives the canonical INT64 form', () => {
    assert.equal(Values.convertToLong(null, null), null);
    assert.equal(Values.convertToLong(null, 42), 42);
    assert.equal(Values.convertToLong(null, '9223372036854775807'), 9223372036854775807n);
    assert.equal(Values.convertToLong(null, 2 ** 53 + 2), 9007199254740994n);
    assert.equal(Values.convertToLong(null, 9007199254740991n), 9007199254740991);
    assert.equal(Values.convertToLong(null, 1e30), 9223372036854775807n);
    assert.equal(Values.convertToLong(null, -1e30), -9223372036854775808n);
    assert.equal(Values.convertToLong(null, Number.NaN), 0);
    assert.equal(Values.convertToLong(null, '1e3'), 1000);
    // BigDecimal.longValue keeps the low 64 bits.
    assert.equal(Values.convertToLong(null, new BigDecimal(1n, -64)), 0);
    assert.equal(Values.convertToLong(null, new BigDecimal(2n ** 64n + 7n, 0)), 7);
  });

  test('logical values convert to their numbers only with their schema', () => {
    const date = new Date(Date.UTC(2024, 0, 15));
    assert.equal(Values.convertToLong(Timestamp.SCHEMA, date), date.getTime());
    assert.equal(Values.convertToInteger(ConnectDate.SCHEMA, date), date.getTime() / DAY);
    assert.equal(Values.convertToInteger(Time.SCHEMA, new Date(1234)), 1234);
    assert.throws(() => Values.convertToLong(null, date), DataError);
    assert.throws(() => Values.convertToLong(Schema.STRING_SCHEMA, date), DataError);
  });

  test('values that are no numbers are a DataError naming the value', () => {
    assert.throws(
      () => Values.convertToLong(Schema.STRING_SCHEMA, 'abc'),
      /Unable to convert "abc" \(string\) to a number/,
    );
    assert.throws(() => Values.convertToLong(null, ' 12'), DataError);
    assert.throws(() => Values.convertToInteger(null, true), DataError);
    assert.throws(() => Values.convertToShort(null, [1]), DataError);
  });

  test('convertToFloat and convertToDouble', () => {
    assert.equal(Values.convertToFloat(null, null), null);
    assert.equal(Values.convertToFloat(null, '1.1'), Math.fround(1.1));
    assert.equal(Values.convertToFloat(null, 1.1), Math.fround(1.1));
    assert.equal(Values.convertToDouble(null, '1.1'), 1.1);
    assert.equal(Values.convertToDouble(null, '1e400'), Number.POSITIVE_INFINITY);
    assert.equal(Values.convertToDouble(null, 5n), 5);
    assert.equal(Values.convertToDouble(null, new BigDecimal(15n, 1)), 1.5);
    assert.equal(Values.convertToDouble(Timestamp.SCHEMA, new Date(1000)), 1000);
    assert.throws(() => Values.convertToDouble(null, 'x'), DataError);
  });
});

describe('Values.convertTo* structured and logical', () => {
  test('convertToList', () => {
    const list = [1, 2];
    assert.equal(Values.convertToList(null, list), list);
    assert.deepStrictEqual(Values.convertToList(Schema.STRING_SCHEMA, '[1, 2, 32768]'), [1, 2, 32768]);
    assert.throws(() => Values.convertToList(Schema.STRING_SCHEMA, 'abc'), DataError);
    assert.throws(() => Values.convertToList(Schema.STRING_SCHEMA, '[1, 2, 3,,,]'), DataError);
    assert.throws(() => Values.convertToList(null, null), /Unable to convert a null value/);
  });

  test('convertToMap', () => {
    const obj = { a: 1 };
    assert.equal(Values.convertToMap(null, obj), obj);
    assert.deepStrictEqual(Values.convertToMap(Schema.STRING_SCHEMA, '{"a":1}'), new Map([['a', 1]]));
    assert.throws(() => Values.convertToMap(Schema.STRING_SCHEMA, '[1]'), DataError);
    assert.throws(
      () => Values.convertToMap(Schema.STRING_SCHEMA, ' { "foo" :  1234567890 ,, "bar" : 0 }  '),
      DataError,
    );
    assert.throws(() => Values.convertToMap(null, undefined), DataError);
  });

  test('convertToStruct', () => {
    const struct = new Struct(SchemaBuilder.struct().build());
    assert.equal(Values.convertToStruct(struct.schema, struct), struct);
    assert.throws(() => Values.convertToStruct(struct.schema, ''), DataError);
    assert.throws(() => Values.convertToStruct(struct.schema, null), DataError);
  });

  test('convertToDecimal', () => {
    const oneDotZero = new BigDecimal(10n, 1);
    assert.deepStrictEqual(Values.convertToDecimal(null, 1, 1), oneDotZero);
    assert.deepStrictEqual(Values.convertToDecimal(null, Math.fround(1), 1), oneDotZero);
    assert.deepStrictEqual(Values.convertToDecimal(null, '1.0', 1), oneDotZero);
    assert.equal(Values.convertToDecimal(null, oneDotZero, 1), oneDotZero);
    assert.deepStrictEqual(
      Values.convertToDecimal(null, new Uint8Array([0x30, 0x39]), 2),
      new BigDecimal(12345n, 2),
    );
    assert.deepStrictEqual(Values.convertToDecimal(null, 1e10, 0), new BigDecimal(10n, -9));
    assert.throws(() => Values.convertToDecimal(null, null, 1), DataError);
    assert.throws(() => Values.convertToDecimal(null, 'abc', 1), DataError);
    assert.throws(() => Values.convertToDecimal(null, Number.NaN, 1), DataError);
  });

  test('convertToDate', () => {
    const day = new Date(Date.UTC(2024, 0, 15));
    const ts = new Date(Date.UTC(2024, 0, 15, 13, 14, 15, 16));
    assert.equal(Values.convertToDate(ConnectDate.SCHEMA, day), day);
    assert.deepStrictEqual(Values.convertToDate(Timestamp.SCHEMA, ts), day);
    assert.deepStrictEqual(Values.convertToDate(null, 19737), day);
    assert.deepStrictEqual(Values.convertToDate(Schema.STRING_SCHEMA, '19737'), day);
    assert.deepStrictEqual(Values.convertToDate(Schema.STRING_SCHEMA, '2024-01-15'), day);
    assert.deepStrictEqual(Values.convertToDate(Schema.STRING_SCHEMA, '2024-01-15T13:14:15.016Z'), day);
    assert.throws(() => Values.convertToDate(null, null), DataError);
    assert.throws(() => Values.convertToDate(Schema.STRING_SCHEMA, 'yesterday'), DataError);
  });

  test('convertToTime', () => {
    const ts = new Date(Date.UTC(2024, 0, 15, 13, 14, 15, 16));
    const timeOfDay = new Date(((13 * 60 + 14) * 60 + 15) * 1000 + 16);
    assert.deepStrictEqual(Values.convertToTime(Timestamp.SCHEMA, ts), timeOfDay);
    assert.deepStrictEqual(Values.convertToTime(Timestamp.SCHEMA, new Date(-1)), new Date(DAY - 1));
    assert.deepStrictEqual(Values.convertToTime(null, 1234), new Date(1234));
    assert.deepStrictEqual(Values.convertToTime(Schema.STRING_SCHEMA, '13:14:15.016Z'), timeOfDay);
    assert.equal(Values.convertToTime(Time.SCHEMA, timeOfDay), timeOfDay);
    assert.throws(() => Values.convertToTime(null, DAY + 1), DataError);
    assert.throws(() => Values.convertToTime(null, null), DataError);
  });

  test('convertToTimestamp', () => {
    const day = new Date(Date.UTC(2024, 0, 15));
    assert.deepStrictEqual(Values.convertToTimestamp(ConnectDate.SCHEMA, day), day);
    assert.deepStrictEqual(Values.convertToTimestamp(Time.SCHEMA, new Date(1234)), new Date(1234));
    assert.deepStrictEqual(Values.convertToTimestamp(null, 1705320000000), new Date(1705320000000));
    assert.deepStrictEqual(
      Values.convertToTimestamp(Schema.STRING_SCHEMA, '1705320000000'),
      new Date(1705320000000),
    );
    assert.deepStrictEqual(
      Values.convertToTimestamp(Schema.STRING_SCHEMA, '2024-01-15T12:00:00.000Z'),
      new Date(1705320000000),
    );
    assert.throws(() => Values.convertToTimestamp(null, 9e15), DataError);
    assert.throws(() => Values.convertToTimestamp(null, null), DataError);
  });
});

describe('Values.inferSchema', () => {
  test('primitives', () => {
    assertSchema(Values.inferSchema('x'), Schema.STRING_SCHEMA);
    assertSchema(Values.inferSchema(true), Schema.BOOLEAN_SCHEMA);
    assertSchema(Values.inferSchema(1), Schema.INT32_SCHEMA);
    assertSchema(Values.inferSchema(-2147483648), Schema.INT32_SCHEMA);
    assertSchema(Values.inferSchema(2 ** 31), Schema.INT64_SCHEMA);
    assertSchema(Values.inferSchema(2 ** 63), Schema.FLOAT64_SCHEMA);
    assertSchema(Values.inferSchema(1.5), Schema.FLOAT64_SCHEMA);
    assertSchema(Values.inferSchema(5n), Schema.INT64_SCHEMA);
    assertSchema(Values.inferSchema(2n ** 64n), null);
    assertSchema(Values.inferSchema(new Uint8Array(1)), Schema.BYTES_SCHEMA);
    assertSchema(Values.inferSchema(null), null);
    assertSchema(
      Values.inferSchema(() => 1),
      null,
    );
  });

  test('logical values and structs', () => {
    assertSchema(Values.inferSchema(new Date()), Timestamp.SCHEMA);
    assertSchema(Values.inferSchema(new BigDecimal(1n, 2)), Decimal.schema(2));
    const struct = new Struct(SchemaBuilder.struct().field('a', Schema.INT8_SCHEMA).build());
    assert.equal(Values.inferSchema(struct), struct.schema);
  });

  test('lists and maps', () => {
    assertSchema(Values.inferSchema([]), null);
    assertSchema(Values.inferSchema([1, 2]), arrayOf(Schema.INT32_SCHEMA));
    assertSchema(Values.inferSchema([1, null]), arrayOf(Schema.OPTIONAL_INT32_SCHEMA));
    assertSchema(Values.inferSchema([1, 2 ** 40]), arrayOf(Schema.INT64_SCHEMA));
    assertSchema(Values.inferSchema([1, 1.5]), arrayOf(Schema.FLOAT64_SCHEMA));
    assertSchema(Values.inferSchema([2n ** 60n, 1.5]), null);
    assertSchema(Values.inferSchema([1, 'a']), null);
    assertSchema(Values.inferSchema([{}]), null);
    assertSchema(Values.inferSchema([new Date(0), null]), arrayOf(Timestamp.builder().optional().build()));
    assertSchema(Values.inferSchema({ a: 1 }), mapOf(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA));
    assertSchema(Values.inferSchema(new Map([[1, 'a']])), mapOf(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA));
    assertSchema(Values.inferSchema({}), null);
    assertSchema(Values.inferSchema(new Map([[{}, 1]])), null);
    const struct = new Struct(SchemaBuilder.struct().build());
    assertSchema(Values.inferSchema([struct, null]), null);
    assertSchema(Values.inferSchema([struct]), arrayOf(struct.schema));
  });
});
