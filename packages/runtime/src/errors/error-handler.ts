/**
 * Error handling of the conversion and transformation stages (Kafka's `RetryWithToleranceOperator`
 * with its log and dead-letter-queue reporters; behaviour digest §9):
 *
 * - a failing operation that threw a `RetriableError` is tried again with exponential back-off
 *   (300 ms, doubling, capped by `errors.retry.delay.max.ms`) until `errors.retry.timeout` has passed
 *   (0: no retry; -1: for ever) or the task stops;
 * - every failure is reported: logged when `errors.log.enable` (with the record's key, value and
 *   headers when `errors.log.include.messages`), and for sink tasks with
 *   `errors.deadletterqueue.topic.name` written to the dead-letter topic as the original consumed
 *   bytes, with the `__connect.errors.*` headers when `errors.deadletterqueue.context.headers.enable`;
 * - then with `errors.tolerance=none` the task fails ("Tolerance exceeded in error handler", the
 *   failure as its cause), and with `all` the record is skipped.
 *
 * One deliberate difference: Kafka's code skips a record whose retries ran out without consulting
 * `errors.tolerance`; here an exhausted retry is a failure like any other, so `none` never loses a
 * record silently.
 *
 * The operator is only entered when an operation has already failed once: the hot path is a plain
 * try/catch around the conversions, with no closure or promise per record.
 */

import { ConnectError, errorTrace, RetriableError } from '@sluice/api';
import type { Logger } from 'pino';
import type { LogHeader, LogRecord, ProduceRecord } from '../log/log-client.ts';
import { TaskErrorCounters } from '../metrics/task-metrics.ts';
import { sleep } from '../sleep.ts';

export type Stage =
  | 'TASK_POLL'
  | 'TASK_PUT'
  | 'TRANSFORMATION'
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

export interface ErrorHandlingConfig {
  /** -1: retry for ever; 0: never. */
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  tolerance: 'none' | 'all';
  logEnable: boolean;
  logIncludeMessages: boolean;
  /** '' when there is no dead-letter queue (sink connectors only). */
  dlqTopic: string;
  dlqReplicationFactor: number;
  dlqContextHeaders: boolean;
}

function bool(value: string | undefined): boolean {
  return (value ?? '').trim().toLowerCase() === 'true';
}

function long(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : fallback;
}

/** The `errors.*` settings of a connector config (already validated by the framework's ConfigDef). */
export function errorHandlingConfig(
  config: Readonly<Record<string, string>>,
  isSink: boolean,
): ErrorHandlingConfig {
  return {
    retryTimeoutMs: long(config['errors.retry.timeout'], 0),
    retryDelayMaxMs: long(config['errors.retry.delay.max.ms'], 60_000),
    tolerance: (config['errors.tolerance'] ?? 'none').trim().toLowerCase() === 'all' ? 'all' : 'none',
    logEnable: bool(config['errors.log.enable']),
    logIncludeMessages: bool(config['errors.log.include.messages']),
    dlqTopic: isSink ? (config['errors.deadletterqueue.topic.name'] ?? '').trim() : '',
    dlqReplicationFactor: long(config['errors.deadletterqueue.topic.replication.factor'], 3),
    dlqContextHeaders: bool(config['errors.deadletterqueue.context.headers.enable']),
  };
}

/** The task's failure once tolerance is exceeded; the original failure is its cause. */
export class ToleranceExceededError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.ConnectException';
  /**
   * The `errors.log.enable` line of the failure (stage, class, record), when error logging is on:
   * the task's failure line carries it, so the failure is logged once.
   */
  readonly detail: string | undefined;
  constructor(cause: unknown, detail?: string) {
    super('Tolerance exceeded in error handler', { cause });
    this.name = 'ToleranceExceededError';
    this.detail = detail;
  }
}

/** An error thrown by one stage, with the class that was executing. */
export class StageError extends Error {
  readonly stage: Stage;
  readonly executingClass: string;
  constructor(stage: Stage, executingClass: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.stage = stage;
    this.executingClass = executingClass;
  }
}

/** What failed: the stage, the executing class, the error, and the record's coordinates and bytes. */
export interface ProcessingFailure {
  stage: Stage;
  executingClass: string;
  error: unknown;
  /** A consumed record (sink): its original bytes go to the dead-letter queue. */
  consumed?: LogRecord;
  /** A source record's description for the log (topic, partition, key/value), when there is no consumed record. */
  description?: string;
}

