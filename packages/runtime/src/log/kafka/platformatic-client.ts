/**
 * {@link LogClient} over a real Kafka cluster, built on `@platformatic/kafka`.
 *
 * The wrapper is thin: admin operations go through the library's `Admin`, appends through its
 * `Producer` (idempotent, acks=all by default), and reads through the library's low-level Fetch
 * API on a connection of their own (the library's high-level consumer has no per-partition
 * pause/resume/seek; a sink task drives fetch offsets itself). Three library clients are
 * created lazily, each with its own connections, so a long-polling fetch never delays an append
 * or an admin request (Kafka serves one request at a time per connection).
 *
 * Where the library falls short of what Kafka Connect needs, this file fills the gap:
 * - partitioning: the library's default partitioner is not the Java one for keys whose murmur2
 *   hash is negative, and sends null-key records of the compatible partitioner all to
 *   partition 0; partitions are therefore chosen here, as the Java producer chooses them;
 * - offsets per record: the library reports one base offset per partition; each record's offset
 *   is the base plus its position in that partition's batch (one batch per partition per send);
 * - batch size: the library puts all records of a partition into one batch, which the broker
 *   rejects above `max.message.bytes`; large inputs are split into several sends;
 * - timestamps: the library corrupts a record timestamp that is 2^31 ms (24.8 days) or more
 *   away from the first timestamp of its batch; such records go into separate batches;
 * - header keys may repeat: headers are passed as a Map keyed by distinct Buffer objects;
 * - per-topic configs at creation: the library applies one config list to all topics of a
 *   call, so topics are created one call each.
 */

import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  Admin,
  type API,
  type ClusterMetadata,
  ConfigResourceTypes,
  ConfigSources,
  createAPI,
  FetchIsolationLevels,
  fetchV12,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  IS_CONTROL,
  IS_TRANSACTIONAL,
  ListOffsetTimestamps,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  produceV9,
  produceV10,
  produceV11,
  protocolErrors,
  protocolErrorsCodesById,
  type SASLOptions,
  Writer,
} from '@platformatic/kafka';
import {
  AlreadyExistsError,
  ConfigError,
  ConnectError,
  type ConnectErrorOptions,
  NotFoundError,
  RetriableError,
} from '@sluice/api';
import type {
  CommitOffset,
  CreateTopicResult,
  FetchedPartition,
  FetchOptions,
  FetchPartitionRequest,
  GroupOffset,
  ListedOffset,
  ListTopicsOptions,
  LogClient,
  LogRecord,
  NewTopic,
  OffsetSpec,
  PartitionError,
  ProduceOptions,
  ProduceRecord,
  RecordAck,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicConfigEntry,
  TopicConfigSource,
  TopicDescription,
  TopicPartition,
  TransactionalWriter,
} from '../log-client.ts';
import { ProducerPartitioner } from '../partitioner.ts';
import {
  appendLogRecords,
  batchRecords,
  type FastFetchResponse,
  type FetchedPartitionData,
  parseFetchResponse,
} from './fetch-response.ts';
import { libraryApi, libraryConnection } from './library-internals.ts';
import { encodeRecordBatch, type ProduceTopicData, produceRequestBody } from './produce-request.ts';
import {
  fenceTransactionalIds,
  KafkaTransactionalWriter,
  type LibraryClientOptions,
} from './transactional-writer.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type ProduceResponse = produceV11.ProduceResponse;

export interface PlatformaticLogClientConfig {
  /** `host:port` list, as a comma-separated string or an array (Kafka's `bootstrap.servers`). */
  bootstrapServers: string | string[];
  /** Client id sent to the brokers (Kafka's `client.id`). Default 'sluice'. */
  clientId?: string;
  /** Server-side timeout of a request and ack wait (Kafka's `request.timeout.ms`). Default 30000. */
  requestTimeoutMs?: number;
  /** TCP connect timeout. Default 10000. */
  connectTimeoutMs?: number;
  /** How many times a retriable failure is retried inside one call. Default 5. */
  retries?: number;
  /** Pause between retries (Kafka's `retry.backoff.ms`). Default 250. */
  retryBackoffMs?: number;
  /**
   * Upper bound of the pause between produce retries, which doubles from `retryBackoffMs`
   * (Kafka's `retry.backoff.max.ms`). Default 1000.
   */
  retryBackoffMaxMs?: number;
  /**
   * How long produce() waits for a topic the broker does not know (yet), or whose partitions
   * have no leader yet, refreshing the metadata with back-off (Kafka's `max.block.ms`); then
   * NotFoundError. Default 60000. A source task's producer waits as long as the task runs.
   */
  maxBlockMs?: number;
  /**
   * How long produce() keeps sending a batch whose partitions answer UNKNOWN_TOPIC_OR_PARTITION,
   * LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER and the like (the topic deleted and created
   * again, a leader moving), refreshing the metadata in between (Kafka's `delivery.timeout.ms`).
   * Default 120000. Other retriable failures are retried `retries` times.
   */
  deliveryTimeoutMs?: number;
  /** Producer acks: 'all' (default), 1 (leader only) or 0 (no answer: every RecordAck offset is then -1). */
  acks?: 'all' | 1 | 0;
  /** Idempotent producer (Kafka's `enable.idempotence`). Default true; only with acks='all'. */
  idempotent?: boolean;
  /** Producer compression. Default 'none'. */
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /**
   * Upper bound for the record bytes of one produce request; a larger batch is split into
   * several requests, sent in order. Keep it below the topics' `max.message.bytes` (default
   * 1 MiB). Default 900000.
   */
  maxRequestBytes?: number;
  /** Let a produce to a missing topic create it, if the broker allows. Default true, as Java's producer. */
  autoCreateTopics?: boolean;
  /** TLS options for the connections (node:tls). */
  tls?: TlsOptions;
  /** SASL authentication. */
  sasl?: SASLOptions;
}

/**
 * The library (its dynamic-buffer 0.3.1 `writeVarInt64`) encodes a record's timestamp delta
 * wrongly once it reaches 2^31 in magnitude (its zigzag shifts by 31 instead of 63 and its
 * varint loop stops at 32 bits): the broker then stores a wrong timestamp. Records of one
 * partition are therefore sent in separate batches when their timestamps are further apart.
 */
const MAX_TIMESTAMP_DELTA = 2 ** 31 - 1;
const RECORD_OVERHEAD_BYTES = 32;

/** A LogClient for a Kafka cluster. */
export class PlatformaticLogClient implements LogClient {
  readonly kind = 'kafka' as const;
  readonly #config: PlatformaticLogClientConfig;
  readonly #bootstrap: string[];
  #admin: Admin | undefined;
  #producer: Producer | undefined;
  #fetcher: Admin | undefined;
  /** Connections of the direct produce path (see produce-request.ts). */
  #sender: Admin | undefined;
  #closed = false;
  /** Per-topic round-robin counter for batches of null-key records. */
  readonly #partitioner = new ProducerPartitioner();

