/**
 * The runtime's logger: pino, with the connector/task of the running code (see
 * {@link withLogContext}) added to every line, and Kafka's log4j level names accepted wherever a
 * level is configured.
 */
import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import { logContextFields } from './log-context.ts';

/** Log4j level names, as the `/admin/loggers` API reads and writes them. */
export type Log4jLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL' | 'OFF';

/** A pino level, `silent` standing for log4j's `OFF`. */
export type PinoLevel = Level | 'silent';

const TO_PINO: Readonly<Record<string, PinoLevel>> = {
  ALL: 'trace',
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  OFF: 'silent',
};

const TO_LOG4J: Readonly<Record<PinoLevel, Log4jLevel>> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'FATAL',
  silent: 'OFF',
};

/**
 * The log4j level named by `name` (case-insensitive; log4j's `ALL` reads as `TRACE`), or
 * undefined when it names no level. Pino's own names (`silent` for `OFF`) are accepted too.
 */
export function parseLog4jLevel(name: string): Log4jLevel | undefined {
  const upper = name.trim().toUpperCase();
  const pinoLevel = TO_PINO[upper] ?? (upper === 'SILENT' ? 'silent' : undefined);
  return pinoLevel === undefined ? undefined : TO_LOG4J[pinoLevel];
}

/** The pino level of a log4j level. */
export function toPinoLevel(level: Log4jLevel): PinoLevel {
  return TO_PINO[level] ?? 'info';
}

/** The log4j name of a pino level (custom levels read as `INFO`). */
export function toLog4jLevel(level: string): Log4jLevel {
  return TO_LOG4J[level as PinoLevel] ?? 'INFO';
}

export interface CreateLoggerOptions {
  /** Root level, log4j (`DEBUG`) or pino (`debug`) name, case-insensitive. Default `INFO`. */
  level?: string;
  /**
   * Where lines go: a file path, a file descriptor (1 = stdout, 2 = stderr), or a stream.
   * Default stdout.
   */
  destination?: string | number | DestinationStream | NodeJS.WritableStream;
  /** Fields on every line (pino `base`); default `{ pid, hostname }`, `null` for none. */
  base?: Record<string, unknown> | null;
  /** Extra pino options (the mixin and level are always Sluice's). */
  pinoOptions?: Omit<LoggerOptions, 'level' | 'mixin' | 'base'>;
}

/**
 * A root logger. Every line logged through it or its children carries the current
 * {@link withLogContext} connector and task (pino `mixin`); fields passed explicitly win.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level === undefined ? 'INFO' : parseLog4jLevel(options.level);
  if (level === undefined) throw new Error(`Unknown log level '${options.level}'`);
  const pinoOptions: LoggerOptions = {
    ...options.pinoOptions,
    level: toPinoLevel(level),
    mixin: logContextFields,
  };
  if (options.base !== undefined) pinoOptions.base = options.base;
  const destination = options.destination;
  if (destination === undefined) return pino(pinoOptions);
  if (typeof destination === 'string' || typeof destination === 'number') {
    return pino(pinoOptions, pino.destination({ dest: destination, mkdir: true }));
  }
  return pino(pinoOptions, destination);
}

export type { Logger };
