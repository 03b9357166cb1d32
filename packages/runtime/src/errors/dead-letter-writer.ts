/**
 * The dead-letter queue of a sink connector (Kafka's `DeadLetterQueueReporter`): a consumed record
 * that failed goes to `errors.deadletterqueue.topic.name` as its original bytes (key, value,
 * headers, timestamp), plus the `__connect.errors.*` context headers when
 * `errors.deadletterqueue.context.headers.enable`. The topic is created (one partition,
 * `errors.deadletterqueue.topic.replication.factor`) before the task starts.
 *
 * Records are collected as the error handler reports them and written in one produce by
 * {@link DeadLetterWriter.flush}, which the sink task awaits before the offsets of the records
 * can be committed.
 */

import { errorTrace } from '@sluice/api';
import type { LogClient, LogHeader, LogRecord, ProduceRecord } from '../log/log-client.ts';
import type { TaskErrorCounters } from '../metrics/task-metrics.ts';

/** What a dead letter records: the failing stage and class, the error, and the consumed record. */
export interface DeadLetterFailure {
  stage: string;
  executingClass: string;
  error: unknown;
  consumed: LogRecord;
}

export interface DeadLetterWriterOptions {
  /** Where dead letters are produced (the sink task's client). */
  log: LogClient;
  topic: string;
  replicationFactor: number;
  contextHeaders: boolean;
  connector: string;
  task: number;
  /** `deadletterqueue-produce-requests` / `-failures` are counted here. */
  metrics: TaskErrorCounters;
}

/** The Java class name Kafka would show for an error. */
export function exceptionClassName(error: unknown): string {
  const ctor = (error as { constructor?: { javaClass?: string; name?: string } } | null)?.constructor;
  return ctor?.javaClass ?? ctor?.name ?? 'java.lang.Exception';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The headers `errors.deadletterqueue.context.headers.enable` adds (UTF-8 strings, as Kafka writes them). */
export function dlqContextHeaders(failure: DeadLetterFailure, connector: string, task: number): LogHeader[] {
  const c = failure.consumed;
  const h = (key: string, value: string | null): LogHeader => [
    `__connect.errors.${key}`,
    value === null ? null : Buffer.from(value, 'utf8'),
  ];
  return [
    h('topic', c.topic),
    h('partition', String(c.partition)),
    h('offset', String(c.offset)),
    h('connector.name', connector),
    h('task.id', String(task)),
    h('stage', failure.stage),
    h('class.name', failure.executingClass),
    h('exception.class.name', exceptionClassName(failure.error)),
    h('exception.message', messageOf(failure.error)),
    h('exception.stacktrace', errorTrace(failure.error)),
  ];
}

export class DeadLetterWriter {
  readonly #o: DeadLetterWriterOptions;
  #pending: ProduceRecord[] = [];

  constructor(options: DeadLetterWriterOptions) {
    this.#o = options;
  }

  get topic(): string {
    return this.#o.topic;
  }

  /** Creates the dead-letter topic when it does not exist. */
  async createTopic(): Promise<void> {
    const o = this.#o;
    await o.log.createTopics([{ name: o.topic, partitions: 1, replicationFactor: o.replicationFactor }]);
  }

  /** Queues the dead letter of a failed consumed record; {@link flush} writes it. */
  add(failure: DeadLetterFailure): void {
    const o = this.#o;
    const c = failure.consumed;
    o.metrics.dlqProduceRequests++;
    this.#pending.push({
      topic: o.topic,
      key: c.key,
      value: c.value,
      headers: o.contextHeaders
        ? [...c.headers, ...dlqContextHeaders(failure, o.connector, o.task)]
        : [...c.headers],
      timestamp: c.timestamp,
    });
  }

  /**
   * Writes the dead letters queued since the last flush in one produce, resolving once they are
   * acknowledged. A failed write counts its records as `deadletterqueue-produce-failures` and
   * rejects.
   */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const letters = this.#pending;
    this.#pending = [];
    try {
      await this.#o.log.produce(letters);
    } catch (err) {
      this.#o.metrics.dlqProduceFailures += letters.length;
      throw err;
    }
  }
}