  constructor(config: PlatformaticLogClientConfig) {
    this.#config = config;
    this.#bootstrap = (
      typeof config.bootstrapServers === 'string'
        ? config.bootstrapServers.split(',')
        : config.bootstrapServers
    )
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (this.#bootstrap.length === 0) {
      throw new ConfigError('bootstrap.servers must name at least one host:port', {
        key: 'bootstrap.servers',
        value: config.bootstrapServers,
      });
    }
  }

  // -----------------------------------------------------------------------------------------
  // Library clients, created on first use

  #baseOptions(role: string) {
    const requestTimeout = this.#config.requestTimeoutMs ?? 30_000;
    return {
      clientId: `${this.#config.clientId ?? 'sluice'}${role}`,
      bootstrapBrokers: this.#bootstrap,
      timeout: requestTimeout,
      // The connection-level timeout must outlast the server-side one (and a fetch's long poll).
      requestTimeout: requestTimeout + 10_000,
      connectTimeout: this.#config.connectTimeoutMs ?? 10_000,
      retries: this.#config.retries ?? 5,
      retryDelay: this.#config.retryBackoffMs ?? 250,
      ...(this.#config.tls === undefined ? {} : { tls: this.#config.tls }),
      ...(this.#config.sasl === undefined ? {} : { sasl: this.#config.sasl }),
    };
  }

  #checkOpen(): void {
    if (this.#closed) throw new ConnectError('The Kafka client is closed');
  }

  #adminClient(): Admin {
    this.#checkOpen();
    this.#admin ??= new Admin(this.#baseOptions(''));
    return this.#admin;
  }

  #fetchClient(): Admin {
    this.#checkOpen();
    // An Admin is the library's plainest client: metadata, connections and API versions.
    this.#fetcher ??= new Admin(this.#baseOptions('-fetch'));
    return this.#fetcher;
  }

  #senderClient(): Admin {
    this.#checkOpen();
    this.#sender ??= new Admin({
      ...this.#baseOptions('-producer'),
      autocreateTopics: this.#config.autoCreateTopics ?? true,
    });
    return this.#sender;
  }

  /**
   * Whether produce goes the direct way: Sluice encodes the batches itself (uncompressed and
   * non-idempotent, Kafka Connect's default for task producers); else the library's Producer.
   */
  #direct(): boolean {
    return (
      !((this.#config.acks ?? 'all') === 'all' && (this.#config.idempotent ?? true)) &&
      (this.#config.compression ?? 'none') === 'none'
    );
  }

  #producerClient(): Producer {
    this.#checkOpen();
    if (this.#producer === undefined) {
      const acks = this.#config.acks ?? 'all';
      const idempotent = acks === 'all' && (this.#config.idempotent ?? true);
      const base = this.#baseOptions('-producer');
      this.#producer = new Producer({
        ...base,
        // The library turns retries <= 1 of an idempotent producer into endless retries, which
        // would hang a produce to a missing topic forever: keep at least 2.
        retries: idempotent ? Math.max(2, base.retries) : base.retries,
        acks: acks === 'all' ? ProduceAcks.ALL : acks === 1 ? ProduceAcks.LEADER : ProduceAcks.NO_RESPONSE,
        idempotent,
        compression: this.#config.compression ?? 'none',
        autocreateTopics: this.#config.autoCreateTopics ?? true,
      });
    }
    return this.#producer;
  }

  // -----------------------------------------------------------------------------------------
  // Transactions (exactly-once source tasks): transactional-writer.ts

  transactionalWriter(transactionalId: string): TransactionalWriter {
    this.#checkOpen();
    return new KafkaTransactionalWriter(
      this.#baseOptions('-txn') as LibraryClientOptions,
      transactionalId,
      this.#config.maxRequestBytes,
    );
  }

  fenceProducers(transactionalIds: string[]): Promise<void> {
    this.#checkOpen();
    return fenceTransactionalIds(this.#baseOptions('-fence') as LibraryClientOptions, transactionalIds);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [this.#producer, this.#fetcher, this.#admin, this.#sender];
    this.#producer = this.#fetcher = this.#admin = this.#sender = undefined;
    await Promise.all(clients.map((c) => c?.close().catch(() => {})));
  }

  // -----------------------------------------------------------------------------------------
  // Admin

  async clusterId(): Promise<string> {
    try {
      const metadata = await this.#adminClient().metadata({ topics: [] });
      return metadata.id;
    } catch (err) {
      throw toConnectError(err, 'Could not read the Kafka cluster id');
    }
  }

  async createTopics(topics: NewTopic[]): Promise<CreateTopicResult[]> {
    const admin = this.#adminClient();
    // One call per topic: the library applies one config list to every topic of a call.
    const results = await Promise.all(
      topics.map(async (topic): Promise<CreateTopicResult> => {
        try {
          await admin.createTopics({
            topics: [
              {
                topic: topic.name,
                ...(topic.partitions === undefined ? {} : { partitions: topic.partitions }),
                ...(topic.replicationFactor === undefined ? {} : { replicas: topic.replicationFactor }),
              },
            ],
            configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
          });
          return { name: topic.name, created: true };
        } catch (err) {
          if (hasKafkaError(err, 'TOPIC_ALREADY_EXISTS')) return { name: topic.name, created: false };
          throw toConnectError(err, `Could not create topic ${topic.name}`);
        }
      }),
    );
    const created = results.filter((r) => r.created).map((r) => r.name);
    if (created.length > 0) await this.#awaitLeaders(admin, created);
    return results;
  }

  /** Waits (up to 10 s) until every partition of freshly created topics has a leader. */
  async #awaitLeaders(admin: Admin, names: string[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        const metadata = await admin.metadata({ topics: names, forceUpdate: true });
        let ready = true;
        for (const name of names) {
          const topic = metadata.topics.get(name);
          if (topic === undefined || topic.partitions.length < topic.partitionsCount) ready = false;
          else if (topic.partitions.some((p) => p === undefined || p.leader < 0)) ready = false;
        }
        if (ready) return;
      } catch {
        // not visible yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async describeTopics(names: string[]): Promise<Map<string, TopicDescription>> {
    const result = new Map<string, TopicDescription>();
    if (names.length === 0) return result;
    const admin = this.#adminClient();
    const unique = [...new Set(names)];
    let metadata: ClusterMetadata;
    try {
      // No retries first: the library retries an unknown topic like a transient error.
      metadata = await admin.metadata({ topics: [...unique], forceUpdate: true, retries: 0 });
    } catch (first) {
      if (isUnknownTopic(first)) await this.#throwMissing(unique, first);
      try {
        metadata = await admin.metadata({ topics: [...unique], forceUpdate: true });
      } catch (err) {
        if (isUnknownTopic(err)) await this.#throwMissing(unique, err);
        throw toConnectError(err, `Could not describe topics ${unique.join(', ')}`);
      }
    }
    let configs: Awaited<ReturnType<Admin['describeConfigs']>>;
    try {
      configs = await admin.describeConfigs({
        resources: unique.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })),
        includeSynonyms: false,
        includeDocumentation: false,
      });
    } catch (err) {
      if (isUnknownTopic(err)) await this.#throwMissing(unique, err);
      throw toConnectError(err, `Could not describe the configs of topics ${unique.join(', ')}`);
    }
    const configsByTopic = new Map(configs.map((c) => [c.resourceName, c.configs]));
    for (const name of unique) {
      const topic = metadata.topics.get(name);
      if (topic === undefined) throw new NotFoundError(`Topic ${name} does not exist`);
      const partitions = [];
      for (let i = 0; i < topic.partitionsCount; i++) {
        const p = topic.partitions[i];
        partitions.push({
          partition: i,
          leader: p?.leader ?? -1,
          replicas: [...(p?.replicas ?? [])],
          isr: [...(p?.isr ?? [])],
        });
      }
      const topicConfigs: Record<string, TopicConfigEntry> = {};
      for (const c of configsByTopic.get(name) ?? []) {
        topicConfigs[c.name] = {
          value: c.value ?? null,
          source: configSource(c.configSource),
          sensitive: c.isSensitive,
          readOnly: c.readOnly,
        };
      }
      result.set(name, {
        name,
        topicId: topic.id ?? '',
        partitions,
        replicationFactor: partitions[0]?.replicas.length ?? 0,
        configs: topicConfigs,
      });
    }
    return result;
  }

  /** Throws a NotFoundError naming every missing topic among `names`. */
  async #throwMissing(names: string[], cause: unknown): Promise<never> {
    let missing = names;
    try {
      const existing = new Set(await this.#adminClient().listTopics({ includeInternals: true }));
      missing = names.filter((n) => !existing.has(n));
    } catch {
      // keep all names
    }
    throw new NotFoundError(
      missing.length === 1
        ? `Topic ${missing[0]} does not exist`
        : `Topics ${missing.join(', ')} do not exist`,
      { cause },
    );
  }

  async listTopics(options: ListTopicsOptions = {}): Promise<string[]> {
    try {
      return await this.#adminClient().listTopics({ includeInternals: options.includeInternal ?? false });
    } catch (err) {
      throw toConnectError(err, 'Could not list topics');
    }
  }

  async deleteTopics(names: string[]): Promise<void> {
    if (names.length === 0) return;
    try {
      await this.#adminClient().deleteTopics({ topics: names });
    } catch (err) {
      if (isUnknownTopic(err)) await this.#throwMissing(names, err);
      throw toConnectError(err, `Could not delete topics ${names.join(', ')}`);
    } finally {
      this.#producer?.clearMetadata();
      this.#fetcher?.clearMetadata();
    }
  }

  // -----------------------------------------------------------------------------------------
  // Produce

  async produce(records: ProduceRecord[], options: ProduceOptions = {}): Promise<RecordAck[]> {
    const count = records.length;
    if (count === 0) return [];
    const { signal } = options;
    const producer = this.#direct() ? this.#senderClient() : this.#producerClient();
    const topics = new Set<string>();
    for (let i = 0; i < count; i++) topics.add(records[i]!.topic);
    const start = Date.now();
    const blockDeadline = start + (this.#config.maxBlockMs ?? 60_000);
    const deliveryDeadline = start + (this.#config.deliveryTimeoutMs ?? 120_000);
    const metadata = await this.#produceMetadata(producer, [...topics], blockDeadline, false, signal);

    // Choose every record's partition, as Kafka's Java producer would.
    const partitions = new Int32Array(count);
    const choose = this.#partitioner.batch();
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      const partitionCount = metadata.topics.get(record.topic)!.partitionsCount;
      const partition = choose(record.topic, record.partition, record.key, partitionCount);
      partitions[i] = partition;
    }

    if (this.#direct()) return this.#produceDirect(records, partitions, metadata, deliveryDeadline, signal);

    const acks = new Array<RecordAck>(count);
    const now = Date.now();
    const maxBytes = this.#config.maxRequestBytes ?? 900_000;
    let from = 0;
    while (from < count) {
      const start = from;
      // One send per chunk: at most maxBytes (at least one record), and within each partition
      // timestamps less than 2^31 ms from the partition's first one (see MAX_TIMESTAMP_DELTA).
      let end = start;
      let bytes = 0;
      const messages: MessageToProduce[] = [];
      const firstTimestamps = new Map<string, number>();
      while (end < count) {
        const record = records[end]!;
        const size = recordSize(record);
        if (end > start && bytes + size > maxBytes) break;
        const timestamp = record.timestamp ?? now;
        const key = `${partitions[end]}\0${record.topic}`;
        const first = firstTimestamps.get(key);
        if (first === undefined) firstTimestamps.set(key, timestamp);
        else if (Math.abs(timestamp - first) > MAX_TIMESTAMP_DELTA) break;
        bytes += size;
        messages.push(toMessage(record, partitions[end]!, timestamp));
        end++;
      }
      const baseOffsets = new Map<string, number>();
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await (producer as Producer).send({ messages });
          for (const o of result.offsets ?? [])
            baseOffsets.set(`${o.partition}\0${o.topic}`, toSafeNumber(o.offset));
          break;
        } catch (err) {
          // The topic deleted (and maybe created again) or its leader moved since the metadata
          // was read: read it again and send again, until the delivery time-out.
          const wait = this.#backoff(attempt);
          if (!isMetadataError(err) || this.#closed || Date.now() + wait > deliveryDeadline)
            throw toConnectError(err, `Could not produce ${end - start} records`);
          await sleep(wait, signal);
          producer.clearMetadata();
          await this.#produceMetadata(
            producer,
            [...new Set(messages.map((m) => m.topic))],
            deliveryDeadline,
            true,
            signal,
          );
        }
      }
      const positions = new Map<string, number>();
      for (let i = start; i < end; i++) {
        const record = records[i]!;
        const key = `${partitions[i]}\0${record.topic}`;
        const position = positions.get(key) ?? 0;
        positions.set(key, position + 1);
        const base = baseOffsets.get(key);
        acks[i] = {
          topic: record.topic,
          partition: partitions[i]!,
          offset: base === undefined ? -1 : base + position,
          timestamp: record.timestamp ?? now,
        };
      }
      from = end;
    }
    return acks;
  }

  /** The pause before retry `attempt` (0-based): `retryBackoffMs` doubling up to `retryBackoffMaxMs`. */
  #backoff(attempt: number): number {
    const base = this.#config.retryBackoffMs ?? 250;
    const max = Math.max(base, this.#config.retryBackoffMaxMs ?? 1000);
    return Math.min(max, base * 2 ** Math.min(attempt, 20));
  }

  /**
   * The metadata of the topics a produce writes to, once the broker knows each. Like Kafka's
   * producer, a topic the broker does not know yet (auto-created by this request, created by
   * someone else later, or deleted and being created again) is asked for again, with back-off,
   * until `deadline`; then a NotFoundError naming the topics. (A partition without a leader is
   * the send's to retry: records may go to the other partitions meanwhile.)
   */
  async #produceMetadata(
    client: Admin | Producer,
    topics: string[],
    deadline: number,
    refresh: boolean,
    signal?: AbortSignal,
  ): Promise<ClusterMetadata> {
    const autocreateTopics = this.#config.autoCreateTopics ?? true;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      this.#checkOpen();
      let unknown: string[] = [];
      let cause: unknown;
      try {
        // The first attempt keeps the library's own retries (network errors, a broker
        // restarting); later ones are this loop's.
        const metadata = await client.metadata({
          topics,
          autocreateTopics,
          ...(refresh || attempt > 0 ? { forceUpdate: true } : {}),
          ...(attempt > 0 ? { retries: 0 } : {}),
        });
        for (const name of topics) {
          const topic = metadata.topics.get(name);
          if (topic === undefined || topic.partitionsCount <= 0) unknown.push(name);
        }
        if (unknown.length === 0) return metadata;
      } catch (err) {
        // UNKNOWN_TOPIC_OR_PARTITION, or LEADER_NOT_AVAILABLE while the broker creates it.
        if (!isMetadataError(err)) throw toConnectError(err, 'Cannot produce: no metadata for the topics');
        unknown = topics;
        cause = err;
      }
      const now = Date.now();
      if (now >= deadline) {
        throw new NotFoundError(
          `Cannot produce: topic ${unknown.join(', ')} not present in metadata after ${now - started} ms` +
            (autocreateTopics ? '' : ' (topic auto-creation is off for this client)'),
          cause === undefined ? {} : { cause },
        );
      }
      await sleep(Math.min(this.#backoff(attempt), deadline - now), signal);
      client.clearMetadata();
    }
  }

  /**
   * Produce with Sluice's own batch encoding: records are cut into requests of at most
   * `maxRequestBytes`, in input order; each request holds one batch per partition and goes to
   * the partition leaders in parallel. Partitions answering with a retriable error (leader moved,
   * not enough replicas, ...) are sent again after `retryBackoffMs`, up to `retries` times.
   */
  async #produceDirect(
    records: ProduceRecord[],
    partitions: Int32Array,
    firstMetadata: ClusterMetadata,
    deliveryDeadline: number,
    signal: AbortSignal | undefined,
  ): Promise<RecordAck[]> {
    const client = this.#senderClient();
    const count = records.length;
    const acks = new Array<RecordAck>(count);
    const now = Date.now();
    const timestamps = new Float64Array(count);
    for (let i = 0; i < count; i++) timestamps[i] = records[i]!.timestamp ?? now;
    const acksMode = this.#config.acks ?? 'all';
    const acksValue = acksMode === 'all' ? -1 : acksMode;
    const timeoutMs = this.#config.requestTimeoutMs ?? 30_000;
    const maxBytes = this.#config.maxRequestBytes ?? 900_000;
    const api = await produceApi(client);
    let metadata = firstMetadata;
    let start = 0;
    while (start < count) {
      let end = start;
      let bytes = 0;
      while (end < count) {
        const size = recordSize(records[end]!);
        if (end > start && bytes + size > maxBytes) break;
        bytes += size;
        end++;
      }
      // partition key → record indexes, in input order
      let pending = new Map<string, number[]>();
      for (let i = start; i < end; i++) {
        const key = `${partitions[i]}\0${records[i]!.topic}`;
        let list = pending.get(key);
        if (list === undefined) {
          list = [];
          pending.set(key, list);
        }
        list.push(i);
      }
      for (let attempt = 0; ; attempt++) {
        const failed = await this.#sendBatches(
          client,
          api,
          metadata,
          records,
          timestamps,
          pending,
          acksValue,
          timeoutMs,
          acks,
        );
        if (failed.size === 0) break;
        const all = [...failed.values()];
        const retriable = all.every((f) => f.retriable);
        // Metadata errors (topic deleted or not there yet, leader moving) are retried until the
        // delivery time-out, as Kafka's producer does; other retriable ones `retries` times.
        const metadataOnly = all.every((f) => f.metadata);
        const wait = metadataOnly ? this.#backoff(attempt) : (this.#config.retryBackoffMs ?? 250);
        if (
          !retriable ||
          this.#closed ||
          (metadataOnly ? Date.now() + wait > deliveryDeadline : attempt >= (this.#config.retries ?? 5))
        ) {
          const detail = all.map((f) => f.message).join('; ');
          const error = `Could not produce ${end - start} records: ${detail}`;
          throw retriable ? new RetriableError(error) : new ConnectError(error);
        }
        await sleep(wait, signal);
        client.clearMetadata();
        const topics = [...new Set([...failed.keys()].map((k) => k.slice(k.indexOf('\0') + 1)))];
        try {
          metadata = await this.#produceMetadata(client, topics, deliveryDeadline, true, signal);
        } catch (err) {
          // A broker that is down answers no metadata either: as retriable as the send was.
          throw toConnectError(err, `Could not produce ${end - start} records: no metadata for the topics`);
        }
        pending = new Map([...pending].filter(([k]) => failed.has(k)));
      }
      start = end;
    }
    return acks;
  }

  /** One request per leader; fills `acks`; returns the partitions that failed, with why. */
  async #sendBatches(
    client: Admin,
    api: API<[number, number, Buffer[]], ProduceResponse>,
    metadata: ClusterMetadata,
    records: ProduceRecord[],
    timestamps: Float64Array,
    pending: Map<string, number[]>,
    acksValue: number,
    timeoutMs: number,
    acks: RecordAck[],
  ): Promise<Map<string, SendFailure>> {
    const failed = new Map<string, SendFailure>();
    const byLeader = new Map<number, Map<string, ProduceTopicData>>();
    const indexesOf = new Map<string, number[]>();
    for (const [key, indexes] of pending) {
      const sep = key.indexOf('\0');
      const partition = Number(key.slice(0, sep));
      const topic = key.slice(sep + 1);
      const leader = metadata.topics.get(topic)?.partitions[partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        failed.set(key, {
          retriable: true,
          metadata: true,
          message: `${topic}-${partition}: LEADER_NOT_AVAILABLE`,
        });
        continue;
      }
      let topics = byLeader.get(leader);
      if (topics === undefined) {
        topics = new Map();
        byLeader.set(leader, topics);
      }
      let data = topics.get(topic);
      if (data === undefined) {
        data = { topic, partitions: [] };
        topics.set(topic, data);
      }
      data.partitions.push({ partition, batch: encodeRecordBatch(records, indexes, timestamps) });
      indexesOf.set(key, indexes);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const broker = metadata.brokers.get(leader)!;
        const sent = [...topics.values()];
        let response: ProduceResponse | null;
        try {
          const connection = await getConnection(client, broker);
          try {
            response = await api.async(
              connection,
              acksValue,
              timeoutMs,
              produceRequestBody(acksValue, timeoutMs, sent),
            );
          } catch (err) {
            const partial = (err as { response?: ProduceResponse }).response;
            if (partial === undefined || !Array.isArray(partial.responses)) throw err;
            response = partial;
          }
        } catch (err) {
          const e = toConnectError(err, `Produce to broker ${leader} (${broker.host}:${broker.port}) failed`);
          for (const t of sent)
            for (const p of t.partitions)
              failed.set(`${p.partition}\0${t.topic}`, {
                retriable: e instanceof RetriableError,
                metadata: false,
                message: e.message,
              });
          return;
        }
        if (acksValue === 0 || response === null || response === undefined) {
          for (const t of sent)
            for (const p of t.partitions)
              this.#ack(
                acks,
                records,
                timestamps,
                indexesOf.get(`${p.partition}\0${t.topic}`)!,
                p.partition,
                -1,
              );
          return;
        }
        for (const tr of response.responses) {
          for (const pr of tr.partitionResponses) {
            const key = `${pr.index}\0${tr.name}`;
            const indexes = indexesOf.get(key);
            if (indexes === undefined) continue;
            if (pr.errorCode !== 0) {
              const code = protocolErrorsCodesById[pr.errorCode] ?? `error ${pr.errorCode}`;
              const definition = protocolErrors[code];
              failed.set(key, {
                retriable: definition?.canRetry ?? false,
                metadata: METADATA_ERRORS.has(code),
                message: `${tr.name}-${pr.index}: ${code}${pr.errorMessage ? `: ${pr.errorMessage}` : ''}`,
              });
              continue;
            }
            this.#ack(acks, records, timestamps, indexes, pr.index, toSafeNumber(pr.baseOffset));
            indexesOf.delete(key);
          }
        }
        for (const t of sent)
          for (const p of t.partitions) {
            const key = `${p.partition}\0${t.topic}`;
            if (indexesOf.has(key) && !failed.has(key))
              failed.set(key, {
                retriable: true,
                metadata: false,
                message: `${t.topic}-${p.partition}: no answer for the partition`,
              });
          }
      }),
    );
    return failed;
  }

  #ack(
    acks: RecordAck[],
    records: ProduceRecord[],
    timestamps: Float64Array,
    indexes: number[],
    partition: number,
    base: number,
  ): void {
    for (let n = 0; n < indexes.length; n++) {
      const i = indexes[n]!;
      acks[i] = {
        topic: records[i]!.topic,
        partition,
        offset: base < 0 ? -1 : base + n,
        timestamp: timestamps[i]!,
      };
    }
  }

  // -----------------------------------------------------------------------------------------
  // Fetch

  async fetch(partitions: FetchPartitionRequest[], options: FetchOptions = {}): Promise<FetchedPartition[]> {
    const results = new Array<FetchedPartition>(partitions.length);
    if (partitions.length === 0) return results;
    const client = this.#fetchClient();
    const readCommitted = options.isolationLevel === 'read_committed';
    const maxPartitionBytes = options.maxPartitionBytes ?? 1024 * 1024;

    const seen = new Set<string>();
    for (const p of partitions) {
      const key = `${p.partition}\0${p.topic}`;
      if (seen.has(key))
        throw new ConnectError(`Partition ${p.topic}-${p.partition} appears twice in one fetch`);
      seen.add(key);
    }
    const metadata = await this.#fetchMetadata(client, [...new Set(partitions.map((p) => p.topic))]);
    // Group the partitions by leader; report the ones that cannot be fetched right away.
    const byLeader = new Map<number, number[]>();
    for (let i = 0; i < partitions.length; i++) {
      const request = partitions[i]!;
      const topic = metadata.topics.get(request.topic);
      if (topic === undefined || request.partition < 0 || request.partition >= topic.partitionsCount) {
        results[i] = failedPartition(request, 'UNKNOWN_TOPIC_OR_PARTITION');
        continue;
      }
      const leader = topic.partitions[request.partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        results[i] = failedPartition(request, 'LEADER_NOT_AVAILABLE');
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(i);
    }
    if (byLeader.size === 0) return results;

    const api = await fetchApi(client);
    const useTopicNames = api.version <= 12;
    await Promise.all(
      [...byLeader].map(async ([leader, indexes]) => {
        const broker = metadata.brokers.get(leader)!;
        // Build the request: topics by id (v13+) or by name, partitions in request order.
        const topicsById = new Map<string, FetchRequestTopic>();
        for (const i of indexes) {
          const request = partitions[i]!;
          const topicKey = useTopicNames ? request.topic : metadata.topics.get(request.topic)!.id;
          let topic = topicsById.get(topicKey);
          if (topic === undefined) {
            topic = { topicId: topicKey, partitions: [] };
            topicsById.set(topicKey, topic);
          }
          topic.partitions.push({
            partition: request.partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(request.offset),
            lastFetchedEpoch: -1,
            partitionMaxBytes: request.maxBytes ?? maxPartitionBytes,
          });
        }
        let response: FastFetchResponse;
        try {
          const connection = await getConnection(client, broker);
          response = await api.async(
            connection,
            options.maxWaitMs ?? 500,
            options.minBytes ?? 1,
            options.maxBytes ?? 50 * 1024 * 1024,
            readCommitted ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
            0, // no fetch session: every request is complete in itself (sessionless, epoch -1)
            -1,
            [...topicsById.values()],
            [],
            '',
          );
          if (response.errorCode !== 0) {
            const code = protocolErrorsCodesById[response.errorCode] ?? `ERROR_${response.errorCode}`;
            throw new ConnectError(`Fetch failed: ${code}`);
          }
        } catch (err) {
          client.clearMetadata();
          throw toConnectError(err, `Fetch from broker ${leader} (${broker.host}:${broker.port}) failed`);
        }
        // Index the response, then answer in request order.
        const names = new Map<string, string>();
        if (!useTopicNames) for (const [name, t] of metadata.topics) names.set(t.id, name);
        const answered = new Map<string, FetchedPartitionData>();
        for (const topicResponse of response.responses) {
          const name = useTopicNames ? topicResponse.topic : (names.get(topicResponse.topic) ?? '');
          for (const p of topicResponse.partitions) answered.set(`${p.partitionIndex}\0${name}`, p);
        }
        for (const i of indexes) {
          const request = partitions[i]!;
          const p = answered.get(`${request.partition}\0${request.topic}`);
          if (p === undefined) {
            results[i] = failedPartition(
              request,
              'UNKNOWN_SERVER_ERROR',
              'The broker did not answer for the partition',
            );
            continue;
          }
          if (p.errorCode !== 0) {
            const failed = failedPartition(
              request,
              protocolErrorsCodesById[p.errorCode] ?? `ERROR_${p.errorCode}`,
            );
            failed.highWatermark = p.highWatermark;
            failed.logStartOffset = p.logStartOffset;
            failed.lastStableOffset = p.lastStableOffset;
            if (failed.error?.retriable === true) client.clearMetadata();
            results[i] = failed;
            continue;
          }
          results[i] = decodePartition(request, p, readCommitted);
        }
      }),
    );
    return results;
  }

  /** Metadata for the topics; a missing topic is left out rather than failing the whole call. */
  async #fetchMetadata(client: Admin, topics: string[]): Promise<ClusterMetadata> {
    try {
      // No retries first: the library retries an unknown topic like a transient error.
      return await client.metadata({ topics, retries: 0 });
    } catch (err) {
      if (!isUnknownTopic(err)) {
        try {
          return await client.metadata({ topics });
        } catch (again) {
          if (!isUnknownTopic(again)) throw toConnectError(again, 'Could not read metadata for fetch');
        }
      }
    }
    // Some topic is missing: ask topic by topic and keep the ones that exist.
    const merged: ClusterMetadata = {
      id: '',
      brokers: new Map(),
      controllerId: -1,
      topics: new Map(),
      lastUpdate: Date.now(),
    };
    for (const topic of topics) {
      try {
        const one = await client.metadata({ topics: [topic], forceUpdate: true, retries: 0 });
        merged.id = one.id;
        merged.brokers = one.brokers;
        merged.controllerId = one.controllerId;
        const t = one.topics.get(topic);
        if (t !== undefined) merged.topics.set(topic, t);
      } catch (err) {
        if (!isUnknownTopic(err)) throw toConnectError(err, 'Could not read metadata for fetch');
      }
    }
    return merged;
  }

  // -----------------------------------------------------------------------------------------
  // Offsets

  async listOffsets(
    partitions: TopicPartition[],
    spec: OffsetSpec,
    options: { isolationLevel?: FetchOptions['isolationLevel'] } = {},
  ): Promise<ListedOffset[]> {
    const timestamp = spec === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST;
    const found = await this.#listOffsets(
      partitions.map((p) => ({ ...p, timestamp })),
      `Could not list the ${spec} offsets`,
      options.isolationLevel === 'read_committed',
    );
    return partitions.map((p) => {
      const o = found.get(`${p.partition}\0${p.topic}`);
      if (o === undefined) throw new ConnectError(`No ${spec} offset returned for ${p.topic}-${p.partition}`);
      return { topic: p.topic, partition: p.partition, offset: o.offset };
    });
  }

  async offsetsForTimes(requests: TimestampOffsetRequest[]): Promise<TimestampOffset[]> {
    const found = await this.#listOffsets(
      requests.map((r) => ({ topic: r.topic, partition: r.partition, timestamp: BigInt(r.timestamp) })),
      'Could not look up offsets by timestamp',
    );
    return requests.map((r) => {
      const o = found.get(`${r.partition}\0${r.topic}`);
      const none = o === undefined || o.offset < 0;
      return {
        topic: r.topic,
        partition: r.partition,
        offset: none ? null : o.offset,
        timestamp: none ? null : o.timestamp,
      };
    });
  }

  async #listOffsets(
    requests: Array<TopicPartition & { timestamp: bigint }>,
    what: string,
    readCommitted = false,
  ): Promise<Map<string, { offset: number; timestamp: number }>> {
    const found = new Map<string, { offset: number; timestamp: number }>();
    if (requests.length === 0) return found;
    const byTopic = new Map<string, Array<{ partitionIndex: number; timestamp: bigint }>>();
    for (const r of requests) {
      let list = byTopic.get(r.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(r.topic, list);
      }
      list.push({ partitionIndex: r.partition, timestamp: r.timestamp });
    }
    let listed: Awaited<ReturnType<Admin['listOffsets']>>;
    try {
      listed = await this.#adminClient().listOffsets({
        topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts })),
        isolationLevel: readCommitted
          ? FetchIsolationLevels.READ_COMMITTED
          : FetchIsolationLevels.READ_UNCOMMITTED,
      });
    } catch (err) {
      if (isUnknownTopic(err)) await this.#throwMissing([...byTopic.keys()], err);
      throw toConnectError(err, what);
    }
    for (const topic of listed) {
      for (const p of topic.partitions) {
        found.set(`${p.partitionIndex}\0${topic.name}`, {
          offset: toSafeNumber(p.offset),
          timestamp: toSafeNumber(p.timestamp),
        });
      }
    }
    return found;
  }

  // -----------------------------------------------------------------------------------------
  // Consumer-group offsets

  async commitGroupOffsets(groupId: string, offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(o.topic, list);
      }
      list.push({ partition: o.partition, offset: BigInt(o.offset) });
    }
    try {
      await this.#adminClient().alterConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      });
    } catch (err) {
      if (
        hasKafkaError(err, 'UNKNOWN_MEMBER_ID') ||
        hasKafkaError(err, 'ILLEGAL_GENERATION') ||
        hasKafkaError(err, 'STALE_MEMBER_EPOCH') ||
        hasKafkaError(err, 'REBALANCE_IN_PROGRESS')
      ) {
        throw new ConnectError(
          `Could not commit offsets for consumer group ${groupId}: the group has active members (${errorDetail(err)})`,
          { cause: err },
        );
      }
      throw toConnectError(err, `Could not commit offsets for consumer group ${groupId}`);
    }
  }

  async fetchGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<GroupOffset[]> {
    let request: Parameters<Admin['listConsumerGroupOffsets']>[0];
    if (partitions === undefined) {
      request = { groups: [groupId] };
    } else {
      if (partitions.length === 0) return [];
      const byTopic = new Map<string, number[]>();
      for (const p of partitions) {
        let list = byTopic.get(p.topic);
        if (list === undefined) {
          list = [];
          byTopic.set(p.topic, list);
        }
        list.push(p.partition);
      }
      request = {
        groups: [
          { groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) },
        ],
      };
    }
    let listed: Awaited<ReturnType<Admin['listConsumerGroupOffsets']>>;
    try {
      listed = await this.#adminClient().listConsumerGroupOffsets(request);
    } catch (err) {
      throw toConnectError(err, `Could not read the offsets of consumer group ${groupId}`);
    }
    const out: GroupOffset[] = [];
    for (const group of listed) {
      if (group.groupId !== groupId) continue;
      for (const topic of group.topics) {
        for (const p of topic.partitions) {
          if (p.committedOffset < 0n) continue;
          out.push({
            topic: topic.name,
            partition: p.partitionIndex,
            offset: toSafeNumber(p.committedOffset),
            metadata: p.metadata ?? null,
          });
        }
      }
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }

  async deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(p.topic, list);
      }
      list.push(p.partition);
    }
    try {
      await this.#adminClient().deleteConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      });
    } catch (err) {
      if (hasKafkaError(err, 'GROUP_ID_NOT_FOUND')) return;
      if (hasKafkaError(err, 'GROUP_SUBSCRIBED_TO_TOPIC')) {
        throw new ConnectError(
          `Could not delete offsets of consumer group ${groupId}: the group is subscribed to the topic`,
          { cause: err },
        );
      }
      throw toConnectError(err, `Could not delete offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    try {
      await this.#adminClient().deleteGroups({ groups: groupIds });
    } catch (err) {
      if (onlyKafkaErrors(err, ['GROUP_ID_NOT_FOUND'])) return;
      if (hasKafkaError(err, 'NON_EMPTY_GROUP')) {
        throw new ConnectError(
          `Could not delete consumer groups ${groupIds.join(', ')}: a group is not empty`,
          {
            cause: err,
          },
        );
      }
      throw toConnectError(err, `Could not delete consumer groups ${groupIds.join(', ')}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Produce helpers

function recordSize(record: ProduceRecord): number {
  let size = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h]!;
    size += Buffer.byteLength(header[0]) + (header[1]?.length ?? 0) + 2;
  }
  return size;
}

