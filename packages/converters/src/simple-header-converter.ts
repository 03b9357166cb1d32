import { ConfigDef, type HeaderConverter, Schema, SchemaAndValue, Values } from '@sluice/api';
import { UTF8 } from './charset.ts';

const CONFIG_DEF = new ConfigDef();

/**
 * Kafka Connect's default header converter (`org.apache.kafka.connect.storage.SimpleHeaderConverter`):
 * writes a header value as the UTF-8 of `Values.convertToString` and reads it back with
 * `Values.parseString`, so a header `42` comes back as INT8 42 and `[1,2]` as an ARRAY of INT8.
 * Null ⇔ null bytes; empty bytes read as the STRING ""; bytes that cannot be parsed at all come
 * back as BYTES unchanged. Bytes that are not UTF-8 read with U+FFFD in place of the bad
 * sequences, as in Kafka. Has no configuration.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  static readonly javaClass = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';
  static readonly aliases: readonly string[] = ['Simple'];

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  configure(_configs: Readonly<Record<string, unknown>>): void {}

  fromConnectHeader(
    _topic: string,
    _headerKey: string,
    schema: Schema | null,
    value: unknown,
  ): Uint8Array | null {
    if (value === null || value === undefined) return null;
    return UTF8.encode(Values.convertToString(schema ?? null, value)!);
  }

  toConnectHeader(_topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    try {
      return Values.parseString(UTF8.decode(value));
    } catch {
      return new SchemaAndValue(Schema.BYTES_SCHEMA, value);
    }
  }

  close(): void {}
}
