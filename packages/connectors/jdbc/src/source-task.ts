/**
 * `io.confluent.connect.jdbc.source.JdbcSourceTask`: polls its tables (or the query) each
 * `poll.interval.ms`, at most `batch.max.rows` records per poll, keeping a result set open across
 * polls while it has rows, so a large table is streamed, never loaded whole.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectError, type SourceMap, type SourceRecord, SourceTask, type StringMap } from '@sluice/api';
import { SourceConfig, TASK_TABLES } from './config.ts';
import { applyIsolationMode, connectWithRetries, describeDbError } from './connect.ts';
import type { Database } from './database.ts';
import { jdbcLogger } from './log.ts';
import type { TableId } from './sql.ts';
import { legacyPartition, sourcePartition, TableQuerier } from './table-querier.ts';
import { VERSION } from './version.ts';

const LOGGER = 'io.confluent.connect.jdbc.source.JdbcSourceTask';
/** The longest a poll waits for the next due table, so stop() is never kept waiting. */
const MAX_IDLE_WAIT_MS = 500;

export class JdbcSourceTask extends SourceTask {
  #config!: SourceConfig;
  #db: Database | null = null;
  #queriers: TableQuerier[] = [];
  #stopped = false;
  #polling: Promise<unknown> = Promise.resolve();

  version(): string {
    return VERSION;
  }

  async start(props: StringMap): Promise<void> {
    this.#config = new SourceConfig(props);
    this.#stopped = false;
    const tables: TableId[] =
      this.#config.query !== '' ? [] : (JSON.parse(props[TASK_TABLES] ?? '[]') as TableId[]);
    const targets: Array<TableId | null> = this.#config.query !== '' ? [null] : tables;
    // Each table's offset under its protocol-1 partition, else under the legacy protocol-0 one
    // (`{"table":"name"}`) that older Confluent versions wrote, as Confluent's task looks them up.
    const candidates = targets.map((t) => [sourcePartition(t), ...(t === null ? [] : [legacyPartition(t)])]);
    const stored = new Map<string, SourceMap | null>();
    const reader = this.context?.offsetStorageReader();
    if (reader !== undefined && candidates.length > 0) {
      for (const { partition, offset } of await reader.offsets(candidates.flat())) {
        stored.set(JSON.stringify(partition), offset);
      }
    }
    this.#queriers = targets.map((t, i) => {
      let offset: SourceMap | null = null;
      for (const partition of candidates[i]!) {
        offset = stored.get(JSON.stringify(partition)) ?? null;
        if (offset !== null) break;
      }
      return new TableQuerier(this.#config, t, offset);
    });
    this.#db = await this.#connect();
    if (this.#queriers.length === 0) {
      jdbcLogger().info(LOGGER, 'No tables assigned to this task; it stays idle until tables appear');
    }
  }

  async poll(): Promise<SourceRecord[] | null> {
    const run = this.#poll();
    this.#polling = run.catch(() => {});
    return await run;
  }

  async #poll(): Promise<SourceRecord[] | null> {
    if (this.#stopped || this.#queriers.length === 0) {
      await sleep(MAX_IDLE_WAIT_MS);
      return null;
    }
    // A table whose result set is still open goes on; otherwise the one due soonest.
    let querier = this.#queriers.find((q) => q.streaming);
    if (querier === undefined) {
      querier = this.#queriers.reduce((a, b) => (b.nextUpdate < a.nextUpdate ? b : a));
      const wait = querier.nextUpdate - Date.now();
      if (wait > 0) {
        await sleep(Math.min(wait, MAX_IDLE_WAIT_MS));
        return null;
      }
    }
    const db = await this.#connection();
    const records: SourceRecord[] = [];
    try {
      await querier.startQuery(db);
      while (records.length < this.#config.batchMaxRows && !this.#stopped) {
        const batch = await querier.nextBatch(this.#config.batchMaxRows - records.length);
        if (batch.length === 0) {
          querier.nextUpdate = Date.now() + this.#config.pollIntervalMs;
          break;
        }
        for (const record of batch) records.push(record);
      }
    } catch (err) {
      await querier.close().catch(() => {});
      if (err instanceof ConnectError) throw err;
      // The connection may be gone: drop it, and let the next poll reconnect (with back-off).
      await this.#dropConnection();
      const where = querier.table === null ? 'the query' : `table ${querier.partition.table as string}`;
      jdbcLogger().warn(
        LOGGER,
        `Failed to read ${where}: ${describeDbError(err, this.#config.password)}; retrying`,
      );
      querier.nextUpdate = Date.now() + Math.min(this.#config.backoffMs, this.#config.pollIntervalMs);
      return records.length > 0 ? records : null;
    }
    return records;
  }

  async #connection(): Promise<Database> {
    if (this.#db === null) this.#db = await this.#connect();
    return this.#db;
  }

  /** A new connection, its session at `transaction.isolation.mode`. */
  async #connect(): Promise<Database> {
    const db = await connectWithRetries(this.#config, () => this.#stopped);
    await applyIsolationMode(db, this.#config.isolationMode);
    return db;
  }

  async #dropConnection(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    await db?.close().catch(() => {});
    for (const q of this.#queriers) await q.close().catch(() => {});
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#polling;
    await this.#dropConnection();
  }
}
