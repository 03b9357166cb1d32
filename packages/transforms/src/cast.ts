import {
  BigDecimal,
  ConfigDef,
  ConfigError,
  ConnectDate,
  type ConnectRecord,
  canonicalInt64,
  DataError,
  isMapValue,
  LambdaValidator,
  type Schema,
  SchemaBuilder,
  type SchemaType,
  Struct,
  Time,
  Timestamp,
  type Transformation,
  Values,
} from '@sluice/api';
import { defineReplaceNullWithDefault, Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from './util/config.ts';
import { copyMap, mapGet, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { className, requireMap, requireStruct } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';

const SPEC_CONFIG = 'spec';

const OVERVIEW_DOC =
  'Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller ' +
  'width. Cast from integers, floats, boolean and string to any other type, ' +
  'and cast binary to string (base64 encoded).' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.Cast$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.Cast$Value</code>).';

const INPUT_TYPES: readonly SchemaType[] = [
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FLOAT32',
  'FLOAT64',
  'BOOLEAN',
  'STRING',
  'BYTES',
];
const OUTPUT_TYPES: readonly SchemaType[] = INPUT_TYPES.slice(0, -1);
const ALL_TYPES = new Set<string>([...INPUT_TYPES, 'ARRAY', 'MAP', 'STRUCT']);

/** The key of the whole-value cast in a parsed spec. */
const WHOLE_VALUE = '';

/**
 * `field:type,...` or a single `type` into target types by field (`''` for the whole value).
 * @throws ConfigError naming `spec` for an empty spec, an unknown or unsupported type, or a whole-value cast mixed with others
 */
export function parseCastSpec(mappings: readonly string[], key = SPEC_CONFIG): Map<string, SchemaType> {
  if (mappings.length === 0) throw new ConfigError('Must specify at least one field to cast.', { key });
  const m = new Map<string, SchemaType>();
  let whole = false;
  const typeOf = (text: string): SchemaType => {
    const t = text.trim().toUpperCase();
    if (!ALL_TYPES.has(t))
      throw new ConfigError(`Invalid type found in casting spec: ${text.trim()}`, { key });
    if (!OUTPUT_TYPES.includes(t as SchemaType)) {
      throw new ConfigError(
        `Cast transformation does not support casting to ${t}; supported types are [${OUTPUT_TYPES.join(', ')}]`,
        { key },
      );
    }
    return t as SchemaType;
  };
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length > 2 || parts.length === 0) {
      throw ConfigError.invalidValue(key, `[${mappings.join(', ')}]`, `Invalid cast mapping: ${mapping}`);
    }
    if (parts.length === 1) {
      m.set(WHOLE_VALUE, typeOf(parts[0]!));
      whole = true;
    } else {
      m.set(parts[0]!.trim(), typeOf(parts[1]!));
    }
  }
  if (whole && mappings.length > 1) {
    throw new ConfigError(
      'Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec',
      { key },
    );
  }
  return m;
}

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef().define(
    SPEC_CONFIG,
    'LIST',
    ConfigDef.NO_DEFAULT_VALUE,
    LambdaValidator.with(
      (name, value) => {
        parseCastSpec((value as readonly string[] | null) ?? [], name);
      },
      () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    ),
    'HIGH',
    'List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of ' +
      'Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, ' +
      'int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.',
  ),
);

const PURPOSE = 'cast types';
const BITS: Partial<Record<SchemaType, number>> = { INT8: 8, INT16: 16, INT32: 32, INT64: 64 };
const INTEGER_TEXT = /^[+-]?[0-9]+$/;
const DECIMAL_TEXT = /^[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)$/;

class OutOfRange extends Error {}

/** The schema type Java would infer from the value's class, or null for unsupported values. */
function inferType(value: unknown): SchemaType | null {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
    case 'bigint':
      return 'INT64';
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
      return 'STRING';
  }
  if (value instanceof Uint8Array) return 'BYTES';
  if (Array.isArray(value)) return 'ARRAY';
  if (value instanceof Struct) return 'STRUCT';
  if (isMapValue(value)) return 'MAP';
  return null;
}

