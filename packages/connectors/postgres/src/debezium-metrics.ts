/**
 * Debezium's PostgreSQL connector metrics (the `debezium.postgres:type=connector-metrics,
 * context=snapshot|streaming,server=<topic.prefix>` MBeans), registered through the task's
 * plugin metrics (KIP-877) under the names and labels Debezium's JMX exporter configuration gives
 * them: `debezium_metrics_<Attribute>{plugin="postgres",name="<topic.prefix>",context="…"}`, and
 * `debezium_metrics_RowsScanned{…,table="<schema>.<table>"}` per table.
 *
 * Measured from the records `poll` returns (one look at each record's envelope), so the
 * snapshot reader and the change stream are not touched.
 */
import type { PluginCounter, PluginGauge, PluginMetrics, SourceRecord, Struct } from '@sluice/api';

export interface DebeziumMetricsOptions {
  topicPrefix: string;
  maxQueueSize: number;
  /** Frames waiting to be decoded (the queue Debezium's QueueRemainingCapacity measures). */
  queued: () => number;
  /** True while the replication connection streams. */
  connected: () => boolean;
}

interface OpCounters {
  all: PluginCounter;
  c: PluginCounter;
  u: PluginCounter;
  d: PluginCounter;
}

export class DebeziumMetrics {
  readonly #m: PluginMetrics;
  readonly #o: DebeziumMetricsOptions;
  // snapshot
  readonly #snapshotRunning: PluginGauge;
  readonly #snapshotCompleted: PluginGauge;
  readonly #snapshotAborted: PluginGauge;
  readonly #totalTables: PluginGauge;
  readonly #remainingTables: PluginGauge;
  readonly #snapshotEvents: PluginCounter;
  readonly #rows = new Map<string, PluginCounter>();
  #snapshotStart = 0;
  #snapshotEnd = 0;
  #lastSnapshotTable: string | null = null;
  #lastSnapshotEvent = 0;
  // streaming
  readonly #streamEvents: OpCounters;
  readonly #transactions: PluginCounter;
  #lastEvent = 0;
  #behind = 0;
  #lastTx: unknown = null;

