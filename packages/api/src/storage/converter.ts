import type { ConfigDef } from '../config/config-def.ts';
import type { Schema } from '../data/schema.ts';
import type { SchemaAndValue } from '../data/schema-and-value.ts';
import type { Headers } from '../header/headers.ts';

/** Whether a converter handles keys, values or headers (`ConverterType`); passed as `converter.type`. */
export type ConverterType = 'key' | 'value' | 'header';

/**
 * Converts between Connect data and the bytes stored in Kafka (`org.apache.kafka.connect.storage.Converter`).
 * Configs are Kafka-style string maps (`schemas.enable: 'true'`), already stripped of the
 * `key.converter.` / `value.converter.` prefix.
 */
export interface Converter {
  configure(configs: Readonly<Record<string, unknown>>, isKey: boolean): void;
  /** Serializes; returns null for a null schema with a null value (a tombstone). */
  fromConnectData(topic: string, schema: Schema | null, value: unknown, headers?: Headers): Uint8Array | null;
  /** Deserializes; null bytes give `SchemaAndValue.NULL`. Throws DataError on bad input. */
  toConnectData(topic: string, value: Uint8Array | null, headers?: Headers): SchemaAndValue;
  /** The converter's configuration definition, for `GET /connector-plugins/{p}/config`. */
  config?(): ConfigDef;
  close?(): void;
}

/** Converts header values (`org.apache.kafka.connect.storage.HeaderConverter`). */
export interface HeaderConverter {
  configure(configs: Readonly<Record<string, unknown>>): void;
  fromConnectHeader(
    topic: string,
    headerKey: string,
    schema: Schema | null,
    value: unknown,
  ): Uint8Array | null;
  toConnectHeader(topic: string, headerKey: string, value: Uint8Array | null): SchemaAndValue;
  config?(): ConfigDef;
  close?(): void;
}
