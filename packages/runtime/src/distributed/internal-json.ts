import { DataError, type Schema, type Struct } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';

/**
 * The converter Kafka Connect uses for its internal topics: JsonConverter with
 * `schemas.enable=false`, so a value is compact JSON with no envelope and a Struct is a JSON
 * object holding every field of its schema, in schema order.
 */
function internalConverter(isKey: boolean): JsonConverter {
  const converter = new JsonConverter();
  converter.configure({ 'schemas.enable': false }, isKey);
  return converter;
}

const valueConverter = internalConverter(false);
const keyConverter = internalConverter(true);

/** A Struct as an internal topic stores it. */
export function encodeStruct(struct: Struct): Uint8Array {
  struct.validate();
  const bytes = valueConverter.fromConnectData('', struct.schema, struct);
  if (bytes === null) throw new DataError('An internal-topic struct encoded to null');
  return bytes;
}

/** A value without a schema (maps, lists, primitives) as JsonConverter writes it; null stays null. */
export function encodeSchemaless(value: unknown, isKey = false): Uint8Array | null {
  return (isKey ? keyConverter : valueConverter).fromConnectData('', null, value);
}

/** A value written with a schema whose shape the caller knows (e.g. a map of structs). */
export function encodeWithSchema(schema: Schema, value: unknown): Uint8Array {
  const bytes = valueConverter.fromConnectData('', schema, value);
  if (bytes === null) throw new DataError('An internal-topic value encoded to null');
  return bytes;
}

/**
 * Reads an internal-topic value back as JsonConverter does with schemas disabled: objects become
 * plain objects, integers numbers (bigint beyond 2^53), other numbers doubles; null bytes give null.
 * Throws DataError for bytes that are not JSON.
 */
export function decodeSchemaless(bytes: Uint8Array | null, isKey = false): unknown {
  return (isKey ? keyConverter : valueConverter).toConnectData('', bytes).value;
}

/** Java's name for the runtime type of a decoded value, for messages like Kafka's `className(...)`. */
export function javaClassName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'bigint') return 'java.lang.Long';
  if (typeof value === 'number') return Number.isInteger(value) ? 'java.lang.Long' : 'java.lang.Double';
  if (Array.isArray(value)) return 'java.util.ArrayList';
  if (value instanceof Uint8Array) return 'byte[]';
  return 'java.util.HashMap';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Java's `intValue` on an Integer or Long decoded from JSON (a long is truncated to 32 bits); null otherwise. */
export function javaIntValue(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value | 0;
  if (typeof value === 'bigint') return Number(BigInt.asIntN(32, value));
  return null;
}
