import { SchemaBuilderError } from '../errors.ts';
import { ConnectSchema, Field, type Schema, type SchemaType } from './schema.ts';

/**
 * Builds a {@link Schema} fluently (`org.apache.kafka.connect.data.SchemaBuilder`):
 * `SchemaBuilder.struct().name('com.example.Order').field('id', Schema.INT64_SCHEMA).build()`.
 * Each attribute can be set once; fields only on STRUCT; the default value is validated on build.
 */
export class SchemaBuilder {
  readonly type: SchemaType;
  #optional: boolean | undefined;
  #defaultValue: unknown;
  #hasDefault = false;
  #name: string | undefined;
  #version: number | undefined;
  #doc: string | undefined;
  #parameters: Record<string, string> | undefined;
  readonly #fields: Field[] = [];
  readonly #fieldNames = new Set<string>();
  readonly #keySchema: Schema | null;
  readonly #valueSchema: Schema | null;

  constructor(type: SchemaType, keySchema: Schema | null = null, valueSchema: Schema | null = null) {
    this.type = type;
    this.#keySchema = keySchema;
    this.#valueSchema = valueSchema;
  }

  static type(type: SchemaType): SchemaBuilder {
    if (type === 'ARRAY' || type === 'MAP') {
      throw new SchemaBuilderError(`Use SchemaBuilder.${type.toLowerCase()}(...) to build ${type} schemas`);
    }
    return new SchemaBuilder(type);
  }
  static int8(): SchemaBuilder {
    return new SchemaBuilder('INT8');
  }
  static int16(): SchemaBuilder {
    return new SchemaBuilder('INT16');
  }
  static int32(): SchemaBuilder {
    return new SchemaBuilder('INT32');
  }
  static int64(): SchemaBuilder {
    return new SchemaBuilder('INT64');
  }
  static float32(): SchemaBuilder {
    return new SchemaBuilder('FLOAT32');
  }
  static float64(): SchemaBuilder {
    return new SchemaBuilder('FLOAT64');
  }
  static bool(): SchemaBuilder {
    return new SchemaBuilder('BOOLEAN');
  }
  static string(): SchemaBuilder {
    return new SchemaBuilder('STRING');
  }
  static bytes(): SchemaBuilder {
    return new SchemaBuilder('BYTES');
  }
  static struct(): SchemaBuilder {
    return new SchemaBuilder('STRUCT');
  }
  static array(valueSchema: Schema | SchemaBuilder): SchemaBuilder {
    if (valueSchema === null || valueSchema === undefined)
      throw new SchemaBuilderError('valueSchema cannot be null.');
    return new SchemaBuilder('ARRAY', null, resolve(valueSchema));
  }
  static map(keySchema: Schema | SchemaBuilder, valueSchema: Schema | SchemaBuilder): SchemaBuilder {
    if (keySchema === null || keySchema === undefined)
      throw new SchemaBuilderError('keySchema cannot be null.');
    if (valueSchema === null || valueSchema === undefined)
      throw new SchemaBuilderError('valueSchema cannot be null.');
    return new SchemaBuilder('MAP', resolve(keySchema), resolve(valueSchema));
  }

  /** A builder preloaded with every attribute of `schema` (for SMTs that derive a schema). */
  static from(schema: Schema): SchemaBuilder {
    const b = new SchemaBuilder(schema.type, schema.keySchema, schema.valueSchema);
    if (schema.isOptional) b.optional();
    if (schema.name !== null) b.name(schema.name);
    if (schema.version !== null) b.version(schema.version);
    if (schema.doc !== null) b.doc(schema.doc);
    if (schema.parameters !== null) b.parameters(schema.parameters);
    if (schema.type === 'STRUCT') for (const f of schema.fields) b.field(f.name, f.schema);
    if (schema.defaultValue !== null) b.defaultValue(schema.defaultValue);
    return b;
  }

  get isOptional(): boolean {
    return this.#optional ?? false;
  }

  optional(): this {
    this.#once('optional', this.#optional);
    this.#optional = true;
    return this;
  }

  required(): this {
    this.#once('optional', this.#optional);
    this.#optional = false;
    return this;
  }

  defaultValue(value: unknown): this {
    if (this.#hasDefault)
      throw new SchemaBuilderError('Invalid SchemaBuilder call: defaultValue has already been set.');
    this.#hasDefault = true;
    this.#defaultValue = value;
    return this;
  }

  name(name: string): this {
    this.#once('name', this.#name);
    this.#name = name;
    return this;
  }

  version(version: number): this {
    this.#once('version', this.#version);
    if (!Number.isInteger(version))
      throw new SchemaBuilderError(`Schema version must be an integer, got ${version}`);
    this.#version = version;
    return this;
  }

  doc(doc: string): this {
    this.#once('doc', this.#doc);
    this.#doc = doc;
    return this;
  }

  parameter(name: string, value: string): this {
    this.#parameters ??= {};
    this.#parameters[name] = value;
    return this;
  }

  parameters(params: Readonly<Record<string, string>>): this {
    this.#parameters ??= {};
    Object.assign(this.#parameters, params);
    return this;
  }

  field(name: string, schema: Schema | SchemaBuilder): this {
    if (this.type !== 'STRUCT') throw new SchemaBuilderError(`Cannot create fields on type ${this.type}`);
    if (name === null || name === undefined || name === '') {
      throw new SchemaBuilderError('fieldName cannot be null.');
    }
    if (schema === null || schema === undefined)
      throw new SchemaBuilderError(`fieldSchema for field ${name} cannot be null.`);
    if (this.#fieldNames.has(name))
      throw new SchemaBuilderError(`Cannot create field because of field name duplication ${name}`);
    this.#fieldNames.add(name);
    this.#fields.push(new Field(name, this.#fields.length, resolve(schema)));
    return this;
  }

  get fields(): readonly Field[] {
    if (this.type !== 'STRUCT') throw new SchemaBuilderError('Cannot list fields on non-struct type');
    return this.#fields;
  }

  build(): Schema {
    const schema = new ConnectSchema({
      type: this.type,
      optional: this.#optional ?? false,
      name: this.#name ?? null,
      version: this.#version ?? null,
      doc: this.#doc ?? null,
      parameters: this.#parameters ?? null,
      fields: this.type === 'STRUCT' ? this.#fields : null,
      keySchema: this.#keySchema,
      valueSchema: this.#valueSchema,
    });
    if (!this.#hasDefault || this.#defaultValue === null || this.#defaultValue === undefined) return schema;
    try {
      ConnectSchema.validateValue(schema, this.#defaultValue);
    } catch (err) {
      throw new SchemaBuilderError('Invalid default value', { cause: err });
    }
    return new ConnectSchema({
      type: this.type,
      optional: this.#optional ?? false,
      defaultValue: this.#defaultValue,
      name: this.#name ?? null,
      version: this.#version ?? null,
      doc: this.#doc ?? null,
      parameters: this.#parameters ?? null,
      fields: this.type === 'STRUCT' ? this.#fields : null,
      keySchema: this.#keySchema,
      valueSchema: this.#valueSchema,
    });
  }

  /** Same as {@link build}: lets a builder stand where Java code would pass it as a Schema. */
  schema(): Schema {
    return this.build();
  }

  #once(attr: string, current: unknown): void {
    if (current !== undefined)
      throw new SchemaBuilderError(`Invalid SchemaBuilder call: ${attr} has already been set.`);
  }
}

function resolve(schema: Schema | SchemaBuilder): Schema {
  return schema instanceof SchemaBuilder ? schema.build() : schema;
}