/** The Java class name Kafka would show for an error. */
function exceptionClassName(error: unknown): string {
  const ctor = (error as { constructor?: { javaClass?: string; name?: string } } | null)?.constructor;
  return ctor?.javaClass ?? ctor?.name ?? 'java.lang.Exception';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The headers `errors.deadletterqueue.context.headers.enable` adds (UTF-8 strings, as Kafka writes them). */
export function dlqContextHeaders(failure: ProcessingFailure, connector: string, task: number): LogHeader[] {
  const c = failure.consumed;
  const h = (key: string, value: string | null): LogHeader => [
    `__connect.errors.${key}`,
    value === null ? null : Buffer.from(value, 'utf8'),
  ];
  const headers: LogHeader[] = [];
  if (c !== undefined) {
    headers.push(h('topic', c.topic), h('partition', String(c.partition)), h('offset', String(c.offset)));
  }
  headers.push(
    h('connector.name', connector),
    h('task.id', String(task)),
    h('stage', failure.stage),
    h('class.name', failure.executingClass),
    h('exception.class.name', exceptionClassName(failure.error)),
    h('exception.message', messageOf(failure.error)),
    h('exception.stacktrace', errorTrace(failure.error)),
  );
  return headers;
}

export interface ErrorHandlerOptions {
  config: ErrorHandlingConfig;
  connector: string;
  task: number;
  logger: Logger;
  /** True once the task is stopping: retries end. */
  isStopping: () => boolean;
  /** Ends back-off waits when the task stops. */
  signal: AbortSignal;
  /** The task's `task-error-metrics` counters. */
  metrics?: TaskErrorCounters;
}

/**
 * One task's error handler: retries, reports and decides. Dead-letter records are collected and
 * written by the task in one produce per batch ({@link takeDeadLetters}), before the batch's
 * offsets can be committed.
 */
export class ErrorHandler {
  readonly #o: ErrorHandlerOptions;
  #deadLetters: ProduceRecord[] = [];
  #failures = 0;

  readonly #m: TaskErrorCounters;

  constructor(options: ErrorHandlerOptions) {
    this.#o = options;
    this.#m = options.metrics ?? new TaskErrorCounters();
  }

  get config(): ErrorHandlingConfig {
    return this.#o.config;
  }

  /** How many failures were reported (Kafka's `total-record-failures`). */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Handles a failed operation: retries it while its error is retriable and the retry budget lasts;
   * returns its value when a retry succeeds, or `undefined` when the record is to be skipped;
   * throws {@link ToleranceExceededError} when `errors.tolerance=none`.
   */
  async handle<T>(failure: ProcessingFailure, retry: () => T): Promise<T | undefined> {
    const { retryTimeoutMs, retryDelayMaxMs } = this.#o.config;
    if (failure.error instanceof RetriableError && retryTimeoutMs !== 0) {
      const deadline = retryTimeoutMs < 0 ? Number.POSITIVE_INFINITY : Date.now() + retryTimeoutMs;
      let delay = 300;
      while (!this.#o.isStopping() && Date.now() < deadline) {
        const wait = Math.min(
          delay > retryDelayMaxMs ? Math.random() * retryDelayMaxMs : delay,
          Math.max(0, deadline - Date.now()),
        );
        await sleep(wait, this.#o.signal);
        delay *= 2;
        this.#m.retries++;
        try {
          return retry();
        } catch (err) {
          // A failed retry; the last failure is counted by report().
          this.#m.recordFailures++;
          failure.error = err instanceof StageError ? err.cause : err;
          if (!(failure.error instanceof RetriableError)) break;
        }
      }
    }
    const detail = this.report(failure);
    if (this.#o.config.tolerance === 'none') throw new ToleranceExceededError(failure.error, detail);
    this.#m.recordsSkipped++;
    return undefined;
  }

  /**
   * Counts a failure and passes it to the reporters (log; dead-letter queue for consumed records).
   * Under `errors.tolerance=none` the failure ends the task, whose failure line is the one written:
   * the log reporter's text is returned for it instead of being logged as a second line.
   */
  report(failure: ProcessingFailure): string | undefined {
    let detail: string | undefined;
    this.#failures++;
    this.#m.recordFailures++;
    this.#m.recordErrors++;
    this.#m.lastErrorTimestamp = Date.now();
    const o = this.#o;
    if (o.config.logEnable) {
      this.#m.errorsLogged++;
      const c = failure.consumed;
      const where =
        c !== undefined
          ? `topic '${c.topic}', partition ${c.partition}, offset ${c.offset}`
          : (failure.description ?? 'a source record');
      let text = `Error encountered in task ${o.connector}-${o.task}. Executing stage '${failure.stage}' with class '${failure.executingClass}', where consumed record is {${where}}.`;
      if (o.config.logIncludeMessages && c !== undefined) {
        text += ` Key: ${c.key?.toString('utf8') ?? 'null'}, value: ${c.value?.toString('utf8') ?? 'null'}, headers: [${c.headers.map(([k, v]) => `${k}=${v?.toString('utf8') ?? 'null'}`).join(', ')}].`;
      }
      if (o.config.tolerance === 'none') detail = text;
      else o.logger.error({ err: failure.error }, text);
    }
    if (o.config.dlqTopic !== '' && failure.consumed !== undefined) {
      const c = failure.consumed;
      this.#m.dlqProduceRequests++;
      this.#deadLetters.push({
        topic: o.config.dlqTopic,
        key: c.key,
        value: c.value,
        headers: o.config.dlqContextHeaders
          ? [...c.headers, ...dlqContextHeaders(failure, o.connector, o.task)]
          : [...c.headers],
        timestamp: c.timestamp,
      });
    }
    return detail;
  }

  /** Counts dead-letter records whose write failed (`deadletterqueue-produce-failures`). */
  deadLetterFailures(count: number): void {
    this.#m.dlqProduceFailures += count;
  }

  /** The dead-letter records reported since the last call. */
  takeDeadLetters(): ProduceRecord[] {
    const out = this.#deadLetters;
    this.#deadLetters = [];
    return out;
  }
}
