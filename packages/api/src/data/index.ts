export { BigDecimal } from './big-decimal.ts';
export { formatJavaDouble, formatJavaFloat } from './java-format.ts';
export { ConnectDate, Decimal, Time, Timestamp } from './logical.ts';
export {
  ConnectSchema,
  type ConnectSchemaOptions,
  canonicalInt64,
  Field,
  isInt64,
  isMapValue,
  isPlainObject,
  mapEntries,
  Schema,
  SchemaType,
  schemaEquals,
  valueEquals,
} from './schema.ts';
export { SchemaAndValue } from './schema-and-value.ts';
export { SchemaBuilder } from './schema-builder.ts';
export { Struct } from './struct.ts';
export { Values } from './values.ts';