function toMessage(record: ProduceRecord, partition: number, timestamp: number): MessageToProduce {
  // Header keys become distinct Buffer objects, so a repeated key stays two entries of the Map.
  // Null keys, values and header values are written as null (-1 length); the library's types
  // do not say so, hence the casts.
  const headers = new Map<Buffer, Buffer>();
  const source = record.headers;
  for (let h = 0; h < source.length; h++) {
    const header = source[h]!;
    headers.set(Buffer.from(header[0], 'utf8'), header[1] as Buffer);
  }
  return {
    topic: record.topic,
    partition,
    key: record.key as Buffer,
    value: record.value as Buffer,
    headers,
    timestamp: BigInt(timestamp),
  };
}

// ---------------------------------------------------------------------------------------------
// Fetch helpers

type FetchArgs = [
  maxWaitMs: number,
  minBytes: number,
  maxBytes: number,
  isolationLevel: number,
  sessionId: number,
  sessionEpoch: number,
  topics: FetchRequestTopic[],
  forgottenTopicsData: [],
  rackId: string,
];

function getApi<Args extends unknown[], Response>(client: Admin, name: string): Promise<API<Args, Response>> {
  return libraryApi<Args, Response>(client, name).catch((error: Error | null) => {
    throw toConnectError(error, `Kafka API ${name} is not available`);
  });
}

