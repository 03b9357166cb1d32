/**
 * PostgreSQL column types to Kafka Connect schemas and values, as Debezium's
 * `PostgresValueConverter` maps them (digest §1.7), from the text form of values — the form both
 * snapshot rows (read with raw text parsers) and pgoutput tuples carry. Sessions run with
 * `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=postgres` and `bytea_output=hex`
 * (see `replication-connection.ts`), which the parsers below rely on.
 *
 * Types Debezium does not map (the geometric types other than `point`, composite types, ...) are
 * reported by {@link columnMapping} as `null`, and the column is left out of events, as Debezium
 * does for unknown types with `include.unknown.datatypes=false`; with `true` they are BYTES holding
 * the value's text (PgJDBC's form of it for the geometric types).
 *
 * Every mapping here was checked against events Debezium 3.6.1.Final wrote for the same values
 * (`test/goldens`), special values included.
 */

import {
  BigDecimal,
  canonicalInt64,
  DataError,
  Decimal,
  javaHashMapEntries,
  type Schema,
  SchemaBuilder,
  Struct,
} from '@sluice/api';
import type {
  BinaryHandlingMode,
  DecimalHandlingMode,
  HstoreHandlingMode,
  IntervalHandlingMode,
  TimePrecisionMode,
} from './postgres-connector-config.ts';
import type { PgType, TypeRegistry } from './type-registry.ts';

/** The settings that change how types map. */
export interface TypeMappingOptions {
  decimalHandlingMode: DecimalHandlingMode;
  timePrecisionMode: TimePrecisionMode;
  binaryHandlingMode: BinaryHandlingMode;
  hstoreHandlingMode: HstoreHandlingMode;
  intervalHandlingMode: IntervalHandlingMode;
  includeUnknownDatatypes: boolean;
  /** `unavailable.value.placeholder`'s text (Debezium's default when absent). */
  unavailablePlaceholder?: string;
}

/** A column's schema (without optional/doc, which the table adds) and its text-to-value converter. */
export interface ColumnMapping {
  schema: SchemaBuilder;
  /**
   * Converts the text form of a non-null value; `schema` is the field's final schema (structs are
   * built against it). @throws DataError naming what could not be parsed
   */
  convert(text: string, schema: Schema): unknown;
  /** What stands for an unchanged TOASTed value when the schema's default placeholder does not. */
  placeholder?: unknown;
  /** The value of a required field the database gave none for, when not the schema type's zero. */
  zero?: unknown;
}

export const LOGICAL = {
  DATE: 'io.debezium.time.Date',
  TIME: 'io.debezium.time.Time',
  MICRO_TIME: 'io.debezium.time.MicroTime',
  TIMESTAMP: 'io.debezium.time.Timestamp',
  MICRO_TIMESTAMP: 'io.debezium.time.MicroTimestamp',
  ZONED_TIMESTAMP: 'io.debezium.time.ZonedTimestamp',
  ZONED_TIME: 'io.debezium.time.ZonedTime',
  MICRO_DURATION: 'io.debezium.time.MicroDuration',
  JSON: 'io.debezium.data.Json',
  XML: 'io.debezium.data.Xml',
  UUID: 'io.debezium.data.Uuid',
  ENUM: 'io.debezium.data.Enum',
  LTREE: 'io.debezium.data.Ltree',
  BITS: 'io.debezium.data.Bits',
  TSVECTOR: 'io.debezium.data.Tsvector',
  POINT: 'io.debezium.data.geometry.Point',
  GEOMETRY: 'io.debezium.data.geometry.Geometry',
  GEOGRAPHY: 'io.debezium.data.geometry.Geography',
  INTERVAL: 'io.debezium.time.Interval',
  VARIABLE_SCALE_DECIMAL: 'io.debezium.data.VariableScaleDecimal',
  NANO_TIME: 'io.debezium.time.NanoTime',
  NANO_TIMESTAMP: 'io.debezium.time.NanoTimestamp',
  ISO_DATE: 'io.debezium.time.IsoDate',
  ISO_TIME: 'io.debezium.time.IsoTime',
  ISO_TIMESTAMP: 'io.debezium.time.IsoTimestamp',
  CONNECT_DATE: 'org.apache.kafka.connect.data.Date',
  CONNECT_TIME: 'org.apache.kafka.connect.data.Time',
  CONNECT_TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
} as const;

/** PgJDBC's sentinels for `infinity` / `-infinity` timestamps, which Debezium passes on. */
export const POSITIVE_INFINITY_TIMESTAMP = 9223372036825200000n;
export const NEGATIVE_INFINITY_TIMESTAMP = -9223372036832400000n;

/**
 * What Debezium 3.6.1 writes for a `date` of `infinity` / `-infinity` (PgJDBC's infinity dates
 * turned into epoch days and cut to 32 bits; measured in the goldens of `test/goldens`).
 */
export const POSITIVE_INFINITY_DATE = -2147472692;
export const NEGATIVE_INFINITY_DATE = -2147472691;
/** The same for the elements of a `date[]` (Debezium reads arrays through another PgJDBC path). */
export const POSITIVE_INFINITY_ARRAY_DATE = -622191234;
export const NEGATIVE_INFINITY_ARRAY_DATE = -625821272;
/** The same elements with `time.precision.mode=isostring` (PgJDBC's infinity dates as ISO dates). */
export const POSITIVE_INFINITY_ARRAY_ISO_DATE = '+292278994-08-16Z';
export const NEGATIVE_INFINITY_ARRAY_ISO_DATE = '+292269055-12-02Z';
/** And of a `-infinity` element of a `timestamptz[]`. */
export const NEGATIVE_INFINITY_ARRAY_TIMESTAMPTZ = '+292269055-12-02T23:00:00.000000Z';

/**
 * The extremes of a JavaScript Date (±8.64e15 ms): `time.precision.mode=connect` values of
 * `infinity` / `-infinity`, whose Debezium values (the sentinels above) a Date cannot hold.
 */
