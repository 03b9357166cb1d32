/**
 * Records to documents: the document id from the key, the document's JSON from the value (as
 * Kafka's JsonConverter with `schemas.enable=false` writes it, after Confluent's pre-processing:
 * decimals as numbers, string-keyed maps as objects), and the index mapping from a Connect schema.
 */
import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  isMapValue,
  mapEntries,
  type Schema,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';

/** How a record key became the document id, for the one-time note in the log. */
export type KeyKind = 'primitive' | 'single-field-struct' | 'multi-field-struct';

/**
 * The document id from a record key: a string or integer key as text. A struct key (Debezium's
 * `{"id": …}`), which Confluent refuses, gives the value of its one field, or the struct's JSON text
 * when it has several fields.
 * @throws DataError for a null, empty or unsupported key
 */
export function documentId(key: unknown, keySchema: Schema | null): { id: string; kind: KeyKind } {
  if (key === null || key === undefined)
    throw new DataError('Key is used as document id and can not be null.');
  let id: string;
  let kind: KeyKind = 'primitive';
  const type = keySchema?.type;
  if (key instanceof Struct) {
    const fields = key.schema.fields;
    if (fields.length === 1) {
      id = scalarText(key.get(fields[0]!), fields[0]!.schema);
      kind = 'single-field-struct';
    } else {
      id = toJson(key, key.schema, true);
      kind = 'multi-field-struct';
    }
  } else if (
    type === 'INT8' ||
    type === 'INT16' ||
    type === 'INT32' ||
    type === 'INT64' ||
    type === 'STRING'
  ) {
    id = String(key);
  } else if (type !== undefined) {
    throw new DataError(
      `Key schema of type ${type} is not supported as document id; use an integer, string or struct key, or key.ignore=true`,
    );
  } else if (
    typeof key === 'string' ||
    typeof key === 'bigint' ||
    (typeof key === 'number' && Number.isInteger(key))
  ) {
    id = String(key);
  } else if (isMapValue(key) && !(key instanceof Map)) {
    const entries = Object.entries(key);
    if (entries.length === 1) {
      id = scalarText(entries[0]![1], null);
      kind = 'single-field-struct';
    } else {
      id = toJson(key, null, true);
      kind = 'multi-field-struct';
    }
  } else {
    throw new DataError(
      `Key of type ${key === null ? 'null' : typeof key} is not supported as document id; use an integer, string or object key, or key.ignore=true`,
    );
  }
  if (id === '') throw new DataError('Key is used as document id and can not be empty.');
  if (Buffer.byteLength(id, 'utf8') > 512)
    throw new DataError(`Document id is longer than 512 bytes (the server's limit): ${id.slice(0, 80)}…`);
  return { id, kind };
}

function scalarText(value: unknown, schema: Schema | null): string {
  if (value === null || value === undefined)
    throw new DataError('Key is used as document id and can not be null.');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return toJson(value, schema, true);
}

/**
 * The JSON text of a Connect value, as JsonConverter (`schemas.enable=false`) writes it after
 * Confluent's pre-processing: Decimal as a JSON number, Date as days since the epoch, Time and
 * Timestamp as milliseconds, bytes as base64, string-keyed maps as objects when `compactMaps`
 * (else arrays of `{"key":…,"value":…}`), int64 beyond 2^53 exactly. NaN and infinities
 * (which JSON cannot hold) become null.
 */
