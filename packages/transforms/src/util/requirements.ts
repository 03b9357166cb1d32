import { DataError, isPlainObject, type Schema, SinkRecord, Struct } from '@sluice/api';

/** A schemaless map value: a `Map`, or a plain object with string keys. */
export type MapValue = Map<unknown, unknown> | Record<string, unknown>;

/**
 * A short description of a value's runtime type for error messages, in place of the Java class name
 * Kafka prints: `null`, `string`, `number`, `bigint`, `boolean`, or the constructor name (`Struct`,
 * `Map`, `Array`, `Uint8Array`, `Date`, `BigDecimal`, `Object`, ...).
 */
export function className(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const t = typeof value;
  if (t !== 'object' && t !== 'function') return t;
  if (Array.isArray(value)) return 'Array';
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ?? 'Object';
}

/** True for a schemaless map value (a `Map` or a plain object). */
export function isMap(value: unknown): value is MapValue {
  return value instanceof Map || isPlainObject(value);
}

/**
 * The value as a schemaless map, or `Only Map objects supported in absence of schema for [<purpose>], found: <type>`.
 */
export function requireMap(value: unknown, purpose: string): MapValue {
  if (!isMap(value)) {
    throw new DataError(
      `Only Map objects supported in absence of schema for [${purpose}], found: ${className(value)}`,
    );
  }
  return value;
}

/** As {@link requireMap}, passing null through. */
export function requireMapOrNull(value: unknown, purpose: string): MapValue | null {
  return value === null || value === undefined ? null : requireMap(value, purpose);
}

/** The value as a Struct, or `Only Struct objects supported for [<purpose>], found: <type>`. */
export function requireStruct(value: unknown, purpose: string): Struct {
  if (!(value instanceof Struct)) {
    throw new DataError(`Only Struct objects supported for [${purpose}], found: ${className(value)}`);
  }
  return value;
}

/** As {@link requireStruct}, passing null through. */
export function requireStructOrNull(value: unknown, purpose: string): Struct | null {
  return value === null || value === undefined ? null : requireStruct(value, purpose);
}

/** The schema, or `Schema required for [<purpose>]`. */
export function requireSchema(schema: Schema | null, purpose: string): Schema {
  if (schema === null) throw new DataError(`Schema required for [${purpose}]`);
  return schema;
}

/** The record as a SinkRecord, or `Only SinkRecord supported for [<purpose>], found: <type>`. */
export function requireSinkRecord(record: object, purpose: string): SinkRecord {
  if (!(record instanceof SinkRecord)) {
    throw new DataError(`Only SinkRecord supported for [${purpose}], found: ${className(record)}`);
  }
  return record;
}