const getConnection = libraryConnection;

const FETCH_REQUESTS = new Map<number, (...args: FetchArgs) => Writer>([
  [12, fetchV12.createRequest as (...args: FetchArgs) => Writer],
  [13, fetchV13.createRequest as (...args: FetchArgs) => Writer],
  [14, fetchV14.createRequest as (...args: FetchArgs) => Writer],
  [15, fetchV15.createRequest as (...args: FetchArgs) => Writer],
  [16, fetchV16.createRequest as (...args: FetchArgs) => Writer],
  [17, fetchV17.createRequest as (...args: FetchArgs) => Writer],
]);
const fetchApis = new Map<number, API<FetchArgs, FastFetchResponse>>();

/**
 * The Fetch API at the version the library negotiated (12 to 17: the flexible versions), its
 * request built by the library and its response decoded by {@link parseFetchResponse}.
 */
async function fetchApi(client: Admin): Promise<API<FetchArgs, FastFetchResponse>> {
  const negotiated = await getApi<unknown[], unknown>(client, 'Fetch');
  const version = Math.min(negotiated.version, 17);
  const createRequest = FETCH_REQUESTS.get(version);
  if (createRequest === undefined)
    throw new ConnectError(
      `The brokers support Fetch up to version ${negotiated.version}; Sluice needs 12 or later`,
    );
  let api = fetchApis.get(version);
  if (api === undefined) {
    api = createAPI<FetchArgs, FastFetchResponse>(
      1,
      version,
      createRequest,
      (_id, _key, _version, reader) => {
        const rest = reader.buffer.subarray(reader.position);
        return parseFetchResponse(Buffer.isBuffer(rest) ? rest : rest.buffer, version);
      },
    );
    fetchApis.set(version, api);
  }
  return api;
}

