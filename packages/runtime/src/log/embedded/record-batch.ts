/**
 * The embedded log's on-disk record batch: Sluice's own compact binary format (not Kafka's).
 *
 * A segment file is a sequence of batches. One batch, all integers little-endian:
 *
 * ```
 *   0  u32  length         bytes that follow this field (header rest + records)
 *   4  u32  crc            CRC-32 (zlib's) of every byte from offset 8 to the end of the batch
 *   8  u8   magic          1
 *   9  u8   attributes     bit 0: timestamps are log-append times (else create times)
 *  10  u16  reserved       0
 *  12  u32  count          number of records, at least 1
 *  16  i64  baseOffset     offset of the first record; record i has baseOffset + i
 *  24  i64  minTimestamp   smallest record timestamp (epoch ms)
 *  32  i64  maxTimestamp   largest record timestamp
 *  40  records
 * ```
 *
 * Each record, with varints as unsigned LEB128 (7 bits a byte, low bits first):
 *
 * ```
 *   varint  timestamp - minTimestamp
 *   varint  key length + 1      0 = null key, 1 = empty key; then the key bytes
 *   varint  value length + 1    0 = null value (tombstone); then the value bytes
 *   varint  header count
 *   per header: varint key byte length, UTF-8 key, varint value length + 1 (0 = null), value bytes
 * ```
 *
 * The length prefix and CRC make a torn write at the end of a segment detectable: a batch whose
 * length runs past the end of the file, or whose CRC does not match, is where a crash stopped.
 * The base offset and CRC are written last, by {@link stampBatch}, when the partition assigns
 * offsets; everything else is written once by {@link encodeBatch}.
 */

import { crc32 } from 'node:zlib';
import type { LogHeader, LogRecord, ProduceRecord } from '../log-client.ts';

export const BATCH_HEADER_BYTES = 40;
export const BATCH_MAGIC = 1;
export const ATTRIBUTE_LOG_APPEND_TIME = 0x01;

const CRC_AT = 4;
const MAGIC_AT = 8;
const ATTRIBUTES_AT = 9;
const COUNT_AT = 12;
const BASE_OFFSET_AT = 16;
const MIN_TIMESTAMP_AT = 24;
const MAX_TIMESTAMP_AT = 32;
/** A timestamp delta below 2^53 takes at most 8 varint bytes. */
export const MAX_TIMESTAMP_VARINT_BYTES = 8;
const TWO_32 = 4294967296;

/** A batch's fixed header, as read from disk. */
export interface BatchHeader {
  /** Bytes of the whole batch, length prefix included. */
  totalBytes: number;
  crc: number;
  magic: number;
  attributes: number;
  count: number;
  baseOffset: number;
  minTimestamp: number;
  maxTimestamp: number;
}

/** A batch that cannot be decoded although its CRC matched (a bug, or a forged file). */
export class CorruptBatchError extends Error {}

// -------------------------------------------------------------------------------------------
// Integers

export function writeInt64(buf: Buffer, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeUInt32LE(value - hi * TWO_32, at);
  buf.writeInt32LE(hi, at + 4);
}

export function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32LE(at + 4) * TWO_32 + buf.readUInt32LE(at);
}

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    buf[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[at++] = value;
  return at;
}

/** Sequential reader over one batch's records; every read is checked against `end`. */
class RecordReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= this.end) throw new CorruptBatchError('varint runs past the end of the batch');
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    throw new CorruptBatchError('varint longer than 8 bytes');
  }

  /** Bytes of a length-prefixed (length + 1, 0 = null) field, as a view into the batch. */
  nullableBytes(): Buffer | null {
    const prefix = this.varint();
    if (prefix === 0) return null;
    const start = this.pos;
    const end = start + prefix - 1;
    if (end > this.end) throw new CorruptBatchError('field runs past the end of the batch');
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  skipNullableBytes(): void {
    const prefix = this.varint();
    if (prefix === 0) return;
    const end = this.pos + prefix - 1;
    if (end > this.end) throw new CorruptBatchError('field runs past the end of the batch');
    this.pos = end;
  }

  string(): string {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new CorruptBatchError('header key runs past the end of the batch');
    this.pos = end;
    return this.buf.toString('utf8', start, end);
  }

  skipString(): void {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.end) throw new CorruptBatchError('header key runs past the end of the batch');
    this.pos = end;
  }

  skipRecord(): void {
    this.varint();
    this.skipNullableBytes();
    this.skipNullableBytes();
    const headers = this.varint();
    for (let h = 0; h < headers; h++) {
      this.skipString();
      this.skipNullableBytes();
    }
  }
}

