import {
  ConnectError,
  type OffsetStorageReader,
  type PluginLogger,
  RetriableError,
  type SourceMap,
  type SourceRecord,
  type SourceTask,
  type SourceTaskContext,
} from '@sluice/api';
import type { Logger } from 'pino';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import { ErrorHandler, type ErrorHandlingConfig, type Stage, StageError } from '../errors/error-handler.ts';
import type { LogClient, LogHeader, ProduceRecord, RecordAck } from '../log/log-client.ts';
import { withLogContext } from '../logging/log-context.ts';
import { TaskMetrics } from '../metrics/task-metrics.ts';
import { sleep } from '../sleep.ts';
import { type OffsetBackingStore, offsetKey } from '../storage/offset-store.ts';
import {
  ConnectorTransactionRequests,
  type ExactlyOnceTaskOptions,
  offsetRecords,
} from './exactly-once-source.ts';
import { className, type TaskConverters, type TransformationChain } from './plugin-factory.ts';
import { retryDelay, type StateReporter, type TargetStateGate, taskFailureMessage } from './task-state.ts';
import type { TopicCreator } from './topic-creation.ts';

export interface WorkerSourceTaskOptions {
  id: ConnectorTaskId;
  task: SourceTask;
  taskConfig: Record<string, string>;
  log: LogClient;
  converters: TaskConverters;
  chain: TransformationChain<SourceRecord>;
  offsetStore: OffsetBackingStore;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  target: TargetStateGate;
  report: StateReporter;
  /** Called with each topic the task writes to (KIP-558 active topics). */
  onTopic: (topic: string) => void;
  /** The connector's `errors.*` settings for the transformation and conversion stages. */
  errorHandling: ErrorHandlingConfig;
  /** KIP-158: creates the topics a batch writes to before its first write (null: left to the broker). */
  topicCreation?: TopicCreator | null;
  /** Where the loop counts what it does (`source-task-metrics` and friends); a private one when absent. */
  metrics?: TaskMetrics;
  /**
   * Exactly-once (KIP-618, see exactly-once-source.ts): records and offsets are written in
   * transactions of this producer instead of `log` and `offsetStore`.
   */
  exactlyOnce?: ExactlyOnceTaskOptions;
  logger: Logger;
  /** The plugin's `context.logger(name?)` (absent: the context offers none). */
  pluginLoggers?: (name?: string) => PluginLogger;
}

/** The headers of every record that has none: shared, frozen so that nothing can add to it. */
const NO_HEADERS = Object.freeze([]) as unknown as LogHeader[];

/**
 * A record on its way to the log. A class rather than an object literal: V8 may decide early in a
 * run that the objects an allocation site (a literal) makes all live long, and from then on create
 * them in old space, which only a full GC frees. A source batch's records do outlive a young GC (one
 * batch is sent while the next is read), so some runs went that way. `npm run bench:source-memory`,
 * 24 runs each, quiet machine: with the literal 5 runs peaked at 331–389 MB and 1.09–1.30 µs CPU per
 * record (the others ~180–220 MB, ~0.85 µs); with this class the high runs peak at 302–311 MB and
 * 0.87–0.96 µs, median CPU per record 0.86 → 0.82 µs. Other per-record literals (the connector's
 * source offsets) can still be tenured.
 */
class OutgoingRecord implements ProduceRecord {
  topic: string;
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: LogHeader[];
  timestamp: number | undefined;
  constructor(
    topic: string,
    partition: number | null,
    key: Buffer | null,
    value: Buffer | null,
    headers: LogHeader[],
    timestamp: number | null,
  ) {
    this.topic = topic;
    this.partition = partition ?? undefined;
    this.key = key;
    this.value = value;
    this.headers = headers;
    this.timestamp = timestamp ?? undefined;
  }
}

