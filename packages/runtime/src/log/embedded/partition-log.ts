/**
 * One partition of the embedded log: a directory of segment files
 * (`<baseOffset, 20 digits>.log`, each a sequence of record batches, see `record-batch.ts`), an
 * in-memory sparse index per segment, and a serial writer.
 *
 * Appends: {@link PartitionLog.append} assigns offsets at once (so offsets follow call order)
 * and queues the encoded batches; one writer per partition writes everything queued with one
 * positional `writev`, so concurrent produce calls share a write (and, with `fsync: 'always'`,
 * one fsync). A batch becomes readable, and is acknowledged, once its write has returned: the
 * high watermark is the end of the written data. Data written but not yet fsynced survives a
 * crash of the process (it is in the OS page cache) but not a crash of the OS.
 *
 * Reads: the segment holding an offset is found by binary search over base offsets, the batch
 * by binary search over the segment's sparse index (one entry per `indexIntervalBytes` of
 * data: base offset, file position, and the largest timestamp of the batches the entry
 * covers), then batches are read from there with one positional read per window. The index
 * is kept for every segment: at most about 6 MB of memory per GB of log at the default interval.
 *
 * Opening scans the segment files to rebuild the index. The last segment is read whole and
 * every batch's CRC checked; earlier segments, which were fsynced when they were rolled
 * (unless `fsync: 'never'`), are walked by their batch headers only. At the first batch that is
 * incomplete, malformed or fails its CRC the segment is truncated, later segments are deleted,
 * and the repair is reported; the records before it are kept.
 */

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectError } from '@sluice/api';
import type { LogRecord } from '../log-client.ts';
import { syncDir } from './fs-util.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_MAGIC,
  type BatchHeader,
  batchCount,
  batchCrcMatches,
  batchMaxTimestamp,
  CorruptBatchError,
  decodeBatch,
  findTimestamp,
  parseBatchHeader,
  readInt64,
  stampBatch,
} from './record-batch.ts';

export type FsyncPolicy = 'always' | 'interval' | 'never';

/** A repair made while opening the log. */
export interface RecoveryNote {
  /** The segment file repaired or removed. */
  file: string;
  /** What was wrong and what was done. */
  message: string;
}

export interface PartitionLogOptions {
  /** Roll to a new segment before a segment would exceed this many bytes. */
  segmentBytes: number;
  /** Bytes of data between two sparse-index entries. */
  indexIntervalBytes: number;
  fsync: FsyncPolicy;
  files: FilePool;
}

const SEGMENT_FILE = /^(\d{20})\.log$/;
const SCAN_CHUNK_BYTES = 1024 * 1024;
const MAX_READ_WINDOW_BYTES = 8 * 1024 * 1024;
/** Smallest encoded record: timestamp, key, value and header count, one byte each. */
const MIN_RECORD_BYTES = 4;

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/** One segment file and its sparse index. */
export class Segment {
  readonly baseOffset: number;
  readonly path: string;
  /** Bytes of complete, written batches. */
  size = 0;
  /** Offset after the last record of the segment. */
  endOffset: number;
  maxTimestamp = Number.NEGATIVE_INFINITY;
  readonly indexOffsets: number[] = [];
  readonly indexPositions: number[] = [];
  /** Largest timestamp among the batches from this entry's position to the next entry's. */
  readonly indexMaxTimestamps: number[] = [];
  #lastIndexedPosition = Number.NEGATIVE_INFINITY;
  /** Open file, managed by {@link FilePool}. */
  handle: Promise<FileHandle> | undefined;
  users = 0;
  retired = false;

  constructor(baseOffset: number, path: string) {
    this.baseOffset = baseOffset;
    this.endOffset = baseOffset;
    this.path = path;
  }

  /** Records a batch written (or found) at `position`. */
  addBatch(
    position: number,
    baseOffset: number,
    count: number,
    maxTimestamp: number,
    interval: number,
  ): void {
    const last = this.indexOffsets.length - 1;
    if (last < 0 || position - this.#lastIndexedPosition >= interval) {
      this.indexOffsets.push(baseOffset);
      this.indexPositions.push(position);
      this.indexMaxTimestamps.push(maxTimestamp);
      this.#lastIndexedPosition = position;
    } else if (maxTimestamp > this.indexMaxTimestamps[last]!) {
      this.indexMaxTimestamps[last] = maxTimestamp;
    }
    this.endOffset = baseOffset + count;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
  }

