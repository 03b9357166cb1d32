/**
 * Metrics a connector or task registers for itself (Kafka's KIP-877 `PluginMetrics`, reached with
 * `context.pluginMetrics()`). The worker writes them at `GET /metrics` with the labels
 * `connector` (and `task` for a task's) added to the plugin's own, and removes them when the
 * connector or task stops.
 *
 * Names are Prometheus names (`-` is turned into `_`; other characters outside
 * `[a-zA-Z0-9_:]` are refused); the `kafka_connect_` prefix is the worker's own.
 */

/** Labels a plugin adds to a metric (besides `connector` and `task`). */
export type MetricTags = Readonly<Record<string, string>>;

/** A counter the plugin increments; cheap enough to call per record. */
export interface PluginCounter {
  inc(by?: number): void;
  readonly value: number;
}

/** A gauge the plugin sets; cheap enough to call per record. */
export interface PluginGauge {
  set(value: number): void;
  readonly value: number;
}

export interface PluginMetrics {
  /** A monotonically increasing count (a Prometheus counter; name it `…_total`). */
  counter(name: string, description: string, tags?: MetricTags): PluginCounter;
  /** A value the plugin sets. */
  gauge(name: string, description: string, tags?: MetricTags): PluginGauge;
  /** A value read from `measure` when the metrics are scraped (Kafka's `Gauge` provider). */
  gaugeFn(name: string, description: string, measure: () => number, tags?: MetricTags): void;
  /** Removes a metric (with these tags); unknown ones are ignored. */
  remove(name: string, tags?: MetricTags): void;
}
