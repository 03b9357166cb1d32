/**
 * The byte path of the JsonConverter encoder (`CompiledEncoder.write` into a ByteWriter) against
 * its text path (`CompiledEncoder.encode`): for every schema type, edge values and wrong values,
 * the bytes must equal the UTF-8 of the text and the errors must be the same. Also the scratch
 * buffer's hygiene: each record gets its own copy, and a record that throws midway leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  type Schema,
  SchemaBuilder,
  Schema as Schemas,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import { ByteWriter } from '../../src/json/json-bytes.ts';
import { compileEncoder, type EncodeOptions } from '../../src/json/json-encoder.ts';

const BASE64: EncodeOptions = { decimalFormat: 'BASE64', replaceNullWithDefault: true };
const NUMERIC: EncodeOptions = { decimalFormat: 'NUMERIC', replaceNullWithDefault: true };

type Outcome = { bytes: Buffer } | { error: string };

function viaText(schema: Schema, value: unknown, options: EncodeOptions): Outcome {
  try {
    return { bytes: Buffer.from(compileEncoder(schema, options).encode(value), 'utf8') };
  } catch (err) {
    assert.ok(err instanceof DataError, `text path threw ${String(err)}`);
    return { error: err.message };
  }
}

/** A small scratch, so growing is exercised too. */
const writer = new ByteWriter(8);

function viaBytes(schema: Schema, value: unknown, options: EncodeOptions): Outcome {
  writer.reset();
  try {
    compileEncoder(schema, options).write(writer, value);
    return { bytes: writer.take() };
  } catch (err) {
    assert.ok(err instanceof DataError, `byte path threw ${String(err)}`);
    return { error: err.message };
  }
}

/**
 * Checks `value` alone and as a struct field (first and last, which the generated struct writer
 * encodes inline), under `schema`.
 */
