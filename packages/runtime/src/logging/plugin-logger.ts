/**
 * The logger `@sluice/api` hands to connectors and tasks (`context.logger(name)`): a named logger
 * of the worker's {@link LoggerRegistry} (so `/admin/loggers` sets its level), whose every line
 * carries the connector and task it was made for, even when the plugin logs from a callback that
 * runs outside the worker's {@link withLogContext}.
 */
import type { PluginLogger, PluginLogLevel } from '@sluice/api';
import type { Logger } from 'pino';
import { currentLogContext, type LogContext, withLogContext } from './log-context.ts';
import { loggerRegistryFor } from './logger-registry.ts';

const PINO: Readonly<Record<PluginLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'>> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A {@link PluginLogger} writing through `logger`, every line in `context`. */
export function toPluginLogger(logger: Logger, context: LogContext): PluginLogger {
  const write = (level: PluginLogLevel, message: string, error?: unknown): void => {
    const method = PINO[level];
    if (!logger.isLevelEnabled(method)) return;
    withLogContext(context, () => {
      if (error === undefined) logger[method](message);
      else logger[method]({ err: error }, message);
    });
  };
  return {
    trace: (m, e) => write('TRACE', m, e),
    debug: (m, e) => write('DEBUG', m, e),
    info: (m, e) => write('INFO', m, e),
    warn: (m, e) => write('WARN', m, e),
    error: (m, e) => write('ERROR', m, e),
    isEnabled: (level) => logger.isLevelEnabled(PINO[level] ?? 'info'),
  };
}

/**
 * The `logger(name?)` of a connector's or task's context: named loggers of the worker's root
 * logger's registry, `defaultName` (the plugin's class name) when no name is given.
 */
export function contextLoggers(
  root: Logger,
  context: LogContext,
  defaultName: string,
): (name?: string) => PluginLogger {
  const made = new Map<string, PluginLogger>();
  return (name?: string) => {
    const n = name === undefined || name.trim() === '' ? defaultName : name;
    let logger = made.get(n);
    if (logger === undefined) {
      logger = toPluginLogger(loggerRegistryFor(root).logger(n), context);
      made.set(n, logger);
    }
    return logger;
  };
}

/**
 * The loggers `@sluice/api`'s `pluginLogger(undefined, name)` gives plugins without a context
 * (converters, transforms): the named loggers of the worker doing the current work (its
 * {@link LogContext.workerLogger}), else of `fallbackRoot`; every line in the current context.
 */
export function runtimePluginLoggers(fallbackRoot: Logger): (name: string) => PluginLogger {
  return (name) => {
    const root = (currentLogContext()?.workerLogger as Logger | undefined) ?? fallbackRoot;
    return toPluginLogger(loggerRegistryFor(root).logger(name), {});
  };
}