/** Java's numeric narrowing: integral part, saturated to int (long for 64 bits), then the low bits. */
function toInteger(value: number | bigint | BigDecimal, bits: number): bigint {
  if (typeof value === 'bigint') return BigInt.asIntN(bits, value);
  if (value instanceof BigDecimal) {
    const integral =
      value.scale <= 0
        ? value.unscaled * 10n ** BigInt(-value.scale)
        : value.unscaled / 10n ** BigInt(value.scale);
    return BigInt.asIntN(bits, integral);
  }
  if (Number.isNaN(value)) return 0n;
  const limit = bits === 64 ? 2 ** 63 : 2 ** 31;
  const clamped = Math.max(-limit, Math.min(limit - 1, Math.trunc(value)));
  return BigInt.asIntN(bits, BigInt(clamped));
}

function parseInteger(text: string, bits: number): bigint {
  if (!INTEGER_TEXT.test(text)) throw new OutOfRange();
  const n = BigInt(text);
  if (BigInt.asIntN(bits, n) !== n) throw new OutOfRange();
  return n;
}

function parseFloating(text: string): number {
  const t = text.trim();
  if (!DECIMAL_TEXT.test(t)) throw new OutOfRange();
  const body = /[fFdD]$/.test(t) ? t.slice(0, -1) : t;
  return body.endsWith('NaN') ? Number.NaN : Number(body);
}

function encodeLogical(schema: Schema | null, value: unknown): unknown {
  if (schema === null || schema.name === null || !(value instanceof Date)) return value;
  switch (schema.name) {
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.fromLogical(schema, value);
    case Time.LOGICAL_NAME:
      return Time.fromLogical(schema, value);
    case Timestamp.LOGICAL_NAME:
      return Timestamp.fromLogical(schema, value);
  }
  return value;
}

/**
 * Casts one value as Kafka's Cast does: numbers narrow like Java casts, booleans become 1/0,
 * strings are parsed (Java syntax; out of range is an error), numbers are true when non-zero, the
 * string `true` (any case) is true; logical Date/Time/Timestamp values become their int/long
 * encoding, or ISO text when cast to string; bytes only cast to string (base64).
 */
export function castValue(schema: Schema | null, value: unknown, target: SchemaType): unknown {
  if (value === null || value === undefined) return null;
  const inferred = schema !== null ? schema.type : inferType(value);
  if (inferred === null) {
    throw new DataError(
      `Cast transformation was passed a value of type ${className(value)} which is not supported by Connect's data API`,
    );
  }
  if (!INPUT_TYPES.includes(inferred)) {
    throw new DataError(
      `Cast transformation does not support casting from ${inferred}; supported types are [${INPUT_TYPES.join(', ')}]`,
    );
  }
  const v = target === 'STRING' ? value : encodeLogical(schema, value);
  try {
    const bits = BITS[target];
    if (bits !== undefined) {
      let n: bigint;
      if (typeof v === 'number' || typeof v === 'bigint' || v instanceof BigDecimal) n = toInteger(v, bits);
      else if (typeof v === 'boolean') n = v ? 1n : 0n;
      else if (typeof v === 'string') n = parseInteger(v, bits);
      else throw new DataError(`Unexpected type in Cast transformation: ${className(v)}`);
      return bits === 64 ? canonicalInt64(n) : Number(n);
    }
    switch (target) {
      case 'FLOAT32':
      case 'FLOAT64': {
        let d: number;
        if (typeof v === 'number') d = v;
        else if (typeof v === 'bigint') d = Number(v);
        else if (v instanceof BigDecimal) d = v.toNumber();
        else if (typeof v === 'boolean') d = v ? 1 : 0;
        else if (typeof v === 'string') d = parseFloating(v);
        else throw new DataError(`Unexpected type in Cast transformation: ${className(v)}`);
        return target === 'FLOAT32' ? Math.fround(d) : d;
      }
      case 'BOOLEAN':
        if (typeof v === 'number' || typeof v === 'bigint' || v instanceof BigDecimal)
          return toInteger(v, 64) !== 0n;
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string') return v.toLowerCase() === 'true';
        throw new DataError(`Unexpected type in Cast transformation: ${className(v)}`);
      case 'STRING':
        if (v instanceof Date) return Values.convertToString(null, v);
        if (v instanceof Uint8Array)
          return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
        if (typeof v === 'string') return v;
        return Values.convertToString(schema, v);
    }
    throw new DataError(`${target} is not supported in the Cast transformation.`);
  } catch (e) {
    if (e instanceof OutOfRange) {
      throw new DataError(`Value (${String(value)}) was out of range for requested data type`, { cause: e });
    }
    throw e;
  }
}

