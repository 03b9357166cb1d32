import { type AbstractConfig, ConfigDef, NonEmptyString } from '@sluice/api';

export const FILE_CONFIG = 'file';
export const TOPIC_CONFIG = 'topic';
export const TASK_BATCH_SIZE_CONFIG = 'batch.size';
export const DEFAULT_TASK_BATCH_SIZE = 2000;

/** The source partition key (`{"filename": <file>}`) and source offset key (`{"position": <bytes>}`). */
export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';

/** Kafka's definition, key for key (note `batch.size` is LOW importance in Kafka). */
export const SOURCE_CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    FILE_CONFIG,
    ConfigDef.Type.STRING,
    null,
    ConfigDef.Importance.HIGH,
    'Source filename. If not specified, the standard input will be used',
  )
  .define(
    TOPIC_CONFIG,
    ConfigDef.Type.STRING,
    ConfigDef.NO_DEFAULT_VALUE,
    new NonEmptyString(),
    ConfigDef.Importance.HIGH,
    'The topic to publish data to',
  )
  .define(
    TASK_BATCH_SIZE_CONFIG,
    ConfigDef.Type.INT,
    DEFAULT_TASK_BATCH_SIZE,
    ConfigDef.Importance.LOW,
    'The maximum number of records the source task can read from the file each time it is polled',
  );

/** The configured file, or null for standard input (`file` unset or empty). */
export function sourceFilename(config: AbstractConfig): string | null {
  const filename = config.getString(FILE_CONFIG);
  return filename === null || filename === '' ? null : filename;
}

/** Java's `instanceof Long` for a value that came through JSON: an integral number or a bigint. */
export function isLong(value: unknown): value is number | bigint {
  return (
    (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n)
  );
}
