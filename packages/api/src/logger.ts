/**
 * A logger for connectors and tasks, reached with `context.logger?.()` or, so a plugin also runs
 * in a runtime that offers none, {@link pluginLogger}. The runtime's logger adds the connector and
 * task to every line (Kafka's `[name|task-0]` context) and obeys `/admin/loggers` for the logger's
 * name, as SLF4J loggers of Java plugins do under Kafka Connect.
 */

/** Kafka's (log4j's) level names, most verbose first. */
export type PluginLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface PluginLogger {
  /** Logs `message` at TRACE; an `error` is written with its stack trace. */
  trace(message: string, error?: unknown): void;
  debug(message: string, error?: unknown): void;
  info(message: string, error?: unknown): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
  /** True when lines at `level` are written (to skip building costly messages). */
  isEnabled(level: PluginLogLevel): boolean;
}

const ORDER: Readonly<Record<PluginLogLevel, number>> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * The fallback of {@link pluginLogger} for runtimes without a plugin logger: lines at INFO and
 * above on stderr, in Kafka Connect's layout (`[time] LEVEL message (name)`).
 */
export function stderrPluginLogger(name: string, minLevel: PluginLogLevel = 'INFO'): PluginLogger {
  const write = (level: PluginLogLevel, message: string, error?: unknown): void => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const time = new Date().toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    let text = `[${time}] ${level} ${message} (${name})\n`;
    if (error !== undefined)
      text += `${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`;
    process.stderr.write(text);
  };
  return {
    trace: (m, e) => write('TRACE', m, e),
    debug: (m, e) => write('DEBUG', m, e),
    info: (m, e) => write('INFO', m, e),
    warn: (m, e) => write('WARN', m, e),
    error: (m, e) => write('ERROR', m, e),
    isEnabled: (level) => ORDER[level] >= ORDER[minLevel],
  };
}

let runtimeLoggers: ((name: string) => PluginLogger) | undefined;

/**
 * Installed by the runtime when a worker starts: the named loggers of plugins that have no
 * context to ask (converters, transforms, predicates, config providers). Their lines still carry
 * the connector and task they run for, taken from the work the runtime is doing when they log.
 * `undefined` uninstalls.
 */
export function setRuntimePluginLoggers(factory: ((name: string) => PluginLogger) | undefined): void {
  runtimeLoggers = factory;
}

/**
 * The logger named `name`: from a connector's or task's context when given, else the runtime's
 * (for converters and transforms, which have no context), else a {@link stderrPluginLogger}
 * (a runtime that offers none, or the context not set yet). Name it as the plugin's class is
 * named (e.g. `io.debezium.connector.postgresql.PostgresConnectorTask`), so `/admin/loggers` can
 * change its level.
 */
export function pluginLogger(
  context: { logger?(name?: string): PluginLogger } | undefined,
  name: string,
): PluginLogger {
  return context?.logger?.(name) ?? runtimeLoggers?.(name) ?? stderrPluginLogger(name);
}
