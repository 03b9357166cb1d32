import { DataError } from '../errors.ts';
import type { BigDecimal } from './big-decimal.ts';
import { ConnectSchema, type Field, type Schema, schemaEquals, valueEquals } from './schema.ts';

/**
 * A structured record value with a fixed STRUCT schema (`org.apache.kafka.connect.data.Struct`).
 * `put` validates the value against the field's schema; `get` returns the field's default when
 * the stored value is null; `validate()` checks that every required field is set.
 */
/** The values array {@link Struct.withValues} hands to the constructor (single-threaded, so a module variable). */
let adopting: unknown[] | null = null;

export class Struct {
  readonly schema: Schema;
  readonly #values: unknown[];

  constructor(schema: Schema) {
    if (schema.type !== 'STRUCT') throw new DataError(`Not a struct schema: ${schema.toString()}`);
    this.schema = schema;
    const adopted = adopting;
    if (adopted !== null) {
      adopting = null;
      this.#values = adopted;
    } else {
      this.#values = new Array(schema.fields.length).fill(null);
    }
  }

  /**
   * A Struct holding `values` in field order, without validating them. For converters and
   * transforms that have already checked each value; call {@link validate} on untrusted data.
   * The Struct takes `values` over (no copy: it runs once per record in hot loops), so pass an
   * array made for it and do not change it afterwards.
   */
  static withValues(schema: Schema, values: unknown[]): Struct {
    const n = schema.fields.length;
    if (values.length !== n) {
      throw new DataError(`Struct has ${n} fields but ${values.length} values were given`);
    }
    for (let i = 0; i < n; i++) if (values[i] === undefined) values[i] = null;
    adopting = values;
    try {
      return new Struct(schema);
    } finally {
      adopting = null;
    }
  }

  /** The value of a field, or the field's default value when the stored value is null. */
  get(field: string | Field): unknown {
    const f = this.#lookup(field);
    const v = this.#values[f.index];
    return v === null ? f.schema.defaultValue : v;
  }

  /** The stored value of a field, ignoring its default. */
  getWithoutDefault(field: string | Field): unknown {
    return this.#values[this.#lookup(field).index];
  }

  getInt8(field: string): number | null {
    return this.#typed(field, 'INT8') as number | null;
  }
  getInt16(field: string): number | null {
    return this.#typed(field, 'INT16') as number | null;
  }
  getInt32(field: string): number | null {
    return this.#typed(field, 'INT32') as number | null;
  }
  getInt64(field: string): number | bigint | null {
    return this.#typed(field, 'INT64') as number | bigint | null;
  }
  getFloat32(field: string): number | null {
    return this.#typed(field, 'FLOAT32') as number | null;
  }
  getFloat64(field: string): number | null {
    return this.#typed(field, 'FLOAT64') as number | null;
  }
  getBoolean(field: string): boolean | null {
    return this.#typed(field, 'BOOLEAN') as boolean | null;
  }
  getString(field: string): string | null {
    return this.#typed(field, 'STRING') as string | null;
  }
  getBytes(field: string): Uint8Array | null {
    return this.#typed(field, 'BYTES') as Uint8Array | null;
  }
  getDecimal(field: string): BigDecimal | null {
    return this.#typed(field, 'BYTES') as BigDecimal | null;
  }
  getArray<T = unknown>(field: string): T[] | null {
    return this.#typed(field, 'ARRAY') as T[] | null;
  }
  getMap(field: string): Map<unknown, unknown> | Record<string, unknown> | null {
    return this.#typed(field, 'MAP') as Map<unknown, unknown> | Record<string, unknown> | null;
  }
  getStruct(field: string): Struct | null {
    return this.#typed(field, 'STRUCT') as Struct | null;
  }

  /**
   * The stored values in field order, without defaults applied: a read-only view for
   * serializers that walk every field. Do not modify it; use {@link put}.
   */
  rawValues(): readonly unknown[] {
    return this.#values;
  }

  /** Sets a field after validating the value against the field's schema. Returns this, for chaining. */
  put(field: string | Field, value: unknown): this {
    const f = this.#lookup(field);
    ConnectSchema.validateValue(f.schema, value, f.name);
    this.#values[f.index] = value ?? null;
    return this;
  }

  /** Checks every field: a null value is allowed only for an optional field or one with a default. */
  validate(): void {
    const fields = this.schema.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = this.#values[i];
      if (v === null && (f.schema.isOptional || f.schema.defaultValue !== null)) continue;
      ConnectSchema.validateValue(f.schema, v, f.name);
    }
  }

  equals(other: unknown): boolean {
    if (this === other) return true;
    if (!(other instanceof Struct) || !schemaEquals(this.schema, other.schema)) return false;
    for (let i = 0; i < this.#values.length; i++) {
      if (!valueEquals(this.#values[i], other.#values[i])) return false;
    }
    return true;
  }

  /** Java's `Struct{name=value,...}` form, omitting null fields. */
  toString(): string {
    const parts: string[] = [];
    for (const f of this.schema.fields) {
      const v = this.#values[f.index];
      if (v !== null) parts.push(`${f.name}=${v instanceof Uint8Array ? `[${v.join(', ')}]` : String(v)}`);
    }
    return `Struct{${parts.join(',')}}`;
  }

  #lookup(field: string | Field): Field {
    if (typeof field !== 'string') {
      if (this.schema.fields[field.index] !== field && !this.schema.fields[field.index]?.equals(field)) {
        throw new DataError(`Field ${field.name} is not part of this struct's schema`);
      }
      return field;
    }
    const f = this.schema.field(field);
    if (f === null) throw new DataError(`${field} is not a valid field name`);
    return f;
  }

  #typed(name: string, type: Schema['type']): unknown {
    const f = this.#lookup(name);
    if (f.schema.type !== type) {
      throw new DataError(`Field '${name}' is not of type ${type}`);
    }
    return this.get(f);
  }
}
