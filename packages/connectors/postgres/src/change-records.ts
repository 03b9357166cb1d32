/**
 * Builds the SourceRecords of change events from row images: create/update/delete/read/truncate
 * envelopes, the tombstone after a delete, the delete+create pair (with `__debezium.newkey` /
 * `__debezium.oldkey` headers) for an update that changes the key, heartbeats, and the BEGIN/END
 * events of transaction metadata.
 */

import { randomBytes } from 'node:crypto';
import { ConnectHeaders, type SourceMap, SourceRecord, Struct } from '@sluice/api';
import {
  envelopeStruct,
  HEARTBEAT_KEY_SCHEMA,
  HEARTBEAT_VALUE_SCHEMA,
  type SourceInfo,
  sourceStruct,
  TRANSACTION_KEY_SCHEMA,
  TRANSACTION_VALUE_SCHEMA,
} from './envelope.ts';
import type { TableSchema, TextRow } from './table-schema.ts';

export const PK_UPDATE_OLDKEY_HEADER = '__debezium.oldkey';
export const PK_UPDATE_NEWKEY_HEADER = '__debezium.newkey';

const CLOCK_ANCHOR_MICROS = BigInt(Date.now()) * 1000n - process.hrtime.bigint() / 1000n;

/** Current time in microseconds since the epoch (wall clock at start plus a monotonic clock). */
export function nowMicros(): bigint {
  return CLOCK_ANCHOR_MICROS + process.hrtime.bigint() / 1000n;
}

/**
 * Debezium's extended context headers, on every change event (snapshot reads, changes,
 * tombstones, truncates; not on transaction BEGIN/END events): the logical name (`topic.prefix`),
 * the task id, the connector type (`postgresql`) and a UUID (v7) per task run, in that order.
 */
export interface DebeziumContext {
  logicalName: string;
  taskId: string;
  runId: string;
}

export const CONTEXT_HEADERS = {
  LOGICAL_NAME: '__debezium.context.connectorLogicalName',
  TASK_ID: '__debezium.context.taskId',
  CONNECTOR_NAME: '__debezium.context.connectorName',
  RUN_ID: '__debezium.context.runId',
} as const;

/** A time-ordered UUID (version 7), the form of Debezium's run ids. */
export function uuidV7(): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Appends the context headers to `headers` (or to new headers); none with `extended.headers.enabled=false`. */
function withContextHeaders(
  context: DebeziumContext | null,
  headers?: ConnectHeaders,
): ConnectHeaders | null {
  if (context === null) return headers?.duplicate() ?? null;
  return (headers?.duplicate() ?? new ConnectHeaders())
    .addString(CONTEXT_HEADERS.LOGICAL_NAME, context.logicalName)
    .addString(CONTEXT_HEADERS.TASK_ID, context.taskId)
    .addString(CONTEXT_HEADERS.CONNECTOR_NAME, 'postgresql')
    .addString(CONTEXT_HEADERS.RUN_ID, context.runId);
}

export interface EventContext {
  partition: SourceMap;
  /** Null when `extended.headers.enabled=false`. */
  context: DebeziumContext | null;
  offset: SourceMap;
  /**
   * The offset for records that are not the last one of their WAL change (the delete and
   * tombstone before the create of a key change, a delete before its tombstone): the position
   * before the change, so a restart after only part of them reached Kafka emits the change again
   * (at least once) rather than losing its tail. Null = `offset`.
   */
  precedingOffset: SourceMap | null;
  /**
   * For a key change, which Debezium counts as two events (delete, create): the transaction
   * block and offset of the second one. Null without transaction metadata.
   */
  nextEvent: (() => { transaction: Struct; offset: SourceMap }) | null;
  source: SourceInfo;
  tombstonesOnDelete: boolean;
  transaction: Struct | null;
}

function record(
  table: TableSchema,
  ctx: EventContext,
  key: Struct | null,
  value: Struct | null,
  headers?: ConnectHeaders,
  offset: SourceMap = ctx.offset,
): SourceRecord {
  return new SourceRecord({
    topic: table.topic,
    keySchema: table.keySchema,
    key,
    valueSchema: value === null ? null : table.envelopeSchema,
    value,
    sourcePartition: ctx.partition,
    sourceOffset: offset,
    headers: withContextHeaders(ctx.context, headers),
  });
}

function envelope(
  table: TableSchema,
  ctx: EventContext,
  op: 'c' | 'u' | 'd' | 'r' | 't',
  before: Struct | null,
  after: Struct | null,
): Struct {
  return envelopeStruct(
    table.envelopeSchema,
    op,
    before,
    after,
    sourceStruct(ctx.source),
    ctx.transaction,
    nowMicros(),
  );
}

