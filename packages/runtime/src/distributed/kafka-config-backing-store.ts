import { ConfigError, ConnectError } from '@sluice/api';
import pino, { type Logger } from 'pino';
import type { LogClient } from '../log/log-client.ts';
import { type ClusterConfigState, type ConfigChange, ConfigTopicState } from './cluster-config-state.ts';
import {
  type ConfigTopicRecord,
  commitTasksRecord,
  connectorConfigRecord,
  connectorDeletionRecords,
  loggerLevelRecord,
  type RawConfig,
  restartRequestRecord,
  type SessionKey,
  sessionKeyRecord,
  type TargetState,
  targetStateRecord,
  taskConfigRecord,
  taskCountRecord,
} from './config-records.ts';
import { FencableConfigWriter, PrivilegedWriteError } from './config-topic-privileges.ts';
import { KafkaBasedLog, toBuffer, withTimeout } from './kafka-based-log.ts';

/**
 * The config topic (`config.storage.topic`) as Kafka Connect's `KafkaConfigBackingStore` uses
 * it: one partition, compacted; every record is read in order into a {@link ConfigTopicState}
 * (task configs buffered until their commit record, and so on), and a listener hears about
 * changes read after the initial read. Writes follow Kafka's sequences and wait for their
 * acknowledgement and read-back within a 30 s budget (`READ_WRITE_TOTAL_TIMEOUT_MS`).
 *
 * Only the group leader should write connector configs, deletions, task configs, restart
 * requests, session keys and task-count records; any worker may write target states and logger
 * levels. This store does not enforce that: the herder does.
 *
 * With exactly-once source support `preparing` or `enabled` (`transactionalId` given) the
 * leader-only writes go through a fencable transactional producer (config-topic-privileges.ts):
 * `claimWritePrivileges()` first, then one transaction per write; a failed one throws
 * {@link PrivilegedWriteError} and the privileges are gone until claimed again. Target states and
 * logger levels stay plain writes, as in Kafka. With `readCommitted` (`enabled`) the topic is read
 * `read_committed`.
 */

/** Kafka's budget for a write plus its read-back. */
export const READ_WRITE_TOTAL_TIMEOUT_MS = 30_000;

export interface KafkaConfigBackingStoreOptions {
  readonly client: LogClient;
  /** `config.storage.topic`. */
  readonly topic: string;
  /** `config.storage.replication.factor` (default 3; -1 = the broker's default). */
  readonly replicationFactor?: number;
  /** Extra topic configs (`config.storage.*`, see `internalTopicSettings`). */
  readonly topicSettings?: Readonly<Record<string, string>>;
  /** Budget of one write and its read-back. Default {@link READ_WRITE_TOTAL_TIMEOUT_MS}. */
  readonly writeTimeoutMs?: number;
  /**
   * The transactional id of the leader's fencable producer (`connect-cluster-<group.id>`) when
   * exactly-once source support is `preparing` or `enabled`; absent: every write is a plain one.
   */
  readonly transactionalId?: string;
  /** Read the topic `read_committed` (exactly-once source support `enabled`). */
  readonly readCommitted?: boolean;
  readonly log?: Logger;
}

export type ConfigUpdateListener = (change: ConfigChange) => void;

export class KafkaConfigBackingStore {
  readonly topic: string;
  readonly #state = new ConfigTopicState();
  readonly #log: KafkaBasedLog;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #fencable: FencableConfigWriter | undefined;
  #listener: ConfigUpdateListener | undefined;
  #started = false;