/** A converted batch: what goes to the log, and the source records it came from (same order). */
interface Batch {
  produce: ProduceRecord[];
  sources: SourceRecord[];
  /**
   * Every polled record in poll order, including those a transform dropped or the error handler
   * skipped: their offsets are committed too once the batch is acknowledged, as Kafka does.
   */
  polled: SourceRecord[];
  /** False for a part of a polled batch that is not its end (connector-defined transaction boundaries). */
  endOfBatch?: boolean;
}

/**
 * Runs one SourceTask (Kafka's `WorkerSourceTask`): poll → transforms → converters → one batched
 * produce per poll → offsets staged once the batch is acknowledged → flushed every
 * `offset.flush.interval.ms` and on stop → `SourceTask.commit()`. At-least-once: an offset is
 * flushed only after its record and everything before it was acknowledged. One produce is in
 * flight while the next batch is polled and converted, so batches are written in order.
 */
export class WorkerSourceTask {
  readonly #o: WorkerSourceTaskOptions;
  readonly #staged = new Map<string, string>();
  readonly #topics = new Set<string>();
  #stopping = false;
  /** Ends waits between send retries when the task is stopped. */
  readonly #abort = new AbortController();
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failed = false;

  readonly #errors: ErrorHandler;
  readonly #m: TaskMetrics;
  /** Exactly-once: the connector's transaction requests (`transaction.boundary=connector`). */
  readonly #txRequests: ConnectorTransactionRequests | null;
  /** Exactly-once: when the open transaction began (performance.now()), null when none is open. */
  #txStart: number | null = null;
  /** Exactly-once: records written in the open transaction. */
  #txRecords = 0;

