/**
 * Where the connectors' messages go: the runtime's logger (`pluginLogger` of `@sluice/api`) under
 * Confluent's class names, so the lines name the connector and task and `/admin/loggers` sets
 * their level; stderr in a runtime without one. Tests replace the sink through
 * {@link setJdbcLogger}.
 */
import { pluginLogger } from '@sluice/api';

export interface JdbcLogger {
  info(name: string, message: string): void;
  warn(name: string, message: string): void;
}

let current: JdbcLogger = {
  info: (name, message) => pluginLogger(undefined, name).info(message),
  warn: (name, message) => pluginLogger(undefined, name).warn(message),
};

export function jdbcLogger(): JdbcLogger {
  return current;
}

/** Replaces the logger (tests); returns the previous one. */
export function setJdbcLogger(logger: JdbcLogger): JdbcLogger {
  const previous = current;
  current = logger;
  return previous;
}
