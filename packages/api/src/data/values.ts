import { javaTrim } from '../config/java-format.ts';
import { DataError } from '../errors.ts';
import { BigDecimal } from './big-decimal.ts';
import { formatJavaDouble, formatJavaFloat } from './java-format.ts';
import { ConnectDate, Decimal, Time, Timestamp } from './logical.ts';
import {
  isMapValue,
  mapEntries,
  type Schema,
  Schema as Schemas,
  type SchemaType,
  schemaEquals,
} from './schema.ts';
import { SchemaAndValue } from './schema-and-value.ts';
import { SchemaBuilder } from './schema-builder.ts';
import { Struct } from './struct.ts';

/*
 * Kafka Connect's `org.apache.kafka.connect.data.Values`: converting a Connect value to another
 * type, printing any value as text and parsing that text back (what SimpleHeaderConverter does).
 *
 * JavaScript has one `number` type where Java has Byte/Short/Integer/Long/Float/Double, so where
 * Kafka looks at a value's Java class this module looks at the schema when there is one
 * (FLOAT32 prints with float precision, FLOAT64 as a double) and otherwise at the value itself
 * (an integral number is an integer, anything else a double). See `inferSchema` for the mapping.
 */

const MILLIS_PER_DAY = 86_400_000;
/** JavaScript Dates hold at most ±8.64e15 ms around the epoch. */
const MAX_DATE_MILLIS = 8.64e15;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_63 = 2 ** 63;
const NULL_TO_REQUIRED = 'Unable to convert a null value to a schema that requires a value';