function builderFor(type: SchemaType): SchemaBuilder {
  return new SchemaBuilder(type);
}

interface Plan {
  readonly schema: Schema;
  /** For each field, its target type, or null when it is not cast. */
  readonly targets: readonly (SchemaType | null)[];
}

/**
 * Kafka's `Cast`: casts fields of a Struct/map (`spec=a:int32,b:string`), or the whole key/value
 * (`spec=int64`), to `int8`, `int16`, `int32`, `int64`, `float32`, `float64`, `boolean` or `string`.
 * Optionality is kept and defaults are cast too. A null key/value passes through.
 */
export abstract class Cast<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #casts: ReadonlyMap<string, SchemaType> = new Map();
  #whole: SchemaType | null = null;
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<Plan>();

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#casts = parseCastSpec(c.list(SPEC_CONFIG));
    this.#whole = this.#casts.get(WHOLE_VALUE) ?? null;
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    this.#cache = new SchemaCache<Plan>();
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    if (value === null) return record;
    const schema = this.side.schema(record);
    if (schema === null) {
      if (this.#whole !== null) return this.side.with(record, null, castValue(null, value, this.#whole));
      const map = requireMap(value, PURPOSE);
      const updated = copyMap(map);
      for (const [field, target] of this.#casts)
        mapSet(updated, field, castValue(null, mapGet(map, field), target));
      return this.side.with(record, null, updated);
    }
    const plan = this.#cache.get(schema) ?? this.#cache.set(schema, this.#plan(schema));
    if (this.#whole !== null)
      return this.side.with(record, plan.schema, castValue(schema, value, this.#whole));
    const struct = requireStruct(value, PURPOSE);
    return this.side.with(record, plan.schema, this.#castStruct(struct, plan));
  }

  #castStruct(struct: Struct, plan: Plan): Struct {
    const fields = struct.schema.fields;
    const values = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const v = fieldValue(struct, i, this.#replaceNullWithDefault);
      const target = plan.targets[i];
      values[i] = target === null || target === undefined ? v : castValue(fields[i]!.schema, v, target);
    }
    return Struct.withValues(plan.schema, values);
  }

  #plan(schema: Schema): Plan {
    let b: SchemaBuilder;
    const targets: (SchemaType | null)[] = [];
    if (this.#whole !== null) {
      b = copySchemaBasics(schema, builderFor(this.#whole));
    } else {
      if (schema.type !== 'STRUCT') requireStruct(null, PURPOSE);
      b = copySchemaBasics(schema, SchemaBuilder.struct());
      for (const f of schema.fields) {
        const target = this.#casts.get(f.name) ?? null;
        targets.push(target);
        if (target === null) {
          b.field(f.name, f.schema);
          continue;
        }
        const fb = builderFor(target);
        if (f.schema.isOptional) fb.optional();
        if (f.schema.defaultValue !== null)
          fb.defaultValue(castValue(f.schema, f.schema.defaultValue, target));
        b.field(f.name, fb.build());
      }
    }
    if (schema.isOptional) b.optional();
    // A Struct default cannot be cast (Kafka fails on it too); only whole-value defaults are cast.
    if (schema.defaultValue !== null && this.#whole !== null) {
      b.defaultValue(castValue(schema, schema.defaultValue, this.#whole));
    }
    return { schema: b.build(), targets };
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.Cast$Key`. */
export class CastKey<R extends ConnectRecord<R>> extends Cast<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.Cast$Key';
  static readonly aliases: readonly string[] = ['Cast$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.Cast$Value`. */
export class CastValue<R extends ConnectRecord<R>> extends Cast<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.Cast$Value';
  static readonly aliases: readonly string[] = ['Cast$Value'];
  protected readonly side: Side = VALUE;
}
