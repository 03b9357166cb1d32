import type { ConnectRecord, Schema } from '@sluice/api';

/** The read-only parts of any record. */
export type RecordView = Pick<
  ConnectRecord<never>,
  'topic' | 'kafkaPartition' | 'keySchema' | 'key' | 'valueSchema' | 'value' | 'timestamp' | 'headers'
>;

/**
 * Which half of a record a `$Key` / `$Value` transform works on: Kafka's `operatingSchema`,
 * `operatingValue` and `newRecord` of the nested `Key` and `Value` classes, as one shared object per
 * side so the hot path allocates no closures.
 */
export interface Side {
  readonly name: 'key' | 'value';
  schema(record: RecordView): Schema | null;
  value(record: RecordView): unknown;
  /** The record with this side replaced (headers copied). */
  with<R extends ConnectRecord<R>>(record: R, schema: Schema | null, value: unknown): R;
}

export const KEY: Side = {
  name: 'key',
  schema: (record) => record.keySchema,
  value: (record) => record.key,
  with: (record, schema, value) => record.newRecord({ keySchema: schema, key: value }),
};

export const VALUE: Side = {
  name: 'value',
  schema: (record) => record.valueSchema,
  value: (record) => record.value,
  with: (record, schema, value) => record.newRecord({ valueSchema: schema, value }),
};
