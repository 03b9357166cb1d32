/**
 * Result-set columns to Connect schemas and values, as Confluent's `GenericDatabaseDialect`
 * (`addFieldToSchema` / `createColumnConverter`) maps JDBC types: BOOLEAN → BOOLEAN, BIT → INT8,
 * TINYINT → INT8 (INT16 unsigned), SMALLINT → INT16 (INT32 unsigned), INTEGER → INT32 (INT64
 * unsigned), BIGINT → INT64, REAL → FLOAT32, DOUBLE/FLOAT → FLOAT64, NUMERIC/DECIMAL → Decimal
 * (or by `numeric.mapping`), character types → STRING, binary → BYTES, DATE/TIME/TIMESTAMP →
 * Connect's Date/Time/Timestamp. A column is optional unless the database says it is NOT NULL.
 * Columns of other types are left out of the record, with a warning, as Confluent does.
 */

import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import type { ColumnMeta } from './database.ts';
import type { DbTimeZone } from './time-zone.ts';

export type NumericMapping = 'none' | 'best_fit' | 'best_fit_eager_double' | 'precision_only';

/** `timestamp.granularity`: how TIMESTAMP columns are represented. */
export type TimestampGranularity =
  | 'connect_logical'
  | 'nanos_long'
  | 'nanos_string'
  | 'nanos_iso_datetime_string';

/**
 * Nanoseconds since the epoch as Confluent computes them: whole seconds of the millisecond time
 * truncated toward zero, times 10^9, plus the nanos of second (a number when exact, else bigint).
 */
export function epochNanos(value: TimestampValue): number | bigint {
  const nanos = BigInt(Math.trunc(value.ms / 1000)) * 1_000_000_000n + BigInt(value.nanos);
  return Number.isSafeInteger(Number(nanos)) ? Number(nanos) : nanos;
}

/** Confluent's extra Decimal parameter carrying the column's precision. */
export const PRECISION_PARAMETER = 'connect.decimal.precision';

export interface ColumnMapping {
  column: ColumnMeta;
  index: number;
  schema: Schema;
  convert(raw: unknown): unknown;
}

export interface RowMapping {
  schema: Schema;
  columns: ColumnMapping[];
  /** Columns skipped because their type has no Connect mapping. */
  skipped: ColumnMeta[];
  toStruct(row: readonly unknown[]): Struct;
}

/** Timestamp text (`YYYY-MM-DD[ T]HH:MM:SS[.fffffffff]`, UTC) as epoch ms plus nanos of second. */
export interface TimestampValue {
  ms: number;
  nanos: number;
}

export function parseTimestamp(raw: unknown): TimestampValue {
  if (raw instanceof Date)
    return { ms: raw.getTime(), nanos: (((raw.getTime() % 1000) + 1000) % 1000) * 1_000_000 };
  if (typeof raw === 'number' || typeof raw === 'bigint') {
    const ms = Number(raw);
    return { ms, nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
  }
  if (typeof raw === 'string') {
    const fast = fastTimestamp(raw);
    if (fast !== null) return fast;
  }
  const text = String(raw).trim();
  const m =
    /^(-?\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      text,
    );
  if (m === null) throw new DataError(`cannot read '${text}' as a timestamp`);
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const nanos = Number(fraction);
  let ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    ms -= sign * offset * 60_000;
  }
  return { ms: ms + Math.floor(nanos / 1_000_000), nanos };
}

/** Text that ends in a zone (`Z`, `+02`, `-05:30`) after its time of day. */
const ZONE_SUFFIX = /(?:Z|[+-]\d\d(?::?\d\d)?)\s*$/;

/**
 * A timestamp read in `db.timezone` (null: UTC): text without a zone of its own is the zone's
 * wall-clock time; text with a zone, and numbers or Dates, are instants already.
 */
export function parseZonedTimestamp(raw: unknown, zone: DbTimeZone | null): TimestampValue {
  const value = parseTimestamp(raw);
  if (zone === null || typeof raw !== 'string' || (raw.length > 19 && ZONE_SUFFIX.test(raw.slice(19)))) {
    return value;
  }
  return { ms: zone.toEpoch(value.ms), nanos: value.nanos };
}

