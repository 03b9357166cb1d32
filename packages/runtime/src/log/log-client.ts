/**
 * The only way the runtime talks to a log: Sluice's own small client interface.
 *
 * Two implementations exist (or will): {@link PlatformaticLogClient} over a real Kafka cluster
 * (`platformatic-client.ts`), and an embedded, file-backed log used by a standalone worker that
 * has no `bootstrap.servers`. Everything above this interface (workers, tasks, backing stores,
 * the REST offsets API) must stay unaware of which one it is using.
 *
 * Conventions:
 * - Offsets and timestamps are JavaScript numbers (safe integers: offsets up to 2^53 - 1, epoch
 *   milliseconds). Implementations convert at their boundary and fail on an unsafe value.
 * - Keys, values and header values are `Buffer`s; `null` is distinct from an empty buffer (a
 *   null value is a tombstone on a compacted topic).
 * - Headers are an ordered list of `[key, value]` pairs; a key may repeat, as in Kafka.
 * - Every method works in batches: one call per batch of records or partitions, never one call
 *   per record.
 * - Failures are `ConnectError`s from `@sluice/api`: `RetriableError` when trying again may help
 *   (leader moved, network, timeout), `NotFoundError` for missing topics, `AlreadyExistsError`
 *   only where documented, `ConfigError` for invalid topic settings; the underlying error is
 *   kept as `cause`.
 */
import type { TopicPartition as SdkTopicPartition } from '@sluice/api';

/** A record header: key and value; a key may appear more than once in one record. */
export type LogHeader = [key: string, value: Buffer | null];

/**
 * A topic partition as the log clients take and give it: the fields of the SDK's `TopicPartition`
 * (one definition), as a plain object, since the clients pass many of them on the record path and
 * need neither `equals` nor `toString`.
 */
export type TopicPartition = Pick<SdkTopicPartition, 'topic' | 'partition'>;

// -------------------------------------------------------------------------------------------
// Admin

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** Number of partitions; the cluster default (`num.partitions`) when omitted. */
  partitions?: number;
  /** Replication factor; the cluster default (`default.replication.factor`) when omitted. */
  replicationFactor?: number;
  /** Topic-level configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

/** Outcome of creating one topic. An existing topic is not an error: `created` is false. */
export interface CreateTopicResult {
  name: string;
  /** True when this call created the topic, false when a topic of that name already existed. */
  created: boolean;
}

/** Where a topic config value comes from (Kafka's `ConfigSource`). */
export type TopicConfigSource =
  | 'topic'
  | 'dynamic-broker'
  | 'dynamic-default-broker'
  | 'static-broker'
  | 'default'
  | 'unknown';

export interface TopicConfigEntry {
  value: string | null;
  source: TopicConfigSource;
  /** True for values the server will not disclose (value is then null). */
  sensitive: boolean;
  readOnly: boolean;
}

export interface PartitionDescription {
  partition: number;
  /** Node id of the leader, -1 when there is none. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  name: string;
  /** The topic's unique id (a Kafka UUID as text), '' when the log has none. */
  topicId: string;
  /** Partitions in partition order. */
  partitions: PartitionDescription[];
  /** Replication factor of partition 0 (all partitions share it unless reassigned). */
  replicationFactor: number;
  /** Every effective config of the topic, including defaults. */
  configs: Record<string, TopicConfigEntry>;
}

export interface ListTopicsOptions {
  /** Include internal topics such as `__consumer_offsets`. Default false. */
  includeInternal?: boolean;
}

export interface LogAdmin {
  /** The id of the cluster (Kafka's cluster id; the embedded log's own id). */
  clusterId(): Promise<string>;
  /**
   * Creates topics. A topic that already exists is reported with `created: false` and is left
   * unchanged (its partitions and configs are not compared). Other failures throw (for invalid
   * settings a `ConfigError`).
   */
  createTopics(topics: NewTopic[]): Promise<CreateTopicResult[]>;
  /**
   * Describes topics: partitions with leaders and replicas, and the effective configs.
   * Throws `NotFoundError` naming the missing topics when any does not exist.
   */
  describeTopics(names: string[]): Promise<Map<string, TopicDescription>>;
  /** Names of the existing topics, sorted. */
  listTopics(options?: ListTopicsOptions): Promise<string[]>;
  /** Deletes topics. Throws `NotFoundError` when one does not exist (the others are deleted). */
  deleteTopics(names: string[]): Promise<void>;
}

