/**
 * Small task contexts for driving the tasks directly, without a runtime: an offset reader backed by
 * a Map, and a sink context that records what the task asks for.
 */
import type {
  ErrantRecordReporter,
  OffsetStorageReader,
  SinkTaskContext,
  SourceMap,
  SourceTaskContext,
  StringMap,
  TopicPartition,
  TopicPartitionMap,
  TransactionContext,
} from '@sluice/api';

/** Committed source offsets by partition (compared by JSON form, as the offset store keys them). */
export class MapOffsetReader implements OffsetStorageReader {
  readonly #offsets = new Map<string, SourceMap>();

  set(partition: SourceMap, offset: SourceMap): this {
    this.#offsets.set(JSON.stringify(partition), offset);
    return this;
  }

  async offset(partition: SourceMap): Promise<SourceMap | null> {
    return this.#offsets.get(JSON.stringify(partition)) ?? null;
  }

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
}

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