function same(schema: Schema, values: readonly unknown[], options: EncodeOptions = BASE64): void {
  const struct = SchemaBuilder.struct()
    .field('first', schema)
    .field('mid', Schemas.STRING_SCHEMA)
    .field('last', schema)
    .build();
  for (const value of values) {
    const label = `${schema.name ?? schema.type} ${describeValue(value)}`;
    assert.deepEqual(viaBytes(schema, value, options), viaText(schema, value, options), label);
    // Struct.put validates, so fill the values past it: the encoder must cope with anything.
    const s = new Struct(struct);
    const raw = s.rawValues() as unknown[];
    raw[0] = value;
    raw[1] = 'm';
    raw[2] = value;
    assert.deepEqual(viaBytes(struct, s, options), viaText(struct, s, options), `in a struct: ${label}`);
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof BigDecimal) return `BigDecimal(${v.unscaled}, ${v.scale})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  return String(v);
}

const INTS = [
  0,
  -0,
  1,
  -1,
  9,
  10,
  -10,
  99,
  127,
  128,
  -128,
  -129,
  32767,
  -32768,
  32768,
  99999999,
  100000000,
  -100000000,
  100000001,
  2147483647,
  -2147483648,
  2147483648,
  -2147483649,
  1700000000000,
  -1700000000123,
  1e15,
  999999999999999,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  2 ** 53,
  1e21,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  12n,
  -(2n ** 63n),
  2n ** 63n - 1n,
  2n ** 63n,
  '1',
  true,
  null,
  undefined,
];

describe('JsonConverter byte path equals the text path', () => {
  test('integers', () => {
    for (const schema of [
      Schemas.INT8_SCHEMA,
      Schemas.INT16_SCHEMA,
      Schemas.INT32_SCHEMA,
      Schemas.INT64_SCHEMA,
      Schemas.OPTIONAL_INT64_SCHEMA,
      SchemaBuilder.int32().defaultValue(7).build(),
    ]) {
      same(schema, INTS);
    }
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor((Math.random() - 0.5) * 2 ** (1 + (i % 54)));
      same(Schemas.INT64_SCHEMA, [n]);
    }
  });

  test('floats and booleans', () => {
    const values = [
      0,
      -0,
      0.1,
      -2.5,
      1e7,
      1e-3,
      1e21,
      5e-324,
      123456789.125,
      Number.NaN,
      -Infinity,
      'x',
      null,
    ];
    same(Schemas.FLOAT64_SCHEMA, values);
    same(Schemas.FLOAT32_SCHEMA, values);
    same(Schemas.BOOLEAN_SCHEMA, [true, false, 0, 'true', null]);
    same(Schemas.OPTIONAL_BOOLEAN_SCHEMA, [true, null]);
  });

  test('strings: ASCII, escapes, non-ASCII, surrogates, long', () => {
    const values = [
      '',
      'abc',
      'user-1@example.com',
      'a"b',
      'a\\b',
      '\u0000\u0001\u001f',
      'tab\there\nnew',
      '\u007f',
      '\u0080',
      'a\u00ffb',
      'é',
      'naïve café',
      '€',
      '😀',
      'x😀y',
      '\ud800',
      'a\udc00b',
      'x'.repeat(64),
      'x'.repeat(65),
      'x'.repeat(5000),
      `${'x'.repeat(100)}"`,
      `${'é'.repeat(100)}\u0001`,
      '😀'.repeat(3000),
      42,
      null,
    ];
    same(Schemas.STRING_SCHEMA, values);
    same(Schemas.OPTIONAL_STRING_SCHEMA, values);
    same(SchemaBuilder.string().optional().defaultValue('dé"f').build(), [null, 'a']);
  });

  test('bytes', () => {
    const big = Buffer.alloc(300, 0xab);
    same(Schemas.BYTES_SCHEMA, [
      new Uint8Array(0),
      new Uint8Array([0]),
      new Uint8Array([0xff, 0]),
      new Uint8Array([1, 2, 3]),
      new Uint8Array([1, 2, 3, 4]),
      Buffer.alloc(48, 7),
      Buffer.alloc(49, 7),
      big,
      big.subarray(3, 10),
      big.subarray(5, 200),
      'AAA=',
      null,
    ]);
  });

  test('decimals, both formats', () => {
    const unscaled = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 256n, 32767n, 32768n, -32768n, -32769n];
    for (const bits of [23, 31, 39, 47, 48, 53, 64, 100]) {
      const p = 2n ** BigInt(bits);
      unscaled.push(p - 1n, p, p + 1n, -p, -p - 1n, -p + 1n);
    }
    for (let i = 0; i < 1000; i++) unscaled.push(BigInt(i * 12345), BigInt(-i * 7919));
    for (const scale of [0, 2, 18]) {
      const schema = Decimal.schema(scale);
      const values: unknown[] = unscaled.map((u) => new BigDecimal(u, scale));
      values.push(new BigDecimal(5n, scale + 1), 1.5, null);
      same(schema, values, BASE64);
      same(schema, values, NUMERIC);
    }
  });

  test('logical dates', () => {
    const dates = [
      new Date(0),
      new Date(1700000000000),
      new Date(-1),
      new Date(-86400000),
      new Date(8.64e15),
      new Date(Number.NaN),
      new Date(86400000 + 1),
      1700000000000,
      null,
    ];
    same(Timestamp.SCHEMA, dates);
    same(Timestamp.builder().optional().build(), dates);
    same(ConnectDate.SCHEMA, dates);
    same(Time.SCHEMA, [new Date(0), new Date(1234), new Date(86400000 + 5), 'x']);
  });

  test('arrays, maps and nested structs', () => {
    same(SchemaBuilder.array(Schemas.STRING_SCHEMA).build(), [
      [],
      ['a'],
      ['t1', 'x', 'é"'],
      ['a', null],
      'a',
      null,
    ]);
    same(SchemaBuilder.array(Schemas.OPTIONAL_INT32_SCHEMA).build(), [[1, null, -3], [2 ** 40]]);
    same(SchemaBuilder.array(SchemaBuilder.array(Schemas.INT64_SCHEMA).build()).build(), [[[1], [], [2, 3]]]);
    same(SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT32_SCHEMA).build(), [
      new Map([
        ['a', 1],
        ['é', 2],
      ]),
      { b: 3 },
      new Map([['a', 'x']]),
      [],
    ]);
    same(SchemaBuilder.map(Schemas.INT32_SCHEMA, Schemas.STRING_SCHEMA).build(), [new Map([[1, 'a']])]);
    const inner = SchemaBuilder.struct()
      .name('com.example.Inner')
      .field('n', Schemas.INT32_SCHEMA)
      .field('s', Schemas.OPTIONAL_STRING_SCHEMA)
      .build();
    const other = SchemaBuilder.struct().field('n', Schemas.INT32_SCHEMA).build();
    const bad = new Struct(inner);
    (bad.rawValues() as unknown[])[0] = 'not a number';
    same(inner, [
      new Struct(inner).put('n', 1),
      new Struct(inner).put('n', 2).put('s', 'é'),
      bad,
      new Struct(other).put('n', 1),
      1,
    ]);
    same(SchemaBuilder.array(inner).build(), [
      [new Struct(inner).put('n', 1), new Struct(inner).put('n', -1)],
    ]);
    same(SchemaBuilder.struct().build(), [new Struct(SchemaBuilder.struct().build())]);
    const oddNames = SchemaBuilder.struct().field('é "quoted" \u0001', Schemas.INT32_SCHEMA).build();
    assert.deepEqual(
      viaBytes(oddNames, new Struct(oddNames).put('é "quoted" \u0001', 5), BASE64),
      viaText(oddNames, new Struct(oddNames).put('é "quoted" \u0001', 5), BASE64),
    );
  });

  test('null replaced by a default or not', () => {
    const withDefault = SchemaBuilder.string().optional().defaultValue('dflt').build();
    for (const replaceNullWithDefault of [true, false]) {
      const options: EncodeOptions = { decimalFormat: 'BASE64', replaceNullWithDefault };
      same(withDefault, [null, 'x'], options);
      same(SchemaBuilder.int64().defaultValue(1700000000000).build(), [null, 5], options);
    }
  });
});

