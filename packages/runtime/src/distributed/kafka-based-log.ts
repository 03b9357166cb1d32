import { ConfigError, ConnectError, NotFoundError, RetriableError } from '@sluice/api';
import pino, { type Logger } from 'pino';
import { ClientClosedError } from '../log/client-closed-error.ts';
import type {
  FetchPartitionRequest,
  LogClient,
  LogRecord,
  RecordAck,
  TopicDescription,
} from '../log/log-client.ts';
import { sleep } from '../sleep.ts';

/** How long a newly created topic may take to show in the metadata (Kafka's CREATE_TOPIC_TIMEOUT_MS). */
const CREATED_TOPIC_WAIT_MS = 30_000;

/**
 * One internal topic read and written through a {@link LogClient} (Kafka Connect's
 * `KafkaBasedLog`): `start()` creates the topic if it is missing (compacted, with the given
 * partitions and replication factor), refuses an existing topic that is not compact-only, reads
 * every partition from its beginning to its end, then keeps consuming in the background, handing
 * each record to `onRecord` in log order (per partition). `readToEnd()` resolves once every record
 * before the end offsets taken at call time has been handed over; writers use it to read their
 * own writes back. No consumer group is used: positions live in memory only.
 */

/** How to create the topic when it does not exist. */
export interface InternalTopicCreation {
  /** Partitions; omit (or -1) for the broker's `num.partitions`. */
  readonly partitions?: number;
  /** Replication factor; omit (or -1) for the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Extra topic configs (`config.storage.*`, ...); `cleanup.policy` is always `compact`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface KafkaBasedLogOptions {
  readonly client: LogClient;
  readonly topic: string;
  /** Creates the topic when missing. Without it, a missing topic fails `start()`. */
  readonly create?: InternalTopicCreation;
  /** The worker key that names the topic (e.g. `config.storage.topic`), for error messages. */
  readonly topicConfigKey?: string;
  /** What the topic holds (e.g. `connector configurations`), for error messages. */
  readonly purpose?: string;
  /**
   * Refuse an existing topic whose `cleanup.policy` is not exactly `compact`, with Kafka's
   * message. Default true (all of Connect's internal topics).
   */
  readonly requireCompaction?: boolean;
  /** Checks the topic before anything is read (e.g. the config topic's single partition). */
  readonly verify?: (topic: TopicDescription) => void;
  /** Called for every consumed record, in order within each partition. Errors are logged. */
  readonly onRecord: (record: LogRecord) => void;
  /** Long-poll wait of a background fetch (ms). Default 500. */
  readonly pollWaitMs?: number;
  /**
   * `read_committed`: only records of committed transactions are handed over, and the end a
   * `readToEnd` waits for is the last stable offset (exactly-once source offsets). Default
   * `read_uncommitted`.
   */
  readonly isolationLevel?: 'read_committed' | 'read_uncommitted';
  readonly log?: Logger;
}

interface EndWaiter {
  readonly ends: ReadonlyMap<number, number>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** The key/value of a record to append; null value = tombstone. */
export interface LogEntry {
  readonly key: Buffer | string | Uint8Array | null;
  readonly value: Buffer | string | Uint8Array | null;
}

export class KafkaBasedLog {
  readonly topic: string;
  readonly #options: KafkaBasedLogOptions;
  readonly #log: Logger;
  /** Next offset to read, per partition. */
  #positions = new Map<number, number>();
  #partitionCount = 0;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  #loop: Promise<void> | undefined;
  #waiters: EndWaiter[] = [];

  constructor(options: KafkaBasedLogOptions) {
    this.#options = options;
    this.topic = options.topic;
    this.#log = options.log ?? pino({ level: 'silent' });
  }

  /** Partitions of the topic (known once started). */
  get partitionCount(): number {
    return this.#partitionCount;
  }

  /** The next offset to consume per partition (a copy). */
  positions(): Map<number, number> {
    return new Map(this.#positions);
  }

  /**
   * Creates or checks the topic, reads it from the beginning of every partition to its end
   * (handing each record to `onRecord`), then keeps consuming in the background.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new ConnectError(`The log of topic ${this.topic} was already started`);
    this.#state = 'starting';
    try {
      const description = await this.#ensureTopic();
      this.#options.verify?.(description);
      const partitions = description.partitions.map((p) => p.partition);
      if (partitions.length === 0)
        throw new ConnectError(
          `Could not look up partition metadata for topic '${this.topic}': it has no partitions`,
        );
      this.#partitionCount = partitions.length;
      // Always from the beginning: there is no committed position.
      const earliest = await this.#options.client.listOffsets(
        partitions.map((partition) => ({ topic: this.topic, partition })),
        'earliest',
      );
      for (const o of earliest) this.#positions.set(o.partition, o.offset);
      this.#state = 'running';
      this.#loop = this.#run();
      await this.readToEnd();
      this.#log.info({ topic: this.topic }, `Started KafkaBasedLog for topic ${this.topic}`);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops consuming; pending `readToEnd` calls fail. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new ConnectError(`The log of topic ${this.topic} was stopped`));
    await this.#loop;
    this.#state = 'stopped';
  }

  /**
   * Resolves once every record before the end offsets of all partitions, as they are when this
   * is called, has been consumed and handed to `onRecord`.
   */
  async readToEnd(): Promise<void> {
    this.#checkRunning();
    const partitions = [...this.#positions.keys()].map((partition) => ({ topic: this.topic, partition }));
    const latest = await this.#options.client.listOffsets(partitions, 'latest', {
      isolationLevel: this.#options.isolationLevel ?? 'read_uncommitted',
    });
    this.#checkRunning();
    const ends = new Map<number, number>();
    for (const o of latest) ends.set(o.partition, o.offset);
    if (this.#reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      this.#waiters.push({ ends, resolve, reject });
    });
  }

