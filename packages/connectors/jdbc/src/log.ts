/**
 * Where the connectors' messages go. `@sluice/api` has no logger for plugins yet, so they write
 * one JSON line per message to stderr with pino's field names and level numbers (`40` warn, `30`
 * info) and Confluent's class names, so the lines read like the runtime's own. Tests replace the
 * sink through {@link setJdbcLogger}.
 */

export interface JdbcLogger {
  info(name: string, message: string): void;
  warn(name: string, message: string): void;
}

function write(level: number, name: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name, msg: message })}\n`);
}

let current: JdbcLogger = {
  info: (name, message) => write(30, name, message),
  warn: (name, message) => write(40, name, message),
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
