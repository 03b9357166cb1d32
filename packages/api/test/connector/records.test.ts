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