const PRODUCE_PARSERS = new Map([
  [9, produceV9.parseResponse],
  [10, produceV10.parseResponse],
  [11, produceV11.parseResponse],
]);
const produceApis = new Map<number, API<[number, number, Buffer[]], ProduceResponse>>();

/**
 * The Produce API at the version the library negotiated with the brokers, sending a body made
 * by {@link produceRequestBody} (flexible versions 9 to 11 share the request layout).
 */
async function produceApi(client: Admin): Promise<API<[number, number, Buffer[]], ProduceResponse>> {
  const negotiated = await getApi<unknown[], ProduceResponse>(client, 'Produce');
  const version = Math.min(negotiated.version, 11);
  const parse = PRODUCE_PARSERS.get(version);
  if (parse === undefined)
    throw new ConnectError(
      `The brokers support Produce up to version ${negotiated.version}; Sluice needs 9 or later`,
    );
  let api = produceApis.get(version);
  if (api === undefined) {
    api = createAPI<[number, number, Buffer[]], ProduceResponse>(
      0,
      version,
      (acks: number, _timeout: number, parts: Buffer[]) => {
        const writer = Writer.create();
        for (const part of parts) writer.append(part);
        if (acks === 0) writer.context.noResponse = true;
        return writer;
      },
      parse,
    );
    produceApis.set(version, api);
  }
  return api;
}

