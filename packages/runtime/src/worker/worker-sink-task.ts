import {
  ConnectError,
  type OffsetAndMetadata,
  type PluginLogger,
  RetriableError,
  SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import type { Logger } from 'pino';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import {
  ErrorHandler,
  type ErrorHandlingConfig,
  type Stage,
  StageError,
  ToleranceExceededError,
} from '../errors/error-handler.ts';
import { fetchedRecords } from '../log/fetched-records.ts';
import { GroupWakeupError } from '../log/group-wakeup.ts';
import type { ConsumerSettings } from '../log/kafka/client-config.ts';
import type {
  FetchedPartition,
  FetchedRecords,
  GroupMember,
  LogClient,
  LogHeader,
  LogRecord,
} from '../log/log-client.ts';
import { TaskMetrics } from '../metrics/task-metrics.ts';
import { sleep } from '../sleep.ts';
import { className, type TaskConverters, type TransformationChain } from './plugin-factory.ts';
import { retryDelay, type StateReporter, type TargetStateGate, taskFailureMessage } from './task-state.ts';
import { toBuffer } from './worker-source-task.ts';

export interface WorkerSinkTaskOptions {
  id: ConnectorTaskId;
  task: SinkTask;
  taskConfig: Record<string, string>;
  log: LogClient;
  converters: TaskConverters;
  chain: TransformationChain<SinkRecord>;
  /**
   * The task's consumer settings (`group.id`, `auto.offset.reset`, `max.poll.records`, fetch sizes,
   * `metadata.max.age.ms`), already layered from Connect's defaults, the worker's `consumer.*` and
   * the connector's `consumer.override.*`.
   */
  consumer: ConsumerSettings;
  /**
   * The partitions this task reads (standalone assigns them; the group protocol will in distributed
   * mode). Asked again every `metadata.max.age.ms`, so new topics matching `topics.regex` and new
   * partitions are picked up.
   */
  assignment: () => Promise<TopicPartition[]>;
  /**
   * The connector's topics (`topics`, or those matching `topics.regex`). Given, and the log having
   * consumer groups (Kafka), the task is a member of its connector's group (`consumer.groupId`):
   * the group's assignor hands out the partitions, rebalances open and close them, and offsets are
   * committed as a member; {@link assignment} is then not used.
   */
  subscription?: () => Promise<string[]>;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  /** The connector's `errors.*` settings (tolerance, retries, log, dead-letter queue). */
  errorHandling: ErrorHandlingConfig;
  target: TargetStateGate;
  report: StateReporter;
  /** A topic the task read records from, the first time (KIP-558 active topics). */
  onTopic?: (topic: string) => void;
  /** Where the loop counts what it does (`sink-task-metrics` and friends); a private one when absent. */
  metrics?: TaskMetrics;
  logger: Logger;
  /** The plugin's `context.logger(name?)` (absent: the context offers none). */
  pluginLoggers?: (name?: string) => PluginLogger;
}

/** Fetched records of one partition not yet handed to `put`. */
interface BufferedPartition {
  tp: TopicPartition;
  /** The records not yet taken, decoded as they are taken (a Kafka fetch is `lazy`). */
  records: FetchedRecords;
  /** The fetch position after the last record (skips transaction markers). */
  nextOffset: number;
}

/**
 * Runs one SinkTask (Kafka's `WorkerSinkTask`): fetch → converters → SinkRecords → transforms →
 * `put(batch)` of at most `max.poll.records` records → every `offset.flush.interval.ms` (or on
 * request) `preCommit` and a commit of the consumer-group offsets. A RetriableError from `put`
 * redelivers the same batch after the task's `context.timeout` (1 s by default); any other error
 * fails the task, and nothing past the last successful `put` is committed.
 *
 * While `put` handles one batch the next fetch is already on its way (once the fetched records are
 * used up), so the task's I/O and the connector's work overlap.
 */
export class WorkerSinkTask {
  readonly #o: WorkerSinkTaskOptions;
  readonly #abort = new AbortController();
  #stopping = false;
  #assignment: TopicPartition[] = [];
  /** The task's membership of its connector's consumer group (Kafka); null without one. */
  #member: GroupMember | null = null;
  /** Next offset to fetch, per partition. */
  readonly #positions = new TopicPartitionMap<number>();
  /** Offsets delivered to `put` successfully (next offset to read), per partition. */
  readonly #current = new TopicPartitionMap<number>();
  readonly #lastCommitted = new TopicPartitionMap<number>();
  readonly #paused = new TopicPartitionMap<true>();
  readonly #rewinds = new TopicPartitionMap<number>();
  #retryTimeoutMs = 1000;
  #commitRequested = false;
  #nextCommit = 0;
  #nextAssignmentCheck = 0;
  /** Consecutive retriable failures, for the back-off; reset by a successful fetch. */
  #retries = 0;
  /** Fetched records waiting for `put`, partition by partition. */
  #buffer: BufferedPartition[] = [];
  /** The next fetch, issued while `put` handles the last records of the buffer. */
  #prefetched: Promise<FetchedPartition[] | null> | null = null;
  /** Topics records were read from, reported once each (active topics). */
  readonly #topics = new Set<string>();

  readonly #errors: ErrorHandler;
  /** The consumed record each delivered SinkRecord came from, for the errant record reporter. */
  readonly #origins = new WeakMap<SinkRecord, LogRecord>();
  /** Dead-letter writes of the errant record reporter not yet acknowledged. */
  readonly #pendingReports = new Set<Promise<unknown>>();
  /** A report under `errors.tolerance=none`: the task fails once `put` returns. */
  #errantFatal: ToleranceExceededError | null = null;

  readonly #m: TaskMetrics;

  constructor(options: WorkerSinkTaskOptions) {
    this.#o = options;
    this.#m = options.metrics ?? new TaskMetrics(options.id.connector, options.id.task, 'sink');
    this.#errors = new ErrorHandler({
      metrics: this.#m.errors,
      config: options.errorHandling,
      connector: options.id.connector,
      task: options.id.task,
      logger: options.logger,
      isStopping: () => this.#stopping,
      signal: this.#abort.signal,
      deadLetterLog: options.log,
    });
  }

  get id(): ConnectorTaskId {
    return this.#o.id;
  }

  /** Runs the task until stopped or failed; never rejects (failures are reported). */
  async run(): Promise<void> {
    const o = this.#o;
    let started = false;
    let failed = false;
    try {
      while (o.target.paused && !this.#stopping) {
        o.report('PAUSED');
        await o.target.changed();
      }
      if (this.#stopping) return;
      await this.#errors.createDeadLetterTopic();
      o.task.initialize(this.#context());
      await o.task.start(o.taskConfig);
      started = true;
      await this.#joinOrAssign();
      o.report('RUNNING');
      o.logger.info(`WorkerSinkTask{id=${taskIdString(o.id)}} Sink task finished initialization and start`);
      this.#nextCommit = Date.now() + o.offsetFlushIntervalMs;
      this.#nextAssignmentCheck = Date.now() + o.consumer.metadataMaxAgeMs;
      await this.#loop();
    } catch (err) {
      // Stopped while waiting for the consumer group (stop() woke the member up): a clean stop.
      if (!(this.#stopping && err instanceof GroupWakeupError)) {
        failed = true;
        o.logger.error({ err }, taskFailureMessage('WorkerSinkTask', taskIdString(o.id), err, started));
        o.report('FAILED', err);
      }
    } finally {
      try {
        if (started && !failed) await this.#commit(true);
        if (started) await o.task.close(this.#assignment);
        await o.task.stop();
      } catch (err) {
        if (!failed) {
          o.logger.error(
            { err },
            `WorkerSinkTask{id=${taskIdString(o.id)}} Task threw an uncaught and unrecoverable exception during shutdown`,
          );
          o.report('FAILED', err);
        }
        failed = true;
      }
      await this.#member?.close().catch(() => {});
      o.chain.close();
      if (!failed) o.report('UNASSIGNED');
    }
  }

  stop(): void {
    this.#stopping = true;
    this.#abort.abort();
    // As Kafka's WorkerSinkTask.stop() calls consumer.wakeup(): a JoinGroup held for a dead
    // member's session ends now, and close() in run() leaves the group.
    this.#member?.wakeup?.();
    this.#o.target.wake();
  }

  /**
   * Joins the connector's consumer group (on Kafka), or takes the partitions dealt by the worker
   * (a log without groups).
   */
  async #joinOrAssign(): Promise<void> {
    const o = this.#o;
    if (o.subscription === undefined || o.log.joinGroup === undefined) {
      await this.#updateAssignment(await o.assignment());
      return;
    }
    const g = o.consumer.group;
    const toSdk = (tps: Array<{ topic: string; partition: number }>) =>
      tps.map((tp) => new TopicPartition(tp.topic, tp.partition));
    const prefix = `${taskIdString(o.id)}: `;
    this.#member = o.log.joinGroup({
      groupId: o.consumer.groupId,
      clientId: g.clientId,
      groupInstanceId: g.groupInstanceId,
      subscription: o.subscription,
      assignors: g.assignors,
      sessionTimeoutMs: g.sessionTimeoutMs,
      heartbeatIntervalMs: g.heartbeatIntervalMs,
      maxPollIntervalMs: g.maxPollIntervalMs,
      metadataMaxAgeMs: o.consumer.metadataMaxAgeMs,
      listener: {
        // As Kafka's WorkerSinkTask: preCommit and a commit of the revoked partitions, then close.
        revoked: (tps) => this.#revoke(toSdk(tps), true),
        lost: (tps) => this.#revoke(toSdk(tps), false),
        assigned: (tps) => this.#assign(toSdk(tps)),
      },
      logger: { info: (m) => o.logger.info(prefix + m), warn: (m) => o.logger.warn(prefix + m) },
    });
    for (;;) {
      try {
        await this.#member.poll();
        return;
      } catch (err) {
        if (!(await this.#backOff(err, 'join the consumer group'))) throw err;
      }
    }
  }

  /**
   * Moves to a new set of partitions: commits, `close`s the revoked ones, positions the added ones
   * at their committed offsets (or per `auto.offset.reset`) and `open`s them.
   */
  async #updateAssignment(next: TopicPartition[]): Promise<void> {
    const wanted = new TopicPartitionMap<true>(next.map((tp) => [tp, true]));
    const revoked = this.#assignment.filter((tp) => !wanted.has(tp));
    const held = new TopicPartitionMap<true>(this.#assignment.map((tp) => [tp, true]));
    const added = next.filter((tp) => !held.has(tp));
    if (revoked.length > 0) await this.#revoke(revoked, true);
    if (added.length > 0) await this.#assign(added);
  }

  /**
   * Gives partitions up: with `commit`, preCommit and a commit of their offsets first (revoked);
   * without, they are lost (the membership ended: nothing can be committed). Then `close`.
   */
  async #revoke(revoked: TopicPartition[], commit: boolean): Promise<void> {
    const o = this.#o;
    const held = new TopicPartitionMap<true>(this.#assignment.map((tp) => [tp, true]));
    revoked = revoked.filter((tp) => held.has(tp));
    if (revoked.length === 0) return;
    if (commit) await this.#commit(false, revoked);
    this.#dropFetched();
    await o.task.close(revoked);
    const gone = new TopicPartitionMap<true>(revoked.map((tp) => [tp, true]));
    for (const tp of revoked) {
      this.#positions.delete(tp);
      this.#current.delete(tp);
      this.#lastCommitted.delete(tp);
      this.#paused.delete(tp);
    }
    this.#assignment = this.#assignment.filter((tp) => !gone.has(tp));
    this.#m.partitionCount = this.#assignment.length;
    o.logger.info(`${taskIdString(o.id)}: partitions ${commit ? 'revoked' : 'lost'}: ${revoked.join(', ')}`);
  }

  /** Positions added partitions at their committed offsets (or per `auto.offset.reset`) and `open`s them. */
  async #assign(next: TopicPartition[]): Promise<void> {
    const o = this.#o;
    const held = new TopicPartitionMap<true>(this.#assignment.map((tp) => [tp, true]));
    const added = next.filter((tp) => !held.has(tp));
    if (added.length === 0) return;
    const committed = await o.log.fetchGroupOffsets(o.consumer.groupId, added);
    const byTp = new TopicPartitionMap<number>(
      committed.map((c) => [new TopicPartition(c.topic, c.partition), c.offset]),
    );
    const missing = added.filter((tp) => !byTp.has(tp));
    if (missing.length > 0) {
      const reset = o.consumer.autoOffsetReset;
      if (reset === 'none') {
        throw new ConnectError(
          `Undefined offset with no reset policy for partitions: [${missing.join(', ')}]`,
        );
      }
      const listed = await o.log.listOffsets(missing, reset);
      for (const l of listed) byTp.set(new TopicPartition(l.topic, l.partition), l.offset);
    }
    for (const tp of added) {
      const offset = byTp.get(tp) ?? 0;
      this.#positions.set(tp, offset);
      this.#current.set(tp, offset);
      this.#lastCommitted.set(tp, offset);
    }
    this.#assignment = [...this.#assignment, ...added];
    this.#m.partitionCount = this.#assignment.length;
    if (this.#member !== null || this.#assignment.length !== added.length)
      o.logger.info(`${taskIdString(o.id)}: partitions assigned: ${added.join(', ')}`);
    await o.task.open(added);
  }

  async #loop(): Promise<void> {
    const o = this.#o;
    while (!this.#stopping) {
      if (o.target.paused) {
        await this.#commit(false);
        o.report('PAUSED');
        while (o.target.paused && !this.#stopping) {
          if (this.#member === null) {
            await o.target.changed();
            continue;
          }
          // A paused task stays a member: it keeps polling (rebalances run), as Kafka's does.
          await Promise.race([o.target.changed(), sleep(1000, this.#abort.signal)]);
          if (!this.#stopping && o.target.paused) {
            try {
              await this.#member.poll();
            } catch (err) {
              if (!(await this.#backOff(err, 'poll the consumer group'))) throw err;
            }
          }
        }
        if (this.#stopping) break;
        o.report('RUNNING');
        continue;
      }
      this.#applyRewinds();
      try {
        if (this.#commitRequested || Date.now() >= this.#nextCommit) await this.#commit(false);
        if (this.#member !== null) {
          // Heartbeats run on their own; a pending rebalance (or a metadata change) runs here.
          await this.#member.poll();
        } else if (Date.now() >= this.#nextAssignmentCheck) {
          this.#nextAssignmentCheck = Date.now() + o.consumer.metadataMaxAgeMs;
          await this.#updateAssignment(await o.assignment());
        }
      } catch (err) {
        if (!(await this.#backOff(err, 'commit offsets or refresh the assignment'))) throw err;
        continue;
      }
      this.#dropPausedFromBuffer();
      if (this.#buffer.length === 0) {
        let fetched: FetchedPartition[] | null;
        try {
          fetched = this.#prefetched !== null ? await this.#takePrefetch() : await this.#fetch();
        } catch (err) {
          if (!(await this.#backOff(err, 'fetch'))) throw err;
          continue;
        }
        if (this.#stopping) break;
        if (fetched === null) {
          await sleep(Math.min(500, Math.max(0, this.#nextCommit - Date.now())), this.#abort.signal);
          continue;
        }
        this.#retries = 0;
        await this.#fill(fetched);
        // The next fetch goes out at once, as a Java consumer's fetcher does: while these records
        // are converted and put, the broker is already answering for the ones after them.
        if (this.#prefetched === null && this.#buffer.length > 0) {
          this.#prefetched = this.#fetch();
          this.#prefetched.catch(() => {});
        }
      }
      let taken: { batch: SinkRecord[]; consumed: TopicPartitionMap<number> };
      try {
        taken = await this.#takeBatch();
      } catch (err) {
        // Tolerance exceeded: the failing record still goes to the dead-letter queue, as Kafka's
        // reporters run before the task is failed.
        await this.#errors.flushDeadLetters().catch(() => {});
        throw err;
      }
      const { batch, consumed } = taken;
      // Records the error handler skipped are in the dead-letter queue before their offsets can move.
      await this.#errors.flushDeadLetters();
      // While put() handles the last buffered records, the next batch is fetched.
      if (this.#prefetched === null && this.#buffer.length === 0 && consumed.size > 0) {
        this.#prefetched = this.#fetch();
        this.#prefetched.catch(() => {});
      }
      await this.#deliver(batch, consumed);
    }
  }

  /**
   * After a failure that may pass (broker restarting, leader moving, network), waits and returns
   * true so the loop tries again, as Kafka's consumer keeps retrying; false for any other failure.
   */
  async #backOff(err: unknown, what: string): Promise<boolean> {
    if (!(err instanceof RetriableError) || this.#stopping) return false;
    const delay = retryDelay(this.#retries);
    this.#retries++;
    this.#o.logger.warn({ err }, `${taskIdString(this.#o.id)} could not ${what}; retrying in ${delay} ms`);
    await sleep(delay, this.#abort.signal);
    return true;
  }

  /** Fetches from every assigned, unpaused partition at its position; null when there is none. */
  #fetch(): Promise<FetchedPartition[] | null> {
    const fetchable = this.#assignment.filter((tp) => !this.#paused.has(tp));
    if (fetchable.length === 0) return Promise.resolve(null);
    const c = this.#o.consumer;
    return this.#o.log.fetch(
      fetchable.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.#positions.get(tp)! })),
      {
        maxWaitMs: Math.max(1, Math.min(c.fetchMaxWaitMs, this.#nextCommit - Date.now())),
        minBytes: c.fetchMinBytes,
        maxBytes: c.fetchMaxBytes,
        maxPartitionBytes: c.maxPartitionFetchBytes,
        isolationLevel: c.isolationLevel,
        // Only the fetched bytes wait in the buffer; records are decoded as #takeBatch takes them.
        lazy: true,
      },
    );
  }

  /**
   * The prefetched batch, minus partitions the task paused or lost meanwhile (their positions did
   * not move, so they are fetched again once resumed).
   */
  async #takePrefetch(): Promise<FetchedPartition[] | null> {
    const pending = this.#prefetched!;
    this.#prefetched = null;
    const fetched = await pending;
    if (fetched === null) return null;
    return fetched.filter((part) => {
      const tp = new TopicPartition(part.topic, part.partition);
      return !this.#paused.has(tp) && this.#positions.has(tp);
    });
  }

  /** Forgets fetched records not yet delivered and any fetch in flight, moving positions back to them. */
  #dropFetched(): void {
    for (const b of this.#buffer) this.#positions.set(b.tp, b.records.peekOffset() ?? b.nextOffset);
    this.#buffer = [];
    this.#prefetched = null;
  }

  /** Drops buffered records of partitions the task paused; they are fetched again on resume. */
  #dropPausedFromBuffer(): void {
    if (this.#paused.size === 0 || this.#buffer.length === 0) return;
    this.#buffer = this.#buffer.filter((b) => {
      if (!this.#paused.has(b.tp)) return true;
      this.#positions.set(b.tp, b.records.peekOffset() ?? b.nextOffset);
      return false;
    });
  }

  /** Puts a fetch's records into the buffer and moves the fetch positions past them. */
  async #fill(fetched: FetchedPartition[]): Promise<void> {
    const o = this.#o;
    for (const part of fetched) {
      const tp = new TopicPartition(part.topic, part.partition);
      if (!this.#positions.has(tp)) continue;
      if (part.error !== undefined) {
        if (part.error.code === 'OFFSET_OUT_OF_RANGE') {
          const reset = o.consumer.autoOffsetReset;
          if (reset === 'none') {
            throw new ConnectError(
              `Fetch position ${this.#positions.get(tp)} is out of range for partition ${tp} and auto.offset.reset is none`,
            );
          }
          const [listed] = await o.log.listOffsets([tp], reset);
          o.logger.warn(
            `${taskIdString(o.id)}: offset out of range for ${tp}, resetting to ${reset} (${listed?.offset})`,
          );
          if (listed !== undefined) this.#positions.set(tp, listed.offset);
          continue;
        }
        if (part.error.retriable) continue;
        throw new ConnectError(`Fetch from ${tp} failed: ${part.error.code} ${part.error.message}`);
      }
      this.#positions.set(tp, part.nextOffset);
      const records = fetchedRecords(part);
      this.#m.read(records.remaining);
      if (part.highWatermark >= 0)
        this.#m.partitionLag(part.topic, part.partition, Math.max(0, part.highWatermark - part.nextOffset));
      if (records.remaining > 0 && !this.#topics.has(part.topic)) {
        this.#topics.add(part.topic);
        o.onTopic?.(part.topic);
      }
      this.#buffer.push({ tp, records, nextOffset: part.nextOffset });
    }
  }

  /**
   * Takes at most `max.poll.records` records from the buffer, converted and transformed, with the
   * offset each touched partition has been consumed up to once they are delivered.
   */
  async #takeBatch(): Promise<{ batch: SinkRecord[]; consumed: TopicPartitionMap<number> }> {
    const batch: SinkRecord[] = [];
    const consumed = new TopicPartitionMap<number>();
    const track = this.#errors.config.dlqTopic !== '' || this.#errors.config.logEnable;
    let room = this.#o.consumer.maxPollRecords;
    while (this.#buffer.length > 0 && room > 0) {
      const b = this.#buffer[0]!;
      for (; room > 0; room--) {
        const r = b.records.next();
        if (r === undefined) break;
        let out: SinkRecord | null;
        try {
          out = this.#process(r);
        } catch (err) {
          const e = err instanceof StageError ? err : new StageError('KAFKA_CONSUME', 'unknown', err);
          const retried = await this.#errors.handle(
            { stage: e.stage, executingClass: e.executingClass, error: e.cause, consumed: r },
            () => this.#process(r),
          );
          out = retried ?? null;
        }
        if (out === null) continue;
        batch.push(out);
        if (track) this.#origins.set(out, r);
      }
      const next = b.records.peekOffset();
      if (next === undefined) {
        consumed.set(b.tp, b.nextOffset);
        this.#buffer.shift();
      } else {
        consumed.set(b.tp, next);
      }
    }
    return { batch, consumed };
  }

  /** Converts and transforms one consumed record; null when a transform drops it; failures as StageErrors. */
  #process(r: LogRecord): SinkRecord | null {
    const o = this.#o;
    const record = this.#toSinkRecord(r);
    return o.chain.isEmpty ? record : o.chain.apply(record);
  }

  #toSinkRecord(r: LogRecord): SinkRecord {
    const { key, value, header } = this.#o.converters;
    let stage: Stage = 'KEY_CONVERTER';
    try {
      const k = key.toConnectData(r.topic, r.key);
      stage = 'VALUE_CONVERTER';
      const v = value.toConnectData(r.topic, r.value);
      stage = 'HEADER_CONVERTER';
      const record = new SinkRecord({
        topic: r.topic,
        kafkaPartition: r.partition,
        kafkaOffset: r.offset,
        keySchema: k.schema,
        key: k.value,
        valueSchema: v.schema,
        value: v.value,
        timestamp: r.timestamp,
        timestampType: r.timestampType,
      });
      for (const [hk, hv] of r.headers) {
        const h = header.toConnectHeader(r.topic, hk, hv);
        record.headers.add(hk, h.value, h.schema);
      }
      return record;
    } catch (err) {
      const executing = stage === 'KEY_CONVERTER' ? key : stage === 'VALUE_CONVERTER' ? value : header;
      throw new StageError(stage, className(executing), err);
    }
  }

  /**
   * `ErrantRecordReporter.report` (KIP-610): the record's original consumed bytes (or, for a record
   * the task made itself, the record serialized with the task's converters) go to the reporters at
   * stage TASK_PUT; the promise settles once the dead-letter write is acknowledged. Under
   * `errors.tolerance=none` the task fails once `put` returns.
   */
  #reportErrant(record: SinkRecord, error: Error): Promise<void> {
    const o = this.#o;
    const consumed = this.#origins.get(record) ?? this.#serialize(record);
    const detail = this.#errors.report({
      stage: 'TASK_PUT',
      executingClass: className(o.task),
      error,
      consumed,
    });
    const write = this.#errors.flushDeadLetters();
    this.#pendingReports.add(write);
    write.finally(() => this.#pendingReports.delete(write)).catch(() => {});
    if (this.#errors.config.tolerance === 'none') {
      this.#errantFatal ??= new ToleranceExceededError(error, detail);
      return write.then(() => {
        throw this.#errantFatal;
      });
    }
    return write;
  }

  #serialize(record: SinkRecord): LogRecord {
    const { key, value, header } = this.#o.converters;
    const headers: LogHeader[] = [];
    for (const h of record.headers)
      headers.push([h.key, toBuffer(header.fromConnectHeader(record.topic, h.key, h.schema, h.value))]);
    return {
      topic: record.topic,
      partition: record.kafkaPartition ?? 0,
      offset: record.kafkaOffset,
      timestamp: record.timestamp ?? Date.now(),
      timestampType: 'CreateTime',
      key: toBuffer(key.fromConnectData(record.topic, record.keySchema, record.key, record.headers)),
      value: toBuffer(value.fromConnectData(record.topic, record.valueSchema, record.value, record.headers)),
      headers,
      leaderEpoch: -1,
    };
  }

  /** `put` the batch, redelivering it after a RetriableError until it succeeds or the task stops. */
  async #deliver(batch: SinkRecord[], consumed: TopicPartitionMap<number>): Promise<void> {
    const o = this.#o;
    for (;;) {
      try {
        const start = performance.now();
        await o.task.put(batch);
        this.#m.put(batch.length, start, performance.now());
        if (this.#errantFatal !== null) throw this.#errantFatal;
        break;
      } catch (err) {
        if (!(err instanceof RetriableError) || this.#stopping) throw err;
        o.logger.warn(
          { err },
          `${taskIdString(o.id)} put() failed with a retriable error; redelivering in ${this.#retryTimeoutMs} ms`,
        );
        await sleep(this.#retryTimeoutMs, this.#abort.signal);
        if (this.#stopping) throw err;
      }
    }
    // The batch's records were delivered, or dropped by a transform: consumed either way.
    for (const [tp, offset] of consumed) if (this.#current.has(tp)) this.#current.set(tp, offset);
  }

  /** preCommit, then commit the returned offsets that are new, assigned and not beyond what was consumed. */
  async #commit(closing: boolean, only?: TopicPartition[]): Promise<void> {
    const o = this.#o;
    // Offsets move only past records whose dead-letter reports are written.
    if (this.#pendingReports.size > 0) await Promise.all(this.#pendingReports);
    if (only === undefined) {
      this.#commitRequested = false;
      this.#nextCommit = Date.now() + o.offsetFlushIntervalMs;
    }
    if (this.#assignment.length === 0) return;
    const selected = only === undefined ? null : new TopicPartitionMap<true>(only.map((tp) => [tp, true]));
    const current = new TopicPartitionMap<OffsetAndMetadata>();
    for (const [tp, offset] of this.#current)
      if (selected === null || selected.has(tp)) current.set(tp, { offset });
    let toCommit: TopicPartitionMap<OffsetAndMetadata>;
    const start = performance.now();
    try {
      toCommit = await o.task.preCommit(current);
    } catch (err) {
      this.#m.offsetCommit(performance.now() - start, false);
      o.logger.error(
        { err },
        `${taskIdString(o.id)} preCommit failed; rewinding to the last committed offsets`,
      );
      for (const [tp, offset] of this.#lastCommitted) {
        this.#positions.set(tp, offset);
        this.#current.set(tp, offset);
      }
      if (closing) throw err;
      return;
    }
    const offsets: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const [tp, om] of toCommit) {
      if (selected !== null && !selected.has(tp)) continue;
      const consumed = this.#current.get(tp);
      if (consumed === undefined || om.offset > consumed) continue;
      if (this.#lastCommitted.get(tp) === om.offset) continue;
      offsets.push({ topic: tp.topic, partition: tp.partition, offset: om.offset });
    }
    if (offsets.length === 0) {
      this.#m.sinkCommitted(true, this.#bufferedCount());
      return;
    }
    try {
      if (this.#member !== null) await this.#member.commit(offsets);
      else await o.log.commitGroupOffsets(o.consumer.groupId, offsets);
      this.#m.offsetCommit(performance.now() - start, true);
      this.#m.sinkCommitted(false, this.#bufferedCount());
    } catch (err) {
      this.#m.offsetCommit(performance.now() - start, false);
      // As Kafka's WorkerSinkTask: a failed commit is logged, not fatal; the offsets stay
      // uncommitted and the next commit tries again (a restart re-delivers from the last one).
      // E.g. another consumer still active in the group (a worker killed a moment ago) makes the
      // broker refuse commits from outside the group until its session expires.
      o.logger.error(
        { err },
        `${taskIdString(o.id)} Commit of offsets threw an unexpected exception: ${JSON.stringify(offsets)}`,
      );
      return;
    }
    for (const c of offsets) this.#lastCommitted.set(new TopicPartition(c.topic, c.partition), c.offset);
  }

  /** Records fetched and not yet given to `put`. */
  #bufferedCount(): number {
    let n = 0;
    for (const b of this.#buffer) n += b.records.remaining;
    return n;
  }

  #applyRewinds(): void {
    if (this.#rewinds.size === 0) return;
    this.#dropFetched();
    for (const [tp, offset] of this.#rewinds) {
      if (!this.#positions.has(tp)) continue;
      this.#positions.set(tp, offset);
      this.#current.set(tp, offset);
    }
    this.#rewinds.clear();
  }

  #context(): SinkTaskContext {
    const self = this;
    return {
      configs: () => self.#o.taskConfig,
      offset(a: TopicPartitionMap<number> | TopicPartition, b?: number): void {
        if (a instanceof TopicPartition) self.#rewinds.set(a, b!);
        else for (const [tp, o] of a) self.#rewinds.set(tp, o);
      },
      timeout: (ms: number) => {
        self.#retryTimeoutMs = ms;
      },
      assignment: () => [...self.#assignment],
      pause: (...tps: TopicPartition[]) => {
        for (const tp of tps) self.#paused.set(tp, true);
      },
      resume: (...tps: TopicPartition[]) => {
        for (const tp of tps) self.#paused.delete(tp);
      },
      requestCommit: () => {
        self.#commitRequested = true;
      },
      errantRecordReporter: () =>
        self.#errors.config.dlqTopic !== '' || self.#errors.config.logEnable
          ? { report: (record: SinkRecord, error: Error) => self.#reportErrant(record, error) }
          : null,
      pluginMetrics: () => self.#m.plugins,
      ...(self.#o.pluginLoggers === undefined ? {} : { logger: self.#o.pluginLoggers }),
    } as SinkTaskContext;
  }
}
