/**
 * Exactly-once source tasks (KIP-618, Kafka's `ExactlyOnceWorkerSourceTask`): what
 * {@link WorkerSourceTask} needs to write a task's records and their source offsets in one Kafka
 * transaction.
 *
 * - One transactional producer per task, `transactional.id = <group.id>-<connector>-<task>`
 *   ({@link transactionalId}).
 * - Before the producer is initialized the herder's pre-producer check runs (the leader fences the
 *   zombies of older task generations), after it the post-producer check (the task's config
 *   generation is still current and the task is still assigned here).
 * - Offsets go into the same transaction, as records of the offsets topic (the connector's
 *   `offsets.storage.topic` or the worker's), keyed and encoded as the offset store writes them.
 * - Boundaries (`transaction.boundary`): `poll` commits after every polled batch, `interval` once
 *   `transaction.boundary.interval.ms` passed (checked after each batch and on idle polls),
 *   `connector` when the task asks through its TransactionContext (right after the record it
 *   named, or after the batch when it named none).
 */
import { ConfigError, type SourceRecord, type TransactionContext } from '@sluice/api';
import type { ConnectorTaskId } from '../connector-task-id.ts';
import type { ProduceRecord, TransactionalWriter } from '../log/log-client.ts';

export type TransactionBoundary = 'poll' | 'interval' | 'connector';

export interface ExactlyOnceTaskOptions {
  writer: TransactionalWriter;
  /**
   * The topics the task's offsets are written to, in its transactions: the connector's
   * `offsets.storage.topic` (when set) and the worker's offsets topic.
   */
  offsetsTopics: readonly string[];
  boundary: TransactionBoundary;
  /** For `interval`: how often a transaction is committed (ms). */
  intervalMs: number;
  /** Runs before the producer is initialized (Kafka: the zombie-fencing round through the leader). */
  beforeProducer: () => Promise<void>;
  /** Runs once the producer is initialized (Kafka: the task generation and ownership check). */
  afterProducer: () => Promise<void>;
}

/** Kafka's transactional id of a source task's producer. */
export function transactionalId(groupId: string, id: ConnectorTaskId): string {
  return `${groupId}-${id.connector}-${id.task}`;
}

/** The `transaction.boundary` of a connector config and its interval (default: the offset flush interval). */
export function transactionBoundary(
  connectorConfig: Readonly<Record<string, string>>,
  offsetFlushIntervalMs: number,
): { boundary: TransactionBoundary; intervalMs: number } {
  const raw = (connectorConfig['transaction.boundary'] ?? 'poll').trim().toLowerCase();
  if (raw !== 'poll' && raw !== 'interval' && raw !== 'connector')
    throw new ConfigError(
      `Invalid value ${connectorConfig['transaction.boundary']} for configuration transaction.boundary: String must be one of (case insensitive): POLL, INTERVAL, CONNECTOR`,
      { key: 'transaction.boundary' },
    );
  const interval = connectorConfig['transaction.boundary.interval.ms'];
  const intervalMs =
    interval === undefined || interval.trim() === '' ? offsetFlushIntervalMs : Number(interval);
  return { boundary: raw, intervalMs };
}

/** The offset records of a transaction: the offsets topic's key and value texts as UTF-8. */
export function offsetRecords(
  topics: readonly string[],
  offsets: ReadonlyMap<string, string | null>,
): ProduceRecord[] {
  const out: ProduceRecord[] = [];
  for (const topic of topics)
    for (const [key, value] of offsets)
      out.push({
        topic,
        key: Buffer.from(key, 'utf8'),
        value: value === null ? null : Buffer.from(value, 'utf8'),
        headers: [],
      });
  return out;
}

/** A converted batch as the source task loop writes it (see worker-source-task.ts). */
export interface SplittableBatch {
  produce: ProduceRecord[];
  sources: SourceRecord[];
  polled: SourceRecord[];
  endOfBatch?: boolean;
}

/**
 * The TransactionContext a task gets with `transaction.boundary=connector`: requests are
 * collected here and taken by the task loop once the batch holding the record was written.
 */
export class ConnectorTransactionRequests implements TransactionContext {
  #commitAll = false;
  #abortAll = false;
  readonly #commitRecords = new Set<SourceRecord>();
  readonly #abortRecords = new Set<SourceRecord>();

  commitTransaction(record?: SourceRecord): void {
    if (record === undefined) this.#commitAll = true;
    else this.#commitRecords.add(record);
  }

  abortTransaction(record?: SourceRecord): void {
    if (record === undefined) this.#abortAll = true;
    else this.#abortRecords.add(record);
  }

  /**
   * What to do after records were written: 'abort' when an abort was asked for (for one of the
   * records, or — at the end of a polled batch — for the batch), else 'commit' when a commit was,
   * else null. The requests it answers are taken.
   */
  take(records: readonly SourceRecord[], endOfBatch = true): 'commit' | 'abort' | null {
    let abort = endOfBatch && this.#abortAll;
    let commit = endOfBatch && this.#commitAll;
    for (const r of records) {
      if (this.#abortRecords.delete(r)) abort = true;
      if (this.#commitRecords.delete(r)) commit = true;
    }
    if (endOfBatch) {
      this.#abortAll = false;
      this.#commitAll = false;
    }
    return abort ? 'abort' : commit ? 'commit' : null;
  }

  /**
   * Cuts a converted batch after every record named in a request, so that each request is acted
   * on right after its record (Kafka's semantics); the last part ends the polled batch.
   */
  split<B extends SplittableBatch>(batch: B): SplittableBatch[] {
    const marked = (r: SourceRecord) => this.#commitRecords.has(r) || this.#abortRecords.has(r);
    if (!batch.polled.some(marked)) return [batch];
    const parts: SplittableBatch[] = [];
    let part: SplittableBatch = { produce: [], sources: [], polled: [], endOfBatch: false };
    let j = 0;
    for (const r of batch.polled) {
      part.polled.push(r);
      if (batch.sources[j] === r) {
        part.produce.push(batch.produce[j]!);
        part.sources.push(r);
        j++;
      }
      if (marked(r)) {
        parts.push(part);
        part = { produce: [], sources: [], polled: [], endOfBatch: false };
      }
    }
    if (part.polled.length > 0) parts.push(part);
    parts.at(-1)!.endOfBatch = true;
    return parts;
  }
}
