export type {
  CommitOffset,
  CreateTopicResult,
  FetchedPartition,
  FetchOptions,
  FetchPartitionRequest,
  GroupOffset,
  ListedOffset,
  ListTopicsOptions,
  LogAdmin,
  LogClient,
  LogGroupOffsets,
  LogHeader,
  LogReader,
  LogRecord,
  LogWriter,
  NewTopic,
  OffsetSpec,
  PartitionDescription,
  PartitionError,
  ProduceRecord,
  RecordAck,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicConfigEntry,
  TopicConfigSource,
  TopicDescription,
  TopicPartition,
} from './kafka/log-client.ts';
export type { PlatformaticLogClientConfig } from './kafka/platformatic-client.ts';
export { PlatformaticLogClient, toConnectError } from './kafka/platformatic-client.ts';
export { builtinPlugins } from './plugins/builtins.ts';
export { type PluginInfo, PluginRegistry } from './plugins/plugin-registry.ts';
export { SLUICE_VERSION } from './version.ts';
