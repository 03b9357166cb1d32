/**
 * Sluice's own Kafka record-batch encoder (produce path) and decoder (fetch path), against each
 * other and against the wire format's rules: null keys and values, repeated and null headers,
 * timestamps far apart and before the base, a batch cut short by the broker's size limit, a gzip
 * batch, and the CRC-32C the broker checks. The real-broker round trips are in the LogClient
 * conformance suite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { appendLogRecords, batchRecords, decodeBatches } from '../../src/log/kafka/fetch-response.ts';
import { encodeRecordBatch, writeZigzag, zigzagSize } from '../../src/log/kafka/produce-request.ts';
import type { LogRecord, ProduceRecord } from '../../src/log/log-client.ts';

const records: ProduceRecord[] = [
  { topic: 't', key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [] },
  {
    topic: 't',
    key: null,
    value: Buffer.from('ünïcode'),
    headers: [
      ['h', Buffer.from('x')],
      ['h', null],
      ['é', Buffer.alloc(0)],
    ],
  },
  { topic: 't', key: Buffer.alloc(0), value: null, headers: [] },
  { topic: 't', key: Buffer.from('k4'), value: Buffer.alloc(300, 7), headers: [] },
];
const timestamps = new Float64Array([1_700_000_000_000, 1_700_000_000_000 + 2 ** 33, 1_600_000_000_000, 5]);

test('encodeRecordBatch then decodeBatches gives back every field', () => {
  const batch = encodeRecordBatch(records, [0, 1, 2, 3], timestamps);
  const [decoded, ...rest] = decodeBatches(batch, 0, batch.length);
  assert.equal(rest.length, 0);
  assert.ok(decoded);
  assert.equal(decoded.firstOffset, 0);
  assert.equal(decoded.lastOffsetDelta, 3);
  assert.equal(decoded.firstTimestamp, timestamps[0]);
  assert.equal(decoded.maxTimestamp, timestamps[1]);
  assert.equal(decoded.producerId, -1n);
  assert.equal(decoded.count, 4);
  const fetched = batchRecords(decoded);
  assert.equal(fetched.length, 4);
  fetched.forEach((r, i) => {
    assert.equal(r.offsetDelta, i);
    assert.equal(decoded.firstTimestamp + r.timestampDelta, timestamps[i], `timestamp of record ${i}`);
    assert.deepEqual(r.key, records[i]!.key);
    assert.deepEqual(r.value, records[i]!.value);
    assert.deepEqual(r.headers, records[i]!.headers);
  });
});

test('the CRC-32C covers attributes to the end, as brokers check it', () => {
  const batch = encodeRecordBatch(records, [0, 1], timestamps);
  assert.equal(batch.readUInt32BE(17), crc32c(batch.subarray(21)) >>> 0);
  assert.equal(batch.readInt32BE(8), batch.length - 12, 'batchLength counts the bytes after it');
  assert.equal(batch[16], 2, 'magic 2');
});

test('a batch cut short at the end of the records is left out; complete ones before it are kept', () => {
  const a = encodeRecordBatch(records, [0], timestamps);
  const b = encodeRecordBatch(records, [1, 2], timestamps);
  const both = Buffer.concat([a, b]);
  assert.equal(decodeBatches(both, 0, both.length).length, 2);
  assert.equal(decodeBatches(both, 0, both.length - 1).length, 1);
  assert.equal(decodeBatches(both, 0, a.length + 5).length, 1);
});

test('a gzip-compressed batch is decompressed', () => {
  const plain = encodeRecordBatch(records, [0, 1, 2, 3], timestamps);
  const body = gzipSync(plain.subarray(61));
  const compressed = Buffer.concat([plain.subarray(0, 61), body]);
  compressed.writeInt32BE(compressed.length - 12, 8);
  compressed.writeInt16BE(1, 21); // attributes: gzip
  const [decoded] = decodeBatches(compressed, 0, compressed.length);
  assert.deepEqual(
    batchRecords(decoded!).map((r) => r.value),
    records.map((r) => r.value),
  );
});

test('appendLogRecords: LogRecords from the requested offset on, with absolute offsets and timestamps', () => {
  const batch = encodeRecordBatch(records, [0, 1, 2, 3], timestamps);
  batch.writeInt32BE(0, 0);
  batch.writeInt32BE(100, 4); // base offset 100
  batch.writeInt32BE(7, 12); // partition leader epoch
  const [decoded] = decodeBatches(batch, 0, batch.length);
  const out: LogRecord[] = [];
  appendLogRecords(decoded!, 'orders', 3, 101, out);
  assert.deepEqual(
    out.map((r) => [r.topic, r.partition, r.offset, r.timestamp, r.timestampType, r.leaderEpoch]),
    [1, 2, 3].map((i) => ['orders', 3, 100 + i, timestamps[i], 'CreateTime', 7]),
  );
  assert.deepEqual(
    out.map((r) => [r.key, r.value, r.headers]),
    [1, 2, 3].map((i) => [records[i]!.key, records[i]!.value, records[i]!.headers]),
  );
  // The records after the one skipped were found although it was not decoded; appending adds.
  appendLogRecords(decoded!, 'orders', 3, 104, out);
  assert.equal(out.length, 3, 'nothing at or after offset 104');
  appendLogRecords(decoded!, 'orders', 3, 0, out);
  assert.equal(out.length, 7);

  // LogAppendTime: every record carries the batch's max timestamp (as the broker stamped it).
  const stamped = Buffer.from(batch);
  stamped.writeInt16BE(0x08, 21);
  stamped.writeUInt32BE(crc32c(stamped.subarray(21)) >>> 0, 17);
  const logAppend: LogRecord[] = [];
  appendLogRecords(decodeBatches(stamped, 0, stamped.length)[0]!, 'orders', 3, 0, logAppend);
  assert.deepEqual(
    logAppend.map((r) => [r.timestamp, r.timestampType]),
    records.map(() => [timestamps[1], 'LogAppendTime']),
  );
});

test('zigzag varints are exact for every safe integer', () => {
  const buf = Buffer.alloc(10);
  for (const v of [
    0,
    -1,
    1,
    63,
    -64,
    64,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 40 + 3,
    -(2 ** 52),
    Number.MAX_SAFE_INTEGER,
  ]) {
    const end = writeZigzag(buf, 0, v);
    assert.equal(end, zigzagSize(v), `size of ${v}`);
    // Decode the way Kafka does: unsigned LEB128, then zigzag.
    let z = 0;
    for (let i = 0, shift = 1; i < end; i++, shift *= 128) z += (buf[i]! & 0x7f) * shift;
    assert.equal(z % 2 === 0 ? z / 2 : -(z + 1) / 2, v);
  }
});