const MAX_JS_DATE_MS = 8.64e15;

const MICROS_PER_DAY = 86_400_000_000n;
const DAYS_PER_MONTH_AVG = 365.25 / 12;

function named(builder: SchemaBuilder, name: string): SchemaBuilder {
  return builder.name(name).version(1);
}

/** The precision of a time/timestamp column from its type modifier (6 when unconstrained). */
export function timePrecision(typeModifier: number): number {
  return typeModifier < 0 ? 6 : typeModifier;
}

/** `numeric(p, s)` from its type modifier, or null when unconstrained. */
export function numericPrecisionScale(typeModifier: number): { precision: number; scale: number } | null {
  if (typeModifier < 4) return null;
  const v = typeModifier - 4;
  return { precision: (v >> 16) & 0xffff, scale: v & 0xffff };
}

/**
 * The mapping for a column of type `typeOid` with modifier `typeModifier`, or null when the type
 * is not supported (the column is then left out).
 */
export function columnMapping(
  typeOid: number,
  typeModifier: number,
  types: TypeRegistry,
  options: TypeMappingOptions,
): ColumnMapping | null {
  const type = types.get(typeOid);
  if (type === undefined) return null;
  if (type.kind === 'd' && type.baseOid !== 0) {
    return columnMapping(
      type.baseOid,
      typeModifier >= 0 ? typeModifier : type.baseTypeModifier,
      types,
      options,
    );
  }
  if (type.elementOid !== 0) return arrayMapping(type, typeModifier, types, options);
  if (type.kind === 'e') return enumMapping(type);
  return scalarMapping(type, typeModifier, options);
}

/**
 * Element types Debezium 3.6.1 leaves arrays of out (the column is omitted; measured in the
 * goldens). Arrays of a domain are left out too, and so are arrays of types it does not map.
 */
const UNMAPPED_ARRAY_ELEMENTS = new Set([
  'interval',
  'money',
  'varbit',
  'xml',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
]);

/** Element types whose arrays `include.unknown.datatypes=true` turns into arrays of bytes (measured). */
const UNKNOWN_ARRAY_ELEMENTS = new Set(['line', 'lseg', 'box', 'path', 'polygon', 'circle']);

/**
 * An array of an unmapped geometric type or of a domain with `include.unknown.datatypes=true`:
 * ARRAY of required BYTES, each element's text (PgJDBC's form for geometric types); an array
 * holding a NULL is null as a whole (as Debezium writes them).
 */
function unknownArrayMapping(type: PgType, elementType: PgType): ColumnMapping {
  const element = unknownMapping(elementType.name);
  const delimiter = elementType.delimiter ?? ',';
  return {
    schema: SchemaBuilder.array(SchemaBuilder.bytes().build()),
    convert: (text, schema) => {
      const elements = parseArrayLiteral(text, type.name, delimiter);
      if (elements.includes(null)) return null;
      return elements.map((e) => element.convert(e as string, schema.valueSchema!));
    },
  };
}

function arrayMapping(
  type: PgType,
  typeModifier: number,
  types: TypeRegistry,
  options: TypeMappingOptions,
): ColumnMapping | null {
  const elementType = types.get(type.elementOid);
  if (elementType === undefined) return null;
  if (
    options.includeUnknownDatatypes &&
    (UNKNOWN_ARRAY_ELEMENTS.has(elementType.name) || elementType.kind === 'd')
  )
    return unknownArrayMapping(type, elementType);
  if (UNMAPPED_ARRAY_ELEMENTS.has(elementType.name) || elementType.kind === 'd') return null;
  const element = columnMapping(type.elementOid, typeModifier, types, {
    ...options,
    includeUnknownDatatypes: false,
  });
  if (element === null) return null;
  // A `bit(n)[]` column has the schema of one `bit(n)` (boolean, or Bits of length n) and is
  // always null: what Debezium 3.6.1 writes (measured).
  if (elementType.name === 'bit') return { schema: element.schema, convert: () => null };
  // Debezium's enum and tsvector array elements are required; every other element type is optional.
  const requiredElement = elementType.kind === 'e' || elementType.name === 'tsvector';
  const elementSchema = (requiredElement ? element.schema : element.schema.optional()).build();
  let convert = (e: string, schema: Schema): unknown => element.convert(e, schema);
  const mode = options.timePrecisionMode;
  switch (elementType.name) {
    case 'date':
      if (mode === 'isostring') {
        convert = (e, schema) =>
          e === 'infinity'
            ? POSITIVE_INFINITY_ARRAY_ISO_DATE
            : e === '-infinity'
              ? NEGATIVE_INFINITY_ARRAY_ISO_DATE
              : element.convert(e, schema);
      } else if (mode !== 'connect') {
        convert = (e, schema) =>
          e === 'infinity'
            ? POSITIVE_INFINITY_ARRAY_DATE
            : e === '-infinity'
              ? NEGATIVE_INFINITY_ARRAY_DATE
              : element.convert(e, schema);
      }
      break;
    case 'time':
      // Elements go through java.sql.Time: millisecond precision whatever the schema's unit, and
      // 24:00:00 is midnight (0).
      convert = (e) => {
        const ms = (parseTimeMicros(e) / 1000n) % 86_400_000n;
        switch (elementSchema.name) {
          case LOGICAL.MICRO_TIME:
            return canonicalInt64(ms * 1000n);
          case LOGICAL.NANO_TIME:
            return canonicalInt64(ms * 1_000_000n);
          case LOGICAL.ISO_TIME:
            return formatIsoTime(ms * 1000n);
          case LOGICAL.CONNECT_TIME:
            return new Date(Number(ms));
          default:
            return Number(ms);
        }
      };
      break;
    case 'timetz':
      // Elements go through java.sql.Time too: the fraction of the second is lost (measured).
      convert = (e) => formatZonedTime(e).replace(/\.\d+Z$/, 'Z');
      break;
    case 'timestamptz':
      // Debezium's text for a `-infinity` element (measured).
      convert = (e, schema) =>
        e === '-infinity' ? NEGATIVE_INFINITY_ARRAY_TIMESTAMPTZ : element.convert(e, schema);
      break;
  }
  const numeric = elementType.name === 'numeric';
  const delimiter = elementType.delimiter ?? ',';
  return {
    // An unchanged TOASTed bytea[] is null when bytea is text (binary.handling.mode other than bytes).
    // An unchanged TOASTed numeric[] is null, and so is a bytea[] when bytea is text.
    ...(numeric || (elementType.name === 'bytea' && options.binaryHandlingMode !== 'bytes')
      ? { placeholder: null }
      : {}),
    schema: SchemaBuilder.array(elementSchema),
    convert: (text, schema) => {
      const elements = parseArrayLiteral(text, type.name, delimiter);
      // An array holding a numeric NaN or infinity is null as a whole, in every decimal mode.
      if (numeric && elements.some((e) => e !== null && (e === 'NaN' || /infinity/i.test(e)))) return null;
      return elements.map((e) => (e === null ? null : convert(e, schema.valueSchema!)));
    },
  };
}

