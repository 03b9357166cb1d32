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

import { ConnectError, RetriableError } from '@sluice/api';
import type { Logger } from 'pino';
import type { ErrorHandlingConfig } from '../config/connector-config.ts';
import type { LogClient, LogRecord } from '../log/log-client.ts';
import { TaskErrorCounters } from '../metrics/task-metrics.ts';
import { sleep } from '../sleep.ts';
import { DeadLetterWriter } from './dead-letter-writer.ts';

export type { ErrorHandlingConfig } from '../config/connector-config.ts';

export type Stage =
  | 'TASK_POLL'
  | 'TASK_PUT'
  | 'TRANSFORMATION'
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

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
  /** Where dead letters are written when the config names a dead-letter topic (sink tasks). */
  deadLetterLog?: LogClient;
}

/**
 * One task's error handler: retries, reports and decides. Its dead-letter reporter is a
 * {@link DeadLetterWriter}: reports queue there, and the task writes them in one produce per batch
 * ({@link flushDeadLetters}) before the batch's offsets can be committed.
 */
export class ErrorHandler {
  readonly #o: ErrorHandlerOptions;
  readonly #deadLetters: DeadLetterWriter | null;
  #failures = 0;

  readonly #m: TaskErrorCounters;

  constructor(options: ErrorHandlerOptions) {
    this.#o = options;
    this.#m = options.metrics ?? new TaskErrorCounters();
    const c = options.config;
    this.#deadLetters =
      c.dlqTopic !== '' && options.deadLetterLog !== undefined
        ? new DeadLetterWriter({
            log: options.deadLetterLog,
            topic: c.dlqTopic,
            replicationFactor: c.dlqReplicationFactor,
            contextHeaders: c.dlqContextHeaders,
            connector: options.connector,
            task: options.task,
            metrics: this.#m,
          })
        : null;
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
    if (this.#deadLetters !== null && failure.consumed !== undefined) {
      this.#deadLetters.add({
        stage: failure.stage,
        executingClass: failure.executingClass,
        error: failure.error,
        consumed: failure.consumed,
      });
    }
    return detail;
  }

  /** Creates the dead-letter topic when there is one and it does not exist (before the task starts). */
  async createDeadLetterTopic(): Promise<void> {
    await this.#deadLetters?.createTopic();
  }

  /**
   * Writes the dead letters reported since the last call, resolving once they are acknowledged;
   * rejects when the write fails (counted as `deadletterqueue-produce-failures`).
   */
  flushDeadLetters(): Promise<void> {
    return this.#deadLetters?.flush() ?? Promise.resolve();
  }
}
