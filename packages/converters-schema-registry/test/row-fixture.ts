/**
 * The Connect struct the JSON Schema and Protobuf converter tests round-trip: every Connect type
 * and logical type, with one test-specific map field after `map`.
 */
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';

export function rowFixture(opts: {
  /** The row struct's name. */
  readonly name: string;
  /** The nested struct's name (null: unnamed). */
  readonly innerName: string | null;
  /** The map field after `map`, with its value in `row()`. */
  readonly extraMap: { readonly name: string; readonly schema: Schema; readonly value: unknown };
  /** The logical-type values in `row()`. */
  readonly dec: string;
  readonly date: Date;
  readonly time: Date;
  readonly ts: Date;
}): { inner: Schema; schema: Schema; row: () => Struct } {
  const innerBuilder = SchemaBuilder.struct();
  if (opts.innerName !== null) innerBuilder.name(opts.innerName);
  const inner = innerBuilder.field('q', Schema.INT32_SCHEMA).optional().build();
  const schema = SchemaBuilder.struct()
    .name(opts.name)
    .field('i8', Schema.INT8_SCHEMA)
    .field('i16', Schema.INT16_SCHEMA)
    .field('i32', Schema.INT32_SCHEMA)
    .field('i64', Schema.INT64_SCHEMA)
    .field('f32', Schema.FLOAT32_SCHEMA)
    .field('f64', Schema.FLOAT64_SCHEMA)
    .field('b', Schema.BOOLEAN_SCHEMA)
    .field('s', Schema.STRING_SCHEMA)
    .field('bytes', Schema.BYTES_SCHEMA)
    .field('arr', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
    .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
    .field(opts.extraMap.name, opts.extraMap.schema)
    .field('inner', inner)
    .field('opt', Schema.OPTIONAL_STRING_SCHEMA)
    .field('dec', Decimal.schema(2))
    .field('date', ConnectDate.SCHEMA)
    .field('time', Time.SCHEMA)
    .field('ts', Timestamp.SCHEMA)
    .build();
  const row = (): Struct =>
    new Struct(schema)
      .put('i8', 8)
      .put('i16', -16)
      .put('i32', 32)
      .put('i64', 9007199254740993n)
      .put('f32', 1.5)
      .put('f64', 1e300)
      .put('b', true)
      .put('s', 'ünï "q"')
      .put('bytes', new Uint8Array([1, 2, 3]))
      .put('arr', ['x', 'y'])
      .put('map', { a: 1 })
      .put(opts.extraMap.name, opts.extraMap.value)
      .put('inner', new Struct(inner).put('q', 3))
      .put('opt', null)
      .put('dec', BigDecimal.parse(opts.dec))
      .put('date', opts.date)
      .put('time', opts.time)
      .put('ts', opts.ts);
  return { inner, schema, row };
}
