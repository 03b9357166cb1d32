export {
  CONNECTOR_CONFIG_DEF,
  parseTopicsList,
  SINK_CONNECTOR_CONFIG_DEF,
  SOURCE_CONNECTOR_CONFIG_DEF,
  validateSinkTopics,
} from './config/connector-config.ts';
export { DISTRIBUTED_CONFIG_DEF, DistributedConfig } from './config/distributed-config.ts';
export type { ConnectorConfigFile, PropertiesFileOptions } from './config/properties.ts';
export {
  loadConnectorConfigFile,
  loadPropertiesFile,
  parseConnectorConfigFile,
  parseProperties,
} from './config/properties.ts';
export { BUILTIN_CONFIG_PROVIDERS } from './config/providers/config-provider-registry.ts';
export type { AdvertisedAddressOptions, Listener } from './config/worker-config.ts';
export { parseListener, WORKER_CONFIG_DEF, WorkerConfig } from './config/worker-config.ts';
export { DistributedHerder } from './distributed/assemble.ts';
export type { DistributedHerderOptions } from './distributed/distributed-herder.ts';
export { SchemaRegistryTopicLog } from './distributed/schema-registry-log.ts';
export type * from './herder/entities.ts';
export type { Herder, PutConnectorResult } from './herder/herder.ts';
export { ClientClosedError } from './log/client-closed-error.ts';
export type {
  ConsumerGroupDescription,
  ConsumerGroupInfo,
  ConsumerGroupListing,
  ConsumerGroupMemberInfo,
  ConsumerGroupOffsetRow,
  ConsumerGroupsSource,
} from './log/consumer-groups.ts';
export { describeConsumerGroup } from './log/consumer-groups.ts';
export { embeddedConsumerGroupsSource } from './log/embedded/consumer-groups-source.ts';
export type {
  EmbeddedLogClientConfig,
  FsyncPolicy,
  RecoveryNote,
} from './log/embedded/embedded-log-client.ts';
export { EMBEDDED_LOG_DEFAULTS, EmbeddedLogClient } from './log/embedded/embedded-log-client.ts';
export { connectionSettings, DEFAULT_MAX_PARTITION_FETCH_BYTES } from './log/kafka/client-config.ts';
export { kafkaConsumerGroupsSource } from './log/kafka/consumer-groups-admin.ts';
export type { PlatformaticLogClientConfig } from './log/kafka/platformatic-client.ts';
export { PlatformaticLogClient, toConnectError } from './log/kafka/platformatic-client.ts';
export type {
  CommitOffset,
  CreateTopicResult,
  FetchedPartition,
  FetchedRecords,
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
  ProduceOptions,
  ProduceRecord,
  RecordAck,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicConfigEntry,
  TopicConfigSource,
  TopicDescription,
  TopicPartition,
} from './log/log-client.ts';
export {
  currentLogContext,
  type LogContext,
  logContextPrefix,
  withLogContext,
} from './logging/log-context.ts';
export {
  formatTextLine,
  LOG_FORMAT_CONFIG,
  LOG_FORMAT_ENV,
  type LogFormat,
  parseLogFormat,
  resolveLogFormat,
  textDestination,
} from './logging/log-format.ts';
export {
  type CreateLoggerOptions,
  createLogger,
  type Log4jLevel,
  parseLog4jLevel,
} from './logging/logger.ts';
export {
  type LoggerLevel,
  LoggerRegistry,
  loggerRegistryFor,
  ROOT_LOGGER_NAME,
} from './logging/logger-registry.ts';
export { contextLoggers, toPluginLogger } from './logging/plugin-logger.ts';
export { HIDDEN, redactConfig } from './logging/redact.ts';
export {
  ConnectMetrics,
  DisabledTaskMetrics,
  Exposition,
  type MetricsCollector,
  PluginMetricsRegistry,
  type RebalanceSnapshot,
  TaskMetrics,
} from './metrics/index.ts';
export { loadPluginPath, type PluginPathResult } from './plugins/plugin-path.ts';
export { type LazyPluginEntry, type PluginInfo, PluginRegistry } from './plugins/plugin-registry.ts';
export { JaasBasicAuth, parseJaasFile } from './rest/auth/jaas-basic-auth.ts';
export { type RestAuthenticator, restAuthFromWorker } from './rest/auth/rest-auth.ts';
export { type ErrorMessage, RestError, toErrorResponse } from './rest/errors.ts';
export { buildOpenApiDocument } from './rest/openapi.ts';
export { type RestListener, RestServer, type RestServerOptions } from './rest/rest-server.ts';
export { restSecurityOptions } from './rest/security-options.ts';
export { type RestTls, restSslProps, restTls, setRestClientTls } from './rest/tls.ts';
export {
  openWorkerSchemaRegistry,
  registerWorkerRegistryLocally,
  SCHEMA_REGISTRY_ENABLE_CONFIG,
  SCHEMA_REGISTRY_REPLICATION_FACTOR_KEY,
  SCHEMA_REGISTRY_STORAGE_CONFIG,
  SCHEMA_REGISTRY_STORAGE_FILE_CONFIG,
  SCHEMA_REGISTRY_TOPIC_KEY,
  type WorkerRegistryStorage,
  type WorkerSchemaRegistry,
  workerRegistryStorage,
  workerSchemaRegistry,
} from './rest/worker-schema-registry.ts';
export { StandaloneHerder } from './standalone/assemble.ts';
export { SLUICE_VERSION } from './version.ts';
