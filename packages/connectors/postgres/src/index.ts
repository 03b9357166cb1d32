import type { PluginManifest } from '@sluice/api';
import { PostgresConnector } from './postgres-connector.ts';
import { PostgresSourceTask } from './postgres-source-task.ts';

export { PK_UPDATE_NEWKEY_HEADER, PK_UPDATE_OLDKEY_HEADER } from './change-records.ts';
export { formatLsn, parseLsn } from './lsn.ts';
export type { PgOutputMessage, ServerFrame, TupleValue } from './pgoutput-decoder.ts';
export { decodePgOutput, decodeServerFrame, encodeStandbyStatusUpdate } from './pgoutput-decoder.ts';
export { POSTGRES_CONFIG_DEF, PostgresConnectorConfig } from './postgres-connector-config.ts';
export { SERVER_PARTITION_KEY } from './postgres-source-task.ts';
export { ReplicationConnection } from './replication-connection.ts';
export { VERSION } from './version.ts';
export { PostgresConnector, PostgresSourceTask };

/** The connectors this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [{ type: 'source', plugin: PostgresConnector }];
