/**
 * Metrics turned off (`metrics.enable=false`, Sluice's switch; Kafka Connect always records): task
 * metrics whose recording methods do nothing, so the task loops add no work per batch, and plugin
 * metrics (KIP-877) whose counters and gauges keep their value for the plugin but are never
 * registered nor written.
 */
import type { MetricTags, PluginCounter, PluginGauge } from '@sluice/api';
import type { Exposition } from './exposition.ts';
import { PluginMetricsRegistry } from './plugin-metrics.ts';
import { TaskMetrics } from './task-metrics.ts';

/** A value kept for the plugin (which may read its own metric back) and never written out. */
class UnexposedCell implements PluginCounter, PluginGauge {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
  set(value: number): void {
    this.value = value;
  }
}

/** Plugin metrics that record nothing and write nothing. */
export class DisabledPluginMetrics extends PluginMetricsRegistry {
  override counter(_name: string, _description: string, _tags?: MetricTags): PluginCounter {
    return new UnexposedCell();
  }
  override gauge(_name: string, _description: string, _tags?: MetricTags): PluginGauge {
    return new UnexposedCell();
  }
  override gaugeFn(): void {}
  override remove(): void {}
  override write(_out: Exposition): void {}
}

/** A task's metrics that record nothing: the loops call these once per batch, and they return. */
export class DisabledTaskMetrics extends TaskMetrics {
  override readonly plugins: PluginMetricsRegistry;
  constructor(connector: string, task: number, kind: 'source' | 'sink') {
    super(connector, task, kind);
    this.plugins = new DisabledPluginMetrics(connector, task);
  }
  override offsetCommit(): void {}
  override polled(): void {}
  override sourceAcked(): void {}
  override transactionCommitted(): void {}
  override read(): void {}
  override put(): void {}
  override partitionLag(): void {}
  override sinkCommitted(): void {}
}

/** `metrics.enable` from raw worker properties (already validated by the worker's ConfigDef). */
export function metricsEnabled(workerProps: Readonly<Record<string, string>>): boolean {
  return (workerProps['metrics.enable'] ?? 'true').trim().toLowerCase() !== 'false';
}