const ARRAY_SELECTOR = 'Schema{ARRAY}';
const MAP_SELECTOR = 'Schema{MAP}';
const STRUCT_SELECTOR = 'Schema{STRUCT}';

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Kafka's `Utils.isBlank`: empty after Java trimming. */
function isBlank(s: string): boolean {
  return javaTrim(s).length === 0;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string': {
      const s = value.length > 60 ? `${value.slice(0, 60)}…` : value;
      return `${JSON.stringify(s)} (string)`;
    }
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${String(value)} (${typeof value})`;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date (Date)' : `${value.toISOString()} (Date)`;
  }
  if (value instanceof BigDecimal) return `${value.toString()} (BigDecimal)`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value instanceof Struct) return value.toString();
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function unableToConvert(value: unknown, target: string, cause?: unknown): DataError {
  return new DataError(
    `Unable to convert ${describe(value)} to ${target}`,
    cause === undefined ? undefined : { cause },
  );
}

function checkedDateMillis(value: Date): number {
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw new DataError('Cannot convert an invalid Date');
  return ms;
}

function dateFromMillis(millis: number | bigint): Date {
  const ms = Number(millis);
  if (!(Math.abs(ms) <= MAX_DATE_MILLIS)) {
    throw new DataError(`${String(millis)} ms since the epoch is outside the range of a JavaScript Date`);
  }
  return new Date(ms);
}

const JAVA_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `new java.math.BigDecimal(text)`: no surrounding whitespace, ASCII digits. Throws DataError. */
function parseJavaBigDecimal(text: string): BigDecimal {
  if (!JAVA_DECIMAL.test(text)) throw new DataError(`Not a number: ${JSON.stringify(text)}`);
  return BigDecimal.parse(text);
}

function decimalDigits(unscaled: bigint): number {
  return (unscaled < 0n ? -unscaled : unscaled).toString().length;
}

/** Java's `(long) d`: truncation toward zero, saturating, NaN ⇒ 0. */
function doubleToLong(d: number): bigint {
  if (Number.isNaN(d)) return 0n;
  if (d >= TWO_POW_63) return INT64_MAX;
  if (d <= -TWO_POW_63) return INT64_MIN;
  return BigInt(Math.trunc(d));
}

/** Java's `BigDecimal.longValue()`: the integer part (truncated toward zero), low 64 bits. */
function decimalToLong(d: BigDecimal): bigint {
  if (d.unscaled === 0n) return 0n;
  if (d.scale <= 0) {
    // unscaled × 10^k with k ≥ 64 is a multiple of 2^64, so its low 64 bits are zero.
    if (-d.scale >= 64) return 0n;
    return BigInt.asIntN(64, d.unscaled * 10n ** BigInt(-d.scale));
  }
  if (d.scale >= decimalDigits(d.unscaled)) return 0n;
  return BigInt.asIntN(64, d.unscaled / 10n ** BigInt(d.scale));
}

/** Java's `BigDecimal.doubleValue()`. */
function decimalToDouble(d: BigDecimal): number {
  return Number(d.toString());
}

// ---------------------------------------------------------------------------------------------
// Numeric conversions (Kafka's asLong / asDouble)

/**
 * The value as a Java long: numbers truncate (saturating), bigints and BigDecimals keep their low
 * 64 bits, strings are read as decimals, Dates only with a Date/Time/Timestamp schema.
 */
function asLong(value: unknown, fromSchema: Schema | null): bigint {
  if (typeof value === 'number') return doubleToLong(value);
  if (typeof value === 'bigint') return BigInt.asIntN(64, value);
  if (value instanceof BigDecimal) return decimalToLong(value);
  let cause: unknown;
  if (typeof value === 'string') {
    try {
      return decimalToLong(parseJavaBigDecimal(value));
    } catch (e) {
      cause = e;
    }
  }
  if (fromSchema !== null && value instanceof Date) {
    checkedDateMillis(value);
    switch (fromSchema.name) {
      case ConnectDate.LOGICAL_NAME:
        return BigInt(ConnectDate.fromLogical(fromSchema, value));
      case Time.LOGICAL_NAME:
        return BigInt(Time.fromLogical(fromSchema, value));
      case Timestamp.LOGICAL_NAME:
        return BigInt(Timestamp.fromLogical(fromSchema, value));
    }
  }
  throw unableToConvert(value, 'a number', cause);
}

function asDouble(value: unknown, fromSchema: Schema | null): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof BigDecimal) return decimalToDouble(value);
  if (typeof value === 'string' && JAVA_DECIMAL.test(value)) return Number(value);
  return Number(asLong(value, fromSchema));
}

// ---------------------------------------------------------------------------------------------
// Text form (Kafka's Values.append)

function escapeQuoted(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isoDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

function isoTime(d: Date): string {
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/**
 * Kafka's choice of format by value: before 1970-01-02 ⇒ time of day, exactly midnight ⇒ date,
 * else timestamp. All in UTC.
 */
function formatDate(value: Date): string {
  const ms = checkedDateMillis(value);
  if (ms < MILLIS_PER_DAY) return isoTime(value);
  if (ms % MILLIS_PER_DAY === 0) return isoDate(value);
  return `${isoDate(value)}T${isoTime(value)}`;
}

function formatNumber(schema: Schema | null, n: number): string {
  const type = schema?.type;
  if (type === 'FLOAT32') return formatJavaFloat(n);
  if (type === 'FLOAT64') return formatJavaDouble(n);
  if (Number.isInteger(n) && Math.abs(n) < TWO_POW_63) {
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  return formatJavaDouble(n);
}

function stringify(schema: Schema | null, value: unknown, embedded: boolean): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return embedded ? `"${escapeQuoted(value)}"` : value;
    case 'number':
      return formatNumber(schema, value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Uint8Array) {
    const text = base64(value);
    return embedded ? `"${text}"` : text;
  }
  if (value instanceof BigDecimal) return value.toString();
  if (value instanceof Date) return formatDate(value);
  if (Array.isArray(value)) {
    const element = schema?.type === 'ARRAY' ? schema.valueSchema : null;
    return `[${value.map((v) => stringify(element, v, true)).join(',')}]`;
  }
  if (value instanceof Struct) {
    const parts = value.schema.fields.map(
      (f) => `${stringify(null, f.name, true)}:${stringify(f.schema, value.get(f), true)}`,
    );
    return `{${parts.join(',')}}`;
  }
  if (isMapValue(value)) {
    const keySchema = schema?.type === 'MAP' ? schema.keySchema : null;
    const valueSchema = schema?.type === 'MAP' ? schema.valueSchema : null;
    const parts: string[] = [];
    for (const [k, v] of mapEntries(value)) {
      parts.push(`${stringify(keySchema, k, true)}:${stringify(valueSchema, v, true)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new DataError(`Failed to serialize unexpected value type ${describe(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Schema inference for values in memory

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function inferSchema(value: unknown): Schema | null {
  switch (typeof value) {
    case 'string':
      return Schemas.STRING_SCHEMA;
    case 'boolean':
      return Schemas.BOOLEAN_SCHEMA;
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= INT32_MIN && value <= INT32_MAX) return Schemas.INT32_SCHEMA;
        if (Math.abs(value) < TWO_POW_63) return Schemas.INT64_SCHEMA;
      }
      return Schemas.FLOAT64_SCHEMA;
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? Schemas.INT64_SCHEMA : null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (value instanceof Uint8Array) return Schemas.BYTES_SCHEMA;
  if (value instanceof Struct) return value.schema;
  if (value instanceof Date) return Timestamp.SCHEMA;
  if (value instanceof BigDecimal) return Decimal.schema(value.scale);
  if (Array.isArray(value)) {
    const element = detectCommonSchema(value);
    return element === null ? null : SchemaBuilder.array(element).build();
  }
  if (isMapValue(value)) {
    const entries = [...mapEntries(value)];
    const keys = detectCommonSchema(entries.map((e) => e[0]));
    const values = keys === null ? null : detectCommonSchema(entries.map((e) => e[1]));
    return keys === null || values === null ? null : SchemaBuilder.map(keys, values).build();
  }
  return null;
}

/** INT32 < INT64 < FLOAT64: the numeric schemas `inferSchema` gives, widest last. */
const INFERRED_NUMERIC_RANK: Partial<Record<SchemaType, number>> = { INT32: 0, INT64: 1, FLOAT64: 2 };

/**
 * The schema every element fits (optional when some are null), or null when the list is empty,
 * all null, or mixes kinds. Unlike Kafka (which types by Java class), integral and fractional
 * JavaScript numbers widen to the widest kind seen, since `[1, 1.5]` is one kind of value here.
 */
function detectCommonSchema(values: readonly unknown[]): Schema | null {
  let common: Schema | null = null;
  let optional = false;
  let hasBigint = false;
  for (const v of values) {
    if (v === null || v === undefined) {
      optional = true;
      continue;
    }
    const s = inferSchema(v);
    if (s === null) return null;
    if (typeof v === 'bigint') hasBigint = true;
    if (common === null || schemaEquals(common, s)) {
      common = s;
      continue;
    }
    const a: number | undefined = INFERRED_NUMERIC_RANK[common.type];
    const b: number | undefined = INFERRED_NUMERIC_RANK[s.type];
    if (a === undefined || b === undefined || common.name !== null || s.name !== null) return null;
    common = a >= b ? common : s;
  }
  if (common === null) return null;
  // A bigint is no FLOAT64 value.
  if (hasBigint && common.type === 'FLOAT64') return null;
  if (!optional || common.isOptional) return common;
  // A struct must carry exactly its schema, so an optional copy of it would not validate.
  if (common.type === 'STRUCT') return null;
  return SchemaBuilder.from(common).optional().build();
}

// ---------------------------------------------------------------------------------------------
// Parsing text (Kafka's Values.parseString)

/** A parsed value. `schema` is null for a list or map whose elements share no schema. */
interface Parsed {
  readonly schema: Schema | null;
  readonly value: unknown;
  /** An empty list or map, or a list of nulls: it fits any list/map schema when merging. */
  readonly neutral?: boolean;
}

const DELIMITERS = ':,{}[]"';

/**
 * Splits text into tokens: each unescaped delimiter (`: , { } [ ] "`) is a token of its own and
 * the text between delimiters is one token (whitespace included). A backslash escapes the next
 * character, so `\:` stays inside its token.
 */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      escaped = !escaped;
      continue;
    }
    if (DELIMITERS.includes(text[i]!)) {
      if (escaped) {
        escaped = false;
        continue;
      }
      if (start < i) tokens.push(text.slice(start, i));
      tokens.push(text[i]!);
      start = i + 1;
      continue;
    }
    escaped = false;
  }
  if (start < text.length) tokens.push(text.slice(start));
  return tokens;
}

