import { DataError, Schema } from '@sluice/api';
import { FixedWidthConverter, type FixedWidthType } from './fixed-width-converter.ts';

const BOOLEAN: FixedWidthType<boolean> = {
  typeName: 'boolean',
  deserializer: 'BooleanDeserializer',
  schema: Schema.OPTIONAL_BOOLEAN_SCHEMA,
  size: 1,
  schemaType: 'BOOLEAN',
  expected: 'a boolean',
  check: (value) => (typeof value === 'boolean' ? value : undefined),
  write: (view, value) => view.setUint8(0, value ? 1 : 0),
  read(view) {
    const b = view.getInt8(0);
    if (b === 1) return true;
    if (b === 0) return false;
    throw new DataError(`Unexpected byte received by BooleanDeserializer: ${b}`);
  },
};

/**
 * BOOLEAN values as one byte, 0x01 or 0x00 (`org.apache.kafka.connect.converters.BooleanConverter`,
 * Kafka 3.x+). A non-null schema must be BOOLEAN; any other byte is a DataError on reading.
 */
export class BooleanConverter extends FixedWidthConverter<boolean> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.BooleanConverter';
  static readonly aliases: readonly string[] = ['Boolean'];
  constructor() {
    super(BOOLEAN);
  }
}
