import {
  AbstractConfig,
  type ConfigDef,
  ConnectError,
  type ExactlyOnceSupport,
  SourceConnector,
  type SourceMap,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import { FileStreamSourceTask } from './file-stream-source-task.ts';
import {
  FILE_CONFIG,
  FILENAME_FIELD,
  isLong,
  POSITION_FIELD,
  SOURCE_CONFIG_DEF,
  sourceFilename,
} from './source-config.ts';
import { VERSION } from './version.ts';

/**
 * Kafka's `org.apache.kafka.connect.file.FileStreamSourceConnector`: reads lines from a file (or
 * standard input) into a topic, with one task.
 */
export class FileStreamSourceConnector extends SourceConnector {
  static readonly javaClass = 'org.apache.kafka.connect.file.FileStreamSourceConnector';

  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  /** @throws ConfigError when the configuration is invalid (e.g. `topic` missing), as Kafka's does */
  start(props: StringMap): void {
    new AbstractConfig(SOURCE_CONFIG_DEF, props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return FileStreamSourceTask;
  }

  /** Exactly one task, with the connector's configuration: only one reader of a stream makes sense. */
  taskConfigs(_maxTasks: number): StringMap[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  config(): ConfigDef {
    return SOURCE_CONFIG_DEF;
  }

  /** Exactly-once is possible when reading a real file (appended to only), not standard input. */
  override exactlyOnceSupport(config: StringMap): ExactlyOnceSupport {
    return sourceFilename(new AbstractConfig(SOURCE_CONFIG_DEF, config)) !== null
      ? 'SUPPORTED'
      : 'UNSUPPORTED';
  }

  /**
   * Accepts offsets that are null (a reset, allowed for any partition) or hold a non-negative integer
   * `position`, for partitions holding `filename`; refuses everything for standard input, where
   * offsets are not tracked. Whether a position fits the file is left to the task, as in Kafka.
   * @throws ConnectError with Kafka's messages
   */
  override alterOffsets(
    config: StringMap,
    offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>,
  ): boolean {
    if (sourceFilename(new AbstractConfig(SOURCE_CONFIG_DEF, config)) === null) {
      throw new ConnectError(
        `Offsets cannot be modified if the '${FILE_CONFIG}' configuration is unspecified. ` +
          'This is because stdin is used for input and offsets are not tracked.',
      );
    }
    for (const { partition, offset } of offsets) {
      // Tombstones are allowed for anything, so stale offsets can always be cleaned up.
      if (offset === null || offset === undefined) continue;
      if (!Object.hasOwn(offset, POSITION_FIELD)) {
        throw new ConnectError(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      }
      const position = offset[POSITION_FIELD];
      if (!isLong(position)) {
        throw new ConnectError(
          `The value for the '${POSITION_FIELD}' key in the offset is expected to be a Long value`,
        );
      }
      if (position < 0) {
        throw new ConnectError(
          `The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`,
        );
      }
      if (partition === null || partition === undefined) {
        throw new ConnectError('Partition objects cannot be null');
      }
      if (!Object.hasOwn(partition, FILENAME_FIELD)) {
        throw new ConnectError(`Partition objects should contain the key '${FILENAME_FIELD}'`);
      }
    }
    return true;
  }
}