  constructor(metrics: PluginMetrics, options: DebeziumMetricsOptions) {
    this.#m = metrics;
    this.#o = options;
    const snap = this.#tags('snapshot');
    const stream = this.#tags('streaming');
    const g = (name: string, help: string, tags: Record<string, string>) =>
      metrics.gauge(`debezium_metrics_${name}`, help, tags);
    this.#snapshotRunning = g('SnapshotRunning', 'Whether the snapshot is running (1) or not (0)', snap);
    this.#snapshotCompleted = g('SnapshotCompleted', 'Whether the snapshot completed (1) or not (0)', snap);
    this.#snapshotAborted = g('SnapshotAborted', 'Whether the snapshot was aborted (1) or not (0)', snap);
    this.#totalTables = g('TotalTableCount', 'Tables included in the snapshot', snap);
    this.#remainingTables = g('RemainingTableCount', 'Tables the snapshot has yet to copy', snap);
    this.#snapshotEvents = metrics.counter(
      'debezium_metrics_TotalNumberOfEventsSeen',
      'Events seen by the connector since the last start or reset',
      snap,
    );
    metrics.gaugeFn(
      'debezium_metrics_SnapshotDurationInSeconds',
      'Seconds the snapshot has taken so far, or took',
      () =>
        this.#snapshotStart === 0
          ? 0
          : Math.floor(((this.#snapshotEnd || Date.now()) - this.#snapshotStart) / 1000),
      snap,
    );
    const c = (name: string, help: string) => metrics.counter(`debezium_metrics_${name}`, help, stream);
    this.#streamEvents = {
      all: c('TotalNumberOfEventsSeen', 'Events seen by the connector since the last start or reset'),
      c: c('TotalNumberOfCreateEventsSeen', 'Create events seen'),
      u: c('TotalNumberOfUpdateEventsSeen', 'Update events seen'),
      d: c('TotalNumberOfDeleteEventsSeen', 'Delete events seen'),
    };
    this.#transactions = c('NumberOfCommittedTransactions', 'Committed transactions processed');
    metrics.gaugeFn(
      'debezium_metrics_MilliSecondsBehindSource',
      "Milliseconds between the last event's commit in the database and its processing here",
      () => (this.#lastEvent === 0 ? -1 : this.#behind),
      stream,
    );
    for (const [context, last] of [
      ['streaming', () => this.#lastEvent],
      ['snapshot', () => this.#lastSnapshotEvent],
    ] as const) {
      const tags = this.#tags(context);
      metrics.gaugeFn(
        'debezium_metrics_MilliSecondsSinceLastEvent',
        'Milliseconds since the connector read and processed the most recent event',
        () => (last() === 0 ? -1 : Date.now() - last()),
        tags,
      );
      metrics.gaugeFn(
        'debezium_metrics_QueueTotalCapacity',
        'Length of the queue',
        () => options.maxQueueSize,
        tags,
      );
      metrics.gaugeFn(
        'debezium_metrics_QueueRemainingCapacity',
        'Free capacity of the queue',
        () => Math.max(0, options.maxQueueSize - options.queued()),
        tags,
      );
    }
    metrics.gaugeFn(
      'debezium_metrics_Connected',
      'Whether the connector streams from the database',
      () => (options.connected() ? 1 : 0),
      stream,
    );
  }

  #tags(context: string): Record<string, string> {
    return { plugin: 'postgres', name: this.#o.topicPrefix, context };
  }

  /** The snapshot starts with these tables (`schema.table`). */
  snapshotStarted(tables: readonly string[]): void {
    this.#snapshotStart = Date.now();
    this.#snapshotEnd = 0;
    this.#snapshotRunning.set(1);
    this.#snapshotCompleted.set(0);
    this.#snapshotAborted.set(0);
    this.#totalTables.set(tables.length);
    this.#remainingTables.set(tables.length);
    for (const t of tables) this.#rowsOf(t);
  }

  #rowsOf(table: string): PluginCounter {
    let c = this.#rows.get(table);
    if (c === undefined) {
      c = this.#m.counter('debezium_metrics_RowsScanned', 'Rows scanned per table during the snapshot', {
        ...this.#tags('snapshot'),
        table,
      });
      this.#rows.set(table, c);
    }
    return c;
  }

  /** Records of a snapshot batch. */
  snapshotRecords(records: readonly SourceRecord[]): void {
    if (records.length === 0) return;
    this.#lastSnapshotEvent = Date.now();
    this.#snapshotEvents.inc(records.length);
    let table: string | null = null;
    let counter: PluginCounter | null = null;
    for (const r of records) {
      const source = sourceOf(r);
      if (source === null) continue;
      const t = `${source.get('schema')}.${source.get('table')}`;
      if (t !== table) {
        table = t;
        counter = this.#rowsOf(t);
        if (this.#lastSnapshotTable !== null && this.#lastSnapshotTable !== t)
          this.#remainingTables.set(Math.max(0, this.#remainingTables.value - 1));
        this.#lastSnapshotTable = t;
      }
      counter!.inc();
    }
  }

  snapshotCompleted(): void {
    this.#snapshotEnd = Date.now();
    this.#snapshotRunning.set(0);
    this.#snapshotCompleted.set(1);
    this.#remainingTables.set(0);
  }

  snapshotAborted(): void {
    if (this.#snapshotRunning.value !== 1) return;
    this.#snapshotEnd = Date.now();
    this.#snapshotRunning.set(0);
    this.#snapshotAborted.set(1);
  }

  /** Records of a streaming batch. */
  streamRecords(records: readonly SourceRecord[]): void {
    if (records.length === 0) return;
    const now = Date.now();
    let lastTs = 0;
    for (const r of records) {
      const value = r.value as Struct | null;
      if (value === null || typeof value !== 'object' || typeof value.get !== 'function') continue;
      const op = safeGet(value, 'op');
      if (op === null) continue;
      this.#streamEvents.all.inc();
      if (op === 'c' || op === 'u' || op === 'd') this.#streamEvents[op].inc();
      const source = sourceOf(r);
      if (source === null) continue;
      const ts = Number(safeGet(source, 'ts_ms') ?? 0);
      if (ts > 0) lastTs = ts;
      // A transaction is counted at its first event (its changes come together, in commit order).
      const tx = safeGet(source, 'txId');
      if (tx !== null && tx !== this.#lastTx) {
        this.#transactions.inc();
        this.#lastTx = tx;
      }
    }
    this.#lastEvent = now;
    if (lastTs > 0) this.#behind = Math.max(0, now - lastTs);
  }
}

function safeGet(s: Struct, field: string): unknown {
  try {
    return s.get(field) ?? null;
  } catch {
    return null;
  }
}

function sourceOf(r: SourceRecord): Struct | null {
  const value = r.value as Struct | null;
  if (value === null || typeof value !== 'object' || typeof (value as Struct).get !== 'function') return null;
  const source = safeGet(value, 'source') as Struct | null;
  return source !== null && typeof source.get === 'function' ? source : null;
}
