/**
 * Connector-specific offsets topics (KIP-618's `offsets.storage.topic` connector property), in
 * distributed mode, for every source connector: with exactly-once support on or off, as Kafka
 * Connect 4.1 does. A connector that names a topic other than the worker's `offset.storage.topic`
 * gets a store of its own on it (created compacted with the worker's `offset.storage.*` settings;
 * read `read_committed` when exactly-once support is on), started on first use. Its tasks read
 * their offsets there first and in the worker's topic second, and write them to both (Kafka's
 * `ConnectorOffsetBackingStore`); the REST offsets API reads and changes both the same way.
 */
import type { Logger } from 'pino';
import type { LogClient } from '../log/log-client.ts';
import type { OffsetBackingStore } from '../storage/offset-store.ts';
import { KafkaOffsetBackingStore } from './kafka-offset-backing-store.ts';

export interface ConnectorOffsetsTopicsOptions {
  /** The worker's offsets store (on `offset.storage.topic`). */
  workerOffsets: KafkaOffsetBackingStore;
  /** How a connector-specific offsets topic is created: the worker's `offset.storage.*`. */
  offsetTopicCreation: {
    partitions: number;
    replicationFactor: number;
    topicSettings: Record<string, string>;
  };
  /** Read the connector topics `read_committed` (exactly-once support enabled). */
  readCommitted: boolean;
  /** A client for a connector-specific offsets store (each store reads on a client of its own). */
  newClient: (purpose: string) => LogClient;
  logger: Logger;
}

export class ConnectorOffsetsTopics {
  readonly #o: ConnectorOffsetsTopicsOptions;
  /** Connector-specific offsets stores by topic, started on first use. */
  readonly #stores = new Map<
    string,
    { store: KafkaOffsetBackingStore; client: LogClient; started: Promise<void> }
  >();

  constructor(options: ConnectorOffsetsTopicsOptions) {
    this.#o = options;
  }

  /** The worker's offsets topic. */
  get workerTopic(): string {
    return this.#o.workerOffsets.topic;
  }

  /** The connector's own offsets topic, or null when it has none (or names the worker's). */
  topicOf(connectorConfig: Readonly<Record<string, string>>): string | null {
    const own = connectorConfig['offsets.storage.topic']?.trim() ?? '';
    return own !== '' && own !== this.workerTopic ? own : null;
  }

  /**
   * The offsets of a source connector's tasks: its own topic first and the worker's second, or
   * undefined when it has no topic of its own (the worker's store then). Its first use starts the
   * connector's store; reads and writes wait for that start.
   */
  taskStore(connectorConfig: Readonly<Record<string, string>>): OffsetBackingStore | undefined {
    const topic = this.topicOf(connectorConfig);
    return topic === null ? undefined : this.#fallback(topic);
  }

  /** Starts the store of `topic` (once); rejects when it cannot start (the next use tries again). */
  async start(topic: string): Promise<void> {
    await this.#entry(topic).started;
  }

  /** The store the REST offsets API reads and changes for a connector (started). */
  async offsetStore(connectorConfig: Readonly<Record<string, string>>): Promise<OffsetBackingStore> {
    const topic = this.topicOf(connectorConfig);
    if (topic === null) return this.#o.workerOffsets;
    await this.start(topic);
    return this.#fallback(topic);
  }

  #fallback(topic: string): OffsetBackingStore {
    const entry = this.#entry(topic);
    return new FallbackOffsetStore(entry.store, this.#o.workerOffsets, () => this.start(topic));
  }

  #entry(topic: string) {
    const o = this.#o;
    let entry = this.#stores.get(topic);
    if (entry === undefined) {
      const client = o.newClient(`offsets-${topic}`);
      const store = new KafkaOffsetBackingStore({
        client,
        topic,
        partitions: o.offsetTopicCreation.partitions,
        replicationFactor: o.offsetTopicCreation.replicationFactor,
        topicSettings: o.offsetTopicCreation.topicSettings,
        readCommitted: o.readCommitted,
        log: o.logger.child({ store: `offsets ${topic}` }),
      });
      const started = store.start();
      entry = { store, client, started };
      // A failed start is retried by the next use of the topic.
      started.catch(() => {
        this.#stores.delete(topic);
        void client.close().catch(() => {});
      });
      this.#stores.set(topic, entry);
    }
    return entry;
  }

  async stop(): Promise<void> {
    const stores = [...this.#stores.values()];
    this.#stores.clear();
    for (const { store, client, started } of stores) {
      await started.catch(() => {});
      await store.stop().catch(() => {});
      await client.close().catch(() => {});
    }
  }
}

/**
 * Offsets of a connector with its own offsets topic: read there first, then in the worker's
 * topic (Kafka's `ConnectorOffsetBackingStore`); writes go to both. Every call first waits for
 * the connector store's start.
 */
class FallbackOffsetStore implements OffsetBackingStore {
  readonly #primary: OffsetBackingStore;
  readonly #secondary: OffsetBackingStore;
  readonly #ready: () => Promise<void>;

  constructor(primary: OffsetBackingStore, secondary: OffsetBackingStore, ready: () => Promise<void>) {
    this.#primary = primary;
    this.#secondary = secondary;
    this.#ready = ready;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async get(keys: readonly string[]): Promise<Map<string, string>> {
    await this.#ready();
    const found = await this.#primary.get(keys);
    const missing = keys.filter((k) => !found.has(k));
    if (missing.length > 0) for (const [k, v] of await this.#secondary.get(missing)) found.set(k, v);
    return found;
  }

  async set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    await this.#ready();
    await this.#primary.set(entries);
    await this.#secondary.set(entries);
  }

  async keysOf(connector: string): Promise<string[]> {
    await this.#ready();
    const keys = new Set([
      ...(await this.#primary.keysOf(connector)),
      ...(await this.#secondary.keysOf(connector)),
    ]);
    return [...keys];
  }
}
