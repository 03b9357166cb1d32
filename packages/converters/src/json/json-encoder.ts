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
import { type ByteWriter, NO_HEAD } from './json-bytes.ts';
import { base64, isPlain, quote } from './json-text.ts';

/** Encoder options from the JsonConverter config. */
export interface EncodeOptions {
  decimalFormat: 'BASE64' | 'NUMERIC';
  replaceNullWithDefault: boolean;
}

/** Turns one Connect value into JSON text; `undefined`/`null` input means a null value. */
export type Encode = (value: unknown) => string;

/**
 * Writes one Connect value as UTF-8 JSON into a {@link ByteWriter}: the same bytes as
 * `Buffer.from(encode(value))`, and the same errors.
 */
export type Write = (out: ByteWriter, value: unknown) => void;

/**
 * A schema compiled for encoding: its JSON form (as Kafka writes it), a value encoder to text
 * (used inside maps, for defaults and for schemaless values) and one to bytes (the converter's
 * path for values with a schema).
 */
export interface CompiledEncoder {
  readonly schemaJson: string;
  readonly encode: Encode;
  readonly write: Write;
}

/**
 * The byte writer of anything without a dedicated one: the text encoder's output, transcoded.
 * The byte writers also fall back to it for values off their fast path, so wrong types raise
 * the text encoder's errors.
 */