const reader = new RecordReader();

// -------------------------------------------------------------------------------------------
// Encoding

/**
 * Encoded size of a record without its timestamp varint (which depends on the batch it lands
 * in). The encoded size is this plus at most {@link MAX_TIMESTAMP_VARINT_BYTES}.
 */
export function recordBodySize(record: ProduceRecord): number {
  const key = record.key;
  const value = record.value;
  const headers = record.headers;
  let size = key === null ? 1 : varintSize(key.length + 1) + key.length;
  size += value === null ? 1 : varintSize(value.length + 1) + value.length;
  size += varintSize(headers.length);
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h]!;
    const keyBytes = Buffer.byteLength(header[0], 'utf8');
    const headerValue = header[1];
    size += varintSize(keyBytes) + keyBytes;
    size += headerValue === null ? 1 : varintSize(headerValue.length + 1) + headerValue.length;
  }
  return size;
}

function writeNullableBytes(buf: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) {
    buf[at] = 0;
    return at + 1;
  }
  at = writeVarint(buf, at, bytes.length + 1);
  buf.set(bytes, at);
  return at + bytes.length;
}

/**
 * Encodes records `order[from..to)` of `records` into one batch, with base offset 0 and no CRC
 * yet (see {@link stampBatch}). `bodySizes[i]` is {@link recordBodySize} of `records[i]` and
 * `timestamps[i]` its timestamp, both indexed like `records`. The batch is written into
 * `allocate(size)`, a buffer of exactly that size.
 */
export function encodeBatch(
  records: readonly ProduceRecord[],
  order: ArrayLike<number>,
  from: number,
  to: number,
  bodySizes: ArrayLike<number>,
  timestamps: ArrayLike<number>,
  logAppendTime: boolean,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  let minTimestamp = Number.POSITIVE_INFINITY;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const t = timestamps[order[i]!]!;
    if (t < minTimestamp) minTimestamp = t;
    if (t > maxTimestamp) maxTimestamp = t;
  }
  let size = BATCH_HEADER_BYTES;
  for (let i = from; i < to; i++) {
    const r = order[i]!;
    size += bodySizes[r]! + varintSize(timestamps[r]! - minTimestamp);
  }
  const buf = allocate(size);
  buf.writeUInt32LE(size - 4, 0);
  buf.writeUInt32LE(0, CRC_AT);
  buf[MAGIC_AT] = BATCH_MAGIC;
  buf[ATTRIBUTES_AT] = logAppendTime ? ATTRIBUTE_LOG_APPEND_TIME : 0;
  buf.writeUInt16LE(0, 10);
  buf.writeUInt32LE(to - from, COUNT_AT);
  writeInt64(buf, BASE_OFFSET_AT, 0);
  writeInt64(buf, MIN_TIMESTAMP_AT, minTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_AT, maxTimestamp);
  let at = BATCH_HEADER_BYTES;
  for (let i = from; i < to; i++) {
    const r = order[i]!;
    const record = records[r]!;
    at = writeVarint(buf, at, timestamps[r]! - minTimestamp);
    at = writeNullableBytes(buf, at, record.key);
    at = writeNullableBytes(buf, at, record.value);
    const headers = record.headers;
    at = writeVarint(buf, at, headers.length);
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!;
      const keyBytes = Buffer.byteLength(header[0], 'utf8');
      at = writeVarint(buf, at, keyBytes);
      at += buf.write(header[0], at, keyBytes, 'utf8');
      at = writeNullableBytes(buf, at, header[1]);
    }
  }
  if (at !== size) throw new Error(`Batch encoding wrote ${at} bytes, expected ${size}`);
  return buf;
}

/** Sets a batch's base offset and computes its CRC: the last step before it is written. */
export function stampBatch(buf: Buffer, baseOffset: number): void {
  writeInt64(buf, BASE_OFFSET_AT, baseOffset);
  buf.writeUInt32LE(crc32(buf.subarray(MAGIC_AT)), CRC_AT);
}

// -------------------------------------------------------------------------------------------
// Decoding

