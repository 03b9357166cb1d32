/**
 * The worker's metrics registry: Kafka Connect's MBeans (behaviour digest §11) written at
 * `GET /metrics` under the names and labels the Prometheus JMX exporter gives them with Strimzi's
 * `kafka-connect-metrics.yaml` rules (`kafka.connect<type=(.+)-metrics, connector=(.+),
 * task=(.+)><>(.+)` → `kafka_connect_$1_$4{connector,task}`, `-` becoming `_`; attributes ending
 * in `-total` are counters, the rest gauges; string attributes become a `1` with the value as a
 * label), so dashboards and alerts written for Kafka Connect work unchanged. Node's process
 * metrics (prom-client's defaults) follow.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { CoordinatorStatsSnapshot } from './coordinator-stats.ts';
import { DisabledPluginMetrics, DisabledTaskMetrics } from './disabled.ts';
import { Exposition, type Labels, type MetricType, safeName } from './exposition.ts';
import { type TaskPluginInfo, writeTaskPluginInfo } from './plugin-info.ts';
import { PluginMetricsRegistry } from './plugin-metrics.ts';
import { monotonicNow, ScrapeRate } from './stats.ts';
import { type TaskMetrics, TaskMetrics as TaskMetricsClass, type TaskStatus } from './task-metrics.ts';

/** What a distributed herder reports for `connect-worker-rebalance-metrics`. */
export interface RebalanceSnapshot {
  connectProtocol: string;
  leaderName: string;
  epoch: number;
  completedRebalances: number;
  rebalancing: boolean;
  rebalanceMaxTimeMs: number;
  rebalanceAvgTimeMs: number;
  timeSinceLastRebalanceMs: number;
}

/** What a distributed herder reports for `connect-coordinator-metrics` (its group member). */
export interface CoordinatorSnapshot {
  /** Kafka's group member client id, `connect-<worker id>`. */
  clientId: string;
  assignedConnectors: number;
  assignedTasks: number;
  /** The member's join, sync, heartbeat and rebalance stats. */
  stats: CoordinatorStatsSnapshot;
}

/** The attributes of `connect-coordinator-metrics` measured by the group member, by snapshot key. */
const COORDINATOR_STATS: ReadonlyArray<readonly [string, keyof CoordinatorStatsSnapshot]> = [
  ['join-time-avg', 'joinTimeAvg'],
  ['join-time-max', 'joinTimeMax'],
  ['join-rate', 'joinRate'],
  ['join-total', 'joinTotal'],
  ['sync-time-avg', 'syncTimeAvg'],
  ['sync-time-max', 'syncTimeMax'],
  ['sync-rate', 'syncRate'],
  ['sync-total', 'syncTotal'],
  ['heartbeat-response-time-max', 'heartbeatResponseTimeMax'],
  ['heartbeat-rate', 'heartbeatRate'],
  ['heartbeat-total', 'heartbeatTotal'],
  ['last-heartbeat-seconds-ago', 'lastHeartbeatSecondsAgo'],
  ['rebalance-latency-avg', 'rebalanceLatencyAvg'],
  ['rebalance-latency-max', 'rebalanceLatencyMax'],
  ['rebalance-latency-total', 'rebalanceLatencyTotal'],
  ['rebalance-rate-per-hour', 'rebalanceRatePerHour'],
  ['rebalance-total', 'rebalanceTotal'],
  ['failed-rebalance-rate-per-hour', 'failedRebalanceRatePerHour'],
  ['failed-rebalance-total', 'failedRebalanceTotal'],
  ['last-rebalance-seconds-ago', 'lastRebalanceSecondsAgo'],
];

/**
 * The attributes of a client MBean (`client-id` key) Strimzi's rules keep: `-total` as counters,
 * these as gauges. The others (`-max`, `-rate`, `-rate-per-hour`) match no rule, so a Java worker
 * behind the exporter does not show them either.
 */
const CLIENT_GAUGE = /-(avg|bytes|count|ratio|age|flight|threads|connectors|tasks|ago)$/;