export function toJson(value: unknown, schema: Schema | null, compactMaps: boolean): string {
  // Schemaless JSON (what JsonConverter without schemas gives): the engine's own serializer when the
  // value holds nothing it would write differently (big integers, bytes, dates, maps, NaN).
  if (schema === null && isPlainJson(value, 0)) return JSON.stringify(value);
  if (value === null || value === undefined) {
    if (schema !== null && schema.defaultValue !== null && schema.defaultValue !== undefined)
      return toJson(schema.defaultValue, schema, compactMaps);
    return 'null';
  }
  if (schema !== null && schema.name !== null) {
    switch (schema.name) {
      case Decimal.LOGICAL_NAME:
        return value instanceof BigDecimal ? numberText(value.toNumber()) : numberText(Number(value));
      case ConnectDate.LOGICAL_NAME:
        return value instanceof Date
          ? String(ConnectDate.fromLogical(schema, value))
          : numberText(Number(value));
      case Time.LOGICAL_NAME:
        return value instanceof Date ? String(Time.fromLogical(schema, value)) : numberText(Number(value));
      case Timestamp.LOGICAL_NAME:
        return value instanceof Date
          ? String(Timestamp.fromLogical(schema, value))
          : numberText(Number(value));
    }
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberText(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Struct) {
    let out = '{';
    let first = true;
    for (const field of value.schema.fields) {
      out += `${first ? '' : ','}${JSON.stringify(field.name)}:${toJson(value.get(field), field.schema, compactMaps)}`;
      first = false;
    }
    return `${out}}`;
  }
  if (value instanceof Uint8Array)
    return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (value instanceof BigDecimal) return numberText(value.toNumber());
  if (value instanceof Date) return String(value.getTime());
  if (Array.isArray(value)) {
    const element = schema?.valueSchema ?? null;
    return `[${value.map((v) => toJson(v, element, compactMaps)).join(',')}]`;
  }
  if (isMapValue(value)) {
    const keySchema = schema?.keySchema ?? null;
    const valueSchema = schema?.valueSchema ?? null;
    const entries = [...mapEntries(value)];
    const stringKeys =
      keySchema === null ? entries.every(([k]) => typeof k === 'string') : keySchema.type === 'STRING';
    if (compactMaps && stringKeys) {
      return `{${entries.map(([k, v]) => `${JSON.stringify(String(k))}:${toJson(v, valueSchema, compactMaps)}`).join(',')}}`;
    }
    if (schema === null && stringKeys) {
      // A schemaless JSON object (what JsonConverter gives for `{…}` without schemas) stays an object.
      return `{${entries.map(([k, v]) => `${JSON.stringify(String(k))}:${toJson(v, null, compactMaps)}`).join(',')}}`;
    }
    return `[${entries
      .map(
        ([k, v]) =>
          `{"key":${toJson(k, keySchema, compactMaps)},"value":${toJson(v, valueSchema, compactMaps)}}`,
      )
      .join(',')}]`;
  }
  throw new DataError(`Cannot convert a value of type ${Object.prototype.toString.call(value)} to JSON`);
}

/** True when JSON.stringify writes `value` exactly as {@link toJson} would. */
function isPlainJson(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in value) if (!isPlainJson((value as Record<string, unknown>)[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function numberText(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

const KEYWORD_SUBFIELD = { keyword: { type: 'keyword', ignore_above: 256 } };

/**
 * The mapping for a Connect schema, as Confluent's `Mapping.buildMapping` makes it: a STRUCT gives
 * `properties`; STRING `text` with a `keyword` sub-field; INT8..INT64 byte/short/integer/long;
 * FLOAT32/64 float/double; BOOLEAN boolean; BYTES binary; Date/Time/Timestamp date; Decimal double;
 * an ARRAY its element's mapping; a MAP `properties` of `key` and `value`. A field's default value
 * becomes its `null_value` where the server allows one.
 */
export function buildMapping(schema: Schema): Record<string, unknown> {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return withNullValue({ type: 'double' }, schema, (v) => (v instanceof BigDecimal ? v.toNumber() : v));
    case ConnectDate.LOGICAL_NAME:
    case Time.LOGICAL_NAME:
    case Timestamp.LOGICAL_NAME:
      return withNullValue({ type: 'date' }, schema, (v) => (v instanceof Date ? v.getTime() : v));
  }
  switch (schema.type) {
    case 'STRUCT': {
      const properties: Record<string, unknown> = {};
      for (const field of schema.fields) properties[field.name] = buildMapping(field.schema);
      return { properties };
    }
    case 'ARRAY':
      return buildMapping(schema.valueSchema!);
    case 'MAP':
      return {
        properties: { key: buildMapping(schema.keySchema!), value: buildMapping(schema.valueSchema!) },
      };
    case 'STRING':
      return { type: 'text', fields: KEYWORD_SUBFIELD };
    case 'BYTES':
      return { type: 'binary' };
    case 'INT8':
      return withNullValue({ type: 'byte' }, schema);
    case 'INT16':
      return withNullValue({ type: 'short' }, schema);
    case 'INT32':
      return withNullValue({ type: 'integer' }, schema);
    case 'INT64':
      return withNullValue({ type: 'long' }, schema, (v) => (typeof v === 'bigint' ? v.toString() : v));
    case 'FLOAT32':
      return withNullValue({ type: 'float' }, schema);
    case 'FLOAT64':
      return withNullValue({ type: 'double' }, schema);
    case 'BOOLEAN':
      return withNullValue({ type: 'boolean' }, schema);
  }
}

function withNullValue(
  mapping: Record<string, unknown>,
  schema: Schema,
  convert: (v: unknown) => unknown = (v) => v,
): Record<string, unknown> {
  if (schema.defaultValue === null || schema.defaultValue === undefined) return mapping;
  return { ...mapping, null_value: convert(schema.defaultValue) };
}