/** Reads the fixed header of the batch at `at`; `buf` must hold at least the header. */
export function parseBatchHeader(buf: Buffer, at: number): BatchHeader {
  return {
    totalBytes: buf.readUInt32LE(at) + 4,
    crc: buf.readUInt32LE(at + CRC_AT),
    magic: buf[at + MAGIC_AT]!,
    attributes: buf[at + ATTRIBUTES_AT]!,
    count: buf.readUInt32LE(at + COUNT_AT),
    baseOffset: readInt64(buf, at + BASE_OFFSET_AT),
    minTimestamp: readInt64(buf, at + MIN_TIMESTAMP_AT),
    maxTimestamp: readInt64(buf, at + MAX_TIMESTAMP_AT),
  };
}

/** The number of records of an encoded batch. */
export function batchCount(buf: Buffer): number {
  return buf.readUInt32LE(COUNT_AT);
}

/** The largest record timestamp of an encoded batch. */
export function batchMaxTimestamp(buf: Buffer): number {
  return readInt64(buf, MAX_TIMESTAMP_AT);
}

/** True when the CRC of the whole batch at `at` (which `buf` must hold) matches. */
export function batchCrcMatches(buf: Buffer, at: number, header: BatchHeader): boolean {
  return crc32(buf.subarray(at + MAGIC_AT, at + header.totalBytes)) === header.crc;
}

/** What {@link decodeBatch} did. */
export interface DecodeResult {
  /** Offset after the last record taken (or `fromOffset` when none was taken). */
  nextOffset: number;
  /** Encoded bytes of the records taken. */
  bytes: number;
  /** True when the budget ran out before the end of the batch. */
  full: boolean;
}

/**
 * Appends to `out` the records of the batch at `at` whose offsets are `fromOffset` or later,
 * while their encoded size stays within `budget` bytes; when `force` the first such record is
 * taken whatever its size. Keys, values and header values are views into `buf`.
 */
export function decodeBatch(
  buf: Buffer,
  at: number,
  header: BatchHeader,
  topic: string,
  partition: number,
  fromOffset: number,
  budget: number,
  force: boolean,
  out: LogRecord[],
): DecodeResult {
  const r = reader;
  r.buf = buf;
  r.pos = at + BATCH_HEADER_BYTES;
  r.end = at + header.totalBytes;
  const base = header.baseOffset;
  const minTimestamp = header.minTimestamp;
  const timestampType =
    (header.attributes & ATTRIBUTE_LOG_APPEND_TIME) !== 0 ? 'LogAppendTime' : 'CreateTime';
  const skip = fromOffset - base;
  for (let i = 0; i < skip && i < header.count; i++) r.skipRecord();
  let bytes = 0;
  let nextOffset = Math.max(fromOffset, base);
  for (let i = Math.max(0, skip); i < header.count; i++) {
    const start = r.pos;
    const timestamp = minTimestamp + r.varint();
    const key = r.nullableBytes();
    const value = r.nullableBytes();
    const headerCount = r.varint();
    const headers: LogHeader[] = new Array(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const headerKey = r.string();
      headers[h] = [headerKey, r.nullableBytes()];
    }
    const size = r.pos - start;
    if (bytes + size > budget && !(force && bytes === 0)) {
      r.buf = EMPTY;
      return { nextOffset, bytes, full: true };
    }
    bytes += size;
    out.push({
      topic,
      partition,
      offset: base + i,
      timestamp,
      timestampType,
      key,
      value,
      headers,
      leaderEpoch: 0,
    });
    nextOffset = base + i + 1;
  }
  if (r.pos !== r.end) throw new CorruptBatchError('records do not fill the batch');
  r.buf = EMPTY;
  return { nextOffset, bytes, full: false };
}

/** The first record of the batch with a timestamp at or after `target`, or null. */
export function findTimestamp(
  buf: Buffer,
  at: number,
  header: BatchHeader,
  target: number,
): { offset: number; timestamp: number } | null {
  const r = reader;
  r.buf = buf;
  r.pos = at + BATCH_HEADER_BYTES;
  r.end = at + header.totalBytes;
  try {
    for (let i = 0; i < header.count; i++) {
      const start = r.pos;
      const timestamp = header.minTimestamp + r.varint();
      if (timestamp >= target) return { offset: header.baseOffset + i, timestamp };
      r.pos = start;
      r.skipRecord();
    }
    return null;
  } finally {
    r.buf = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