/** An instant as the wall-clock time of `db.timezone` (null: UTC), for query parameters. */
export function wallTimestamp(value: TimestampValue, zone: DbTimeZone | null): TimestampValue {
  return zone === null ? value : { ms: zone.toWall(value.ms), nanos: value.nanos };
}

let cachedDay = '';
let cachedDayMs = 0;

function digitAt(t: string, i: number): number {
  const d = t.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…]` (or with `T`), the form every driver here returns, read without a
 * regular expression; null for anything else (then the general parser decides).
 */
function fastTimestamp(t: string): TimestampValue | null {
  const n = t.length;
  if (
    n < 19 ||
    n > 29 ||
    t.charCodeAt(4) !== 45 ||
    t.charCodeAt(7) !== 45 ||
    (t.charCodeAt(10) !== 32 && t.charCodeAt(10) !== 84) ||
    t.charCodeAt(13) !== 58 ||
    t.charCodeAt(16) !== 58 ||
    (n > 19 && t.charCodeAt(19) !== 46)
  ) {
    return null;
  }
  let dayMs: number;
  if (cachedDay !== '' && t.startsWith(cachedDay)) dayMs = cachedDayMs;
  else {
    const day = t.slice(0, 10);
    const year = digitAt(t, 0) * 1000 + digitAt(t, 1) * 100 + digitAt(t, 2) * 10 + digitAt(t, 3);
    const month = digitAt(t, 5) * 10 + digitAt(t, 6);
    const date = digitAt(t, 8) * 10 + digitAt(t, 9);
    dayMs = Date.UTC(year, month - 1, date);
    if (Number.isNaN(dayMs) || year < 100) return null;
    cachedDay = day;
    cachedDayMs = dayMs;
  }
  const seconds =
    (digitAt(t, 11) * 10 + digitAt(t, 12)) * 3600 +
    (digitAt(t, 14) * 10 + digitAt(t, 15)) * 60 +
    digitAt(t, 17) * 10 +
    digitAt(t, 18);
  let nanos = 0;
  for (let i = 20; i < 29; i++) nanos = nanos * 10 + (i < n ? digitAt(t, i) : 0);
  if (Number.isNaN(seconds) || Number.isNaN(nanos)) return null;
  return { ms: dayMs + seconds * 1000 + Math.floor(nanos / 1_000_000), nanos };
}

/** Epoch ms plus nanos of second as `YYYY-MM-DD HH:MM:SS.fffffffff` (UTC), for query parameters. */
export function formatTimestamp(value: TimestampValue, fractionDigits = 6): string {
  const d = new Date(value.ms - (((value.ms % 1000) + 1000) % 1000));
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const fraction = String(value.nanos).padStart(9, '0').slice(0, fractionDigits);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fractionDigits > 0 ? `.${fraction}` : ''}`;
}

function parseDate(raw: unknown): Date {
  if (raw instanceof Date) return new Date(Math.floor(raw.getTime() / 86_400_000) * 86_400_000);
  if (typeof raw === 'number' || typeof raw === 'bigint') {
    const n = Number(raw);
    // A year (MySQL YEAR) or epoch milliseconds (SQLite integer dates).
    if (n > 0 && n < 10_000) return new Date(Date.UTC(n, 0, 1));
    return new Date(Math.floor(n / 86_400_000) * 86_400_000);
  }
  const text = String(raw).trim();
  if (/^\d{4}$/.test(text)) return new Date(Date.UTC(Number(text), 0, 1));
  const ts = parseTimestamp(text);
  return new Date(Math.floor(ts.ms / 86_400_000) * 86_400_000);
}