const TIME_TEXT = /^(\d\d):(\d\d):(\d\d)\.(\d{3})Z$/;
const DATE_TEXT = /^(\d{4})-(\d\d)-(\d\d)$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$/;

function utcMillis(year: number, month: number, day: number): number | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  // Rolled over into the next month: no such day.
  return d.getUTCDate() === day ? d.getTime() : null;
}

function timeMillis(h: number, m: number, s: number, ms: number): number | null {
  if (h > 23 || m > 59 || s > 59) return null;
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

/** An ISO-8601 date (`yyyy-MM-dd`), time (`HH:mm:ss.SSS'Z'`) or timestamp, or null. `\:` counts as `:`. */
function parseTemporal(token: string): Parsed | null {
  const text = token.replaceAll('\\:', ':');
  let m: RegExpExecArray | null;
  switch (text.length) {
    case 13: {
      m = TIME_TEXT.exec(text);
      const ms = m && timeMillis(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));
      return ms === null ? null : { schema: Time.SCHEMA, value: new Date(ms) };
    }
    case 10: {
      m = DATE_TEXT.exec(text);
      const ms = m && utcMillis(Number(m[1]), Number(m[2]), Number(m[3]));
      return ms === null ? null : { schema: ConnectDate.SCHEMA, value: new Date(ms) };
    }
    case 24: {
      m = TIMESTAMP_TEXT.exec(text);
      if (m === null) return null;
      const day = utcMillis(Number(m[1]), Number(m[2]), Number(m[3]));
      const time = timeMillis(Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
      return day === null || time === null ? null : { schema: Timestamp.SCHEMA, value: new Date(day + time) };
    }
    default:
      return null;
  }
}

/** The decimal's value when it is an integer within INT64, else null. Never builds huge numbers. */
function exactInt64(d: BigDecimal): bigint | null {
  if (d.unscaled === 0n) return 0n;
  let v: bigint;
  if (d.scale <= 0) {
    if (-d.scale > 19) return null;
    v = d.unscaled * 10n ** BigInt(-d.scale);
  } else {
    if (d.scale >= decimalDigits(d.unscaled)) return null;
    const p = 10n ** BigInt(d.scale);
    if (d.unscaled % p !== 0n) return null;
    v = d.unscaled / p;
  }
  return v >= INT64_MIN && v <= INT64_MAX ? v : null;
}

function integerParsed(v: bigint): Parsed {
  if (v >= -128n && v <= 127n) return { schema: Schemas.INT8_SCHEMA, value: Number(v) };
  if (v >= -32768n && v <= 32767n) return { schema: Schemas.INT16_SCHEMA, value: Number(v) };
  if (v >= -2147483648n && v <= 2147483647n) return { schema: Schemas.INT32_SCHEMA, value: Number(v) };
  return {
    schema: Schemas.INT64_SCHEMA,
    value: v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v,
  };
}

const FLOAT_MAX = 3.4028234663852886e38;
const FLOAT_OVERFLOW = 2 ** 128;
const floatScratch = new Float32Array(1);
const floatBits = new Int32Array(floatScratch.buffer);

/** The next float above `f` (a float, or ±2^128 standing for ±infinity), as a double. */
function nextFloatUp(f: number): number {
  if (f === FLOAT_MAX) return FLOAT_OVERFLOW;
  if (f === -FLOAT_OVERFLOW) return -FLOAT_MAX;
  if (f === 0) return 2 ** -149;
  floatScratch[0] = f;
  floatBits[0]! += f > 0 ? 1 : -1;
  return floatScratch[0]!;
}

/** The exact decimal value of a finite double. */
function exactDecimal(d: number): BigDecimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  if (negative) mantissa = -mantissa;
  return exponent >= 0
    ? new BigDecimal(mantissa << BigInt(exponent), 0)
    : new BigDecimal(mantissa * 5n ** BigInt(-exponent), -exponent);
}

