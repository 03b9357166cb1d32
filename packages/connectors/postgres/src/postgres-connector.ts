import {
  Config,
  type ConfigDef,
  type ConfigValue,
  ConnectError,
  type ExactlyOnceSupport,
  SourceConnector,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import {
  addCrossCheckErrors,
  DATABASE_NAME,
  HOSTNAME,
  PLUGIN_NAME,
  POSTGRES_CONFIG_DEF,
  PostgresConnectorConfig,
  SLOT_NAME,
  TOPIC_PREFIX,
} from './postgres-connector-config.ts';
import { checkServer, connectOptions, PostgresSourceTask } from './postgres-source-task.ts';
import { connectClient, describePgError } from './replication-connection.ts';
import { VERSION } from './version.ts';

/**
 * Debezium's `io.debezium.connector.postgresql.PostgresConnector`: change data capture from
 * PostgreSQL over the `pgoutput` logical decoding plugin. Always one task, whatever `tasks.max`
 * says (a replication slot has one reader).
 */
export class PostgresConnector extends SourceConnector {
  static readonly javaClass = 'io.debezium.connector.postgresql.PostgresConnector';
  static readonly aliases = ['PostgresConnector', 'Postgres'] as const;

  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  /** @throws ConfigError naming the key when the configuration is invalid */
  start(props: StringMap): void {
    new PostgresConnectorConfig(props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return PostgresSourceTask;
  }

  taskConfigs(_maxTasks: number): StringMap[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  config(): ConfigDef {
    return POSTGRES_CONFIG_DEF;
  }

  /**
   * Debezium 3.6's answer, whatever the configuration: the task resumes from the LSN stored with
   * the records it wrote (in the same transaction) and confirms an LSN to the slot only after
   * `commit()`, so a restarted task neither skips nor repeats a committed change. Connector-defined
   * transaction boundaries are not supported (the SDK's default answer), as in Debezium.
   */
  override exactlyOnceSupport(_config: StringMap): ExactlyOnceSupport {
    return 'SUPPORTED';
  }

  /**
   * Validates each key, the combinations of keys, and — when the connection keys are valid —
   * that the server is reachable with these credentials, has `wal_level=logical`, and that the
   * user may log in and replicate, as Debezium's `validateConnection` does. Connection problems
   * are reported on `database.hostname`.
   */
  override async validate(connectorConfigs: StringMap): Promise<Config> {
    const values = POSTGRES_CONFIG_DEF.validateAll(connectorConfigs);
    addCrossCheckErrors(values);
    legacyServerNameHint(values, connectorConfigs);
    const hasErrors = (key: string): boolean => (values.get(key)?.errorMessages.length ?? 0) > 0;
    const host = values.get(HOSTNAME);
    if (host !== undefined && ![DATABASE_NAME, SLOT_NAME, PLUGIN_NAME, HOSTNAME].some(hasErrors)) {
      await validateConnection(connectorConfigs, host);
    }
    return new Config([...values.values()]);
  }
}

/**
 * A Debezium 1.x config names its topics with `database.server.name`; since Debezium 2.0 that is
 * `topic.prefix`. Without `topic.prefix` such a config gets, besides the required-value error,
 * the key to rename (the old key is otherwise ignored, as in Debezium 2+).
 */
function legacyServerNameHint(values: Map<string, ConfigValue>, props: StringMap): void {
  const legacy = props['database.server.name'];
  const prefix = values.get(TOPIC_PREFIX);
  if (legacy === undefined || legacy === null || prefix === undefined) return;
  if ((props[TOPIC_PREFIX] ?? '').trim() !== '') return;
  prefix.addErrorMessage(
    `database.server.name is Debezium 1.x's key: since Debezium 2.0 the topic names come from topic.prefix; set topic.prefix=${legacy}`,
  );
}

async function validateConnection(props: StringMap, hostValue: ConfigValue): Promise<void> {
  let config: PostgresConnectorConfig;
  try {
    config = new PostgresConnectorConfig(props);
  } catch {
    return; // the per-key errors already say what is wrong
  }
  let client: Awaited<ReturnType<typeof connectClient>> | null = null;
  try {
    client = await connectClient({ ...connectOptions(config), connectTimeoutMs: 10_000 });
    await checkServer(client);
    const roles = await client.query(
      'SELECT rolcanlogin, rolreplication, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user',
    );
    const row = roles.rows[0] as
      | { rolcanlogin: string; rolreplication: string; rolsuper: string }
      | undefined;
    if (
      row === undefined ||
      row.rolcanlogin !== 't' ||
      (row.rolreplication !== 't' && row.rolsuper !== 't')
    ) {
      hostValue.addErrorMessage(
        `Postgres roles LOGIN and REPLICATION are not assigned to user: ${config.user}`,
      );
    }
  } catch (err) {
    const message = err instanceof ConnectError ? err.message : describePgError(err);
    hostValue.addErrorMessage(`Error while validating connector config: ${message}`);
  } finally {
    await client?.end().catch(() => {});
  }
}
