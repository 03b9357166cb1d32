/**
 * Where the task's warnings go. `@sluice/api` has no logger for plugins yet, so the task writes
 * one JSON line per message to stderr, with pino's field names and level numbers (`40` warn,
 * `30` info) and the task's class name, so the lines read like the runtime's own. Tests (and a
 * future runtime-provided logger) replace it through {@link PostgresSourceTask.logger}.
 */

export interface TaskLogger {
  warn(message: string): void;
  info(message: string): void;
}

const LOGGER_NAME = 'io.debezium.connector.postgresql.PostgresConnectorTask';

function write(level: number, message: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name: LOGGER_NAME, msg: message })}\n`);
}

export const stderrLogger: TaskLogger = {
  warn: (message) => write(40, message),
  info: (message) => write(30, message),
};
