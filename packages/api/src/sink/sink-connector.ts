import { Connector, type MaybePromise, type StringMap } from '../connector/connector.ts';
import type { TopicPartitionMap } from '../connector/topic-partition.ts';

/** A connector that writes from Kafka to another system (`org.apache.kafka.connect.sink.SinkConnector`). */
export abstract class SinkConnector extends Connector {
  static readonly TOPICS_CONFIG = 'topics';

  /**
   * Called before the runtime alters or resets this connector's consumer offsets (null = reset).
   * Sink offsets live in Kafka, so the default accepts.
   */
  alterOffsets(_config: StringMap, _offsets: TopicPartitionMap<number | null>): MaybePromise<boolean> {
    return true;
  }
}