function writeText(encode: Encode): Write {
  return (out, value) => out.utf8(encode(value));
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
  const writeInner = inner.write;
  const write: Write = (out, value) => {
    if (value === null || value === undefined) out.utf8(encode(value));
    else writeInner(out, value);
  };
  return { schemaJson: schemaJson(schema, inner.typeJson, defaultText), encode, write };
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

/** A schema's type-specific JSON keys and its encoders of non-null values. */
interface NonNull {
  typeJson: string;
  encode: Encode;
  write: Write;
}

/** A NonNull whose byte writer is its text encoder's output, transcoded. */
function textOnly(typeJson: string, encode: Encode): NonNull {
  return { typeJson, encode, write: writeText(encode) };
}

function compileNonNull(schema: Schema, options: EncodeOptions, path: string): NonNull {
  const typeName = `"type":"${jsonTypeName(schema.type)}"`;
  switch (schema.name) {
    case Decimal.LOGICAL_NAME: {
      const scale = Decimal.scale(schema);
      const numeric = options.decimalFormat === 'NUMERIC';
      const encode: Encode = (v) => {
        if (!(v instanceof BigDecimal)) throw invalid('Decimal, expected BigDecimal but was', v, path);
        if (v.scale !== scale) {
          throw new DataError(
            `BigDecimal has mismatching scale value for given Decimal schema${where(path)}: ${v.scale} (schema scale ${scale})`,
          );
        }
        return numeric ? v.toString() : `"${base64(v.unscaledBytes())}"`;
      };
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          if (!(v instanceof BigDecimal) || v.scale !== scale) out.utf8(encode(v));
          else if (numeric) out.ascii(NO_HEAD, v.toString());
          else out.decimalBase64(v);
        },
      };
    }
    case ConnectDate.LOGICAL_NAME:
      return textOnly(typeName, logicalDate(schema, path, ConnectDate.fromLogical));
    case Time.LOGICAL_NAME:
      return textOnly(typeName, logicalDate(schema, path, Time.fromLogical));
    case Timestamp.LOGICAL_NAME: {
      const encode = logicalDate(schema, path, Timestamp.fromLogical);
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          const ms = v instanceof Date ? v.getTime() : Number.NaN;
          if (!Number.isNaN(ms)) out.int(NO_HEAD, ms);
          else out.utf8(encode(v));
        },
      };
    }
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGE[schema.type]!;
      const type = schema.type;
      const encode: Encode = (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalid(type, v, path);
        return String(v);
      };
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) out.int(NO_HEAD, v);
          else out.utf8(encode(v));
        },
      };
    }
    case 'INT64': {
      const encode: Encode = (v) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
        if (!isInt64(v)) throw invalid('INT64', v, path);
        return integerText(v);
      };
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          if (typeof v === 'number' && Number.isSafeInteger(v)) out.int(NO_HEAD, v);
          else out.utf8(encode(v));
        },
      };
    }
    case 'FLOAT32': {
      const encode: Encode = (v) => {
        if (typeof v !== 'number') throw invalid('FLOAT32', v, path);
        return floatText(formatJavaFloat(v));
      };
      return { typeJson: typeName, encode, write: (out, v) => out.ascii(NO_HEAD, encode(v)) };
    }
    case 'FLOAT64': {
      const encode: Encode = (v) => {
        if (typeof v !== 'number') throw invalid('FLOAT64', v, path);
        return floatText(formatJavaDouble(v));
      };
      return { typeJson: typeName, encode, write: (out, v) => out.ascii(NO_HEAD, encode(v)) };
    }
    case 'BOOLEAN': {
      const encode: Encode = (v) => {
        if (typeof v !== 'boolean') throw invalid('BOOLEAN', v, path);
        return v ? 'true' : 'false';
      };
      return { typeJson: typeName, encode, write: (out, v) => out.ascii(NO_HEAD, encode(v)) };
    }
    case 'STRING': {
      const encode: Encode = (v) => {
        if (typeof v !== 'string') throw invalid('STRING', v, path);
        return quote(v);
      };
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          if (typeof v === 'string') out.str(NO_HEAD, v);
          else encode(v); // throws
        },
      };
    }
    case 'BYTES': {
      const encode: Encode = (v) => {
        if (!(v instanceof Uint8Array)) throw invalid('BYTES', v, path);
        return `"${base64(v)}"`;
      };
      return {
        typeJson: typeName,
        encode,
        write: (out, v) => {
          if (v instanceof Uint8Array) out.base64(v);
          else encode(v); // throws
        },
      };
    }
    case 'ARRAY': {
      const items = compileEncoder(schema.valueSchema!, options, path);
      const encodeItem = items.encode;
      const writeItem = items.write;
      const encode: Encode = (v) => {
        if (!Array.isArray(v)) throw invalid('ARRAY', v, path);
        if (v.length === 0) return '[]';
        let out = `[${encodeItem(v[0])}`;
        for (let i = 1; i < v.length; i++) out += `,${encodeItem(v[i])}`;
        return `${out}]`;
      };
      return {
        typeJson: `${typeName},"items":${items.schemaJson}`,
        encode,
        write: (out, v) => {
          if (!Array.isArray(v)) {
            encode(v); // throws
            return;
          }
          out.byte(91); // [
          for (let i = 0; i < v.length; i++) {
            if (i > 0) out.byte(44); // ,
            writeItem(out, v[i]);
          }
          out.byte(93); // ]
        },
      };
    }
    case 'MAP': {
      const keys = compileEncoder(schema.keySchema!, options, path);
      const values = compileEncoder(schema.valueSchema!, options, path);
      const encodeKey = keys.encode;
      const encodeValue = values.encode;
      const objectMode = schema.keySchema!.type === 'STRING';
      return textOnly(`${typeName},"keys":${keys.schemaJson},"values":${values.schemaJson}`, (v) => {
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
      });
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
      const body = generateStructBody(fields, encoders);
      const writeBody = generateStructWriter(fields, encoders);
      // Equal schemas have the same fields in the same order, so values line up by index.
      const matches = (v: unknown): v is Struct =>
        v instanceof Struct && (v.schema === schema || schemaEquals(v.schema, schema));
      const encode: Encode = (v) => {
        if (!(v instanceof Struct)) throw invalid('STRUCT', v, path);
        if (!matches(v)) throw new DataError(`Mismatching schema${where(path)}.`);
        return body(v.rawValues());
      };
      return {
        typeJson: `${typeName},"fields":[${fieldSchemas.join(',')}]`,
        encode,
        write: (out, v) => {
          if (matches(v)) writeBody(out, v.rawValues());
          else encode(v); // throws
        },
      };
    }
  }
}

