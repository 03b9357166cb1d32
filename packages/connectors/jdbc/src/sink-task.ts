/**
 * `io.confluent.connect.jdbc.sink.JdbcSinkTask`: each `put` is written in one transaction (after
 * any CREATE/ALTER its records need). A failure rolls the transaction back; while `max.retries`
 * lasts the batch is redelivered after `retry.backoff.ms` (RetriableError + `context.timeout`),
 * then the task fails with the database's message. With an errant record reporter
 * (`errors.tolerance=all`), records that the database refuses one at a time are reported and
 * the others written.
 */

import {
  ConnectError,
  type OffsetAndMetadata,
  RetriableError,
  type SinkRecord,
  SinkTask,
  type StringMap,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { MAX_RETRIES, SinkConfig } from './config.ts';
import { connectWithRetries, describeDbError } from './connect.ts';
import type { Database } from './database.ts';
import { jdbcLogger } from './log.ts';
import { CopyNotSent } from './pg-copy-in.ts';
import { BulkLoadFellBack, SinkWriter } from './sink-writer.ts';
import { VERSION } from './version.ts';

const LOGGER = 'io.confluent.connect.jdbc.sink.JdbcSinkTask';

export class JdbcSinkTask extends SinkTask {
  #config!: SinkConfig;
  #writer!: SinkWriter;
  #db: Database | null = null;
  #remainingRetries = 0;
  /**
   * The write the last put started, and its batch: its failure, or null once it committed;
   * `copy` once it is one PostgreSQL query handed to the driver (nothing follows it): a COPY, or
   * an upsert's COPY into the staging table and INSERT ... ON CONFLICT.
   */
  #pending: { records: SinkRecord[]; done: Promise<unknown>; copy: boolean } | null = null;
  /** A batch whose write failed and that is written before anything else. */
  #owed: SinkRecord[] | null = null;

  version(): string {
    return VERSION;
  }

  async start(props: StringMap): Promise<void> {
    this.#config = new SinkConfig(props);
    this.#writer = new SinkWriter(this.#config);
    this.#remainingRetries = this.#config.maxRetries;
    this.#db = await this.#connect();
  }

  /** A connection whose transactions start with their first statement where the database allows. */
  async #connect(): Promise<Database> {
    const db = await connectWithRetries(this.#config);
    try {
      await db.implicitTransactions?.();
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return db;
  }

  /**
   * Writes the batch in one transaction. With `put.pipelining` (the default) the write is started
   * and put returns: the next put, preCommit (before offsets are committed) and close wait for
   * it, and a failure is handled there as this put would have handled it (see #settle), so no
   * offset moves past a record that is not in the table. On PostgreSQL the next batch's COPY may
   * be queued behind the write under way before waiting for it (see #queueBehind).
   */
  async put(records: SinkRecord[]): Promise<void> {
    if (this.#owed !== null && sameBatch(this.#owed, records)) {
      // The failed batch handed back again (a caller redelivering it): written once, now.
      this.#owed = null;
    }
    const queued = this.#queueBehind(records);
    let clean: boolean;
    try {
      clean = await this.#settle();
    } catch (err) {
      // The previous batch failed: this one's COPY was not sent (see #queueBehind); put returns
      // once the driver has dropped it, so nothing of this task is left in flight.
      await queued;
      throw err;
    }
    if (records.length === 0) return;
    if (queued !== null) {
      if (clean) {
        // The previous batch is written, so this one's COPY went out right after it.
        this.#pending = { records, done: queued, copy: true };
        return;
      }
      const err = await queued;
      if (!(err instanceof CopyNotSent)) {
        this.#pending = { records, done: Promise.resolve(err), copy: false };
        return;
      }
      // Not sent (the previous batch failed, and was handled): written now, as usual.
    }
    if (!this.#config.putPipelining) {
      await this.#putNow(records);
      return;
    }
    let sent!: () => void;
    const started = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const pending = { records, done: Promise.resolve<unknown>(null), copy: false };
    pending.done = this.#write(records, (copy) => {
      pending.copy = copy;
      sent();
    }).then(
      () => null,
      (err: unknown) => err ?? new Error('write failed'),
    );
    this.#pending = pending;
    // On PostgreSQL, put returns once the write's first statement is sent (or the write ended),
    // not before: what the caller does next (fetching and converting the next batch) would
    // otherwise run before the statement goes out, while the server waits for it. (Elsewhere it
    // returns at once, as before: a connection being opened, or MySQL/SQLite, whose paths are
    // measured as they are.)
    if (this.#db?.dialect.kind === 'postgresql') await Promise.race([started, pending.done]);
  }

  /**
   * PostgreSQL, pipelined, when the write under way is one COPY query and this batch is one too
   * (its table known, nothing to create or alter; see SinkWriter.singleStatement, upserts
   * included): this batch's COPY is queued in the driver right
   * behind it, its text encoded now, while the server is busy with that one; the driver sends it
   * as soon as that one has written its rows, and never if that one fails (then put writes the
   * batch as usual, once the failure is handled). The write's outcome (null or its failure), or
   * null when the batch is not queued.
   */
  #queueBehind(records: SinkRecord[]): Promise<unknown> | null {
    const db = this.#db;
    if (!this.#config.putPipelining || this.#pending?.copy !== true || this.#owed !== null || db === null) {
      return null;
    }
    try {
      if (records.length === 0 || !this.#writer.singleStatement(records, db)) return null;
    } catch {
      return null; // the usual path reports it
    }
    return this.#writer.write(records, db, true, true).then(
      () => null,
      (err: unknown) => err ?? new Error('write failed'),
    );
  }

  /**
   * Writes the records, as a batch of their own (in one transaction); throws what failed.
   * `sent` is called once the first statement of the write is sent (`copy` when the write is
   * that one COPY).
   */
  async #write(records: SinkRecord[], sent: (copy: boolean) => void = () => {}): Promise<void> {
    this.#db ??= await this.#connect();
    const db = this.#db;
    await this.#writer.prepare(records, db);
    if (this.#writer.singleStatement(records, db)) {
      // One query that writes every row or none: its own (implicit) transaction, one round trip
      // instead of BEGIN, the statements and COMMIT. Calling write sends it (the driver writes
      // the statement before the first await).
      const writing = this.#writer.write(records, db);
      sent(true);
      await writing;
      return;
    }
    try {
      const writing = this.#inTransaction(db, () => this.#writer.write(records, db));
      sent(false);
      await writing;
    } catch (err) {
      if (!(err instanceof BulkLoadFellBack)) throw err;
      // Rolled back: the same records again as INSERTs, which fail or warn as Confluent's do.
      await this.#inTransaction(db, () => this.#writer.write(records, db, false));
    }
  }

  async #putNow(records: SinkRecord[]): Promise<void> {
    try {
      await this.#write(records);
      this.#remainingRetries = this.#config.maxRetries;
    } catch (err) {
      await this.#failed(records, err);
    }
  }

  /**
   * Waits for the write started by the last put; when it failed, handles the failure as that put
   * would have (errant records reported, or a RetriableError with the batch kept to be written
   * first next time, or the task failed). True when there was no failure to handle.
   */
  async #settle(): Promise<boolean> {
    let clean = true;
    const pending = this.#pending;
    if (pending !== null) {
      this.#pending = null;
      const err = await pending.done;
      if (err === null) this.#remainingRetries = this.#config.maxRetries;
      else {
        clean = false;
        this.#owed = pending.records;
        await this.#failed(pending.records, err);
        this.#owed = null;
      }
    }
    const owed = this.#owed;
    if (owed !== null) {
      clean = false;
      await this.#putNow(owed);
      this.#owed = null;
    }
    return clean;
  }

  /** The offsets given, or, while a batch is not written, no further than its first records. */
  override async preCommit(
    currentOffsets: TopicPartitionMap<OffsetAndMetadata>,
  ): Promise<TopicPartitionMap<OffsetAndMetadata>> {
    try {
      await this.#settle();
      return currentOffsets;
    } catch (err) {
      const owed = this.#owed;
      if (owed === null) throw err;
      // Written (or failed for good) at the next put: the task keeps running until then.
      jdbcLogger().warn(LOGGER, `Offsets held back: ${errorMessage(err)}`);
      return offsetsBefore(currentOffsets, owed);
    }
  }

  override async close(partitions: TopicPartition[]): Promise<void> {
    try {
      await this.#settle();
    } catch {
      // The failed batch's records of these partitions go back to Kafka (their offsets were not
      // committed): whoever gets the partitions next writes them.
      const owed = this.#owed;
      if (owed !== null) {
        const gone = new Set(partitions.map((tp) => `${tp.topic}\u0000${tp.partition}`));
        const kept = owed.filter((r) => !gone.has(`${r.topic}\u0000${r.kafkaPartition ?? 0}`));
        this.#owed = kept.length === 0 ? null : kept;
      }
    }
  }

  async #inTransaction(db: Database, work: () => Promise<void>): Promise<void> {
    await db.begin();
    try {
      await work();
      await db.commit();
    } catch (err) {
      await db.rollback().catch(() => {});
      throw err;
    }
  }

  async #failed(records: SinkRecord[], err: unknown): Promise<void> {
    const first = records[0]!;
    const where = `${records.length} record(s) from ${first.topic}-${first.kafkaPartition}@${first.kafkaOffset}`;
    if (err instanceof ConnectError) throw err; // config/schema problems: retrying would not help
    const message = describeDbError(err, this.#config.password);
    const reporter = this.context?.errantRecordReporter() ?? null;
    if (reporter !== null && isDataError(err) && this.#db !== null) {
      // Find the records at fault: write one at a time, reporting those the database refuses.
      const db = this.#db;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        try {
          try {
            await this.#inTransaction(db, () => this.#writer.write([record], db, false));
          } catch (one) {
            if (one instanceof ConnectError || !isDataError(one)) throw one;
            await reporter.report(
              record,
              new ConnectError(describeDbError(one, this.#config.password), { cause: one }),
            );
          }
        } catch (stopped) {
          // The records before this one are written or reported: a batch kept to be written
          // again (put.pipelining) is what is left, so none of them is written twice.
          if (this.#owed !== null) this.#owed = records.slice(i);
          throw stopped;
        }
      }
      return;
    }
    // The connection may be broken: start afresh on the next attempt.
    const db = this.#db;
    this.#db = null;
    this.#writer.reset();
    await db?.close().catch(() => {});
    if (this.#remainingRetries > 0) {
      this.#remainingRetries--;
      jdbcLogger().warn(
        LOGGER,
        `Write of ${where} failed (${message}); retrying in ${this.#config.retryBackoffMs} ms, ${this.#remainingRetries} retries left`,
      );
      this.context?.timeout(this.#config.retryBackoffMs);
      throw new RetriableError(`Write of ${where} failed: ${message}`, { cause: err });
    }
    throw new ConnectError(
      `Write of ${where} failed after ${this.#config.maxRetries} retries (${MAX_RETRIES}): ${message}`,
      {
        cause: err,
      },
    );
  }

  async stop(): Promise<void> {
    // A write still under way finishes (or fails: its offsets were not committed, the records
    // come back after a restart).
    await this.#pending?.done;
    this.#pending = null;
    const db = this.#db;
    this.#db = null;
    await db?.close().catch(() => {});
  }
}

/** SQL errors about the data (constraint, type, value range), as opposed to the connection. */
export function isDataError(err: unknown): boolean {
  const e = err as { code?: string; sqlState?: string; errcode?: string };
  const state =
    e?.sqlState ?? (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined);
  if (state !== undefined && (state.startsWith('22') || state.startsWith('23'))) return true;
  if (
    typeof e?.code === 'string' &&
    /^ER_(DATA|TRUNCATED|BAD_NULL|DUP_ENTRY|NO_REFERENCED|ROW_IS_REFERENCED|WARN_DATA|CHECK_CONSTRAINT)/.test(
      e.code,
    )
  ) {
    return true;
  }
  return (
    typeof e?.code === 'string' &&
    /^ERR_SQLITE_ERROR$/.test(e.code) &&
    /constraint/i.test(String((err as Error).message))
  );
}

/**
 * The offsets that may be committed while these records are not written: for each of their
 * partitions, no further than the first of them.
 */
function offsetsBefore(
  current: TopicPartitionMap<OffsetAndMetadata>,
  records: readonly SinkRecord[],
): TopicPartitionMap<OffsetAndMetadata> {
  const out = new TopicPartitionMap<OffsetAndMetadata>(current);
  for (const r of records) {
    const tp = new TopicPartition(r.topic, r.kafkaPartition ?? 0);
    const om = out.get(tp);
    if (om !== undefined && r.kafkaOffset < om.offset) out.set(tp, { ...om, offset: r.kafkaOffset });
  }
  return out;
}

/** Whether two batches hold the same records (topic, partition, offset), in the same order. */
function sameBatch(a: readonly SinkRecord[], b: readonly SinkRecord[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.topic !== y.topic || x.kafkaPartition !== y.kafkaPartition || x.kafkaOffset !== y.kafkaOffset) {
      return false;
    }
  }
  return true;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
