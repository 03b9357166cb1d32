/** A Connect struct with every Connect type and logical type, for the ProtobufConverter tests. */
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

export const inner = SchemaBuilder.struct().field('q', Schema.INT32_SCHEMA).optional().build();
export const rowSchema = SchemaBuilder.struct()
  .name('pb.Row')
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
  .field('dmap', SchemaBuilder.map(Schema.FLOAT64_SCHEMA, Schema.STRING_SCHEMA).build())
  .field('inner', inner)
  .field('opt', Schema.OPTIONAL_STRING_SCHEMA)
  .field('dec', Decimal.schema(2))
  .field('date', ConnectDate.SCHEMA)
  .field('time', Time.SCHEMA)
  .field('ts', Timestamp.SCHEMA)
  .build();

export function rowValue(): Struct {
  return new Struct(rowSchema)
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
    .put('dmap', new Map([[2.5, 'two and a half']]))
    .put('inner', new Struct(inner).put('q', 3))
    .put('opt', null)
    .put('dec', BigDecimal.parse('-12.34'))
    .put('date', new Date(Date.UTC(2024, 1, 29)))
    .put('time', new Date(45_296_789))
    .put('ts', new Date(1_700_000_000_123));
}
