import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { javaHashMapEntries, javaHashMapOrder, javaHashSetOrder, javaStringHash } from '@sluice/api';

describe('javaStringHash', () => {
  test('String.hashCode as Java computes it', () => {
    assert.equal(javaStringHash(''), 0);
    assert.equal(javaStringHash('a'), 97);
    assert.equal(javaStringHash('Aa'), javaStringHash('BB'));
    // Values printed by Java's own String.hashCode().
    assert.equal(javaStringHash('hello world, this overflows'), 161437415);
    assert.equal(javaStringHash('server'), -905826493);
    assert.equal(javaStringHash('😀'), 1772899); // over UTF-16 code units
  });
});

describe('javaHashMapOrder', () => {
  test('bucket order, insertion order inside a bucket, and growth past 12 keys', () => {
    assert.deepEqual(javaHashMapOrder(['BB', 'Aa', 'z']), ['BB', 'Aa', 'z']);
    assert.deepEqual(javaHashMapOrder(['Aa', 'BB', 'z']), ['Aa', 'BB', 'z']);
    assert.deepEqual(javaHashMapOrder(['table', 'server', 'database', 'schema']), [
      'schema',
      'server',
      'database',
      'table',
    ]);
    const thirteen = Array.from({ length: 13 }, (_, i) => `key${i}`);
    assert.deepEqual(javaHashMapOrder(thirteen), [
      'key1',
      'key2',
      'key0',
      'key5',
      'key6',
      'key3',
      'key4',
      'key9',
      'key7',
      'key8',
      'key11',
      'key10',
      'key12',
    ]);
    assert.deepEqual(javaHashMapOrder([]), []);
  });

  test('as java.util.HashMap iterates keys put one by one (printed by Java 17 for these lists)', () => {
    const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
    // 13 keys: the table has grown to 32 buckets.
    assert.deepEqual(javaHashMapOrder(keys), 'k0,k1,k2,k3,k4,k5,k11,k6,k10,k7,k8,k12,k9'.split(','));
    const config =
      'transforms.ins.type,connector.class,name,tasks.max,topic,file,key.converter,value.converter,errors.tolerance,batch.size,predicates,transforms,header.converter,config.action.reload';
    assert.deepEqual(
      javaHashMapOrder(config.split(',')),
      'connector.class,tasks.max,batch.size,transforms,header.converter,predicates,file,name,topic,errors.tolerance,value.converter,config.action.reload,key.converter,transforms.ins.type'.split(
        ',',
      ),
    );
  });

  test('a crowded bucket grows a small table, as treeifyBin does (printed by Java 17)', () => {
    // Keys made of "Aa"/"BB" blocks all share one String.hashCode. A 9th key in one bucket makes
    // Java double a table under 64 buckets, though the map holds fewer than 12 keys.
    const input =
      'name,topic,AaAaAaAa,AaAaAaBB,AaAaBBAa,AaAaBBBB,AaBBAaAa,AaBBAaBB,AaBBBBAa,AaBBBBBB,BBAaAaAa';
    assert.deepEqual(
      javaHashMapOrder(input.split(',').slice(0, 9)),
      'name,topic,AaAaAaAa,AaAaAaBB,AaAaBBAa,AaAaBBBB,AaBBAaAa,AaBBAaBB,AaBBBBAa'.split(','),
    );
    assert.deepEqual(
      javaHashMapOrder(input.split(',').slice(0, 10)),
      'AaAaAaAa,AaAaAaBB,AaAaBBAa,AaAaBBBB,AaBBAaAa,AaBBAaBB,AaBBBBAa,AaBBBBBB,name,topic'.split(','),
    );
    assert.deepEqual(
      javaHashMapOrder(input.split(',')),
      'AaAaAaAa,AaAaAaBB,AaAaBBAa,AaAaBBBB,AaBBAaAa,AaBBAaBB,AaBBBBAa,AaBBBBBB,BBAaAaAa,name,topic'.split(
        ',',
      ),
    );
  });

  test('a key put again keeps its first place; the set and entry forms agree', () => {
    assert.deepEqual(javaHashMapOrder(['z', 'Aa', 'BB', 'Aa']), ['Aa', 'BB', 'z']);
    assert.deepEqual(javaHashSetOrder(['b', 'a', 'b']), javaHashMapOrder(['b', 'a']));
    assert.deepEqual(
      javaHashMapEntries([
        ['BB', 1],
        ['Aa', 2],
        ['BB', 3],
      ]),
      [
        ['BB', 3],
        ['Aa', 2],
      ],
    );
  });
});
