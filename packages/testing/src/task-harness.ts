/**
 * Task contexts for driving a connector's tasks directly, without a runtime: an offset reader
 * backed by a Map (what the runtime's offset store holds after a flush), a source task context
 * over it, and a sink task context that records what the task asks for. Both record what the task
 * logs through `context.logger(name)` in `logs`.
 */
import type {
  ErrantRecordReporter,
  OffsetStorageReader,
  PluginLogger,
  PluginLogLevel,
  SinkTaskContext,
  SourceMap,
  SourceRecord,
  SourceTaskContext,
  StringMap,
  TopicPartition,
  TopicPartitionMap,
  TransactionContext,
} from '@sluice/api';

/** A line a task logged through its test context. */
export interface LoggedLine {
  level: PluginLogLevel;
  /** The logger's name (`context.logger(name)`; `task` when none was given). */
  logger: string;
  message: string;
  error?: unknown;
}

/** A `context.logger` that records every line (all levels) into `lines`. */
export function recordingLoggers(lines: LoggedLine[]): (name?: string) => PluginLogger {
  return (name = 'task') => {
    const at =
      (level: PluginLogLevel) =>
      (message: string, error?: unknown): void => {
        lines.push(
          error === undefined ? { level, logger: name, message } : { level, logger: name, message, error },
        );
      };
    return {
      trace: at('TRACE'),
      debug: at('DEBUG'),
      info: at('INFO'),
      warn: at('WARN'),
      error: at('ERROR'),
      isEnabled: () => true,
    };
  };
}

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
  /** What the task logged through {@link logger}. */
  readonly logs: LoggedLine[] = [];
  readonly logger = recordingLoggers(this.logs);

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
  /** What the task logged through {@link logger}. */
  readonly logs: LoggedLine[] = [];
  readonly logger = recordingLoggers(this.logs);

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
