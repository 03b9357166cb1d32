/** The embedded log's batch format and its murmur2, without files. */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { JAVA_MURMUR2 } from '@sluice/testing';
import {
  BATCH_HEADER_BYTES,
  batchCrcMatches,
  decodeBatch,
  encodeBatch,
  findTimestamp,
  parseBatchHeader,
  readInt64,
  recordBodySize,
  stampBatch,
  varintSize,
  writeInt64,
} from '../../src/log/embedded/record-batch.ts';
import type { LogHeader, LogRecord, ProduceRecord } from '../../src/log/log-client.ts';
import { murmur2, partitionForKey } from '../../src/log/murmur2.ts';

function encode(records: ProduceRecord[], timestamps: number[], logAppendTime = false): Buffer {
  const order = records.map((_, i) => i);
  const batch = encodeBatch(
    records,
    order,
    0,
    records.length,
    records.map(recordBodySize),
    timestamps,
    logAppendTime,
  );
  stampBatch(batch, 1000);
  return batch;
}

describe('murmur2', () => {
  test("matches Kafka's Java test vectors", () => {
    for (const [key, hash] of JAVA_MURMUR2) assert.equal(murmur2(Buffer.from(key)), hash, key);
    assert.equal(partitionForKey(Buffer.from('21'), 7), (-973932308 & 0x7fffffff) % 7);
    assert.ok(Number.isInteger(murmur2(Buffer.alloc(0))));
  });
});

describe('record batch format', () => {
  test('64-bit integers round-trip across the safe range', () => {
    const buf = Buffer.alloc(8);
    for (const n of [
      0,
      1,
      -1,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      1_700_000_000_000,
    ]) {
      writeInt64(buf, 0, n);
      assert.equal(readInt64(buf, 0), n);
      if (n >= 0) assert.equal(buf.readBigInt64LE(0), BigInt(n));
    }
    assert.equal(varintSize(127), 1);
    assert.equal(varintSize(128), 2);
    assert.equal(varintSize(2 ** 53 - 1), 8);
  });

  test('records round-trip: nulls, empties, big fields, many and repeated headers, unicode keys', () => {
    const manyHeaders: LogHeader[] = Array.from({ length: 300 }, (_, i) => [
      `h${i % 7}`,
      i % 3 === 0 ? null : Buffer.from([i & 0xff]),
    ]);
    const records: ProduceRecord[] = [
      { topic: 't', key: null, value: null, headers: [] },
      { topic: 't', key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [['', Buffer.alloc(0)]] },
      { topic: 't', key: randomBytes(200), value: randomBytes(70_000), headers: manyHeaders },
      {
        topic: 't',
        key: Buffer.from('k'),
        value: Buffer.from('v'),
        headers: [
          ['κλειδί-🔑', Buffer.from('☃')],
          ['dup', null],
          ['dup', null],
        ],
      },
    ];
    const timestamps = [5, 2 ** 52, 0, 1_700_000_000_000];
    const batch = encode(records, timestamps);
    const header = parseBatchHeader(batch, 0);
    assert.equal(header.totalBytes, batch.length);
    assert.equal(header.count, 4);
    assert.equal(header.baseOffset, 1000);
    assert.equal(header.minTimestamp, 0);
    assert.equal(header.maxTimestamp, 2 ** 52);
    assert.ok(batchCrcMatches(batch, 0, header));

    const out: LogRecord[] = [];
    const result = decodeBatch(batch, 0, header, 't', 3, 0, Number.MAX_SAFE_INTEGER, false, out);
    assert.deepEqual(result, { nextOffset: 1004, bytes: batch.length - BATCH_HEADER_BYTES, full: false });
    assert.deepEqual(
      out.map((r) => [r.offset, r.timestamp, r.key, r.value, r.headers, r.timestampType, r.partition]),
      records.map((r, i) => [1000 + i, timestamps[i], r.key, r.value, r.headers, 'CreateTime', 3]),
    );
  });

  test('decoding starts inside a batch, stops at the budget, and forces one record', () => {
    const records: ProduceRecord[] = Array.from({ length: 10 }, (_, i) => ({
      topic: 't',
      key: Buffer.from(`key-${i}`),
      value: Buffer.alloc(100, i),
      headers: [['i', Buffer.from(String(i))]],
    }));
    const batch = encode(
      records,
      records.map((_, i) => 100 + i),
    );
    const header = parseBatchHeader(batch, 0);

    const fromMiddle: LogRecord[] = [];
    decodeBatch(batch, 0, header, 't', 0, 1004, 1e9, false, fromMiddle);
    assert.deepEqual(
      fromMiddle.map((r) => r.offset),
      [1004, 1005, 1006, 1007, 1008, 1009],
    );
    assert.deepEqual(fromMiddle[0]!.headers, [['i', Buffer.from('4')]]);

    const cut: LogRecord[] = [];
    const result = decodeBatch(batch, 0, header, 't', 0, 1002, 250, false, cut);
    assert.deepEqual(
      cut.map((r) => r.offset),
      [1002, 1003],
    );
    assert.equal(result.full, true);
    assert.equal(result.nextOffset, 1004);

    const none: LogRecord[] = [];
    assert.equal(decodeBatch(batch, 0, header, 't', 0, 1002, 10, false, none).nextOffset, 1002);
    assert.equal(none.length, 0);
    const forced: LogRecord[] = [];
    assert.equal(decodeBatch(batch, 0, header, 't', 0, 1002, 10, true, forced).nextOffset, 1003);
    assert.equal(forced.length, 1);

    assert.deepEqual(findTimestamp(batch, 0, header, 105), { offset: 1005, timestamp: 105 });
    assert.deepEqual(findTimestamp(batch, 0, header, 0), { offset: 1000, timestamp: 100 });
    assert.equal(findTimestamp(batch, 0, header, 110), null);
  });

  test('log-append-time batches say so, and a changed byte breaks the CRC', () => {
    const batch = encode([{ topic: 't', key: null, value: Buffer.from('x'), headers: [] }], [42], true);
    const header = parseBatchHeader(batch, 0);
    const out: LogRecord[] = [];
    decodeBatch(batch, 0, header, 't', 0, 0, 100, false, out);
    assert.equal(out[0]!.timestampType, 'LogAppendTime');
    for (const at of [8, 20, BATCH_HEADER_BYTES, batch.length - 1]) {
      const copy = Buffer.from(batch);
      copy[at]! ^= 0x01;
      assert.equal(batchCrcMatches(copy, 0, parseBatchHeader(copy, 0)), false, `byte ${at}`);
    }
  });
});