// -------------------------------------------------------------------------------------------
// Produce

/** A record to append. */
export interface ProduceRecord {
  topic: string;
  /**
   * Target partition. When omitted: a non-null key goes to `murmur2(key) % partitions` exactly
   * as Kafka's Java producer does (so keyed records land where a Java producer would put them);
   * null-key records of one batch all go to one partition, chosen round-robin per batch (like
   * the Java producer's sticky partitioner).
   */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: LogHeader[];
  /** Create time in epoch milliseconds; now when omitted. */
  timestamp?: number;
}

/** Acknowledgement of one appended record, in the order of the records given. */
export interface RecordAck {
  topic: string;
  partition: number;
  offset: number;
  /** The record's timestamp as stored (its create time). */
  timestamp: number;
}

export interface LogWriter {
  /**
   * Appends a batch of records and resolves once all are acknowledged (by default by all
   * in-sync replicas), with one acknowledgement per record in input order. Records of one
   * partition are appended in input order. On failure nothing is acknowledged, although part
   * of the batch may have been written (at-least-once): retrying may duplicate records.
   * `signal` ends a wait for a topic that does not exist yet (or a retry) with a ConnectError whose
   * `cause` is the signal's reason: a stopping source task is not held up by it.
   */
  produce(records: ProduceRecord[], options?: ProduceOptions): Promise<RecordAck[]>;
}

export interface ProduceOptions {
  /** Gives up waiting for metadata or for the next retry once aborted. */
  signal?: AbortSignal;
}

// -------------------------------------------------------------------------------------------
// Fetch and offsets

/** A stored record, as read back. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: LogHeader[];
  /** Leader epoch of the batch holding the record, -1 when unknown. */
  leaderEpoch: number;
}

export interface FetchPartitionRequest extends TopicPartition {
  /** The first offset wanted. */
  offset: number;
  /** Byte budget for this partition; the fetch's `maxPartitionBytes` when omitted. */
  maxBytes?: number;
}

export interface FetchOptions {
  /** How long the server may wait for `minBytes` to accumulate. Default 500 ms. */
  maxWaitMs?: number;
  /** Minimum bytes to wait for. Default 1 (answer as soon as anything is there). */
  minBytes?: number;
  /** Byte budget for the whole fetch. Default 50 MiB. */
  maxBytes?: number;
  /** Default byte budget per partition. Default 1 MiB. */
  maxPartitionBytes?: number;
  /** Default 'read_uncommitted' (Kafka's consumer default). */
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  /**
   * Hand each partition's records out one at a time through {@link FetchedPartition.lazyRecords},
   * each decoded from the fetched bytes when it is taken, instead of all at once in `records`. For
   * a reader that holds a whole fetch but uses it a few hundred records at a time (a sink task,
   * `max.poll.records`): only the bytes stay in memory meanwhile, not one object per record. A log
   * may ignore it and fill `records` (the embedded log does). Default false.
   */
  lazy?: boolean;
}

/**
 * The records of one fetched partition, in offset order, each decoded when taken
 * ({@link FetchOptions.lazy}). Holds the fetched bytes until every record is taken or it is dropped.
 */
export interface FetchedRecords {
  /** How many records are left to take. */
  readonly remaining: number;
  /** The offset of the next record; undefined when none is left. */
  peekOffset(): number | undefined;
  /** The next record; undefined when none is left. */
  next(): LogRecord | undefined;
}

/** A per-partition fetch failure; the other partitions of the fetch are unaffected. */
export interface PartitionError {
  /**
   * Kafka's error name, e.g. 'OFFSET_OUT_OF_RANGE', 'UNKNOWN_TOPIC_OR_PARTITION',
   * 'NOT_LEADER_OR_FOLLOWER'. The embedded log uses the same names.
   */
  code: string;
  message: string;
  /** True when fetching the partition again (possibly after a moment) may succeed. */
  retriable: boolean;
}

