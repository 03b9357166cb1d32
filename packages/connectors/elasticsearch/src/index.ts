import type { PluginManifest } from '@sluice/api';
import { ElasticsearchSinkConnector, OpenSearchSinkConnector } from './elasticsearch-sink-connector.ts';
import { ElasticsearchSinkTask, OpenSearchSinkTask } from './elasticsearch-sink-task.ts';

export type { SinkSettings } from './config.ts';
export { ES_CONFIG_DEF, indexName, OPENSEARCH_CONFIG_DEF, readSettings, unknownKeys } from './config.ts';
export { buildMapping, documentId, toJson } from './data-converter.ts';
export type { BulkAction, ElasticsearchSinkTaskOptions } from './elasticsearch-sink-task.ts';
export { backoff } from './elasticsearch-sink-task.ts';
export { parseServerInfo, SearchHttpClient, type ServerInfo } from './http-client.ts';
export type { TaskLogger } from './task-log.ts';
export { VERSION } from './version.ts';
export { ElasticsearchSinkConnector, ElasticsearchSinkTask, OpenSearchSinkConnector, OpenSearchSinkTask };

/** The connectors this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  { type: 'sink', plugin: ElasticsearchSinkConnector },
  { type: 'sink', plugin: OpenSearchSinkConnector },
];
