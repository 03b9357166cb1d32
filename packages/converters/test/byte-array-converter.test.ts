import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BigDecimal, DataError, Decimal, Schema } from '@sluice/api';
import { ByteArrayConverter } from '../src/byte-array-converter.ts';

const TOPIC = 'topic';

describe('ByteArrayConverter', () => {
  const c = new ByteArrayConverter();
  c.configure({}, false);

  test('passes bytes through both ways', () => {
    const data = new Uint8Array([0, 1, 0xfe, 0xff]);
    assert.equal(c.fromConnectData(TOPIC, Schema.BYTES_SCHEMA, data), data);
    assert.equal(c.fromConnectData(TOPIC, null, data), data);
    const back = c.toConnectData(TOPIC, data);
    assert.equal(back.schema, Schema.OPTIONAL_BYTES_SCHEMA);
    assert.equal(back.value, data);
    const buf = Buffer.from('abc');
    assert.equal(c.fromConnectData(TOPIC, Schema.OPTIONAL_BYTES_SCHEMA, buf), buf);
  });

  test('null ⇔ null', () => {
    assert.equal(c.fromConnectData(TOPIC, Schema.OPTIONAL_BYTES_SCHEMA, null), null);
    assert.equal(c.fromConnectData(TOPIC, null, null), null);
    const back = c.toConnectData(TOPIC, null);
    assert.equal(back.schema, Schema.OPTIONAL_BYTES_SCHEMA);
    assert.equal(back.value, null);
  });

  test('other schemas and values are DataErrors', () => {
    assert.throws(
      () => c.fromConnectData(TOPIC, Schema.STRING_SCHEMA, new Uint8Array(1)),
      /Invalid schema type for ByteArrayConverter: STRING/,
    );
    assert.throws(() => c.fromConnectData(TOPIC, Schema.STRING_SCHEMA, null), DataError);
    assert.throws(
      () => c.fromConnectData(TOPIC, null, 'abc'),
      /ByteArrayConverter is not compatible with objects of type string/,
    );
    assert.throws(() => c.fromConnectData(TOPIC, null, [1, 2]), /objects of type array/);
    assert.throws(
      () => c.fromConnectData(TOPIC, Decimal.schema(2), new BigDecimal(1n, 2)),
      /objects of type BigDecimal/,
    );
  });

  test('as a header converter', () => {
    const h = new ByteArrayConverter();
    h.configure({ 'converter.type': 'header' });
    const data = new Uint8Array([9]);
    assert.equal(h.fromConnectHeader(TOPIC, 'k', null, data), data);
    assert.equal(h.toConnectHeader(TOPIC, 'k', data).value, data);
    assert.throws(() => h.fromConnectHeader(TOPIC, 'k', Schema.INT8_SCHEMA, data), DataError);
  });

  test('plugin names', () => {
    assert.equal(ByteArrayConverter.javaClass, 'org.apache.kafka.connect.converters.ByteArrayConverter');
    assert.deepStrictEqual(ByteArrayConverter.aliases, ['ByteArray']);
    assert.deepStrictEqual([...c.config().names()], ['converter.type']);
  });
});
