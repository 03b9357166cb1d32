import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConnectHeaders,
  errorTrace,
  RetriableError,
  Schema as Schemas,
  SinkRecord,
  SourceRecord,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';

describe('records', () => {
  test('SourceRecord defaults and newRecord keeps source partition/offset', () => {
    const r = new SourceRecord({
      sourcePartition: { filename: '/tmp/in' },
      sourceOffset: { position: 10 },
      topic: 'lines',
      valueSchema: Schemas.STRING_SCHEMA,
      value: 'hello',
    });
    assert.equal(r.kafkaPartition, null);
    assert.equal(r.key, null);
    assert.equal(r.timestamp, null);
    assert.equal(r.headers.size, 0);
    const renamed = r.newRecord({ topic: 'lines-v2', key: null, keySchema: Schemas.OPTIONAL_STRING_SCHEMA });
    assert.equal(renamed.topic, 'lines-v2');
    assert.equal(renamed.value, 'hello');
    assert.equal(renamed.keySchema, Schemas.OPTIONAL_STRING_SCHEMA);
    assert.deepEqual(renamed.sourceOffset, { position: 10 });
    assert.deepEqual(renamed.sourcePartition, { filename: '/tmp/in' });
  });

  test('newRecord copies headers so the copy can change them', () => {
    const r = new SourceRecord({
      sourcePartition: null,
      sourceOffset: null,
      topic: 't',
      headers: new ConnectHeaders().addString('a', '1'),
    });
    const copy = r.newRecord({});
    copy.headers.addString('b', '2');
    assert.equal(r.headers.size, 1);
    assert.equal(copy.headers.size, 2);
  });

  test('headers are copied on write: a change to either copy, in any direction, leaves the other as it was', () => {
    const empty1 = new ConnectHeaders();
    const empty2 = new ConnectHeaders();
    empty1.addString('x', '1');
    assert.equal(empty2.size, 0, 'empty headers share nothing another instance can change');
    empty1.clear();
    empty1.addString('y', '2');
    assert.equal(empty2.size, 0);

    const original = new ConnectHeaders().addString('a', '1').addString('b', '2');
    const copy = original.duplicate();
    const copyOfCopy = copy.duplicate();
    original.addString('c', '3');
    assert.deepEqual(
      [...copy].map((h) => h.key),
      ['a', 'b'],
    );
    copy.remove('a');
    assert.deepEqual(
      [...original].map((h) => h.key),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(
      [...copyOfCopy].map((h) => h.key),
      ['a', 'b'],
    );
    copyOfCopy.addHeader({ key: 'd', schema: null, value: 4 });
    copyOfCopy.retainLatest();
    assert.deepEqual(
      [...copy].map((h) => h.key),
      ['b'],
    );
    assert.deepEqual(
      [...copyOfCopy].map((h) => h.key),
      ['a', 'b', 'd'],
    );
    // The original was shared with its copy: changing it after the copy changed leaves the copy.
    original.retainLatest('a');
    original.addString('e', '5');
    assert.deepEqual(
      [...copy].map((h) => h.key),
      ['b'],
    );
  });

  test('newRecord of a record without headers: each copy has headers of its own', () => {
    const r = new SourceRecord({ sourcePartition: null, sourceOffset: null, topic: 't', value: 1 });
    const a = r.newRecord({ value: 2 });
    const b = r.newRecord({ value: 3 });
    a.headers.addString('only-a', 'x');
    assert.equal(r.headers.size, 0);
    assert.equal(b.headers.size, 0);
    assert.equal(a.headers.size, 1);
    const given = new ConnectHeaders().addInt('n', 1);
    assert.equal(
      r.newRecord({ headers: given }).headers,
      given,
      'headers passed to newRecord are taken as they are',
    );
  });

  test('newRecord: a field present as null or undefined replaces the value; an absent one keeps it', () => {
    const r = new SourceRecord({
      sourcePartition: { p: 1 },
      sourceOffset: { o: 2 },
      topic: 't',
      kafkaPartition: 4,
      keySchema: Schemas.STRING_SCHEMA,
      key: 'k',
      value: 'v',
      timestamp: 9,
    });
    const cleared = r.newRecord({ key: null, keySchema: null, kafkaPartition: undefined, timestamp: null });
    assert.equal(cleared.key, null);
    assert.equal(cleared.keySchema, null);
    assert.equal(cleared.kafkaPartition, null);
    assert.equal(cleared.timestamp, null);
    assert.equal(cleared.value, 'v');
    assert.equal(cleared.topic, 't');
    assert.deepEqual([cleared.sourcePartition, cleared.sourceOffset], [{ p: 1 }, { o: 2 }]);
    assert.throws(() => r.newRecord({ topic: undefined }), /needs a topic/);
  });

  test('SinkRecord.newRecord with the partition cleared falls back to the partition it was read from', () => {
    const r = new SinkRecord({ topic: 'orders', kafkaPartition: 3, kafkaOffset: 42, value: 'x' });
    const moved = r.newRecord({ kafkaPartition: 1 }).newRecord({ kafkaPartition: null });
    assert.equal(moved.kafkaPartition, 3);
    assert.equal(moved.kafkaOffset, 42);
    assert.equal(moved.timestampType, 'NoTimestampType');
  });

  test('SinkRecord keeps where it was read across renames', () => {
    const r = new SinkRecord({
      topic: 'orders',
      kafkaPartition: 3,
      kafkaOffset: 42,
      value: 'x',
      timestampType: 'CreateTime',
      timestamp: 5,
    });
    const moved = r.newRecord({ topic: 'orders-v2', kafkaPartition: 0 });
    assert.equal(moved.topic, 'orders-v2');
    assert.equal(moved.kafkaPartition, 0);
    assert.equal(moved.originalTopic, 'orders');
    assert.equal(moved.originalKafkaPartition, 3);
    assert.equal(moved.originalKafkaOffset, 42);
    assert.equal(moved.kafkaOffset, 42);
    assert.equal(moved.timestampType, 'CreateTime');
  });
});

describe('TopicPartitionMap', () => {
  test('keys by value, not identity', () => {
    const m = new TopicPartitionMap<number>();
    m.set(new TopicPartition('a-1', 2), 10);
    assert.equal(m.get(new TopicPartition('a-1', 2)), 10);
    assert.equal(m.has(new TopicPartition('a', 12)), false);
    m.set(new TopicPartition('a-1', 2), 11);
    assert.equal(m.size, 1);
    assert.deepEqual(
      [...m].map(([tp, v]) => [tp.toString(), v]),
      [['a-1-2', 11]],
    );
  });
});

describe('errors', () => {
  test('errorTrace names the Java class and the causes', () => {
    const err = new RetriableError('write failed', { cause: new Error('socket closed') });
    const trace = errorTrace(err);
    assert.match(trace, /^org\.apache\.kafka\.connect\.errors\.RetriableException: write failed\n\tat /);
    assert.match(trace, /\nCaused by: Error: socket closed/);
    assert.equal(err.code, 'RETRIABLE');
  });
});
