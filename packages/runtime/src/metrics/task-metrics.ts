import { PluginMetricsRegistry } from './plugin-metrics.ts';
import { monotonicNow, WindowedStat } from './stats.ts';

/** A task's state as Kafka's `connector-task-metrics` `status` attribute names it (lower case). */
export type TaskStatus = 'unassigned' | 'running' | 'paused' | 'failed' | 'restarting' | 'destroyed';

/**
 * `task-error-metrics` counters of one task (incremented by its error handler and dead-letter
 * writes).
 */
export class TaskErrorCounters {
  /** Every failed attempt of an operation, retries included. */
  recordFailures = 0;
  /** Records whose processing ended in an error (after retries). */
  recordErrors = 0;
  recordsSkipped = 0;
  retries = 0;
  errorsLogged = 0;
  dlqProduceRequests = 0;
  dlqProduceFailures = 0;
  /** Epoch ms of the last error; 0 when none (as Kafka). */
  lastErrorTimestamp = 0;
}

/**
 * Everything Kafka Connect measures for one task (`connector-task-metrics`, `source-task-metrics`
 * or `sink-task-metrics`, `task-error-metrics`), as plain fields the worker's task loop updates.
 *
 * The recording is what the task loops pay with metrics on, so it is kept to a few additions and
 * comparisons per batch: no allocation, no label lookup, and no clock read of its own where the
 * loop already has one (`polled` and `put` take the loop's `performance.now()` readings). Rates,
 * averages, ratios and labels are computed when `/metrics` is scraped. Times are on the monotonic
 * clock of {@link monotonicNow}.
 */
export class TaskMetrics {
  readonly connector: string;
  readonly task: number;
  readonly kind: 'source' | 'sink';
  readonly errors = new TaskErrorCounters();
  /** The task's own metrics (KIP-877 `pluginMetrics()`). */
  readonly plugins: PluginMetricsRegistry;

  // connector-task-metrics
  status: TaskStatus = 'unassigned';
  readonly #created: number;
  #since: number;
  #runningMs = 0;
  #pausedMs = 0;
  readonly batchSize = new WindowedStat();
  readonly offsetCommitTime = new WindowedStat();
  offsetCommitSuccesses = 0;
  offsetCommitFailures = 0;

  // source-task-metrics
  pollTotal = 0;
  writeTotal = 0;
  readonly pollBatchTime = new WindowedStat();
  /** Polled records not yet acknowledged by the log. */
  sourceActive = 0;
  readonly sourceActiveStat = new WindowedStat();
  /** Exactly-once source tasks: records per committed transaction (`transaction-size-*`). */
  exactlyOnce = false;
  readonly transactionSize = new WindowedStat();

  // sink-task-metrics
  readTotal = 0;
  sendTotal = 0;
  partitionCount = 0;
  readonly putBatchTime = new WindowedStat();
  offsetCommitSeqNo = 0;
  offsetCommitCompletions = 0;
  offsetCommitSkips = 0;
  /** Records read and not yet committed. */
  sinkActive = 0;
  readonly sinkActiveStat = new WindowedStat();
  /**
   * Per topic, per partition: the consumer lag after the last fetch (high watermark − next
   * offset). Nested so that recording a partition's lag allocates nothing once it was seen.
   */
  readonly lag = new Map<string, Map<number, number>>();
  readonly lagStat = new WindowedStat();

  constructor(connector: string, task: number, kind: 'source' | 'sink', now: number = monotonicNow()) {
    this.connector = connector;
    this.task = task;
    this.kind = kind;
    this.plugins = new PluginMetricsRegistry(connector, task);
    this.#created = now;
    this.#since = now;
  }

  /** Records a state change (for `status`, `running-ratio` and `pause-ratio`). */
  setStatus(status: TaskStatus, now: number = monotonicNow()): void {
    this.#account(now);
    this.status = status;
  }

  #account(now: number): void {
    const spent = now - this.#since;
    if (this.status === 'running') this.#runningMs += spent;
    else if (this.status === 'paused') this.#pausedMs += spent;
    this.#since = now;
  }

  /** Fractions of the task's life spent running and paused. */
  ratios(now: number = monotonicNow()): { running: number; paused: number } {
    this.#account(now);
    const life = now - this.#created;
    if (life <= 0)
      return { running: this.status === 'running' ? 1 : 0, paused: this.status === 'paused' ? 1 : 0 };
    return { running: this.#runningMs / life, paused: this.#pausedMs / life };
  }

  /** One offset commit: how long it took and whether it succeeded. */
  offsetCommit(ms: number, ok: boolean, now: number = monotonicNow()): void {
    this.offsetCommitTime.record(ms, now);
    if (ok) this.offsetCommitSuccesses++;
    else this.offsetCommitFailures++;
  }

  /**
   * A source poll that began at `start` returned `count` records at `end` (the loop's
   * `performance.now()` readings around `poll()`).
   */
  polled(count: number, start: number, end: number): void {
    this.pollTotal += count;
    this.batchSize.record(count, end);
    this.pollBatchTime.record(end - start, end);
    this.sourceActive += count;
    this.sourceActiveStat.record(this.sourceActive, end);
  }

  /**
   * `written` of `polled` records of a batch were acknowledged by the log (the others were
   * dropped by a transform or skipped).
   */
  sourceAcked(polled: number, written: number): void {
    this.writeTotal += written;
    this.sourceActive = Math.max(0, this.sourceActive - polled);
  }

  /** An exactly-once source task committed a transaction of `records` records. */
  transactionCommitted(records: number): void {
    this.transactionSize.record(records);
  }

  /** A sink fetch returned `count` records (of one partition). */
  read(count: number, now: number = monotonicNow()): void {
    this.readTotal += count;
    this.sinkActive += count;
    this.sinkActiveStat.record(this.sinkActive, now);
  }

  /**
   * `count` records (after transforms) were given to a `put` that began at `start` and returned
   * at `end` (the loop's `performance.now()` readings around it).
   */
  put(count: number, start: number, end: number): void {
    this.sendTotal += count;
    this.batchSize.record(count, end);
    this.putBatchTime.record(end - start, end);
  }

  /** The consumer lag of a partition after a fetch. */
  partitionLag(topic: string, partition: number, lag: number, now: number = monotonicNow()): void {
    let partitions = this.lag.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      this.lag.set(topic, partitions);
    }
    partitions.set(partition, lag);
    this.lagStat.record(lag, now);
  }

  /**
   * A sink offset commit completed (or was skipped: nothing new to commit); `pending` records read
   * are still not delivered to `put`, so not committed.
   */
  sinkCommitted(skipped: boolean, pending: number): void {
    this.offsetCommitSeqNo++;
    if (skipped) this.offsetCommitSkips++;
    else this.offsetCommitCompletions++;
    this.sinkActive = pending;
  }
}