export interface FetchedPartition extends TopicPartition {
  /**
   * Records at or after the requested offset, in offset order. Even a small byte budget
   * returns at least one record when one is available, so a fetch always makes progress.
   */
  records: LogRecord[];
  /**
   * The same records decoded one at a time, when the fetch asked for {@link FetchOptions.lazy}
   * and the log supports it; `records` is then empty.
   */
  lazyRecords?: FetchedRecords;
  /**
   * The offset to fetch next: one past the last record or skipped entry (transaction
   * markers, aborted records), or the requested offset when nothing was returned.
   */
  nextOffset: number;
  /** End of the log (offset of the next record to be written). -1 when unknown (error). */
  highWatermark: number;
  /** First offset still in the log. -1 when unknown. */
  logStartOffset: number;
  /** End of the committed (non-transactional-pending) part of the log. -1 when unknown. */
  lastStableOffset: number;
  error?: PartitionError;
}

export type OffsetSpec = 'earliest' | 'latest';

export interface ListedOffset extends TopicPartition {
  offset: number;
}

export interface TimestampOffsetRequest extends TopicPartition {
  /** Epoch milliseconds. */
  timestamp: number;
}

export interface TimestampOffset extends TopicPartition {
  /** Earliest offset whose timestamp is at or after the requested one; null when there is none. */
  offset: number | null;
  /** Timestamp of that record; null when there is none. */
  timestamp: number | null;
}

export interface LogReader {
  /**
   * Reads a batch from each given partition in one round trip per server. Per-partition
   * failures are reported in {@link FetchedPartition.error}; only failures of the whole fetch
   * throw. Results are in request order. A partition may appear only once per call.
   */
  fetch(partitions: FetchPartitionRequest[], options?: FetchOptions): Promise<FetchedPartition[]>;
  /**
   * The earliest offset (log start) or the latest offset (the end: the offset the next record
   * will get) of each partition, in request order.
   */
  listOffsets(
    partitions: TopicPartition[],
    spec: OffsetSpec,
    options?: { isolationLevel?: FetchOptions['isolationLevel'] },
  ): Promise<ListedOffset[]>;
  /** For each partition the first offset at or after a timestamp, in request order. */
  offsetsForTimes(requests: TimestampOffsetRequest[]): Promise<TimestampOffset[]>;
}

// -------------------------------------------------------------------------------------------
// Consumer-group offsets

export interface GroupOffset extends TopicPartition {
  /** The committed offset: the next record the group will read. */
  offset: number;
  /** Metadata stored with the commit (null when none). */
  metadata: string | null;
}

export interface CommitOffset extends TopicPartition {
  offset: number;
}

export interface LogGroupOffsets {
  /**
   * Commits offsets for a consumer group from outside the group (no member id, generation -1),
   * as Kafka Connect's `PATCH /connectors/{name}/offsets` does for a sink connector. Fails
   * with a `ConnectError` when the group has active members.
   */
  commitGroupOffsets(groupId: string, offsets: CommitOffset[]): Promise<void>;
  /**
   * The committed offsets of a group: of the given partitions, or of every partition the group
   * has committed when `partitions` is omitted. Partitions without a committed offset are left
   * out. Sorted by topic, then partition.
   */
  fetchGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<GroupOffset[]>;
  /**
   * Deletes the committed offsets of the given partitions of a group (Kafka's OffsetDelete).
   * Fails with a `ConnectError` when the group is subscribed to one of the topics.
   */
  deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void>;
  /** Deletes empty consumer groups and all their offsets. Unknown groups are ignored. */
  deleteGroups(groupIds: string[]): Promise<void>;
}

// -------------------------------------------------------------------------------------------
// Consumer-group membership (a sink task is a member of its connector's group)

/** What a member's owner does when the group moves partitions (Kafka's ConsumerRebalanceListener). */
export interface RebalanceListener {
  /** Partitions given up while still a member: commit what was consumed, then close them. */
  revoked(partitions: TopicPartition[]): Promise<void>;
  /** Partitions this member now reads (the whole assignment under an eager protocol, else the added ones). */
  assigned(partitions: TopicPartition[]): Promise<void>;
  /** Partitions lost without a chance to commit (the membership ended): close them. */
  lost(partitions: TopicPartition[]): Promise<void>;
}

