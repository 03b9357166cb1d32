/**
 * The initial snapshot: reads every captured table inside one REPEATABLE READ transaction (at the
 * replication slot's exported snapshot when there is one), through a cursor of
 * `snapshot.fetch.size` rows, and turns rows into `op: r` records. Debezium's markers:
 * `source.snapshot` is `first` for the first record, `first_in_data_collection` /
 * `last_in_data_collection` at table boundaries, `last` for the final record (later tables being empty) and `true` otherwise;
 * offsets carry `snapshot: "INITIAL"`, `last_snapshot_record` and `snapshot_completed: false`.
 */

import type { SourceMap, SourceRecord } from '@sluice/api';
import type pg from 'pg';
import { type DebeziumContext, type EventContext, readRecord } from './change-records.ts';
import type { SnapshotMarker } from './envelope.ts';
import type { PostgresConnectorConfig } from './postgres-connector-config.ts';
import { quoteIdent } from './replication-connection.ts';
import type { SnapshotProgress } from './snapshot-progress.ts';
import { readTableMetadata, TableSchema, type TextRow, tableIncluded } from './table-schema.ts';
import type { TypeRegistry } from './type-registry.ts';

interface SnapshotTable {
  oid: number;
  schema: string;
  name: string;
}

/** The captured tables (ordinary and partitioned tables' leaves), in schema/name order. */
export async function capturedTables(
  client: pg.Client,
  config: PostgresConnectorConfig,
): Promise<SnapshotTable[]> {
  const res = await client.query(
    `SELECT c.oid::int8 AS oid, n.nspname, c.relname
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
      ORDER BY n.nspname, c.relname`,
  );
  return (res.rows as Array<{ oid: string; nspname: string; relname: string }>)
    .map((r) => ({ oid: Number(r.oid), schema: r.nspname, name: r.relname }))
    .filter((t) => tableIncluded(config, t.schema, t.name));
}

export interface SnapshotOptions {
  client: pg.Client;
  config: PostgresConnectorConfig;
  types: TypeRegistry;
  partition: SourceMap;
  /** Debezium's context headers of this task run (null: `extended.headers.enabled=false`). */
  context: DebeziumContext | null;
  version: string;
  /** The LSN the snapshot is consistent with. */
  lsn: number;
  txId: number;
  tables: SnapshotTable[];
  /** Told of each table's start and end and of the rows read, for the log. */
  progress?: SnapshotProgress;
}

const CURSOR = 'sluice_snapshot_cursor';

export class SnapshotReader {
  readonly #o: SnapshotOptions;
  #tableIndex = -1;
  #table: TableSchema | null = null;
  #buffer: string[][] = [];
  #exhausted = true;
  #firstInTable = true;
  #emitted = 0;
  #readMicros = 0n;
  #done = false;
  /** Records made since the progress was last told. */
  #unreported = 0;

  constructor(options: SnapshotOptions) {
    this.#o = options;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Up to `max` records; an empty array only when the snapshot is done. */
  async next(max: number): Promise<SourceRecord[]> {
    const out: SourceRecord[] = [];
    while (out.length < max && !this.#done) {
      if (this.#table === null || (this.#exhausted && this.#buffer.length === 0)) {
        await this.#nextTable();
        continue;
      }
      if (this.#buffer.length < 2 && !this.#exhausted) {
        await this.#fetch();
        continue;
      }
      const row = this.#buffer.shift()!;
      const lastInTable = this.#exhausted && this.#buffer.length === 0;
      const last = lastInTable && (await this.#restEmpty());
      out.push(this.#record(row, lastInTable, last));
      this.#unreported++;
      this.#firstInTable = false;
    }
    this.#reportRows();
    return out;
  }

  #reportRows(): void {
    if (this.#unreported === 0) return;
    this.#o.progress?.rows(this.#unreported);
    this.#unreported = 0;
  }

  async #nextTable(): Promise<void> {
    const client = this.#o.client;
    if (this.#table !== null) {
      this.#reportRows();
      this.#o.progress?.tableFinished();
      await client.query(`CLOSE ${CURSOR}`);
    }
    this.#table = null;
    this.#tableIndex++;
    const entry = this.#o.tables[this.#tableIndex];
    if (entry === undefined) {
      this.#done = true;
      return;
    }
    const meta = await readTableMetadata(client, entry.oid);
    if (meta === null) return;
    const table = new TableSchema(meta, this.#o.config, this.#o.types);
    const columns = meta.columns.map((c) => quoteIdent(c.name)).join(', ');
    await client.query(
      `DECLARE ${CURSOR} NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoteIdent(meta.schema)}.${quoteIdent(meta.name)}`,
    );
    this.#table = table;
    this.#o.progress?.tableStarted(this.#tableIndex);
    this.#buffer = [];
    this.#exhausted = false;
    this.#firstInTable = true;
    this.#readMicros = BigInt(Date.now()) * 1000n;
  }

  async #fetch(): Promise<void> {
    const size = this.#o.config.snapshotFetchSize;
    const res = await this.#o.client.query({
      text: `FETCH FORWARD ${size} FROM ${CURSOR}`,
      rowMode: 'array',
    });
    for (const row of res.rows as string[][]) this.#buffer.push(row);
    if (res.rows.length < size) this.#exhausted = true;
  }

  /**
   * True when no table after the current one has a row (in the snapshot's transaction): the
   * current table's last row is then the snapshot's last record, as Debezium marks it.
   */
  async #restEmpty(): Promise<boolean> {
    for (let i = this.#tableIndex + 1; i < this.#o.tables.length; i++) {
      const entry = this.#o.tables[i]!;
      const exists = await this.#o.client.query('SELECT 1 FROM pg_catalog.pg_class WHERE oid = $1', [
        entry.oid,
      ]);
      if (exists.rowCount === 0) continue;
      const rows = await this.#o.client.query(
        `SELECT 1 FROM ${quoteIdent(entry.schema)}.${quoteIdent(entry.name)} LIMIT 1`,
      );
      if ((rows.rowCount ?? 0) > 0) return false;
    }
    return true;
  }

  #record(row: TextRow, lastInTable: boolean, last: boolean): SourceRecord {
    const table = this.#table!;
    const firstTable = this.#emitted === 0;
    let marker: SnapshotMarker;
    if (last) marker = 'last';
    else if (this.#firstInTable && firstTable) marker = 'first';
    else if (lastInTable) marker = 'last_in_data_collection';
    else if (this.#firstInTable) marker = 'first_in_data_collection';
    else marker = 'true';
    this.#emitted++;
    const ctx: EventContext = {
      partition: this.#o.partition,
      context: this.#o.context,
      offset: {
        ts_usec: Number(this.#readMicros),
        txId: this.#o.txId,
        lsn: this.#o.lsn,
        snapshot: 'INITIAL',
        last_snapshot_record: marker === 'last',
        snapshot_completed: false,
      },
      tombstonesOnDelete: false,
      transaction: null,
      precedingOffset: null,
      nextEvent: null,
      source: {
        version: this.#o.version,
        serverName: this.#o.config.topicPrefix,
        db: this.#o.config.databaseName,
        schema: table.schemaName,
        table: table.tableName,
        tsMicros: this.#readMicros,
        snapshot: marker,
        lastCommitLsn: null,
        lsn: this.#o.lsn,
        txId: this.#o.txId,
        origin: null,
        originLsn: null,
      },
    };
    return readRecord(table, ctx, row);
  }
}
