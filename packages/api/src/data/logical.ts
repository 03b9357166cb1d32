import { DataError } from '../errors.ts';
import { BigDecimal } from './big-decimal.ts';
import type { Schema } from './schema.ts';
import { SchemaBuilder } from './schema-builder.ts';

const MILLIS_PER_DAY = 86_400_000;

/**
 * The Decimal logical type (`org.apache.kafka.connect.data.Decimal`): BYTES holding the unscaled
 * value as big-endian two's complement, with the scale in the schema parameter `scale`.
 */
export const Decimal = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Decimal',
  SCALE_FIELD: 'scale',
  builder(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes()
      .name(Decimal.LOGICAL_NAME)
      .parameter(Decimal.SCALE_FIELD, String(scale))
      .version(1);
  },
  schema(scale: number): Schema {
    return Decimal.builder(scale).build();
  },
  /** The scale a Decimal schema declares. */
  scale(schema: Schema): number {
    const text = schema.parameters?.[Decimal.SCALE_FIELD];
    if (text === undefined) throw new DataError('Invalid Decimal schema: scale parameter not found.');
    const scale = Number.parseInt(text, 10);
    if (!Number.isInteger(scale) || String(scale) !== text.trim()) {
      throw new DataError(`Invalid scale parameter found in Decimal schema: ${text}`);
    }
    return scale;
  },
  fromLogical(schema: Schema, value: BigDecimal): Uint8Array {
    if (value.scale !== Decimal.scale(schema)) {
      throw new DataError(
        `BigDecimal has mismatching scale value for given Decimal schema: ${value.scale} (schema scale ${Decimal.scale(schema)})`,
      );
    }
    return value.unscaledBytes();
  },
  toLogical(schema: Schema, bytes: Uint8Array): BigDecimal {
    return BigDecimal.fromUnscaledBytes(bytes, Decimal.scale(schema));
  },
} as const;

/**
 * The Date logical type (`org.apache.kafka.connect.data.Date`): INT32 days since the Unix epoch;
 * the JavaScript value is a `Date` at midnight UTC. Named ConnectDate so it does not shadow the global Date.
 */
export const ConnectDate = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Date',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(ConnectDate.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name('org.apache.kafka.connect.data.Date').version(1).build(),
  fromLogical(schema: Schema, value: Date): number {
    checkName(schema, ConnectDate.LOGICAL_NAME);
    const ms = value.getTime();
    if (ms % MILLIS_PER_DAY !== 0) {
      throw new DataError('Kafka Connect Date type should not have any time fields set to non-zero values.');
    }
    return ms / MILLIS_PER_DAY;
  },
  toLogical(schema: Schema, days: number): Date {
    checkName(schema, ConnectDate.LOGICAL_NAME);
    return new Date(days * MILLIS_PER_DAY);
  },
} as const;

/** The Time logical type (`org.apache.kafka.connect.data.Time`): INT32 milliseconds since midnight; value a `Date` on 1970-01-01 UTC. */
export const Time = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Time',
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(Time.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name('org.apache.kafka.connect.data.Time').version(1).build(),
  fromLogical(schema: Schema, value: Date): number {
    checkName(schema, Time.LOGICAL_NAME);
    const ms = value.getTime();
    // Kafka allows 86400000 (24:00:00) here, as toLogical does.
    if (ms < 0 || ms > MILLIS_PER_DAY) {
      throw new DataError('Kafka Connect Time type should not have any date fields set to non-zero values.');
    }
    return ms;
  },
  toLogical(schema: Schema, millis: number): Date {
    checkName(schema, Time.LOGICAL_NAME);
    if (millis < 0 || millis > MILLIS_PER_DAY) {
      throw new DataError(
        'Time values must use number of milliseconds greater than 0 and less than 86400000',
      );
    }
    return new Date(millis);
  },
} as const;

/** The Timestamp logical type (`org.apache.kafka.connect.data.Timestamp`): INT64 epoch milliseconds; value a `Date`. */
export const Timestamp = {
  LOGICAL_NAME: 'org.apache.kafka.connect.data.Timestamp',
  builder(): SchemaBuilder {
    return SchemaBuilder.int64().name(Timestamp.LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int64().name('org.apache.kafka.connect.data.Timestamp').version(1).build(),
  fromLogical(schema: Schema, value: Date): number {
    checkName(schema, Timestamp.LOGICAL_NAME);
    return value.getTime();
  },
  toLogical(schema: Schema, millis: number | bigint): Date {
    checkName(schema, Timestamp.LOGICAL_NAME);
    return new Date(Number(millis));
  },
} as const;

function checkName(schema: Schema, name: string): void {
  if (schema.name !== name) {
    throw new DataError(`Requested conversion of ${name} object but the schema does not match.`);
  }
}