export interface GroupMemberOptions {
  groupId: string;
  /** The member's client id, as group tools show it (a Kafka member uses its client's). */
  clientId: string;
  /** `group.instance.id` (static membership), null when unset. */
  groupInstanceId: string | null;
  /** The topics to subscribe to; asked at every join and every `metadataMaxAgeMs`. */
  subscription: () => Promise<string[]>;
  /** Assignor (protocol) names in preference order: range, roundrobin, sticky, cooperative-sticky. */
  assignors: string[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Longest time between two polls before the member leaves the group; also the rebalance timeout. */
  maxPollIntervalMs: number;
  /** How often the subscription and the partition counts are checked for changes. */
  metadataMaxAgeMs: number;
  listener: RebalanceListener;
  logger?: { info(msg: string): void; warn(msg: string): void };
}

export interface GroupMember {
  readonly memberId: string;
  readonly generationId: number;
  /** The partitions this member owns now. */
  assignment(): TopicPartition[];
  /**
   * Joins when needed and runs pending rebalances, calling the listener; call it from the
   * consuming loop at least every `maxPollIntervalMs`.
   */
  poll(): Promise<void>;
  /** Commits offsets as this member (generation and member id). */
  commit(offsets: CommitOffset[]): Promise<void>;
  /**
   * Ends a wait for the group at once, as Kafka's `consumer.wakeup()`: a `poll` held in a
   * JoinGroup/SyncGroup (or the next one to wait) rejects with a `GroupWakeupError`. Called when
   * the task is stopped; `commit` and `close` (which leaves) still work afterwards. Absent where
   * joining never waits for other members.
   */
  wakeup?(): void;
  /** Leaves the group. */
  close(): Promise<void>;
}

// -------------------------------------------------------------------------------------------

// Transactions (exactly-once source tasks, KIP-618)

/**
 * A transactional producer (Kafka's producer with `transactional.id`): one per exactly-once source
 * task. `init` registers the id with its transaction coordinator (InitProducerId), which fences
 * every older producer of the same id and aborts its open transaction. Records given to `produce`
 * between two `commit`/`abort` calls form one transaction; a transaction begins with the first
 * `produce` after `init`, `commit` or `abort`. A fenced producer fails every later call with a
 * `ConnectError` whose message names the fencing.
 */
export interface TransactionalWriter {
  readonly transactionalId: string;
  init(): Promise<void>;
  /** Appends records inside the current transaction; the acknowledgements are in input order. */
  produce(records: ProduceRecord[], options?: ProduceOptions): Promise<RecordAck[]>;
  /** True between the first `produce` of a transaction and its `commit`/`abort`. */
  readonly inTransaction: boolean;
  /** Commits the current transaction (nothing to do when none is open). */
  commit(): Promise<void>;
  /** Aborts the current transaction (nothing to do when none is open). */
  abort(): Promise<void>;
  close(): Promise<void>;
}

export interface LogTransactions {
  /** A transactional producer for `transactionalId` (not yet initialized). */
  transactionalWriter(transactionalId: string): TransactionalWriter;
  /**
   * Fences the producers of the given transactional ids (Kafka's `Admin.fenceProducers`): after it
   * resolves, none of them can write or commit any more and their open transactions are aborted.
   */
  fenceProducers(transactionalIds: string[]): Promise<void>;
}

/** Everything the runtime needs from a log. */
export interface LogClient extends LogAdmin, LogWriter, LogReader, LogGroupOffsets, Partial<LogTransactions> {
  /** 'kafka' for a Kafka cluster, 'embedded' for the embedded file-backed log. */
  readonly kind: 'kafka' | 'embedded';
  /** Releases connections and files. Further calls fail. Idempotent. */
  close(): Promise<void>;
  /**
   * A new member of a consumer group that reads with this client (a sink task's membership of
   * its connector's group); absent where the log has no group protocol.
   */
  joinGroup?(options: GroupMemberOptions): GroupMember;
}