function parseTime(raw: unknown): Date {
  if (raw instanceof Date) return new Date(((raw.getTime() % 86_400_000) + 86_400_000) % 86_400_000);
  if (typeof raw === 'number' || typeof raw === 'bigint') return new Date(Number(raw) % 86_400_000);
  const text = String(raw).trim();
  const m = /^(-)?(\d{1,3}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (m === null) throw new DataError(`cannot read '${text}' as a time of day`);
  const ms =
    (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000 +
    Math.floor(Number((m[5] ?? '').padEnd(9, '0')) / 1_000_000);
  // Like JDBC's java.sql.Time, hours beyond a day wrap around.
  return new Date((((m[1] === '-' ? -ms : ms) % 86_400_000) + 86_400_000) % 86_400_000);
}

function toInt(raw: unknown): number {
  if (typeof raw === 'number') return Math.trunc(raw);
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (raw instanceof Uint8Array) {
    let n = 0;
    for (const b of raw) n = n * 256 + b;
    return n;
  }
  return Number(String(raw));
}

function toInt64(raw: unknown): number | bigint {
  if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  if (typeof raw === 'number') return raw;
  const text = String(raw).trim();
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function toBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  return new Uint8Array(Buffer.from(String(raw)));
}

const PLAIN_DECIMAL = /^-?\d+(?:\.\d*)?$/;

/**
 * Plain decimal text of at most 15 characters (so at most 15 digits, exact as a double) read
 * digit by digit, without slicing strings; null for anything else.
 */
function shortDecimal(text: string): BigDecimal | null {
  const length = text.length;
  if (length === 0 || length > 15) return null;
  let i = 0;
  let negative = false;
  if (text.charCodeAt(0) === 45) {
    negative = true;
    i = 1;
  }
  let n = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0 && digits > 0) fraction = 0;
    else return null;
  }
  if (digits === 0) return null;
  return new BigDecimal(BigInt(negative ? -n : n), Math.max(0, fraction));
}

function toDecimal(raw: unknown, scale: number, where: string): BigDecimal {
  let value: BigDecimal;
  const short = typeof raw === 'string' ? shortDecimal(raw) : null;
  if (typeof raw === 'bigint') value = new BigDecimal(raw, 0);
  else if (short !== null) value = short;
  else {
    const text = String(raw);
    if (PLAIN_DECIMAL.test(text)) {
      // Plain `-123.45` (what the drivers return): digits without the point, scale = fraction length.
      const point = text.indexOf('.');
      value =
        point < 0
          ? new BigDecimal(BigInt(text), 0)
          : new BigDecimal(BigInt(text.slice(0, point) + text.slice(point + 1)), text.length - point - 1);
    } else value = BigDecimal.parse(text);
  }
  if (value.scale === scale) return value;
  try {
    return value.setScale(scale);
  } catch {
    throw new DataError(
      `${where}: value ${value.toString()} does not fit the column's scale ${scale} (declare the column as NUMERIC(p,s) or use numeric.mapping=best_fit)`,
    );
  }
}

