/** A Connect struct with every Connect type and logical type, for the ProtobufConverter tests. */
import { Schema, SchemaBuilder, type Struct } from '@sluice/api';
import { rowFixture } from './row-fixture.ts';

const fixture = rowFixture({
  name: 'pb.Row',
  innerName: null,
  extraMap: {
    name: 'dmap',
    schema: SchemaBuilder.map(Schema.FLOAT64_SCHEMA, Schema.STRING_SCHEMA).build(),
    value: new Map([[2.5, 'two and a half']]),
  },
  dec: '-12.34',
  date: new Date(Date.UTC(2024, 1, 29)),
  time: new Date(45_296_789),
  ts: new Date(1_700_000_000_123),
});

export const inner = fixture.inner;
export const rowSchema = fixture.schema;

export function rowValue(): Struct {
  return fixture.row();
}