  /**
   * Resolves once the position of each given partition has reached the given offset (e.g. past
   * records just written in a transaction: a `read_committed` end taken before the commit markers
   * land would stop short of them).
   */
  async readTo(ends: ReadonlyMap<number, number>): Promise<void> {
    this.#checkRunning();
    if (this.#reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      this.#waiters.push({ ends, resolve, reject });
    });
  }

  /** Appends one record and resolves with its acknowledgement. */
  async send(key: LogEntry['key'], value: LogEntry['value']): Promise<RecordAck> {
    const [ack] = await this.sendBatch([{ key, value }]);
    return ack!;
  }

  /**
   * Appends records in one batch (records of one partition in the given order) and resolves
   * once all are acknowledged.
   */
  async sendBatch(entries: readonly LogEntry[]): Promise<RecordAck[]> {
    this.#checkRunning();
    return this.#options.client.produce(
      entries.map((e) => ({
        topic: this.topic,
        key: toBuffer(e.key),
        value: toBuffer(e.value),
        headers: [],
      })),
    );
  }

  #checkRunning(): void {
    if (this.#state !== 'running') throw new ConnectError(`The log of topic ${this.topic} is not running`);
  }

  #reached(ends: ReadonlyMap<number, number>): boolean {
    for (const [partition, end] of ends) if ((this.#positions.get(partition) ?? 0) < end) return false;
    return true;
  }

  async #ensureTopic(): Promise<TopicDescription> {
    const client = this.#options.client;
    let existed = true;
    let description = await this.#describe();
    if (description === undefined) {
      const create = this.#options.create;
      if (create === undefined) throw new NotFoundError(`Topic ${this.topic} does not exist`);
      const [result] = await client
        .createTopics([
          {
            name: this.topic,
            ...(create.partitions === undefined || create.partitions === -1
              ? {}
              : { partitions: create.partitions }),
            ...(create.replicationFactor === undefined || create.replicationFactor === -1
              ? {}
              : { replicationFactor: create.replicationFactor }),
            configs: { ...create.configs, 'cleanup.policy': 'compact' },
          },
        ])
        .catch((err: unknown) => {
          throw this.#creationError(err);
        });
      existed = result?.created !== true;
      if (!existed) this.#log.info({ topic: this.topic }, `Created topic ${this.topic}`);
      description = await this.#describeCreated();
    }
    if (existed && (this.#options.requireCompaction ?? true)) this.#verifyCompactOnly(description);
    return description;
  }

  /**
   * A topic just created (by this worker or by another one at the same time) can take a moment to
   * show in the metadata: asked again with back-off for up to 30 s, as Kafka's KafkaBasedLog waits
   * for the partitions of a new topic (`CREATE_TOPIC_TIMEOUT_MS`).
   */
  async #describeCreated(): Promise<TopicDescription> {
    const deadline = Date.now() + CREATED_TOPIC_WAIT_MS;
    for (let backoff = 50; ; backoff = Math.min(backoff * 2, 1_000)) {
      const description = await this.#describe();
      if (description !== undefined) return description;
      if (this.#state === 'stopping' || this.#state === 'stopped' || Date.now() + backoff > deadline)
        throw new RetriableError(
          `Topic ${this.topic} was created but could not be described within ${CREATED_TOPIC_WAIT_MS} ms`,
        );
      await sleep(backoff);
    }
  }

  async #describe(): Promise<TopicDescription | undefined> {
    try {
      return (await this.#options.client.describeTopics([this.topic])).get(this.topic);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  #creationError(err: unknown): Error {
    if (!(err instanceof ConfigError)) return err as Error;
    const key = this.#options.topicConfigKey;
    return new ConfigError(
      `Unable to create topic '${this.topic}'${key === undefined ? '' : ` supplied via the '${key}' property`}: ${err.message}`,
      { cause: err, ...(key === undefined ? {} : { key: key.replace(/\.topic$/, '.replication.factor') }) },
    );
  }

  /** Kafka's `TopicAdmin.verifyTopicCleanupPolicyOnlyCompact`, with its message. */
  #verifyCompactOnly(description: TopicDescription): void {
    const entry = description.configs['cleanup.policy'];
    if (entry === undefined || entry.value === null) {
      this.#log.info(
        { topic: this.topic },
        `Unable to verify that the cleanup policy of '${this.topic}' topic is 'compact'`,
      );
      return;
    }
    const policies = new Set(
      entry.value
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter((p) => p !== ''),
    );
    if (policies.size === 1 && policies.has('compact')) return;
    const key = this.#options.topicConfigKey ?? 'topic';
    const purpose = this.#options.purpose ?? 'data';
    const found = [...policies].join(',');
    throw new ConfigError(
      `Topic '${this.topic}' supplied via the '${key}' property is required to have 'cleanup.policy=compact' ` +
        `to guarantee consistency and durability of ${purpose}, but found the topic currently has ` +
        `'cleanup.policy=${found}'. Continuing would likely result in eventually losing ${purpose} and ` +
        `problems restarting this Connect cluster in the future. Change the '${key}' property in the ` +
        `Connect worker configurations to use a topic with 'cleanup.policy=compact'.`,
      { key },
    );
  }

  /** The background consumer: fetch from the positions, hand records over, wake waiters. */
  async #run(): Promise<void> {
    const client = this.#options.client;
    let backoff = 0;
    while (this.#state === 'running') {
      if (backoff > 0) {
        await sleep(backoff);
        if (this.#state !== 'running') break;
      }
      const requests: FetchPartitionRequest[] = [];
      for (const [partition, offset] of this.#positions)
        requests.push({ topic: this.topic, partition, offset });
      let fetched: Awaited<ReturnType<LogClient['fetch']>>;
      try {
        fetched = await client.fetch(requests, {
          maxWaitMs: this.#options.pollWaitMs ?? 500,
          isolationLevel: this.#options.isolationLevel ?? 'read_uncommitted',
        });
      } catch (err) {
        if (this.#state !== 'running') break;
        if (err instanceof ClientClosedError) {
          // Closed under us (the worker is going away): nothing to retry, end quietly.
          this.#clientClosed(err);
          break;
        }
        this.#log.warn({ err, topic: this.topic }, `Fetch from ${this.topic} failed; retrying`);
        backoff = Math.min(Math.max(backoff * 2, 100), 2_000);
        continue;
      }
      if (this.#state !== 'running') break;
      backoff = 0;
      for (const part of fetched) {
        if (part.error !== undefined) {
          if (part.error.code === 'OFFSET_OUT_OF_RANGE') {
            // auto.offset.reset=earliest
            try {
              const [earliest] = await client.listOffsets(
                [{ topic: this.topic, partition: part.partition }],
                'earliest',
              );
              if (earliest !== undefined) this.#positions.set(part.partition, earliest.offset);
            } catch (err) {
              this.#log.warn({ err, topic: this.topic }, 'Could not reset an out-of-range position');
            }
          } else {
            this.#log.debug({ topic: this.topic, error: part.error }, 'Fetch error on a partition');
            backoff = 100;
          }
          continue;
        }
        const records = part.records;
        for (let i = 0; i < records.length; i++) {
          try {
            this.#options.onRecord(records[i]!);
          } catch (err) {
            this.#log.error(
              { err, topic: this.topic },
              'Unexpected error handling a record of an internal topic',
            );
          }
        }
        this.#positions.set(part.partition, part.nextOffset);
      }
      this.#wakeWaiters();
    }
  }

  /** The client was closed before this log was stopped: stop here, failing who waits. */
  #clientClosed(err: ClientClosedError): void {
    this.#log.debug({ topic: this.topic }, `The client of the log of ${this.topic} was closed; stopping`);
    this.#state = 'stopped';
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters)
      w.reject(
        new ConnectError(`The log of topic ${this.topic} was stopped: ${err.message}`, { cause: err }),
      );
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    const still: EndWaiter[] = [];
    for (const w of this.#waiters) {
      if (this.#reached(w.ends)) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }
}

/**
 * The extra topic settings for an internal topic from the worker properties with `prefix`
 * (`config.storage.`, `offset.storage.` or `status.storage.`), as Kafka's `DistributedConfig`
 * takes them: `topic`, `replication.factor`, `partitions` and `cleanup.policy` are dropped
 * (compaction is always used; the config topic always has one partition).
 */
export function internalTopicSettings(
  props: Readonly<Record<string, string | undefined>>,
  prefix: 'config.storage.' | 'offset.storage.' | 'status.storage.',
  log?: Logger,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (!k.startsWith(prefix) || v === undefined) continue;
    const name = k.slice(prefix.length);
    if (name === 'partitions' && prefix === 'config.storage.')
      log?.warn(`Ignoring '${k}=${v}' setting, since config topic partitions is always 1`);
    if (name === 'cleanup.policy') {
      log?.warn(`Ignoring '${k}=${v}' setting, since compaction is always used`);
      continue;
    }
    if (name === 'topic' || name === 'replication.factor' || name === 'partitions' || name === '') continue;
    out[name] = v;
  }
  return out;
}

export function toBuffer(data: Buffer | string | Uint8Array | null): Buffer | null {
  if (data === null) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Rejects with a ConnectError saying `what` timed out when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetriableError(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
