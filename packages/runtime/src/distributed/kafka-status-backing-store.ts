import { RetriableError } from '@sluice/api';
import pino, { type Logger } from 'pino';
import { type ConnectorTaskId, compareStrings } from '../connector-task-id.ts';
import type { LogClient } from '../log/log-client.ts';
import { sleep } from '../sleep.ts';
import type { ConnectState } from '../states.ts';
import type { StateRecord } from '../storage/status-store.ts';
import { KafkaBasedLog, withTimeout } from './kafka-based-log.ts';
import {
  connectorStatusKey,
  parseStatusRecord,
  type Status,
  type StatusState,
  statusValue,
  type TopicStatus,
  taskStatusKey,
  topicStatusRecord,
} from './status-records.ts';

/**
 * Connector and task states in the status topic (`status.storage.topic`), Kafka Connect's
 * `KafkaStatusBackingStore`. It answers the same reads as the standalone `MemoryStatusStore`
 * (so the herder and REST layer can use either), from a cache filled only by what is read back
 * from the topic, with Kafka's rules:
 *
 * - a write goes to the topic; the cache changes when it is read back (every worker's cache sees
 *   every worker's writes in the same order);
 * - DESTROYED is written as a tombstone, which removes the entry (a connector's tombstone
 *   removes its tasks' entries too);
 * - a *safe* write (`putConnectorSafe`, `putTaskSafe`: used for FAILED and for UNASSIGNED on
 *   shutdown) is skipped unless nothing is cached, or the cached status was written by the same
 *   worker, or by a generation no newer than the new one: a worker never overwrites the state a
 *   newer owner reported;
 * - a task UNASSIGNED read back is ignored when the cached state is RUNNING at the same or a
 *   newer generation (a stale report from a worker that had not seen the new owner's);
 * - retriable send failures are retried until the write is superseded (a newer write of the same
 *   key, a deletion, a newer generation) or the store stops.
 *
 * The put methods return a promise that resolves once the record is acknowledged, skipped or
 * given up (errors are logged, never thrown), so callers may ignore it as the standalone store's
 * void methods allow.
 */

export interface KafkaStatusBackingStoreOptions {
  readonly client: LogClient;
  /** `status.storage.topic`. */
  readonly topic: string;
  /** `status.storage.partitions` (default 5; -1 = the broker's default). */
  readonly partitions?: number;
  /** `status.storage.replication.factor` (default 3; -1 = the broker's default). */
  readonly replicationFactor?: number;
  /** Extra topic configs (`status.storage.*`, see `internalTopicSettings`). */
  readonly topicSettings?: Readonly<Record<string, string>>;
  readonly log?: Logger;
}

class CacheEntry {
  value: Status | null = null;
  sequence = 0;
  deleted = false;

  canWriteSafely(status: Status, sequence?: number): boolean {
    const ok =
      this.value === null ||
      this.value.workerId === status.workerId ||
      this.value.generation <= status.generation;
    return ok && (sequence === undefined || sequence === this.sequence);
  }
}

export class KafkaStatusBackingStore {
  readonly topic: string;
  readonly #log: KafkaBasedLog;
  readonly #logger: Logger;
  readonly #connectors = new Map<string, CacheEntry>();
  readonly #tasks = new Map<string, Map<number, CacheEntry>>();
  readonly #topics = new Map<string, Map<string, TopicStatus>>();
  readonly #pending = new Set<Promise<void>>();
  /** The generation of the latest write (Kafka's `generation` field). */
  #generation = -1;
  #running = false;

