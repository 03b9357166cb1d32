/**
 * Turns the decoded pgoutput stream into change-event records and keeps the source offset the way
 * Debezium's PostgreSQL streaming source does (digest §1.8):
 *
 * - a data event's offset is `{ts_usec, txId, lsn, lsn_proc, lsn_commit, messageType}` (the keys
 *   Debezium 3.6.1 writes), where `lsn`/`lsn_proc` are the event's LSN (the XLogData start) and
 *   `lsn_commit` the end LSN of the last *committed* transaction before it;
 * - a commit moves `lsn`, `lsn_proc` and `lsn_commit` to the commit's end LSN (messageType
 *   `COMMIT`); heartbeats carry that offset.
 *
 * On restart the stored offset becomes a resume filter: transactions that committed before the
 * stored `lsn_commit` are dropped, and in the stored transaction the events up to and including
 * the stored LSN are dropped, so a transaction the server re-sends (its commit was never
 * confirmed) is not emitted twice. One WAL change can give several records at one LSN (a key
 * change: delete, tombstone, create; a delete and its tombstone; a TRUNCATE of several tables):
 * only the last of them carries the change's offset, the others carry the offset before the
 * change, so a restart after part of them reached Kafka emits the whole change again rather than
 * losing its tail. (Offsets written by earlier Sluice versions carry `lsn_events_processed`, the
 * count of events emitted at the stored LSN; it is still honoured when present.)
 */

import { ConnectError, javaHashMapEntries, type SourceMap, type SourceRecord } from '@sluice/api';
import type pg from 'pg';
import {
  createRecord,
  type DebeziumContext,
  deleteRecords,
  type EventContext,
  transactionRecord,
  truncateRecord,
  updateRecords,
} from './change-records.ts';
import { transactionBeginStruct, transactionEndStruct, transactionStruct } from './envelope.ts';
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
  /**
   * Debezium's transaction id of the last event: `<xid>:<LSN>`, the LSN being the event's (the
   * BEGIN's: its frame's; the END's: the commit's end LSN).
   */
  id: string;
  finalLsn: bigint;
  commitMicros: bigint;
  commitMicrosNumber: number;
  origin: string | null;
  originLsn: number | null;
  skip: boolean;
  totalOrder: number;
  /** Events per data collection (`<schema>.<table>`), for the transaction block and END. */
  perTable: Map<string, number>;
}

/** Offset keys of the transaction context (Debezium's `TransactionContext.store`). */
const OFFSET_TRANSACTION_ID = 'transaction_id';
const OFFSET_COLLECTION_ORDER_PREFIX = 'transaction_data_collection_order_';

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
    // Without the count (Debezium's offsets, Sluice's own since 0.2) every event at the stored LSN was emitted.
    eventsAtLsn: typeof events === 'number' ? events : Number.MAX_SAFE_INTEGER,
    messageType: typeof offset.messageType === 'string' ? offset.messageType : null,
  };
}

export interface ChangeStreamOptions {
  config: PostgresConnectorConfig;
  types: TypeRegistry;
  /** An ordinary connection, for catalog lookups when a Relation message arrives. */
  catalog: pg.Client;
  partition: SourceMap;
  /** Debezium's context headers of this task run (null: `extended.headers.enabled=false`). */
  context: DebeziumContext | null;
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
  readonly #transactionTopic: string;

  constructor(options: ChangeStreamOptions) {
    this.#o = options;
    this.#transactionTopic = `${options.config.topicPrefix}.transaction`;
    this.#resume = options.resume;
    this.#lastCommitLsn = options.resume?.lastCommitLsn ?? null;
  }

  /**
   * The offset after the last processed message, or null before any: the offset of the last
   * record this stream emitted, or a later position that emitted nothing (a commit, a skipped
   * or filtered change, an idle advance). Heartbeats carry it, and a reconnect resumes from it.
   */
  get offset(): SourceMap | null {
    return this.#offset;
  }

  /** The end LSN of the last commit seen. */
  get lastCommitLsn(): bigint | null {
    return this.#lastCommitLsn;
  }

