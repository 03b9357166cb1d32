/**
 * Sluice's own encoding of Kafka Produce requests (v9 and later: the flexible versions) with
 * uncompressed, non-idempotent v2 record batches, as a source task's producer sends them by default
 * (Kafka Connect's producers run with `enable.idempotence=false`, `acks=all`, one request in flight).
 *
 * Why not the library's encoder: it builds each record in a growable buffer of its own, then
 * concatenates the records, then the batch, then the request (and copies the batch once more to
 * checksum it); at Connect's volumes those copies and the garbage they leave are most of a source
 * task's CPU time. Here each batch is sized first and written once into a single buffer; the
 * library still owns the connections, API-version negotiation and response parsing.
 *
 * Record batch v2 layout (big-endian; varints are zigzag-encoded, as in Kafka):
 *
 * ```
 * baseOffset i64 (0) | batchLength i32 | partitionLeaderEpoch i32 (-1) | magic i8 (2) | crc u32 |
 * attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 |
 * producerId i64 (-1) | producerEpoch i16 (-1) | baseSequence i32 (-1) | recordCount i32 | records
 * record: length varint | attributes i8 (0) | timestampDelta varlong | offsetDelta varint |
 *         keyLength varint (-1 = null) | key | valueLength varint | value |
 *         headerCount varint | per header: keyLength varint | key | valueLength varint | value
 * ```
 *
 * The CRC-32C covers everything from `attributes` to the end of the batch.
 */

import { crc32c } from '@node-rs/crc32';
import type { ProduceRecord } from '../log-client.ts';

const BATCH_OVERHEAD = 61;
const ATTRIBUTES_AT = 21;
const CRC_AT = 17;
const TWO_32 = 4294967296;

