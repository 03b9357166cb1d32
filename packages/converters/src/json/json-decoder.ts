import {
  BigDecimal,
  ConnectDate,
  canonicalInt64,
  DataError,
  Decimal,
  isPlainObject,
  type Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { fromBase64, jsonType, LosslessNumber } from './json-text.ts';

/** Turns a parsed JSON value into Connect data for one schema; `undefined` means a missing field. */
export type Decode = (json: unknown) => unknown;

function where(path: string): string {
  return path === '' ? '' : ` for field "${path}"`;
}

function mismatch(expected: string, json: unknown, path: string): DataError {
  return new DataError(`Invalid JSON${where(path)}: expected ${expected} but found ${jsonType(json)}`);
}

const INT_RANGE: Record<string, readonly [number, number]> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
};

function integral(json: unknown, expected: string, path: string): number | bigint {
  if (typeof json === 'number') {
    if (Number.isInteger(json)) return json;
  } else if (json instanceof LosslessNumber && json.isIntegral) {
    return canonicalInt64(BigInt(json.source));
  }
  throw mismatch(expected, json, path);
}

function float(json: unknown, expected: string, path: string): number {
  if (typeof json === 'number') return json;
  if (json instanceof LosslessNumber) return json.toNumber();
  // The encoder writes non-finite numbers as strings, as Jackson does.
  if (json === 'NaN') return Number.NaN;
  if (json === 'Infinity') return Number.POSITIVE_INFINITY;
  if (json === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw mismatch(expected, json, path);
}

/** Compiles a decoder for `schema`, applying defaults and optionality to null or missing values. */
export function compileDecoder(schema: Schema, replaceNullWithDefault: boolean, path = ''): Decode {
  const inner = compileNonNull(schema, replaceNullWithDefault, path);
  const useDefault = replaceNullWithDefault && schema.defaultValue !== null;
  const defaultValue = schema.defaultValue;
  const optional = schema.isOptional;
  const type = schema.type;
  return (json) => {
    if (json === null || json === undefined) {
      if (useDefault) return defaultValue;
      if (optional) return null;
      throw new DataError(`Invalid null value for required ${type} field${where(path)}`);
    }
    return inner(json);
  };
}

function compileNonNull(schema: Schema, replace: boolean, path: string): Decode {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const scale = Decimal.scale(schema);
      return (json) => {
        if (typeof json === 'string')
          return BigDecimal.fromUnscaledBytes(fromBase64(json, `Decimal bytes${where(path)}`), scale);
        if (typeof json === 'number') return BigDecimal.fromNumber(json).setScale(scale);
        if (json instanceof LosslessNumber) return BigDecimal.parse(json.source).setScale(scale);
        throw mismatch('a Decimal as base64 text or a number', json, path);
      };
    }
    case ConnectDate.LOGICAL_NAME:
      return (json) => ConnectDate.toLogical(schema, checkInt32(json, 'Date', path));
    case Time.LOGICAL_NAME:
      return (json) => Time.toLogical(schema, checkInt32(json, 'Time', path));
    case Timestamp.LOGICAL_NAME:
      return (json) => Timestamp.toLogical(schema, integral(json, 'an int64 Timestamp', path));
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGE[schema.type]!;
      const expected = `an ${schema.type} number`;
      return (json) => {
        if (typeof json === 'number' && Number.isInteger(json) && json >= lo && json <= hi) return json;
        throw mismatch(expected, json, path);
      };
    }
    case 'INT64':
      return (json) => {
        if (typeof json === 'number' && Number.isSafeInteger(json)) return json;
        const v = integral(json, 'an INT64 number', path);
        if (typeof v === 'bigint' && (v < -(2n ** 63n) || v >= 2n ** 63n))
          throw mismatch('an INT64 number', json, path);
        return v;
      };
    case 'FLOAT32':
      return (json) => Math.fround(float(json, 'a FLOAT32 number', path));
    case 'FLOAT64':
      return (json) => float(json, 'a FLOAT64 number', path);
    case 'BOOLEAN':
      return (json) => {
        if (typeof json !== 'boolean') throw mismatch('a BOOLEAN', json, path);
        return json;
      };
    case 'STRING':
      return (json) => {
        if (typeof json !== 'string') throw mismatch('a STRING', json, path);
        return json;
      };
    case 'BYTES':
      return (json) => {
        if (typeof json !== 'string') throw mismatch('BYTES as base64 text', json, path);
        return fromBase64(json, `bytes field${where(path)}`);
      };
    case 'ARRAY': {
      const item = compileDecoder(schema.valueSchema!, replace, path);
      return (json) => {
        if (!Array.isArray(json)) throw mismatch('an ARRAY', json, path);
        const out = new Array(json.length);
        for (let i = 0; i < json.length; i++) out[i] = item(json[i]);
        return out;
      };
    }
    case 'MAP': {
      const key = compileDecoder(schema.keySchema!, replace, path);
      const value = compileDecoder(schema.valueSchema!, replace, path);
      if (schema.keySchema!.type === 'STRING') {
        return (json) => {
          if (!isPlainObject(json)) {
            throw new DataError(
              `Maps with string fields should be encoded as JSON objects, but found ${jsonType(json)}${where(path)}`,
            );
          }
          const out: Record<string, unknown> = {};
          for (const k of Object.keys(json)) out[k] = value(json[k]);
          return out;
        };
      }
      return (json) => {
        if (!Array.isArray(json)) {
          throw new DataError(
            `Maps with non-string fields should be encoded as JSON array of tuples, but found ${jsonType(json)}${where(path)}`,
          );
        }
        const out = new Map<unknown, unknown>();
        for (const entry of json) {
          if (!Array.isArray(entry))
            throw new DataError(`Found invalid map entry instead of array tuple: ${jsonType(entry)}`);
          if (entry.length !== 2)
            throw new DataError(`Found invalid map entry, expected length 2 but found :${entry.length}`);
          out.set(key(entry[0]), value(entry[1]));
        }
        return out;
      };
    }
    case 'STRUCT': {
      const fields = schema.fields;
      const names = fields.map((f) => f.name);
      // Field names that exist on Object.prototype must be read as own properties only.
      const ownOnly = names.map((n) => n in Object.prototype);
      const decoders = fields.map((f) =>
        compileDecoder(f.schema, replace, path === '' ? f.name : `${path}.${f.name}`),
      );
      const n = fields.length;
      return (json) => {
        if (!isPlainObject(json))
          throw new DataError(
            `Structs should be encoded as JSON objects, but found ${jsonType(json)}${where(path)}`,
          );
        const values = new Array(n);
        for (let i = 0; i < n; i++) {
          const name = names[i]!;
          values[i] = decoders[i]!(ownOnly[i] && !Object.hasOwn(json, name) ? undefined : json[name]);
        }
        return Struct.withValues(schema, values);
      };
    }
  }
}

