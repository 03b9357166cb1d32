import {
  type OffsetAndMetadata,
  RetriableError,
  SinkRecord,
  type SinkTask,
  type SinkTaskContext,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import type { Logger } from 'pino';
import type { FetchedPartition, LogClient, LogRecord } from '../kafka/log-client.ts';
import type { TaskConverters, TransformationChain } from './plugin-factory.ts';
import {
  type ConnectorTaskId,
  type StateReporter,
  sleep,
  type TargetStateGate,
  taskIdString,
} from './task-state.ts';

export interface WorkerSinkTaskOptions {
  id: ConnectorTaskId;
  task: SinkTask;
  taskConfig: Record<string, string>;
  log: LogClient;
  converters: TaskConverters;
  chain: TransformationChain<SinkRecord>;
  /** Consumer group whose committed offsets this task uses: `connect-<name>` unless overridden. */
  groupId: string;
  /** The partitions this task reads (standalone assigns them; the group protocol will in distributed mode). */
  assignment: () => Promise<TopicPartition[]>;
  /** `auto.offset.reset` for partitions without a committed offset. */
  autoOffsetReset: 'earliest' | 'latest';
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  /** Upper bound of one fetch. */
  maxFetchBytes: number;
  target: TargetStateGate;
  report: StateReporter;
  logger: Logger;
}

/**
 * Runs one SinkTask (Kafka's `WorkerSinkTask`): fetch → converters → SinkRecords → transforms →
 * `put(batch)` → every `offset.flush.interval.ms` (or on request) `preCommit` and a commit of the
 * consumer-group offsets. A RetriableError from `put` redelivers the same batch after the task's
 * `context.timeout` (1 s by default); any other error fails the task, and nothing past the last
 * successful `put` is committed.
 */
export class WorkerSinkTask {
  readonly #o: WorkerSinkTaskOptions;
  readonly #abort = new AbortController();
  #stopping = false;
  #assignment: TopicPartition[] = [];
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
  /** The next batch, fetched while `put` handles the current one. */
  #prefetched: Promise<FetchedPartition[] | null> | null = null;

  constructor(options: WorkerSinkTaskOptions) {
    this.#o = options;
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
      o.task.initialize(this.#context());
      await o.task.start(o.taskConfig);
      started = true;
      await this.#assign();
      o.report('RUNNING');
      this.#nextCommit = Date.now() + o.offsetFlushIntervalMs;
      await this.#loop();
    } catch (err) {
      failed = true;
      o.logger.error({ err }, `${taskIdString(o.id)} failed`);
      o.report('FAILED', err);
    } finally {
      try {
        if (started && !failed) await this.#commit(true);
        if (started) await o.task.close(this.#assignment);
        await o.task.stop();
      } catch (err) {
        if (!failed) o.report('FAILED', err);
        failed = true;
      }
      o.chain.close();
      if (!failed) o.report('UNASSIGNED');
    }
  }

  stop(): void {
    this.#stopping = true;
    this.#abort.abort();
    this.#o.target.wake();
  }

  async #assign(): Promise<void> {
    const o = this.#o;
    this.#assignment = await o.assignment();
    if (this.#assignment.length === 0) return;
    const committed = await o.log.fetchGroupOffsets(o.groupId, this.#assignment);
    const byTp = new TopicPartitionMap<number>(
      committed.map((c) => [new TopicPartition(c.topic, c.partition), c.offset]),
    );
    const missing = this.#assignment.filter((tp) => !byTp.has(tp));
    if (missing.length > 0) {
      const listed = await o.log.listOffsets(missing, o.autoOffsetReset);
      for (const l of listed) byTp.set(new TopicPartition(l.topic, l.partition), l.offset);
    }
    for (const tp of this.#assignment) {
      const offset = byTp.get(tp) ?? 0;
      this.#positions.set(tp, offset);
      this.#current.set(tp, offset);
      this.#lastCommitted.set(tp, offset);
    }
    await o.task.open(this.#assignment);
  }

  async #loop(): Promise<void> {
    const o = this.#o;
    while (!this.#stopping) {
      if (o.target.paused) {
        await this.#commit(false);
        o.report('PAUSED');
        while (o.target.paused && !this.#stopping) await o.target.changed();
        if (this.#stopping) break;
        o.report('RUNNING');
        continue;
      }
      this.#applyRewinds();
      if (this.#commitRequested || Date.now() >= this.#nextCommit) await this.#commit(false);
      const fetched = this.#prefetched !== null ? await this.#takePrefetch() : await this.#fetch();
      if (fetched === null) {
        await sleep(Math.min(500, Math.max(0, this.#nextCommit - Date.now())), this.#abort.signal);
        continue;
      }
      if (this.#stopping) break;
      const batch = await this.#convert(fetched);
      // While put() writes this batch, the next one is fetched: the positions already point past it.
      if (batch.length > 0) {
        this.#prefetched = this.#fetch();
        this.#prefetched.catch(() => {});
      }
      await this.#deliver(batch);
    }
  }

  /** Fetches from every assigned, unpaused partition at its position; null when there is none. */
  #fetch(): Promise<FetchedPartition[] | null> {
    const fetchable = this.#assignment.filter((tp) => !this.#paused.has(tp));
    if (fetchable.length === 0) return Promise.resolve(null);
    return this.#o.log.fetch(
      fetchable.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.#positions.get(tp)! })),
      {
        maxWaitMs: Math.min(500, Math.max(1, this.#nextCommit - Date.now())),
        maxBytes: this.#o.maxFetchBytes,
      },
    );
  }

  /**
   * The prefetched batch, minus partitions the task paused meanwhile (their positions did not
   * move, so they are fetched again once resumed).
   */
  async #takePrefetch(): Promise<FetchedPartition[] | null> {
    const pending = this.#prefetched!;
    this.#prefetched = null;
    const fetched = await pending;
    if (fetched === null) return null;
    return fetched.filter((part) => !this.#paused.has(new TopicPartition(part.topic, part.partition)));
  }

  /** Drops a prefetched batch, e.g. after a rewind moved the positions it was fetched from. */
  #dropPrefetch(): void {
    this.#prefetched = null;
  }

  async #convert(fetched: FetchedPartition[]): Promise<SinkRecord[]> {
    const o = this.#o;
    const batch: SinkRecord[] = [];
    for (const part of fetched) {
      const tp = new TopicPartition(part.topic, part.partition);
      if (part.error !== undefined) {
        if (part.error.code === 'OFFSET_OUT_OF_RANGE') {
          const [reset] = await o.log.listOffsets([tp], o.autoOffsetReset);
          o.logger.warn(
            `${taskIdString(o.id)}: offset out of range for ${tp}, resetting to ${o.autoOffsetReset} (${reset?.offset})`,
          );
          if (reset !== undefined) this.#positions.set(tp, reset.offset);
          continue;
        }
        if (part.error.retriable) continue;
        throw new Error(`Fetch from ${tp} failed: ${part.error.code} ${part.error.message}`);
      }
      for (const r of part.records) {
        const record = this.#toSinkRecord(r);
        const transformed = o.chain.isEmpty ? record : o.chain.apply(record);
        if (transformed !== null) batch.push(transformed);
      }
      this.#positions.set(tp, part.nextOffset);
    }
    return batch;
  }

  #toSinkRecord(r: LogRecord): SinkRecord {
    const { key, value, header } = this.#o.converters;
    const k = key.toConnectData(r.topic, r.key);
    const v = value.toConnectData(r.topic, r.value);
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
  }

  /** `put` the batch, redelivering it after a RetriableError until it succeeds or the task stops. */
  async #deliver(batch: SinkRecord[]): Promise<void> {
    const o = this.#o;
    for (;;) {
      try {
        await o.task.put(batch);
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
    // Everything fetched so far was delivered, or dropped by a transform: consumed either way.
    for (const [tp, position] of this.#positions) this.#current.set(tp, position);
  }

  /** preCommit, then commit the returned offsets that are new, assigned and not beyond what was consumed. */
  async #commit(closing: boolean): Promise<void> {
    const o = this.#o;
    this.#commitRequested = false;
    this.#nextCommit = Date.now() + o.offsetFlushIntervalMs;
    if (this.#assignment.length === 0) return;
    const current = new TopicPartitionMap<OffsetAndMetadata>();
    for (const [tp, offset] of this.#current) current.set(tp, { offset });
    let toCommit: TopicPartitionMap<OffsetAndMetadata>;
    try {
      toCommit = await o.task.preCommit(current);
    } catch (err) {
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
      const consumed = this.#current.get(tp);
      if (consumed === undefined || om.offset > consumed) continue;
      if (this.#lastCommitted.get(tp) === om.offset) continue;
      offsets.push({ topic: tp.topic, partition: tp.partition, offset: om.offset });
    }
    if (offsets.length === 0) return;
    await o.log.commitGroupOffsets(o.groupId, offsets);
    for (const c of offsets) this.#lastCommitted.set(new TopicPartition(c.topic, c.partition), c.offset);
  }

  #applyRewinds(): void {
    if (this.#rewinds.size === 0) return;
    this.#dropPrefetch();
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
      errantRecordReporter: () => null,
    } as SinkTaskContext;
  }
}
