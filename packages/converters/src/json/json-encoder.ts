import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  type Field,
  formatJavaDouble,
  formatJavaFloat,
  isInt64,
  isMapValue,
  mapEntries,
  type Schema,
  Struct,
  schemaEquals,
  Time,
  Timestamp,
} from '@sluice/api';
import { base64, isPlain, quote } from './json-text.ts';

/** Encoder options from the JsonConverter config. */
export interface EncodeOptions {
  decimalFormat: 'BASE64' | 'NUMERIC';
  replaceNullWithDefault: boolean;
}

/** Turns one Connect value into JSON text; `undefined`/`null` input means a null value. */
export type Encode = (value: unknown) => string;

/** A schema compiled for encoding: its JSON form (as Kafka writes it) and a value encoder. */
export interface CompiledEncoder {
  readonly schemaJson: string;
  readonly encode: Encode;
}

const INT_RANGE: Record<string, readonly [number, number]> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
};

function where(path: string): string {
  return path === '' ? '' : ` for field "${path}"`;
}

function invalid(type: string, value: unknown, path: string): DataError {
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'object'
          ? (value.constructor?.name ?? 'object')
          : typeof value;
  return new DataError(`Invalid type for ${type}${where(path)}: ${got}`);
}

function integerText(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

function floatText(text: string): string {
  // Jackson writes non-finite numbers as quoted strings (WRITE_NAN_AS_STRINGS).
  const c = text.charCodeAt(text.length - 1);
  return c === 78 /* N */ || c === 121 /* y */ ? `"${text}"` : text;
}

/** Compiles `schema` to an encoder. Recursive schemas are impossible in Connect, so plain recursion is safe. */
export function compileEncoder(schema: Schema, options: EncodeOptions, path = ''): CompiledEncoder {
  const inner = compileNonNull(schema, options, path);
  const defaultValue = schema.defaultValue;
  const defaultText = defaultValue !== null && defaultValue !== undefined ? inner.encode(defaultValue) : null;
  const nullText =
    options.replaceNullWithDefault && defaultText !== null ? defaultText : schema.isOptional ? 'null' : null;
  const encodeInner = inner.encode;
  const encode: Encode = (value) => {
    if (value === null || value === undefined) {
      if (nullText === null) {
        throw new DataError(
          `Conversion error: null value for field that is required and has no default value${where(path)}`,
        );
      }
      return nullText;
    }
    return encodeInner(value);
  };
  return { schemaJson: schemaJson(schema, inner.typeJson, defaultText), encode };
}

/** The schema JSON in Jackson's key order: type, type-specific keys, optional, name, version, doc, parameters, default. */
function schemaJson(schema: Schema, typeJson: string, defaultText: string | null): string {
  let out = `{${typeJson},"optional":${schema.isOptional}`;
  if (schema.name !== null) out += `,"name":${quote(schema.name)}`;
  if (schema.version !== null) out += `,"version":${schema.version}`;
  if (schema.doc !== null) out += `,"doc":${quote(schema.doc)}`;
  if (schema.parameters !== null) {
    const params = Object.entries(schema.parameters).map(([k, v]) => `${quote(k)}:${quote(v)}`);
    out += `,"parameters":{${params.join(',')}}`;
  }
  if (defaultText !== null) out += `,"default":${defaultText}`;
  return `${out}}`;
}

interface NonNull {
  typeJson: string;
  encode: Encode;
}

function compileNonNull(schema: Schema, options: EncodeOptions, path: string): NonNull {
  const typeName = `"type":"${jsonTypeName(schema.type)}"`;
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const scale = Decimal.scale(schema);
      const numeric = options.decimalFormat === 'NUMERIC';
      return {
        typeJson: typeName,
        encode: (v) => {
          if (!(v instanceof BigDecimal)) throw invalid('Decimal, expected BigDecimal but was', v, path);
          if (v.scale !== scale) {
            throw new DataError(
              `BigDecimal has mismatching scale value for given Decimal schema${where(path)}: ${v.scale} (schema scale ${scale})`,
            );
          }
          return numeric ? v.toString() : `"${base64(v.unscaledBytes())}"`;
        },
      };
    }
    case ConnectDate.LOGICAL_NAME:
      return { typeJson: typeName, encode: logicalDate(schema, path, ConnectDate.fromLogical) };
    case Time.LOGICAL_NAME:
      return { typeJson: typeName, encode: logicalDate(schema, path, Time.fromLogical) };
    case Timestamp.LOGICAL_NAME:
      return { typeJson: typeName, encode: logicalDate(schema, path, Timestamp.fromLogical) };
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGE[schema.type]!;
      const type = schema.type;
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(type, v, path);
          return String(v);
        },
      };
    }
    case 'INT64':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
          if (!isInt64(v)) throw invalid('INT64', v, path);
          return integerText(v);
        },
      };
    case 'FLOAT32':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v !== 'number') throw invalid('FLOAT32', v, path);
          return floatText(formatJavaFloat(v));
        },
      };
    case 'FLOAT64':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v !== 'number') throw invalid('FLOAT64', v, path);
          return floatText(formatJavaDouble(v));
        },
      };
    case 'BOOLEAN':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v !== 'boolean') throw invalid('BOOLEAN', v, path);
          return v ? 'true' : 'false';
        },
      };
    case 'STRING':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (typeof v !== 'string') throw invalid('STRING', v, path);
          return quote(v);
        },
      };
    case 'BYTES':
      return {
        typeJson: typeName,
        encode: (v) => {
          if (!(v instanceof Uint8Array)) throw invalid('BYTES', v, path);
          return `"${base64(v)}"`;
        },
      };
    case 'ARRAY': {
      const items = compileEncoder(schema.valueSchema!, options, path);
      const encodeItem = items.encode;
      return {
        typeJson: `${typeName},"items":${items.schemaJson}`,
        encode: (v) => {
          if (!Array.isArray(v)) throw invalid('ARRAY', v, path);
          if (v.length === 0) return '[]';
          let out = `[${encodeItem(v[0])}`;
          for (let i = 1; i < v.length; i++) out += `,${encodeItem(v[i])}`;
          return `${out}]`;
        },
      };
    }
    case 'MAP': {
      const keys = compileEncoder(schema.keySchema!, options, path);
      const values = compileEncoder(schema.valueSchema!, options, path);
      const encodeKey = keys.encode;
      const encodeValue = values.encode;
      const objectMode = schema.keySchema!.type === 'STRING';
      return {
        typeJson: `${typeName},"keys":${keys.schemaJson},"values":${values.schemaJson}`,
        encode: (v) => {
          if (!isMapValue(v)) throw invalid('MAP', v, path);
          const parts: string[] = [];
          if (objectMode) {
            for (const [k, val] of mapEntries(v)) {
              const keyText = encodeKey(k);
              // A null key is written as the text "null", as Jackson's asText() of a null node.
              parts.push(`${keyText === 'null' ? '"null"' : keyText}:${encodeValue(val)}`);
            }
            return `{${parts.join(',')}}`;
          }
          for (const [k, val] of mapEntries(v)) parts.push(`[${encodeKey(k)},${encodeValue(val)}]`);
          return `[${parts.join(',')}]`;
        },
      };
    }
    case 'STRUCT': {
      const fields = schema.fields;
      const encoders = fields.map((f) =>
        compileEncoder(f.schema, options, path === '' ? f.name : `${path}.${f.name}`),
      );
      const fieldSchemas = fields.map((f, i) => {
        const s = encoders[i]!.schemaJson;
        return `${s.slice(0, -1)},"field":${quote(f.name)}}`;
      });
      const body = generateStructBody(fields, encoders, options);
      return {
        typeJson: `${typeName},"fields":[${fieldSchemas.join(',')}]`,
        encode: (v) => {
          if (!(v instanceof Struct)) throw invalid('STRUCT', v, path);
          if (v.schema !== schema && !schemaEquals(v.schema, schema)) {
            throw new DataError(`Mismatching schema${where(path)}.`);
          }
          // Equal schemas have the same fields in the same order, so values line up by index.
          return body(v.rawValues());
        },
      };
    }
  }
}

