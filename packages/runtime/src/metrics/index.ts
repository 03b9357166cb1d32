export {
  ConnectMetrics,
  type CoordinatorSnapshot,
  type MetricsCollector,
  type RebalanceSnapshot,
} from './connect-metrics.ts';
export { CoordinatorStats, type CoordinatorStatsSnapshot } from './coordinator-stats.ts';
export { DisabledTaskMetrics } from './disabled.ts';
export { Exposition, safeName } from './exposition.ts';
export { PluginMetricsRegistry } from './plugin-metrics.ts';
export { TaskErrorCounters, TaskMetrics, type TaskStatus } from './task-metrics.ts';