describe('JsonConverter scratch buffer', () => {
  const schema = SchemaBuilder.struct()
    .field('id', Schemas.INT64_SCHEMA)
    .field('name', Schemas.STRING_SCHEMA)
    .field('age', Schemas.INT32_SCHEMA)
    .build();
  const record = (id: number, name: string) =>
    new Struct(schema).put('id', id).put('name', name).put('age', 30);

  for (const schemasEnable of ['true', 'false']) {
    test(`each record gets its own bytes (schemas.enable=${schemasEnable})`, () => {
      const c = new JsonConverter();
      c.configure({ 'schemas.enable': schemasEnable }, false);
      const first = c.fromConnectData('t', schema, record(1, 'a-long-name-for-the-first-record'))!;
      const copy = Buffer.from(first);
      const second = c.fromConnectData('t', schema, record(2, 'b'))!;
      assert.ok(Buffer.isBuffer(first) && Buffer.isBuffer(second));
      assert.deepEqual(Buffer.from(first), copy, 'the first result is not overwritten by the second record');
      assert.notEqual(first.buffer === second.buffer && first.byteOffset === second.byteOffset, true);
      assert.equal(first.length, copy.length);
      const payload = '{"id":2,"name":"b","age":30}';
      assert.ok(
        Buffer.from(second)
          .toString('utf8')
          .endsWith(schemasEnable === 'true' ? `${payload}}` : payload),
      );
    });

    test(`a record that fails midway leaves nothing behind (schemas.enable=${schemasEnable})`, () => {
      const c = new JsonConverter();
      c.configure({ 'schemas.enable': schemasEnable }, false);
      const good = record(7, 'seven');
      const expected = Buffer.from(c.fromConnectData('t', schema, good)!);
      const broken = record(8, 'x'.repeat(10000));
      (broken.rawValues() as unknown[])[2] = 'not an int';
      assert.throws(
        () => c.fromConnectData('t', schema, broken),
        /Invalid type for INT32 for field "age": string/,
      );
      assert.deepEqual(Buffer.from(c.fromConnectData('t', schema, good)!), expected);
    });
  }

  test('records larger than the scratch, then small ones', () => {
    const c = new JsonConverter();
    c.configure({ 'schemas.enable': 'false' }, false);
    for (const size of [10, 5000, 3 * 1024 * 1024, 10]) {
      const name = 'n'.repeat(size);
      const bytes = c.fromConnectData('t', schema, record(size, name))!;
      assert.equal(Buffer.from(bytes).toString('utf8'), `{"id":${size},"name":"${name}","age":30}`);
    }
  });

  test('ByteWriter.take returns an exact copy and restarts', () => {
    const w = new ByteWriter(4);
    w.reset();
    w.str(new Uint8Array([123]), 'hello');
    w.int(new Uint8Array([44]), -1700000000000);
    w.byte(125);
    const a = w.take();
    assert.equal(a.toString('utf8'), '{"hello",-1700000000000}');
    w.int(new Uint8Array(0), 5);
    assert.equal(w.take().toString('utf8'), '5');
    assert.equal(a.toString('utf8'), '{"hello",-1700000000000}');
  });
});
