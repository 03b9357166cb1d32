/**
 * The Debezium change-event value: the `source` block (`io.debezium.connector.postgresql.Source`),
 * the transaction block (`event.block`), the envelope schema (`<prefix>.<schema>.<table>.Envelope`,
 * version 2, fields before, after, source, transaction, op, ts_ms, ts_us, ts_ns) and the heartbeat
 * key/value schemas. Field order, optionality, names and versions follow Debezium (digest §1.6,
 * checked against `SchemaFactory`, `AbstractSourceInfoStructMaker`, `PostgresSourceInfoStructMaker`).
 */

import { type Schema, SchemaBuilder, Struct } from '@sluice/api';

/** `source.snapshot` values (Debezium's `SnapshotRecord`, lower case). */
export type SnapshotMarker =
  | 'true'
  | 'first'
  | 'first_in_data_collection'
  | 'last_in_data_collection'
  | 'last'
  | 'false'
  | 'incremental';

const SNAPSHOT_VALUES: readonly SnapshotMarker[] = [
  'true',
  'first',
  'first_in_data_collection',
  'last_in_data_collection',
  'last',
  'false',
  'incremental',
];

/** The `source.snapshot` schema: optional `io.debezium.data.Enum` with default `false`. */
export const SNAPSHOT_SCHEMA: Schema = SchemaBuilder.string()
  .name('io.debezium.data.Enum')
  .version(1)
  .parameter('allowed', SNAPSHOT_VALUES.join(','))
  .defaultValue('false')
  .optional()
  .build();

export const SOURCE_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.Source')
  .version(1)
  .field('version', SchemaBuilder.string().build())
  .field('connector', SchemaBuilder.string().build())
  .field('name', SchemaBuilder.string().build())
  .field('ts_ms', SchemaBuilder.int64().build())
  .field('snapshot', SNAPSHOT_SCHEMA)
  .field('db', SchemaBuilder.string().build())
  .field('sequence', SchemaBuilder.string().optional().build())
  .field('ts_us', SchemaBuilder.int64().optional().build())
  .field('ts_ns', SchemaBuilder.int64().optional().build())
  .field('schema', SchemaBuilder.string().build())
  .field('table', SchemaBuilder.string().build())
  .field('txId', SchemaBuilder.int64().optional().build())
  .field('lsn', SchemaBuilder.int64().optional().build())
  .field('xmin', SchemaBuilder.int64().optional().build())
  .field('origin', SchemaBuilder.string().optional().build())
  .field('origin_lsn', SchemaBuilder.int64().optional().build())
  .build();

export const TRANSACTION_BLOCK_SCHEMA: Schema = SchemaBuilder.struct()
  .optional()
  .name('event.block')
  .version(1)
  .field('id', SchemaBuilder.string().build())
  .field('total_order', SchemaBuilder.int64().build())
  .field('data_collection_order', SchemaBuilder.int64().build())
  .build();

/** The envelope for a table whose row schema is `valueSchema`, named `<topic>.Envelope`. */
export function envelopeSchema(topic: string, valueSchema: Schema): Schema {
  return SchemaBuilder.struct()
    .name(`${topic}.Envelope`)
    .version(2)
    .field('before', valueSchema)
    .field('after', valueSchema)
    .field('source', SOURCE_SCHEMA)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .field('op', SchemaBuilder.string().build())
    .field('ts_ms', SchemaBuilder.int64().optional().build())
    .field('ts_us', SchemaBuilder.int64().optional().build())
    .field('ts_ns', SchemaBuilder.int64().optional().build())
    .build();
}

/** What a `source` block says about one event. */
export interface SourceInfo {
  version: string;
  serverName: string;
  db: string;
  schema: string;
  table: string;
  /** Commit time (streaming) or read time (snapshot), µs since the epoch. */
  tsMicros: bigint;
  snapshot: SnapshotMarker;
  /** LSN of the last commit before this event, as Debezium's `sequence[0]`. */
  lastCommitLsn: number | null;
  lsn: number | null;
  txId: number | null;
  origin: string | null;
  originLsn: number | null;
}