type StructBody = (values: readonly unknown[]) => string;

/**
 * Generates the encoder of a struct's fields as one function, so the common field types are
 * encoded inline instead of through a closure call each. The generated source holds only
 * structure (indexes and type checks); field names, prefixes and helpers are passed in as
 * arrays, so no schema text ever becomes code. Anything unusual (a wrong type, a bigint, a
 * nested value) goes to the field's regular encoder, which also produces the error messages.
 */
function generateStructBody(
  fields: readonly Field[],
  encoders: readonly CompiledEncoder[],
  options: EncodeOptions,
): StructBody {
  if (fields.length === 0) return () => '{}';
  const prefixes = fields.map((f, i) => `${i === 0 ? '{' : ','}${quote(f.name)}:`);
  const full = encoders.map((e) => e.encode);
  const lines: string[] = ['let o = "";', 'let x;'];
  fields.forEach((f, i) => {
    lines.push(`x = v[${i}];`);
    lines.push(
      `if (x === null || x === undefined) o += P[${i}] + F[${i}](x); else o += P[${i}] + ${inlineEncode(f.schema, i, options)};`,
    );
  });
  lines.push('return o + "}";');
  const factory = new Function(
    'P',
    'F',
    'D',
    'Q',
    'E',
    `return function encodeStruct(v) {\n${lines.join('\n')}\n};`,
  );
  return factory(prefixes, full, formatDoubleJson, quote, isPlain) as StructBody;
}

