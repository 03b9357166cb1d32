import { type ConfigDef, DataError, type Schema, SchemaAndValue, type SchemaType } from '@sluice/api';
import { newConverterConfigDef, withConverterType } from './converter-config.ts';
import { DataHeaderConverter } from './data-header-converter.ts';

/** How one fixed-width type is written: Kafka's `Serializer`/`Deserializer` pair for it. */
export interface FixedWidthType<T> {
  /** Kafka's display name in messages: `long`, `integer`, `short`, `float`, `double`, `boolean`. */
  readonly typeName: string;
  /** The Kafka deserializer named in size errors, e.g. `LongDeserializer`. */
  readonly deserializer: string;
  /** The optional schema every deserialized value gets. */
  readonly schema: Schema;
  /** Bytes per value. */
  readonly size: number;
  /** When set, a non-null schema passed for serializing must have this type (BooleanConverter). */
  readonly schemaType?: SchemaType;
  /** What `check` accepts, for messages. */
  readonly expected: string;
  /** The value to write, or undefined when `value` is not one of this type. */
  check(value: unknown): T | undefined;
  write(view: DataView, value: T): void;
  /** Reads a value; throws DataError for bytes that hold none. */
  read(view: DataView): unknown;
}

const CONFIG_DEF = newConverterConfigDef();

/**
 * A converter for one fixed-width big-endian type (Kafka's `NumberConverter` and `BooleanConverter`,
 * over `LongSerializer`, `IntegerSerializer`, ...). Null ⇔ null bytes; any other value must be of
 * the type, and bytes of another length than the type's are a DataError. Also a HeaderConverter.
 * Topic names and header keys are ignored.
 */
export class FixedWidthConverter<T> extends DataHeaderConverter {
  readonly #type: FixedWidthType<T>;

  protected constructor(type: FixedWidthType<T>) {
    super();
    this.#type = type;
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  /** Validates `converter.type`; the serializers have nothing else to configure. */
  configure(configs: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    CONFIG_DEF.parse(withConverterType(configs, isKey));
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    const type = this.#type;
    if (
      type.schemaType !== undefined &&
      schema !== null &&
      schema !== undefined &&
      schema.type !== type.schemaType
    ) {
      throw new DataError(`Invalid schema type for ${this.constructor.name}: ${schema.type}`);
    }
    if (value === null || value === undefined) return null;
    const checked = type.check(value);
    if (checked === undefined) {
      throw new DataError(
        `Failed to serialize to ${type.typeName}: expected ${type.expected}, got ${describe(value)}`,
      );
    }
    const out = new Uint8Array(type.size);
    type.write(new DataView(out.buffer), checked);
    return out;
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    const type = this.#type;
    if (value === null || value === undefined) return new SchemaAndValue(type.schema, null);
    if (value.length !== type.size) {
      throw new DataError(
        `Failed to deserialize ${type.typeName}: Size of data received by ${type.deserializer} is not ${type.size} (got ${value.length} bytes)`,
      );
    }
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    try {
      return new SchemaAndValue(type.schema, type.read(view));
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      throw new DataError(`Failed to deserialize ${type.typeName}: ${e.message}`, { cause: e });
    }
  }
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && value !== null) return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