  constructor(options: KafkaStatusBackingStoreOptions) {
    this.topic = options.topic;
    this.#logger = options.log ?? pino({ level: 'silent' });
    this.#log = new KafkaBasedLog({
      client: options.client,
      topic: options.topic,
      create: {
        partitions: options.partitions ?? 5,
        replicationFactor: options.replicationFactor ?? 3,
        configs: options.topicSettings ?? {},
      },
      topicConfigKey: 'status.storage.topic',
      purpose: 'connector and task statuses',
      onRecord: (record) => {
        if (record.key === null) return;
        this.#read(record.key.toString('utf8'), record.value);
      },
      log: this.#logger,
    });
  }

  /** Creates or checks the topic and reads it to the end, so reads see the latest states. */
  async start(): Promise<void> {
    await this.#log.start();
    this.#running = true;
  }

  /** Waits for pending writes, then stops reading. */
  async stop(): Promise<void> {
    await this.flush();
    this.#running = false;
    await this.#log.stop();
  }

  /** Resolves once every write made so far is acknowledged (or given up). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Reads the topic to its end, so the cache holds every status acknowledged before this call. */
  async refresh(timeoutMs = 30_000): Promise<void> {
    await withTimeout(this.#log.readToEnd(), timeoutMs, `Reading to the end of ${this.topic}`);
  }

  // -----------------------------------------------------------------------------------------
  // Writes

  putConnector(connector: string, status: StateRecord): Promise<void> {
    return this.#sendStatus(
      connectorStatusKey(connector),
      toStatus(status),
      this.#connectorEntry(connector),
      false,
    );
  }

  /** A safe write: skipped when a newer owner (other worker, newer generation) has reported. */
  putConnectorSafe(connector: string, status: StateRecord): Promise<void> {
    return this.#sendStatus(
      connectorStatusKey(connector),
      toStatus(status),
      this.#connectorEntry(connector),
      true,
    );
  }

  putTask(connector: string, task: number, status: StateRecord): Promise<void> {
    const id = { connector, task };
    return this.#sendStatus(taskStatusKey(id), toStatus(status), this.#taskEntry(id), false);
  }

  putTaskSafe(connector: string, task: number, status: StateRecord): Promise<void> {
    const id = { connector, task };
    return this.#sendStatus(taskStatusKey(id), toStatus(status), this.#taskEntry(id), true);
  }

  /**
   * Writes DESTROYED (a tombstone) for a task whose config is gone. `workerId`/`generation` are
   * the writer's, as Kafka's `onDeletion`.
   */
  deleteTask(connector: string, task: number, workerId = '', generation = this.#generation): Promise<void> {
    const id = { connector, task };
    return this.#sendStatus(
      taskStatusKey(id),
      { state: 'DESTROYED', trace: null, workerId, generation },
      this.#taskEntry(id),
      false,
    );
  }

  /** Writes DESTROYED (tombstones) for a deleted connector, each of its known tasks and its topics. */
  async deleteConnector(connector: string, workerId = '', generation = this.#generation): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const task of this.#tasks.get(connector)?.keys() ?? [])
      writes.push(this.deleteTask(connector, task, workerId, generation));
    writes.push(
      this.#sendStatus(
        connectorStatusKey(connector),
        { state: 'DESTROYED', trace: null, workerId, generation },
        this.#connectorEntry(connector),
        false,
      ),
    );
    writes.push(this.resetTopics(connector));
    await Promise.all(writes);
  }

  /** Records that a task of `connector` used `topic` (KIP-558 active topics). */
  addTopic(connector: string, topic: string, task = 0, discoverTimestamp = Date.now()): Promise<void> {
    if (this.#topics.get(connector)?.has(topic) === true) return Promise.resolve();
    return this.#sendTopic(topic, connector, { topic, connector, task, discoverTimestamp });
  }

  /** Tombstones for every active-topic record of the connector. */
  async resetTopics(connector: string): Promise<void> {
    const topics = [...(this.#topics.get(connector)?.keys() ?? [])];
    await Promise.all(topics.map((topic) => this.#sendTopic(topic, connector, null)));
  }

  // -----------------------------------------------------------------------------------------
  // Reads (from what has been read back)

  getConnector(connector: string): StateRecord | undefined {
    const value = this.#connectors.get(connector)?.value;
    return value === null || value === undefined ? undefined : toStateRecord(value);
  }

  getTask(connector: string, task: number): StateRecord | undefined {
    const value = this.#tasks.get(connector)?.get(task)?.value;
    return value === null || value === undefined ? undefined : toStateRecord(value);
  }

  /** Task states of a connector, sorted by task id. */
  getTasks(connector: string): Array<[number, StateRecord]> {
    const out: Array<[number, StateRecord]> = [];
    for (const [task, entry] of this.#tasks.get(connector) ?? []) {
      if (entry.value !== null) out.push([task, toStateRecord(entry.value)]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  /** Connectors with a status, sorted. */
  connectors(): string[] {
    return [...this.#connectors]
      .filter(([, e]) => e.value !== null)
      .map(([c]) => c)
      .sort(compareStrings);
  }

  /** Names of the topics the connector has used, sorted. */
  topics(connector: string): string[] {
    return [...(this.#topics.get(connector)?.keys() ?? [])].sort(compareStrings);
  }

  topicStatus(connector: string, topic: string): TopicStatus | undefined {
    return this.#topics.get(connector)?.get(topic);
  }

  // -----------------------------------------------------------------------------------------

  #connectorEntry(connector: string): CacheEntry {
    let entry = this.#connectors.get(connector);
    if (entry === undefined) {
      entry = new CacheEntry();
      this.#connectors.set(connector, entry);
    }
    return entry;
  }

  #taskEntry(id: ConnectorTaskId): CacheEntry {
    let tasks = this.#tasks.get(id.connector);
    if (tasks === undefined) {
      tasks = new Map();
      this.#tasks.set(id.connector, tasks);
    }
    let entry = tasks.get(id.task);
    if (entry === undefined) {
      entry = new CacheEntry();
      tasks.set(id.task, entry);
    }
    return entry;
  }

  #track(work: Promise<void>): Promise<void> {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
    return work;
  }

  #sendStatus(key: string, status: Status, entry: CacheEntry, safeWrite: boolean): Promise<void> {
    this.#generation = status.generation;
    if (safeWrite && !entry.canWriteSafely(status)) {
      this.#logger.debug({ key, status }, 'Skipping a status write: a newer owner has reported');
      return Promise.resolve();
    }
    const sequence = ++entry.sequence;
    const value = statusValue(status);
    return this.#track(
      this.#sendRetrying(key, value, () => {
        if (entry.deleted || status.generation !== this.#generation) return false;
        return !safeWrite || entry.canWriteSafely(status, sequence);
      }),
    );
  }

  #sendTopic(topic: string, connector: string, status: TopicStatus | null): Promise<void> {
    const record = topicStatusRecord(topic, connector, status);
    return this.#track(this.#sendRetrying(record.key, record.value, () => true));
  }

  /** Sends, retrying retriable failures while `stillWanted()` says so and the store runs. */
  async #sendRetrying(key: string, value: Uint8Array | null, stillWanted: () => boolean): Promise<void> {
    let backoff = 100;
    for (;;) {
      try {
        await this.#log.sendBatch([{ key, value }]);
        return;
      } catch (err) {
        if (!(err instanceof RetriableError)) {
          this.#logger.error({ err, key }, 'Failed to write status update');
          return;
        }
        if (!this.#running || !stillWanted()) return;
        this.#logger.warn({ err, key }, 'Retrying a status update');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 2_000);
        if (!this.#running || !stillWanted()) return;
      }
    }
  }

  #read(key: string, value: Buffer | null): void {
    const record = parseStatusRecord(key, value);
    switch (record.type) {
      case 'ignored':
        this.#logger.warn({ key }, record.reason);
        return;
      case 'connector': {
        if (record.status === null) {
          // A connector's tombstone forgets it and its tasks (Kafka's `remove(connector)`).
          const removed = this.#connectors.get(record.connector);
          if (removed !== undefined) removed.deleted = true;
          this.#connectors.delete(record.connector);
          for (const e of this.#tasks.get(record.connector)?.values() ?? []) e.deleted = true;
          this.#tasks.delete(record.connector);
          return;
        }
        this.#connectorEntry(record.connector).value = record.status;
        return;
      }
      case 'task': {
        if (record.status === null) {
          const tasks = this.#tasks.get(record.id.connector);
          const removed = tasks?.get(record.id.task);
          if (removed !== undefined) removed.deleted = true;
          tasks?.delete(record.id.task);
          return;
        }
        const entry = this.#taskEntry(record.id);
        const current = entry.value;
        if (
          record.status.state === 'UNASSIGNED' &&
          current !== null &&
          current.state === 'RUNNING' &&
          current.generation >= record.status.generation
        ) {
          this.#logger.trace({ key }, 'Ignoring a stale UNASSIGNED status');
          return;
        }
        entry.value = record.status;
        return;
      }
      case 'topic': {
        if (record.status === null) {
          const topics = this.#topics.get(record.connector);
          topics?.delete(record.topic);
          if (topics?.size === 0) this.#topics.delete(record.connector);
          return;
        }
        let topics = this.#topics.get(record.connector);
        if (topics === undefined) {
          topics = new Map();
          this.#topics.set(record.connector, topics);
        }
        topics.set(record.topic, record.status);
        return;
      }
    }
  }
}

function toStatus(record: StateRecord): Status {
  return {
    state: record.state as StatusState,
    trace: record.trace,
    workerId: record.workerId,
    generation: record.generation,
    ...(record.version === undefined ? {} : { version: record.version }),
  };
}

function toStateRecord(status: Status): StateRecord {
  return {
    state: status.state as ConnectState,
    workerId: status.workerId,
    trace: status.trace,
    generation: status.generation,
    ...(status.version === undefined ? {} : { version: status.version }),
  };
}
