import { type ConfigDef, DataError, Schema, SchemaAndValue } from '@sluice/api';
import { newConverterConfigDef } from './converter-config.ts';
import { DataHeaderConverter } from './data-header-converter.ts';

const CONFIG_DEF = newConverterConfigDef();

/**
 * Pass-through converter for raw bytes (`org.apache.kafka.connect.converters.ByteArrayConverter`):
 * writes a BYTES value (a `Uint8Array`) as is and reads any bytes as an optional BYTES value.
 * Also a HeaderConverter. Topic names and header keys are ignored.
 */
export class ByteArrayConverter extends DataHeaderConverter {
  static readonly javaClass = 'org.apache.kafka.connect.converters.ByteArrayConverter';
  static readonly aliases: readonly string[] = ['ByteArray'];

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  /** Nothing to configure (Kafka does not validate `converter.type` here either). */
  configure(_configs: Readonly<Record<string, unknown>>, _isKey?: boolean): void {}

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema !== null && schema !== undefined && schema.type !== 'BYTES') {
      throw new DataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    }
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new DataError(`ByteArrayConverter is not compatible with objects of type ${typeName(value)}`);
    }
    return value;
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    return new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value ?? null);
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