/**
 * The `source` struct; `snapshot` is left unset (schema default `false`) during streaming, as
 * Debezium does. Built without per-field validation: every value here is typed by construction.
 */
export function sourceStruct(info: SourceInfo): Struct {
  const ms = Number(floorDiv(info.tsMicros, 1000n));
  return Struct.withValues(SOURCE_SCHEMA, [
    info.version,
    'postgresql',
    info.serverName,
    ms,
    info.snapshot === 'false' ? null : info.snapshot,
    info.db,
    `[${toJsonText(info.lastCommitLsn)},${toJsonText(info.lsn)}]`,
    Number(info.tsMicros),
    info.tsMicros * 1000n,
    info.schema,
    info.table,
    info.txId,
    info.lsn,
    null,
    info.origin,
    info.originLsn,
  ]);
}

/** A JSON string literal of the number, or `null` (Debezium's `sequence` holds strings). */
function toJsonText(n: number | null): string {
  return n === null ? 'null' : `"${n}"`;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** The envelope value of one change. `nowMicros` is when the connector processed it (`ts_ms/us/ns`). */
export function envelopeStruct(
  schema: Schema,
  op: 'c' | 'u' | 'd' | 'r' | 't',
  before: Struct | null,
  after: Struct | null,
  source: Struct,
  transaction: Struct | null,
  nowMicros: bigint,
): Struct {
  return Struct.withValues(schema, [
    before,
    after,
    source,
    transaction,
    op,
    Number(floorDiv(nowMicros, 1000n)),
    Number(nowMicros),
    nowMicros * 1000n,
  ]);
}

/** The `transaction` block: id `<txId>:<LSN>`, the event's order in the transaction and in its table. */
export function transactionStruct(id: string, totalOrder: number, dataCollectionOrder: number): Struct {
  return new Struct(TRANSACTION_BLOCK_SCHEMA)
    .put('id', id)
    .put('total_order', totalOrder)
    .put('data_collection_order', dataCollectionOrder);
}

export const HEARTBEAT_KEY_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.common.ServerNameKey')
  .version(1)
  .field('serverName', SchemaBuilder.string().build())
  .build();

export const HEARTBEAT_VALUE_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.common.Heartbeat')
  .version(1)
  .field('ts_ms', SchemaBuilder.int64().build())
  .build();

/** `event.collection`: one entry of an END event's `data_collections`. */
export const TRANSACTION_COLLECTION_SCHEMA: Schema = SchemaBuilder.struct()
  .optional()
  .name('event.collection')
  .version(1)
  .field('data_collection', SchemaBuilder.string().build())
  .field('event_count', SchemaBuilder.int64().build())
  .build();

/** Key of the BEGIN/END events on `<topic.prefix>.transaction`. */
export const TRANSACTION_KEY_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataKey')
  .version(1)
  .field('id', SchemaBuilder.string().build())
  .build();

/** Value of the BEGIN/END events on `<topic.prefix>.transaction`. */
export const TRANSACTION_VALUE_SCHEMA: Schema = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataValue')
  .version(1)
  .field('status', SchemaBuilder.string().build())
  .field('id', SchemaBuilder.string().build())
  .field('event_count', SchemaBuilder.int64().optional().build())
  .field('data_collections', SchemaBuilder.array(TRANSACTION_COLLECTION_SCHEMA).optional().build())
  .field('ts_ms', SchemaBuilder.int64().build())
  .build();

/** A BEGIN event value. */
export function transactionBeginStruct(id: string, tsMs: number): Struct {
  return Struct.withValues(TRANSACTION_VALUE_SCHEMA, ['BEGIN', id, null, null, tsMs]);
}

/** An END event value: the event count, and the count per data collection (`<schema>.<table>`). */
export function transactionEndStruct(id: string, tsMs: number, perCollection: Map<string, number>): Struct {
  let total = 0;
  const collections: Struct[] = [];
  for (const [name, count] of perCollection) {
    total += count;
    collections.push(Struct.withValues(TRANSACTION_COLLECTION_SCHEMA, [name, count]));
  }
  return Struct.withValues(TRANSACTION_VALUE_SCHEMA, ['END', id, total, collections, tsMs]);
}