/** A source of extra samples (plugin metrics) written after the worker's own. */
export type MetricsCollector = (out: Exposition) => void;

interface ConnectorInfo {
  type: 'source' | 'sink';
  className: string;
  version: string;
  status: string;
  plugins: PluginMetricsRegistry;
}

interface Rates {
  poll: ScrapeRate;
  write: ScrapeRate;
  read: ScrapeRate;
  send: ScrapeRate;
  commitCompletion: ScrapeRate;
  commitSkip: ScrapeRate;
}

const STATES = ['running', 'paused', 'failed', 'unassigned', 'destroyed', 'restarting'] as const;

export class ConnectMetrics {
  /** False with `metrics.enable=false`: nothing is recorded, `GET /metrics` answers 404. */
  readonly enabled: boolean;
  readonly #tasks = new Map<string, TaskMetrics>();
  readonly #rates = new WeakMap<TaskMetrics, Rates>();
  /** KIP-891 info of each task (classes and versions), written at scrape time only. */
  readonly #info = new WeakMap<TaskMetrics, TaskPluginInfo>();
  readonly #connectors = new Map<string, ConnectorInfo>();
  /** Per connector, the last state of each of its tasks on this worker. */
  readonly #taskStates = new Map<string, Map<number, TaskStatus>>();
  readonly #collectors = new Set<MetricsCollector>();
  #process: Registry | null = null;
  connectorStartupAttempts = 0;
  connectorStartupSuccesses = 0;
  connectorStartupFailures = 0;
  taskStartupAttempts = 0;
  taskStartupSuccesses = 0;
  taskStartupFailures = 0;
  /** Set by a distributed herder: the group's rebalance metrics. */
  rebalance: (() => RebalanceSnapshot) | null = null;
  /** Set by a distributed herder: what the group assigned to this worker. */
  coordinator: (() => CoordinatorSnapshot) | null = null;

  constructor(options: { enabled?: boolean } = {}) {
    this.enabled = options.enabled ?? true;
  }

  /**
   * The metrics of a task starting on this worker (replacing those of an earlier run), with the
   * classes and versions it runs with (KIP-891 info metrics) when known.
   */
  task(connector: string, task: number, kind: 'source' | 'sink', info?: TaskPluginInfo): TaskMetrics {
    const m = this.enabled
      ? new TaskMetricsClass(connector, task, kind)
      : new DisabledTaskMetrics(connector, task, kind);
    if (info !== undefined) this.#info.set(m, info);
    this.#tasks.set(`${connector}\u0000${task}`, m);
    return m;
  }

  /** Forgets a task's metrics (Kafka removes them when the task is stopped). */
  removeTask(connector: string, task: number): void {
    this.#tasks.delete(`${connector}\u0000${task}`);
    this.#taskStates.get(connector)?.delete(task);
  }

  taskState(connector: string, task: number, state: string): void {
    const status = state.toLowerCase() as TaskStatus;
    const metrics = this.#tasks.get(`${connector}\u0000${task}`);
    // A task stopped here reports UNASSIGNED after its metrics are removed: it is no longer counted.
    if (metrics === undefined && status !== 'failed') return;
    metrics?.setStatus(status);
    let states = this.#taskStates.get(connector);
    if (states === undefined) {
      states = new Map();
      this.#taskStates.set(connector, states);
    }
    states.set(task, status);
  }