function checkInt32(json: unknown, what: string, path: string): number {
  if (typeof json === 'number' && Number.isInteger(json) && json >= -2147483648 && json <= 2147483647)
    return json;
  throw new DataError(
    `Invalid type for ${what}${where(path)}, underlying representation should be int32 but was ${jsonType(json)}`,
  );
}

/** Converts a parsed JSON value without a schema: exact big numbers become INT64 (bigint) or doubles. */
export function decodeSchemaless(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (json instanceof LosslessNumber)
    return json.isIntegral ? canonicalInt64(BigInt(json.source)) : json.toNumber();
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) json[i] = decodeSchemaless(json[i]);
    return json;
  }
  const obj = json as Record<string, unknown>;
  for (const k of Object.keys(obj)) obj[k] = decodeSchemaless(obj[k]);
  return obj;
}

/** Parses a schema in Kafka's JSON form (`JsonConverter.asConnectSchema`); throws DataError on a bad schema. */
export function toConnectSchema(json: unknown, replaceNullWithDefault: boolean): Schema | null {
  if (json === null) return null;
  if (!isPlainObject(json)) throw new DataError(`Schema must be a JSON object, but found ${jsonType(json)}`);
  const type = json.type;
  if (typeof type !== 'string') throw new DataError("Schema must contain 'type' field");
  let builder: SchemaBuilder;
  switch (type) {
    case 'boolean':
      builder = SchemaBuilder.bool();
      break;
    case 'int8':
      builder = SchemaBuilder.int8();
      break;
    case 'int16':
      builder = SchemaBuilder.int16();
      break;
    case 'int32':
      builder = SchemaBuilder.int32();
      break;
    case 'int64':
      builder = SchemaBuilder.int64();
      break;
    case 'float':
      builder = SchemaBuilder.float32();
      break;
    case 'double':
      builder = SchemaBuilder.float64();
      break;
    case 'bytes':
      builder = SchemaBuilder.bytes();
      break;
    case 'string':
      builder = SchemaBuilder.string();
      break;
    case 'array': {
      const items = json.items;
      if (items === null || items === undefined)
        throw new DataError('Array schema did not specify the element type');
      builder = SchemaBuilder.array(toConnectSchema(items, replaceNullWithDefault)!);
      break;
    }
    case 'map': {
      if (json.keys === undefined) throw new DataError('Map schema did not specify the key type');
      if (json.values === undefined) throw new DataError('Map schema did not specify the value type');
      const k = toConnectSchema(json.keys, replaceNullWithDefault);
      const v = toConnectSchema(json.values, replaceNullWithDefault);
      if (k === null || v === null) throw new DataError('Map schema key and value types must not be null');
      builder = SchemaBuilder.map(k, v);
      break;
    }
    case 'struct': {
      builder = SchemaBuilder.struct();
      const fields = json.fields;
      if (!Array.isArray(fields)) throw new DataError('Struct schema\'s "fields" argument is not an array.');
      for (const field of fields) {
        const name = isPlainObject(field) ? field.field : undefined;
        if (typeof name !== 'string')
          throw new DataError("Struct schema's field name not specified properly");
        builder.field(name, toConnectSchema(field, replaceNullWithDefault)!);
      }
      break;
    }
    default:
      throw new DataError(`Unknown schema type: ${type}`);
  }
  if (json.optional === true) builder.optional();
  else builder.required();
  if (typeof json.name === 'string') builder.name(json.name);
  if (typeof json.version === 'number' && Number.isInteger(json.version)) builder.version(json.version);
  if (typeof json.doc === 'string') builder.doc(json.doc);
  if (isPlainObject(json.parameters)) {
    for (const [k, v] of Object.entries(json.parameters)) {
      if (typeof v !== 'string') throw new DataError('Schema parameters must have string values.');
      builder.parameter(k, v);
    }
  }
  if (json.default !== undefined && json.default !== null) {
    // Decode the default against the schema built so far (without a default yet).
    builder.defaultValue(compileDecoder(builder.build(), replaceNullWithDefault)(json.default));
  }
  return builder.build();
}
