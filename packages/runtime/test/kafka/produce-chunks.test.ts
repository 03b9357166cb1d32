import assert from 'node:assert/strict';
import { test } from 'node:test';
import { librarySendEnd, toMessage } from '../../src/log/kafka/produce.ts';
import type { ProduceRecord } from '../../src/log/log-client.ts';

const rec = (value: number, timestamp?: number, topic = 't'): ProduceRecord => ({
  topic,
  key: null,
  value: Buffer.alloc(value),
  headers: [],
  ...(timestamp === undefined ? {} : { timestamp }),
});

test('a send of the library Producer holds at most maxBytes of records, at least one', () => {
  const records = [rec(100), rec(100), rec(100), rec(5_000)];
  const partitions = [0, 0, 0, 0];
  // 32 bytes of overhead per record: two records of 100 fit in 300, a third does not.
  assert.equal(librarySendEnd(records, partitions, 0, 0, 300), 2);
  assert.equal(librarySendEnd(records, partitions, 2, 0, 300), 3);
  // A record larger than the limit still goes, alone.
  assert.equal(librarySendEnd(records, partitions, 3, 0, 300), 4);
  assert.equal(librarySendEnd(records, partitions, 0, 0, 1_000_000), 4);
});

test('a send ends before a timestamp 2^31 ms or more from its partition’s first one', () => {
  const far = 2 ** 31;
  const records = [rec(1, 0), rec(1, far - 1, 'u'), rec(1, far - 1), rec(1, far), rec(1)];
  const partitions = Int32Array.from([0, 0, 0, 0, 0]);
  // Topic u's record is another partition: its own first timestamp.
  assert.equal(librarySendEnd(records, partitions, 0, 0, 1_000_000), 3);
  // An unset timestamp is now.
  assert.equal(librarySendEnd(records, partitions, 3, 0, 1_000_000), 4);
  assert.equal(librarySendEnd(records, partitions, 3, far, 1_000_000), 5);
  // Another partition of the same topic is not held back.
  assert.equal(librarySendEnd(records.slice(0, 4), [0, 0, 0, 1], 0, 0, 1_000_000), 4);
});

test('toMessage keeps repeated header keys and null values', () => {
  const record: ProduceRecord = {
    topic: 't',
    key: null,
    value: Buffer.from('v'),
    headers: [
      ['h', Buffer.from('1')],
      ['h', null],
    ],
  };
  const m = toMessage(record, 3, 42);
  assert.equal(m.partition, 3);
  assert.equal(m.timestamp, 42n);
  assert.equal(m.key, null);
  assert.deepEqual(
    [...(m.headers as Map<Buffer, Buffer | null>).entries()].map(([k, v]) => [
      k.toString(),
      v === null ? null : v.toString(),
    ]),
    [
      ['h', '1'],
      ['h', null],
    ],
  );
});