function failedPartition(request: FetchPartitionRequest, code: string, message?: string): FetchedPartition {
  const definition = protocolErrors[code];
  return {
    topic: request.topic,
    partition: request.partition,
    records: [],
    nextOffset: request.offset,
    highWatermark: -1,
    logStartOffset: -1,
    lastStableOffset: -1,
    error: {
      code,
      message: message ?? definition?.message ?? code,
      retriable: definition?.canRetry ?? false,
    } satisfies PartitionError,
  };
}

/** Turns a partition's record batches into LogRecords from the requested offset on. */
function decodePartition(
  request: FetchPartitionRequest,
  response: FetchedPartitionData,
  readCommitted: boolean,
): FetchedPartition {
  const records: LogRecord[] = [];
  const fetchOffset = request.offset;
  let nextOffset = fetchOffset;
  const batches = response.batches;
  // read_committed: producers whose open transaction was aborted, per Kafka's consumer.
  const aborted =
    readCommitted && response.abortedTransactions !== null && response.abortedTransactions.length > 0
      ? [...response.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset)
      : undefined;
  const abortedProducers = new Set<bigint>();
  let abortedIndex = 0;
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!;
    const base = batch.firstOffset;
    const lastOffset = base + batch.lastOffsetDelta;
    if (lastOffset < fetchOffset) continue;
    const isControl = (batch.attributes & IS_CONTROL) !== 0;
    if (aborted !== undefined) {
      while (abortedIndex < aborted.length && aborted[abortedIndex]!.firstOffset <= lastOffset) {
        abortedProducers.add(aborted[abortedIndex]!.producerId);
        abortedIndex++;
      }
      if (isControl) {
        // Control record key: version (int16), type (int16; 0 = abort, 1 = commit).
        const key = batchRecords(batch)[0]?.key;
        if (key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0) {
          abortedProducers.delete(batch.producerId);
        }
      } else if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId)) {
        nextOffset = lastOffset + 1;
        continue;
      }
    }
    if (isControl) {
      nextOffset = lastOffset + 1;
      continue;
    }
    appendLogRecords(batch, request.topic, request.partition, fetchOffset, records);
    nextOffset = lastOffset + 1;
  }
  return {
    topic: request.topic,
    partition: request.partition,
    records,
    nextOffset,
    highWatermark: response.highWatermark,
    logStartOffset: response.logStartOffset,
    lastStableOffset: response.lastStableOffset,
  };
}

