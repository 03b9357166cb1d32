import { DataError } from '../errors.ts';
import { BigDecimal } from './big-decimal.ts';
import { Struct } from './struct.ts';

/**
 * The Connect schema types (`org.apache.kafka.connect.data.Schema.Type`).
 *
 * How values of each type are represented in TypeScript:
 * | type | value |
 * | --- | --- |
 * | INT8, INT16, INT32 | `number`, an integer within the type's range |
 * | INT64 | `number` when a safe integer, else `bigint`; both are accepted, decoders produce this canonical form |
 * | FLOAT32, FLOAT64 | `number` |
 * | BOOLEAN | `boolean` |
 * | STRING | `string` |
 * | BYTES | `Uint8Array` (a `Buffer` is one) |
 * | ARRAY | an array |
 * | MAP | a `Map`, or a plain object when the keys are strings |
 * | STRUCT | a {@link Struct} |
 * Logical types: Decimal ⇒ {@link BigDecimal}; Date, Time and Timestamp ⇒ `Date`.
 */
export type SchemaType =
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FLOAT32'
  | 'FLOAT64'
  | 'BOOLEAN'
  | 'STRING'
  | 'BYTES'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT';

export const SchemaType = {
  INT8: 'INT8',
  INT16: 'INT16',
  INT32: 'INT32',
  INT64: 'INT64',
  FLOAT32: 'FLOAT32',
  FLOAT64: 'FLOAT64',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  BYTES: 'BYTES',
  ARRAY: 'ARRAY',
  MAP: 'MAP',
  STRUCT: 'STRUCT',
  /** Every type, in Kafka's declaration order. */
  values: [
    'INT8',
    'INT16',
    'INT32',
    'INT64',
    'FLOAT32',
    'FLOAT64',
    'BOOLEAN',
    'STRING',
    'BYTES',
    'ARRAY',
    'MAP',
    'STRUCT',
  ] as readonly SchemaType[],
  isPrimitive(type: SchemaType): boolean {
    return type !== 'ARRAY' && type !== 'MAP' && type !== 'STRUCT';
  },
  /** Kafka's lower-case name (`Schema.Type.getName()`): `int8` … `struct`. */
  getName(type: SchemaType): string {
    return type.toLowerCase();
  },
} as const;

/** A Connect schema. Immutable; build one with `SchemaBuilder` or use the predefined ones on `Schema`. */
export interface Schema {
  readonly type: SchemaType;
  readonly isOptional: boolean;
  /** The default value, or `null` when there is none. */
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  /** STRUCT only: the fields in order. Throws DataError for other types, as Kafka does. */
  readonly fields: readonly Field[];
  /** STRUCT only: the field with this name, or null. */
  field(name: string): Field | null;
  /** MAP only (null otherwise). */
  readonly keySchema: Schema | null;
  /** ARRAY and MAP only (null otherwise). */
  readonly valueSchema: Schema | null;
  /** Structural equality, as Java's `ConnectSchema.equals`. */
  equals(other: unknown): boolean;
  toString(): string;
}

/** A field of a STRUCT schema. */
export class Field {
  readonly name: string;
  readonly index: number;
  readonly schema: Schema;

  constructor(name: string, index: number, schema: Schema) {
    this.name = name;
    this.index = index;
    this.schema = schema;
  }

  equals(other: unknown): boolean {
    if (this === other) return true;
    return (
      other instanceof Field &&
      other.name === this.name &&
      other.index === this.index &&
      schemaEquals(this.schema, other.schema)
    );
  }

  toString(): string {
    return `Field{name=${this.name}, index=${this.index}, schema=${this.schema.toString()}}`;
  }
}

export interface ConnectSchemaOptions {
  type: SchemaType;
  optional?: boolean;
  defaultValue?: unknown;
  name?: string | null;
  version?: number | null;
  doc?: string | null;
  parameters?: Record<string, string> | null;
  fields?: readonly Field[] | null;
  keySchema?: Schema | null;
  valueSchema?: Schema | null;
}

/** The standard immutable {@link Schema} implementation (`org.apache.kafka.connect.data.ConnectSchema`). */
export class ConnectSchema implements Schema {
  readonly type: SchemaType;
  readonly isOptional: boolean;
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema | null;
  readonly #fields: readonly Field[] | null;
  readonly #fieldsByName: ReadonlyMap<string, Field> | null;

