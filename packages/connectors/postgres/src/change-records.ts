/**
 * Builds the SourceRecords of change events from row images: create/update/delete/read/truncate
 * envelopes, the tombstone after a delete, the delete+create pair (with `__debezium.newkey` /
 * `__debezium.oldkey` headers) for an update that changes the key, heartbeats, and the BEGIN/END
 * events of transaction metadata.
 */

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

export interface EventContext {
  partition: SourceMap;
  offset: SourceMap;
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
): SourceRecord {
  return new SourceRecord({
    topic: table.topic,
    keySchema: table.keySchema,
    key,
    valueSchema: value === null ? null : table.envelopeSchema,
    value,
    sourcePartition: ctx.partition,
    sourceOffset: ctx.offset,
    headers: headers ?? null,
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
    const deleteHeaders = new ConnectHeaders().add(PK_UPDATE_NEWKEY_HEADER, newKey, table.keySchema);
    out.push(record(table, ctx, oldKey, envelope(table, ctx, 'd', before, null), deleteHeaders));
    if (ctx.tombstonesOnDelete) out.push(record(table, ctx, oldKey, null, deleteHeaders.duplicate()));
    const createHeaders = new ConnectHeaders().add(PK_UPDATE_OLDKEY_HEADER, oldKey, table.keySchema);
    out.push(record(table, ctx, newKey, envelope(table, ctx, 'c', null, table.value(newRow)), createHeaders));
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
  out.push(record(table, ctx, key, envelope(table, ctx, 'd', table.value(oldRow), null)));
  if (ctx.tombstonesOnDelete) out.push(record(table, ctx, key, null));
}

/** A truncate (`op: t`): no key, no row images. */
export function truncateRecord(table: TableSchema, ctx: EventContext): SourceRecord {
  return new SourceRecord({
    topic: table.topic,
    keySchema: null,
    key: null,
    valueSchema: table.envelopeSchema,
    value: envelope(table, ctx, 't', null, null),
    sourcePartition: ctx.partition,
    sourceOffset: ctx.offset,
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
