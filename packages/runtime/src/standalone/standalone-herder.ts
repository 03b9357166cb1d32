import { AlreadyExistsError, BadRequestError, NotFoundError } from '@sluice/api';
import type { Logger } from 'pino';
import type { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import type { WorkerConfig } from '../config/worker-config.ts';
import {
  alterOffsets,
  type OffsetsContext,
  readOffsets,
  resetOffsets,
  stoppedOffsetsMessage,
} from '../herder/connector-offsets.ts';
import {
  connectorPluginConfig,
  failedRecord,
  invalidConfigMessage,
  sameConfig,
  statusJson,
  validateConnectorConfig,
} from '../herder/connector-validation.ts';
import type {
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStateInfo,
  InitialState,
  Message,
  RestartRequest,
  TargetState,
  TaskInfo,
  TaskStatus,
} from '../herder/entities.ts';
import type { Herder, PutConnectorResult } from '../herder/herder.ts';
import type { LogClient } from '../log/log-client.ts';
import type { ConnectMetrics } from '../metrics/connect-metrics.ts';
import { unknownKeyWarnings } from '../plugins/plugin-hints.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { INITIAL_TO_TARGET } from '../states.ts';
import type { FileOffsetBackingStore } from '../storage/offset-store.ts';
import type { MemoryStatusStore } from '../storage/status-store.ts';
import type { Worker } from '../worker/worker.ts';

export interface StandaloneHerderOptions {
  logger?: Logger;
  /** The plugins the distribution ships (the runtime names no plugin package); `plugin.path` adds to them. */
  plugins: PluginRegistry;
}

/** What a standalone herder runs on, built by `assemble.ts`. */
export interface StandaloneHerderParts {
  config: WorkerConfig;
  /** Kafka or the embedded log (closed with the herder). */
  log: LogClient;
  /** The built-ins and what `plugin.path` added. */
  plugins: PluginRegistry;
  logger: Logger;
  transformer: WorkerConfigTransformer;
  offsetStore: FileOffsetBackingStore;
  status: MemoryStatusStore;
  worker: Worker;
}

interface ConnectorEntry {
  config: Record<string, string>;
  target: TargetState;
  taskConfigs: Record<string, string>[];
}

/**
 * The standalone herder (Kafka's `StandaloneHerder`): one worker, connector configs in memory,
 * source offsets in `offset.storage.file.filename`, sink offsets in consumer groups of the log
 * (Kafka or the embedded log). Every request is handled in order, one at a time, and answers
 * after the change took effect (create starts the connector and its tasks before replying).
 */
export class StandaloneHerder implements Herder {
  readonly plugins: PluginRegistry;
  readonly config: WorkerConfig;
  readonly log: LogClient;
  readonly logger: Logger;
  readonly #worker: Worker;
  readonly #status: MemoryStatusStore;
  readonly #offsetStore: FileOffsetBackingStore;
  /** Resolves config provider variables of connector configs to run or validate them. */
  readonly #transformer: WorkerConfigTransformer;
  readonly #connectors = new Map<string, ConnectorEntry>();
  #ready = false;
  #workerId: string;
  /** Requests run one at a time, like Kafka's herder thread. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(parts: StandaloneHerderParts) {
    this.config = parts.config;
    this.#transformer = parts.transformer;
    this.log = parts.log;
    this.plugins = parts.plugins;
    this.logger = parts.logger;
    this.#workerId = parts.config.workerId();
    this.#offsetStore = parts.offsetStore;
    this.#status = parts.status;
    this.#worker = parts.worker;
  }

  /** `worker_id` in statuses: the advertised `host:port`. */
  get workerId(): string {
    return this.#workerId;
  }

  /** Sets the port of the worker id once the REST server is bound (for listeners on port 0). */
  setBoundPort(port: number): void {
    this.#workerId = this.config.workerId({ boundPort: port });
  }

  /** The worker's metrics registry (`GET /metrics`). */
  get metrics(): ConnectMetrics {
    return this.#worker.metrics;
  }

  async start(): Promise<void> {
    await this.#offsetStore.start();
    this.#ready = true;
  }

  /** Stops every connector and task (offsets flushed), then closes the log. */
  async stop(): Promise<void> {
    await this.#serial(async () => {
      this.#ready = false;
      await this.#worker.stop();
      await this.#offsetStore.stop();
      await this.#transformer.close();
      await this.log.close();
    });
  }

  isReady(): boolean {
    return this.#ready;
  }

  healthCheck(): Promise<void> {
    return this.#serial(async () => {});
  }

  kafkaClusterId(): Promise<string> {
    return this.log.clusterId();
  }

  async connectors(): Promise<string[]> {
    return [...this.#connectors.keys()].sort();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const entry = this.#entry(name);
    return this.#info(name, entry);
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    return { ...this.#entry(name).config };
  }

  putConnectorConfig(
    name: string,
    config: Record<string, string | null>,
    options: { allowReplace: boolean; initialState?: InitialState },
  ): Promise<PutConnectorResult> {
    return this.#serial(async () => {
      const validation = await this.validateConnectorConfig({ ...config, name });
      if (validation.error_count > 0) throw new BadRequestError(invalidConfigMessage(validation));
      for (const w of unknownKeyWarnings(name, config, validation)) this.logger.warn(w);
      const full = { ...(config as Record<string, string>), name };
      const existing = this.#connectors.get(name);
      if (existing !== undefined && !options.allowReplace)
        throw new AlreadyExistsError(`Connector ${name} already exists`);
      if (existing !== undefined) {
        // An identical config changes nothing; otherwise the connector restarts, and its tasks
        // restart only if the connector or its task configs changed.
        if (sameConfig(existing.config, full)) return { created: false, info: this.#info(name, existing) };
        await this.#worker.stopConnector(name);
        existing.config = full;
        await this.#reconcile(name, existing);
        return { created: false, info: this.#info(name, existing) };
      }
      const target = INITIAL_TO_TARGET[options.initialState ?? 'RUNNING'];
      const entry: ConnectorEntry = { config: full, target, taskConfigs: [] };
      this.#connectors.set(name, entry);
      await this.#startAll(name, entry);
      return { created: true, info: this.#info(name, entry) };
    });
  }

  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const current = this.#entry(name).config;
    const merged: Record<string, string> = { ...current };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    return this.putConnectorConfig(name, merged, { allowReplace: true }).then((r) => r.info);
  }

  deleteConnector(name: string): Promise<void> {
    return this.#serial(async () => {
      this.#entry(name);
      await this.#stopAll(name);
      this.#transformer.cancelReloads(name);
      this.#connectors.delete(name);
      this.#status.deleteConnector(name);
    });
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const connector = this.#status.getConnector(name);
    const entry = this.#connectors.get(name);
    if (connector === undefined || entry === undefined)
      throw new NotFoundError(`No status found for connector ${name}`);
    return {
      name,
      connector: statusJson(connector),
      tasks: this.#status.getTasks(name).map(([id, s]) => ({ id, ...statusJson(s) })),
      type: this.#worker.connectorType(entry.config),
    };
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const s = this.#status.getTask(name, task);
    if (s === undefined) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return { id: task, ...statusJson(s) };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const entry = this.#entry(name);
    return entry.taskConfigs.map((config, task) => ({
      id: { connector: name, task },
      config: { ...config },
    }));
  }

  restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    return this.#serial(async () => {
      const entry = this.#entry(name);
      if (!request.includeTasks && !request.onlyFailed) {
        await this.#restartConnectorInstance(name, entry);
        return null;
      }
      const status = await this.connectorStatus(name);
      const restartConnector = !request.onlyFailed || status.connector.state === 'FAILED';
      const restartTasks = status.tasks.filter(
        (t) => request.includeTasks && (!request.onlyFailed || t.state === 'FAILED'),
      );
      const answer: ConnectorStateInfo = {
        ...status,
        connector: restartConnector ? { ...status.connector, state: 'RESTARTING' } : status.connector,
        tasks: status.tasks.map((t) => (restartTasks.includes(t) ? { ...t, state: 'RESTARTING' } : t)),
      };
      if (restartConnector) await this.#restartConnectorInstance(name, entry);
      for (const t of restartTasks) await this.#restartTaskInstance(name, entry, t.id);
      return answer;
    });
  }

  restartTask(name: string, task: number): Promise<void> {
    return this.#serial(async () => {
      const entry = this.#entry(name);
      // Kafka's StandaloneHerder words it so (its DistributedHerder says `Unknown task: ...`).
      if (task < 0 || task >= entry.taskConfigs.length)
        throw new NotFoundError(`Task ${name}-${task} not found`);
      await this.#restartTaskInstance(name, entry, task);
    });
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.#setTarget(name, 'STOPPED');
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    return this.#status.topics(name);
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    this.#status.resetTopics(name);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    return readOffsets(this.#offsetsContext(), name, this.#entry(name).config);
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message> {
    return this.#serial(async () => {
      const entry = this.#requireStopped(name);
      return alterOffsets(this.#offsetsContext(), name, entry.config, offsets);
    });
  }

  resetConnectorOffsets(name: string): Promise<Message> {
    return this.#serial(async () => {
      const entry = this.#requireStopped(name);
      return resetOffsets(this.#offsetsContext(), name, entry.config);
    });
  }

  validateConnectorConfig(raw: Record<string, string | null>): Promise<ConfigInfos> {
    return validateConnectorConfig(
      {
        plugins: this.plugins,
        config: this.config,
        transformer: this.#transformer,
        kafka: this.log.kind === 'kafka',
      },
      raw,
    );
  }

  async connectorPluginConfig(pluginName: string): Promise<ConfigKeyInfo[]> {
    return connectorPluginConfig(this.plugins, pluginName);
  }

  // ---------------------------------------------------------------------------------------------

  #entry(name: string): ConnectorEntry {
    const entry = this.#connectors.get(name);
    if (entry === undefined) throw new NotFoundError(`Connector ${name} not found`);
    return entry;
  }

  #info(name: string, entry: ConnectorEntry): ConnectorInfo {
    return {
      name,
      config: { ...entry.config },
      tasks: entry.taskConfigs.map((_, task) => ({ connector: name, task })),
      type: this.#worker.connectorType(entry.config),
    };
  }

  #requireStopped(name: string): ConnectorEntry {
    const entry = this.#entry(name);
    if (entry.target !== 'STOPPED' || entry.taskConfigs.length > 0) {
      throw new BadRequestError(stoppedOffsetsMessage(name));
    }
    return entry;
  }

  #offsetsContext(): OffsetsContext {
    return { log: this.log, offsets: this.#offsetStore, worker: this.#worker };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Starts the connector in its target state, regenerates its task configs, starts its tasks. */
  async #startAll(name: string, entry: ConnectorEntry): Promise<void> {
    const running = await this.#worker.startConnector(name, entry.config, entry.target, () =>
      this.#requestReconfiguration(name),
    );
    if (entry.target === 'STOPPED') {
      entry.taskConfigs = [];
      return;
    }
    if (running) {
      try {
        entry.taskConfigs = await this.#worker.connectorTaskConfigs(name);
      } catch (err) {
        this.logger.error({ err }, `Connector ${name} failed to generate task configs`);
        this.#status.putConnector(name, failedRecord(this.workerId, err));
        return;
      }
    }
    await this.#startTasks(name, entry);
  }

  /**
   * After a config update: starts the connector with the new config and restarts its tasks
   * (their converters and transforms come from the connector config, so a changed connector
   * config changes them too). Task statuses of tasks that no longer exist are dropped.
   */
  async #reconcile(name: string, entry: ConnectorEntry): Promise<void> {
    const oldCount = entry.taskConfigs.length;
    await this.#worker.stopTasks(this.#worker.tasksOf(name));
    await this.#startAll(name, entry);
    for (let t = entry.taskConfigs.length; t < oldCount; t++) this.#status.deleteTask(name, t);
  }

  async #startTasks(name: string, entry: ConnectorEntry): Promise<void> {
    for (const [task, taskConfig] of entry.taskConfigs.entries()) {
      await this.#worker.startTask(
        { connector: name, task },
        entry.config,
        taskConfig,
        entry.target,
        entry.taskConfigs.length,
      );
    }
  }

  async #stopAll(name: string): Promise<void> {
    await this.#worker.stopTasks(this.#worker.tasksOf(name));
    await this.#worker.stopConnector(name);
  }

  /** Queues a reconfiguration asked for by a connector; a failure is logged and reported, never thrown. */
  #requestReconfiguration(name: string): void {
    this.#serial(() => this.#reconfigure(name)).catch((err) => {
      this.logger.error({ err }, `Connector ${name} failed to reconfigure its tasks`);
      this.#status.putConnector(name, failedRecord(this.workerId, err));
    });
  }

  /** `requestTaskReconfiguration`: new task configs; tasks restart only when they changed. */
  async #reconfigure(name: string): Promise<void> {
    const entry = this.#connectors.get(name);
    if (entry === undefined || entry.target !== 'STARTED') return;
    const configs = await this.#worker.connectorTaskConfigs(name);
    if (JSON.stringify(configs) === JSON.stringify(entry.taskConfigs)) return;
    await this.#worker.stopTasks(this.#worker.tasksOf(name));
    for (let t = configs.length; t < entry.taskConfigs.length; t++) this.#status.deleteTask(name, t);
    entry.taskConfigs = configs;
    await this.#startTasks(name, entry);
  }

  async #restartConnectorInstance(name: string, entry: ConnectorEntry): Promise<void> {
    await this.#worker.stopConnector(name);
    await this.#worker.startConnector(name, entry.config, entry.target, () =>
      this.#requestReconfiguration(name),
    );
  }

  async #restartTaskInstance(name: string, entry: ConnectorEntry, task: number): Promise<void> {
    const config = entry.taskConfigs[task];
    if (config === undefined) return;
    await this.#worker.stopTasks([{ connector: name, task }]);
    await this.#worker.startTask(
      { connector: name, task },
      entry.config,
      config,
      entry.target,
      entry.taskConfigs.length,
    );
  }

  #setTarget(name: string, target: TargetState): Promise<void> {
    return this.#serial(async () => {
      const entry = this.#connectors.get(name);
      if (entry === undefined) throw new NotFoundError(`Unknown connector ${name}`);
      if (entry.target === target) return;
      const previous = entry.target;
      entry.target = target;
      if (target === 'STOPPED') {
        await this.#worker.stopTasks(this.#worker.tasksOf(name));
        for (const [t] of this.#status.getTasks(name)) this.#status.deleteTask(name, t);
        entry.taskConfigs = [];
        await this.#worker.setConnectorTarget(name, 'STOPPED');
        return;
      }
      if (previous === 'STOPPED' || !this.#worker.isRunning(name)) {
        await this.#worker.stopConnector(name);
        await this.#startAll(name, entry);
        return;
      }
      const running = await this.#worker.setConnectorTarget(name, target);
      if (target === 'STARTED' && running && entry.taskConfigs.length === 0) {
        entry.taskConfigs = await this.#worker.connectorTaskConfigs(name);
        await this.#startTasks(name, entry);
        return;
      }
      for (const id of this.#worker.tasksOf(name)) this.#worker.setTaskTarget(id, target);
    });
  }
}
