/**
 * The task's logger: the runtime's (`context.logger`, through `pluginLogger` of `@sluice/api`),
 * named as Debezium's task class is, so its lines read `... (io.debezium.connector.postgresql.
 * PostgresConnectorTask)` with the connector and task in front, and `/admin/loggers` on
 * `io.debezium` sets its level. Tests replace it through {@link PostgresSourceTask.logger}.
 */
import type { PluginLogger } from '@sluice/api';

export type TaskLogger = Pick<PluginLogger, 'info' | 'warn'>;

export const TASK_LOGGER_NAME = 'io.debezium.connector.postgresql.PostgresConnectorTask';
