import type { MaybePromise, StringMap } from '../connector/connector.ts';
import type { Task } from '../connector/task.ts';
import type { OffsetAndMetadata, TopicPartition, TopicPartitionMap } from '../connector/topic-partition.ts';
import type { PluginLogger } from '../logger.ts';
import type { PluginMetrics } from '../metrics.ts';
import type { SinkRecord } from './sink-record.ts';

/**
 * Reports a record the task could not write, to the dead-letter queue and/or the log, as
 * configured by `errors.*` (`ErrantRecordReporter`). The promise settles when the report is durable.
 */
export interface ErrantRecordReporter {
  report(record: SinkRecord, error: Error): Promise<void>;
}

/** What a sink task can ask of the runtime (`SinkTaskContext`). */
export interface SinkTaskContext {
  configs(): StringMap;
  /** Rewinds (or skips) the consumer to these offsets before the next fetch. */
  offset(offsets: TopicPartitionMap<number>): void;
  offset(tp: TopicPartition, offset: number): void;
  /** After a RetriableError from `put`, waits this long before redelivering the batch. */
  timeout(ms: number): void;
  /** The partitions currently assigned to this task. */
  assignment(): TopicPartition[];
  pause(...partitions: TopicPartition[]): void;
  resume(...partitions: TopicPartition[]): void;
  /** Asks for an offset commit as soon as possible. */
  requestCommit(): void;
  /** The reporter for records `put` cannot write, or null when error reporting is not configured. */
  errantRecordReporter(): ErrantRecordReporter | null;
  /** The task's own metrics (KIP-877), labelled with its connector and task; absent in runtimes without metrics. */
  pluginMetrics?(): PluginMetrics;
  /**
   * A logger named `name` (default: the plugin's class name) whose lines name this connector and
   * task (`[name|task-0]`) and whose level `/admin/loggers` sets; absent in runtimes without one
   * (use `pluginLogger(context, name)` to fall back to stderr).
   */
  logger?(name?: string): PluginLogger;
}

/**
 * A sink task (`org.apache.kafka.connect.sink.SinkTask`): receives batches from Kafka with
 * {@link put} and makes them durable by {@link flush}/{@link preCommit}, after which the runtime
 * commits the consumer offsets. Throw a `RetriableError` from `put` to have the batch redelivered.
 */
export abstract class SinkTask implements Task {
  static readonly TOPICS_CONFIG = 'topics';
  static readonly TOPICS_REGEX_CONFIG = 'topics.regex';

  protected context!: SinkTaskContext;

  initialize(context: SinkTaskContext): void {
    this.context = context;
  }

  abstract version(): string;
  abstract start(props: StringMap): MaybePromise<void>;
  abstract put(records: SinkRecord[]): MaybePromise<void>;
  abstract stop(): MaybePromise<void>;

  /** Makes everything given to `put` durable. */
  flush(_currentOffsets: TopicPartitionMap<OffsetAndMetadata>): MaybePromise<void> {}

  /** The offsets safe to commit; by default flushes and returns `currentOffsets`. */
  async preCommit(
    currentOffsets: TopicPartitionMap<OffsetAndMetadata>,
  ): Promise<TopicPartitionMap<OffsetAndMetadata>> {
    await this.flush(currentOffsets);
    return currentOffsets;
  }

  /** Partitions newly assigned to this task. */
  open(_partitions: TopicPartition[]): MaybePromise<void> {}

  /** Partitions taken away from this task; drop their buffered state. */
  close(_partitions: TopicPartition[]): MaybePromise<void> {}
}
