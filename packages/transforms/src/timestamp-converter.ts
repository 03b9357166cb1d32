import {
  ConfigDef,
  ConfigError,
  ConnectDate,
  ConnectError,
  type ConnectRecord,
  DataError,
  Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
  type Transformation,
  ValidString,
} from '@sluice/api';
import { defineReplaceNullWithDefault, Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from './util/config.ts';
import { copyMap, mapGet, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { className, requireMap, requireStructOrNull } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';
import { SimpleDateFormat } from './util/simple-date-format.ts';

const FIELD_CONFIG = 'field';
const TARGET_TYPE_CONFIG = 'target.type';
const FORMAT_CONFIG = 'format';
const UNIX_PRECISION_CONFIG = 'unix.precision';

type TimestampType = 'string' | 'unix' | 'Date' | 'Time' | 'Timestamp';
type UnixPrecision = 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';

const OVERVIEW_DOC =
  'Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.' +
  'Applies to individual fields or to the entire value.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.TimestampConverter$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.TimestampConverter$Value</code>).';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(
      FIELD_CONFIG,
      'STRING',
      '',
      'HIGH',
      'The field containing the timestamp, or empty if the entire value is a timestamp',
    )
    .define(
      TARGET_TYPE_CONFIG,
      'STRING',
      ConfigDef.NO_DEFAULT_VALUE,
      ValidString.in('string', 'unix', 'Date', 'Time', 'Timestamp'),
      'HIGH',
      'The desired timestamp representation: string, unix, Date, Time, or Timestamp',
    )
    .define(
      FORMAT_CONFIG,
      'STRING',
      '',
      'MEDIUM',
      'A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string ' +
        'or used to parse the input if the input is a string.',
    )
    .define(
      UNIX_PRECISION_CONFIG,
      'STRING',
      'milliseconds',
      ValidString.in('nanoseconds', 'microseconds', 'milliseconds', 'seconds'),
      'LOW',
      'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. ' +
        'Used to generate the output when type=unix or used to parse the input if the input is a Long.' +
        'Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.',
    ),
);

const PURPOSE = 'converting timestamp formats';
const MS_PER_DAY = 86_400_000;
const OPTIONAL_DATE_SCHEMA = ConnectDate.builder().optional().build();
const OPTIONAL_TIME_SCHEMA = Time.builder().optional().build();
const OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build();

function typeSchema(type: TimestampType, optional: boolean): Schema {
  switch (type) {
    case 'string':
      return optional ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA;
    case 'unix':
      return optional ? Schema.OPTIONAL_INT64_SCHEMA : Schema.INT64_SCHEMA;
    case 'Date':
      return optional ? OPTIONAL_DATE_SCHEMA : ConnectDate.SCHEMA;
    case 'Time':
      return optional ? OPTIONAL_TIME_SCHEMA : Time.SCHEMA;
    case 'Timestamp':
      return optional ? OPTIONAL_TIMESTAMP_SCHEMA : Timestamp.SCHEMA;
  }
}

/** The timestamp type a schema holds (Kafka's `timestampTypeFromSchema`). */
function typeFromSchema(schema: Schema): TimestampType {
  if (schema.name === Timestamp.LOGICAL_NAME) return 'Timestamp';
  if (schema.name === ConnectDate.LOGICAL_NAME) return 'Date';
  if (schema.name === Time.LOGICAL_NAME) return 'Time';
  if (schema.type === 'STRING') return 'string';
  if (schema.type === 'INT64') return 'unix';
  throw new ConnectError(`Schema ${schema.toString()} does not correspond to a known timestamp type format`);
}

/** The timestamp type of a schemaless value (Date ⇒ Timestamp, integer ⇒ unix, string ⇒ string). */
function inferType(value: unknown): TimestampType {
  if (value instanceof Date) return 'Timestamp';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'unix';
  if (typeof value === 'string') return 'string';
  throw new DataError(`TimestampConverter does not support ${className(value)} objects as timestamps`);
}

interface Plan {
  readonly schema: Schema;
  readonly index: number;
}

/**
 * Kafka's `TimestampConverter`: converts a timestamp field (or the whole key/value when `field` is
 * empty) between a formatted `string` (SimpleDateFormat `format`, UTC), `unix` epoch time in
 * `unix.precision`, and the Connect `Date`, `Time` and `Timestamp` logical types. The input type
 * comes from the schema, or, schemaless, from the value (Date ⇒ Timestamp, integer ⇒ unix,
 * string ⇒ string). `Date` keeps only the day, `Time` only the time of day (UTC).
 * Null values stay null.
 */
export abstract class TimestampConverter<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #field = '';
  #target: TimestampType = 'Timestamp';
  #format: SimpleDateFormat | null = null;
  #precision: UnixPrecision = 'milliseconds';
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<Plan>();

  /**
   * @throws ConfigError when `target.type=string` has no `format`, or `format` is not a valid pattern
   */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#field = c.string(FIELD_CONFIG) ?? '';
    this.#target = c.string(TARGET_TYPE_CONFIG) as TimestampType;
    this.#precision = c.string(UNIX_PRECISION_CONFIG) as UnixPrecision;
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    const pattern = c.string(FORMAT_CONFIG) ?? '';
    if (this.#target === 'string' && pattern.trim() === '') {
      throw new ConfigError(
        'TimestampConverter requires format option to be specified when using string timestamps',
        { key: FORMAT_CONFIG },
      );
    }
    this.#format = null;
    if (pattern.trim() !== '') {
      try {
        this.#format = new SimpleDateFormat(pattern);
      } catch (e) {
        throw new ConfigError(
          `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${pattern} (${(e as Error).message})`,
          { key: FORMAT_CONFIG, value: pattern },
        );
      }
    }
    this.#cache = new SchemaCache<Plan>();
  }

  apply(record: R): R | null {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      if (value === null || this.#field === '')
        return this.side.with(record, null, this.#convert(value, null));
      const map = requireMap(value, PURPOSE);
      const updated = copyMap(map);
      mapSet(updated, this.#field, this.#convert(mapGet(map, this.#field), null));
      return this.side.with(record, null, updated);
    }
    if (this.#field === '') {
      return this.side.with(
        record,
        typeSchema(this.#target, schema.isOptional),
        this.#convert(value, typeFromSchema(schema)),
      );
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const plan = this.#cache.get(schema) ?? this.#cache.set(schema, this.#plan(schema));
    return this.side.with(record, plan.schema, this.#convertStruct(struct, plan));
  }

  #convertStruct(struct: Struct | null, plan: Plan): Struct | null {
    if (struct === null) return null;
    const fields = struct.schema.fields;
    const values = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const v = fieldValue(struct, i, this.#replaceNullWithDefault);
      values[i] = i === plan.index ? this.#convert(v, typeFromSchema(fields[i]!.schema)) : v;
    }
    return Struct.withValues(plan.schema, values);
  }

  #plan(schema: Schema): Plan {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    let index = -1;
    for (const f of schema.fields) {
      if (f.name === this.#field) {
        index = f.index;
        b.field(f.name, typeSchema(this.#target, f.schema.isOptional));
      } else b.field(f.name, f.schema);
    }
    if (schema.isOptional) b.optional();
    // A Struct default is not carried over (its schema could not be the derived schema it would belong to).
    return { schema: b.build(), index };
  }

  /** Converts one timestamp from `from` (inferred from the value when null) to the target type. */
  #convert(value: unknown, from: TimestampType | null): unknown {
    if (value === null || value === undefined) return null;
    const millis = this.#toMillis(value, from ?? inferType(value));
    return this.#fromMillis(millis);
  }

  #toMillis(value: unknown, from: TimestampType): number {
    switch (from) {
      case 'string': {
        if (typeof value !== 'string') {
          throw new DataError(`Expected string timestamp to be a String, but found ${className(value)}`);
        }
        const format = this.#format;
        if (format === null) {
          throw new DataError(
            'TimestampConverter requires format option to be specified when using string timestamps',
          );
        }
        try {
          return format.parse(value);
        } catch (e) {
          throw new DataError(
            `Could not parse timestamp: value (${value}) does not match pattern (${format.pattern})`,
            { cause: e },
          );
        }
      }
      case 'unix': {
        if (typeof value !== 'number' && typeof value !== 'bigint') {
          throw new DataError(`Expected Unix timestamp to be a Long, but found ${className(value)}`);
        }
        const n = BigInt(value);
        switch (this.#precision) {
          case 'seconds':
            return Number(n * 1000n);
          case 'microseconds':
            return Number(n / 1000n);
          case 'nanoseconds':
            return Number(n / 1_000_000n);
          default:
            return Number(n);
        }
      }
      default:
        if (!(value instanceof Date)) {
          throw new DataError(`Expected ${from} to be a java.util.Date, but found ${className(value)}`);
        }
        return value.getTime();
    }
  }

  #fromMillis(millis: number): unknown {
    switch (this.#target) {
      case 'string':
        return this.#format!.format(millis);
      case 'unix': {
        const n = BigInt(millis);
        switch (this.#precision) {
          case 'seconds':
            return Number(n / 1000n);
          case 'microseconds':
            return canonical(n * 1000n);
          case 'nanoseconds':
            return canonical(n * 1_000_000n);
          default:
            return millis;
        }
      }
      case 'Date':
        return new Date(Math.floor(millis / MS_PER_DAY) * MS_PER_DAY);
      case 'Time':
        return new Date(((millis % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
      case 'Timestamp':
        return new Date(millis);
    }
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

function canonical(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** `org.apache.kafka.connect.transforms.TimestampConverter$Key`. */
export class TimestampConverterKey<R extends ConnectRecord<R>> extends TimestampConverter<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.TimestampConverter$Key';
  static readonly aliases: readonly string[] = ['TimestampConverter$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.TimestampConverter$Value`. */
export class TimestampConverterValue<R extends ConnectRecord<R>> extends TimestampConverter<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.TimestampConverter$Value';
  static readonly aliases: readonly string[] = ['TimestampConverter$Value'];
  protected readonly side: Side = VALUE;
}