// ---------------------------------------------------------------------------------------------
// Errors

function toSafeNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ConnectError(`Offset or timestamp ${value} is beyond 2^53`);
  return n;
}

function configSource(source: number): TopicConfigSource {
  switch (source) {
    case ConfigSources.DYNAMIC_TOPIC_CONFIG:
      return 'topic';
    case ConfigSources.DYNAMIC_BROKER_CONFIG:
      return 'dynamic-broker';
    case ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG:
      return 'dynamic-default-broker';
    case ConfigSources.STATIC_BROKER_CONFIG:
      return 'static-broker';
    case ConfigSources.DEFAULT_CONFIG:
      return 'default';
    default:
      return 'unknown';
  }
}

interface ErrorLeaf {
  error: Error;
  /** Kafka's error name for protocol errors (apiId), else undefined. */
  kafkaError: string | undefined;
}

/** The innermost errors of a library error tree (MultipleErrors nest, causes chain). */
function leaves(err: unknown, out: ErrorLeaf[] = [], depth = 0): ErrorLeaf[] {
  if (!(err instanceof Error) || depth > 20) return out;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0) {
    for (const e of nested) leaves(e, out, depth + 1);
    return out;
  }
  const apiId = (err as { apiId?: unknown }).apiId;
  out.push({ error: err, kafkaError: typeof apiId === 'string' ? apiId : undefined });
  if (err.cause instanceof Error) leaves(err.cause, out, depth + 1);
  return out;
}

