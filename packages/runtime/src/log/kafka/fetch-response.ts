/**
 * Sluice's own decoding of Fetch responses (the flexible versions, 12 and later) straight from the
 * response bytes into record batches whose keys, values and header values are views of those bytes
 * (no copies), with offsets and timestamps as numbers.
 *
 * Why not the library's parser: it decodes every record into an object of its own through a
 * growable-buffer reader (with BigInt timestamps and deltas), which the runtime then turns into
 * its own records; at a sink task's volumes that is most of the time spent between the socket and
 * `put`. The request is still built by the library, and connections stay the library's.
 *
 * Layout (flexible versions: compact arrays/strings are varint length + 1, every struct ends in
 * tagged fields):
 *
 * ```
 * throttle_time_ms i32 | error_code i16 | session_id i32 | responses[] | TAG_BUFFER
 * response: topic (v12: compact string name; v13+: 16-byte topic id) | partitions[] | TAG_BUFFER
 * partition: index i32 | error_code i16 | high_watermark i64 | last_stable_offset i64 |
 *            log_start_offset i64 | aborted_transactions[]? (producer_id i64, first_offset i64,
 *            TAG_BUFFER) | preferred_read_replica i32 | records (compact nullable bytes) | TAG_BUFFER
 * ```
 *
 * Record batches (magic 2) are those of the produce side (see produce-request.ts); a batch cut
 * short at the end of the records (the broker's size limit) is ignored, as Kafka's consumer does.
 */

import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { FetchedRecords, LogHeader, LogRecord } from '../log-client.ts';
import { kafkaLibrary } from './library.ts';

/** One record of a batch. Key, value and header values are views of the response bytes. */
export interface FetchedRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: LogHeader[];
}

export interface FetchedBatch {
  firstOffset: number;
  lastOffsetDelta: number;
  partitionLeaderEpoch: number;
  attributes: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  /** How many records the batch holds. */
  count: number;
  /**
   * Where the records are: the response bytes or, for a compressed batch, the decompressed ones,
   * from `recordsStart` on. They are decoded only when asked for ({@link batchRecords},
   * {@link appendLogRecords}), straight into the objects the caller keeps.
   */
  data: Buffer;
  recordsStart: number;
}

export interface FetchedPartitionData {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: Array<{ producerId: bigint; firstOffset: number }> | null;
  batches: FetchedBatch[];
}

export interface FetchedTopicData {
  /** The topic name (v12) or the topic id as a hyphenated UUID (v13+). */
  topic: string;
  partitions: FetchedPartitionData[];
}

export interface FastFetchResponse {
  errorCode: number;
  responses: FetchedTopicData[];
}

const TWO_32 = 4294967296;

/** A cursor over a Buffer with the varint flavours Kafka uses. */
class Cursor {
  buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  int8(): number {
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** A signed 64-bit integer as a number (exact up to 2^53). */
  int64(): number {
    const high = this.buf.readInt32BE(this.pos);
    const low = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return high * TWO_32 + low;
  }
  bigint64(): bigint {
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let shift = 7;
    for (;;) {
      b = buf[this.pos++]!;
      if (b === undefined) throw new RangeError('varint runs past the end of the response');
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
      if (shift > 63) throw new RangeError('varint longer than 10 bytes');
    }
  }
  /** A zigzag varint / varlong as a number (exact up to 2^53). */
  varint(): number {
    const buf = this.buf;
    const b = buf[this.pos]!;
    if (b < 0x80) {
      this.pos++;
      return b & 1 ? -((b + 1) / 2) : b / 2;
    }
    const z = this.uvarint();
    // z is even for non-negative values: z / 2; odd for negative ones: -(z + 1) / 2.
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.pos += this.uvarint();
    }
  }
}

