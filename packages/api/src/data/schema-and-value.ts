import type { Schema } from './schema.ts';

/** A schema together with a value of that schema (`org.apache.kafka.connect.data.SchemaAndValue`). */
export class SchemaAndValue {
  static readonly NULL: SchemaAndValue = new SchemaAndValue(null, null);
  readonly schema: Schema | null;
  readonly value: unknown;

  constructor(schema: Schema | null, value: unknown) {
    this.schema = schema;
    this.value = value;
  }
}