  constructor(options: WorkerSourceTaskOptions) {
    this.#o = options;
    this.#m = options.metrics ?? new TaskMetrics(options.id.connector, options.id.task, 'source');
    this.#errors = new ErrorHandler({
      metrics: this.#m.errors,
      config: options.errorHandling,
      connector: options.id.connector,
      task: options.id.task,
      logger: options.logger,
      isStopping: () => this.#stopping,
      signal: this.#abort.signal,
    });
    this.#txRequests =
      options.exactlyOnce?.boundary === 'connector' ? new ConnectorTransactionRequests() : null;
    if (options.exactlyOnce !== undefined) this.#m.exactlyOnce = true;
  }

  get id(): ConnectorTaskId {
    return this.#o.id;
  }

  /** Runs the task until it is stopped or fails; never rejects (failures are reported). */
  async run(): Promise<void> {
    const o = this.#o;
    let started = false;
    try {
      while (o.target.paused && !this.#stopping) {
        o.report('PAUSED');
        await o.target.changed();
      }
      if (this.#stopping) return;
      const eos = o.exactlyOnce;
      if (eos !== undefined) {
        // Kafka's order: the fencing round, the producer's initTransactions, the generation check.
        await eos.beforeProducer();
        if (this.#stopping) return;
        await eos.writer.init();
        await eos.afterProducer();
        if (this.#stopping) return;
      }
      o.task.initialize(this.#context());
      await o.task.start(o.taskConfig);
      started = true;
      o.report('RUNNING');
      o.logger.info(
        `WorkerSourceTask{id=${taskIdString(o.id)}} Source task finished initialization and start`,
      );
      if (eos === undefined)
        this.#timer = setInterval(() => void this.#flushOffsets().catch(() => {}), o.offsetFlushIntervalMs);
      await this.#loop();
      if (eos !== undefined) {
        // Stopping ends the open transaction: committed, unless the connector defines the boundaries.
        if (eos.boundary === 'connector') await this.#abortTransaction();
        else await this.#commitTransaction();
      } else {
        // A periodic flush may be under way with an older snapshot (it would be returned as is):
        // wait for it, then flush what was staged since.
        if (this.#flushing !== null) await this.#flushing.catch(() => {});
        await this.#flushOffsets();
      }
      if (!this.#failed) o.report('UNASSIGNED');
    } catch (err) {
      this.#failed = true;
      o.logger.error({ err }, taskFailureMessage('WorkerSourceTask', taskIdString(o.id), err, started));
      o.report('FAILED', err);
      if (o.exactlyOnce !== undefined) await this.#abortTransaction().catch(() => {});
    } finally {
      if (this.#timer !== null) clearInterval(this.#timer);
      await this.#stopTask();
      await o.exactlyOnce?.writer.close();
    }
  }

  /**
   * The worker gave up waiting for the task (Kafka's `cancel`): the periodic offset flush ends
   * now, as the loop that would end it may never return from the connector's code.
   */
  cancel(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Asks the task to stop: the loop ends after the current poll, offsets are flushed. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
    this.#o.target.wake();
    // The connector's stop() may be what ends a blocking poll.
    void Promise.resolve()
      .then(() => this.#o.task.stop())
      .catch((err) => this.#o.logger.warn({ err }, `${taskIdString(this.#o.id)} stop() failed`));
  }

  async #stopTask(): Promise<void> {
    this.#o.chain.close();
  }

  async #loop(): Promise<void> {
    const o = this.#o;
    let inflight: Promise<void> | null = null;
    // A failed send fails the task at the next turn of the loop, even when no further records come.
    let sendError: { err: unknown } | null = null;
    const track = (p: Promise<void>): Promise<void> => {
      p.catch((err) => {
        sendError ??= { err };
      });
      return p;
    };
    while (!this.#stopping) {
      if (sendError !== null) throw (sendError as { err: unknown }).err;
      if (o.target.paused) {
        if (inflight !== null) await inflight;
        inflight = null;
        o.report('PAUSED');
        while (o.target.paused && !this.#stopping) await o.target.changed();
        if (this.#stopping) break;
        o.report('RUNNING');
        continue;
      }
      let records: SourceRecord[] | null;
      const pollStart = performance.now();
      try {
        records = await o.task.poll();
      } catch (err) {
        if (err instanceof RetriableError) {
          o.logger.warn({ err }, `${taskIdString(o.id)} poll() failed, will retry`);
          continue;
        }
        throw err;
      }
      if (records === null || records === undefined || records.length === 0) {
        // An interval boundary passes while the source is idle too.
        if (this.#intervalDue()) {
          if (inflight !== null) await inflight;
          inflight = null;
          await this.#commitTransaction();
        }
        continue;
      }
      this.#m.polled(records.length, pollStart, performance.now());
      const batch = await this.#convert(records);
      if (inflight !== null) await inflight;
      if (this.#txRequests !== null) {
        // Connector-defined boundaries: the batch is written in parts, each ending at a record the
        // task named in a commit or abort request, so that request applies right after its record.
        const parts = this.#txRequests.split(batch);
        inflight = track(
          (async () => {
            for (const part of parts) {
              if (part.produce.length > 0) await this.#send(part);
              else {
                this.#m.sourceAcked(part.polled.length, 0);
                this.#stageOffsets(part.polled);
                await this.#transactionBoundary(part.polled, part.endOfBatch !== false);
              }
            }
          })(),
        );
      } else if (batch.produce.length > 0) inflight = track(this.#send(batch));
      else {
        inflight = null;
        this.#m.sourceAcked(batch.polled.length, 0);
        this.#stageOffsets(batch.polled);
        // Exactly-once commits the offsets of dropped records too, at the batch's boundary.
        if (o.exactlyOnce !== undefined) inflight = track(this.#transactionBoundary(batch.polled));
      }
    }
    if (inflight !== null) await inflight;
  }

  async #convert(records: SourceRecord[]): Promise<Batch> {
    const o = this.#o;
    const produce: ProduceRecord[] = [];
    const sources: SourceRecord[] = [];
    for (const original of records) {
      let p: ProduceRecord | null;
      try {
        p = this.#toProduceRecord(original);
      } catch (err) {
        const e = err instanceof StageError ? err : new StageError('TRANSFORMATION', 'unknown', err);
        const retried = await this.#errors.handle(
          {
            stage: e.stage,
            executingClass: e.executingClass,
            error: e.cause,
            description: `topic '${original.topic}', partition ${original.kafkaPartition ?? 'none'}, source offset ${JSON.stringify(original.sourceOffset)}`,
          },
          () => this.#toProduceRecord(original),
        );
        p = retried ?? null;
      }
      if (p === null) {
        // Dropped by a transform or skipped by the error handler: tell the task, as Kafka does; a
        // failure here is only logged.
        Promise.resolve()
          .then(() => o.task.commitRecord(original, null))
          .catch((err) => o.logger.warn({ err }, `${taskIdString(o.id)} commitRecord() failed`));
        continue;
      }
      produce.push(p);
      sources.push(original);
    }
    return { produce, sources, polled: records };
  }

  /** Transforms and converts one record; null when a transform drops it; failures as StageErrors. */
  #toProduceRecord(original: SourceRecord): ProduceRecord | null {
    const o = this.#o;
    const record = o.chain.isEmpty ? original : o.chain.apply(original);
    if (record === null) return null;
    const { key, value, header } = o.converters;
    const topic = record.topic;
    let stage: Stage = 'HEADER_CONVERTER';
    try {
      let headers = NO_HEADERS;
      if (!record.headers.isEmpty()) {
        headers = [];
        for (const h of record.headers)
          headers.push([h.key, toBuffer(header.fromConnectHeader(topic, h.key, h.schema, h.value))]);
      }
      stage = 'KEY_CONVERTER';
      const k = toBuffer(key.fromConnectData(topic, record.keySchema, record.key, record.headers));
      stage = 'VALUE_CONVERTER';
      const v = toBuffer(value.fromConnectData(topic, record.valueSchema, record.value, record.headers));
      return new OutgoingRecord(topic, record.kafkaPartition, k, v, headers, record.timestamp);
    } catch (err) {
      const executing = stage === 'KEY_CONVERTER' ? key : stage === 'VALUE_CONVERTER' ? value : header;
      throw new StageError(stage, className(executing), err);
    }
  }

  async #send(batch: Batch): Promise<void> {
    const o = this.#o;
    let acks: RecordAck[];
    // KIP-158: the batch's new topics are created first; a failure that may pass (broker away) is
    // retried until the task stops, as Kafka backs off and resends; any other fails the task.
    if (o.topicCreation) {
      const topics = new Set(batch.produce.map((p) => p.topic));
      for (let attempt = 0; ; attempt++) {
        try {
          await o.topicCreation.ensure(topics);
          break;
        } catch (err) {
          if (!(err instanceof RetriableError)) throw err;
          if (this.#stopping) return;
          const delay = retryDelay(attempt);
          o.logger.warn(
            { err },
            `${taskIdString(o.id)} failed to check or create its topics; retrying in ${delay} ms`,
          );
          await sleep(delay, this.#abort.signal);
          if (this.#stopping) return;
        }
      }
    }
    // Like Kafka Connect's producer (delivery.timeout.ms and max.block.ms unbounded), a send that
    // fails for a reason that may pass (broker restarting, leader moving) is tried again until it
    // succeeds or the task is stopped; any other failure fails the task.
    // Exactly-once: into the open transaction (begun by the first write); a failure is not retried
    // (the transaction is aborted and the task fails, as Kafka's exactly-once task does).
    const eos = o.exactlyOnce;
    const writer = eos?.writer ?? o.log;
    if (eos !== undefined) this.#txStart ??= performance.now();
    // A transaction per poll: the batch's offsets go out with its records, in one produce.
    let toSend = batch.produce;
    let sentOffsets = false;
    if (eos?.boundary === 'poll' && this.#staged.size === 0) {
      const offsets = new Map<string, string>();
      this.#stageOffsets(batch.polled, offsets);
      if (offsets.size > 0) {
        toSend = [...batch.produce, ...offsetRecords(eos.offsetsTopics, offsets)];
        sentOffsets = true;
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        acks = await writer.produce(toSend, { signal: this.#abort.signal });
        if (sentOffsets) acks = acks.slice(0, batch.produce.length);
        if (eos !== undefined) this.#txRecords += batch.produce.length;
        break;
      } catch (err) {
        // Stopped while the producer waited for a topic (or a retry): nothing more to send, and the
        // batch's offsets are not committed (its records are polled again after a restart).
        if (this.#abort.signal.aborted && (err as { cause?: unknown }).cause === this.#abort.signal.reason)
          return;
        if (err instanceof RetriableError && !this.#stopping) {
          const delay = retryDelay(attempt);
          o.logger.warn(
            { err },
            `${taskIdString(o.id)} failed to send ${batch.produce.length} records; retrying in ${delay} ms`,
          );
          await sleep(delay, this.#abort.signal);
          continue;
        }
        throw new ConnectError(`Unrecoverable exception from producer send for ${taskIdString(o.id)}`, {
          cause: err,
        });
      }
    }
    this.#m.sourceAcked(batch.polled.length, acks.length);
    if (!sentOffsets) this.#stageOffsets(batch.polled);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < acks.length; i++) {
      const record = batch.sources[i]!;
      const ack = acks[i]!;
      if (!this.#topics.has(ack.topic)) {
        this.#topics.add(ack.topic);
        o.onTopic(ack.topic);
      }
      const r = o.task.commitRecord(record, {
        topic: ack.topic,
        partition: ack.partition,
        offset: ack.offset,
        timestamp: ack.timestamp,
      });
      if (r instanceof Promise) commits.push(r);
    }
    if (commits.length > 0) await Promise.all(commits);
    if (o.exactlyOnce !== undefined)
      await this.#transactionBoundary(batch.polled, batch.endOfBatch !== false);
  }

  // -------------------------------------------------------------------------------------------
  // Exactly-once (exactly-once-source.ts)

  /** After a batch was written: commit or abort as `transaction.boundary` says. */
  async #transactionBoundary(polled: readonly SourceRecord[], endOfBatch = true): Promise<void> {
    const eos = this.#o.exactlyOnce!;
    if (eos.boundary === 'poll') return this.#commitTransaction();
    if (eos.boundary === 'interval') {
      this.#txStart ??= performance.now();
      if (this.#intervalDue()) await this.#commitTransaction();
      return;
    }
    const request = this.#txRequests!.take(polled, endOfBatch);
    if (request === 'abort') await this.#abortTransaction();
    else if (request === 'commit') await this.#commitTransaction();
  }

  #intervalDue(): boolean {
    const eos = this.#o.exactlyOnce;
    return (
      eos !== undefined &&
      eos.boundary === 'interval' &&
      this.#txStart !== null &&
      performance.now() - this.#txStart >= eos.intervalMs
    );
  }

  /**
   * Writes the staged offsets into the open transaction and commits it (a transaction with
   * offsets only is committed too), then calls the task's `commit()`. A failure aborts the
   * transaction and fails the task.
   */
  async #commitTransaction(): Promise<void> {
    const o = this.#o;
    const eos = o.exactlyOnce!;
    this.#txStart = null;
    if (this.#staged.size === 0 && !eos.writer.inTransaction) return;
    const start = performance.now();
    const offsets = new Map(this.#staged);
    this.#staged.clear();
    try {
      if (offsets.size > 0) await eos.writer.produce(offsetRecords(eos.offsetsTopics, offsets));
      await eos.writer.commit();
    } catch (err) {
      this.#m.offsetCommit(performance.now() - start, false);
      await eos.writer.abort().catch(() => {});
      throw err;
    }
    this.#m.offsetCommit(performance.now() - start, true);
    this.#m.transactionCommitted(this.#txRecords);
    this.#txRecords = 0;
    try {
      await o.task.commit();
    } catch (err) {
      o.logger.warn({ err }, `${taskIdString(o.id)} commit() failed`);
    }
  }

  /** Aborts the open transaction: its records are never visible, its offsets are not committed. */
  async #abortTransaction(): Promise<void> {
    const eos = this.#o.exactlyOnce!;
    this.#txStart = null;
    this.#txRecords = 0;
    this.#staged.clear();
    await eos.writer.abort();
  }

  /**
   * Stages the offset of the last record of each source partition in an acknowledged batch (the
   * only one that matters: the whole batch is acknowledged). Walks backwards, so a run of records
   * of one partition costs a shallow comparison each instead of serializing every key.
   */
  #stageOffsets(records: readonly SourceRecord[], into: Map<string, string> = this.#staged): void {
    const connector = this.#o.id.connector;
    const done = new Set<string>();
    let previous: SourceMap | null = null;
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i]!;
      const partition = r.sourcePartition;
      if (partition === null || r.sourceOffset === null) continue;
      if (previous !== null && samePartition(previous, partition)) continue;
      previous = partition;
      const key = offsetKey(connector, partition);
      if (done.has(key)) continue;
      done.add(key);
      into.set(key, JSON.stringify(r.sourceOffset));
    }
  }

  /** Writes the staged offsets to the store, then calls `commit()`. One flush at a time. */
  #flushOffsets(): Promise<void> {
    if (this.#flushing !== null) return this.#flushing;
    if (this.#staged.size === 0 || this.#failed) return Promise.resolve();
    const o = this.#o;
    const snapshot = new Map(this.#staged);
    this.#staged.clear();
    this.#flushing = withLogContext({ scope: 'offsets' }, async () => {
      let timer: NodeJS.Timeout | undefined;
      const start = performance.now();
      try {
        await Promise.race([
          o.offsetStore.set(snapshot),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new ConnectError('Timed out waiting to flush offsets to storage')),
              o.offsetFlushTimeoutMs,
            );
          }),
        ]);
        await o.task.commit();
        this.#m.offsetCommit(performance.now() - start, true);
      } catch (err) {
        this.#m.offsetCommit(performance.now() - start, false);
        // Keep what was not superseded meanwhile, for the next attempt.
        for (const [k, v] of snapshot) if (!this.#staged.has(k)) this.#staged.set(k, v);
        o.logger.error({ err }, `${taskIdString(o.id)} failed to flush offsets`);
      } finally {
        clearTimeout(timer);
        this.#flushing = null;
      }
    });
    return this.#flushing;
  }

  #context(): SourceTaskContext {
    const o = this.#o;
    const reader: OffsetStorageReader = {
      offset: async (partition: SourceMap) => {
        const key = offsetKey(o.id.connector, partition);
        const stored = await o.offsetStore.get([key]);
        const text = stored.get(key);
        return text === undefined ? null : (JSON.parse(text) as SourceMap);
      },
      offsets: async (partitions: readonly SourceMap[]) => {
        const keys = partitions.map((p) => offsetKey(o.id.connector, p));
        const stored = await o.offsetStore.get(keys);
        return partitions.map((partition, i) => {
          const text = stored.get(keys[i]!);
          return { partition, offset: text === undefined ? null : (JSON.parse(text) as SourceMap) };
        });
      },
    };
    return {
      configs: () => o.taskConfig,
      offsetStorageReader: () => reader,
      transactionContext: () => this.#txRequests,
      pluginMetrics: () => this.#m.plugins,
      ...(o.pluginLoggers === undefined ? {} : { logger: o.pluginLoggers }),
    };
  }
}

/** Shallow equality of two source partitions (same keys in the same order, equal primitive values). */
function samePartition(a: SourceMap, b: SourceMap): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || a[k] !== b[k]) return false;
  }
  return true;
}

export function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