type StructBody = (values: readonly unknown[]) => string;
type StructWriter = (out: ByteWriter, values: readonly unknown[]) => void;

/*
 * The encoders of a struct's fields are generated as one function each (one to text, one to
 * bytes), so the common field types are encoded inline instead of through a closure call each.
 * The generated source holds only structure (indexes, type checks and the fixed integer ranges);
 * field names, prefixes and helpers are passed in as arrays, so no schema text ever becomes
 * code. Anything unusual (a null, a wrong type, a bigint, a nested value) goes to the field's
 * regular encoder, which also produces the error messages.
 */

function generateStructBody(fields: readonly Field[], encoders: readonly CompiledEncoder[]): StructBody {
  if (fields.length === 0) return () => '{}';
  const prefixes = fields.map((f, i) => `${i === 0 ? '{' : ','}${quote(f.name)}:`);
  const full = encoders.map((e) => e.encode);
  const lines: string[] = ['let o = "";', 'let x;'];
  fields.forEach((f, i) => {
    lines.push(`x = v[${i}];`);
    lines.push(
      `if (x === null || x === undefined) o += P[${i}] + F[${i}](x); else o += P[${i}] + ${inlineEncode(f.schema, i)};`,
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
function inlineEncode(schema: Schema, i: number): string {
  const fallback = `F[${i}](x)`;
  switch (schema.name) {
    case Timestamp.LOGICAL_NAME:
      return `(x instanceof Date && x.getTime() === x.getTime() ? "" + x.getTime() : ${fallback})`;
    case null:
      break;
    default:
      return fallback;
  }
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

/**
 * The byte counterpart of {@link generateStructBody}. Field prefixes are pre-encoded bytes,
 * written by the value's own write call on the inline paths (see ByteWriter's `head`).
 */
function generateStructWriter(fields: readonly Field[], encoders: readonly CompiledEncoder[]): StructWriter {
  if (fields.length === 0) return (out) => out.raw(EMPTY_OBJECT);
  const prefixes = fields.map((f, i) => Buffer.from(`${i === 0 ? '{' : ','}${quote(f.name)}:`, 'utf8'));
  const full = encoders.map((e) => e.write);
  const lines: string[] = ['let x;', 'let t;'];
  fields.forEach((f, i) => {
    lines.push(`x = v[${i}];`, inlineWrite(f.schema, i));
  });
  lines.push('o.byte(125);');
  const factory = new Function('P', 'W', 'D', `return function writeStruct(o, v) {\n${lines.join('\n')}\n};`);
  return factory(prefixes, full, formatDoubleJson) as StructWriter;
}

/**
 * The statement writing field `i` (prefix and value `x`) to `o`: inline for common schemas and
 * values, else the prefix and then the field's full writer.
 */
function inlineWrite(schema: Schema, i: number): string {
  const fallback = `{ o.raw(P[${i}]); W[${i}](o, x); }`;
  switch (schema.name) {
    case Timestamp.LOGICAL_NAME:
      return `t = x instanceof Date ? x.getTime() : NaN; if (t === t) o.int(P[${i}], t); else ${fallback}`;
    case null:
      break;
    default:
      return fallback;
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGE[schema.type]!;
      return `if (typeof x === "number" && Number.isInteger(x) && x >= ${lo} && x <= ${hi}) o.int(P[${i}], x); else ${fallback}`;
    }
    case 'INT64':
      return `if (typeof x === "number" && Number.isSafeInteger(x)) o.int(P[${i}], x); else ${fallback}`;
    case 'FLOAT64':
      return `if (typeof x === "number") o.ascii(P[${i}], D(x)); else ${fallback}`;
    case 'BOOLEAN':
      return `if (typeof x === "boolean") o.bool(P[${i}], x); else ${fallback}`;
    case 'STRING':
      return `if (typeof x === "string") o.str(P[${i}], x); else ${fallback}`;
    default:
      return fallback;
  }
}

const EMPTY_OBJECT = Buffer.from('{}');

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