function hasKafkaError(err: unknown, id: string): boolean {
  return leaves(err).some((l) => l.kafkaError === id);
}

/** True when every Kafka error in the tree is one of `ids` (and there is at least one). */
function onlyKafkaErrors(err: unknown, ids: string[]): boolean {
  const all = leaves(err);
  return all.length > 0 && all.every((l) => l.kafkaError !== undefined && ids.includes(l.kafkaError));
}

/** Why a partition's batch was not written, for the produce retry loop. */
interface SendFailure {
  retriable: boolean;
  /** Fixed by fresh metadata (Kafka's InvalidMetadataException family): retried until the delivery time-out. */
  metadata: boolean;
  message: string;
}

/** Kafka's errors that mean the client's metadata is stale or not there yet (retriable). */
const METADATA_ERRORS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** True when the error tree holds only stale-metadata errors (an unknown topic included). */
function isMetadataError(err: unknown): boolean {
  const all = leaves(err);
  return (
    all.length > 0 &&
    all.every(
      (l) =>
        (l.kafkaError !== undefined && METADATA_ERRORS.has(l.kafkaError)) ||
        (l.kafkaError === undefined && /^Unknown topic /.test(l.error.message)),
    )
  );
}

/** Waits `ms`; a ConnectError caused by the signal's reason once `signal` is aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const abandoned = () =>
    new ConnectError('Produce abandoned: the caller stopped waiting', { cause: signal!.reason });
  if (signal?.aborted) return Promise.reject(abandoned());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abandoned());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isUnknownTopic(err: unknown): boolean {
  return leaves(err).some(
    (l) =>
      l.kafkaError === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      l.kafkaError === 'UNKNOWN_TOPIC_ID' ||
      (l.kafkaError === undefined && /^Unknown topic /.test(l.error.message)),
  );
}

function errorDetail(err: unknown): string {
  const parts = new Set<string>();
  for (const leaf of leaves(err)) {
    const server = (leaf.error as { serverErrorMessage?: unknown }).serverErrorMessage;
    parts.add(
      leaf.kafkaError === undefined
        ? leaf.error.message
        : `${leaf.kafkaError}${typeof server === 'string' && server !== '' ? `: ${server}` : ''}`,
    );
  }
  if (parts.size === 0) return err instanceof Error ? err.message : String(err);
  return [...parts].join('; ');
}

const CONFIG_ERRORS = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'UNSUPPORTED_COMPRESSION_TYPE',
]);

function isRetriable(all: ErrorLeaf[]): boolean {
  if (all.length === 0) return false;
  return all.every((l) => {
    const e = l.error as { code?: unknown; canRetry?: unknown };
    if (l.kafkaError !== undefined) return e.canRetry === true;
    return (
      e.code === 'PLT_KFK_NETWORK' ||
      e.code === 'PLT_KFK_TIMEOUT' ||
      e.canRetry === true ||
      (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code))
    );
  });
}

/** Node's socket errors that a broker restart or a network blip produces: worth trying again. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Maps a library error to the project's errors, keeping it as `cause`: already-exists,
 * not-found, invalid config, retriable (network, timeouts, Kafka's retriable errors), or a
 * plain ConnectError.
 */
export function toConnectError(err: unknown, message: string): ConnectError {
  if (err instanceof ConnectError) return err;
  const all = leaves(err);
  const detail = errorDetail(err);
  const text = `${message}: ${detail}`;
  const options: ConnectErrorOptions = { cause: err };
  if (all.some((l) => l.kafkaError === 'TOPIC_ALREADY_EXISTS')) return new AlreadyExistsError(text, options);
  if (isUnknownTopic(err)) return new NotFoundError(text, options);
  if (all.some((l) => l.kafkaError !== undefined && CONFIG_ERRORS.has(l.kafkaError))) {
    return new ConfigError(text, options);
  }
  if (isRetriable(all)) return new RetriableError(text, options);
  return new ConnectError(text, options);
}