  /** A connector instance created on this worker; returns its plugin metrics (KIP-877). */
  connector(name: string, info: Omit<ConnectorInfo, 'status' | 'plugins'>): PluginMetricsRegistry {
    const plugins = this.enabled ? new PluginMetricsRegistry(name) : new DisabledPluginMetrics(name);
    this.#connectors.set(name, {
      ...info,
      status: this.#connectors.get(name)?.status ?? 'unassigned',
      plugins,
    });
    return plugins;
  }

  connectorState(name: string, state: string): void {
    const c = this.#connectors.get(name);
    if (c !== undefined) c.status = state.toLowerCase();
  }

  removeConnector(name: string): void {
    this.#connectors.delete(name);
    if (this.#taskStates.get(name)?.size === 0) this.#taskStates.delete(name);
  }

  /** Adds a source of samples (plugin metrics); returns its removal. */
  addCollector(collector: MetricsCollector): () => void {
    this.#collectors.add(collector);
    return () => this.#collectors.delete(collector);
  }

  /**
   * The worker's and the tasks' metrics in the Prometheus text format; `now` on the task metrics'
   * monotonic clock.
   */
  connectText(now: number = monotonicNow()): string {
    const out = new Exposition();
    this.#worker(out);
    this.#rebalance(out);
    this.#coordinator(out);
    for (const [name, c] of this.#connectors) {
      const info = (attr: string, value: string): void =>
        out.add(
          `kafka_connect_connector_${safeName(attr)}`,
          'gauge',
          `Kafka Connect connector-metrics ${attr}`,
          { connector: name, [safeName(attr)]: value },
          1,
        );
      info('connector-class', c.className);
      info('connector-type', c.type);
      info('connector-version', c.version);
      info('status', c.status);
    }
    for (const t of this.#tasks.values()) this.#task(out, t, now);
    for (const c of this.#connectors.values()) c.plugins.write(out);
    for (const t of this.#tasks.values()) t.plugins.write(out);
    for (const c of this.#collectors) c(out);
    return out.toString();
  }

  /** {@link connectText} followed by Node's process metrics. */
  async scrape(): Promise<string> {
    if (this.#process === null) {
      this.#process = new Registry();
      collectDefaultMetrics({ register: this.#process });
    }
    return this.connectText() + (await this.#process.metrics());
  }

  static readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  #worker(out: Exposition): void {
    const w = (attr: string, value: number, labels: Labels = {}): void =>
      out.add(
        `kafka_connect_worker_${safeName(attr)}`,
        attr.endsWith('-total') ? 'counter' : 'gauge',
        `Kafka Connect connect-worker-metrics ${attr}`,
        labels,
        value,
      );
    const pct = (part: number, all: number): number => (all === 0 ? 0 : part / all);
    w('connector-count', this.#connectors.size);
    w('task-count', this.#tasks.size);
    w('connector-startup-attempts-total', this.connectorStartupAttempts);
    w('connector-startup-success-total', this.connectorStartupSuccesses);
    w(
      'connector-startup-success-percentage',
      pct(this.connectorStartupSuccesses, this.connectorStartupAttempts),
    );
    w('connector-startup-failure-total', this.connectorStartupFailures);
    w(
      'connector-startup-failure-percentage',
      pct(this.connectorStartupFailures, this.connectorStartupAttempts),
    );
    w('task-startup-attempts-total', this.taskStartupAttempts);
    w('task-startup-success-total', this.taskStartupSuccesses);
    w('task-startup-success-percentage', pct(this.taskStartupSuccesses, this.taskStartupAttempts));
    w('task-startup-failure-total', this.taskStartupFailures);
    w('task-startup-failure-percentage', pct(this.taskStartupFailures, this.taskStartupAttempts));
    const names = new Set([...this.#connectors.keys(), ...this.#taskStates.keys()]);
    for (const connector of names) {
      const states = this.#taskStates.get(connector) ?? new Map<number, TaskStatus>();
      w('connector-total-task-count', states.size, { connector });
      for (const s of STATES) {
        let n = 0;
        for (const v of states.values()) if (v === s) n++;
        w(`connector-${s}-task-count`, n, { connector });
      }
    }
  }

  #rebalance(out: Exposition): void {
    if (this.rebalance === null) return;
    const r = this.rebalance();
    const g = (attr: string, value: number): void =>
      out.add(
        `kafka_connect_worker_rebalance_${safeName(attr)}`,
        attr.endsWith('-total') ? 'counter' : 'gauge',
        `Kafka Connect connect-worker-rebalance-metrics ${attr}`,
        {},
        value,
      );
    const info = (attr: string, value: string): void =>
      out.add(
        `kafka_connect_worker_rebalance_${safeName(attr)}`,
        'untyped',
        `Kafka Connect connect-worker-rebalance-metrics ${attr}`,
        { [safeName(attr)]: value },
        1,
      );
    // Kafka writes the protocol's enum name (`SESSIONED`).
    info('connect-protocol', r.connectProtocol.toUpperCase());
    info('leader-name', r.leaderName);
    g('epoch', r.epoch);
    g('completed-rebalances-total', r.completedRebalances);
    g('rebalancing', r.rebalancing ? 1 : 0);
    g('rebalance-max-time-ms', r.rebalanceMaxTimeMs);
    g('rebalance-avg-time-ms', r.rebalanceAvgTimeMs);
    g('time-since-last-rebalance-ms', r.timeSinceLastRebalanceMs);
  }

  /**
   * `connect-coordinator-metrics` as Strimzi's client rules name them
   * (`kafka.(.+)<type=(.+)-metrics, client-id=(.*)><>(.+-total)` → counter `kafka_$2_$4{clientid}`,
   * `…><>(.+-avg|…|.+-connectors|.+-tasks|.+-ago)` → gauge, the rule's `clientId` lower-cased by
   * `lowercaseOutputLabelNames`); what no rule matches is measured but not written.
   */
  #coordinator(out: Exposition): void {
    if (this.coordinator === null) return;
    const c = this.coordinator();
    const write = (attr: string, value: number): void => {
      const counter = attr.endsWith('-total');
      if (!counter && !CLIENT_GAUGE.test(attr)) return;
      out.add(
        `kafka_connect_coordinator_${safeName(attr)}`,
        counter ? 'counter' : 'gauge',
        `Kafka Connect connect-coordinator-metrics ${attr}`,
        { clientid: c.clientId },
        value,
      );
    };
    write('assigned-connectors', c.assignedConnectors);
    write('assigned-tasks', c.assignedTasks);
    for (const [attr, key] of COORDINATOR_STATS) write(attr, c.stats[key]);
  }

  #task(out: Exposition, t: TaskMetrics, now: number): void {
    const labels = { connector: t.connector, task: t.task };
    const add = (group: string, attr: string, value: number): void => {
      const type: MetricType = attr.endsWith('-total') ? 'counter' : 'gauge';
      out.add(
        `kafka_connect_${safeName(group)}_${safeName(attr)}`,
        type,
        `Kafka Connect ${group}-metrics ${attr}`,
        labels,
        value,
      );
    };
    let rates = this.#rates.get(t);
    if (rates === undefined) {
      rates = {
        poll: new ScrapeRate(),
        write: new ScrapeRate(),
        read: new ScrapeRate(),
        send: new ScrapeRate(),
        commitCompletion: new ScrapeRate(),
        commitSkip: new ScrapeRate(),
      };
      this.#rates.set(t, rates);
    }
    // connector-task-metrics
    out.add(
      'kafka_connect_connector_task_status',
      'gauge',
      'Kafka Connect connector-task-metrics status',
      { ...labels, status: t.status },
      1,
    );
    const info = this.#info.get(t);
    if (info !== undefined) writeTaskPluginInfo(out, t.connector, t.task, info);
    const ratios = t.ratios(now);
    add('connector-task', 'running-ratio', ratios.running);
    add('connector-task', 'pause-ratio', ratios.paused);
    add('connector-task', 'offset-commit-max-time-ms', t.offsetCommitTime.max(now));
    add('connector-task', 'offset-commit-avg-time-ms', t.offsetCommitTime.avg(now));
    const commits = t.offsetCommitSuccesses + t.offsetCommitFailures;
    add(
      'connector-task',
      'offset-commit-success-percentage',
      commits === 0 ? 0 : t.offsetCommitSuccesses / commits,
    );
    add(
      'connector-task',
      'offset-commit-failure-percentage',
      commits === 0 ? 0 : t.offsetCommitFailures / commits,
    );
    add('connector-task', 'batch-size-max', t.batchSize.max(now));
    add('connector-task', 'batch-size-avg', t.batchSize.avg(now));
    if (t.kind === 'source') {
      add('source-task', 'source-record-poll-rate', rates.poll.rate(t.pollTotal, now));
      add('source-task', 'source-record-poll-total', t.pollTotal);
      add('source-task', 'source-record-write-rate', rates.write.rate(t.writeTotal, now));
      add('source-task', 'source-record-write-total', t.writeTotal);
      add('source-task', 'poll-batch-max-time-ms', t.pollBatchTime.max(now));
      add('source-task', 'poll-batch-avg-time-ms', t.pollBatchTime.avg(now));
      add('source-task', 'source-record-active-count', t.sourceActive);
      add('source-task', 'source-record-active-count-max', t.sourceActiveStat.max(now));
      add('source-task', 'source-record-active-count-avg', t.sourceActiveStat.avg(now));
      if (t.exactlyOnce) {
        add('source-task', 'transaction-size-min', t.transactionSize.min(now));
        add('source-task', 'transaction-size-max', t.transactionSize.max(now));
        add('source-task', 'transaction-size-avg', t.transactionSize.avg(now));
      }
    } else {
      add('sink-task', 'sink-record-read-rate', rates.read.rate(t.readTotal, now));
      add('sink-task', 'sink-record-read-total', t.readTotal);
      add('sink-task', 'sink-record-send-rate', rates.send.rate(t.sendTotal, now));
      add('sink-task', 'sink-record-send-total', t.sendTotal);
      add('sink-task', 'sink-record-lag-max', t.lagStat.max(now));
      add('sink-task', 'partition-count', t.partitionCount);
      add('sink-task', 'offset-commit-seq-no', t.offsetCommitSeqNo);
      add(
        'sink-task',
        'offset-commit-completion-rate',
        rates.commitCompletion.rate(t.offsetCommitCompletions, now),
      );
      add('sink-task', 'offset-commit-completion-total', t.offsetCommitCompletions);
      add('sink-task', 'offset-commit-skip-rate', rates.commitSkip.rate(t.offsetCommitSkips, now));
      add('sink-task', 'offset-commit-skip-total', t.offsetCommitSkips);
      add('sink-task', 'put-batch-max-time-ms', t.putBatchTime.max(now));
      add('sink-task', 'put-batch-avg-time-ms', t.putBatchTime.avg(now));
      add('sink-task', 'sink-record-active-count', t.sinkActive);
      add('sink-task', 'sink-record-active-count-max', t.sinkActiveStat.max(now));
      add('sink-task', 'sink-record-active-count-avg', t.sinkActiveStat.avg(now));
      // The task's consumer's per-partition lag, as the exporter names consumer-fetch-manager-metrics
      // (Strimzi's `clientId` label comes out as `clientid`: its config sets lowercaseOutputLabelNames).
      const clientid = `connector-consumer-${t.connector}-${t.task}`;
      for (const [topic, partitions] of t.lag) {
        for (const [partition, lag] of partitions) {
          out.add(
            'kafka_consumer_fetch_manager_records_lag',
            'gauge',
            'Kafka consumer-fetch-manager-metrics records-lag (per partition of a sink task)',
            { clientid, topic, partition: String(partition) },
            lag,
          );
        }
      }
    }
    const e = t.errors;
    add('task-error', 'total-record-failures', e.recordFailures);
    add('task-error', 'total-record-errors', e.recordErrors);
    add('task-error', 'total-records-skipped', e.recordsSkipped);
    add('task-error', 'total-retries', e.retries);
    add('task-error', 'total-errors-logged', e.errorsLogged);
    add('task-error', 'deadletterqueue-produce-requests', e.dlqProduceRequests);
    add('task-error', 'deadletterqueue-produce-failures', e.dlqProduceFailures);
    add('task-error', 'last-error-timestamp', e.lastErrorTimestamp);
  }
}
