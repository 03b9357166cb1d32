/**
 * The embedded log: a file-backed {@link LogClient} for a standalone worker that has no
 * `bootstrap.servers` (ARCHITECTURE.md, principle 3). It offers what the Kafka adapter offers
 * (topics with partitions and configs, appends with per-record offsets, long-polling fetches,
 * offset lookups, committed consumer-group offsets, a cluster id) from one directory owned by
 * one process.
 *
 * Layout of the directory (`embedded.log.dir`, default `./sluice-data`):
 *
 * ```
 *   .lock                                   pid of the owning process (see dir-lock.ts)
 *   meta.json                               format version and cluster id (created once)
 *   topics/<topic>/topic.json               topic id, partition count, topic configs
 *   topics/<topic>/<partition>/<20-digit base offset>.log    segment files (partition-log.ts)
 *   groups/<group>-<hash>.json              committed offsets of one consumer group
 *   staging/, trash/                        topics being created or deleted (emptied on open)
 * ```
 *
 * Durability. A produce is acknowledged once its batches are written to the segment file (in
 * the OS page cache). `fsync` decides when they reach the disk:
 * - `'interval'` (default): every `fsyncIntervalMs` (1 s), when a segment is rolled, and on close;
 * - `'always'`: before each acknowledgement (concurrent produces share one fsync);
 * - `'never'`: left to the OS.
 * Killing the process (even `kill -9`) loses nothing that was acknowledged: the data is in the
 * page cache, and the next open truncates a torn last batch (each batch has a length prefix and
 * a CRC). A crash of the OS or a power cut can lose what was acknowledged but not yet fsynced
 * (up to about `fsyncIntervalMs` with `'interval'`); only `'always'` prevents that. Topic
 * creation and deletion and group-offset files are atomic (rename) in every mode.
 *
 * Where Kafka's concepts have no local meaning the answers are constants: one broker, node id
 * 0, leader of every partition, replicas and ISR `[0]`, replication factor 1 (creating a topic
 * with a larger one fails like on a one-broker cluster), leader epoch 0, no transactions (the
 * last stable offset is the high watermark; `isolationLevel` changes nothing), no group
 * membership (commits from outside a group always succeed).
 *
 * Not implemented, by design for now: compaction and retention. `cleanup.policy`, `retention.*`
 * and the other topic configs are validated, stored and described, but every record is kept
 * forever (the log start offset stays 0); only `segment.bytes`, `max.message.bytes` and
 * `message.timestamp.type` take effect. The topic's `flush.*` configs are replaced by `fsync`.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, ConnectError, NotFoundError } from '@sluice/api';
import { ClientClosedError } from '../client-closed-error.ts';
import type {
  CommitOffset,
  CreateTopicResult,
  FetchedPartition,
  FetchOptions,
  FetchPartitionRequest,
  GroupMember,
  GroupMemberOptions,
  GroupOffset,
  ListedOffset,
  ListTopicsOptions,
  LogClient,
  LogRecord,
  NewTopic,
  OffsetSpec,
  ProduceRecord,
  RecordAck,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicDescription,
  TopicPartition,
} from '../log-client.ts';
import { ProducerPartitioner } from '../partitioner.ts';
import { BatchBuffers } from './batch-buffers.ts';
import { type DirLock, lockDirectory } from './dir-lock.ts';
import { isTempFileName, mapLimit, syncDir, writeFileAtomic } from './fs-util.ts';
import { type EmbeddedGroupDescription, EmbeddedGroups } from './group-membership.ts';
import { GroupOffsetStore } from './group-offsets.ts';
import {
  FilePool,
  type FsyncPolicy,
  PartitionLog,
  type PartitionLogOptions,
  type RecoveryNote,
} from './partition-log.ts';
import {
  BATCH_HEADER_BYTES,
  CorruptBatchError,
  encodeBatch,
  MAX_TIMESTAMP_VARINT_BYTES,
  recordBodySize,
} from './record-batch.ts';
import { effectiveTopicConfigs, intConfig, validateTopicConfigs, validateTopicName } from './topic-config.ts';

export type { FsyncPolicy, RecoveryNote } from './partition-log.ts';

/** Settings of the embedded log. Worker properties map onto them (`embedded.log.dir` → `dir`). */
export interface EmbeddedLogClientConfig {
  /** The log directory (`embedded.log.dir`); created when missing. Default './sluice-data'. */
  dir?: string;
  /** When written data is fsynced; see the module documentation. Default 'interval'. */
  fsync?: FsyncPolicy;
  /** Period of the fsync with `fsync: 'interval'`. Default 1000 ms. */
  fsyncIntervalMs?: number;
  /**
   * Segment size for topics without their own `segment.bytes` (plays Kafka's broker config
   * `log.segment.bytes`). Default 64 MiB.
   */
  segmentBytes?: number;
  /** Partitions of a topic created without a count, or by a produce (`num.partitions`). Default 1. */
  numPartitions?: number;
  /** Let a produce to a missing topic create it (`auto.create.topics.enable`). Default true. */
  autoCreateTopics?: boolean;
  /** Bytes of data between two entries of the in-memory sparse index. Default 4096. */
  indexIntervalBytes?: number;
  /** A produce splits a partition's records into batches of about this size. Default 256 KiB. */
  maxBatchBytes?: number;
  /** Segment files kept open at most (the least recently used are closed). Default 256. */
  maxOpenFiles?: number;
}

