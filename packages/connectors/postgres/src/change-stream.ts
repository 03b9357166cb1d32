/**
 * Turns the decoded pgoutput stream into change-event records and keeps the source offset the way
 * Debezium's PostgreSQL streaming source does (digest §1.8):
 *
 * - a data event's offset is `{ts_usec, txId, lsn, lsn_proc, lsn_commit, messageType,
 *   lsn_events_processed}`, where `lsn`/`lsn_proc` are the event's LSN (the XLogData start),
 *   `lsn_commit` the end LSN of the last *committed* transaction before it, and
 *   `lsn_events_processed` counts events already emitted at that same LSN;
 * - a commit moves `lsn`, `lsn_proc` and `lsn_commit` to the commit's end LSN (messageType
 *   `COMMIT`); heartbeats carry that offset.
 *
 * On restart the stored offset becomes a resume filter: transactions that committed before the
 * stored `lsn_commit` are dropped, and in the stored transaction the events up to the stored LSN
 * (and count at that LSN) are dropped, so a transaction the server re-sends (its commit was never
 * confirmed) is not emitted twice.
 */

import { ConnectError, type SourceMap, type SourceRecord } from '@sluice/api';
import type pg from 'pg';
import {
  createRecord,
  deleteRecords,
  type EventContext,
  truncateRecord,
  updateRecords,
} from './change-records.ts';
import { transactionStruct } from './envelope.ts';
import { lsnFromOffset, lsnToNumber } from './lsn.ts';
import {
  type PgOutputMessage,
  pgTimestampToUnixMicros,
  type RelationColumn,
  type TupleValue,
} from './pgoutput-decoder.ts';
import type { PostgresConnectorConfig } from './postgres-connector-config.ts';
import {
  readTableMetadata,
  type TableMetadata,
  TableSchema,
  type TextRow,
  tableIncluded,
} from './table-schema.ts';
import type { TypeRegistry } from './type-registry.ts';

type MessageType = 'BEGIN' | 'COMMIT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

interface Relation {
  columns: RelationColumn[];
  /** null when the table is not captured (filtered out). */
  table: TableSchema | null;
}

interface Transaction {
  xid: number;
  finalLsn: bigint;
  commitMicros: bigint;
  origin: string | null;
  originLsn: number | null;
  skip: boolean;
  totalOrder: number;
  perTable: Map<string, number>;
}

/** What a stored offset says about where to resume. */
export interface ResumePosition {
  /** End LSN of the last completely emitted transaction (`lsn_commit`), if known. */
  lastCommitLsn: bigint | null;
  /** The transaction of the last emitted event, when it was a data event. */
  txId: number | null;
  lsn: bigint | null;
  eventsAtLsn: number;
  messageType: string | null;
}

/** The resume position of a stored Debezium offset. */
export function resumePosition(offset: SourceMap): ResumePosition {
  const txId = offset.txId;
  const events = offset.lsn_events_processed;
  return {
    lastCommitLsn: lsnFromOffset(offset.lsn_commit),
    txId: typeof txId === 'number' ? txId : null,
    lsn: lsnFromOffset(offset.lsn_proc) ?? lsnFromOffset(offset.lsn),
    eventsAtLsn: typeof events === 'number' ? events : 0,
    messageType: typeof offset.messageType === 'string' ? offset.messageType : null,
  };
}

export interface ChangeStreamOptions {
  config: PostgresConnectorConfig;
  types: TypeRegistry;
  /** An ordinary connection, for catalog lookups when a Relation message arrives. */
  catalog: pg.Client;
  partition: SourceMap;
  version: string;
  resume: ResumePosition | null;
}

export class ChangeStream {
  readonly #o: ChangeStreamOptions;
  readonly #relations = new Map<number, Relation>();
  #tx: Transaction | null = null;
  #lastCommitLsn: bigint | null;
  #lastLsn: bigint | null = null;
  #eventsAtLsn = 0;
  #offset: Record<string, unknown> | null = null;
  readonly #resume: ResumePosition | null;

  constructor(options: ChangeStreamOptions) {
    this.#o = options;
    this.#resume = options.resume;
    this.#lastCommitLsn = options.resume?.lastCommitLsn ?? null;
  }

  /** The offset after the last processed message (for heartbeats), or null before any. */
  get offset(): SourceMap | null {
    return this.#offset;
  }

