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
   * Return true when the connector handled the change (also in any external system it uses);
   * the default returns false and the runtime changes only the offsets it manages, saying so in
   * its answer. Throw to refuse the change.
   */
  alterOffsets(
    _config: StringMap,
    _offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>,
  ): MaybePromise<boolean> {
    return false;
  }
}