/**
 * Java's `BigDecimal.floatValue()`: the float nearest the exact decimal. Rounding the double
 * nearest the text again to a float is wrong only when that double is exactly halfway between
 * two floats, so that case is settled against the exact decimal.
 */
function decimalToFloat(decimal: BigDecimal, d: number): number {
  const rounded = Math.fround(d);
  if (!Number.isFinite(d) || d === 0 || rounded === d) return rounded;
  const f =
    rounded === Number.POSITIVE_INFINITY
      ? FLOAT_OVERFLOW
      : rounded === Number.NEGATIVE_INFINITY
        ? -FLOAT_OVERFLOW
        : rounded;
  const lo = f < d ? f : -nextFloatUp(-f);
  const hi = f < d ? nextFloatUp(f) : f;
  if (lo + hi !== 2 * d) return rounded;
  const c = decimal.compareTo(exactDecimal(d));
  if (c === 0) return rounded;
  const r = c > 0 ? hi : lo;
  return Math.abs(r) === FLOAT_OVERFLOW ? Math.sign(r) * Number.POSITIVE_INFINITY : r;
}

/**
 * A number as Kafka reads one: an integer ⇒ the smallest of INT8/16/32/64 that holds it; a
 * fraction (or exponent form) ⇒ FLOAT32 if within float range, else FLOAT64 if within double
 * range; else (a huge integer, or out of range) ⇒ Decimal with the text's scale.
 */
function parseNumber(token: string): Parsed | null {
  let decimal: BigDecimal;
  try {
    decimal = parseJavaBigDecimal(token);
  } catch {
    return null;
  }
  const integer = exactInt64(decimal);
  if (integer !== null) return integerParsed(integer);
  if (decimal.scale !== 0) {
    const d = Number(token);
    const f = decimalToFloat(decimal, d);
    if (Number.isFinite(f)) return { schema: Schemas.FLOAT32_SCHEMA, value: f };
    if (Number.isFinite(d)) return { schema: Schemas.FLOAT64_SCHEMA, value: d };
  }
  return { schema: Decimal.schema(decimal.scale), value: decimal };
}

/** How the numeric types widen when list elements or map entries differ (Kafka's SchemaMerger). */
const NUMERIC_RANK: Partial<Record<SchemaType, number>> = {
  INT8: 0,
  INT16: 1,
  INT32: 2,
  INT64: 3,
  FLOAT32: 4,
  FLOAT64: 5,
};

/**
 * A schema both parsed schemas fit, or null. Equal schemas merge; plain numeric types widen to the
 * wider one; lists and maps merge element-wise; anything else (logical types included) does not.
 */
function mergeSchemas(a: Schema, b: Schema): Schema | null {
  if (schemaEquals(a, b)) return a;
  if (a.name !== null || b.name !== null) return null;
  const ra = NUMERIC_RANK[a.type];
  const rb = NUMERIC_RANK[b.type];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? a : b;
  if (a.type === 'ARRAY' && b.type === 'ARRAY') {
    const element = mergeSchemas(a.valueSchema!, b.valueSchema!);
    return element === null ? null : SchemaBuilder.array(element).build();
  }
  if (a.type === 'MAP' && b.type === 'MAP') {
    const keys = mergeSchemas(a.keySchema!, b.keySchema!);
    const values = keys === null ? null : mergeSchemas(a.valueSchema!, b.valueSchema!);
    return keys === null || values === null ? null : SchemaBuilder.map(keys, values).build();
  }
  return null;
}

