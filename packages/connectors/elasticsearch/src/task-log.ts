/**
 * Where the connector's and task's messages go. `@sluice/api` has no logger for plugins yet, so
 * they are written as one JSON line per message to stderr, with pino's field names and level
 * numbers (`40` warn, `30` info), so the lines read like the runtime's own. Tests replace it
 * through the `logger` property of the connector and the task.
 */

export interface TaskLogger {
  warn(message: string): void;
  info(message: string): void;
}

export function stderrLogger(name: string): TaskLogger {
  const write = (level: number, message: string): void => {
    process.stderr.write(`${JSON.stringify({ level, time: Date.now(), name, msg: message })}\n`);
  };
  return { warn: (m) => write(40, m), info: (m) => write(30, m) };
}
