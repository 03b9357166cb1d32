import { type Schema, SchemaBuilder, Struct } from '@sluice/api';

/**
 * A builder of `schema`'s type (or `builder` when given) carrying its name, version, doc and
 * parameters, but not its optionality, default or fields (Kafka's `SchemaUtil.copySchemaBasics`).
 */
export function copySchemaBasics(schema: Schema, builder?: SchemaBuilder): SchemaBuilder {
  let b = builder;
  if (b === undefined) {
    if (schema.type === 'ARRAY') b = SchemaBuilder.array(schema.valueSchema!);
    else if (schema.type === 'MAP') b = SchemaBuilder.map(schema.keySchema!, schema.valueSchema!);
    else b = new SchemaBuilder(schema.type);
  }
  if (schema.name !== null) b.name(schema.name);
  if (schema.version !== null) b.version(schema.version);
  if (schema.doc !== null) b.doc(schema.doc);
  if (schema.parameters !== null) b.parameters(schema.parameters);
  return b;
}

/** A copy of `schema` with every attribute, made optional. */
export function optionalCopy(schema: Schema): Schema {
  if (schema.isOptional) return schema;
  const b = copySchemaBasics(schema);
  if (schema.type === 'STRUCT') for (const f of schema.fields) b.field(f.name, f.schema);
  b.optional();
  if (schema.defaultValue !== null) b.defaultValue(schema.defaultValue);
  return b.build();
}

/**
 * The value of the field at `index` of `struct`: with `replaceNullWithDefault` a stored null gives
 * the field's default (Kafka's `Struct.get`), otherwise the raw stored value (`getWithoutDefault`).
 */
export function fieldValue(struct: Struct, index: number, replaceNullWithDefault: boolean): unknown {
  const v = struct.rawValues()[index] ?? null;
  if (v !== null || !replaceNullWithDefault) return v;
  return struct.schema.fields[index]!.schema.defaultValue;
}

/** A new Struct of `schema` whose values are `struct`'s, field by field in order (schemas with the same fields). */
export function restruct(struct: Struct, schema: Schema, replaceNullWithDefault: boolean): Struct {
  const n = schema.fields.length;
  const values = new Array<unknown>(n);
  for (let i = 0; i < n; i++) values[i] = fieldValue(struct, i, replaceNullWithDefault);
  return Struct.withValues(schema, values);
}
