/**
 * Where the connector's and task's messages go: the runtime's logger (`pluginLogger` of
 * `@sluice/api`) under Confluent's or Aiven's class names, so the lines name the connector and
 * task and `/admin/loggers` sets their level; stderr in a runtime without one. Tests replace it
 * through the `logger` property of the connector and the task.
 */
import { pluginLogger } from '@sluice/api';

export interface TaskLogger {
  warn(message: string): void;
  info(message: string): void;
}

/** The runtime's logger named `name`, looked up when a line is written (the task's context then). */
export function runtimeLogger(name: string): TaskLogger {
  return {
    warn: (m) => pluginLogger(undefined, name).warn(m),
    info: (m) => pluginLogger(undefined, name).info(m),
  };
}