/** Finds the schema shared by a sequence of parsed values; nulls and neutral values fit any. */
class SchemaMerger {
  #common: Schema | null = null;
  #compatible = true;

  merge(parsed: Parsed | null): void {
    if (parsed === null || parsed.neutral === true || !this.#compatible) return;
    this.#common =
      parsed.schema === null
        ? null
        : this.#common === null
          ? parsed.schema
          : mergeSchemas(this.#common, parsed.schema);
    this.#compatible = this.#common !== null;
  }

  /** True when no value so far had a schema (everything null or neutral). */
  get empty(): boolean {
    return this.#compatible && this.#common === null;
  }

  get common(): Schema | null {
    return this.#compatible ? this.#common : null;
  }
}

/** Converts a parsed value to a (wider or equal) merged schema. A null for a required schema fails. */
function align(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) {
    if (schema.isOptional) return null;
    throw new DataError(NULL_TO_REQUIRED);
  }
  if (schema.name !== null) return value;
  switch (schema.type) {
    case 'INT8':
      return Values.convertToByte(null, value);
    case 'INT16':
      return Values.convertToShort(null, value);
    case 'INT32':
      return Values.convertToInteger(null, value);
    case 'INT64':
      return Values.convertToLong(null, value);
    case 'FLOAT32':
      return Values.convertToFloat(null, value);
    case 'FLOAT64':
      return Values.convertToDouble(null, value);
    case 'ARRAY':
      return (value as unknown[]).map((v) => align(schema.valueSchema!, v));
    case 'MAP': {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of mapEntries(value as Map<unknown, unknown>)) {
        out.set(align(schema.keySchema!, k), align(schema.valueSchema!, v));
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * The recursive parser over the token list. Structures that turn out malformed throw DataError
 * internally; the caller of a list/map parse rewinds, so at the top level malformed input is
 * simply a STRING.
 */
class ValueParser {
  readonly #tokens: string[];
  #pos = 0;

  constructor(text: string) {
    this.#tokens = tokenize(text);
  }

  get #hasNext(): boolean {
    return this.#pos < this.#tokens.length;
  }

  #next(): string {
    return this.#tokens[this.#pos++]!;
  }

  /**
   * Consumes the next token if, trimmed, it equals `expected`. Whitespace-only tokens before it
   * are skipped (and stay skipped when it does not match), as in Kafka's parser.
   */
  #canConsume(expected: string): boolean {
    if (!this.#hasNext) return false;
    let i = this.#pos;
    while (isBlank(this.#tokens[i]!) && i + 1 < this.#tokens.length) i++;
    this.#pos = i;
    if (javaTrim(this.#tokens[i]!) !== expected) return false;
    this.#pos = i + 1;
    return true;
  }

  /** True when only whitespace remains. */
  atEnd(): boolean {
    for (let i = this.#pos; i < this.#tokens.length; i++) if (!isBlank(this.#tokens[i]!)) return false;
    return true;
  }

  /** The top-level value; null for the literal `null`, undefined when the text is a plain string. */
  parseTop(): Parsed | null | undefined {
    for (const [literal, result] of LITERALS) {
      const start = this.#pos;
      if (this.#canConsume(literal) && this.atEnd()) return result;
      this.#pos = start;
    }
    const structure = this.#parseStructure();
    if (structure !== undefined) return this.atEnd() ? structure : undefined;
    const token = this.#next();
    if (isBlank(token)) return undefined;
    const parsed = this.#parseScalar(javaTrim(token));
    return parsed !== null && this.atEnd() ? parsed : undefined;
  }

  /** A list element, map key or map value. Throws DataError when it is not a valid value. */
  #parseEmbedded(): Parsed | null {
    if (!this.#hasNext) return null;
    if (this.#canConsume('"')) return this.#parseQuoted();
    for (const [literal, result] of LITERALS) {
      const start = this.#pos;
      if (this.#canConsume(literal)) return result;
      this.#pos = start;
    }
    const structure = this.#parseStructure();
    if (structure !== undefined) return structure;
    const token = this.#next();
    if (isBlank(token)) return { schema: Schemas.STRING_SCHEMA, value: token };
    const parsed = this.#parseScalar(javaTrim(token));
    if (parsed === null) throw new DataError('Failed to parse embedded value');
    return parsed;
  }

  /** A `[...]` or `{...}` at the cursor, or undefined (cursor unchanged) if there is none or it is malformed. */
  #parseStructure(): Parsed | undefined {
    const start = this.#pos;
    try {
      if (this.#canConsume('[')) return this.#parseArray();
      if (this.#canConsume('{')) return this.#parseMap();
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
    }
    this.#pos = start;
    return undefined;
  }

  /** A temporal value or a number; null when the token is neither. */
  #parseScalar(token: string): Parsed | null {
    const first = token.charCodeAt(0);
    const digit = first >= 48 && first <= 57;
    if (digit) {
      // A time or timestamp spans five tokens, since an unescaped colon is a delimiter.
      const after = this.#pos;
      if (after + 4 <= this.#tokens.length) {
        const joined = token + this.#tokens.slice(after, after + 4).join('');
        const temporal = parseTemporal(joined);
        if (temporal !== null) {
          this.#pos = after + 4;
          return temporal;
        }
      }
      const temporal = parseTemporal(token);
      if (temporal !== null) return temporal;
    }
    if (digit || first === 43 /* + */ || first === 45 /* - */) return parseNumber(token);
    return null;
  }

  /** After an opening quote: the text up to the closing quote, with `\\` and `\"` unescaped. */
  #parseQuoted(): Parsed {
    const end = this.#tokens.indexOf('"', this.#pos);
    if (end < 0) throw new DataError("Quoted string is missing its closing '\"'");
    const raw = this.#tokens.slice(this.#pos, end).join('');
    this.#pos = end + 1;
    const content = raw.replace(/\\([\\"])/g, '$1');
    return parseTemporal(content) ?? { schema: Schemas.STRING_SCHEMA, value: content };
  }

  #parseArray(): Parsed {
    const values: unknown[] = [];
    const merger = new SchemaMerger();
    while (this.#hasNext) {
      if (this.#canConsume(']')) {
        const element = merger.common;
        if (element !== null) {
          const schema = SchemaBuilder.array(element).build();
          return { schema, value: align(schema, values) };
        }
        return { schema: null, value: values, neutral: merger.empty };
      }
      if (this.#canConsume(',')) throw new DataError('Unable to parse an empty array element');
      const element = this.#parseEmbedded();
      merger.merge(element);
      values.push(element === null ? null : element.value);
      const mark = this.#pos;
      if (this.#canConsume(']')) this.#pos = mark;
      else if (!this.#canConsume(',')) throw new DataError("Array elements missing ',' delimiter");
    }
    throw new DataError("Array is missing terminating ']'");
  }

  #parseMap(): Parsed {
    const entries: [unknown, unknown][] = [];
    const keys = new SchemaMerger();
    const values = new SchemaMerger();
    while (this.#hasNext) {
      if (this.#canConsume('}')) return mapResult(entries, keys.common, values.common);
      if (this.#canConsume(',')) throw new DataError('Unable to parse a map entry with no key or value');
      const key = this.#parseEmbedded();
      if (key === null || key.value === null) throw new DataError('Map entry may not have a null key');
      if (!this.#canConsume(':')) throw new DataError("Map entry is missing ':'");
      const value = this.#parseEmbedded();
      entries.push([key.value, value === null ? null : value.value]);
      this.#canConsume(',');
      keys.merge(key);
      values.merge(value);
    }
    throw new DataError("Map is missing terminating '}'");
  }
}

function mapResult(
  entries: [unknown, unknown][],
  keySchema: Schema | null,
  valueSchema: Schema | null,
): Parsed {
  if (keySchema !== null && valueSchema !== null) {
    const schema = SchemaBuilder.map(keySchema, valueSchema).build();
    return { schema, value: align(schema, new Map(entries)) };
  }
  const map = new Map<unknown, unknown>();
  for (const [k, v] of entries) map.set(keySchema === null ? k : align(keySchema, k), v);
  return { schema: null, value: map, neutral: entries.length === 0 };
}

const LITERALS: readonly (readonly [string, Parsed | null])[] = [
  ['null', null],
  ['true', { schema: Schemas.BOOLEAN_SCHEMA, value: true }],
  ['false', { schema: Schemas.BOOLEAN_SCHEMA, value: false }],
];

function parseString(text: string | null | undefined): SchemaAndValue {
  if (text === null || text === undefined) return SchemaAndValue.NULL;
  if (text === '') return new SchemaAndValue(Schemas.STRING_SCHEMA, text);
  let parsed: Parsed | null | undefined;
  try {
    parsed = new ValueParser(text).parseTop();
  } catch (e) {
    if (e instanceof RangeError) throw new DataError('Value is nested too deeply to parse', { cause: e });
    throw e;
  }
  if (parsed === undefined) return new SchemaAndValue(Schemas.STRING_SCHEMA, text);
  return parsed === null ? SchemaAndValue.NULL : new SchemaAndValue(parsed.schema, parsed.value);
}

// ---------------------------------------------------------------------------------------------
// Conversions to the logical types

function convertToDecimalValue(scale: number, value: unknown): BigDecimal {
  if (value instanceof Uint8Array) return Decimal.toLogical(Decimal.schema(scale), value);
  if (value instanceof BigDecimal) return value;
  if (typeof value === 'number' || typeof value === 'bigint') {
    // Kafka: BigDecimal.valueOf(number.doubleValue()), i.e. the digits of Double.toString.
    const d = Number(value);
    if (!Number.isFinite(d)) throw unableToConvert(value, `Decimal(scale=${scale})`);
    return BigDecimal.parse(formatJavaDouble(d));
  }
  if (typeof value === 'string') {
    try {
      return parseJavaBigDecimal(value);
    } catch (e) {
      throw unableToConvert(value, `Decimal(scale=${scale})`, e);
    }
  }
  throw unableToConvert(value, `Decimal(scale=${scale})`);
}

/** A string is first parsed; its parsed schema then tells what a Date value stands for. */
function parsedIfString(fromSchema: Schema | null, value: unknown): [Schema | null, unknown] {
  if (typeof value !== 'string') return [fromSchema, value];
  const parsed = parseString(value);
  return [parsed.schema, parsed.value];
}

function toDate(schema: Schema | null, input: unknown): Date {
  const [fromSchema, value] = parsedIfString(schema, input);
  if (value instanceof Date) {
    if (fromSchema === null || fromSchema.name === ConnectDate.LOGICAL_NAME) return value;
    if (fromSchema.name === Timestamp.LOGICAL_NAME) {
      // Whole days since the epoch, truncated toward zero as Kafka does.
      const days = Math.trunc(checkedDateMillis(value) / MILLIS_PER_DAY);
      return ConnectDate.toLogical(ConnectDate.SCHEMA, days);
    }
  }
  const days = Number(BigInt.asIntN(32, asLong(value, fromSchema)));
  return dateFromMillis(days * MILLIS_PER_DAY);
}

function toTime(schema: Schema | null, input: unknown): Date {
  const [fromSchema, value] = parsedIfString(schema, input);
  if (value instanceof Date) {
    if (fromSchema === null || fromSchema.name === Time.LOGICAL_NAME) return value;
    if (fromSchema.name === Timestamp.LOGICAL_NAME) {
      const ms = checkedDateMillis(value);
      return Time.toLogical(Time.SCHEMA, ((ms % MILLIS_PER_DAY) + MILLIS_PER_DAY) % MILLIS_PER_DAY);
    }
  }
  const millis = Number(BigInt.asIntN(32, asLong(value, fromSchema)));
  return Time.toLogical(Time.SCHEMA, millis);
}

function toTimestamp(schema: Schema | null, input: unknown): Date {
  const [fromSchema, value] = parsedIfString(schema, input);
  if (value instanceof Date) {
    if (fromSchema === null || fromSchema.name === Timestamp.LOGICAL_NAME) return value;
    if (fromSchema.name === ConnectDate.LOGICAL_NAME) {
      return dateFromMillis(ConnectDate.fromLogical(fromSchema, value) * MILLIS_PER_DAY);
    }
    if (fromSchema.name === Time.LOGICAL_NAME) return dateFromMillis(Time.fromLogical(fromSchema, value));
  }
  return dateFromMillis(asLong(value, fromSchema));
}

function requireValue(value: unknown): void {
  if (value === null || value === undefined) throw new DataError(NULL_TO_REQUIRED);
}

// ---------------------------------------------------------------------------------------------

/**
 * Converts Connect values between types and to and from text (`org.apache.kafka.connect.data.Values`).
 * Useful where a value's type is not certain, e.g. a header that may hold `"42"` or `42`:
 * `Values.convertToLong(header.schema, header.value)`.
 *
 * The `schema` argument is the schema of the value passed in (may be null); it matters for logical
 * types (a Date with a Timestamp schema converts to its epoch millis) and, in this port, tells how
 * to print numbers (FLOAT32 ⇒ float digits, FLOAT64 ⇒ `1.0`).
 *
 * Integer conversions follow Java's narrowing casts, as Kafka's do: fractions truncate toward zero,
 * and a value too big for the target keeps its low bits (`convertToByte(null, 300)` is 44).
 * `convertToBoolean`…`convertToString` return null for null; the others throw DataError.
 */
export const Values = {
  /** A boolean: booleans as is, `"true"`/`"false"` parsed, numbers (and numeric text) ⇒ non-zero. */
  convertToBoolean(schema: Schema | null, value: unknown): boolean | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const parsed = parseString(value);
      if (typeof parsed.value === 'boolean') return parsed.value;
    }
    return asLong(value, schema) !== 0n;
  },

  /** An INT8 value (Java `(byte)` of the long value). */
  convertToByte(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(8, asLong(value, schema)));
  },

  /** An INT16 value (Java `(short)` of the long value). */
  convertToShort(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(16, asLong(value, schema)));
  },

  /** An INT32 value (Java `(int)` of the long value). */
  convertToInteger(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Number(BigInt.asIntN(32, asLong(value, schema)));
  },

  /** An INT64 value in canonical form: a number when a safe integer, else a bigint. */
  convertToLong(schema: Schema | null, value: unknown): number | bigint | null {
    if (value === null || value === undefined) return null;
    const v = asLong(value, schema);
    return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  },

  /** A FLOAT32 value (rounded to float precision). */
  convertToFloat(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return Math.fround(asDouble(value, schema));
  },

  /** A FLOAT64 value. */
  convertToDouble(schema: Schema | null, value: unknown): number | null {
    if (value === null || value === undefined) return null;
    return asDouble(value, schema);
  },

  /**
   * The text form of any value, which {@link Values.parseString} reads back: numbers and booleans
   * as Java prints them, strings as is at the top level and double-quoted with `\` and `"` escaped
   * inside lists/maps/structs, bytes as base64, lists `[a,b]`, maps and structs `{k:v,…}`, `null`
   * inside structures, and Dates in UTC as `HH:mm:ss.SSS'Z'` (before 1970-01-02), `yyyy-MM-dd`
   * (exactly midnight) or `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
   */
  convertToString(schema: Schema | null, value: unknown): string | null {
    if (value === null || value === undefined) return null;
    return stringify(schema, value, false);
  },

  /** A list: arrays as is; text is parsed and must be a list. */
  convertToList(schema: Schema | null, value: unknown): unknown[] {
    void schema;
    requireValue(value);
    const v = typeof value === 'string' ? parseString(value).value : value;
    if (Array.isArray(v)) return v;
    throw unableToConvert(value, ARRAY_SELECTOR);
  },

  /** A map: Maps and plain objects as is; text is parsed (into a Map) and must be a map. */
  convertToMap(schema: Schema | null, value: unknown): Map<unknown, unknown> | Record<string, unknown> {
    void schema;
    requireValue(value);
    const v = typeof value === 'string' ? parseString(value).value : value;
    if (isMapValue(v)) return v;
    throw unableToConvert(value, MAP_SELECTOR);
  },

  /** A Struct: only a Struct converts to one. */
  convertToStruct(schema: Schema | null, value: unknown): Struct {
    void schema;
    requireValue(value);
    if (value instanceof Struct) return value;
    throw unableToConvert(value, STRUCT_SELECTOR);
  },

  /**
   * A Decimal value: a BigDecimal as is (its scale unchanged), bytes as the unscaled value with
   * `scale`, numbers via their Java `Double.toString` digits (`1` ⇒ `1.0`), text as a decimal.
   */
  convertToDecimal(schema: Schema | null, value: unknown, scale: number): BigDecimal {
    void schema;
    requireValue(value);
    return convertToDecimalValue(scale, value);
  },

  /** A Date (logical Date: midnight UTC): from a Date, a Timestamp (its day), days since the epoch, or ISO text. */
  convertToDate(schema: Schema | null, value: unknown): Date {
    requireValue(value);
    return toDate(schema, value);
  },

  /** A Time (millis of day on 1970-01-01 UTC): from a Date, a Timestamp (its time of day), millis, or ISO text. */
  convertToTime(schema: Schema | null, value: unknown): Date {
    requireValue(value);
    return toTime(schema, value);
  },

  /** A Timestamp: from a Date, a logical Date or Time, epoch millis, or ISO text. */
  convertToTimestamp(schema: Schema | null, value: unknown): Date {
    requireValue(value);
    return toTimestamp(schema, value);
  },

  /**
   * A schema for an in-memory value, or null when none can be told (null, empty or mixed lists and
   * maps, other objects). JavaScript values map as: string ⇒ STRING, boolean ⇒ BOOLEAN, integral
   * number ⇒ INT32 when within 32 bits else INT64 (FLOAT64 beyond 64 bits), other number ⇒ FLOAT64,
   * bigint ⇒ INT64, Uint8Array ⇒ BYTES, Date ⇒ Timestamp, BigDecimal ⇒ Decimal of its scale,
   * Struct ⇒ its schema, array ⇒ ARRAY and Map/plain object ⇒ MAP of the elements' common schema
   * (optional when some are null; integral and fractional numbers widen to the widest).
   * All returned schemas are required.
   */
  inferSchema,

  /**
   * Parses the text form of a value (the header parser of SimpleHeaderConverter): `""` ⇒ STRING "";
   * `null` ⇒ null schema and value; `true`/`false` ⇒ BOOLEAN; an integer ⇒ the smallest of
   * INT8/16/32/64 that holds it (beyond INT64 ⇒ Decimal, scale 0); a number with a fraction or
   * exponent ⇒ FLOAT32 when within float range (float precision, as Kafka), else FLOAT64, else
   * Decimal; `yyyy-MM-dd` ⇒ Date, `HH:mm:ss.SSS'Z'` ⇒ Time, `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` ⇒
   * Timestamp (UTC); `[…]` ⇒ a list and `{…}` ⇒ a Map whose elements are numbers, booleans, dates,
   * `null`, nested lists/maps or double-quoted strings. A list/map gets an ARRAY/MAP schema when its
   * elements share one (numbers widen to the widest type), else a null schema. Anything else,
   * including malformed lists and maps and text followed by more text, is a STRING of the whole text.
   */
  parseString,
} as const;
