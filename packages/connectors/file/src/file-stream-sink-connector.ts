import {
  AbstractConfig,
  type ConfigDef,
  SinkConnector,
  type StringMap,
  type TaskClass,
  type TopicPartitionMap,
} from '@sluice/api';
import { FileStreamSinkTask } from './file-stream-sink-task.ts';
import { SINK_CONFIG_DEF } from './sink-config.ts';
import { VERSION } from './version.ts';

/**
 * Kafka's `org.apache.kafka.connect.file.FileStreamSinkConnector`: writes each record's value as a
 * line to a file (or standard output).
 */
export class FileStreamSinkConnector extends SinkConnector {
  static readonly javaClass = 'org.apache.kafka.connect.file.FileStreamSinkConnector';

  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  /** @throws ConfigError when the configuration is invalid, as Kafka's does */
  start(props: StringMap): void {
    new AbstractConfig(SINK_CONFIG_DEF, props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return FileStreamSinkTask;
  }

  /** `maxTasks` identical task configurations (the connector's, including the framework's `topics`). */
  taskConfigs(maxTasks: number): StringMap[] {
    const configs: StringMap[] = [];
    for (let i = 0; i < maxTasks; i++) configs.push({ ...this.#props });
    return configs;
  }

  stop(): void {}

  config(): ConfigDef {
    return SINK_CONFIG_DEF;
  }

  /** Always accepts: the connector keeps no offsets of its own and needs no validation. */
  override alterOffsets(_config: StringMap, _offsets: TopicPartitionMap<number | null>): boolean {
    return true;
  }
}
