import { ConnectError } from '@sluice/api';
import pino, { type Logger } from 'pino';
import type { LogClient } from '../log/log-client.ts';
import { type OffsetBackingStore, parseOffsetKey } from '../storage/offset-store.ts';
import { KafkaBasedLog, type LogEntry, withTimeout } from './kafka-based-log.ts';

/**
 * Source offsets in the offsets topic (`offset.storage.topic`), Kafka Connect's
 * `KafkaOffsetBackingStore`: the same {@link OffsetBackingStore} interface as the standalone file
 * store, so the Worker can use either. Keys and values are the serialized JSON texts
 * (`["<connector>",{partition}]` and the offset map, see `offset-records.ts`), written as UTF-8
 * bytes and partitioned by the hash of the key bytes as the Java producer does; a null value is
 * a tombstone. `get` and `keysOf` first read the topic to its end, so they see every write
 * acknowledged before they were called, by this worker or any other.
 */

export interface KafkaOffsetBackingStoreOptions {
  readonly client: LogClient;
  /** `offset.storage.topic`. */
  readonly topic: string;
  /** `offset.storage.partitions` (default 25; -1 = the broker's default). */
  readonly partitions?: number;
  /** `offset.storage.replication.factor` (default 3; -1 = the broker's default). */
  readonly replicationFactor?: number;
  /** Extra topic configs (`offset.storage.*`, see `internalTopicSettings`). */
  readonly topicSettings?: Readonly<Record<string, string>>;
  /** Budget of a read to the end (ms). Default 30000. */
  readonly readTimeoutMs?: number;
  /** Read only committed transactions (exactly-once source support enabled). Default false. */
  readonly readCommitted?: boolean;
  readonly log?: Logger;
}

export class KafkaOffsetBackingStore implements OffsetBackingStore {
  readonly topic: string;
  readonly #log: KafkaBasedLog;
  readonly #data = new Map<string, string>();
  readonly #readTimeoutMs: number;

  constructor(options: KafkaOffsetBackingStoreOptions) {
    this.topic = options.topic;
    this.#readTimeoutMs = options.readTimeoutMs ?? 30_000;
    const logger = options.log ?? pino({ level: 'silent' });
    this.#log = new KafkaBasedLog({
      client: options.client,
      topic: options.topic,
      create: {
        partitions: options.partitions ?? 25,
        replicationFactor: options.replicationFactor ?? 3,
        configs: options.topicSettings ?? {},
      },
      topicConfigKey: 'offset.storage.topic',
      purpose: 'source connector offsets',
      isolationLevel: options.readCommitted === true ? 'read_committed' : 'read_uncommitted',
      onRecord: (record) => {
        if (record.key === null) return;
        const key = record.key.toString('utf8');
        if (record.value === null) this.#data.delete(key);
        else this.#data.set(key, record.value.toString('utf8'));
      },
      log: logger,
    });
  }

  async start(): Promise<void> {
    await this.#log.start();
  }

  async stop(): Promise<void> {
    await this.#log.stop();
  }

  async get(keys: readonly string[]): Promise<Map<string, string>> {
    await this.#readToEnd();
    const out = new Map<string, string>();
    for (const k of keys) {
      const v = this.#data.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  /** Writes the offsets in one batch and resolves once all are acknowledged. */
  async set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    if (entries.size === 0) return;
    const batch: LogEntry[] = [];
    for (const [key, value] of entries) batch.push({ key, value });
    try {
      await this.#log.sendBatch(batch);
    } catch (err) {
      throw new ConnectError(`Failed to write offsets to topic ${this.topic}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** Keys of one connector whose latest offset is not a tombstone. */
  async keysOf(connector: string): Promise<string[]> {
    await this.#readToEnd();
    return [...this.#data.keys()].filter((k) => parseOffsetKey(k)?.connector === connector);
  }

  async #readToEnd(): Promise<void> {
    await withTimeout(this.#log.readToEnd(), this.#readTimeoutMs, `Reading to the end of ${this.topic}`);
  }
}