/** Bytes of a zigzag varint (Kafka's `varint`/`varlong`) for a safe integer. */
export function zigzagSize(value: number): number {
  // zigzag: 2v for v >= 0, -2v - 1 for v < 0; fits 2^54 exactly as a double.
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

/** Writes a zigzag varint at `at`; returns the position after it. Correct for every safe integer. */
export function writeZigzag(buf: Buffer, at: number, value: number): number {
  let z = value >= 0 ? value * 2 : -value * 2 - 1;
  if (z < 0x80000000) {
    // Fast path: 31 bits, integer ops.
    while (z >= 0x80) {
      buf[at++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[at++] = z;
    return at;
  }
  while (z >= 128) {
    buf[at++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[at++] = z;
  return at;
}

function writeInt64(buf: Buffer, at: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(value - high * TWO_32, at + 4);
}

/** Size of one record's body (everything after its length varint), and the UTF-8 header keys. */
function recordBodySize(record: ProduceRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + zigzagSize(timestampDelta) + zigzagSize(offsetDelta);
  const key = record.key;
  size += key === null ? 1 : zigzagSize(key.length) + key.length;
  const value = record.value;
  size += value === null ? 1 : zigzagSize(value.length) + value.length;
  const headers = record.headers;
  size += zigzagSize(headers.length);
  for (let h = 0; h < headers.length; h++) {
    const [hk, hv] = headers[h]!;
    const keyBytes = Buffer.byteLength(hk, 'utf8');
    size += zigzagSize(keyBytes) + keyBytes;
    size += hv === null ? 1 : zigzagSize(hv.length) + hv.length;
  }
  return size;
}

/**
 * One record batch for `records[indexes[0..]]`, all of one partition, in that order.
 * `timestamps[i]` is record i's create time (epoch ms).
 */
export function encodeRecordBatch(
  records: readonly ProduceRecord[],
  indexes: readonly number[],
  timestamps: Float64Array,
): Buffer {
  const count = indexes.length;
  const base = timestamps[indexes[0]!]!;
  let max = base;
  const bodySizes = new Int32Array(count);
  let total = BATCH_OVERHEAD;
  for (let n = 0; n < count; n++) {
    const i = indexes[n]!;
    const ts = timestamps[i]!;
    if (ts > max) max = ts;
    const body = recordBodySize(records[i]!, ts - base, n);
    bodySizes[n] = body;
    total += zigzagSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  // Header.
  writeInt64(buf, 0, 0);
  buf.writeInt32BE(total - 12, 8);
  buf.writeInt32BE(-1, 12);
  buf[16] = 2;
  buf.writeInt16BE(0, ATTRIBUTES_AT);
  buf.writeInt32BE(count - 1, 23);
  writeInt64(buf, 27, base);
  writeInt64(buf, 35, max);
  writeInt64(buf, 43, -1);
  buf.writeInt16BE(-1, 51);
  buf.writeInt32BE(-1, 53);
  buf.writeInt32BE(count, 57);
  // Records.
  let at = BATCH_OVERHEAD;
  for (let n = 0; n < count; n++) {
    const i = indexes[n]!;
    const record = records[i]!;
    at = writeZigzag(buf, at, bodySizes[n]!);
    buf[at++] = 0;
    at = writeZigzag(buf, at, timestamps[i]! - base);
    at = writeZigzag(buf, at, n);
    const key = record.key;
    if (key === null) buf[at++] = 1;
    else {
      at = writeZigzag(buf, at, key.length);
      at += key.copy(buf, at);
    }
    const value = record.value;
    if (value === null) buf[at++] = 1;
    else {
      at = writeZigzag(buf, at, value.length);
      at += value.copy(buf, at);
    }
    const headers = record.headers;
    at = writeZigzag(buf, at, headers.length);
    for (let h = 0; h < headers.length; h++) {
      const [hk, hv] = headers[h]!;
      const keyBytes = Buffer.byteLength(hk, 'utf8');
      at = writeZigzag(buf, at, keyBytes);
      at += buf.write(hk, at, keyBytes, 'utf8');
      if (hv === null) buf[at++] = 1;
      else {
        at = writeZigzag(buf, at, hv.length);
        at += hv.copy(buf, at);
      }
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_AT)) >>> 0, CRC_AT);
  return buf;
}

/** An unsigned varint (compact lengths of flexible versions). */
function writeUnsignedVarint(buf: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buf[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[at++] = value;
  return at;
}

function unsignedVarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value >>>= 7;
    size++;
  }
  return size;
}

export interface ProducePartitionData {
  partition: number;
  batch: Buffer;
}

export interface ProduceTopicData {
  topic: string;
  partitions: ProducePartitionData[];
}

/**
 * The body of a flexible (v9+) Produce request as a list of buffers (the batches are not copied):
 * `transactional_id acks timeout_ms [topic_data] TAG_BUFFER`.
 */
export function produceRequestBody(
  acks: number,
  timeoutMs: number,
  topics: readonly ProduceTopicData[],
): Buffer[] {
  const parts: Buffer[] = [];
  // Every piece between two batches goes into one small buffer.
  let pending = Buffer.allocUnsafe(64);
  let at = 0;
  const ensure = (n: number) => {
    if (at + n <= pending.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(pending.length * 2, at + n));
    pending.copy(bigger, 0, 0, at);
    pending = bigger;
  };
  ensure(8);
  pending[at++] = 0; // transactional_id: null
  at = pending.writeInt16BE(acks, at);
  at = pending.writeInt32BE(timeoutMs, at);
  at = writeUnsignedVarint(pending, at, topics.length + 1);
  for (const t of topics) {
    const nameBytes = Buffer.byteLength(t.topic, 'utf8');
    ensure(10 + nameBytes);
    at = writeUnsignedVarint(pending, at, nameBytes + 1);
    at += pending.write(t.topic, at, nameBytes, 'utf8');
    at = writeUnsignedVarint(pending, at, t.partitions.length + 1);
    for (const p of t.partitions) {
      ensure(4 + unsignedVarintSize(p.batch.length + 1) + 2);
      at = pending.writeInt32BE(p.partition, at);
      at = writeUnsignedVarint(pending, at, p.batch.length + 1);
      parts.push(pending.subarray(0, at));
      parts.push(p.batch);
      pending = Buffer.allocUnsafe(64);
      at = 0;
      pending[at++] = 0; // partition TAG_BUFFER
    }
    ensure(1);
    pending[at++] = 0; // topic TAG_BUFFER
  }
  ensure(1);
  pending[at++] = 0; // request TAG_BUFFER
  parts.push(pending.subarray(0, at));
  return parts;
}