  constructor(options: ConnectSchemaOptions) {
    this.type = options.type;
    this.isOptional = options.optional ?? false;
    this.defaultValue = options.defaultValue ?? null;
    this.name = options.name ?? null;
    this.version = options.version ?? null;
    this.doc = options.doc ?? null;
    this.parameters = options.parameters ? Object.freeze({ ...options.parameters }) : null;
    this.keySchema = options.keySchema ?? null;
    this.valueSchema = options.valueSchema ?? null;
    if (this.type === 'STRUCT') {
      const fields = Object.freeze([...(options.fields ?? [])]);
      this.#fields = fields;
      this.#fieldsByName = new Map(fields.map((f) => [f.name, f]));
    } else {
      if (options.fields && options.fields.length > 0)
        throw new DataError('Non-struct schema cannot have fields');
      this.#fields = null;
      this.#fieldsByName = null;
    }
    if ((this.type === 'ARRAY' || this.type === 'MAP') && this.valueSchema === null) {
      throw new DataError(`${this.type} schema must have a value schema`);
    }
    if (this.type === 'MAP' && this.keySchema === null)
      throw new DataError('MAP schema must have a key schema');
  }

  get fields(): readonly Field[] {
    if (this.#fields === null) throw new DataError('Cannot list fields on non-struct type');
    return this.#fields;
  }

  field(name: string): Field | null {
    if (this.#fieldsByName === null) throw new DataError('Cannot look up fields on non-struct type');
    return this.#fieldsByName.get(name) ?? null;
  }

  equals(other: unknown): boolean {
    return schemaEquals(this, other);
  }

  toString(): string {
    if (this.name !== null) return `Schema{${this.name}:${this.type}}`;
    return `Schema{${this.type}}`;
  }

  /**
   * Checks that `value` is valid for `schema`; throws DataError naming the field otherwise.
   * Java's `ConnectSchema.validateValue(field, schema, value)`.
   */
  static validateValue(schema: Schema, value: unknown, field?: string): void {
    validateValue(schema, value, field);
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'Uint8Array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function describeValue(value: unknown): string {
  const t = typeOf(value);
  if (t === 'string')
    return `string ${JSON.stringify((value as string).length > 40 ? `${(value as string).slice(0, 40)}…` : value)}`;
  if (t === 'number' || t === 'boolean' || t === 'bigint') return `${t} ${String(value)}`;
  return t;
}

function fail(schema: Schema, value: unknown, field: string | undefined, expected: string): never {
  const where = field === undefined ? '' : ` for field "${field}"`;
  const name = schema.name === null ? '' : ` (${schema.name})`;
  throw new DataError(
    `Invalid value${where}: schema type ${schema.type}${name} expects ${expected}, got ${describeValue(value)}`,
  );
}

const INT_RANGES = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
} as const;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** True when `value` is a valid INT64 value: a bigint in range, or an integer number in range. */
export function isInt64(value: unknown): value is number | bigint {
  if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX;
  return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}

/** The canonical INT64 representation: a `number` when it is a safe integer, otherwise a `bigint`. */
export function canonicalInt64(value: number | bigint): number | bigint {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : BigInt(value);
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** True for a plain object (not a Struct, Map, Date, array, typed array or class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` can be a MAP value: a `Map` or a plain object. */
export function isMapValue(value: unknown): value is Map<unknown, unknown> | Record<string, unknown> {
  return value instanceof Map || isPlainObject(value);
}

/** The entries of a MAP value, whichever form it has. */
export function mapEntries(
  value: Map<unknown, unknown> | Record<string, unknown>,
): Iterable<[unknown, unknown]> {
  return value instanceof Map ? value.entries() : Object.entries(value);
}

function validateValue(schema: Schema, value: unknown, field: string | undefined): void {
  if (value === null || value === undefined) {
    if (schema.isOptional) return;
    const where = field === undefined ? '' : ` used for required field: "${field}"`;
    throw new DataError(`Invalid value: null${where}, schema type: ${schema.type}`);
  }
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      if (!(value instanceof BigDecimal)) fail(schema, value, field, 'a BigDecimal');
      return;
    case 'org.apache.kafka.connect.data.Date':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      if (!(value instanceof Date)) fail(schema, value, field, 'a Date');
      return;
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [lo, hi] = INT_RANGES[schema.type];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
        fail(schema, value, field, `an integer in [${lo}, ${hi}]`);
      }
      return;
    }
    case 'INT64':
      if (!isInt64(value)) fail(schema, value, field, 'a 64-bit integer (number or bigint)');
      return;
    case 'FLOAT32':
    case 'FLOAT64':
      if (typeof value !== 'number') fail(schema, value, field, 'a number');
      return;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') fail(schema, value, field, 'a boolean');
      return;
    case 'STRING':
      if (typeof value !== 'string') fail(schema, value, field, 'a string');
      return;
    case 'BYTES':
      if (!(value instanceof Uint8Array)) fail(schema, value, field, 'a Uint8Array');
      return;
    case 'ARRAY': {
      if (!Array.isArray(value)) fail(schema, value, field, 'an array');
      const elementSchema = schema.valueSchema!;
      for (const element of value) validateValue(elementSchema, element, field);
      return;
    }
    case 'MAP': {
      if (!isMapValue(value)) fail(schema, value, field, 'a Map or a plain object');
      const keySchema = schema.keySchema!;
      const valueSchema = schema.valueSchema!;
      for (const [k, v] of mapEntries(value)) {
        validateValue(keySchema, k, field);
        validateValue(valueSchema, v, field);
      }
      return;
    }
    case 'STRUCT': {
      if (!(value instanceof Struct)) fail(schema, value, field, 'a Struct');
      if (!schemaEquals(value.schema, schema)) {
        throw new DataError(
          `Struct schemas do not match${field === undefined ? '' : ` for field "${field}"`}.`,
        );
      }
      value.validate();
      return;
    }
  }
}

/** Structural schema equality (Java's `ConnectSchema.equals`). */
export function schemaEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const x = a as Schema;
  const y = b as Schema;
  if (
    x.type !== y.type ||
    x.isOptional !== y.isOptional ||
    x.name !== y.name ||
    x.version !== y.version ||
    x.doc !== y.doc
  ) {
    return false;
  }
  if (!recordEquals(x.parameters, y.parameters)) return false;
  if (!schemaEquals(x.keySchema, y.keySchema) || !schemaEquals(x.valueSchema, y.valueSchema)) return false;
  if (x.type === 'STRUCT') {
    const fx = x.fields;
    const fy = y.fields;
    if (fx.length !== fy.length) return false;
    for (let i = 0; i < fx.length; i++) {
      const f = fx[i]!;
      const g = fy[i]!;
      if (f.name !== g.name || f.index !== g.index || !schemaEquals(f.schema, g.schema)) return false;
    }
  }
  return valueEquals(x.defaultValue, y.defaultValue);
}

function recordEquals(
  a: Readonly<Record<string, string>> | null,
  b: Readonly<Record<string, string>> | null,
): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Deep equality of Connect values (Java's `Objects.deepEquals` on Connect data): INT64 numbers
 * and bigints compare by value, bytes by content, Dates by time, BigDecimals by value and scale,
 * Maps and plain objects by entries, Structs by schema and values.
 */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const ia = asBigInt(a);
    return ia !== undefined && ia === asBigInt(b);
  }
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof BigDecimal) return a.equals(b);
  if (a instanceof Struct) return a.equals(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i])) return false;
    return true;
  }
  if (isMapValue(a) && isMapValue(b)) {
    const ea = [...mapEntries(a)];
    const eb = [...mapEntries(b)];
    if (ea.length !== eb.length) return false;
    for (const [k, v] of ea) {
      const match = eb.find(([k2]) => valueEquals(k, k2));
      if (match === undefined || !valueEquals(v, match[1])) return false;
    }
    return true;
  }
  return false;
}

function asBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
}

function primitive(type: SchemaType, optional: boolean): Schema {
  return new ConnectSchema({ type, optional });
}

/** Predefined schemas, as the constants on Java's `Schema` interface. */
export const Schema = {
  INT8_SCHEMA: primitive('INT8', false),
  INT16_SCHEMA: primitive('INT16', false),
  INT32_SCHEMA: primitive('INT32', false),
  INT64_SCHEMA: primitive('INT64', false),
  FLOAT32_SCHEMA: primitive('FLOAT32', false),
  FLOAT64_SCHEMA: primitive('FLOAT64', false),
  BOOLEAN_SCHEMA: primitive('BOOLEAN', false),
  STRING_SCHEMA: primitive('STRING', false),
  BYTES_SCHEMA: primitive('BYTES', false),
  OPTIONAL_INT8_SCHEMA: primitive('INT8', true),
  OPTIONAL_INT16_SCHEMA: primitive('INT16', true),
  OPTIONAL_INT32_SCHEMA: primitive('INT32', true),
  OPTIONAL_INT64_SCHEMA: primitive('INT64', true),
  OPTIONAL_FLOAT32_SCHEMA: primitive('FLOAT32', true),
  OPTIONAL_FLOAT64_SCHEMA: primitive('FLOAT64', true),
  OPTIONAL_BOOLEAN_SCHEMA: primitive('BOOLEAN', true),
  OPTIONAL_STRING_SCHEMA: primitive('STRING', true),
  OPTIONAL_BYTES_SCHEMA: primitive('BYTES', true),
} as const;