/** The inline expression encoding a non-null `x` for common schemas, else a call of the full encoder. */
function inlineEncode(schema: Schema, i: number, options: EncodeOptions): string {
  const fallback = `F[${i}](x)`;
  switch (schema.name) {
    case Timestamp.LOGICAL_NAME:
      return `(x instanceof Date && x.getTime() === x.getTime() ? "" + x.getTime() : ${fallback})`;
    case null:
      break;
    default:
      return fallback;
  }
  void options;
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGE[schema.type]!;
      return `(typeof x === "number" && Number.isInteger(x) && x >= ${lo} && x <= ${hi} ? "" + x : ${fallback})`;
    }
    case 'INT64':
      return `(typeof x === "number" && Number.isSafeInteger(x) ? "" + x : ${fallback})`;
    case 'FLOAT64':
      return `(typeof x === "number" ? D(x) : ${fallback})`;
    case 'BOOLEAN':
      return `(x === true ? "true" : x === false ? "false" : ${fallback})`;
    case 'STRING':
      return `(typeof x === "string" ? (E(x) ? '"' + x + '"' : Q(x)) : ${fallback})`;
    default:
      return fallback;
  }
}

function formatDoubleJson(value: number): string {
  return floatText(formatJavaDouble(value));
}

function logicalDate(schema: Schema, path: string, fromLogical: (s: Schema, d: Date) => number): Encode {
  return (v) => {
    if (!(v instanceof Date))
      throw invalid(
        `${schema.name!.slice(schema.name!.lastIndexOf('.') + 1)}, expected Date but was`,
        v,
        path,
      );
    return String(fromLogical(schema, v));
  };
}

/** Kafka's JSON schema type names: `float` is FLOAT32, `double` is FLOAT64. */
export function jsonTypeName(type: Schema['type']): string {
  switch (type) {
    case 'FLOAT32':
      return 'float';
    case 'FLOAT64':
      return 'double';
    default:
      return type.toLowerCase();
  }
}

/**
 * Encodes a value without a schema, typed by its runtime class. Integral numbers are written
 * as integers and other numbers as Java doubles; a Struct uses its own schema.
 */
export function encodeSchemaless(
  value: unknown,
  options: EncodeOptions,
  structEncoder: (s: Struct) => string,
): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? integerText(value) : floatText(formatJavaDouble(value));
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quote(value);
  }
  if (value instanceof Uint8Array) return `"${base64(value)}"`;
  if (Array.isArray(value))
    return `[${value.map((v) => encodeSchemaless(v, options, structEncoder)).join(',')}]`;
  if (value instanceof Struct) return structEncoder(value);
  if (isMapValue(value)) {
    const entries = [...mapEntries(value)];
    if (entries.every(([k]) => typeof k === 'string')) {
      return `{${entries.map(([k, v]) => `${quote(k as string)}:${encodeSchemaless(v, options, structEncoder)}`).join(',')}}`;
    }
    return `[${entries
      .map(
        ([k, v]) =>
          `[${encodeSchemaless(k, options, structEncoder)},${encodeSchemaless(v, options, structEncoder)}]`,
      )
      .join(',')}]`;
  }
  const cls = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new DataError(`${cls} does not have a corresponding schema type; a schema is needed to convert it`);
}