export const EMBEDDED_LOG_DEFAULTS = {
  dir: './sluice-data',
  fsync: 'interval',
  fsyncIntervalMs: 1000,
  segmentBytes: 64 * 1024 * 1024,
  numPartitions: 1,
  autoCreateTopics: true,
  indexIntervalBytes: 4096,
  maxBatchBytes: 256 * 1024,
  maxOpenFiles: 256,
} as const satisfies Required<EmbeddedLogClientConfig>;

const FORMAT_VERSION = 1;
/** Batch memory kept for reuse between produce calls (see BatchBuffers). */
const FREE_BATCH_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_WAIT_MS = 500;
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_PARTITION_BYTES = 1024 * 1024;

interface MetaFile {
  formatVersion: number;
  clusterId: string;
  createdAt: string;
}

interface TopicFile {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
}

interface TopicState {
  readonly name: string;
  readonly topicId: string;
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: PartitionLog[];
  readonly dir: string;
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
}

interface Settings {
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  segmentBytes: number;
  numPartitions: number;
  autoCreateTopics: boolean;
  indexIntervalBytes: number;
  maxBatchBytes: number;
  maxOpenFiles: number;
}

/** A Kafka-style id: 16 random bytes as 22 characters of URL-safe base64, not starting with '-'. */
function newKafkaId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function positiveInteger(
  config: EmbeddedLogClientConfig,
  key: keyof Settings,
  fallback: number,
  min = 1,
): number {
  const value = config[key as keyof EmbeddedLogClientConfig] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw ConfigError.invalidValue(key, value, `must be an integer of at least ${min}`);
  }
  return value;
}

function settingsOf(config: EmbeddedLogClientConfig): Settings {
  const d = EMBEDDED_LOG_DEFAULTS;
  const fsync = config.fsync ?? d.fsync;
  if (fsync !== 'always' && fsync !== 'interval' && fsync !== 'never') {
    throw ConfigError.invalidValue('fsync', fsync, "must be 'always', 'interval' or 'never'");
  }
  return {
    fsync,
    fsyncIntervalMs: positiveInteger(config, 'fsyncIntervalMs', d.fsyncIntervalMs),
    segmentBytes: positiveInteger(config, 'segmentBytes', d.segmentBytes, 1024),
    numPartitions: positiveInteger(config, 'numPartitions', d.numPartitions),
    autoCreateTopics: config.autoCreateTopics ?? d.autoCreateTopics,
    indexIntervalBytes: positiveInteger(config, 'indexIntervalBytes', d.indexIntervalBytes, 0),
    maxBatchBytes: positiveInteger(config, 'maxBatchBytes', d.maxBatchBytes, 1024),
    maxOpenFiles: positiveInteger(config, 'maxOpenFiles', d.maxOpenFiles),
  };
}

function missingTopicsError(names: string[]): NotFoundError {
  return new NotFoundError(
    names.length === 1 ? `Topic ${names[0]} does not exist` : `Topics ${names.join(', ')} do not exist`,
  );
}

function partitionError(
  request: FetchPartitionRequest,
  code: string,
  message: string,
  retriable: boolean,
  log?: PartitionLog,
): FetchedPartition {
  return {
    topic: request.topic,
    partition: request.partition,
    records: [],
    nextOffset: request.offset,
    highWatermark: log?.highWatermark ?? -1,
    logStartOffset: log?.logStartOffset ?? -1,
    lastStableOffset: log?.highWatermark ?? -1,
    error: { code, message, retriable },
  };
}