  /** File position of the last indexed batch that starts at or before `offset`. */
  lookup(offset: number): number {
    const offsets = this.indexOffsets;
    let lo = 0;
    let hi = offsets.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.indexPositions[lo]!;
  }
}

/**
 * Open segment files, shared by all partitions: at most `max` stay open; the least recently used
 * ones not in use are closed and reopened when needed. A closed file loses nothing: written data
 * sits in the OS page cache, and an fsync through any descriptor flushes the file.
 */
export class FilePool {
  readonly #max: number;
  readonly #open = new Set<Segment>();

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  /** The segment's open file; call {@link release} when done, also after a failure. */
  acquire(segment: Segment): Promise<FileHandle> {
    segment.users++;
    if (segment.retired) return Promise.reject(new Error(`Segment ${segment.path} is closed`));
    let handle = segment.handle;
    if (handle === undefined) {
      const opening = open(segment.path, 'r+');
      handle = opening;
      segment.handle = opening;
      opening.catch(() => {
        if (segment.handle === opening) {
          segment.handle = undefined;
          this.#open.delete(segment);
        }
      });
    }
    this.#open.delete(segment);
    this.#open.add(segment);
    this.#evict();
    return handle;
  }

  release(segment: Segment): void {
    segment.users--;
    this.#evict();
  }

  /** Closes the segment's file for good (log closed or segment deleted); reads in flight finish first. */
  async retire(segment: Segment): Promise<void> {
    segment.retired = true;
    await this.#close(segment);
  }

  #evict(): void {
    if (this.#open.size <= this.#max) return;
    for (const segment of this.#open) {
      if (this.#open.size <= this.#max) return;
      if (segment.users === 0) void this.#close(segment);
    }
  }

  async #close(segment: Segment): Promise<void> {
    const handle = segment.handle;
    segment.handle = undefined;
    this.#open.delete(segment);
    if (handle === undefined) return;
    try {
      await (await handle).close();
    } catch {
      // never opened, or already closed
    }
  }
}

/** Reads exactly `length` bytes at `position` into `buf` (from index 0). */
async function readFully(handle: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`Unexpected end of file at position ${position + done}`);
    done += bytesRead;
  }
}

/**
 * A window over a segment file: {@link load} makes a byte range available in `buf`, reading
 * at least `window` bytes at a time. With `fresh` every load reads into a new buffer, so views
 * into earlier buffers (returned records) stay valid.
 */
class SegmentWindow {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  length = 0;
  readonly #handle: FileHandle;
  readonly #end: number;
  readonly #window: number;
  readonly #fresh: boolean;

  constructor(handle: FileHandle, end: number, window: number, fresh: boolean) {
    this.#handle = handle;
    this.#end = end;
    this.#window = window;
    this.#fresh = fresh;
  }

