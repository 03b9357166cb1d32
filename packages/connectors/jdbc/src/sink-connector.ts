/**
 * Confluent's `io.confluent.connect.jdbc.JdbcSinkConnector` (also Aiven's
 * `io.aiven.connect.jdbc.JdbcSinkConnector`): every task gets the connector's config.
 */

import {
  Config,
  type ConfigDef,
  ConfigError,
  SinkConnector,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import { CONNECTION_URL, CONNECTION_USER, SINK_CONFIG_DEF, SinkConfig } from './config.ts';
import { validateConnection } from './connect.ts';
import { JdbcSinkTask } from './sink-task.ts';
import { VERSION } from './version.ts';

export class JdbcSinkConnector extends SinkConnector {
  static readonly javaClass = 'io.confluent.connect.jdbc.JdbcSinkConnector';
  static readonly aliases = [
    'io.aiven.connect.jdbc.JdbcSinkConnector',
    'JdbcSinkConnector',
    'JdbcSink',
  ] as const;

  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  start(props: StringMap): void {
    new SinkConfig(props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return JdbcSinkTask;
  }

  taskConfigs(maxTasks: number): StringMap[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({ ...this.#props }));
  }

  stop(): void {}

  config(): ConfigDef {
    return SINK_CONFIG_DEF;
  }

  override async validate(connectorConfigs: StringMap): Promise<Config> {
    const values = SINK_CONFIG_DEF.validateAll(connectorConfigs);
    let config: SinkConfig | null = null;
    try {
      config = new SinkConfig(connectorConfigs);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const target = err.key === undefined ? undefined : values.get(err.key);
      if (target !== undefined && target.errorMessages.length === 0) target.addErrorMessage(err.message);
    }
    if (config !== null && (values.get(CONNECTION_URL)?.errorMessages.length ?? 0) === 0) {
      await validateConnection(config, values.get(CONNECTION_URL), values.get(CONNECTION_USER));
    }
    return new Config([...values.values()]);
  }
}
