import type { PluginManifest } from '@sluice/api';
import { JdbcSinkConnector } from './sink-connector.ts';
import { JdbcSinkTask } from './sink-task.ts';
import { JdbcSourceConnector } from './source-connector.ts';
import { JdbcSourceTask } from './source-task.ts';

export { SINK_CONFIG_DEF, SinkConfig, SOURCE_CONFIG_DEF, SourceConfig } from './config.ts';
export type { ColumnMeta, Database, QueryStream, SqlType, TableColumn } from './database.ts';
export { openDatabase } from './database.ts';
export type { DatabaseKind, JdbcUrl } from './jdbc-url.ts';
export { JdbcUrlError, parseJdbcUrl, redactUrl } from './jdbc-url.ts';
export { type JdbcLogger, setJdbcLogger } from './log.ts';
export { mapColumn, mapRow, parseTimestamp } from './schema-mapping.ts';
export { describeSelection, groupPartitions, selectTables } from './source-connector.ts';
export { dialectFor, qualifiedName, type TableId } from './sql.ts';
export { offsetMap, readOffset, sourcePartition } from './table-querier.ts';
export { VERSION } from './version.ts';
export { JdbcSinkConnector, JdbcSinkTask, JdbcSourceConnector, JdbcSourceTask };

/** The connectors this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  { type: 'source', plugin: JdbcSourceConnector },
  { type: 'sink', plugin: JdbcSinkConnector },
];
