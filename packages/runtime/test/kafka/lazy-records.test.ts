/**
 * LazyLogRecords (a fetch with `lazy`: records decoded one at a time when taken) against
 * appendLogRecords (all at once), on batches made by Sluice's own encoder: the same records in the
 * same order, from an offset inside a batch, across batches with a gap, compressed and
 * LogAppendTime batches; `remaining` and `peekOffset` as records are taken; and the bytes let go
 * once everything is taken. ArrayFetchedRecords (the eager form behind the same interface) too.
 * The real-broker round trip is in lazy-fetch.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { ArrayFetchedRecords } from '../../src/log/fetched-records.ts';
import {
  appendLogRecords,
  decodeBatches,
  type FetchedBatch,
  LazyLogRecords,
} from '../../src/log/kafka/fetch-response.ts';
import { encodeRecordBatch } from '../../src/log/kafka/produce-request.ts';
import type { FetchedRecords, LogRecord, ProduceRecord } from '../../src/log/log-client.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function produceRecords(n: number, tag: string): ProduceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: 't',
    key: i % 3 === 0 ? null : Buffer.from(`${tag}-k${i}`),
    value: i % 5 === 4 ? null : Buffer.from(`${tag}-value-${i}-${'x'.repeat(i % 40)}`),
    headers:
      i % 4 === 1 ? [['h', Buffer.from(`${i}`)] as [string, Buffer], ['n', null] as [string, null]] : [],
  }));
}

/** One batch at `base` (leader epoch 3) of `records`, timestamps 1000 + i. */
function batchAt(base: number, records: ProduceRecord[]): Buffer {
  const timestamps = new Float64Array(records.map((_, i) => 1_700_000_000_000 + i * 1000));
  const batch = encodeRecordBatch(
    records,
    records.map((_, i) => i),
    timestamps,
  );
  batch.writeBigInt64BE(BigInt(base), 0);
  batch.writeInt32BE(3, 12);
  return batch;
}

function eager(batches: FetchedBatch[], from: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (const b of batches) appendLogRecords(b, 'orders', 2, from, out);
  return out;
}

function takeAll(records: FetchedRecords): LogRecord[] {
  const out: LogRecord[] = [];
  for (;;) {
    const before = records.remaining;
    const peek = records.peekOffset();
    const r = records.next();
    if (r === undefined) {
      assert.equal(before, 0);
      assert.equal(peek, undefined);
      return out;
    }
    assert.equal(peek, r.offset, 'peekOffset is the offset next() returns');
    assert.equal(records.remaining, before - 1);
    out.push(r);
  }
}

// Three batches: offsets 0-9, 10-29, then (after a gap, as compaction leaves) 40-54.
const bytes = Buffer.concat([
  batchAt(0, produceRecords(10, 'a')),
  batchAt(10, produceRecords(20, 'b')),
  batchAt(40, produceRecords(15, 'c')),
]);
const batches = decodeBatches(bytes, 0, bytes.length);

test('the same records as appendLogRecords, from the first offset, inside a batch, in a gap, past the end', () => {
  for (const from of [0, 1, 9, 10, 17, 29, 30, 35, 40, 54, 55, 1000]) {
    const expected = eager(batches, from);
    const lazy = new LazyLogRecords(batches, 'orders', 2, from);
    assert.equal(lazy.remaining, expected.length, `remaining at the start, from ${from}`);
    assert.equal(lazy.peekOffset(), expected[0]?.offset, `first offset, from ${from}`);
    assert.deepEqual(takeAll(lazy), expected, `records from ${from}`);
    assert.equal(lazy.next(), undefined, 'stays empty');
  }
  assert.deepEqual(
    eager(batches, 0).map((r) => r.offset),
    [...Array.from({ length: 30 }, (_, i) => i), ...Array.from({ length: 15 }, (_, i) => 40 + i)],
  );
  assert.deepEqual(eager(batches, 0)[11]!.headers, [
    ['h', Buffer.from('1')],
    ['n', null],
  ]);
});

test('no batches: nothing to take', () => {
  const lazy = new LazyLogRecords([], 'orders', 2, 0);
  assert.equal(lazy.remaining, 0);
  assert.equal(lazy.peekOffset(), undefined);
  assert.equal(lazy.next(), undefined);
});

test('compressed and LogAppendTime batches', () => {
  const plain = batchAt(100, produceRecords(12, 'z'));
  const compressed = Buffer.concat([plain.subarray(0, 61), gzipSync(plain.subarray(61))]);
  compressed.writeInt32BE(compressed.length - 12, 8);
  compressed.writeInt16BE(1 | 0x08, 21); // gzip, LogAppendTime
  compressed.writeUInt32BE(crc32c(compressed.subarray(21)) >>> 0, 17);
  const decoded = decodeBatches(compressed, 0, compressed.length);
  const expected = eager(decoded, 105);
  assert.equal(expected.length, 7);
  assert.ok(expected.every((r) => r.timestampType === 'LogAppendTime'));
  assert.deepEqual(takeAll(new LazyLogRecords(decoded, 'orders', 2, 105)), expected);
});

test('records taken in several rounds (max.poll.records at a time) are all the records, once each', () => {
  const lazy = new LazyLogRecords(batches, 'orders', 2, 3);
  const rounds: number[][] = [];
  while (lazy.remaining > 0) {
    const round: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = lazy.next();
      if (r === undefined) break;
      round.push(r.offset);
    }
    rounds.push(round);
  }
  assert.deepEqual(
    rounds.flat(),
    eager(batches, 3).map((r) => r.offset),
  );
  assert.equal(rounds.length, Math.ceil(eager(batches, 3).length / 7));
});

test('once every record is taken, the reader no longer holds the fetched bytes', async () => {
  // A fresh ArrayBuffer (Buffer.alloc never uses the shared pool), watched through a WeakRef.
  const watch = (): { ref: WeakRef<ArrayBuffer>; lazy: LazyLogRecords } => {
    const fresh = Buffer.alloc(bytes.length);
    bytes.copy(fresh);
    return {
      ref: new WeakRef(fresh.buffer),
      lazy: new LazyLogRecords(decodeBatches(fresh, 0, fresh.length), 'orders', 2, 0),
    };
  };
  const collected = async (ref: WeakRef<ArrayBuffer>): Promise<boolean> => {
    await new Promise((resolve) => setImmediate(resolve)); // WeakRef targets are kept for the job
    gc();
    return ref.deref() === undefined;
  };
  const partly = watch();
  partly.lazy.next();
  assert.equal(await collected(partly.ref), false, 'records not taken yet keep the bytes');
  const whole = watch();
  while (whole.lazy.next() !== undefined);
  assert.equal(await collected(whole.ref), true, 'all taken: the bytes go, the reader object staying');
  assert.equal(whole.lazy.remaining, 0);
  assert.equal(partly.lazy.remaining, eager(batches, 0).length - 1);
});

test('ArrayFetchedRecords hands out an array the same way', () => {
  const expected = eager(batches, 0);
  const records = new ArrayFetchedRecords([...expected]);
  assert.equal(records.remaining, expected.length);
  assert.deepEqual(takeAll(records), expected);
  const empty = new ArrayFetchedRecords([]);
  assert.equal(empty.remaining, 0);
  assert.equal(empty.peekOffset(), undefined);
  assert.equal(empty.next(), undefined);
});