/** A snapshot read (`op: r`). */
export function readRecord(table: TableSchema, ctx: EventContext, row: TextRow): SourceRecord {
  return record(table, ctx, table.key(row), envelope(table, ctx, 'r', null, table.value(row)));
}

/** An insert (`op: c`). */
export function createRecord(table: TableSchema, ctx: EventContext, row: TextRow): SourceRecord {
  return record(table, ctx, table.key(row), envelope(table, ctx, 'c', null, table.value(row)));
}

/**
 * An update: one `u` event, or — when the key changed — a delete of the old key (plus tombstone)
 * and a create of the new one, each naming the other key in a header.
 */
export function updateRecords(
  table: TableSchema,
  ctx: EventContext,
  oldRow: TextRow | null,
  newRow: TextRow,
  out: SourceRecord[],
): void {
  const before = oldRow === null ? null : table.value(oldRow);
  if (oldRow !== null && table.keySchema !== null && !table.sameKey(oldRow, newRow)) {
    const oldKey = table.key(oldRow);
    const newKey = table.key(newRow);
    const preceding = ctx.precedingOffset ?? ctx.offset;
    const deleteHeaders = new ConnectHeaders().add(PK_UPDATE_NEWKEY_HEADER, newKey, table.keySchema);
    out.push(record(table, ctx, oldKey, envelope(table, ctx, 'd', before, null), deleteHeaders, preceding));
    if (ctx.tombstonesOnDelete) out.push(record(table, ctx, oldKey, null, deleteHeaders, preceding));
    const createHeaders = new ConnectHeaders().add(PK_UPDATE_OLDKEY_HEADER, oldKey, table.keySchema);
    const next = ctx.nextEvent?.();
    const createCtx =
      next === undefined ? ctx : { ...ctx, transaction: next.transaction, offset: next.offset };
    out.push(
      record(
        table,
        createCtx,
        newKey,
        envelope(table, createCtx, 'c', null, table.value(newRow)),
        createHeaders,
      ),
    );
    return;
  }
  out.push(record(table, ctx, table.key(newRow), envelope(table, ctx, 'u', before, table.value(newRow))));
}

/** A delete (`op: d`) and, when `tombstones.on.delete`, its tombstone. */
export function deleteRecords(
  table: TableSchema,
  ctx: EventContext,
  oldRow: TextRow,
  out: SourceRecord[],
): void {
  const key = table.key(oldRow);
  const offset = ctx.tombstonesOnDelete ? (ctx.precedingOffset ?? ctx.offset) : ctx.offset;
  out.push(record(table, ctx, key, envelope(table, ctx, 'd', table.value(oldRow), null), undefined, offset));
  if (ctx.tombstonesOnDelete) out.push(record(table, ctx, key, null));
}

/** A truncate (`op: t`): no key, no row images; `offset` for all but the last table of a TRUNCATE. */
export function truncateRecord(table: TableSchema, ctx: EventContext, offset = ctx.offset): SourceRecord {
  return new SourceRecord({
    topic: table.topic,
    keySchema: null,
    key: null,
    valueSchema: table.envelopeSchema,
    value: envelope(table, ctx, 't', null, null),
    sourcePartition: ctx.partition,
    sourceOffset: offset,
    headers: withContextHeaders(ctx.context),
  });
}

/** A heartbeat on `<topic.heartbeat.prefix>.<topic.prefix>`, carrying the current offset. */
export function heartbeatRecord(
  topic: string,
  serverName: string,
  partition: SourceMap,
  offset: SourceMap,
): SourceRecord {
  return new SourceRecord({
    topic,
    keySchema: HEARTBEAT_KEY_SCHEMA,
    key: new Struct(HEARTBEAT_KEY_SCHEMA).put('serverName', serverName),
    valueSchema: HEARTBEAT_VALUE_SCHEMA,
    value: new Struct(HEARTBEAT_VALUE_SCHEMA).put('ts_ms', Date.now()),
    sourcePartition: partition,
    sourceOffset: offset,
  });
}

/** A BEGIN or END event on `<topic.prefix>.transaction`, keyed by the transaction id. */
export function transactionRecord(
  topic: string,
  partition: SourceMap,
  offset: SourceMap,
  id: string,
  value: Struct,
): SourceRecord {
  return new SourceRecord({
    topic,
    keySchema: TRANSACTION_KEY_SCHEMA,
    key: Struct.withValues(TRANSACTION_KEY_SCHEMA, [id]),
    valueSchema: TRANSACTION_VALUE_SCHEMA,
    value,
    sourcePartition: partition,
    sourceOffset: offset,
  });
}
