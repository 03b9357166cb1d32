import {
  ConnectError,
  type Connector,
  type ConnectorContext,
  errorTrace,
  type PluginDescriptor,
  SinkConnector,
  type SinkRecord,
  type SinkTask,
  SourceConnector,
  type SourceRecord,
  type SourceTask,
  setRuntimePluginLoggers,
  TopicPartition,
} from '@sluice/api';
import type { Logger } from 'pino';
import { errorHandlingConfig } from '../config/connector-config.ts';
import { reverseTransform } from '../config/providers/config-transformer.ts';
import { maskResolvedValues, resolvedValues } from '../config/providers/redact-resolved.ts';
import type { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import {
  type ClientKind,
  consumerSettings,
  ignoredClientKeys,
  sinkConsumerDefaults,
  sourceProducerDefaults,
  taskClientProps,
} from '../log/kafka/client-config.ts';
import type { LogClient } from '../log/log-client.ts';
import { withLogContext } from '../logging/log-context.ts';
import { loggerRegistryFor } from '../logging/logger-registry.ts';
import { contextLoggers, runtimePluginLoggers } from '../logging/plugin-logger.ts';
import { ConnectMetrics } from '../metrics/connect-metrics.ts';
import { metricsEnabled } from '../metrics/disabled.ts';
import { taskPluginInfo, UNDEFINED_VERSION } from '../metrics/plugin-info.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import type { ConnectorType, ConnectState, TargetState } from '../states.ts';
import type { OffsetBackingStore } from '../storage/offset-store.ts';
import type { StatusBackingStore } from '../storage/status-store.ts';
import { CONNECTOR_START_WAIT_MS, type StartOutcome, startWithin } from './connector-start.ts';
import { type ExactlyOnceTaskOptions, transactionalId, transactionBoundary } from './exactly-once-source.ts';
import { className, createConverters, TransformationChain } from './plugin-factory.ts';
import { TargetStateGate } from './task-state.ts';
import { topicCreatorFor } from './topic-creation.ts';
import { WorkerSinkTask } from './worker-sink-task.ts';
import { WorkerSourceTask } from './worker-source-task.ts';

export interface WorkerOptions {
  /** The advertised `host:port` (a function: it is known only once the REST server is bound). */
  workerId: () => string;
  /** The worker's shared client: admin, offsets, and task I/O unless {@link taskClient} gives a task its own. */
  log: LogClient;
  /**
   * A task's own client built from its layered client properties (Kafka gives every source task a
   * producer and every sink task a consumer of its own), or null to use the shared {@link log}.
   * The worker closes it when the task ends.
   */
  taskClient?: (kind: ClientKind, props: Record<string, string>) => LogClient | null;
  plugins: PluginRegistry;
  offsetStore: OffsetBackingStore;
  status: StatusBackingStore;
  /** The worker's own properties (converters and their settings are read from here). */
  workerProps: Readonly<Record<string, string>>;
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  taskShutdownTimeoutMs: number;
  /**
   * How long a connector's `stop()` may take before the worker goes on without it (Kafka's
   * hard-coded `CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS`, 5 s, the default).
   */
  connectorShutdownTimeoutMs?: number;
  /**
   * How long starting a connector waits for its `start()` (default 5 s). Kafka runs `start()` on
   * the connector's own thread and never blocks the herder on it; here a `start()` that takes
   * longer is left running, the connector shows UNASSIGNED, and the herder goes on: when `start()`
   * returns the connector reports RUNNING and asks for its task configs (see connector-start.ts).
   */
  connectorStartWaitMs?: number;
  /**
   * Resolves `${provider:path:key}` variables (`config.providers`) in connector and task configs
   * when they are started; what herders store and REST returns stays raw.
   */
  configTransformer?: WorkerConfigTransformer;
  /**
   * A source connector's own offsets store (distributed, `offsets.storage.topic`), read before
   * and written along with the worker's; undefined when the connector has none.
   */
  connectorOffsetStore?: (
    connectorConfig: Readonly<Record<string, string>>,
  ) => OffsetBackingStore | undefined;
  /** The registry `GET /metrics` writes (a new one when absent). */
  metrics?: ConnectMetrics;
  /**
   * Exactly-once source support (distributed, `exactly.once.source.support=enabled`): called when
   * a source task starts, with the task's id and resolved connector config.
   */
  exactlyOnce?: (
    id: ConnectorTaskId,
    connectorConfig: Readonly<Record<string, string>>,
  ) => ExactlyOnceTaskHooks;
  logger: Logger;
}

/** Kafka's `Worker.CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS`. */
export const CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS = 5000;

/** What the herder decides for an exactly-once source task (see exactly-once-source.ts). */
export interface ExactlyOnceTaskHooks {
  /** The worker's `group.id` (the transactional id is `<group.id>-<connector>-<task>`). */
  groupId: string;
  /** The topics the task's offsets go to: the connector's `offsets.storage.topic` (if any) and the worker's. */
  offsetsTopics: readonly string[];
  /** Where the task reads its offsets (the connector's offsets topic first); the worker's store when absent. */
  offsetStore?: OffsetBackingStore;
  beforeProducer: () => Promise<void>;
  afterProducer: () => Promise<void>;
}

interface RunningConnector {
  instance: Connector;
  type: 'source' | 'sink';
  config: Record<string, string>;
  /** True while `start` has run and `stop` has not. */
  started: boolean;
  /** A `start()` that outlasted the start wait and has not returned yet: true when it succeeds. */
  starting?: Promise<boolean>;
  /** Whether the connector is to run (target STARTED, not deleted): decides what a late `start()` leads to. */
  wanted: boolean;
  /** The connector's `requestTaskReconfiguration`: called when a late `start()` returns. */
  readonly requestReconfiguration: () => void;
}

interface RunningTask {
  runner: WorkerSourceTask | WorkerSinkTask;
  done: Promise<void>;
  target: TargetStateGate;
  /** The client the task has of its own, if any (closed when the task ends or is abandoned). */
  client: LogClient | null;
}

/** Waits for a task's end, then closes the client it had of its own. */
async function closeWhenDone(done: Promise<void>, client: LogClient | null): Promise<void> {
  try {
    await done;
  } finally {
    await client?.close().catch(() => {});
  }
}

/**
 * Runs connector and task instances on this process (Kafka's `Worker`). It knows nothing of where
 * configs come from: a herder tells it what to start, stop, pause and resume, and it reports
 * states to the status store.
 */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #connectors = new Map<string, RunningConnector>();
  readonly #tasks = new Map<string, RunningTask>();
  /** Per connector, values its status traces must not show (see #rememberSecrets). */
  readonly #secrets = new Map<string, Set<string>>();
  /** Tasks abandoned after the shutdown timeout: their late state reports are ignored. */
  readonly #abandoned = new Set<string>();
  /** Kafka Connect's worker, connector and task metrics (`GET /metrics`). */
  readonly metrics: ConnectMetrics;
  /** The lifecycle lines' logger, Kafka's `org.apache.kafka.connect.runtime.Worker`. */
  readonly #log: Logger;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.metrics = options.metrics ?? new ConnectMetrics({ enabled: metricsEnabled(options.workerProps) });
    this.#log = loggerRegistryFor(options.logger).logger('org.apache.kafka.connect.runtime.Worker');
    // Converters and transforms log through @sluice/api's pluginLogger(undefined, name): the
    // worker's loggers, in the context of the task they run for.
    setRuntimePluginLoggers(runtimePluginLoggers(options.logger));
  }

  get workerId(): string {
    return this.#o.workerId();
  }

  /** A config with its provider variables resolved; TTL restarts are scheduled for `connector`. */
  async #resolve(config: Record<string, string>, connector: string): Promise<Record<string, string>> {
    const transformer = this.#o.configTransformer;
    let resolved = config;
    let secrets: string[] = [];
    if (transformer !== undefined) {
      const result = await transformer.transform(config, connector);
      resolved = result.data;
      secrets = resolvedValues(result);
    }
    this.#rememberSecrets(connector, resolved, secrets);
    return resolved;
  }

  /**
   * Notes the values a connector's status traces must never show: what config providers supplied,
   * and the values of PASSWORD-typed keys of the connector's (and the framework's) definitions.
   */
  #rememberSecrets(
    connector: string,
    config: Readonly<Record<string, string>>,
    fromProviders: string[],
  ): void {
    const known = this.#secrets.get(connector) ?? new Set<string>();
    for (const value of fromProviders) known.add(value);
    try {
      const def = this.newConnector(config).config();
      for (const [key, k] of def.configKeys()) {
        const value = config[key];
        if (k.type === 'PASSWORD' && value !== undefined && value !== '') known.add(value);
      }
    } catch {
      // an unknown connector class fails elsewhere, with its own message
    }
    if (known.size > 0) this.#secrets.set(connector, known);
  }

  /** A failure's trace with the connector's secrets hidden. */
  #trace(connector: string, error: unknown): string {
    const trace = errorTrace(error);
    const secrets = this.#secrets.get(connector);
    return secrets === undefined ? trace : maskResolvedValues(trace, [...secrets]);
  }

  /** The connector type of a config: 'source', 'sink', or 'unknown' when the class cannot be resolved. */
  connectorType(config: Readonly<Record<string, string>>): ConnectorType {
    const cls = config['connector.class'];
    if (cls === undefined) return 'unknown';
    const info = this.#o.plugins.find(cls, ['source', 'sink']);
    return info === undefined ? 'unknown' : (info.type as 'source' | 'sink');
  }

  /** A new, unstarted instance of the connector class in `config`. */
  newConnector(config: Readonly<Record<string, string>>): Connector {
    const cls = config['connector.class'] ?? '';
    const info = this.#o.plugins.resolve(cls, ['source', 'sink']);
    const instance = new info.plugin() as Connector;
    const expected = info.type === 'sink' ? SinkConnector : SourceConnector;
    if (!(instance instanceof expected)) {
      throw new ConnectError(
        `${info.className} is registered as a ${info.type} connector but does not extend ${expected.name}`,
      );
    }
    return instance;
  }

  isRunning(connector: string): boolean {
    return this.#connectors.has(connector);
  }

  /**
   * Starts a connector instance in the given target state: STARTED starts it, PAUSED and STOPPED
   * only create it. Reports RUNNING/PAUSED/STOPPED, or FAILED with the trace when `start` throws.
   * Returns whether the connector is running (STARTED without failure).
   */
  startConnector(
    name: string,
    config: Record<string, string>,
    target: TargetState,
    onTaskReconfiguration: () => void,
  ): Promise<boolean> {
    return withLogContext({ connector: name, workerLogger: this.#o.logger }, () =>
      this.#startConnector(name, config, target, onTaskReconfiguration),
    );
  }

  async #startConnector(
    name: string,
    config: Record<string, string>,
    target: TargetState,
    onTaskReconfiguration: () => void,
  ): Promise<boolean> {
    if (this.#connectors.has(name))
      throw new ConnectError(`Connector ${name} already running on this worker`);
    let instance: Connector;
    this.metrics.connectorStartupAttempts++;
    this.#log.info(`Creating connector ${name} of type ${config['connector.class']}`);
    try {
      instance = this.newConnector(config);
    } catch (err) {
      this.#log.error({ err }, `Failed to start connector ${name}`);
      this.metrics.connectorStartupFailures++;
      this.#reportConnector(name, 'FAILED', err);
      return false;
    }
    this.#log.info(
      `Instantiated connector ${name} with version ${pluginVersion(instance) ?? 'unknown'} of type ${className(instance)}`,
    );
    const running: RunningConnector = {
      instance,
      type: instance instanceof SinkConnector ? 'sink' : 'source',
      config,
      started: false,
      wanted: false,
      requestReconfiguration: onTaskReconfiguration,
    };
    this.#connectors.set(name, running);
    const pluginMetrics = this.metrics.connector(name, {
      type: running.type,
      className: className(instance),
      version: pluginVersion(instance) ?? 'unknown',
    });
    const context: ConnectorContext = {
      requestTaskReconfiguration: onTaskReconfiguration,
      raiseError: (error: Error) => {
        withLogContext({ connector: name }, () =>
          this.#connectorLog.error({ err: error }, `WorkerConnector{id=${name}} Connector raised an error`),
        );
        this.#reportConnector(name, 'FAILED', error);
      },
      pluginMetrics: () => pluginMetrics,
      logger: contextLoggers(this.#o.logger, { connector: name }, className(instance)),
    };
    instance.initialize(context);
    const started = await this.#applyConnectorTarget(name, running, target);
    if (started || target !== 'STARTED') this.metrics.connectorStartupSuccesses++;
    else this.metrics.connectorStartupFailures++;
    this.#log.info(`Finished creating connector ${name}`);
    return started;
  }

  /** Kafka's `org.apache.kafka.connect.runtime.WorkerConnector` logger. */
  get #connectorLog(): Logger {
    return loggerRegistryFor(this.#o.logger).logger('org.apache.kafka.connect.runtime.WorkerConnector');
  }

  /** Moves a running connector to a new target state (pause, resume, stop). */
  async setConnectorTarget(name: string, target: TargetState): Promise<boolean> {
    const running = this.#connectors.get(name);
    if (running === undefined) return false;
    return withLogContext({ connector: name, workerLogger: this.#o.logger }, () => {
      this.#log.info(`Setting connector ${name} state to ${target}`);
      return this.#applyConnectorTarget(name, running, target);
    });
  }

  async #applyConnectorTarget(
    name: string,
    running: RunningConnector,
    target: TargetState,
  ): Promise<boolean> {
    running.wanted = target === 'STARTED';
    if (target === 'STARTED') {
      if (running.started) return true;
      // Still in an earlier start(): its return starts the connector (wanted again now).
      if (running.starting !== undefined) return false;
      const outcome = await startWithin(
        () => this.#resolve(running.config, name).then((config) => running.instance.start(config)),
        this.#o.connectorStartWaitMs ?? CONNECTOR_START_WAIT_MS,
      );
      if (outcome.state !== 'pending') return this.#started(name, running, outcome, false);
      running.starting = outcome.late.then((late) => late.state === 'done');
      this.#log.warn(
        `Connector ${name} has not returned from start() after ${this.#o.connectorStartWaitMs ?? CONNECTOR_START_WAIT_MS} ms; ` +
          'it stays UNASSIGNED until it does, and the worker goes on without waiting for it',
      );
      this.#reportConnector(name, 'UNASSIGNED');
      void outcome.late.then((late) => {
        running.starting = undefined;
        withLogContext({ connector: name, workerLogger: this.#o.logger }, () =>
          this.#started(name, running, late, true),
        );
      });
      return false;
    }
    if (running.started) {
      running.started = false;
      try {
        await this.#stopConnectorInstance(name, running.instance);
      } catch (err) {
        this.#connectorLog.error(
          { err },
          `WorkerConnector{id=${name}} Error while ${target === 'PAUSED' ? 'pausing' : 'stopping'} connector`,
        );
        if (target === 'PAUSED') {
          this.#reportConnector(name, 'FAILED', err);
          return false;
        }
      }
    }
    this.#reportConnector(name, target === 'PAUSED' ? 'PAUSED' : 'STOPPED');
    return false;
  }

  /**
   * What a connector's `start()` led to. A `start()` that returned late (after the start wait)
   * reports RUNNING and asks the herder for task configs, unless the connector was deleted, paused
   * or stopped meanwhile: then it is stopped now (a delete already chained the stop).
   */
  #started(name: string, running: RunningConnector, outcome: StartOutcome, late: boolean): boolean {
    const current = this.#connectors.get(name) === running;
    if (outcome.state === 'failed') {
      if (!current || !running.wanted) return false;
      this.#connectorLog.error(
        { err: outcome.error },
        `WorkerConnector{id=${name}} Error while starting connector`,
      );
      this.#reportConnector(name, 'FAILED', outcome.error);
      return false;
    }
    if (!current) return false;
    if (!running.wanted) {
      void this.#stopConnectorInstance(name, running.instance).catch((err: unknown) =>
        this.#connectorLog.error({ err }, `WorkerConnector{id=${name}} Error while stopping connector`),
      );
      return false;
    }
    running.started = true;
    this.#reportConnector(name, 'RUNNING');
    if (late) {
      this.#log.info(`Connector ${name} returned from start(); generating its task configs`);
      running.requestReconfiguration();
    }
    return true;
  }

  /** Stops and forgets a connector instance (not its tasks). */
  async stopConnector(name: string): Promise<void> {
    const running = this.#connectors.get(name);
    if (running === undefined) return;
    this.#connectors.delete(name);
    this.metrics.removeConnector(name);
    await withLogContext({ connector: name, workerLogger: this.#o.logger }, async () => {
      this.#log.info(`Stopping connector ${name}`);
      if (running.started) {
        running.started = false;
        try {
          await this.#stopConnectorInstance(name, running.instance);
        } catch (err) {
          this.#connectorLog.error(
            { err },
            `WorkerConnector{id=${name}} Error while shutting down connector`,
          );
          return;
        }
      } else if (running.starting !== undefined) {
        // Still in start(): stopped once start() returns, waited for as a stop is (Kafka's
        // connector thread stops it after its start, and the herder waits as long).
        await this.#stopConnectorInstance(name, running.instance, running.starting).catch((err: unknown) =>
          this.#connectorLog.error(
            { err },
            `WorkerConnector{id=${name}} Error while shutting down connector`,
          ),
        );
      }
      this.#connectorLog.info(`Completed shutdown for WorkerConnector{id=${name}}`);
    });
  }

  /**
   * `Connector.stop()`, waited for at most the connector shutdown timeout: a connector whose stop
   * never returns is left behind with Kafka's error message (it may hold resources until the
   * worker restarts), so no delete, pause or worker stop waits for it for ever. Rejects when
   * `stop()` throws in time.
   */
  async #stopConnectorInstance(
    name: string,
    instance: Connector,
    afterStart?: Promise<boolean>,
  ): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(
        () => resolve('timeout'),
        this.#o.connectorShutdownTimeoutMs ?? CONNECTOR_GRACEFUL_SHUTDOWN_TIMEOUT_MS,
      );
    });
    try {
      const stopped = Promise.resolve(afterStart ?? true).then((started) =>
        started ? instance.stop() : undefined,
      );
      const result = await Promise.race([stopped, timeout]);
      if (result === 'timeout') {
        this.#o.logger.error(
          `Connector '${name}' failed to properly shut down, has become unresponsive, and may be consuming external resources. ` +
            'Correct the configuration for this connector or remove the connector. After fixing the connector, ' +
            'it may be necessary to restart this worker to release any consumed resources.',
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The task configs of a started connector: `taskConfigs(tasks.max)`, each with `task.class` and,
   * for sinks, the connector's `topics` / `topics.regex`. More configs than `tasks.max` fail the
   * connector (as `tasks.max.enforce=true`).
   */
  connectorTaskConfigs(name: string): Promise<Record<string, string>[]> {
    return withLogContext({ connector: name, workerLogger: this.#o.logger }, () =>
      this.#connectorTaskConfigs(name),
    );
  }

  async #connectorTaskConfigs(name: string): Promise<Record<string, string>[]> {
    const running = this.#connectors.get(name);
    if (running === undefined || !running.started) return [];
    const maxTasks = Number.parseInt(running.config['tasks.max'] ?? '1', 10);
    const taskClass = running.instance.taskClass() as unknown as PluginDescriptor & { name: string };
    const configs = await running.instance.taskConfigs(maxTasks);
    if (configs.length > maxTasks) {
      throw new ConnectError(
        `The connector ${name} has generated ${configs.length} tasks, which is greater than ${maxTasks}, the maximum number of tasks it is configured to create.`,
      );
    }
    // A resolved secret the connector copied into a task config is kept as its `${...}` variable.
    const stored =
      this.#o.configTransformer === undefined ? configs : reverseTransform(running.config, configs);
    return stored.map((c) => {
      const out: Record<string, string> = { ...c, 'task.class': taskClass.javaClass ?? taskClass.name };
      if (running.type === 'sink') {
        if (running.config.topics !== undefined) out.topics = running.config.topics;
        if (running.config['topics.regex'] !== undefined)
          out['topics.regex'] = running.config['topics.regex'];
      }
      return out;
    });
  }

  /** Starts a task; it runs until {@link stopTasks}. Reports its states to the status store. */
  startTask(
    id: ConnectorTaskId,
    rawConnectorConfig: Record<string, string>,
    rawTaskConfig: Record<string, string>,
    target: TargetState,
    taskCount: number,
  ): Promise<void> {
    // The task's whole life (its run loop, timers and the plugin's callbacks) runs in its context.
    return withLogContext({ connector: id.connector, task: id.task, workerLogger: this.#o.logger }, () =>
      this.#startTask(id, rawConnectorConfig, rawTaskConfig, target, taskCount),
    );
  }

  async #startTask(
    id: ConnectorTaskId,
    rawConnectorConfig: Record<string, string>,
    rawTaskConfig: Record<string, string>,
    target: TargetState,
    taskCount: number,
  ): Promise<void> {
    const key = taskIdString(id);
    if (this.#tasks.has(key)) throw new ConnectError(`Task ${key} already running on this worker`);
    this.#log.info(`Creating task ${key}`);
    this.#abandoned.delete(key);
    const o = this.#o;
    this.metrics.taskStartupAttempts++;
    let connectorConfig: Record<string, string>;
    let taskConfig: Record<string, string>;
    try {
      connectorConfig = await this.#resolve(rawConnectorConfig, id.connector);
      taskConfig = await this.#resolve(rawTaskConfig, id.connector);
    } catch (err) {
      this.#log.error({ err }, `Failed to start task ${key}: its configuration could not be resolved`);
      this.metrics.taskStartupFailures++;
      this.#reportTask(id, 'FAILED', err);
      return;
    }
    if (this.#tasks.has(key)) throw new ConnectError(`Task ${key} already running on this worker`);
    const gate = new TargetStateGate(target);
    let version: string | null = null;
    const report = (state: ConnectState, error?: unknown) => this.#reportTask(id, state, error, version);
    const logger = o.logger;
    let runner: WorkerSourceTask | WorkerSinkTask;
    let ownClient: LogClient | null = null;
    try {
      const type = this.connectorType(connectorConfig);
      const running = this.#connectors.get(id.connector);
      const taskClass = running?.instance.taskClass() ?? this.newConnector(connectorConfig).taskClass();
      const task = new taskClass();
      version = pluginVersion(task);
      this.#log.info(
        `Instantiated task ${key} with version ${version ?? 'unknown'} of type ${className(task)}`,
      );
      const pluginLoggers = contextLoggers(
        o.logger,
        { connector: id.connector, task: id.task },
        className(task),
      );
      const converters = createConverters(o.plugins, o.workerProps, connectorConfig);
      const info = taskPluginInfo({
        plugins: o.plugins,
        connectorConfig,
        connectorType: type === 'sink' ? 'sink' : 'source',
        task: { className: className(task), version: version ?? UNDEFINED_VERSION },
        converters: {
          key: className(converters.key),
          value: className(converters.value),
          header: className(converters.header),
        },
      });
      for (const kind of ['key', 'value', 'header'] as const) {
        const from = connectorConfig[`${kind}.converter`] === undefined ? 'worker' : 'connector';
        this.#log.info(
          `Set up the ${kind} converter class ${className(converters[kind])} for task ${key} using the ${from} config`,
        );
      }
      const clientFor = (kind: ClientKind, props: Record<string, string>): LogClient => {
        const ignored = ignoredClientKeys(kind, props);
        if (ignored.length > 0)
          logger.debug(`${key}: ${kind} properties not used by Sluice's client: ${ignored.join(', ')}`);
        ownClient = o.taskClient?.(kind, props) ?? null;
        return ownClient ?? o.log;
      };
      if (type === 'sink') {
        const props = taskClientProps(
          'consumer',
          o.workerProps,
          connectorConfig,
          sinkConsumerDefaults(id.connector, id.task),
        );
        const consumer = consumerSettings(props);
        const log = clientFor('consumer', props);
        runner = new WorkerSinkTask({
          id,
          metrics: this.metrics.task(id.connector, id.task, 'sink', info),
          task: task as SinkTask,
          taskConfig,
          log,
          converters,
          chain: TransformationChain.fromConfig<SinkRecord>(o.plugins, connectorConfig),
          consumer,
          assignment: () => this.#sinkAssignment(id, taskCount, connectorConfig),
          subscription: () => this.#sinkTopics(connectorConfig),
          offsetFlushIntervalMs: o.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: o.offsetFlushTimeoutMs,
          errorHandling: errorHandlingConfig(connectorConfig, true),
          target: gate,
          report,
          onTopic: (topic) => o.status.addTopic(id.connector, topic),
          logger: loggerRegistryFor(o.logger).logger('org.apache.kafka.connect.runtime.WorkerSinkTask'),
          pluginLoggers,
        });
      } else {
        const props = taskClientProps(
          'producer',
          o.workerProps,
          connectorConfig,
          sourceProducerDefaults(id.connector, id.task),
        );
        const log = clientFor('producer', props);
        let exactlyOnce: ExactlyOnceTaskOptions | undefined;
        let offsetStore: OffsetBackingStore | undefined;
        if (o.exactlyOnce !== undefined) {
          const hooks = o.exactlyOnce(id, connectorConfig);
          offsetStore = hooks.offsetStore;
          if (log.transactionalWriter === undefined)
            throw new ConnectError(
              'Exactly-once source tasks need a Kafka cluster (the log has no transactions)',
            );
          exactlyOnce = {
            writer: log.transactionalWriter(transactionalId(hooks.groupId, id)),
            offsetsTopics: hooks.offsetsTopics,
            ...transactionBoundary(connectorConfig, o.offsetFlushIntervalMs),
            beforeProducer: hooks.beforeProducer,
            afterProducer: hooks.afterProducer,
          };
        }
        runner = new WorkerSourceTask({
          ...(exactlyOnce === undefined ? {} : { exactlyOnce }),
          offsetStore: offsetStore ?? o.connectorOffsetStore?.(connectorConfig) ?? o.offsetStore,
          id,
          metrics: this.metrics.task(id.connector, id.task, 'source', info),
          task: task as SourceTask,
          taskConfig,
          log,
          converters,
          chain: TransformationChain.fromConfig<SourceRecord>(o.plugins, connectorConfig),
          offsetFlushIntervalMs: o.offsetFlushIntervalMs,
          offsetFlushTimeoutMs: o.offsetFlushTimeoutMs,
          target: gate,
          report,
          onTopic: (topic) => o.status.addTopic(id.connector, topic),
          errorHandling: errorHandlingConfig(connectorConfig, false),
          topicCreation: topicCreatorFor(o.workerProps, connectorConfig, o.log, logger),
          logger: loggerRegistryFor(o.logger).logger('org.apache.kafka.connect.runtime.WorkerSourceTask'),
          pluginLoggers,
        });
      }
    } catch (err) {
      this.#log.error({ err }, `Failed to start task ${key}`);
      this.metrics.taskStartupFailures++;
      this.#reportTask(id, 'FAILED', err);
      (ownClient as LogClient | null)?.close().catch(() => {});
      return;
    }
    this.metrics.taskStartupSuccesses++;
    const client = ownClient as LogClient | null;
    const done = closeWhenDone(runner.run(), client);
    this.#tasks.set(key, { runner, done, target: gate, client });
  }

  setTaskTarget(id: ConnectorTaskId, target: TargetState): void {
    this.#tasks.get(taskIdString(id))?.target.set(target);
  }

  /** Task ids running here for a connector. */
  tasksOf(connector: string): ConnectorTaskId[] {
    return [...this.#tasks.values()].map((t) => t.runner.id).filter((id) => id.connector === connector);
  }

  /**
   * Stops tasks and waits up to `task.shutdown.graceful.timeout.ms` for all of them; tasks still
   * running then are abandoned (Kafka "cancels" them) and a warning is logged.
   */
  async stopTasks(ids: readonly ConnectorTaskId[]): Promise<void> {
    const stopping: RunningTask[] = [];
    for (const id of ids) {
      const key = taskIdString(id);
      const t = this.#tasks.get(key);
      if (t === undefined) continue;
      this.#tasks.delete(key);
      this.metrics.removeTask(id.connector, id.task);
      withLogContext({ connector: id.connector, task: id.task, workerLogger: this.#o.logger }, () => {
        this.#log.info(`Stopping task ${key}`);
        t.runner.stop();
      });
      stopping.push(t);
    }
    if (stopping.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#o.taskShutdownTimeoutMs);
    });
    const result = await Promise.race([Promise.all(stopping.map((s) => s.done)), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      for (const s of stopping) {
        const key = taskIdString(s.runner.id);
        this.#abandoned.add(key);
        withLogContext({ connector: s.runner.id.connector, task: s.runner.id.task }, () =>
          this.#log.error(`Graceful stop of task ${key} failed.`),
        );
        // As Kafka cancels them: what the worker runs for a task ends (its offset flush timer, its
        // own client); a task stuck in the connector's code must not keep the process alive.
        if (s.runner instanceof WorkerSourceTask) s.runner.cancel();
        s.client?.close().catch(() => {});
      }
    }
  }

  /**
   * Stops everything running here: the tasks within `task.shutdown.graceful.timeout.ms`, then the
   * connectors side by side, each within the connector shutdown timeout.
   */
  async stop(): Promise<void> {
    await this.stopTasks([...this.#tasks.values()].map((t) => t.runner.id));
    await Promise.all([...this.#connectors.keys()].map((name) => this.stopConnector(name)));
  }

  /**
   * The partitions a sink task reads when its log has no consumer groups (the embedded log): every
   * partition of the connector's topics dealt round-robin over the connector's tasks. On Kafka the
   * task is a member of the connector's consumer group and the group's assignor decides.
   */
  async #sinkAssignment(
    id: ConnectorTaskId,
    taskCount: number,
    config: Readonly<Record<string, string>>,
  ): Promise<TopicPartition[]> {
    const log = this.#o.log;
    const topics = await this.#sinkTopics(config);
    if (topics.length === 0) return [];
    const described = await log.describeTopics(topics);
    const all: TopicPartition[] = [];
    for (const topic of [...topics].sort()) {
      const d = described.get(topic);
      if (d === undefined) continue;
      for (const p of d.partitions) all.push(new TopicPartition(topic, p.partition));
    }
    return all.filter((_, i) => i % Math.max(1, taskCount) === id.task);
  }

  /**
   * A sink's topics: those of `topics.regex` that exist, or the `topics` list (created when
   * missing, as a consumer's auto-creation would).
   */
  async #sinkTopics(config: Readonly<Record<string, string>>): Promise<string[]> {
    const log = this.#o.log;
    let topics: string[];
    const regex = config['topics.regex'];
    if (regex !== undefined && regex.trim() !== '') {
      const pattern = new RegExp(`^(?:${regex})$`);
      topics = (await log.listTopics()).filter((t) => pattern.test(t));
    } else {
      topics = (config.topics ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (topics.length > 0) await log.createTopics(topics.map((name) => ({ name })));
    }
    return topics;
  }

  #reportConnector(name: string, state: ConnectState, error?: unknown): void {
    this.metrics.connectorState(name, state);
    const instance = this.#connectors.get(name)?.instance;
    this.#o.status.putConnector(name, {
      state,
      workerId: this.#o.workerId(),
      trace: state === 'FAILED' && error !== undefined ? this.#trace(name, error) : null,
      generation: 0,
      version: instance === undefined ? null : pluginVersion(instance),
    });
  }

  #reportTask(
    id: ConnectorTaskId,
    state: ConnectState,
    error?: unknown,
    version: string | null = null,
  ): void {
    if (this.#abandoned.has(taskIdString(id))) return;
    this.metrics.taskState(id.connector, id.task, state);
    this.#o.status.putTask(id.connector, id.task, {
      state,
      workerId: this.#o.workerId(),
      trace: state === 'FAILED' && error !== undefined ? this.#trace(id.connector, error) : null,
      generation: 0,
      version,
    });
  }
}

/** A connector's or task's `version()` (the plugin version of statuses, KIP-891); null when it throws. */
function pluginVersion(plugin: { version(): string }): string | null {
  try {
    const v = plugin.version();
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}
