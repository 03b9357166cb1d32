/**
 * The runtime's logger: pino, with the connector/task of the running code (see
 * {@link withLogContext}) added to every line, and Kafka's log4j level names accepted wherever a
 * level is configured.
 */
import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import { logContextFields } from './log-context.ts';
import { type LogFormat, textDestination } from './log-format.ts';

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
  /**
   * `json` (default here): one JSON object per line, `"level":"INFO"`; `text`: Kafka Connect's
   * layout, `[2026-12-06 14:31:02,123] INFO [name|task-0] message (logger)`. The CLI chooses
   * with `log.format` / `SLUICE_LOG_FORMAT` (see `log-format.ts`).
   */
  format?: LogFormat;
  /** Extra pino options (the mixin and level are always Sluice's). */
  pinoOptions?: Omit<LoggerOptions, 'level' | 'mixin' | 'base'>;
}

/**
 * A root logger. Every line logged through it or its children carries the current
 * {@link withLogContext} connector and task (pino `mixin`); fields passed explicitly win. Levels
 * are written with Kafka's names (`"level":"INFO"`), never pino's numbers.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level === undefined ? 'INFO' : parseLog4jLevel(options.level);
  if (level === undefined) throw new Error(`Unknown log level '${options.level}'`);
  const pinoOptions: LoggerOptions = {
    ...options.pinoOptions,
    level: toPinoLevel(level),
    mixin: logContextFields,
    formatters: { ...options.pinoOptions?.formatters, level: (label) => ({ level: toLog4jLevel(label) }) },
  };
  if (options.base !== undefined) pinoOptions.base = options.base;
  const given = options.destination;
  const destination =
    given === undefined || typeof given === 'string' || typeof given === 'number'
      ? pino.destination({ dest: given ?? 1, mkdir: typeof given === 'string', sync: true })
      : given;
  return pino(pinoOptions, options.format === 'text' ? textDestination(destination) : destination);
}

export type { Logger };