function uuid(buf: Buffer, at: number): string {
  const hex = buf.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses a flexible (v12+) Fetch response body. */
export function parseFetchResponse(buf: Buffer, version: number): FastFetchResponse {
  const c = new Cursor(buf);
  c.int32(); // throttle_time_ms
  const errorCode = c.int16();
  c.int32(); // session_id
  const topicCount = c.uvarint() - 1;
  const responses: FetchedTopicData[] = [];
  for (let t = 0; t < topicCount; t++) {
    let topic: string;
    if (version <= 12) {
      const length = c.uvarint() - 1;
      topic = buf.toString('utf8', c.pos, c.pos + length);
      c.pos += length;
    } else {
      topic = uuid(buf, c.pos);
      c.pos += 16;
    }
    const partitionCount = c.uvarint() - 1;
    const partitions: FetchedPartitionData[] = [];
    for (let p = 0; p < partitionCount; p++) {
      const partitionIndex = c.int32();
      const partitionError = c.int16();
      const highWatermark = c.int64();
      const lastStableOffset = c.int64();
      const logStartOffset = c.int64();
      const abortedCount = c.uvarint() - 1;
      let abortedTransactions: FetchedPartitionData['abortedTransactions'] = null;
      if (abortedCount >= 0) {
        abortedTransactions = [];
        for (let a = 0; a < abortedCount; a++) {
          const producerId = c.bigint64();
          const firstOffset = c.int64();
          c.skipTaggedFields();
          abortedTransactions.push({ producerId, firstOffset });
        }
      }
      c.int32(); // preferred_read_replica
      const recordsLength = c.uvarint() - 1;
      let batches: FetchedBatch[] = [];
      if (recordsLength > 0) {
        batches = decodeBatches(buf, c.pos, c.pos + recordsLength);
        c.pos += recordsLength;
      }
      c.skipTaggedFields();
      partitions.push({
        partitionIndex,
        errorCode: partitionError,
        highWatermark,
        lastStableOffset,
        logStartOffset,
        abortedTransactions,
        batches,
      });
    }
    c.skipTaggedFields();
    responses.push({ topic, partitions });
  }
  // Top-level tagged fields (v16+: node endpoints) are not needed.
  return { errorCode, responses };
}

const BATCH_HEADER_BYTES = 61;
/** The timestamp-type bit of a batch's attributes: set when the broker stamped LogAppendTime. */
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;

/** The complete record batches in `buf[start, end)`. */
export function decodeBatches(buf: Buffer, start: number, end: number): FetchedBatch[] {
  const batches: FetchedBatch[] = [];
  let at = start;
  while (at + 12 <= end) {
    const batchLength = buf.readInt32BE(at + 8);
    const batchEnd = at + 12 + batchLength;
    if (batchEnd > end || batchLength < BATCH_HEADER_BYTES - 12) break; // cut short by the size limit
    const magic = buf.readInt8(at + 16);
    if (magic !== 2)
      throw new RangeError(`Record batch magic ${magic} is not supported (Kafka 0.11+ brokers write 2)`);
    const c = new Cursor(buf, at);
    const firstOffset = c.int64();
    c.int32(); // batch length
    const partitionLeaderEpoch = c.int32();
    c.pos += 5; // magic, crc
    const attributes = c.int16();
    const lastOffsetDelta = c.int32();
    const firstTimestamp = c.int64();
    const maxTimestamp = c.int64();
    const producerId = c.bigint64();
    c.pos += 6; // producer epoch, base sequence
    const count = c.int32();
    const compression = attributes & 0x07;
    const data = compression === 0 ? buf : decompress(compression, buf.subarray(c.pos, batchEnd));
    batches.push({
      firstOffset,
      lastOffsetDelta,
      partitionLeaderEpoch,
      attributes,
      firstTimestamp,
      maxTimestamp,
      producerId,
      count,
      data,
      recordsStart: compression === 0 ? c.pos : 0,
    });
    at = batchEnd;
  }
  return batches;
}

function decompress(codec: number, data: Buffer): Buffer {
  if (codec === 1) return gunzipSync(data);
  if (codec === 4) return zstdDecompressSync(data);
  const algorithm = (
    kafkaLibrary().compressionsAlgorithmsByBitmask as Record<number, { decompressSync(d: Buffer): Buffer }>
  )[codec];
  if (algorithm === undefined) throw new RangeError(`Unknown record batch compression codec ${codec}`);
  return algorithm.decompressSync(data);
}

/** A batch without headers shares this array: records never change their headers in place. */
const NO_HEADERS: LogHeader[] = [];

/** Reads one record's key, value and headers at the cursor into `into`; returns the deltas. */
function readRecord(
  c: Cursor,
  into: { key: Buffer | null; value: Buffer | null; headers: LogHeader[] },
): void {
  const buf = c.buf;
  const keyLength = c.varint();
  let key: Buffer | null = null;
  if (keyLength >= 0) {
    key = buf.subarray(c.pos, c.pos + keyLength);
    c.pos += keyLength;
  }
  const valueLength = c.varint();
  let value: Buffer | null = null;
  if (valueLength >= 0) {
    value = buf.subarray(c.pos, c.pos + valueLength);
    c.pos += valueLength;
  }
  const headerCount = c.varint();
  let headers = NO_HEADERS;
  if (headerCount > 0) {
    headers = new Array<LogHeader>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const hkLength = c.varint();
      const hk = buf.toString('utf8', c.pos, c.pos + hkLength);
      c.pos += hkLength;
      const hvLength = c.varint();
      let hv: Buffer | null = null;
      if (hvLength >= 0) {
        hv = buf.subarray(c.pos, c.pos + hvLength);
        c.pos += hvLength;
      }
      headers[h] = [hk, hv];
    }
  }
  into.key = key;
  into.value = value;
  into.headers = headers;
}

/** Every record of `batch`, with offset and timestamp deltas (tests, control batches). */
export function batchRecords(batch: FetchedBatch): FetchedRecord[] {
  const c = new Cursor(batch.data, batch.recordsStart);
  const records = new Array<FetchedRecord>(batch.count);
  for (let i = 0; i < batch.count; i++) {
    c.varint(); // record length
    c.pos++; // attributes
    const timestampDelta = c.varint();
    const offsetDelta = c.varint();
    const record: FetchedRecord = {
      offsetDelta,
      timestampDelta,
      key: null,
      value: null,
      headers: NO_HEADERS,
    };
    readRecord(c, record);
    records[i] = record;
  }
  return records;
}

