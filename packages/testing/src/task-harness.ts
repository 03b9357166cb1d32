/**
 * Task contexts for driving a connector's tasks directly, without a runtime: an offset reader
 * backed by a Map (what the runtime's offset store holds after a flush), a source task context
 * over it, and a sink task context that records what the task asks for.
 */
import type {
  ErrantRecordReporter,
  OffsetStorageReader,
  SinkTaskContext,
  SourceMap,
  SourceRecord,
  SourceTaskContext,
  StringMap,
  TopicPartition,
  TopicPartitionMap,
  TransactionContext,
} from '@sluice/api';

/** Committed source offsets by partition (keyed by JSON form, as the offset store keys them). */
export class MapOffsetReader implements OffsetStorageReader {
  readonly #stored = new Map<string, SourceMap>();

  set(partition: SourceMap, offset: SourceMap): this {
    this.#stored.set(JSON.stringify(partition), offset);
    return this;
  }

  async offset(partition: SourceMap): Promise<SourceMap | null> {
    return this.#stored.get(JSON.stringify(partition)) ?? null;
  }

  /** The offsets of the partitions that have one; the others are absent, as the contract says. */
  async offsets(
    partitions: readonly SourceMap[],
  ): Promise<Array<{ partition: SourceMap; offset: SourceMap | null }>> {
    const out: Array<{ partition: SourceMap; offset: SourceMap | null }> = [];
    for (const partition of partitions) {
      const offset = await this.offset(partition);
      if (offset !== null) out.push({ partition, offset });
    }
    return out;
  }

  /** What the runtime does on an offset flush: the last offset of each partition is stored (JSON round trip). */
  flush(records: readonly SourceRecord[]): void {
    for (const r of records) {
      if (r.sourcePartition !== null && r.sourceOffset !== null) {
        this.set(r.sourcePartition, JSON.parse(JSON.stringify(r.sourceOffset)) as SourceMap);
      }
    }
  }
}

/** A source task's context: its configs and a {@link MapOffsetReader}; no transactions. */
export class TestSourceTaskContext implements SourceTaskContext {
  readonly #configs: StringMap;
  readonly reader: MapOffsetReader;

  constructor(configs: StringMap, reader = new MapOffsetReader()) {
    this.#configs = configs;
    this.reader = reader;
  }

  configs(): StringMap {
    return this.#configs;
  }

  offsetStorageReader(): OffsetStorageReader {
    return this.reader;
  }

  transactionContext(): TransactionContext | null {
    return null;
  }
}

/**
 * A sink task's context: its configs, no assignment, no errant record reporter; offset resets,
 * timeouts, pauses and resumes are ignored, and commit requests counted.
 */
export class TestSinkTaskContext implements SinkTaskContext {
  readonly #configs: StringMap;
  commitRequests = 0;

  constructor(configs: StringMap) {
    this.#configs = configs;
  }

  configs(): StringMap {
    return this.#configs;
  }

  offset(_offsets: TopicPartitionMap<number> | TopicPartition, _offset?: number): void {}

  timeout(_ms: number): void {}

  assignment(): TopicPartition[] {
    return [];
  }

  pause(..._partitions: TopicPartition[]): void {}

  resume(..._partitions: TopicPartition[]): void {}

  requestCommit(): void {
    this.commitRequests++;
  }

  errantRecordReporter(): ErrantRecordReporter | null {
    return null;
  }
}
