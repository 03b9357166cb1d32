import { Connector, type MaybePromise, type StringMap } from '../connector/connector.ts';
import type { SourceMap } from './source-record.ts';
import type { ConnectorTransactionBoundaries, ExactlyOnceSupport } from './source-task.ts';

/** A connector that reads from another system into Kafka (`org.apache.kafka.connect.source.SourceConnector`). */
export abstract class SourceConnector extends Connector {
  /** Whether the connector can run with exactly-once delivery; null when it cannot tell. */
  exactlyOnceSupport(_config: StringMap): ExactlyOnceSupport | null {
    return null;
  }

  canDefineTransactionBoundaries(_config: StringMap): ConnectorTransactionBoundaries {
    return 'UNSUPPORTED';
  }

  /**
   * Called before the runtime alters or resets this connector's offsets (null offset = reset).
   * Return true to accept; the default refuses, as Kafka's does, so offsets are changed only for
   * connectors that say they can handle it.
   */
  alterOffsets(
    _config: StringMap,
    _offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>,
  ): MaybePromise<boolean> {
    return false;
  }
}
