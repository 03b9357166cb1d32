import type { Converter, HeaderConverter, Schema, SchemaAndValue } from '@sluice/api';

/**
 * A Converter that is also a HeaderConverter by encoding each header value exactly as a record
 * value, as Kafka's JsonConverter, StringConverter, ByteArrayConverter and number converters do.
 */
export abstract class DataHeaderConverter implements Converter, HeaderConverter {
  abstract configure(configs: Readonly<Record<string, unknown>>, isKey?: boolean): void;
  abstract fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null;
  abstract toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue;

  fromConnectHeader(
    topic: string,
    _headerKey: string,
    schema: Schema | null,
    value: unknown,
  ): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }

  close(): void {}
}