  /**
   * Moves the offset to `lsn` when the stream is idle there: every transaction that committed
   * before `lsn` has been processed (the caller knows no frame is waiting and the server reported
   * `lsn` in a keepalive after the last frame). Used by heartbeats, so WAL written for tables
   * that are not captured (or not published) can be released. No-op inside a transaction or when
   * `lsn` is not ahead of the current position.
   */
  advanceIdle(lsn: bigint): void {
    if (this.#tx !== null) return;
    if (this.#lastCommitLsn !== null && lsn <= this.#lastCommitLsn) return;
    const position = lsnToNumber(lsn);
    const previous = this.#offset;
    this.#lastCommitLsn = lsn;
    this.#lastLsn = lsn;
    this.#eventsAtLsn = 0;
    this.#offset = {
      ts_usec: typeof previous?.ts_usec === 'number' ? previous.ts_usec : Date.now() * 1000,
      lsn: position,
      lsn_proc: position,
      lsn_commit: position,
      messageType: 'COMMIT' satisfies MessageType,
    };
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
      case 'begin': {
        const tx: Transaction = {
          xid: message.xid,
          id: `${message.xid}:${lsnToNumber(walStart)}`,
          finalLsn: message.finalLsn,
          commitMicros: pgTimestampToUnixMicros(message.commitTime),
          commitMicrosNumber: Number(pgTimestampToUnixMicros(message.commitTime)),
          origin: null,
          originLsn: null,
          skip: this.#resume?.lastCommitLsn != null && message.finalLsn < this.#resume.lastCommitLsn,
          totalOrder: 0,
          perTable: new Map(),
        };
        this.#tx = tx;
        // A resumed transaction (the stored offset lies inside it) had its BEGIN emitted already.
        if (this.#o.config.provideTransactionMetadata && !tx.skip && this.#resume?.txId !== tx.xid) {
          const lsn = lsnToNumber(walStart);
          const lastCommit = this.#lastCommitLsn === null ? null : lsnToNumber(this.#lastCommitLsn);
          const offset: Record<string, unknown> = {
            ts_usec: Number(tx.commitMicros),
            txId: tx.xid,
            lsn,
            lsn_proc: lsn,
            ...(lastCommit === null ? {} : { lsn_commit: lastCommit }),
            messageType: 'BEGIN' satisfies MessageType,
            [OFFSET_TRANSACTION_ID]: tx.id,
          };
          // The offset follows every emitted record, so a reconnect resumes after this BEGIN.
          this.#offset = offset;
          out.push(
            transactionRecord(
              this.#transactionTopic,
              this.#o.partition,
              offset,
              tx.id,
              transactionBeginStruct(tx.id, commitMillis(tx.commitMicros)),
            ),
          );
        }
        return;
      }
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
        const commitMicros = pgTimestampToUnixMicros(message.commitTime);
        this.#offset = {
          ts_usec: Number(commitMicros),
          ...(tx === null ? {} : { txId: tx.xid }),
          lsn: end,
          lsn_proc: end,
          lsn_commit: end,
          messageType: 'COMMIT' satisfies MessageType,
        };
        if (this.#o.config.provideTransactionMetadata && tx !== null && !tx.skip) {
          tx.id = `${tx.xid}:${end}`;
          out.push(
            transactionRecord(
              this.#transactionTopic,
              this.#o.partition,
              withTransactionKeys(this.#offset, tx),
              tx.id,
              // Debezium lists the collections in the order of its HashMap of them.
              transactionEndStruct(
                tx.id,
                commitMillis(commitMicros),
                new Map(javaHashMapEntries(tx.perTable)),
              ),
            ),
          );
        }
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
        defaultExpression: byName.get(c.name)?.defaultExpression ?? null,
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
    // A stored BEGIN (transaction metadata) shares its LSN with the first change, not yet emitted.
    if (r.messageType === 'BEGIN') return false;
    if (lsn < r.lsn) return true;
    return lsn === r.lsn && this.#eventsAtLsn <= r.eventsAtLsn;
  }

  #context(tx: Transaction, table: TableSchema, lsn: bigint, type: MessageType): EventContext {
    const config = this.#o.config;
    const lsnNumber = lsnToNumber(lsn);
    const lastCommit = this.#lastCommitLsn === null ? null : lsnToNumber(this.#lastCommitLsn);
    const preceding = this.#offset;
    // Two literal shapes rather than a conditional spread: this runs once per event.
    let offset: Record<string, unknown> =
      lastCommit === null
        ? {
            ts_usec: tx.commitMicrosNumber,
            txId: tx.xid,
            lsn: lsnNumber,
            lsn_proc: lsnNumber,
            messageType: type,
          }
        : {
            ts_usec: tx.commitMicrosNumber,
            txId: tx.xid,
            lsn: lsnNumber,
            lsn_proc: lsnNumber,
            lsn_commit: lastCommit,
            messageType: type,
          };
    let transaction = null;
    let nextEvent: EventContext['nextEvent'] = null;
    if (config.provideTransactionMetadata) {
      const collection = `${table.schemaName}.${table.tableName}`;
      tx.id = `${tx.xid}:${lsnNumber}`;
      const count = () => {
        tx.totalOrder++;
        const perTable = (tx.perTable.get(collection) ?? 0) + 1;
        tx.perTable.set(collection, perTable);
        return transactionStruct(tx.id, tx.totalOrder, perTable);
      };
      transaction = count();
      const base = offset;
      offset = withTransactionKeys(base, tx);
      nextEvent = () => {
        const next = { transaction: count(), offset: withTransactionKeys(base, tx) };
        this.#offset = next.offset;
        return next;
      };
    }
    this.#offset = offset;
    return {
      partition: this.#o.partition,
      context: this.#o.context,
      offset,
      precedingOffset: preceding,
      nextEvent,
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
    const preceding = this.#offset;
    const records: Array<{ table: TableSchema; ctx: EventContext }> = [];
    for (const id of relationIds) {
      const relation = this.#relationFor(id);
      const dropped = this.#countAndFilter(tx, lsn);
      if (relation.table === null || dropped || this.#o.config.skippedOperations.has('t')) continue;
      records.push({ table: relation.table, ctx: this.#context(tx, relation.table, lsn, 'TRUNCATE') });
    }
    // One TRUNCATE of several tables: only its last record carries the TRUNCATE's position.
    records.forEach(({ table, ctx }, i) => {
      const last = i === records.length - 1;
      out.push(truncateRecord(table, ctx, last || preceding === null ? ctx.offset : preceding));
    });
  }
}

/** Debezium's transaction-context offset keys: the transaction id and the events per collection so far. */
function withTransactionKeys(offset: Record<string, unknown>, tx: Transaction): Record<string, unknown> {
  const out: Record<string, unknown> = { ...offset, [OFFSET_TRANSACTION_ID]: tx.id };
  for (const [collection, count] of tx.perTable)
    out[`${OFFSET_COLLECTION_ORDER_PREFIX}${collection}`] = count;
  return out;
}

function commitMillis(micros: bigint): number {
  return Number(micros / 1000n);
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