  constructor(options: KafkaConfigBackingStoreOptions) {
    if (options.topic.trim() === '')
      throw new ConfigError('Must specify topic for connector configuration.', {
        key: 'config.storage.topic',
      });
    this.topic = options.topic;
    this.#logger = options.log ?? pino({ level: 'silent' });
    this.#timeoutMs = options.writeTimeoutMs ?? READ_WRITE_TOTAL_TIMEOUT_MS;
    const { partitions: _ignored, ...settings } = options.topicSettings ?? {};
    this.#fencable =
      options.transactionalId === undefined
        ? undefined
        : new FencableConfigWriter(options.client, options.transactionalId, this.#logger);
    this.#log = new KafkaBasedLog({
      client: options.client,
      topic: options.topic,
      create: {
        partitions: 1,
        replicationFactor: options.replicationFactor ?? 3,
        configs: settings,
      },
      topicConfigKey: 'config.storage.topic',
      ...(options.readCommitted === true ? { isolationLevel: 'read_committed' as const } : {}),
      purpose: 'connector configurations',
      verify: (topic) => {
        if (topic.partitions.length > 1)
          throw new ConfigError(
            `Topic '${options.topic}' supplied via the 'config.storage.topic' property is required to have a ` +
              'single partition in order to guarantee consistency of connector configurations, but found ' +
              `${topic.partitions.length} partitions.`,
            { key: 'config.storage.topic', value: options.topic },
          );
      },
      onRecord: (record) => {
        if (record.key === null) {
          this.#logger.error({ offset: record.offset }, 'Discarding config update record with a null key');
          return;
        }
        const { record: parsed, change } = this.#state.apply({
          key: record.key.toString('utf8'),
          value: record.value,
          offset: record.offset,
        });
        if (parsed.type === 'ignored') this.#logger.error({ key: parsed.key }, parsed.reason);
        // Before the initial read completes nothing is announced (Kafka's rule).
        if (change !== null && this.#started) this.#notify(change);
      },
      log: this.#logger,
    });
  }

  /** Sets the listener that hears about changes read after `start()` (Kafka's `UpdateListener`). */
  setUpdateListener(listener: ConfigUpdateListener): void {
    this.#listener = listener;
  }

  /** Creates or checks the topic and reads it to the end; changes are announced from then on. */
  async start(): Promise<void> {
    this.#logger.info('Starting KafkaConfigBackingStore');
    await this.#log.start();
    this.#started = true;
    this.#logger.info('Started KafkaConfigBackingStore');
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.relinquishWritePrivileges();
    await this.#log.stop();
  }

  /** True when leader-only writes go through the fencable transactional producer. */
  get usesFencableWriter(): boolean {
    return this.#fencable !== undefined;
  }

  /**
   * Claims the leader's write privileges (Kafka's `claimWritePrivileges`): the fencable producer is
   * initialized, which fences any older producer of the transactional id. Nothing to do without a
   * fencable writer or when the privileges are held.
   */
  async claimWritePrivileges(): Promise<void> {
    await this.#fencable?.claim();
  }

  /** Closes the fencable producer, if any (a worker that no longer leads). */
  async relinquishWritePrivileges(): Promise<void> {
    await this.#fencable?.release();
  }

  /** An immutable view of everything read so far. */
  snapshot(): ClusterConfigState {
    return this.#state.snapshot();
  }

  /** The config offset (next offset to read) of what has been read so far. */
  get offset(): number {
    return this.#state.offset;
  }

  /** Reads the topic to its current end (Kafka's `refresh`); fails after `timeoutMs`. */
  async refresh(timeoutMs: number = this.#timeoutMs): Promise<void> {
    await withTimeout(this.#log.readToEnd(), timeoutMs, 'Reading to the end of the config topic');
  }

  /**
   * Writes a connector's config, preceded in the same batch by its target state when one is
   * given, then reads the topic back to the end.
   */
  async putConnectorConfig(
    connector: string,
    properties: RawConfig,
    targetState: TargetState | null = null,
  ): Promise<void> {
    const records: ConfigTopicRecord[] = [];
    if (targetState !== null) records.push(targetStateRecord(connector, targetState));
    records.push(connectorConfigRecord(connector, properties));
    await this.#write('Error writing connector configuration to Kafka', async () => {
      await this.#sendPrivileged(records);
      await this.#log.readToEnd();
    });
  }

  /** Tombstones for `connector-<name>` and `target-state-<name>`, then a read-back. */
  async removeConnectorConfig(connector: string): Promise<void> {
    await this.#write('Error removing connector configuration from Kafka', async () => {
      await this.#sendPrivileged(connectorDeletionRecords(connector));
      await this.#log.readToEnd();
    });
  }

  /**
   * Publishes a connector's task configs as Kafka does: read to the end, write `task-<name>-<i>`
   * for every i, read to the end (when there is a task), write `commit-<name>` with the count,
   * read to the end.
   */
  async putTaskConfigs(connector: string, configs: readonly RawConfig[]): Promise<void> {
    const taskRecords = configs.map((config, task) => taskConfigRecord({ connector, task }, config));
    await this.#write('Error writing task configurations to Kafka', async () => {
      await this.#log.readToEnd();
      if (taskRecords.length > 0) {
        await this.#sendPrivileged(taskRecords);
        await this.#log.readToEnd();
      }
      await this.#sendPrivileged([commitTasksRecord(connector, configs.length)]);
      await this.#log.readToEnd();
    });
  }

  /** Writes a target state and waits for its acknowledgement (no read-back, as Kafka). Any worker may. */
  async putTargetState(connector: string, state: TargetState): Promise<void> {
    const record = targetStateRecord(connector, state);
    await this.#write('Error writing target state to Kafka', async () => {
      await this.#log.sendBatch([record]);
    });
  }

  async putRestartRequest(
    connector: string,
    request: { readonly includeTasks: boolean; readonly onlyFailed: boolean },
  ): Promise<void> {
    const record = restartRequestRecord(connector, request);
    await this.#write(`Error writing restart request for ${connector} to Kafka`, async () => {
      await this.#sendPrivileged([record]);
      await this.#log.readToEnd();
    });
  }

  async putSessionKey(sessionKey: SessionKey): Promise<void> {
    const record = sessionKeyRecord(sessionKey);
    await this.#write('Error writing session key to Kafka', async () => {
      await this.#sendPrivileged([record]);
      await this.#log.readToEnd();
    });
  }

  async putTaskCountRecord(connector: string, taskCount: number): Promise<void> {
    const record = taskCountRecord(connector, taskCount);
    await this.#write('Error writing task count record to Kafka', async () => {
      await this.#sendPrivileged([record]);
      await this.#log.readToEnd();
    });
  }

  /** A cluster-wide log level (KIP-976); acknowledged, not read back. Any worker may. */
  async putLoggerLevel(namespace: string, level: string): Promise<void> {
    const record = loggerLevelRecord(namespace, level);
    await this.#write('Error writing logger level to Kafka', async () => {
      await this.#log.sendBatch([record]);
    });
  }

  /**
   * A leader-only write (Kafka's `sendPrivileged`): one transaction of the fencable producer when
   * there is one, else a plain batch.
   */
  async #sendPrivileged(records: readonly ConfigTopicRecord[]): Promise<void> {
    if (this.#fencable === undefined) {
      await this.#log.sendBatch(records);
      return;
    }
    const acks = await this.#fencable.send(
      records.map((r) => ({
        topic: this.topic,
        key: toBuffer(r.key),
        value: toBuffer(r.value),
        headers: [],
      })),
    );
    // Read past the transaction's records: with read_committed, an end taken before the commit
    // markers are written (they follow EndTxn's answer) would stop short of them.
    const ends = new Map<number, number>();
    for (const a of acks) ends.set(a.partition, Math.max(ends.get(a.partition) ?? 0, a.offset + 1));
    await this.#log.readTo(ends);
  }

  async #write(failure: string, work: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(work(), this.#timeoutMs, failure);
    } catch (err) {
      if (err instanceof PrivilegedWriteError)
        throw new PrivilegedWriteError(`${failure}: ${err.message}`, { cause: err });
      throw new ConnectError(`${failure}: ${(err as Error).message}`, { cause: err });
    }
  }

  #notify(change: ConfigChange): void {
    try {
      this.#listener?.(change);
    } catch (err) {
      this.#logger.error({ err, change: change.type }, 'A config update listener failed');
    }
  }
}
