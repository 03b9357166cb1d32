/** Bad input to JsonConverter: every case is a DataError (or ConfigError) with a message naming the problem. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConfigError,
  DataError,
  Decimal,
  SchemaBuilder,
  Schema as Schemas,
  Struct,
} from '@sluice/api';
import { JsonConverter } from '@sluice/converters';

function converter(configs: Record<string, string> = {}): JsonConverter {
  const c = new JsonConverter();
  c.configure(configs, false);
  return c;
}

const read = (c: JsonConverter, json: string) => c.toConnectData('t', Buffer.from(json));

function throwsData(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('JsonConverter bad input', () => {
  test('invalid JSON', () => {
    throwsData(() => read(converter(), 'not json at all'), /failed due to serialization error/);
    throwsData(
      () => read(converter({ 'schemas.enable': 'false' }), '{"a":'),
      /failed due to serialization error/,
    );
    throwsData(() => read(converter(), ''), /failed due to serialization error/);
  });

  test('envelope missing schema or payload, or with extra fields', () => {
    const needs = /requires "schema" and "payload" fields.*set schemas.enable=false/;
    throwsData(() => read(converter(), '{"payload":1}'), needs);
    throwsData(() => read(converter(), '{"schema":null}'), needs);
    throwsData(() => read(converter(), '{"schema":null,"payload":1,"extra":2}'), needs);
    throwsData(() => read(converter(), '[1,2]'), needs);
    throwsData(() => read(converter(), '"plain"'), needs);
  });

  test('bad schemas', () => {
    throwsData(
      () => read(converter(), '{"schema":{"optional":true},"payload":1}'),
      /Schema must contain 'type' field/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"int128"},"payload":1}'),
      /Unknown schema type: int128/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"array"},"payload":[]}'),
      /did not specify the element type/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"map","values":{"type":"int8"}},"payload":{}}'),
      /did not specify the key type/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"struct","fields":{}},"payload":{}}'),
      /"fields" argument is not an array/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"struct","fields":[{"type":"int8"}]},"payload":{}}'),
      /field name not specified/,
    );
    throwsData(
      () => read(converter(), '{"schema":{"type":"int8","parameters":{"a":1}},"payload":1}'),
      /parameters must have string values/,
    );
  });

  test('payload values that do not match the schema name the field', () => {
    const c = converter();
    const schema = SchemaBuilder.struct()
      .field('age', Schemas.INT32_SCHEMA)
      .field('name', Schemas.OPTIONAL_STRING_SCHEMA)
      .build();
    const env = (payload: string) => `{"schema":${c.asJsonSchema(schema)},"payload":${payload}}`;
    throwsData(() => read(c, env('{"age":"abc","name":null}')), /field "age".*INT32.*STRING/);
    throwsData(() => read(c, env('{"age":1.5}')), /field "age"/);
    throwsData(() => read(c, env('{"age":4294967296}')), /field "age"/);
    throwsData(
      () => read(c, env('{"name":"x"}')),
      /Invalid null value for required INT32 field for field "age"/,
    );
    throwsData(() => read(c, env('{"age":1,"name":5}')), /field "name".*STRING.*NUMBER/);
    throwsData(() => read(c, env('[1]')), /Structs should be encoded as JSON objects/);
    throwsData(
      () => read(c, '{"schema":{"type":"bytes","optional":false},"payload":"***"}'),
      /not valid base64/,
    );
    throwsData(
      () =>
        read(
          c,
          '{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":{"1":2}}',
        ),
      /array of tuples/,
    );
    throwsData(
      () =>
        read(
          c,
          '{"schema":{"type":"map","keys":{"type":"int32"},"values":{"type":"int32"}},"payload":[[1,2,3]]}',
        ),
      /expected length 2/,
    );
  });

  test('a struct field named like an Object.prototype member is not read from the prototype', () => {
    const c = converter();
    const schema = SchemaBuilder.struct().field('constructor', Schemas.STRING_SCHEMA).build();
    throwsData(
      () => read(c, `{"schema":${c.asJsonSchema(schema)},"payload":{}}`),
      /required STRING field for field "constructor"/,
    );
    const ok = read(c, `{"schema":${c.asJsonSchema(schema)},"payload":{"constructor":"x"}}`);
    assert.equal((ok.value as Struct).get('constructor'), 'x');
  });

  test('values that do not match the schema on write', () => {
    const c = converter();
    throwsData(() => c.fromConnectData('t', Schemas.INT32_SCHEMA, 'abc'), /Invalid type for INT32: string/);
    throwsData(() => c.fromConnectData('t', Schemas.INT8_SCHEMA, 300), /Invalid type for INT8/);
    throwsData(() => c.fromConnectData('t', Schemas.INT64_SCHEMA, 1.5), /Invalid type for INT64/);
    throwsData(
      () => c.fromConnectData('t', Schemas.INT32_SCHEMA, null),
      /null value for field that is required/,
    );
    throwsData(() => c.fromConnectData('t', Decimal.schema(2), new BigDecimal(1n, 3)), /mismatching scale/);
    throwsData(() => c.fromConnectData('t', Decimal.schema(2), 1.5), /Invalid type for Decimal/);
    const a = SchemaBuilder.struct().field('x', Schemas.INT32_SCHEMA).build();
    const b = SchemaBuilder.struct().field('y', Schemas.INT32_SCHEMA).build();
    throwsData(() => c.fromConnectData('t', a, new Struct(b).put('y', 1)), /Mismatching schema/);
    const outer = SchemaBuilder.struct().field('inner', a).build();
    throwsData(
      () => c.fromConnectData('t', outer, Struct.withValues(outer, [Struct.withValues(a, ['no'])])),
      /field "inner.x"/,
    );
    throwsData(() => c.fromConnectData('t', null, new Date()), /does not have a corresponding schema type/);
  });

  test('bad configs are ConfigErrors naming the key', () => {
    assert.throws(
      () => converter({ 'schemas.enable': 'yes' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'schemas.enable',
    );
    assert.throws(
      () => converter({ 'decimal.format': 'HEX' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'decimal.format',
    );
    assert.throws(
      () => converter({ 'schemas.cache.size': 'many' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'schemas.cache.size',
    );
  });
});

test('config() declares Kafka’s JsonConverter keys and defaults', () => {
  const keys = new JsonConverter().config().configKeys();
  assert.deepEqual(
    [...keys.keys()],
    ['converter.type', 'schemas.enable', 'schemas.cache.size', 'decimal.format', 'replace.null.with.default'],
  );
  assert.equal(keys.get('schemas.enable')?.defaultValue, true);
  assert.equal(keys.get('schemas.cache.size')?.defaultValue, 1000);
  assert.equal(keys.get('decimal.format')?.defaultValue, 'BASE64');
  const c = new JsonConverter();
  assert.throws(
    () => c.configure({ 'schemas.enable': 'maybe' }, false),
    /Invalid value maybe for configuration schemas.enable/,
  );
});

test('numbers beyond double precision are found wherever they sit in the text', async () => {
  const { mayLosePrecision } = await import('../../src/json/json-text.ts');
  const big = '1234567890123456';
  for (let pad = 0; pad < 40; pad++) {
    assert.equal(mayLosePrecision(`${'x'.repeat(pad)}${big}`), true, `pad ${pad}`);
    assert.equal(mayLosePrecision(`${'x'.repeat(pad)}${big}}`), true, `pad ${pad} with tail`);
    assert.equal(
      mayLosePrecision(`${'x'.repeat(pad)}${big.slice(1)},${big.slice(1)}`),
      false,
      `pad ${pad} short runs`,
    );
    assert.equal(mayLosePrecision(`${'x'.repeat(pad)}12345678.12345678`), true, `pad ${pad} decimal`);
  }
  assert.equal(mayLosePrecision(''), false);
});
