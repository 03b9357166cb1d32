import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BigDecimal, ConfigError, Decimal, Schema, SchemaBuilder, Struct } from '@sluice/api';
import { StringConverter } from '../src/string-converter.ts';

const TOPIC = 'topic';

function hex(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('hex');
}

function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

function converter(configs: Record<string, unknown> = {}, isKey = false): StringConverter {
  const c = new StringConverter();
  c.configure(configs, isKey);
  return c;
}

describe('StringConverter', () => {
  test('UTF-8 by default, both ways', () => {
    const c = converter();
    assert.equal(hex(c.fromConnectData(TOPIC, Schema.STRING_SCHEMA, 'héllo')), '68c3a96c6c6f');
    const back = c.toConnectData(TOPIC, bytes('68c3a96c6c6f'));
    assert.equal(back.schema, Schema.OPTIONAL_STRING_SCHEMA);
    assert.equal(back.value, 'héllo');
    assert.equal(c.toConnectData(TOPIC, bytes('efbbbf41')).value, '\uFEFFA');
    assert.equal(c.toConnectData(TOPIC, bytes('61ff')).value, 'a\uFFFD');
    // Java writes an unpaired surrogate as '?'.
    assert.equal(hex(c.fromConnectData(TOPIC, null, '\uD800a')), '3f61');
  });

  test('null ⇔ null, with an optional STRING schema', () => {
    const c = converter();
    assert.equal(c.fromConnectData(TOPIC, Schema.OPTIONAL_STRING_SCHEMA, null), null);
    const back = c.toConnectData(TOPIC, null);
    assert.equal(back.schema, Schema.OPTIONAL_STRING_SCHEMA);
    assert.equal(back.value, null);
  });

  test("other values are written as Java's toString", () => {
    const c = converter();
    const text = (schema: Schema | null, value: unknown) =>
      Buffer.from(c.fromConnectData(TOPIC, schema, value)!).toString('utf8');
    assert.equal(text(Schema.INT32_SCHEMA, 42), '42');
    assert.equal(text(Schema.FLOAT64_SCHEMA, 1), '1.0');
    assert.equal(text(Schema.FLOAT32_SCHEMA, Math.fround(1.1)), '1.1');
    assert.equal(text(null, 0.5), '0.5');
    assert.equal(text(null, true), 'true');
    assert.equal(text(Schema.INT64_SCHEMA, 9223372036854775807n), '9223372036854775807');
    assert.equal(text(Decimal.schema(2), new BigDecimal(12345n, 2)), '123.45');
    assert.equal(text(null, [1, 'a', null]), '[1, a, null]');
    assert.equal(text(SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build(), [1, 2]), '[1.0, 2.0]');
    assert.equal(text(null, { a: 1, b: 'x' }), '{a=1, b=x}');
    assert.equal(
      text(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT32_SCHEMA).build(), new Map([['k', 1]])),
      '{k=1.0}',
    );
    assert.equal(text(null, new Date(0)), 'Thu Jan 01 00:00:00 UTC 1970');
    assert.equal(text(null, new Date(Date.UTC(2024, 0, 15, 12, 34, 56))), 'Mon Jan 15 12:34:56 UTC 2024');
    const schema = SchemaBuilder.struct()
      .field('id', Schema.INT32_SCHEMA)
      .field('name', Schema.STRING_SCHEMA)
      .build();
    assert.equal(text(schema, new Struct(schema).put('id', 5).put('name', 'n')), 'Struct{id=5,name=n}');
    assert.equal(text(Schema.BYTES_SCHEMA, new Uint8Array([1, 2, 3])), 'AQID');
  });

  test('converter.encoding: the UTF-16 family', () => {
    const utf16 = converter({ 'converter.encoding': 'UTF-16' });
    assert.equal(hex(utf16.fromConnectData(TOPIC, null, 'A€')), 'feff004120ac');
    assert.equal(hex(utf16.fromConnectData(TOPIC, null, '')), '');
    assert.equal(hex(utf16.fromConnectData(TOPIC, null, '\uD800')), 'fefffffd');
    assert.equal(utf16.toConnectData(TOPIC, bytes('feff0041')).value, 'A');
    assert.equal(utf16.toConnectData(TOPIC, bytes('fffe4100')).value, 'A');
    assert.equal(utf16.toConnectData(TOPIC, bytes('0041')).value, 'A');
    const be = converter({ 'converter.encoding': 'utf-16be' });
    assert.equal(hex(be.fromConnectData(TOPIC, null, 'A')), '0041');
    assert.equal(be.toConnectData(TOPIC, bytes('feff0041')).value, '\uFEFFA');
    const le = converter({ 'converter.encoding': 'UnicodeLittleUnmarked' });
    assert.equal(hex(le.fromConnectData(TOPIC, null, 'A')), '4100');
    assert.equal(le.toConnectData(TOPIC, bytes('410042')).value, 'A\uFFFD');
  });

  test('converter.encoding: ISO-8859-1 and US-ASCII replace what they cannot hold with ?', () => {
    const latin1 = converter({ 'converter.encoding': 'ISO-8859-1' });
    assert.equal(hex(latin1.fromConnectData(TOPIC, null, 'éĀ😀')), 'e93f3f');
    assert.equal(latin1.toConnectData(TOPIC, bytes('e980')).value, 'é\u0080');
    // "latin1" is ISO-8859-1 in Java (the WHATWG standard would read it as windows-1252).
    assert.equal(hex(converter({ 'converter.encoding': 'latin1' }).fromConnectData(TOPIC, null, '€')), '3f');
    const ascii = converter({ 'converter.encoding': 'US-ASCII' });
    assert.equal(hex(ascii.fromConnectData(TOPIC, null, 'aé')), '613f');
    assert.equal(ascii.toConnectData(TOPIC, bytes('61e9')).value, 'a\uFFFD');
  });

  test('converter.encoding: single-byte legacy charsets', () => {
    const cp1252 = converter({ 'converter.encoding': 'windows-1252' });
    assert.equal(hex(cp1252.fromConnectData(TOPIC, null, '€é')), '80e9');
    assert.equal(cp1252.toConnectData(TOPIC, bytes('80e9')).value, '€é');
    assert.equal(hex(converter({ 'converter.encoding': 'Cp1252' }).fromConnectData(TOPIC, null, '€')), '80');
    assert.equal(
      hex(converter({ 'converter.encoding': 'ISO-8859-15' }).fromConnectData(TOPIC, null, '€')),
      'a4',
    );
    assert.equal(converter({ 'converter.encoding': 'KOI8-R' }).toConnectData(TOPIC, bytes('c1')).value, 'а');
    const turkish = converter({ 'converter.encoding': 'ISO-8859-9' });
    assert.equal(hex(turkish.fromConnectData(TOPIC, null, 'ş€')), 'fe3f');
    assert.equal(turkish.toConnectData(TOPIC, bytes('80fe')).value, '\u0080ş');
    assert.equal(
      hex(converter({ 'converter.encoding': 'windows-1254' }).fromConnectData(TOPIC, null, '€')),
      '80',
    );
  });

  test('an unsupported encoding is a ConfigError naming the key', () => {
    for (const encoding of ['no-such-charset', 'Shift_JIS', 'UTF-32']) {
      assert.throws(
        () => converter({ 'converter.encoding': encoding }),
        (e: unknown) =>
          e instanceof ConfigError && e.key === 'converter.encoding' && e.message.includes(encoding),
        encoding,
      );
    }
    assert.throws(() => converter({ 'converter.encoding': 5 }), ConfigError);
  });

  test('key/value.serializer.encoding override converter.encoding for their side', () => {
    const configs = { 'converter.encoding': 'UTF-8', 'value.serializer.encoding': 'UTF-16LE' };
    const value = converter(configs, false);
    assert.equal(hex(value.fromConnectData(TOPIC, null, 'A')), '4100');
    assert.equal(value.toConnectData(TOPIC, bytes('41')).value, 'A');
    const key = converter(configs, true);
    assert.equal(hex(key.fromConnectData(TOPIC, null, 'A')), '41');
    assert.throws(
      () => converter({ 'key.deserializer.encoding': 'nope' }, true),
      (e: unknown) => e instanceof ConfigError && e.key === 'key.deserializer.encoding',
    );
  });

  test('as a header converter', () => {
    const c = new StringConverter();
    c.configure({ 'converter.type': 'header', 'converter.encoding': 'ISO-8859-1' });
    assert.equal(hex(c.fromConnectHeader(TOPIC, 'h', Schema.STRING_SCHEMA, 'é')), 'e9');
    assert.equal(c.toConnectHeader(TOPIC, 'h', bytes('e9')).value, 'é');
    assert.throws(() => c.configure({ 'converter.type': 'nope' }), ConfigError);
  });

  test('configuration definition and plugin names', () => {
    const def = converter().config();
    assert.deepStrictEqual([...def.names()], ['converter.type', 'converter.encoding']);
    assert.equal(def.configKeys().get('converter.encoding')?.defaultValue, 'UTF-8');
    assert.equal(def.configKeys().get('converter.encoding')?.importance, 'HIGH');
    assert.equal(StringConverter.javaClass, 'org.apache.kafka.connect.storage.StringConverter');
    assert.deepStrictEqual(StringConverter.aliases, ['String']);
  });
});
