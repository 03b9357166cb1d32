import { canonicalInt64, isInt64, Schema } from '@sluice/api';
import { FixedWidthConverter, type FixedWidthType } from './fixed-width-converter.ts';

function integerIn(min: number, max: number): (value: unknown) => number | undefined {
  return (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function anyNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

const LONG: FixedWidthType<number | bigint> = {
  typeName: 'long',
  deserializer: 'LongDeserializer',
  schema: Schema.OPTIONAL_INT64_SCHEMA,
  size: 8,
  expected: 'a 64-bit integer (an integral number or a bigint)',
  check: (value) => (isInt64(value) ? value : undefined),
  write: (view, value) => view.setBigInt64(0, BigInt(value)),
  read: (view) => canonicalInt64(view.getBigInt64(0)),
};

const INTEGER: FixedWidthType<number> = {
  typeName: 'integer',
  deserializer: 'IntegerDeserializer',
  schema: Schema.OPTIONAL_INT32_SCHEMA,
  size: 4,
  expected: 'an integer in [-2147483648, 2147483647]',
  check: integerIn(-2147483648, 2147483647),
  write: (view, value) => view.setInt32(0, value),
  read: (view) => view.getInt32(0),
};

const SHORT: FixedWidthType<number> = {
  typeName: 'short',
  deserializer: 'ShortDeserializer',
  schema: Schema.OPTIONAL_INT16_SCHEMA,
  size: 2,
  expected: 'an integer in [-32768, 32767]',
  check: integerIn(-32768, 32767),
  write: (view, value) => view.setInt16(0, value),
  read: (view) => view.getInt16(0),
};

const FLOAT: FixedWidthType<number> = {
  typeName: 'float',
  deserializer: 'FloatDeserializer',
  schema: Schema.OPTIONAL_FLOAT32_SCHEMA,
  size: 4,
  expected: 'a number',
  check: anyNumber,
  write: (view, value) => view.setFloat32(0, value),
  read: (view) => view.getFloat32(0),
};

const DOUBLE: FixedWidthType<number> = {
  typeName: 'double',
  deserializer: 'DoubleDeserializer',
  schema: Schema.OPTIONAL_FLOAT64_SCHEMA,
  size: 8,
  expected: 'a number',
  check: anyNumber,
  write: (view, value) => view.setFloat64(0, value),
  read: (view) => view.getFloat64(0),
};

/**
 * INT64 values as 8 big-endian bytes (`org.apache.kafka.connect.converters.LongConverter`).
 * Accepts an integral number or a bigint within 64 bits; reads the canonical INT64 form (a number
 * when a safe integer, else a bigint) with an optional INT64 schema.
 */
export class LongConverter extends FixedWidthConverter<number | bigint> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.LongConverter';
  static readonly aliases: readonly string[] = ['Long'];
  constructor() {
    super(LONG);
  }
}

/** INT32 values as 4 big-endian bytes (`org.apache.kafka.connect.converters.IntegerConverter`). */
export class IntegerConverter extends FixedWidthConverter<number> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.IntegerConverter';
  static readonly aliases: readonly string[] = ['Integer'];
  constructor() {
    super(INTEGER);
  }
}

/** INT16 values as 2 big-endian bytes (`org.apache.kafka.connect.converters.ShortConverter`). */
export class ShortConverter extends FixedWidthConverter<number> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.ShortConverter';
  static readonly aliases: readonly string[] = ['Short'];
  constructor() {
    super(SHORT);
  }
}

/**
 * FLOAT32 values as 4 big-endian IEEE-754 bytes (`org.apache.kafka.connect.converters.FloatConverter`);
 * a number is rounded to float precision when written.
 */
export class FloatConverter extends FixedWidthConverter<number> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.FloatConverter';
  static readonly aliases: readonly string[] = ['Float'];
  constructor() {
    super(FLOAT);
  }
}

/** FLOAT64 values as 8 big-endian IEEE-754 bytes (`org.apache.kafka.connect.converters.DoubleConverter`). */
export class DoubleConverter extends FixedWidthConverter<number> {
  static readonly javaClass = 'org.apache.kafka.connect.converters.DoubleConverter';
  static readonly aliases: readonly string[] = ['Double'];
  constructor() {
    super(DOUBLE);
  }
}