/** A LogClient over a directory of files; create one with {@link EmbeddedLogClient.open}. */
export class EmbeddedLogClient implements LogClient {
  readonly kind = 'embedded' as const;
  /** The log directory, as an absolute path. */
  readonly dir: string;
  /** Repairs made while opening (torn batches truncated, unreadable files set aside). */
  readonly recovery: readonly RecoveryNote[];
  readonly #settings: Settings;
  readonly #lock: DirLock;
  readonly #clusterId: string;
  readonly #files: FilePool;
  readonly #topics: Map<string, TopicState>;
  readonly #groups: GroupOffsetStore;
  /** Members of the groups (sink tasks of this process). */
  readonly #members = new EmbeddedGroups(
    async (topics) => {
      const existing = new Set(await this.listTopics());
      const names = topics.filter((t) => existing.has(t));
      const described = names.length === 0 ? new Map() : await this.describeTopics(names);
      return new Map([...described].map(([t, d]) => [t, d.partitions.length]));
    },
    (groupId, offsets) => this.#groups.commit(groupId, offsets),
  );
  /** Admin changes (create, delete) run one at a time. */
  #adminTail: Promise<unknown> = Promise.resolve();
  /** Per-topic round-robin counter for batches of null-key records. */
  readonly #partitioner = new ProducerPartitioner();
  /** Slabs that encoded batches are written into, reused once a partition has written them. */
  readonly #batchBuffers: BatchBuffers;
  readonly #closeWaiters = new Set<() => void>();
  #syncTimer: ReturnType<typeof setInterval> | undefined;
  #syncing = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    dir: string,
    settings: Settings,
    lock: DirLock,
    clusterId: string,
    files: FilePool,
    topics: Map<string, TopicState>,
    groups: GroupOffsetStore,
    recovery: RecoveryNote[],
  ) {
    this.dir = dir;
    this.#settings = settings;
    this.#lock = lock;
    this.#clusterId = clusterId;
    this.#files = files;
    this.#topics = topics;
    this.#groups = groups;
    this.recovery = recovery;
    // At most FREE_BATCH_BYTES wait for reuse: none when one batch may be larger than that.
    this.#batchBuffers = new BatchBuffers(
      settings.maxBatchBytes,
      Math.floor(FREE_BATCH_BYTES / settings.maxBatchBytes),
    );
    if (settings.fsync === 'interval') {
      this.#syncTimer = setInterval(() => void this.#syncAll(), settings.fsyncIntervalMs);
      this.#syncTimer.unref();
    }
  }

  /**
   * Opens (creating when needed) the log in `config.dir`: takes the directory lock, reads the
   * topics and groups, rebuilds the segment indexes and repairs a torn tail left by a crash.
   * Fails with a ConnectError naming the directory when another process holds it.
   */
  static async open(config: EmbeddedLogClientConfig = {}): Promise<EmbeddedLogClient> {
    const settings = settingsOf(config);
    const dir = resolve(config.dir ?? EMBEDDED_LOG_DEFAULTS.dir);
    const durable = settings.fsync !== 'never';
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new ConnectError(`Cannot create the embedded log directory ${dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const lock = await lockDirectory(dir);
    const files = new FilePool(settings.maxOpenFiles);
    const topics = new Map<string, TopicState>();
    try {
      const clusterId = await loadMeta(dir, durable);
      for (const sub of ['topics', 'groups']) await mkdir(join(dir, sub), { recursive: true });
      for (const sub of ['staging', 'trash']) await rm(join(dir, sub), { recursive: true, force: true });
      const recovery: RecoveryNote[] = [];
      const topicsDir = join(dir, 'topics');
      for (const name of (await readdir(topicsDir)).sort()) {
        const topic = await openTopic(join(topicsDir, name), name, settings, files, recovery);
        if (topic !== undefined) topics.set(name, topic);
      }
      const groups = await GroupOffsetStore.open(join(dir, 'groups'), durable, recovery);
      return new EmbeddedLogClient(dir, settings, lock, clusterId, files, topics, groups, recovery);
    } catch (err) {
      for (const topic of topics.values()) await Promise.allSettled(topic.partitions.map((p) => p.close()));
      await lock.release();
      if (err instanceof ConnectError) throw err;
      throw new ConnectError(`Cannot open the embedded log in ${dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClientClosedError(`The embedded log (${this.dir}) is closed`);
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#adminTail.then(() => {
      this.#checkOpen();
      return fn();
    });
    this.#adminTail = result.catch(() => {});
    return result;
  }

  /** The broker-level settings a describe reports as 'static-broker'. */
  #brokerConfigs(): Record<string, string> {
    const configs: Record<string, string> = { 'segment.bytes': String(this.#settings.segmentBytes) };
    if (this.#settings.fsync === 'always') configs['flush.messages'] = '1';
    if (this.#settings.fsync === 'interval') configs['flush.ms'] = String(this.#settings.fsyncIntervalMs);
    return configs;
  }

  async close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#syncTimer !== undefined) clearInterval(this.#syncTimer);
    for (const wake of [...this.#closeWaiters]) wake();
    try {
      await this.#adminTail;
      const results = await Promise.allSettled(
        [...this.#topics.values()].flatMap((t) => t.partitions.map((p) => p.close())),
      );
      await this.#groups.flush();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) {
        throw new ConnectError(`Closing the embedded log (${this.dir}) failed: ${String(failed.reason)}`, {
          cause: failed.reason,
        });
      }
    } finally {
      await this.#lock.release();
    }
  }

  async #syncAll(): Promise<void> {
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    try {
      for (const topic of this.#topics.values()) {
        for (const partition of topic.partitions) await partition.sync();
      }
    } finally {
      this.#syncing = false;
    }
  }

  #partition(topic: string, partition: number): PartitionLog | undefined {
    return this.#topics.get(topic)?.partitions[partition];
  }

  // -----------------------------------------------------------------------------------------
  // Admin

  async clusterId(): Promise<string> {
    this.#checkOpen();
    return this.#clusterId;
  }

  async createTopics(topics: NewTopic[]): Promise<CreateTopicResult[]> {
    this.#checkOpen();
    const checked = topics.map((topic) => {
      try {
        validateTopicName(topic.name);
        const partitions = topic.partitions ?? this.#settings.numPartitions;
        if (!Number.isSafeInteger(partitions) || partitions < 1) {
          throw new ConfigError(
            'INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value.',
          );
        }
        const rf = topic.replicationFactor;
        if (rf !== undefined && rf !== -1 && rf !== 1) {
          throw new ConfigError(
            rf < 1
              ? 'INVALID_REPLICATION_FACTOR: Replication factor must be larger than 0, or -1 to use the default value.'
              : `INVALID_REPLICATION_FACTOR: Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`,
          );
        }
        const configs = { ...(topic.configs ?? {}) };
        validateTopicConfigs(configs);
        return { name: topic.name, partitions, configs };
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        throw new ConfigError(`Could not create topic ${topic.name}: ${err.message}`, {
          cause: err,
          ...(err.key === undefined ? {} : { key: err.key, value: err.value }),
        });
      }
    });
    return this.#exclusive(async () => {
      const results: CreateTopicResult[] = [];
      for (const topic of checked) {
        if (this.#topics.has(topic.name)) {
          results.push({ name: topic.name, created: false });
          continue;
        }
        await this.#createTopic(topic.name, topic.partitions, topic.configs);
        results.push({ name: topic.name, created: true });
      }
      return results;
    });
  }

  /** Creates a topic in `staging/`, then renames it into `topics/`: it appears whole or not at all. */
  async #createTopic(name: string, partitions: number, configs: Record<string, string>): Promise<TopicState> {
    const durable = this.#settings.fsync !== 'never';
    const staging = join(this.dir, 'staging', randomBytes(8).toString('hex'));
    const target = join(this.dir, 'topics', name);
    try {
      await mkdir(staging, { recursive: true });
      await mapLimit(
        Array.from({ length: partitions }, (_, p) => p),
        16,
        (p) => PartitionLog.initDirectory(join(staging, String(p))),
      );
      const file: TopicFile = { name, topicId: newKafkaId(), partitions, configs };
      await writeFileAtomic(join(staging, 'topic.json'), `${JSON.stringify(file, null, 2)}\n`, durable);
      await rename(staging, target);
      if (durable) await syncDir(join(this.dir, 'topics'));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw new ConnectError(`Could not create topic ${name} in ${this.dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const recovery: RecoveryNote[] = [];
    const topic = await openTopic(target, name, this.#settings, this.#files, recovery);
    if (topic === undefined) throw new ConnectError(`Topic ${name} was created but cannot be opened`);
    this.#topics.set(name, topic);
    return topic;
  }

  async describeTopics(names: string[]): Promise<Map<string, TopicDescription>> {
    this.#checkOpen();
    const result = new Map<string, TopicDescription>();
    const unique = [...new Set(names)];
    const missing = unique.filter((n) => !this.#topics.has(n));
    if (missing.length > 0) throw missingTopicsError(missing);
    const brokerConfigs = this.#brokerConfigs();
    for (const name of unique) {
      const topic = this.#topics.get(name)!;
      result.set(name, {
        name,
        topicId: topic.topicId,
        partitions: topic.partitions.map((_, partition) => ({
          partition,
          leader: 0,
          replicas: [0],
          isr: [0],
        })),
        replicationFactor: 1,
        configs: effectiveTopicConfigs(topic.configs, brokerConfigs),
      });
    }
    return result;
  }

  async listTopics(_options: ListTopicsOptions = {}): Promise<string[]> {
    this.#checkOpen();
    // No internal topics: group offsets live in files, not in __consumer_offsets.
    return [...this.#topics.keys()].sort();
  }

  async deleteTopics(names: string[]): Promise<void> {
    this.#checkOpen();
    if (names.length === 0) return;
    await this.#exclusive(async () => {
      const missing: string[] = [];
      const durable = this.#settings.fsync !== 'never';
      for (const name of new Set(names)) {
        const topic = this.#topics.get(name);
        if (topic === undefined) {
          missing.push(name);
          continue;
        }
        this.#topics.delete(name);
        this.#partitioner.forget(name);
        await Promise.allSettled(topic.partitions.map((p) => p.close()));
        // Rename first (atomic: after a crash the topic is either whole or gone), then remove.
        const trash = join(this.dir, 'trash', randomBytes(8).toString('hex'));
        try {
          await mkdir(join(this.dir, 'trash'), { recursive: true });
          await rename(topic.dir, trash);
          if (durable) await syncDir(join(this.dir, 'topics'));
          await rm(trash, { recursive: true, force: true });
        } catch (err) {
          throw new ConnectError(`Could not delete topic ${name} in ${this.dir}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        await this.#groups.removeTopic(name);
      }
      if (missing.length > 0) throw missingTopicsError(missing);
    });
  }

  // -----------------------------------------------------------------------------------------
  // Produce

  /** Makes sure every topic named exists, creating missing ones when allowed. */
  async #ensureTopics(names: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const missing = names.filter((n) => !this.#topics.has(n));
      if (missing.length === 0) return;
      if (!this.#settings.autoCreateTopics) {
        throw new NotFoundError(`Cannot produce: ${missingTopicsError(missing).message}`);
      }
      for (const name of missing) {
        try {
          validateTopicName(name);
        } catch (err) {
          throw new ConfigError(`Cannot produce to topic ${name}: ${(err as Error).message}`, { cause: err });
        }
      }
      if (attempt >= 3)
        throw new ConnectError(`Cannot produce: topics ${missing.join(', ')} keep disappearing`);
      await this.#exclusive(async () => {
        for (const name of missing) {
          if (!this.#topics.has(name)) await this.#createTopic(name, this.#settings.numPartitions, {});
        }
      });
    }
  }

  async produce(records: ProduceRecord[]): Promise<RecordAck[]> {
    this.#checkOpen();
    const count = records.length;
    if (count === 0) return [];
    const names = new Set<string>();
    for (let i = 0; i < count; i++) names.add(records[i]!.topic);
    await this.#ensureTopics([...names]);
    this.#checkOpen();

    // From here on nothing awaits until every batch is queued: topics cannot change meanwhile.
    const now = Date.now();
    const partitionOf = new Int32Array(count);
    const timestamps = new Float64Array(count);
    const bodySizes = new Float64Array(count);
    const byPartition = new Map<PartitionLog, number[]>();
    const choose = this.#partitioner.batch();
    let topic: TopicState | undefined;
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      if (topic === undefined || topic.name !== record.topic) topic = this.#topics.get(record.topic)!;
      const partition = choose(topic.name, record.partition, record.key, topic.partitions.length);
      partitionOf[i] = partition;
      let timestamp = record.timestamp;
      if (topic.logAppendTime || timestamp === undefined) timestamp = now;
      else if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new ConnectError(
          `Invalid timestamp: ${timestamp}. Timestamp should always be non-negative or null.`,
        );
      }
      timestamps[i] = timestamp;
      const size = recordBodySize(record);
      bodySizes[i] = size;
      const batchSize = size + MAX_TIMESTAMP_VARINT_BYTES + BATCH_HEADER_BYTES;
      if (batchSize > topic.maxMessageBytes) {
        throw new ConnectError(
          `RECORD_TOO_LARGE: The record is ${batchSize} bytes when serialized, larger than max.message.bytes (${topic.maxMessageBytes}) of topic ${topic.name}`,
        );
      }
      const log = topic.partitions[partition]!;
      let list = byPartition.get(log);
      if (list === undefined) {
        list = [];
        byPartition.set(log, list);
      }
      list.push(i);
    }

    const acks = new Array<RecordAck>(count);
    const pending: Promise<void>[] = [];
    const maxBatchBytes = this.#settings.maxBatchBytes;
    const buffers = this.#batchBuffers;
    const take = (size: number): Buffer => buffers.take(size);
    try {
      for (const [log, order] of byPartition) {
        const logAppendTime = this.#topics.get(log.topic)!.logAppendTime;
        const batches: Buffer[] = [];
        const starts: number[] = [];
        let from = 0;
        while (from < order.length) {
          let to = from;
          let bytes = BATCH_HEADER_BYTES;
          while (to < order.length) {
            const size = bodySizes[order[to]!]! + MAX_TIMESTAMP_VARINT_BYTES;
            if (to > from && bytes + size > maxBatchBytes) break;
            bytes += size;
            to++;
          }
          batches.push(encodeBatch(records, order, from, to, bodySizes, timestamps, logAppendTime, take));
          starts.push(from);
          from = to;
        }
        const { baseOffsets, done } = log.append(batches);
        // Written (or failed and cut back): the partition holds the batches no longer.
        const release = () => buffers.release(batches);
        done.then(release, release);
        pending.push(done);
        for (let b = 0; b < batches.length; b++) {
          const start = starts[b]!;
          const end = b + 1 < starts.length ? starts[b + 1]! : order.length;
          const base = baseOffsets[b]!;
          for (let j = start; j < end; j++) {
            const i = order[j]!;
            acks[i] = {
              topic: log.topic,
              partition: log.partition,
              offset: base + j - start,
              timestamp: timestamps[i]!,
            };
          }
        }
      }
    } catch (err) {
      void Promise.allSettled(pending);
      throw err;
    }
    await Promise.all(pending);
    return acks;
  }

  // -----------------------------------------------------------------------------------------
  // Fetch

  async fetch(partitions: FetchPartitionRequest[], options: FetchOptions = {}): Promise<FetchedPartition[]> {
    this.#checkOpen();
    if (partitions.length === 0) return [];
    const seen = new Set<string>();
    for (const p of partitions) {
      const key = `${p.partition}\0${p.topic}`;
      if (seen.has(key))
        throw new ConnectError(`Partition ${p.topic}-${p.partition} appears twice in one fetch`);
      seen.add(key);
    }
    const minBytes = options.minBytes ?? 1;
    const deadline = Date.now() + Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
    for (;;) {
      const round = await this.#fetchOnce(partitions, options);
      if (round.answerNow || round.bytes >= minBytes || this.#closed) return round.results;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return round.results;
      // Wait for an append to one of the partitions, unless one came while reading.
      if (round.logs.every((log, i) => log.highWatermark === round.watermarks[i])) {
        await this.#waitForAppend(round.logs, remaining);
      }
      if (this.#closed) return round.results;
    }
  }

  async #fetchOnce(
    requests: FetchPartitionRequest[],
    options: FetchOptions,
  ): Promise<{
    results: FetchedPartition[];
    bytes: number;
    answerNow: boolean;
    logs: PartitionLog[];
    watermarks: number[];
  }> {
    const results = new Array<FetchedPartition>(requests.length);
    const logs: PartitionLog[] = [];
    const watermarks: number[] = [];
    let remaining = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const partitionMax = options.maxPartitionBytes ?? DEFAULT_MAX_PARTITION_BYTES;
    let bytes = 0;
    let answerNow = false;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      const log = this.#partition(request.topic, request.partition);
      if (log === undefined || log.closed) {
        results[i] = partitionError(
          request,
          'UNKNOWN_TOPIC_OR_PARTITION',
          `This server does not host this topic-partition (${request.topic}-${request.partition}).`,
          true,
        );
        answerNow = true;
        continue;
      }
      const highWatermark = log.highWatermark;
      const logStartOffset = log.logStartOffset;
      logs.push(log);
      watermarks.push(highWatermark);
      const offset = request.offset;
      if (!Number.isSafeInteger(offset) || offset < logStartOffset || offset > highWatermark) {
        results[i] = partitionError(
          request,
          'OFFSET_OUT_OF_RANGE',
          `The requested offset ${offset} is not within the range of offsets [${logStartOffset}, ${highWatermark}] of ${request.topic}-${request.partition}.`,
          false,
          log,
        );
        answerNow = true;
        continue;
      }
      const records: LogRecord[] = [];
      let nextOffset = offset;
      const budget = Math.min(request.maxBytes ?? partitionMax, remaining);
      if (offset < highWatermark && budget > 0) {
        try {
          const read = await log.read(offset, budget, true, records);
          nextOffset = read.nextOffset;
          remaining -= read.bytes;
          bytes += read.bytes;
        } catch (err) {
          const corrupt = err instanceof CorruptBatchError;
          results[i] = log.closed
            ? partitionError(
                request,
                'UNKNOWN_TOPIC_OR_PARTITION',
                'The partition was deleted or closed.',
                true,
              )
            : partitionError(
                request,
                corrupt ? 'CORRUPT_MESSAGE' : 'KAFKA_STORAGE_ERROR',
                `Reading ${request.topic}-${request.partition} at offset ${offset} failed: ${(err as Error).message}`,
                !corrupt,
                log,
              );
          answerNow = true;
          continue;
        }
      }
      const end = log.highWatermark;
      results[i] = {
        topic: request.topic,
        partition: request.partition,
        records,
        nextOffset,
        highWatermark: end,
        logStartOffset,
        lastStableOffset: end,
      };
    }
    return { results, bytes, answerNow, logs, watermarks };
  }

  #waitForAppend(logs: PartitionLog[], ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const unsubscribe: Array<() => void> = [];
      const wake = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const off of unsubscribe) off();
        this.#closeWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      for (const log of logs) unsubscribe.push(log.onAppend(wake));
      this.#closeWaiters.add(wake);
    });
  }

  // -----------------------------------------------------------------------------------------
  // Offsets

  #logsOf(partitions: TopicPartition[]): PartitionLog[] {
    const missing = [...new Set(partitions.map((p) => p.topic))].filter((t) => !this.#topics.has(t));
    if (missing.length > 0) throw missingTopicsError(missing);
    return partitions.map((p) => {
      const log = this.#partition(p.topic, p.partition);
      if (log === undefined) throw new NotFoundError(`Partition ${p.topic}-${p.partition} does not exist`);
      return log;
    });
  }

  async listOffsets(partitions: TopicPartition[], spec: OffsetSpec): Promise<ListedOffset[]> {
    this.#checkOpen();
    const logs = this.#logsOf(partitions);
    return partitions.map((p, i) => ({
      topic: p.topic,
      partition: p.partition,
      offset: spec === 'earliest' ? logs[i]!.logStartOffset : logs[i]!.highWatermark,
    }));
  }

  async offsetsForTimes(requests: TimestampOffsetRequest[]): Promise<TimestampOffset[]> {
    this.#checkOpen();
    const logs = this.#logsOf(requests);
    return Promise.all(
      requests.map(async (r, i) => {
        let found: { offset: number; timestamp: number } | null;
        try {
          found = await logs[i]!.offsetForTimestamp(r.timestamp);
        } catch (err) {
          throw new ConnectError(
            `Could not look up ${r.topic}-${r.partition} by timestamp ${r.timestamp}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        return {
          topic: r.topic,
          partition: r.partition,
          offset: found?.offset ?? null,
          timestamp: found?.timestamp ?? null,
        };
      }),
    );
  }

  // -----------------------------------------------------------------------------------------
  // Consumer-group offsets

  async commitGroupOffsets(groupId: string, offsets: CommitOffset[]): Promise<void> {
    this.#checkOpen();
    if (offsets.length === 0) return;
    await this.#groups.commit(groupId, offsets);
  }

  async fetchGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<GroupOffset[]> {
    this.#checkOpen();
    return this.#groups.fetch(groupId, partitions);
  }

  async deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    this.#checkOpen();
    if (partitions.length === 0) return;
    await this.#groups.delete(groupId, partitions);
  }

  /** A member of a consumer group of this log (group-membership.ts). */
  joinGroup(options: GroupMemberOptions): GroupMember {
    this.#checkOpen();
    return this.#members.join(options, options.clientId);
  }

  /** Who is in a group and what each member owns; null for a group nobody has joined. */
  describeGroup(groupId: string): EmbeddedGroupDescription | null {
    return this.#members.describe(groupId);
  }

  /**
   * The consumer groups of this log (`sluice groups list`): those with committed offsets and
   * those with members, each with its state as {@link describeGroup} gives it (`Empty` for a
   * group that only has offsets), sorted by id. As on Kafka, a group with neither is gone.
   */
  listGroups(): Array<{ groupId: string; state: EmbeddedGroupDescription['state'] }> {
    this.#checkOpen();
    const active = this.#members.groupIds().filter((g) => this.#members.isActive(g));
    const ids = new Set([...this.#groups.groupIds(), ...active]);
    return [...ids].sort().map((groupId) => ({
      groupId,
      state: this.#members.describe(groupId)?.state ?? 'Empty',
    }));
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    this.#checkOpen();
    if (groupIds.length === 0) return;
    await this.#groups.deleteGroups(groupIds);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening

/** Reads the cluster id from `meta.json`, creating the file (and the id) on first open. */
async function loadMeta(dir: string, durable: boolean): Promise<string> {
  const path = join(dir, 'meta.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const meta: MetaFile = {
      formatVersion: FORMAT_VERSION,
      clusterId: newKafkaId(),
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(path, `${JSON.stringify(meta, null, 2)}\n`, durable);
    return meta.clusterId;
  }
  let meta: Partial<MetaFile>;
  try {
    meta = JSON.parse(text) as Partial<MetaFile>;
  } catch (err) {
    throw new ConnectError(`The embedded log's ${path} is not valid JSON`, { cause: err });
  }
  if (meta.formatVersion !== FORMAT_VERSION) {
    throw new ConnectError(
      `The embedded log in ${dir} has format version ${String(meta.formatVersion)}; this Sluice reads version ${FORMAT_VERSION}`,
    );
  }
  if (typeof meta.clusterId !== 'string' || meta.clusterId === '') {
    throw new ConnectError(`The embedded log's ${path} has no cluster id`);
  }
  return meta.clusterId;
}

/** Opens one topic directory; undefined (with a recovery note) when it is not a topic. */
async function openTopic(
  dir: string,
  name: string,
  settings: Settings,
  files: FilePool,
  recovery: RecoveryNote[],
): Promise<TopicState | undefined> {
  if (isTempFileName(name)) return undefined;
  let file: TopicFile;
  try {
    file = JSON.parse(await readFile(join(dir, 'topic.json'), 'utf8')) as TopicFile;
    if (file.name !== name) throw new Error(`it names topic ${String(file.name)}`);
    validateTopicName(file.name);
    if (!Number.isSafeInteger(file.partitions) || file.partitions < 1) throw new Error('bad partition count');
    if (typeof file.topicId !== 'string' || typeof file.configs !== 'object' || file.configs === null) {
      throw new Error('bad topic id or configs');
    }
  } catch (err) {
    recovery.push({
      file: join(dir, 'topic.json'),
      message: `not a topic (${(err as Error).message}); ignored the directory`,
    });
    return undefined;
  }
  const brokerConfigs = { 'segment.bytes': String(settings.segmentBytes) };
  const options: PartitionLogOptions = {
    segmentBytes: intConfig(file.configs, brokerConfigs, 'segment.bytes'),
    indexIntervalBytes: settings.indexIntervalBytes,
    fsync: settings.fsync,
    files,
  };
  const opened = await mapLimit(
    Array.from({ length: file.partitions }, (_, p) => p),
    16,
    (p) =>
      PartitionLog.open(name, p, join(dir, String(p)), options, recovery).then(
        (log) => ({ log, error: undefined }),
        (error: unknown) => ({ log: undefined, error }),
      ),
  );
  const failed = opened.find((o) => o.error !== undefined);
  if (failed !== undefined) {
    await Promise.allSettled(opened.map((o) => o.log?.close()));
    throw failed.error;
  }
  const partitions = opened.map((o) => o.log!);
  return {
    name,
    topicId: file.topicId,
    configs: file.configs,
    partitions,
    dir,
    maxMessageBytes: intConfig(file.configs, {}, 'max.message.bytes'),
    logAppendTime: (file.configs['message.timestamp.type'] ?? 'CreateTime').trim() === 'LogAppendTime',
  };
}
