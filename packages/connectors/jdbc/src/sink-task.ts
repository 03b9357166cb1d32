/**
 * `io.confluent.connect.jdbc.sink.JdbcSinkTask`: each `put` is written in one transaction (after
 * any CREATE/ALTER its records need). A failure rolls the transaction back; while `max.retries`
 * lasts the batch is redelivered after `retry.backoff.ms` (RetriableError + `context.timeout`),
 * then the task fails with the database's message. With an errant record reporter
 * (`errors.tolerance=all`), records that the database refuses one at a time are reported and
 * the others written.
 */

import { ConnectError, RetriableError, type SinkRecord, SinkTask, type StringMap } from '@sluice/api';
import { MAX_RETRIES, SinkConfig } from './config.ts';
import { connectWithRetries, describeDbError } from './connect.ts';
import type { Database } from './database.ts';
import { jdbcLogger } from './log.ts';
import { BulkLoadFellBack, SinkWriter } from './sink-writer.ts';
import { VERSION } from './version.ts';

const LOGGER = 'io.confluent.connect.jdbc.sink.JdbcSinkTask';

export class JdbcSinkTask extends SinkTask {
  #config!: SinkConfig;
  #writer!: SinkWriter;
  #db: Database | null = null;
  #remainingRetries = 0;

  version(): string {
    return VERSION;
  }

  async start(props: StringMap): Promise<void> {
    this.#config = new SinkConfig(props);
    this.#writer = new SinkWriter(this.#config);
    this.#remainingRetries = this.#config.maxRetries;
    this.#db = await connectWithRetries(this.#config);
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      this.#db ??= await connectWithRetries(this.#config);
      const db = this.#db;
      await this.#writer.prepare(records, db);
      try {
        await this.#inTransaction(db, () => this.#writer.write(records, db));
      } catch (err) {
        if (!(err instanceof BulkLoadFellBack)) throw err;
        // Rolled back: the same records again as INSERTs, which fail or warn as Confluent's do.
        await this.#inTransaction(db, () => this.#writer.write(records, db, false));
      }
      this.#remainingRetries = this.#config.maxRetries;
    } catch (err) {
      await this.#failed(records, err);
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
      for (const record of records) {
        try {
          await this.#inTransaction(db, () => this.#writer.write([record], db, false));
        } catch (one) {
          if (one instanceof ConnectError || !isDataError(one)) throw one;
          await reporter.report(
            record,
            new ConnectError(describeDbError(one, this.#config.password), { cause: one }),
          );
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
