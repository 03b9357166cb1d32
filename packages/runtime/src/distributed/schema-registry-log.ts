import { ConfigError } from '@sluice/api';
import type { RegistryLog, RegistryRecord } from '@sluice/schema-registry';
import type { Logger } from 'pino';
import type { LogClient } from '../log/log-client.ts';
import { KafkaBasedLog } from './kafka-based-log.ts';

/** The worker key naming the topic (see rest/worker-schema-registry.ts), for messages. */
const SCHEMA_REGISTRY_TOPIC_CONFIG = 'schema.registry.topic';

/**
 * The registry's `_schemas` topic on a {@link LogClient} (Kafka or the embedded log), as
 * Confluent's registry keeps it: one partition, compacted, created when missing, read from the
 * beginning, every record appended to partition 0.
 */
export class SchemaRegistryTopicLog implements RegistryLog {
  readonly topic: string;
  readonly #client: LogClient;
  readonly #replicationFactor: number;
  readonly #logger: Logger | undefined;
  #log: KafkaBasedLog | null = null;

  constructor(options: { client: LogClient; topic: string; replicationFactor?: number; logger?: Logger }) {
    this.#client = options.client;
    this.topic = options.topic;
    this.#replicationFactor = options.replicationFactor ?? -1;
    this.#logger = options.logger;
  }

  async start(onRecord: (key: Buffer | null, value: Buffer | null) => void): Promise<void> {
    const log = new KafkaBasedLog({
      client: this.#client,
      topic: this.topic,
      create: { partitions: 1, replicationFactor: this.#replicationFactor },
      topicConfigKey: SCHEMA_REGISTRY_TOPIC_CONFIG,
      purpose: 'schemas',
      verify: (description) => {
        if (description.partitions.length !== 1) {
          throw new ConfigError(
            `The schemas topic '${this.topic}' (${SCHEMA_REGISTRY_TOPIC_CONFIG}) must have exactly 1 partition, as Confluent's registry requires; it has ${description.partitions.length}`,
            { key: SCHEMA_REGISTRY_TOPIC_CONFIG },
          );
        }
      },
      onRecord: (record) => onRecord(record.key, record.value),
      ...(this.#logger === undefined ? {} : { log: this.#logger }),
    });
    await log.start();
    this.#log = log;
  }

  /** Appends to partition 0; works as long as the client is open, also once reading has stopped. */
  async append(records: readonly RegistryRecord[]): Promise<void> {
    await this.#client.produce(
      records.map((r) => ({ topic: this.topic, partition: 0, key: r.key, value: r.value, headers: [] })),
    );
  }

  /** Resolves once every record written before the call has been handed over. */
  async readToEnd(): Promise<void> {
    if (this.#log === null) throw new Error(`The schemas topic ${this.topic} is not started`);
    await this.#log.readToEnd();
  }

  async stop(): Promise<void> {
    await this.#log?.stop();
    this.#log = null;
  }
}