function enumMapping(type: PgType): ColumnMapping {
  const labels = type.enumLabels ?? [];
  return {
    schema: named(SchemaBuilder.string(), LOGICAL.ENUM).parameter('allowed', labels.join(',')),
    convert: (text) => text,
  };
}

const identity = (text: string): string => text;

/** The `unavailable.value.placeholder` text. */
const unavailable = (options: TypeMappingOptions): string =>
  options.unavailablePlaceholder ?? '__debezium_unavailable_value';

function scalarMapping(
  type: PgType,
  typeModifier: number,
  options: TypeMappingOptions,
): ColumnMapping | null {
  switch (type.name) {
    case 'bool':
      return { schema: SchemaBuilder.bool(), convert: parseBoolean };
    case 'int2':
      return { schema: SchemaBuilder.int16(), convert: (t) => parseInteger(t, 'int2') };
    case 'int4':
      return { schema: SchemaBuilder.int32(), convert: (t) => parseInteger(t, 'int4') };
    case 'int8':
    case 'oid':
      return { schema: SchemaBuilder.int64(), convert: (t) => parseInt64(t, type.name) };
    case 'float4':
      return { schema: SchemaBuilder.float32(), convert: parseFloatText };
    case 'float8':
      return { schema: SchemaBuilder.float64(), convert: parseFloatText };
    case 'numeric':
      return numericMapping(typeModifier, options.decimalHandlingMode);
    case 'money':
      return moneyMapping(options.decimalHandlingMode);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'char':
    case 'name':
    case 'citext':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'macaddr8':
    case 'int4range':
    case 'int8range':
    case 'numrange':
    case 'tsrange':
    case 'tstzrange':
    case 'daterange':
      return { schema: SchemaBuilder.string(), convert: identity };
    case 'json':
    case 'jsonb':
      return { schema: named(SchemaBuilder.string(), LOGICAL.JSON), convert: identity };
    case 'xml':
      return { schema: named(SchemaBuilder.string(), LOGICAL.XML), convert: identity };
    case 'uuid':
      return { schema: named(SchemaBuilder.string(), LOGICAL.UUID), convert: identity };
    case 'ltree':
      return { schema: named(SchemaBuilder.string(), LOGICAL.LTREE), convert: identity };
    case 'bytea':
      return byteaMapping(options.binaryHandlingMode);
    case 'date':
      return dateMapping(options.timePrecisionMode);
    case 'time':
      return timeMapping(typeModifier, options.timePrecisionMode);
    case 'timestamp':
      return timestampMapping(typeModifier, options.timePrecisionMode);
    case 'timestamptz':
      return {
        schema: named(SchemaBuilder.string(), LOGICAL.ZONED_TIMESTAMP),
        convert: (t) => formatZonedTimestamp(t, timePrecision(typeModifier)),
      };
    case 'timetz':
      return { schema: named(SchemaBuilder.string(), LOGICAL.ZONED_TIME), convert: formatZonedTime };
    case 'interval':
      if (options.intervalHandlingMode === 'string')
        return { schema: named(SchemaBuilder.string(), LOGICAL.INTERVAL), convert: formatIsoInterval };
      return { schema: named(SchemaBuilder.int64(), LOGICAL.MICRO_DURATION), convert: parseIntervalMicros };
    case 'bit':
      if (typeModifier <= 1) return { schema: SchemaBuilder.bool(), convert: (t) => t === '1' };
      return bitsMapping(typeModifier);
    case 'varbit':
      return bitsMapping(typeModifier < 0 ? 2147483647 : typeModifier);
    case 'point':
      return pointMapping();
    case 'geometry':
      return postgisMapping(LOGICAL.GEOMETRY, 'Geometry');
    case 'geography':
      return postgisMapping(LOGICAL.GEOGRAPHY, 'Geography');
    case 'hstore':
      if (options.hstoreHandlingMode === 'map') {
        return {
          schema: SchemaBuilder.map(
            SchemaBuilder.string().build(),
            SchemaBuilder.string().optional().build(),
          ),
          convert: (t) => Object.fromEntries(javaHashMapEntries(parseHstore(t))),
          placeholder: { [unavailable(options)]: unavailable(options) },
        };
      }
      return {
        schema: named(SchemaBuilder.string(), LOGICAL.JSON),
        convert: (t) => JSON.stringify(Object.fromEntries(javaHashMapEntries(parseHstore(t)))),
        placeholder: JSON.stringify({ [unavailable(options)]: unavailable(options) }),
      };
    case 'tsvector':
      return { schema: named(SchemaBuilder.string(), LOGICAL.TSVECTOR), convert: identity };
    default:
      if (!options.includeUnknownDatatypes) return null;
      return unknownMapping(type.name);
  }
}

