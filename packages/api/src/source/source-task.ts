import type { MaybePromise, StringMap } from '../connector/connector.ts';
import type { Task } from '../connector/task.ts';
import type { PluginLogger } from '../logger.ts';
import type { PluginMetrics } from '../metrics.ts';
import type { RecordMetadata, SourceMap, SourceRecord } from './source-record.ts';

/** Reads committed source offsets (`org.apache.kafka.connect.storage.OffsetStorageReader`). */
export interface OffsetStorageReader {
  /** The last committed offset of a source partition, or null. */
  offset(partition: SourceMap): Promise<SourceMap | null>;
  /** Offsets of several partitions; partitions without one are absent from the result. */
  offsets(
    partitions: readonly SourceMap[],
  ): Promise<Array<{ partition: SourceMap; offset: SourceMap | null }>>;
}

/** Transaction boundaries a connector defines (exactly-once sources with `transaction.boundary=connector`). */
export interface TransactionContext {
  commitTransaction(record?: SourceRecord): void;
  abortTransaction(record?: SourceRecord): void;
}

/** What a source task can ask of the runtime (`SourceTaskContext`). */
export interface SourceTaskContext {
  configs(): StringMap;
  offsetStorageReader(): OffsetStorageReader;
  transactionContext(): TransactionContext | null;
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
 * A source task (`org.apache.kafka.connect.source.SourceTask`). The runtime calls {@link poll} in
 * a loop; it may wait for data but should return within about a second so the task can stop.
 */
export abstract class SourceTask implements Task {
  protected context!: SourceTaskContext;

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  abstract version(): string;
  abstract start(props: StringMap): MaybePromise<void>;
  /** A batch of records, or null/empty when there is nothing now. */
  abstract poll(): MaybePromise<SourceRecord[] | null>;
  abstract stop(): MaybePromise<void>;

  /** Called after offsets were flushed; connectors that acknowledge upstream do it here. */
  commit(): MaybePromise<void> {}

  /** Called for each record once Kafka acknowledged it (metadata null when a transform dropped it). */
  commitRecord(_record: SourceRecord, _metadata: RecordMetadata | null): MaybePromise<void> {}
}

/** Kafka's answer to `SourceConnector.exactlyOnceSupport`. */
export type ExactlyOnceSupport = 'SUPPORTED' | 'UNSUPPORTED';
/** Kafka's answer to `SourceConnector.canDefineTransactionBoundaries`. */
export type ConnectorTransactionBoundaries = 'SUPPORTED' | 'UNSUPPORTED';
