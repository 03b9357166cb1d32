/**
 * How log lines are written: `text`, one line per event as Kafka Connect's default log4j layout
 * writes them (`[%d] %p %X{connector.context}%m (%c)%n`), or `json`, one JSON object per line
 * (pino's fields, with Kafka's level names).
 *
 * The worker key `log.format` chooses, and the environment variable `SLUICE_LOG_FORMAT` overrides
 * it; the default is `text`.
 */
import type { DestinationStream } from 'pino';
import { type LogContext, logContextPrefix } from './log-context.ts';

export type LogFormat = 'text' | 'json';

/** The worker key that chooses the format. */
export const LOG_FORMAT_CONFIG = 'log.format';
/** The environment variable that overrides {@link LOG_FORMAT_CONFIG}. */
export const LOG_FORMAT_ENV = 'SLUICE_LOG_FORMAT';
export const LOG_FORMAT_DEFAULT: LogFormat = 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** The format named by `value` (case-insensitive, trimmed), or undefined. */
export function parseLogFormat(value: string): LogFormat | undefined {
  const v = value.trim().toLowerCase();
  return (LOG_FORMATS as readonly string[]).includes(v) ? (v as LogFormat) : undefined;
}

/**
 * The format a worker logs in: `SLUICE_LOG_FORMAT` when set (and not empty), else the worker's
 * `log.format`, else `text`. Throws an Error naming the key or variable for any other value.
 */
export function resolveLogFormat(
  workerProps: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): LogFormat {
  const fromEnv = env[LOG_FORMAT_ENV];
  const [source, value] =
    fromEnv !== undefined && fromEnv.trim() !== ''
      ? [`environment variable ${LOG_FORMAT_ENV}`, fromEnv]
      : [`configuration ${LOG_FORMAT_CONFIG}`, workerProps[LOG_FORMAT_CONFIG]];
  if (value === undefined) return LOG_FORMAT_DEFAULT;
  const format = parseLogFormat(value);
  if (format === undefined) {
    throw new Error(`Invalid value ${value} for ${source}: String must be one of: ${LOG_FORMATS.join(', ')}`);
  }
  return format;
}

/** Fields of a pino line that the text layout shows in its own place (or not at all). */
const LAID_OUT = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'logger',
  'name',
  'connector',
  'task',
  'scope',
  'v',
]);

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** log4j's `%d` (ISO8601 in local time, comma before the milliseconds): `2026-12-06 14:31:02,123`. */
export function formatLogTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

interface SerializedError {
  type?: string;
  message?: string;
  stack?: string;
}

function errorText(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as SerializedError;
  if (typeof e.stack === 'string' && e.stack !== '') return e.stack;
  return `${e.type ?? 'Error'}: ${e.message ?? ''}`;
}

/**
 * One pino JSON line as a text line: `[time] LEVEL [connector|task-0] message key=value (logger)`,
 * followed by the stack trace of an `err` field on the next lines, as log4j prints a throwable.
 */
export function formatTextLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof o.time === 'number' ? o.time : Date.now();
  const level = typeof o.level === 'string' ? o.level : String(o.level ?? 'INFO');
  const context: LogContext = {};
  if (typeof o.connector === 'string') context.connector = o.connector;
  if (typeof o.task === 'number') context.task = o.task;
  if (typeof o.scope === 'string') context.scope = o.scope;
  let line = `[${formatLogTime(time)}] ${level} ${logContextPrefix(context)}${o.msg ?? ''}`;
  for (const [key, value] of Object.entries(o)) {
    if (LAID_OUT.has(key) || value === undefined) continue;
    // An error object's stack goes on the next lines; other values (a message) stay on the line.
    if ((key === 'err' || key === 'error') && value !== null && typeof value === 'object') continue;
    line += ` ${key}=${fieldText(value)}`;
  }
  const logger = o.logger ?? o.name;
  if (typeof logger === 'string' && logger !== '') line += ` (${logger})`;
  line += '\n';
  for (const key of ['err', 'error']) {
    const err = o[key];
    if (err !== null && typeof err === 'object') line += `${errorText(err)}\n`;
  }
  return line;
}

/** A pino destination that writes every line to `out` in the text layout. */
export function textDestination(out: DestinationStream | NodeJS.WritableStream): DestinationStream {
  return {
    write(chunk: string): void {
      // pino writes one line per call; a multi-line chunk (several lines at once) is split.
      let start = 0;
      for (;;) {
        const end = chunk.indexOf('\n', start);
        const line = end < 0 ? chunk.slice(start) : chunk.slice(start, end);
        if (line !== '') out.write(formatTextLine(line));
        if (end < 0) break;
        start = end + 1;
      }
    },
  };
}