/** `bit(n)` / `varbit`: Debezium's Bits, the bits as an unsigned number in little-endian bytes (no trailing zero bytes). */
function bitsMapping(length: number): ColumnMapping {
  return {
    schema: named(SchemaBuilder.bytes(), LOGICAL.BITS).parameter('length', String(length)),
    convert: (text) => {
      if (!/^[01]*$/.test(text)) throw new DataError(`Not a bit string: ${JSON.stringify(text)}`);
      let n = text === '' ? 0n : BigInt(`0b${text}`);
      const bytes: number[] = [];
      while (n > 0n) {
        bytes.push(Number(n & 0xffn));
        n >>= 8n;
      }
      return Buffer.from(bytes);
    },
  };
}

/** `point`: Debezium's Point struct {x, y, wkb (little-endian WKB), srid null}. */
function pointMapping(): ColumnMapping {
  return {
    schema: SchemaBuilder.struct()
      .name(LOGICAL.POINT)
      .version(1)
      .doc('Geometry (POINT)')
      .field('x', SchemaBuilder.float64().build())
      .field('y', SchemaBuilder.float64().build())
      .field('wkb', SchemaBuilder.bytes().optional().build())
      .field('srid', SchemaBuilder.int32().optional().build()),
    convert: (text, schema) => {
      const [x, y] = parsePoints(text, 'point');
      if (x === undefined || y === undefined) throw new DataError(`Not a point: ${JSON.stringify(text)}`);
      const wkb = Buffer.alloc(21);
      wkb.writeUInt8(1, 0);
      wkb.writeUInt32LE(1, 1);
      wkb.writeDoubleLE(x, 5);
      wkb.writeDoubleLE(y, 13);
      return new Struct(schema).put('x', x).put('y', y).put('wkb', wkb).put('srid', null);
    },
  };
}

/**
 * PostGIS `geometry` / `geography` (text form: hex EWKB) as Debezium's Geometry / Geography
 * struct {wkb: the EWKB bytes, srid: the SRID the EWKB carries, null when it has none}.
 */
function postgisMapping(name: string, doc: string): ColumnMapping {
  return {
    schema: SchemaBuilder.struct()
      .name(name)
      .version(1)
      .doc(doc)
      .field('wkb', SchemaBuilder.bytes().build())
      .field('srid', SchemaBuilder.int32().optional().build()),
    convert: (text, schema) => {
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(text) || text.length < 10)
        throw new DataError(`Not a hex EWKB ${doc.toLowerCase()}: ${JSON.stringify(text.slice(0, 40))}`);
      const ewkb = Buffer.from(text, 'hex');
      return new Struct(schema).put('wkb', ewkb).put('srid', ewkbSrid(ewkb));
    },
  };
}

/** The SRID of an EWKB value (flag 0x20000000 of its type word), or null. */
function ewkbSrid(ewkb: Buffer): number | null {
  const little = ewkb[0] === 1;
  const type = little ? ewkb.readUInt32LE(1) : ewkb.readUInt32BE(1);
  if ((type & 0x20000000) === 0 || ewkb.length < 9) return null;
  return little ? ewkb.readInt32LE(5) : ewkb.readInt32BE(5);
}

/** The numbers of a geometric value's text (`(1,2)`, `[(0,0),(1,1)]`, `<(1,1),2>`, `{1,-1,0}`). */
function parsePoints(text: string, type: string): number[] {
  const numbers = text.match(/-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|-?Infinity|NaN/gi);
  if (numbers === null) throw new DataError(`Not a ${type}: ${JSON.stringify(text)}`);
  return numbers.map(Number);
}

/** A double as Java's `Double.toString` writes it (`2.0`, `1.0E10`, `1.0E-10`). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const t = String(x);
    return t.includes('.') ? t : `${t}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** Unknown types with `include.unknown.datatypes=true`: the text as PgJDBC's object prints it, in bytes. */
function unknownMapping(typeName: string): ColumnMapping {
  const geometric = ['line', 'lseg', 'box', 'path', 'polygon', 'circle'].includes(typeName);
  return {
    schema: SchemaBuilder.bytes(),
    convert: (text) =>
      Buffer.from(
        geometric
          ? text.replace(/-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|-?Infinity|NaN/gi, (n) => javaDouble(Number(n)))
          : text,
        'utf8',
      ),
  };
}

/** An `hstore` text (`"a"=>"1", "b c"=>NULL`) as entries in their text order. */
export function parseHstore(text: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  let i = 0;
  const fail = (): never => {
    throw new DataError(`Not an hstore value: ${JSON.stringify(text)}`);
  };
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const quoted = (): string => {
    if (text[i] !== '"') fail();
    i++;
    let v = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      v += text[i] ?? '';
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
    return v;
  };
  skipSpace();
  while (i < text.length) {
    const key = quoted();
    skipSpace();
    if (text.slice(i, i + 2) !== '=>') fail();
    i += 2;
    skipSpace();
    let value: string | null;
    if (text.startsWith('NULL', i)) {
      value = null;
      i += 4;
    } else value = quoted();
    out.push([key, value]);
    skipSpace();
    if (text[i] === ',') i++;
    else if (i < text.length) fail();
    skipSpace();
  }
  return out;
}

/**
 * An interval in `IntervalStyle=postgres` form as Debezium's `io.debezium.time.Interval` string
 * (`P1Y2M3DT4H5M6.78S`; each part keeps its own sign, `P0Y0M-1DT0H0M-1S`).
 */