  /** Makes `[position, position + length)` available; returns its index in `buf`. */
  async load(position: number, length: number): Promise<number> {
    if (position >= this.start && position + length <= this.start + this.length) return position - this.start;
    const want = Math.min(this.#end - position, Math.max(length, this.#window));
    if (this.#fresh || this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    this.start = position;
    this.length = 0;
    await readFully(this.#handle, this.buf, want, position);
    this.length = want;
    return 0;
  }
}

interface PendingWrite {
  batches: Buffer[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Result of reading a partition. */
export interface PartitionRead {
  nextOffset: number;
  bytes: number;
}

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #options: PartitionLogOptions;
  readonly #segments: Segment[];
  #nextOffset: number;
  #highWatermark: number;
  #queue: PendingWrite[] = [];
  #writing = false;
  #idle: Array<() => void> = [];
  readonly #waiters = new Set<() => void>();
  #dirty = false;
  #failure: Error | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    topic: string,
    partition: number,
    dir: string,
    options: PartitionLogOptions,
    segments: Segment[],
  ) {
    this.topic = topic;
    this.partition = partition;
    this.dir = dir;
    this.#options = options;
    this.#segments = segments;
    this.#highWatermark = segments[segments.length - 1]!.endOffset;
    this.#nextOffset = this.#highWatermark;
  }

  /** Creates an empty partition directory (with its first, empty segment). */
  static async initDirectory(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const handle = await open(join(dir, segmentFileName(0)), 'wx');
    await handle.close();
  }

  /**
   * Opens a partition directory: finds its segments, rebuilds their index, and repairs a torn
   * tail (noting every repair in `recovery`).
   */
  static async open(
    topic: string,
    partition: number,
    dir: string,
    options: PartitionLogOptions,
    recovery: RecoveryNote[],
  ): Promise<PartitionLog> {
    await mkdir(dir, { recursive: true });
    const names = (await readdir(dir)).filter((n) => SEGMENT_FILE.test(n)).sort();
    const segments: Segment[] = [];
    const durable = options.fsync !== 'never';
    let expected: number | undefined;
    let i = 0;
    for (; i < names.length; i++) {
      const name = names[i]!;
      const path = join(dir, name);
      const segment = new Segment(Number(name.slice(0, 20)), path);
      if (expected !== undefined && segment.baseOffset !== expected) {
        recovery.push({
          file: path,
          message: `segment starts at offset ${segment.baseOffset} where ${expected} was expected; removed it and later segments`,
        });
        break;
      }
      const fileSize = (await stat(path)).size;
      const isLast = i === names.length - 1;
      const problem = await scanSegment(options, segment, fileSize, isLast);
      segments.push(segment);
      expected = segment.endOffset;
      if (problem !== undefined) {
        const handle = await options.files.acquire(segment);
        try {
          const file = await handle;
          await file.truncate(segment.size);
          if (durable) await file.sync();
        } finally {
          options.files.release(segment);
        }
        recovery.push({
          file: path,
          message: `${problem} at position ${segment.size}; truncated the segment from ${fileSize} to ${segment.size} bytes (last offset kept: ${segment.endOffset - 1})`,
        });
        i++;
        if (i < names.length) {
          recovery.push({
            file: join(dir, names[i]!),
            message: `follows a repaired segment; removed it and ${names.length - i - 1} later segments`,
          });
        }
        break;
      }
    }
    for (; i < names.length; i++) await unlink(join(dir, names[i]!));
    if (segments.length === 0) {
      const first = new Segment(0, join(dir, segmentFileName(0)));
      const handle = await open(first.path, 'w');
      await handle.close();
      segments.push(first);
    }
    if (durable && recovery.length > 0) await syncDir(dir);
    return new PartitionLog(topic, partition, dir, options, segments);
  }

  /** First offset in the log. */
  get logStartOffset(): number {
    return this.#segments[0]!.baseOffset;
  }

  /** End of the readable log: the offset after the last written record. */
  get highWatermark(): number {
    return this.#highWatermark;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every segment (oldest first); for tests and tools. */
  get segments(): readonly Segment[] {
    return this.#segments;
  }

  #active(): Segment {
    return this.#segments[this.#segments.length - 1]!;
  }

  // -----------------------------------------------------------------------------------------
  // Append

  /**
   * Assigns offsets to encoded batches (in call order), stamps them, and queues them for the
   * writer. `done` resolves once every batch is written (and fsynced with `fsync: 'always'`).
   * Throws at once when the log is closed or has failed.
   */
  append(batches: Buffer[]): { baseOffsets: number[]; done: Promise<void> } {
    if (this.#closed)
      throw new ConnectError(`Partition ${this.topic}-${this.partition} of the embedded log is closed`);
    if (this.#failure !== undefined) {
      throw new ConnectError(
        `Partition ${this.topic}-${this.partition} of the embedded log failed and takes no more writes until the log is reopened: ${this.#failure.message}`,
        { cause: this.#failure },
      );
    }
    const baseOffsets = new Array<number>(batches.length);
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b]!;
      baseOffsets[b] = this.#nextOffset;
      stampBatch(batch, this.#nextOffset);
      this.#nextOffset += batchCount(batch);
    }
    const done = new Promise<void>((resolve, reject) => {
      this.#queue.push({ batches, resolve, reject });
    });
    if (!this.#writing) void this.#drain();
    return { baseOffsets, done };
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const work = this.#queue;
      this.#queue = [];
      try {
        await this.#write(work);
        for (const w of work) w.resolve();
      } catch (err) {
        // Nothing queued is acknowledged; the next appends reuse the offsets after the last
        // written batch, and the file is cut back to the end of the written batches.
        const failed = [...work, ...this.#queue];
        this.#queue = [];
        this.#nextOffset = this.#highWatermark;
        const error = new ConnectError(
          `Could not append to partition ${this.topic}-${this.partition} of the embedded log: ${(err as Error).message}`,
          { cause: err },
        );
        const active = this.#active();
        const handle = this.#options.files.acquire(active);
        try {
          await (await handle).truncate(active.size);
        } catch (truncateError) {
          this.#failure ??= truncateError as Error;
        } finally {
          this.#options.files.release(active);
        }
        for (const w of failed) w.reject(error);
      }
    }
    this.#writing = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  async #write(work: PendingWrite[]): Promise<void> {
    const segmentBytes = this.#options.segmentBytes;
    let group: Buffer[] = [];
    let groupBytes = 0;
    for (const w of work) {
      for (const batch of w.batches) {
        const used = this.#active().size + groupBytes;
        if (used > 0 && used + batch.length > segmentBytes) {
          if (group.length > 0) await this.#writeGroup(group, groupBytes);
          group = [];
          groupBytes = 0;
          await this.#roll(readInt64(batch, 16));
        }
        group.push(batch);
        groupBytes += batch.length;
      }
    }
    if (group.length > 0) await this.#writeGroup(group, groupBytes);
    if (this.#options.fsync === 'always') await this.#syncSegment(this.#active());
    else this.#dirty = true;
  }

  async #writeGroup(group: Buffer[], bytes: number): Promise<void> {
    const segment = this.#active();
    const files = this.#options.files;
    const handle = files.acquire(segment);
    try {
      const { bytesWritten } = await (await handle).writev(group, segment.size);
      if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
    } finally {
      files.release(segment);
    }
    const interval = this.#options.indexIntervalBytes;
    let position = segment.size;
    for (let g = 0; g < group.length; g++) {
      const batch = group[g]!;
      segment.addBatch(position, readInt64(batch, 16), batchCount(batch), batchMaxTimestamp(batch), interval);
      position += batch.length;
    }
    segment.size = position;
    this.#highWatermark = segment.endOffset;
    this.#wake();
  }

  /** Starts a new segment at `baseOffset`, after making the current one durable. */
  async #roll(baseOffset: number): Promise<void> {
    const durable = this.#options.fsync !== 'never';
    if (durable) await this.#syncSegment(this.#active());
    const segment = new Segment(baseOffset, join(this.dir, segmentFileName(baseOffset)));
    // 'w': an earlier failed attempt may have left a file of that name; it holds nothing valid.
    const handle = await open(segment.path, 'w');
    await handle.close();
    if (durable) await syncDir(this.dir);
    this.#segments.push(segment);
  }

  /**
   * Fsyncs a segment's data. A failed fsync leaves the page cache in an unknown state (the
   * kernel may have dropped the dirty pages), so the partition then refuses further writes.
   */
  async #syncSegment(segment: Segment): Promise<void> {
    const files = this.#options.files;
    const handle = files.acquire(segment);
    try {
      await (await handle).datasync();
    } catch (err) {
      if (!segment.retired) this.#failure ??= err as Error;
      throw err;
    } finally {
      files.release(segment);
    }
  }

  /** Fsyncs data written since the last sync (the periodic flush of `fsync: 'interval'`). */
  async sync(): Promise<void> {
    if (!this.#dirty || this.#failure !== undefined || this.#closed) return;
    this.#dirty = false;
    try {
      await this.#syncSegment(this.#active());
    } catch {
      // #syncSegment marked the partition failed; its next append reports the error.
    }
  }

  #whenIdle(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Waits for queued writes, fsyncs (unless `fsync: 'never'`) and closes the files. Waiting
   * readers are woken. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    await this.#whenIdle();
    try {
      if (this.#options.fsync !== 'never' && this.#dirty && this.#failure === undefined) {
        this.#dirty = false;
        await this.#syncSegment(this.#active());
      }
    } finally {
      this.#wake();
      for (const segment of this.#segments) await this.#options.files.retire(segment);
    }
  }

  // -----------------------------------------------------------------------------------------
  // Waiting for data

  /** Calls `wake` once, on the next append or when the log closes; returns an unsubscribe. */
  onAppend(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  #wake(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  // -----------------------------------------------------------------------------------------
  // Reads

  #segmentIndexFor(offset: number): number {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Appends to `out` the records from `offset` on (which must be within
   * [logStartOffset, highWatermark)) while their encoded size stays within `budget`; with
   * `force` the first record is taken whatever its size.
   */
  async read(offset: number, budget: number, force: boolean, out: LogRecord[]): Promise<PartitionRead> {
    const files = this.#options.files;
    const window =
      Math.min(budget, MAX_READ_WINDOW_BYTES) + this.#options.indexIntervalBytes + BATCH_HEADER_BYTES;
    let next = offset;
    let taken = 0;
    let s = this.#segmentIndexFor(offset);
    while (s < this.#segments.length && taken < budget) {
      const segment = this.#segments[s]!;
      const end = segment.size;
      if (next >= segment.endOffset) {
        s++;
        continue;
      }
      const handle = files.acquire(segment);
      try {
        const view = new SegmentWindow(await handle, end, window, true);
        let position = segment.lookup(next);
        while (position < end) {
          let at = await view.load(position, BATCH_HEADER_BYTES);
          const header = parseBatchHeader(view.buf, at);
          if (header.baseOffset + header.count <= next) {
            position += header.totalBytes;
            continue;
          }
          at = await view.load(position, header.totalBytes);
          checkBatch(view.buf, at, header, segment, position);
          const result = decodeBatch(
            view.buf,
            at,
            header,
            this.topic,
            this.partition,
            next,
            budget - taken,
            force && taken === 0 && next === offset,
            out,
          );
          taken += result.bytes;
          next = result.nextOffset;
          if (result.full) return { nextOffset: next, bytes: taken };
          position += header.totalBytes;
        }
      } finally {
        files.release(segment);
      }
      s++;
    }
    return { nextOffset: next, bytes: taken };
  }

  /** The first record with a timestamp at or after `target`, or null when there is none. */
  async offsetForTimestamp(target: number): Promise<{ offset: number; timestamp: number } | null> {
    const files = this.#options.files;
    const segments = [...this.#segments];
    for (const segment of segments) {
      if (segment.maxTimestamp < target) continue;
      const entries = segment.indexMaxTimestamps;
      let e = 0;
      while (e < entries.length && entries[e]! < target) e++;
      if (e === entries.length) continue;
      const end = segment.size;
      const handle = files.acquire(segment);
      try {
        const view = new SegmentWindow(await handle, end, SCAN_CHUNK_BYTES, false);
        let position = segment.indexPositions[e]!;
        while (position < end) {
          let at = await view.load(position, BATCH_HEADER_BYTES);
          const header = parseBatchHeader(view.buf, at);
          if (header.maxTimestamp >= target) {
            at = await view.load(position, header.totalBytes);
            checkBatch(view.buf, at, header, segment, position);
            const found = findTimestamp(view.buf, at, header, target);
            if (found !== null) return found;
          }
          position += header.totalBytes;
        }
      } finally {
        files.release(segment);
      }
    }
    return null;
  }
}

function checkBatch(buf: Buffer, at: number, header: BatchHeader, segment: Segment, position: number): void {
  if (header.magic !== BATCH_MAGIC || !batchCrcMatches(buf, at, header)) {
    throw new CorruptBatchError(`Corrupt batch at position ${position} of ${segment.path} (CRC mismatch)`);
  }
}

/**
 * Walks a segment file from its start, indexing every valid batch into `segment`. With `verify`
 * every batch is read whole and its CRC checked; otherwise only the headers are read. Returns
 * a description of the first invalid batch (`segment.size` is then its position), or undefined.
 */
async function scanSegment(
  options: PartitionLogOptions,
  segment: Segment,
  fileSize: number,
  verify: boolean,
): Promise<string | undefined> {
  const files = options.files;
  const handle = files.acquire(segment);
  try {
    const view = new SegmentWindow(await handle, fileSize, SCAN_CHUNK_BYTES, false);
    let position = 0;
    let expected = segment.baseOffset;
    let problem: string | undefined;
    while (position < fileSize) {
      if (fileSize - position < BATCH_HEADER_BYTES) {
        problem = 'incomplete batch header';
        break;
      }
      let at = await view.load(position, BATCH_HEADER_BYTES);
      const header = parseBatchHeader(view.buf, at);
      if (header.count < 1 || header.totalBytes < BATCH_HEADER_BYTES + header.count * MIN_RECORD_BYTES) {
        problem = 'malformed batch header';
        break;
      }
      if (position + header.totalBytes > fileSize) {
        problem = 'incomplete batch';
        break;
      }
      if (header.magic !== BATCH_MAGIC) {
        problem = `unknown batch format ${header.magic}`;
        break;
      }
      if (header.baseOffset !== expected) {
        problem = `batch at offset ${header.baseOffset} where ${expected} was expected`;
        break;
      }
      if (verify) {
        at = await view.load(position, header.totalBytes);
        if (!batchCrcMatches(view.buf, at, header)) {
          problem = 'batch CRC mismatch';
          break;
        }
      }
      segment.addBatch(
        position,
        header.baseOffset,
        header.count,
        header.maxTimestamp,
        options.indexIntervalBytes,
      );
      position += header.totalBytes;
      expected += header.count;
    }
    segment.size = position;
    return problem;
  } finally {
    files.release(segment);
  }
}