/** The Connect schema and converter for one column, or null when the type has no mapping. */
export function mapColumn(
  column: ColumnMeta,
  index: number,
  numericMapping: NumericMapping,
  where: string,
  granularity: TimestampGranularity = 'connect_logical',
  dbZone: DbTimeZone | null = null,
): ColumnMapping | null {
  // Date/time types that hold an instant are read as such; DATE is always read in UTC (as
  // Confluent does since CC-11507: Connect's Date must be a UTC midnight).
  const zone = column.instant === true ? null : dbZone;
  const timestamp = (v: unknown): TimestampValue => parseZonedTimestamp(v, zone);
  const optional = column.nullable !== false;
  const opt = (b: SchemaBuilder): Schema => (optional ? b.optional() : b).build();
  const make = (schema: Schema, convert: (raw: unknown) => unknown): ColumnMapping => ({
    column,
    index,
    schema,
    convert: (raw) => (raw === null || raw === undefined ? null : convert(raw)),
  });
  const at = `${where} column '${column.name}'`;
  switch (column.type) {
    case 'BOOLEAN':
      return make(opt(SchemaBuilder.bool()), (v) => (typeof v === 'boolean' ? v : toInt(v) !== 0));
    case 'BIT':
      return make(opt(SchemaBuilder.int8()), (v) => toInt(v));
    case 'TINYINT':
      return column.signed ? make(opt(SchemaBuilder.int8()), toInt) : make(opt(SchemaBuilder.int16()), toInt);
    case 'SMALLINT':
      return column.signed
        ? make(opt(SchemaBuilder.int16()), toInt)
        : make(opt(SchemaBuilder.int32()), toInt);
    case 'INTEGER':
      return column.signed
        ? make(opt(SchemaBuilder.int32()), toInt)
        : make(opt(SchemaBuilder.int64()), toInt64);
    case 'BIGINT':
      return make(opt(SchemaBuilder.int64()), toInt64);
    case 'REAL':
      return make(opt(SchemaBuilder.float32()), (v) => Number(v));
    case 'DOUBLE':
      return make(opt(SchemaBuilder.float64()), (v) => Number(v));
    case 'DECIMAL': {
      const { precision } = column;
      const scale = column.scale < 0 ? 0 : column.scale;
      if (numericMapping !== 'none' && precision > 0) {
        if (column.scale === 0 || (numericMapping === 'precision_only' && column.scale === 0)) {
          if (precision < 3) return make(opt(SchemaBuilder.int8()), toInt);
          if (precision < 5) return make(opt(SchemaBuilder.int16()), toInt);
          if (precision < 10) return make(opt(SchemaBuilder.int32()), toInt);
          if (precision < 19) return make(opt(SchemaBuilder.int64()), toInt64);
        } else if (numericMapping === 'best_fit' && column.scale > 0 && precision <= 15) {
          return make(opt(SchemaBuilder.float64()), (v) => Number(v));
        }
        if (numericMapping === 'best_fit_eager_double' && column.scale > 0) {
          return make(opt(SchemaBuilder.float64()), (v) => Number(v));
        }
      }
      const builder = Decimal.builder(scale).parameter(PRECISION_PARAMETER, String(precision));
      return make(opt(builder), (v) => toDecimal(v, scale, at));
    }
    case 'CHAR':
      return make(opt(SchemaBuilder.string()), (v) =>
        typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v),
      );
    case 'BINARY':
      return make(opt(SchemaBuilder.bytes()), toBytes);
    case 'DATE':
      return make(opt(ConnectDate.builder()), parseDate);
    case 'TIME':
      return zone === null
        ? make(opt(Time.builder()), parseTime)
        : make(opt(Time.builder()), (v) => new Date(zone.timeToEpoch(parseTime(v).getTime())));
    case 'TIMESTAMP':
      switch (granularity) {
        case 'nanos_long':
          return make(opt(SchemaBuilder.int64()), (v) => epochNanos(timestamp(v)));
        case 'nanos_string':
          return make(opt(SchemaBuilder.string()), (v) => String(epochNanos(timestamp(v))));
        case 'nanos_iso_datetime_string':
          return make(opt(SchemaBuilder.string()), (v) => formatTimestamp(timestamp(v), 9).replace(' ', 'T'));
        default:
          return make(opt(Timestamp.builder()), (v) => new Date(timestamp(v).ms));
      }
    case 'ARRAY':
    case 'OTHER':
      return null;
  }
}

/** The record schema (named after the table, or unnamed in query mode) and row converter. */
export function mapRow(
  columns: readonly ColumnMeta[],
  schemaName: string | null,
  numericMapping: NumericMapping,
  where: string,
  granularity: TimestampGranularity = 'connect_logical',
  zone: DbTimeZone | null = null,
): RowMapping {
  const builder = SchemaBuilder.struct();
  if (schemaName !== null) builder.name(schemaName);
  const mapped: ColumnMapping[] = [];
  const skipped: ColumnMeta[] = [];
  columns.forEach((column, index) => {
    const m = mapColumn(column, index, numericMapping, where, granularity, zone);
    if (m === null) {
      skipped.push(column);
      return;
    }
    builder.field(column.name, m.schema);
    mapped.push(m);
  });
  const schema = builder.build();
  return {
    schema,
    columns: mapped,
    skipped,
    toStruct(row) {
      const values: unknown[] = new Array(mapped.length);
      for (let i = 0; i < mapped.length; i++) {
        const m = mapped[i]!;
        values[i] = m.convert(row[m.index]);
      }
      return Struct.withValues(schema, values);
    },
  };
}