  /** The end LSN of the last commit seen. */
  get lastCommitLsn(): bigint | null {
    return this.#lastCommitLsn;
  }

  /** True between Begin and Commit. */
  get inTransaction(): boolean {
    return this.#tx !== null;
  }

  /**
   * Processes one pgoutput message that arrived in an XLogData frame starting at `walStart`,
   * appending the records it produces to `out`.
   */
  async process(message: PgOutputMessage, walStart: bigint, out: SourceRecord[]): Promise<void> {
    switch (message.type) {
      case 'begin':
        this.#tx = {
          xid: message.xid,
          finalLsn: message.finalLsn,
          commitMicros: pgTimestampToUnixMicros(message.commitTime),
          origin: null,
          originLsn: null,
          skip: this.#resume?.lastCommitLsn != null && message.finalLsn < this.#resume.lastCommitLsn,
          totalOrder: 0,
          perTable: new Map(),
        };
        return;
      case 'origin':
        if (this.#tx !== null) {
          this.#tx.origin = message.name;
          this.#tx.originLsn = lsnToNumber(message.originLsn);
        }
        return;
      case 'commit': {
        const tx = this.#tx;
        this.#tx = null;
        this.#lastCommitLsn = message.endLsn;
        this.#lastLsn = message.endLsn;
        this.#eventsAtLsn = 0;
        const end = lsnToNumber(message.endLsn);
        this.#offset = {
          ts_usec: Number(pgTimestampToUnixMicros(message.commitTime)),
          ...(tx === null ? {} : { txId: tx.xid }),
          lsn: end,
          lsn_proc: end,
          lsn_commit: end,
          messageType: 'COMMIT' satisfies MessageType,
        };
        return;
      }
      case 'relation':
        await this.#relation(message.relationId, message.namespace, message.name, message.columns);
        return;
      case 'type':
        if (!this.#o.types.has(message.typeOid)) await this.#o.types.load(this.#o.catalog);
        return;
      case 'insert':
      case 'update':
      case 'delete':
        this.#dml(message, walStart, out);
        return;
      case 'truncate':
        this.#truncate(message.relationIds, walStart, out);
        return;
      case 'message':
        return;
    }
  }

  async #relation(
    relationId: number,
    namespace: string,
    name: string,
    columns: RelationColumn[],
  ): Promise<void> {
    const config = this.#o.config;
    if (!tableIncluded(config, namespace, name)) {
      this.#relations.set(relationId, { columns, table: null });
      return;
    }
    for (const c of columns) {
      if (!this.#o.types.has(c.typeOid)) {
        await this.#o.types.load(this.#o.catalog);
        break;
      }
    }
    const catalog = await readTableMetadata(this.#o.catalog, relationId);
    const byName = new Map((catalog?.columns ?? []).map((c) => [c.name, c]));
    const meta: TableMetadata = {
      oid: relationId,
      schema: namespace,
      name,
      // The relation message is authoritative for the columns and their order in tuples.
      columns: columns.map((c) => ({
        name: c.name,
        typeOid: c.typeOid,
        typeModifier: c.typeModifier,
        optional: byName.get(c.name)?.optional ?? true,
        comment: byName.get(c.name)?.comment ?? null,
      })),
      primaryKey: catalog?.primaryKey ?? [],
      replicaIdentityIndex: catalog?.replicaIdentityIndex ?? [],
      replicaIdentity: catalog?.replicaIdentity ?? 'd',
    };
    this.#relations.set(relationId, { columns, table: new TableSchema(meta, config, this.#o.types) });
  }

  #relationFor(relationId: number): Relation {
    const relation = this.#relations.get(relationId);
    if (relation === undefined) {
      throw new ConnectError(`pgoutput sent a change for relation ${relationId} before its Relation message`);
    }
    return relation;
  }

  /** Whether the resume filter drops this event, and the count of events at its LSN. */
  #countAndFilter(tx: Transaction, lsn: bigint): boolean {
    if (this.#lastLsn !== null && this.#lastLsn === lsn) this.#eventsAtLsn++;
    else {
      this.#eventsAtLsn = 1;
      this.#lastLsn = lsn;
    }
    if (tx.skip) return true;
    const r = this.#resume;
    if (r === null || r.txId !== tx.xid || r.lsn === null) return false;
    if (r.messageType === 'COMMIT') return true;
    if (lsn < r.lsn) return true;
    return lsn === r.lsn && this.#eventsAtLsn <= r.eventsAtLsn;
  }

  #context(tx: Transaction, table: TableSchema, lsn: bigint, type: MessageType): EventContext {
    const config = this.#o.config;
    const lsnNumber = lsnToNumber(lsn);
    const lastCommit = this.#lastCommitLsn === null ? null : lsnToNumber(this.#lastCommitLsn);
    const offset: Record<string, unknown> = {
      ts_usec: Number(tx.commitMicros),
      txId: tx.xid,
      lsn: lsnNumber,
      lsn_proc: lsnNumber,
      ...(lastCommit === null ? {} : { lsn_commit: lastCommit }),
      messageType: type,
      lsn_events_processed: this.#eventsAtLsn,
    };
    this.#offset = offset;
    let transaction = null;
    if (config.provideTransactionMetadata) {
      tx.totalOrder++;
      const perTable = (tx.perTable.get(table.topic) ?? 0) + 1;
      tx.perTable.set(table.topic, perTable);
      transaction = transactionStruct(`${tx.xid}:${lsnToNumber(tx.finalLsn)}`, tx.totalOrder, perTable);
    }
    return {
      partition: this.#o.partition,
      offset,
      tombstonesOnDelete: config.tombstonesOnDelete,
      transaction,
      source: {
        version: this.#o.version,
        serverName: config.topicPrefix,
        db: config.databaseName,
        schema: table.schemaName,
        table: table.tableName,
        tsMicros: tx.commitMicros,
        snapshot: 'false',
        lastCommitLsn: lastCommit,
        lsn: lsnNumber,
        txId: tx.xid,
        origin: tx.origin,
        originLsn: tx.originLsn,
      },
    };
  }

  #dml(
    message: Extract<PgOutputMessage, { type: 'insert' | 'update' | 'delete' }>,
    lsn: bigint,
    out: SourceRecord[],
  ): void {
    const tx = this.#tx;
    if (tx === null) throw new ConnectError(`pgoutput sent a ${message.type} outside a transaction`);
    const relation = this.#relationFor(message.relationId);
    const dropped = this.#countAndFilter(tx, lsn);
    const table = relation.table;
    if (table === null || dropped) return;
    const skipped = this.#o.config.skippedOperations;
    switch (message.type) {
      case 'insert':
        if (skipped.has('c')) return;
        out.push(
          createRecord(table, this.#context(tx, table, lsn, 'INSERT'), textRow(message.newTuple, null)),
        );
        return;
      case 'update': {
        if (skipped.has('u')) return;
        const oldRow = message.oldTuple === null ? null : textRow(message.oldTuple, null);
        const newRow = textRow(message.newTuple, oldRow);
        updateRecords(table, this.#context(tx, table, lsn, 'UPDATE'), oldRow, newRow, out);
        return;
      }
      case 'delete':
        if (skipped.has('d')) return;
        deleteRecords(table, this.#context(tx, table, lsn, 'DELETE'), textRow(message.oldTuple, null), out);
        return;
    }
  }

  #truncate(relationIds: number[], lsn: bigint, out: SourceRecord[]): void {
    const tx = this.#tx;
    if (tx === null) throw new ConnectError('pgoutput sent a truncate outside a transaction');
    for (const id of relationIds) {
      const relation = this.#relationFor(id);
      const dropped = this.#countAndFilter(tx, lsn);
      if (relation.table === null || dropped || this.#o.config.skippedOperations.has('t')) continue;
      out.push(truncateRecord(relation.table, this.#context(tx, relation.table, lsn, 'TRUNCATE')));
    }
  }
}

/**
 * The text values of a tuple; an unchanged TOASTed value is taken from `fallback` (the old row
 * under REPLICA IDENTITY FULL) when it has one, else left undefined (placeholder).
 */
function textRow(tuple: TupleValue[], fallback: TextRow | null): TextRow {
  return tuple.map((v, i) => {
    switch (v.kind) {
      case 'null':
        return null;
      case 'text':
        return v.text;
      case 'binary':
        return v.bytes.toString('utf8');
      default: {
        const old = fallback?.[i];
        return typeof old === 'string' ? old : undefined;
      }
    }
  });
}