/**
 * Appends the records of `batch` at or after offset `from` to `out` as LogRecords of
 * `topic`/`partition`, decoded straight from the bytes (one object per record, keys and values
 * views of the bytes, records without headers sharing one empty array).
 */
export function appendLogRecords(
  batch: FetchedBatch,
  topic: string,
  partition: number,
  from: number,
  out: LogRecord[],
): void {
  const c = new Cursor(batch.data, batch.recordsStart);
  const base = batch.firstOffset;
  const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const timestampType = logAppendTime ? 'LogAppendTime' : 'CreateTime';
  const firstTimestamp = batch.firstTimestamp;
  const maxTimestamp = batch.maxTimestamp;
  const leaderEpoch = batch.partitionLeaderEpoch;
  for (let i = 0; i < batch.count; i++) {
    const length = c.varint();
    const start = c.pos;
    c.pos++; // attributes
    const timestampDelta = c.varint();
    const offset = base + c.varint();
    if (offset < from) {
      c.pos = start + length;
      continue;
    }
    const record: LogRecord = {
      topic,
      partition,
      offset,
      timestamp: logAppendTime ? maxTimestamp : firstTimestamp + timestampDelta,
      timestampType,
      key: null,
      value: null,
      headers: NO_HEADERS,
      leaderEpoch,
    };
    readRecord(c, record);
    out.push(record);
  }
}

/**
 * The records of `batches` at or after offset `from`, as `topic`/`partition` LogRecords decoded one
 * at a time when taken ({@link FetchedRecords}, a fetch with `lazy`): meanwhile only the batches'
 * bytes are held, not an object per record. Decodes one record ahead (for {@link peekOffset}).
 */
export class LazyLogRecords implements FetchedRecords {
  #batches: readonly FetchedBatch[];
  readonly #topic: string;
  readonly #partition: number;
  readonly #from: number;
  /** Index of the batch being read; its context below. */
  #batch = -1;
  #cursor = new Cursor(EMPTY, 0);
  /** Records of the current batch not read yet. */
  #left = 0;
  #base = 0;
  #logAppendTime = false;
  #timestampType: LogRecord['timestampType'] = 'CreateTime';
  #firstTimestamp = 0;
  #maxTimestamp = 0;
  #leaderEpoch = -1;
  #ahead: LogRecord | undefined;
  remaining: number;

  constructor(batches: readonly FetchedBatch[], topic: string, partition: number, from: number) {
    this.#batches = batches;
    this.#topic = topic;
    this.#partition = partition;
    this.#from = from;
    this.remaining = countRecordsFrom(batches, from);
    this.#ahead = this.#read();
  }

  peekOffset(): number | undefined {
    return this.#ahead?.offset;
  }

  next(): LogRecord | undefined {
    const record = this.#ahead;
    if (record === undefined) return undefined;
    this.remaining--;
    this.#ahead = this.#read();
    return record;
  }

  #read(): LogRecord | undefined {
    const c = this.#cursor;
    for (;;) {
      while (this.#left === 0) {
        if (++this.#batch >= this.#batches.length) {
          // All taken: let go of the bytes even if this object is still referenced.
          this.#batches = [];
          c.buf = EMPTY;
          c.pos = 0;
          return undefined;
        }
        const batch = this.#batches[this.#batch]!;
        c.buf = batch.data;
        c.pos = batch.recordsStart;
        this.#left = batch.count;
        this.#base = batch.firstOffset;
        this.#logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
        this.#timestampType = this.#logAppendTime ? 'LogAppendTime' : 'CreateTime';
        this.#firstTimestamp = batch.firstTimestamp;
        this.#maxTimestamp = batch.maxTimestamp;
        this.#leaderEpoch = batch.partitionLeaderEpoch;
      }
      this.#left--;
      const length = c.varint();
      const start = c.pos;
      c.pos++; // attributes
      const timestampDelta = c.varint();
      const offset = this.#base + c.varint();
      if (offset < this.#from) {
        c.pos = start + length;
        continue;
      }
      const record: LogRecord = {
        topic: this.#topic,
        partition: this.#partition,
        offset,
        timestamp: this.#logAppendTime ? this.#maxTimestamp : this.#firstTimestamp + timestampDelta,
        timestampType: this.#timestampType,
        key: null,
        value: null,
        headers: NO_HEADERS,
        leaderEpoch: this.#leaderEpoch,
      };
      readRecord(c, record);
      return record;
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** How many records of `batches` have an offset at or after `from` (reads only record headers). */
function countRecordsFrom(batches: readonly FetchedBatch[], from: number): number {
  let n = 0;
  for (const batch of batches) {
    if (batch.firstOffset >= from) {
      n += batch.count;
      continue;
    }
    const c = new Cursor(batch.data, batch.recordsStart);
    for (let i = 0; i < batch.count; i++) {
      const length = c.varint();
      const start = c.pos;
      c.pos++; // attributes
      c.varint(); // timestamp delta
      if (batch.firstOffset + c.varint() >= from) n++;
      c.pos = start + length;
    }
  }
  return n;
}