export function formatIsoInterval(text: string): string {
  let years = 0;
  let months = 0;
  let days = 0;
  let rest = text;
  for (const m of text.matchAll(/(-?\d+) (year|years|mon|mons|day|days)\b/g)) {
    const n = Number(m[1]);
    if (m[2]!.startsWith('year')) years += n;
    else if (m[2]!.startsWith('mon')) months += n;
    else days += n;
    rest = rest.replace(m[0], '');
  }
  rest = rest.trim();
  let hours = 0;
  let minutes = 0;
  let seconds = '0';
  if (rest !== '') {
    const t = /^([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(rest);
    if (t === null) throw new DataError(`Not an interval: ${JSON.stringify(text)}`);
    const sign = t[1] === '-' ? -1 : 1;
    hours = sign * Number(t[2]);
    minutes = sign * Number(t[3]);
    const fraction = (t[5] ?? '').replace(/0+$/, '');
    const whole = Number(t[4]);
    seconds = `${sign < 0 && (whole !== 0 || fraction !== '') ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
  }
  const z = (n: number) => (Object.is(n, -0) ? 0 : n);
  return `P${z(years)}Y${z(months)}M${z(days)}DT${z(hours)}H${z(minutes)}M${seconds}S`;
}

function parseBoolean(text: string): boolean {
  if (text === 't' || text === 'true') return true;
  if (text === 'f' || text === 'false') return false;
  throw new DataError(`Not a boolean: ${JSON.stringify(text)}`);
}

function parseInteger(text: string, type: string): number {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new DataError(`Not an ${type}: ${JSON.stringify(text)}`);
  return n;
}

function parseInt64(text: string, type: string): number | bigint {
  if (!/^-?\d+$/.test(text)) throw new DataError(`Not an ${type}: ${JSON.stringify(text)}`);
  // Up to 15 digits always fits a double exactly; longer values go through BigInt.
  if (text.length <= 15) return Number(text);
  return canonicalInt64(BigInt(text));
}

function parseFloatText(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  if (Number.isNaN(n)) throw new DataError(`Not a floating-point number: ${JSON.stringify(text)}`);
  return n;
}

/** Debezium's `io.debezium.data.VariableScaleDecimal` schema: {scale INT32, value BYTES}. */
function variableScaleDecimalBuilder(): SchemaBuilder {
  return SchemaBuilder.struct()
    .name(LOGICAL.VARIABLE_SCALE_DECIMAL)
    .version(1)
    .doc('Variable scaled decimal')
    .field('scale', SchemaBuilder.int32().build())
    .field('value', SchemaBuilder.bytes().build());
}

function numericMapping(typeModifier: number, mode: DecimalHandlingMode): ColumnMapping {
  const ps = numericPrecisionScale(typeModifier);
  if (mode === 'double') return { schema: SchemaBuilder.float64(), convert: parseFloatText };
  if (mode === 'string')
    return {
      schema: SchemaBuilder.string(),
      convert: numericString,
      // Java's BigDecimal zero at the column's scale (measured: `0.00` for numeric(10,2)).
      zero: ps === null || ps.scale === 0 ? '0' : `0.${'0'.repeat(ps.scale)}`,
    };
  if (ps === null || (ps.precision === 0 && ps.scale === 0)) {
    const builder = variableScaleDecimalBuilder();
    return {
      schema: builder,
      convert: (text, schema) => {
        if (text === 'NaN' || /infinity/i.test(text)) return null;
        // Without the trailing zeros of the fraction, as Debezium writes them (measured: `1.50`
        // has scale 1, `12345.678000` scale 3, `100` scale 0).
        const d = BigDecimal.parse(text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
        return new Struct(schema).put('scale', d.scale).put('value', d.unscaledBytes());
      },
    };
  }
  return {
    schema: Decimal.builder(ps.scale).parameter('connect.decimal.precision', String(ps.precision)),
    convert: (text) =>
      text === 'NaN' || /infinity/i.test(text) ? null : BigDecimal.parse(text).setScale(ps.scale),
  };
}

/** `decimal.handling.mode=string`: the text, with Java's names for NaN and the infinities. */
function numericString(text: string): string {
  if (text === 'NaN') return 'NAN';
  if (text === 'Infinity') return 'POSITIVE_INFINITY';
  if (text === '-Infinity') return 'NEGATIVE_INFINITY';
  return text;
}

function moneyMapping(mode: DecimalHandlingMode): ColumnMapping {
  const parse = (text: string): BigDecimal => {
    const negative = /^-|^\(.*\)$/.test(text.trim());
    const digits = text.replace(/[^0-9.]/g, '');
    const d = BigDecimal.parse(digits === '' ? '0' : digits);
    return (negative ? new BigDecimal(-d.unscaled, d.scale) : d).setScale(2);
  };
  if (mode === 'double') return { schema: SchemaBuilder.float64(), convert: (t) => parse(t).toNumber() };
  if (mode === 'string') return { schema: SchemaBuilder.string(), convert: (t) => parse(t).toPlainString() };
  return { schema: Decimal.builder(2), convert: parse };
}

function byteaMapping(mode: BinaryHandlingMode): ColumnMapping {
  const bytes = (text: string): Buffer => {
    if (!text.startsWith('\\x')) throw new DataError('bytea value is not in hex format (bytea_output=hex)');
    return Buffer.from(text.slice(2), 'hex');
  };
  switch (mode) {
    case 'bytes':
      return { schema: SchemaBuilder.bytes(), convert: bytes };
    // As text, an unchanged TOASTed value is null (measured), not the placeholder.
    case 'base64':
      return {
        schema: SchemaBuilder.string(),
        convert: (t) => bytes(t).toString('base64'),
        placeholder: null,
      };
    case 'base64-url-safe':
      // Java's URL-safe encoder, padding included (as Debezium writes it).
      return {
        schema: SchemaBuilder.string(),
        convert: (t) => bytes(t).toString('base64').replaceAll('+', '-').replaceAll('/', '_'),
        placeholder: null,
      };
    case 'hex':
      return { schema: SchemaBuilder.string(), convert: (t) => t.slice(2) };
  }
}

/** Days since 1970-01-01 of an ISO date (`2024-01-02`, `0044-03-15 BC`). */
export function parseDateDays(text: string): number {
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(text);
  if (m === null) throw new DataError(`Not a date: ${JSON.stringify(text)}`);
  let year = Number(m[1]);
  if (m[4] !== undefined) year = 1 - year;
  return daysFromCivil(year, Number(m[2]), Number(m[3]));
}

/** Days since the Unix epoch of a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Microseconds since midnight of `HH:MM:SS[.ffffff]` (24:00:00 allowed). */
export function parseTimeMicros(text: string): bigint {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (m === null) throw new DataError(`Not a time: ${JSON.stringify(text)}`);
  const fraction = BigInt((m[4] ?? '').padEnd(6, '0'));
  return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1_000_000n + fraction;
}

/** Microseconds since the epoch of a zone-less `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]`, read as UTC. */
export function parseTimestampMicros(text: string): bigint {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)( BC)?$/.exec(text);
  if (m === null) throw new DataError(`Not a timestamp: ${JSON.stringify(text)}`);
  const days = parseDateDays(m[1]! + (m[3] ?? ''));
  return BigInt(days) * MICROS_PER_DAY + parseTimeMicros(m[2]!);
}

/** Epoch days of a `date` text; `infinity` / `-infinity` as Debezium's sentinels. */
export function dateDays(text: string): number {
  if (text === 'infinity') return POSITIVE_INFINITY_DATE;
  if (text === '-infinity') return NEGATIVE_INFINITY_DATE;
  return parseDateDays(text);
}

function dateMapping(mode: TimePrecisionMode): ColumnMapping {
  if (mode === 'connect') {
    return {
      schema: named(SchemaBuilder.int32(), LOGICAL.CONNECT_DATE),
      convert: (t) => {
        if (t === 'infinity') return new Date(MAX_JS_DATE_MS);
        if (t === '-infinity') return new Date(-MAX_JS_DATE_MS);
        return clampedDate(parseDateDays(t) * 86_400_000);
      },
    };
  }
  if (mode === 'isostring')
    return {
      schema: named(SchemaBuilder.string(), LOGICAL.ISO_DATE),
      convert: (t) => `${isoDate(dateDays(t))}Z`,
      zero: `${isoDate(0)}Z`,
    };
  return { schema: named(SchemaBuilder.int32(), LOGICAL.DATE), convert: dateDays };
}

function timeMapping(typeModifier: number, mode: TimePrecisionMode): ColumnMapping {
  const precision = timePrecision(typeModifier);
  if (mode === 'connect') {
    return {
      schema: named(SchemaBuilder.int32(), LOGICAL.CONNECT_TIME),
      convert: (t) => new Date(Number(parseTimeMicros(t) / 1000n)),
    };
  }
  if (mode === 'isostring') {
    return {
      schema: named(SchemaBuilder.string(), LOGICAL.ISO_TIME),
      convert: (t) => formatIsoTime(parseTimeMicros(t) % MICROS_PER_DAY),
      zero: formatIsoTime(0n),
    };
  }
  if (mode === 'nanoseconds') {
    return {
      schema: named(SchemaBuilder.int64(), LOGICAL.NANO_TIME),
      convert: (t) => canonicalInt64(parseTimeMicros(t) * 1000n),
    };
  }
  if (mode === 'adaptive' && precision <= 3) {
    return {
      schema: named(SchemaBuilder.int32(), LOGICAL.TIME),
      convert: (t) => Number(parseTimeMicros(t) / 1000n),
    };
  }
  return {
    schema: named(SchemaBuilder.int64(), LOGICAL.MICRO_TIME),
    convert: (t) => canonicalInt64(parseTimeMicros(t)),
  };
}

function infinity(text: string): bigint | null {
  if (text === 'infinity') return POSITIVE_INFINITY_TIMESTAMP;
  if (text === '-infinity') return NEGATIVE_INFINITY_TIMESTAMP;
  return null;
}

function timestampMapping(typeModifier: number, mode: TimePrecisionMode): ColumnMapping {
  const precision = timePrecision(typeModifier);
  if (mode === 'connect') {
    return {
      schema: named(SchemaBuilder.int64(), LOGICAL.CONNECT_TIMESTAMP),
      convert: (t) => {
        if (t === 'infinity') return new Date(MAX_JS_DATE_MS);
        if (t === '-infinity') return new Date(-MAX_JS_DATE_MS);
        return clampedDate(Number(floorDiv(parseTimestampMicros(t), 1000n)));
      },
    };
  }
  if (mode === 'isostring') {
    // Infinities are the microsecond sentinels written as timestamps (measured).
    return {
      schema: named(SchemaBuilder.string(), LOGICAL.ISO_TIMESTAMP),
      convert: (t) => formatIsoTimestamp(infinity(t) ?? parseTimestampMicros(t)),
      zero: formatIsoTimestamp(0n),
    };
  }
  if (mode === 'nanoseconds') {
    // Infinities are the int64 extremes; a value beyond the int64 range of nanoseconds is null.
    return {
      schema: named(SchemaBuilder.int64(), LOGICAL.NANO_TIMESTAMP),
      convert: (t) => {
        if (t === 'infinity') return INT64_MAX;
        if (t === '-infinity') return INT64_MIN;
        const nanos = parseTimestampMicros(t) * 1000n;
        return nanos > INT64_MAX || nanos < INT64_MIN ? null : canonicalInt64(nanos);
      },
    };
  }
  if (precision <= 3 && mode !== 'microseconds') {
    return {
      schema: named(SchemaBuilder.int64(), LOGICAL.TIMESTAMP),
      convert: (t) => {
        const inf = infinity(t);
        return canonicalInt64(inf === null ? floorDiv(parseTimestampMicros(t), 1000n) : inf / 1000n);
      },
    };
  }
  return {
    schema: named(SchemaBuilder.int64(), LOGICAL.MICRO_TIMESTAMP),
    convert: (t) => canonicalInt64(infinity(t) ?? javaEpochMicros(parseTimestampMicros(t))),
  };
}

/** A year as Java's ISO formatters write it: 4 digits at least, `+` beyond 9999, `-` before year 0. */
function isoYear(year: number): string {
  return year < 0 ? `-${pad(-year, 4)}` : year > 9999 ? `+${year}` : pad(year, 4);
}

/** Epoch days as an ISO date (`2024-02-29`, `-0043-03-15`, `+5874897-12-31`). */
function isoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Microseconds of the day as Debezium's IsoTime (`13:14:15.5Z`: seconds always, no trailing zeros). */
function formatIsoTime(micros: bigint): string {
  const us = Number(micros);
  const seconds = Math.floor(us / 1_000_000);
  return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}${isoFraction(us % 1_000_000)}Z`;
}

/** Epoch microseconds as Debezium's IsoTimestamp (`2024-02-29T13:14:15.123456Z`). */
function formatIsoTimestamp(micros: bigint): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  return `${isoDate(Number(days))}T${formatIsoTime(micros - days * MICROS_PER_DAY)}`;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * Epoch microseconds as Debezium computes them (`TimeUnit.SECONDS.toMicros(epochSecond)`, which
 * saturates at the int64 range, plus the microseconds of the second, wrapping): the exact value
 * whenever it fits in an int64, Debezium's value beyond (year 294247 and later, measured).
 */
export function javaEpochMicros(micros: bigint): bigint {
  const seconds = floorDiv(micros, 1_000_000n);
  const fraction = micros - seconds * 1_000_000n;
  let secondMicros = seconds * 1_000_000n;
  if (secondMicros > INT64_MAX) secondMicros = INT64_MAX;
  if (secondMicros < INT64_MIN) secondMicros = INT64_MIN;
  return BigInt.asIntN(64, secondMicros + fraction);
}

/** A JavaScript Date of epoch milliseconds, held to the Date range (±8.64e15 ms). */
function clampedDate(ms: number): Date {
  return new Date(Math.max(-MAX_JS_DATE_MS, Math.min(MAX_JS_DATE_MS, ms)));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Java's ISO_LOCAL_TIME fraction: nothing for 0, otherwise the digits without trailing zeros. */
function isoFraction(micros: number): string {
  if (micros === 0) return '';
  return `.${pad(micros, 6).replace(/0+$/, '')}`;
}

/**
 * A `timestamptz` text in UTC (`2024-01-02 01:04:05.123456+00`) as Debezium's ZonedTimestamp:
 * ISO-8601 in UTC with `Z`, the fraction padded to the column's precision (Java's ISO form
 * without padding for precision 0). `infinity`/`-infinity` pass through.
 */
export function formatZonedTimestamp(text: string, precision: number): string {
  if (text === 'infinity' || text === '-infinity') return text;
  // The common case, a 4-digit year in a UTC session (`2024-01-02 01:04:05.5+00`), is only a
  // rearrangement of the text; anything else takes the general path below.
  if (UTC_TIMESTAMPTZ.test(text)) {
    const digits = text.length > 22 ? text.slice(20, text.length - 3) : '';
    let fraction: string;
    if (precision > 0)
      fraction = `.${digits.padEnd(6, '0').slice(0, Math.min(precision, 6)).padEnd(precision, '0')}`;
    else {
      const trimmed = digits.replace(/0+$/, '');
      fraction = trimmed === '' ? '' : `.${trimmed}`;
    }
    return `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction}Z`;
  }
  const m =
    /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)( BC)?$/.exec(
      text,
    );
  if (m === null) throw new DataError(`Not a timestamp with time zone: ${JSON.stringify(text)}`);
  const offsetSeconds = parseOffsetSeconds(m[3]!);
  const local = parseTimestampMicros(`${m[1]} ${m[2]}${m[4] ?? ''}`);
  const utc = local - BigInt(offsetSeconds) * 1_000_000n;
  const days = Number(floorDiv(utc, MICROS_PER_DAY));
  const timeOfDay = Number(utc - BigInt(days) * MICROS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  const seconds = Math.floor(timeOfDay / 1_000_000);
  const micros = timeOfDay % 1_000_000;
  const yearText = year < 0 ? `-${pad(-year, 4)}` : year > 9999 ? `+${year}` : pad(year, 4);
  const fraction =
    precision > 0
      ? `.${pad(micros, 6).slice(0, Math.min(precision, 6)).padEnd(precision, '0')}`
      : isoFraction(micros);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}${fraction}Z`;
}

const UTC_TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\+00$/;

function parseOffsetSeconds(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const parts = offset.slice(1).split(':');
  let h: number;
  let mi = 0;
  let s = 0;
  if (parts.length === 1 && parts[0]!.length > 2) {
    const p = parts[0]!;
    h = Number(p.slice(0, 2));
    mi = Number(p.slice(2, 4) || '0');
    s = Number(p.slice(4, 6) || '0');
  } else {
    h = Number(parts[0]);
    mi = Number(parts[1] ?? '0');
    s = Number(parts[2] ?? '0');
  }
  return sign * (h * 3600 + mi * 60 + s);
}

/** A `timetz` (`12:34:56.789+02`) as Debezium's ZonedTime: the time in UTC, ISO form with `Z`. */
export function formatZonedTime(text: string): string {
  const m = /^(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/.exec(text);
  if (m === null) throw new DataError(`Not a time with time zone: ${JSON.stringify(text)}`);
  const day = Number(MICROS_PER_DAY);
  let micros = Number(parseTimeMicros(m[1]!)) - parseOffsetSeconds(m[2]!) * 1_000_000;
  micros = ((micros % day) + day) % day;
  const seconds = Math.floor(micros / 1_000_000);
  return `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}${isoFraction(micros % 1_000_000)}Z`;
}

/**
 * An interval in `IntervalStyle=postgres` form (`1 year 2 mons 3 days 04:05:06.78`, `-00:00:01`)
 * as Debezium's MicroDuration: microseconds, a month counted as 365.25/12 days.
 */
export function parseIntervalMicros(text: string): number | bigint {
  let months = 0;
  let days = 0;
  let micros = 0;
  const unitPattern = /(-?\d+) (year|years|mon|mons|day|days)\b/g;
  let rest = text;
  for (const m of text.matchAll(unitPattern)) {
    const n = Number(m[1]);
    const unit = m[2]!;
    if (unit.startsWith('year')) months += n * 12;
    else if (unit.startsWith('mon')) months += n;
    else days += n;
    rest = rest.replace(m[0], '');
  }
  rest = rest.trim();
  if (rest !== '') {
    const t = /^([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(rest);
    if (t === null) throw new DataError(`Not an interval: ${JSON.stringify(text)}`);
    const sign = t[1] === '-' ? -1 : 1;
    micros =
      sign *
      ((Number(t[2]) * 3600 + Number(t[3]) * 60 + Number(t[4])) * 1_000_000 +
        Number((t[5] ?? '').padEnd(6, '0')));
  }
  const total = Math.round(months * DAYS_PER_MONTH_AVG * 86_400_000_000) + days * 86_400_000_000 + micros;
  return canonicalInt64(BigInt(total));
}

/**
 * The elements of a one-dimensional array literal (`{1,2,NULL}`, `{"a b","c\"d"}`) as text, null
 * for NULL. @throws DataError for multi-dimensional or malformed literals
 */
export function parseArrayLiteral(text: string, typeName = 'array', delimiter = ','): Array<string | null> {
  let s = text;
  if (s.startsWith('[')) {
    const eq = s.indexOf('=');
    if (eq < 0) throw new DataError(`Malformed ${typeName} literal: ${JSON.stringify(text)}`);
    s = s.slice(eq + 1);
  }
  if (!s.startsWith('{') || !s.endsWith('}')) {
    throw new DataError(`Malformed ${typeName} literal: ${JSON.stringify(text)}`);
  }
  const out: Array<string | null> = [];
  if (s === '{}') return out;
  let i = 1;
  const end = s.length - 1;
  while (i <= end) {
    const ch = s[i];
    if (ch === '{')
      throw new DataError(`Multi-dimensional arrays are not supported: ${JSON.stringify(text)}`);
    if (ch === '"') {
      let value = '';
      i++;
      while (i < end && s[i] !== '"') {
        if (s[i] === '\\') i++;
        value += s[i];
        i++;
      }
      if (s[i] !== '"') throw new DataError(`Malformed ${typeName} literal: ${JSON.stringify(text)}`);
      i++;
      out.push(value);
    } else {
      let j = i;
      while (j < end && s[j] !== delimiter) j++;
      const raw = s.slice(i, j).trim();
      out.push(raw === 'NULL' ? null : raw);
      i = j;
    }
    if (i < end && s[i] !== delimiter)
      throw new DataError(`Malformed ${typeName} literal: ${JSON.stringify(text)}`);
    i++;
  }
  return out;
}

/**
 * The value Debezium puts in a required field when the database gave none (e.g. non-key columns
 * of a DEFAULT-identity delete): the field's default, else zero, "", false, empty bytes, epoch.
 */
export function fallbackValue(schema: Schema): unknown {
  if (schema.defaultValue !== null) return schema.defaultValue;
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return new BigDecimal(0n, Decimal.scale(schema));
    case LOGICAL.CONNECT_DATE:
    case LOGICAL.CONNECT_TIME:
    case LOGICAL.CONNECT_TIMESTAMP:
      return new Date(0);
    case LOGICAL.ZONED_TIMESTAMP:
      return '1970-01-01T00:00:00Z';
    case LOGICAL.ZONED_TIME:
      return '00:00:00Z';
    case LOGICAL.VARIABLE_SCALE_DECIMAL:
      return new Struct(schema).put('scale', 0).put('value', new Uint8Array([0]));
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
    case 'FLOAT32':
    case 'FLOAT64':
      return 0;
    case 'BOOLEAN':
      return false;
    case 'STRING':
      return '';
    case 'BYTES':
      return new Uint8Array(0);
    case 'ARRAY':
      return [];
    case 'MAP':
      return {};
    case 'STRUCT':
      return new Struct(schema);
  }
}

/**
 * A column's schema default as Debezium derives it from the default expression: a literal
 * (`42`, `-1`, `1.5`, `true`, `'text'::type`) converted like a value of the column; Debezium's
 * literal reading stops at the first quote inside the literal (`'x''y'` gives `x`), which is kept
 * for parity. Any other expression (`nextval(...)`, `now()`, `(1 + 2)`) gives the type's zero
 * value for a NOT NULL column (so a `serial` key has `"default": 0`) and no default otherwise.
 * Undefined = no default.
 */
export function defaultValue(expression: string | null, schema: Schema, mapping: ColumnMapping): unknown {
  if (expression === null) return undefined;
  let literal: string | null = null;
  const quoted = /^'([^']*)'/.exec(expression);
  if (quoted !== null) literal = quoted[1]!;
  else if (/^-?\d+(\.\d+)?$/.test(expression) || /^\(-\d+(\.\d+)?\)$/.test(expression))
    literal = expression.replace(/[()]/g, '');
  else if (expression === 'true' || expression === 'false') literal = expression === 'true' ? 't' : 'f';
  if (literal !== null) {
    try {
      const value = mapping.convert(literal, schema);
      if (value !== null) return value;
    } catch {
      // Not a value of the column's type (e.g. a cast Debezium cannot read): treated as an expression.
    }
  }
  return schema.isOptional ? undefined : fallbackValue(schema);
}
