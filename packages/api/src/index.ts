export * from './config/index.ts';
export {
  ConnectRecord,
  type ConnectRecordFields,
  type RecordChanges,
} from './connector/connect-record.ts';
export {
  Connector,
  type ConnectorContext,
  type MaybePromise,
  type StringMap,
  type TaskClass,
} from './connector/connector.ts';
export type { Task } from './connector/task.ts';
export { type OffsetAndMetadata, TopicPartition, TopicPartitionMap } from './connector/topic-partition.ts';
export * from './data/index.ts';
export * from './errors.ts';
export { ConnectHeaders, type Header, type Headers } from './header/headers.ts';
export {
  type PluginLogger,
  type PluginLogLevel,
  pluginLogger,
  setRuntimePluginLoggers,
  stderrPluginLogger,
} from './logger.ts';
export type { MetricTags, PluginCounter, PluginGauge, PluginMetrics } from './metrics.ts';
export type {
  PluginClass,
  PluginDescriptor,
  PluginManifest,
  PluginManifestEntry,
  PluginType,
} from './plugin.ts';
export { SinkConnector } from './sink/sink-connector.ts';
export { SinkRecord, type SinkRecordFields, type TimestampType } from './sink/sink-record.ts';
export { type ErrantRecordReporter, SinkTask, type SinkTaskContext } from './sink/sink-task.ts';
export { SourceConnector } from './source/source-connector.ts';
export {
  type RecordMetadata,
  type SourceMap,
  SourceRecord,
  type SourceRecordFields,
} from './source/source-record.ts';
export {
  type ConnectorTransactionBoundaries,
  type ExactlyOnceSupport,
  type OffsetStorageReader,
  SourceTask,
  type SourceTaskContext,
  type TransactionContext,
} from './source/source-task.ts';
export type { Converter, ConverterType, HeaderConverter } from './storage/converter.ts';
export type { Predicate, Transformation } from './transforms/transformation.ts';
