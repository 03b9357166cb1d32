import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError, type SourceMap } from '@sluice/api';
import {
  type OffsetRecordOptions,
  offsetKey,
  offsetRecord,
  offsetValue,
  parseOffsetRecord,
} from '../../src/distributed/offset-records.ts';
import { bytesOf, golden, utf8 } from './golden.ts';

interface GoldenOffset {
  case: string;
  key: string;
  value: string | null;
}

const cases = new Map(golden<GoldenOffset>('offset-records.golden.json').map((g) => [g.case, g]));

const typed: SourceMap = {
  s: 'ü"\n€',
  i: 42,
  l: 9007199254740993n,
  d: 1.5,
  neg: -0.001,
  b: true,
  n: null,
  bytes: new Uint8Array([1, 2, 3, 255]),
};

/** The same inputs GenerateGolden.java used, as JavaScript values, with insertion order matching its puts. */
const inputs: Record<
  string,
  { connector: string; partition: SourceMap; offset: SourceMap | null; options?: OffsetRecordOptions }
> = {
  file: { connector: 'file-src', partition: { filename: '/data/in.txt' }, offset: { position: 1024 } },
  'multi-key-hashmap': {
    connector: 'pg-src',
    partition: { table: 'public.orders', server: 'pg1', database: 'inventory', schema: 'public' },
    offset: { lsn: 123456789012345678n, txId: 42, ts_usec: 1700000000000000 },
  },
  'thirteen-keys': {
    connector: 'wide',
    partition: Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`key${i}`, i])),
    offset: { n: 1 },
  },
  'colliding-keys': { connector: 'coll', partition: { BB: 1, Aa: 2, z: 3 }, offset: { n: 1 } },
  types: { connector: 'typed', partition: typed, offset: typed },
  tombstone: { connector: 'file-src', partition: { filename: '/data/in.txt' }, offset: null },
  'insertion-order': {
    connector: 'linked',
    partition: { zeta: 'z', alpha: 'a' },
    offset: { pos: 7 },
    options: { keyOrder: 'insertion' },
  },
};

describe('offsets topic records', () => {
  for (const [name, input] of Object.entries(inputs)) {
    test(`${name}: key and value bytes are Kafka Connect's`, () => {
      const g = cases.get(name);
      assert.ok(g, `golden case ${name}`);
      const record = offsetRecord(input.connector, input.partition, input.offset, input.options);
      assert.equal(utf8(record.key), g.key);
      assert.equal(utf8(record.value), g.value);
    });
  }

  test('every golden record reads back to its connector, partition and offset', () => {
    for (const [name, input] of Object.entries(inputs)) {
      const g = cases.get(name)!;
      const entry = parseOffsetRecord(bytesOf(g.key), bytesOf(g.value));
      assert.ok(entry, name);
      assert.equal(entry.connector, input.connector);
      const normalise = (m: SourceMap | null) =>
        m === null
          ? null
          : Object.fromEntries(
              Object.entries(m).map(([k, v]) => [
                k,
                v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
              ]),
            );
      // Bytes come back as their base64 text (schemaless JSON cannot tell them from strings).
      assert.deepEqual(entry.partition, normalise(input.partition), name);
      assert.deepEqual(entry.offset, normalise(input.offset), name);
      assert.equal(utf8(entry.key), g.key);
    }
  });

  test('a tombstone for a partition read from the topic reuses the key bytes Java wrote', () => {
    // Java wrote the double 1.0 as "1.0"; JSON re-encoding of the number 1 would give "1".
    const g = cases.get('integral-double')!;
    const entry = parseOffsetRecord(bytesOf(g.key), bytesOf(g.value))!;
    assert.deepEqual(entry.partition, { d: 1 });
    assert.equal(utf8(entry.key), '["dbl",{"d":1.0}]');
    assert.notEqual(utf8(offsetKey(entry.connector, entry.partition)), g.key, 'why the raw key is kept');
  });

  test('the default key order depends on insertion order only between keys sharing a bucket', () => {
    // b, c and d each have a bucket of their own: any insertion order gives one key.
    assert.equal(utf8(offsetKey('c', { d: 4, b: 2, c: 3 })), '["c",{"b":2,"c":3,"d":4}]');
    assert.equal(utf8(offsetKey('c', { c: 3, d: 4, b: 2 })), '["c",{"b":2,"c":3,"d":4}]');
    // "a" and "server" share bucket 1 of 16, so like Java the first inserted comes first.
    assert.equal(utf8(offsetKey('c', { a: 1, server: 's' })), '["c",{"a":1,"server":"s"}]');
    assert.equal(utf8(offsetKey('c', { server: 's', a: 1 })), '["c",{"server":"s","a":1}]');
  });

  test('keys that are not [string, map] are ignored, as Kafka does', () => {
    for (const key of ['"x"', '["c"]', '["c",{},1]', '[1,{}]', '["c",[1]]', '["c",null]', 'not json'])
      assert.equal(parseOffsetRecord(bytesOf(key), bytesOf('{}')), null, key);
    assert.equal(parseOffsetRecord(null, bytesOf('{}')), null);
    assert.equal(parseOffsetRecord(bytesOf('["c",{}]'), bytesOf('[1]')), null, 'offset must be a map');
  });

  test('partitions and offsets must hold primitives only', () => {
    assert.throws(
      () => offsetKey('c', { nested: { a: 1 } }),
      (e) =>
        e instanceof DataError &&
        /field nested of the source partition contains java.util.HashMap/.test(e.message),
    );
    assert.throws(() => offsetValue({ list: [1] }), /field list of the source offset/);
    assert.throws(() => offsetValue({ x: Number.NaN }), /NaN/);
    assert.equal(offsetValue(null), null);
  });
});
