/**
 * The distributed herder (Kafka's `DistributedHerder`): workers with the same `group.id` share
 * connectors and tasks through Kafka. Configs live in the config topic, source offsets in the
 * offsets topic, statuses in the status topic; the group's leader assigns connectors and tasks
 * (incremental cooperative) and is the only worker that writes connector configs, deletions,
 * task configs, stop transitions and restart requests. REST writes that reach a follower are
 * forwarded to the leader's URL (restarts to the owner's), two hops at most as Kafka's `forward`
 * parameter allows; a write while no leader is known, or past the second hop, answers 409.
 *
 * Everything that changes what runs on this worker (assignments, config-topic changes, restarts,
 * leader writes) runs one at a time on the herder's queue, like Kafka's herder thread. Reads are
 * served from the config store's latest snapshot and the status store.
 *
 * Internal requests are signed and checked as KIP-507 asks when the cluster runs the `sessioned`
 * protocol (see request-signing.ts): the leader writes a session key to the config topic and
 * rotates it after `inter.worker.key.ttl.ms`; every worker tracks the key it read last, signs the
 * task configs it forwards with it, and checks the signature of the internal requests it receives.
 *
 * Exactly-once source support (`exactly.once.source.support=enabled`) lives in
 * exactly-once-support.ts: the leader's zombie fencing behind `PUT /connectors/{c}/fence`, the
 * task hooks and connector-specific offsets topics.
 *
 * Not implemented (yet): cluster-scope logger levels, and the `worker.sync.timeout.ms` leave-and-back-off dance (a worker that cannot catch
 * up with the config topic simply rejoins).
 */
import { AlreadyExistsError, BadRequestError, NotFoundError, NotLeaderError } from '@sluice/api';
import { type Logger, pino } from 'pino';
import { DistributedConfig } from '../config/distributed-config.ts';
import { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import {
  alterOffsets,
  type OffsetsContext,
  readOffsets,
  resetOffsets,
  stoppedOffsetsMessage,
} from '../herder/connector-offsets.ts';
import {
  checkWorkerClientConfigs,
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
import type { Forward, Herder, InternalRequest, PutConnectorResult } from '../herder/herder.ts';
import { bootstrapWorker } from '../herder/worker-bootstrap.ts';
import { connectionSettings, producerSettings, taskClientProps } from '../log/kafka/client-config.ts';
import { PlatformaticLogClient } from '../log/kafka/platformatic-client.ts';
import type { ConnectMetrics } from '../metrics/connect-metrics.ts';
import { RebalanceStats } from '../metrics/rebalance-stats.ts';
import { unknownKeyWarnings } from '../plugins/plugin-hints.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { RestError } from '../rest/errors.ts';
import { sleep } from '../sleep.ts';
import { INITIAL_TO_TARGET } from '../states.ts';
import type { StateRecord } from '../storage/status-store.ts';
import { checkWorkerConverters } from '../worker/plugin-factory.ts';
import { Worker } from '../worker/worker.ts';
import type { ClusterConfigState, ConfigChange } from './cluster-config-state.ts';
import type { RawConfig, SessionKey } from './config-records.ts';
import { ConnectGroupMember } from './connect-group-member.ts';
import { ASSIGNMENT_NO_ERROR, type ConnectAssignment } from './connect-protocol.ts';
import { ExactlyOnceSupport } from './exactly-once-support.ts';
import { GenerationalStatusStore } from './generational-status-store.ts';
import { internalTopicSettings } from './kafka-based-log.ts';
import { KafkaConfigBackingStore } from './kafka-config-backing-store.ts';
import { KafkaOffsetBackingStore } from './kafka-offset-backing-store.ts';
import { KafkaStatusBackingStore } from './kafka-status-backing-store.ts';
import {
  generateSessionKey,
  keyMismatch,
  type SigningSettings,
  signingSettings,
  verifyInternalRequest,
} from './request-signing.ts';
import { forwardRequest, nextForward } from './rest-forwarder.ts';

export interface DistributedHerderOptions {
  logger?: Logger;
  /** The plugins the distribution ships (the runtime names no plugin package); `plugin.path` adds to them. */
  plugins: PluginRegistry;
}

export class DistributedHerder implements Herder {
  readonly plugins: PluginRegistry;
  readonly config: DistributedConfig;
  readonly logger: Logger;
  /** The worker's shared Kafka client: internal topics, admin, consumer-group offsets. */
  readonly client: PlatformaticLogClient;
  /** The clients of the config, offsets and status logs. */
  readonly #storeClients: readonly [PlatformaticLogClient, PlatformaticLogClient, PlatformaticLogClient];
  readonly #transformer: WorkerConfigTransformer;
  readonly #configs: KafkaConfigBackingStore;
  readonly #offsets: KafkaOffsetBackingStore;
  readonly #statusStore: KafkaStatusBackingStore;
  readonly #status: GenerationalStatusStore;
  readonly #worker: Worker;
  /** Exactly-once source support, when `exactly.once.source.support=enabled`. */
  readonly #eos: ExactlyOnceSupport | null;
  #member: ConnectGroupMember | undefined;
  #workerId: string;
  #restUrl: string;
  #generation = -1;
  readonly #rebalanceStats = new RebalanceStats();
  #ready = false;
  #stopping = false;
  /** The config snapshot the instances running here reflect (updated as changes are handled). */
  #snapshot: ClusterConfigState;
  /** What the group assigned to this worker. */
  #assignedConnectors = new Set<string>();
  #assignedTasks = new Map<string, ConnectorTaskId>();
  /** What this worker started (kept while FAILED: a failed instance is not restarted by a rebalance). */
  readonly #startedConnectors = new Set<string>();
  readonly #startedTasks = new Map<string, ConnectorTaskId>();
  #queue: Promise<unknown> = Promise.resolve();
  /** A config change asked for a rebalance that has not completed yet (see #afterPendingRebalance). */
  #rebalancePending = false;
  #rebalanceWaiters: Array<() => void> = [];
  /** The validated `inter.worker.*` settings (KIP-507). */
  readonly #signing: SigningSettings;
  /** The session key read last from the config topic (null before one was read). */
  #sessionKey: SessionKey | null = null;
  /** When the leader distributes a new key (epoch ms; Infinity: never). */
  #keyExpiration = Number.POSITIVE_INFINITY;
  #keyTimer: NodeJS.Timeout | undefined;

  private constructor(
    config: DistributedConfig,
    plugins: PluginRegistry,
    logger: Logger,
    transformer: WorkerConfigTransformer,
  ) {
    this.config = config;
    this.plugins = plugins;
    this.logger = logger;
    this.#transformer = transformer;
    this.#workerId = config.workerId();
    this.#restUrl = config.advertisedUrl();
    this.#signing = signingSettings(config);
    const props = config.originalsStrings();
    const groupId = config.groupId();
    this.client = new PlatformaticLogClient(
      connectionSettings({ 'client.id': `sluice-${groupId}-shared`, ...taskClientProps('admin', props, {}) }),
    );
    const client = this.client;
    // Each internal topic is read by a client of its own, as Kafka Connect gives each KafkaBasedLog
    // its own consumer: one connection serves one request at a time, so logs sharing one would wait
    // behind each other's long polls (measured in benchmarks/distributed-failover: a joining worker
    // spent ~3 s starting its stores).
    const storeClient = (store: string) =>
      new PlatformaticLogClient(
        connectionSettings({
          'client.id': `sluice-${groupId}-${store}`,
          ...taskClientProps('admin', props, {}),
        }),
      );
    this.#storeClients = [storeClient('configs'), storeClient('offsets'), storeClient('statuses')];
    const [configsClient, offsetsClient, statusesClient] = this.#storeClients;
    this.#configs = new KafkaConfigBackingStore({
      client: configsClient,
      topic: config.getString('config.storage.topic')!,
      replicationFactor: config.int('config.storage.replication.factor'),
      topicSettings: internalTopicSettings(props, 'config.storage.', logger),
      log: logger.child({ store: 'config' }),
    });
    this.#offsets = new KafkaOffsetBackingStore({
      client: offsetsClient,
      topic: config.getString('offset.storage.topic')!,
      partitions: config.int('offset.storage.partitions'),
      replicationFactor: config.int('offset.storage.replication.factor'),
      topicSettings: internalTopicSettings(props, 'offset.storage.', logger),
      readCommitted: config.exactlyOnceSourceEnabled(),
      log: logger.child({ store: 'offsets' }),
    });
    this.#eos = config.exactlyOnceSourceEnabled()
      ? new ExactlyOnceSupport({
          groupId,
          workerOffsets: this.#offsets,
          offsetTopicCreation: {
            partitions: config.int('offset.storage.partitions'),
            replicationFactor: config.int('offset.storage.replication.factor'),
            topicSettings: internalTopicSettings(props, 'offset.storage.', logger),
          },
          newClient: (purpose) => storeClient(purpose),
          snapshot: () => this.#configs.snapshot(),
          isAssigned: (id) => this.#assignedTasks.has(taskIdString(id)),
          requestFencing: (connector) => this.#fence(connector, undefined),
          logger,
        })
      : null;
    this.#statusStore = new KafkaStatusBackingStore({
      client: statusesClient,
      topic: config.getString('status.storage.topic')!,
      partitions: config.int('status.storage.partitions'),
      replicationFactor: config.int('status.storage.replication.factor'),
      topicSettings: internalTopicSettings(props, 'status.storage.', logger),
      log: logger.child({ store: 'status' }),
    });
    this.#status = new GenerationalStatusStore(
      this.#statusStore,
      () => this.#generation,
      () => this.#workerId,
    );
    this.#snapshot = this.#configs.snapshot();
    this.#worker = new Worker({
      workerId: () => this.#workerId,
      log: client,
      plugins,
      offsetStore: this.#offsets,
      status: this.#status,
      workerProps: props,
      taskClient: (kind, p) =>
        new PlatformaticLogClient(kind === 'producer' ? producerSettings(p) : connectionSettings(p)),
      offsetFlushIntervalMs: config.offsetCommitIntervalMs(),
      offsetFlushTimeoutMs: config.offsetCommitTimeoutMs(),
      taskShutdownTimeoutMs: config.taskShutdownGracefulTimeoutMs(),
      configTransformer: transformer,
      ...(this.#eos === null
        ? {}
        : {
            exactlyOnce: (id: ConnectorTaskId, connectorConfig: Readonly<Record<string, string>>) =>
              this.#eos!.taskHooks(id, connectorConfig, this.#snapshot.taskConfigGeneration(id.connector)),
          }),
      logger,
    });
    this.#worker.metrics.rebalance = () =>
      this.#rebalanceStats.snapshot(
        this.#member?.currentProtocol ?? this.config.connectProtocol(),
        this.leaderUrl,
      );
  }

  /** Builds a herder from worker properties. Throws ConfigError for bad properties. */
  static async create(
    workerProps: Record<string, string>,
    options: DistributedHerderOptions,
  ): Promise<DistributedHerder> {
    const logger = options.logger ?? pino({ level: 'info' });
    // As Kafka: plugin.path (raw) is scanned first, then `${provider:path:key}` in the worker
    // properties are resolved, through plugin providers too.
    const { plugins, providers, resolved } = await bootstrapWorker(workerProps, {
      logger,
      plugins: options.plugins,
    });
    const config = new DistributedConfig(resolved.data);
    checkWorkerClientConfigs(config);
    checkWorkerConverters(plugins, resolved.data);
    let herder: DistributedHerder | undefined;
    const transformer = await WorkerConfigTransformer.create(resolved.data, providers, {
      logger,
      restartConnector: async (name) => {
        await herder?.restartConnector(name, { includeTasks: false, onlyFailed: false });
      },
    });
    herder = new DistributedHerder(config, plugins, logger, transformer);
    return herder;
  }

  get workerId(): string {
    return this.#workerId;
  }

  /** This worker's advertised REST URL (what followers forward to when it leads). */
  get restUrl(): string {
    return this.#restUrl;
  }

  /** True when this worker led the last completed rebalance. */
  get isLeader(): boolean {
    return this.#member?.isLeader ?? false;
  }

  /** The leader's REST URL from the last assignment ('' before one). */
  get leaderUrl(): string {
    return this.#member?.leaderUrl ?? '';
  }

  /** The generation of the last completed rebalance. */
  get generation(): number {
    return this.#generation;
  }

  /** Connectors and tasks assigned to this worker. */
  get assignment(): { connectors: string[]; tasks: ConnectorTaskId[] } {
    return { connectors: [...this.#assignedConnectors].sort(), tasks: [...this.#assignedTasks.values()] };
  }

  /** Sets the port of the worker id and URL once the REST server is bound (listeners on port 0). */
  setBoundPort(port: number): void {
    this.#workerId = this.config.workerId({ boundPort: port });
    this.#restUrl = this.config.advertisedUrl({ boundPort: port });
  }

  /**
   * Starts the stores (creating the internal topics when missing), reads the config topic to the
   * end, then joins the group; resolves after the first assignment was applied.
   */
  /** The worker's metrics registry (`GET /metrics`). */
  get metrics(): ConnectMetrics {
    return this.#worker.metrics;
  }

  async start(): Promise<void> {
    await this.#offsets.start();
    await this.#statusStore.start();
    this.#configs.setUpdateListener((change) => this.#onConfigChange(change));
    await this.#configs.start();
    this.#snapshot = this.#configs.snapshot();
    // A key read during the initial read is not announced to the listener: take it from the snapshot.
    const initialKey = this.#snapshot.sessionKey;
    if (initialKey !== null && this.#sessionKey === null) this.#setSessionKey(initialKey);
    const config = this.config;
    if (config.connectProtocol() !== 'sessioned')
      this.logger.warn(
        `Internal request verification will be disabled for this cluster as this worker's connect.protocol ` +
          `configuration has been set to '${config.connectProtocol()}'. If this is not intentional, either remove the ` +
          `'connect.protocol' configuration from the worker config file or change its value to 'sessioned'. ` +
          'If this configuration is left as-is, the cluster will be insecure; for more information, see KIP-507',
      );
    this.#member = new ConnectGroupMember({
      groupId: config.groupId(),
      connection: connectionSettings({
        'client.id': `sluice-${config.groupId()}-group`,
        ...taskClientProps('admin', config.originalsStrings(), {}),
      }),
      restUrl: this.#restUrl,
      protocol: config.connectProtocol(),
      sessionTimeoutMs: config.int('session.timeout.ms'),
      heartbeatIntervalMs: config.int('heartbeat.interval.ms'),
      rebalanceTimeoutMs: config.int('rebalance.timeout.ms'),
      scheduledRebalanceMaxDelayMs: config.int('scheduled.rebalance.max.delay.ms'),
      configSnapshot: () => this.#configs.snapshot(),
      listener: {
        onRevoked: (_leader, connectors, tasks) => this.#serial(() => this.#revoke(connectors, tasks)),
        onAssigned: (assignment, generation) =>
          this.#serial(async () => {
            await this.#assigned(assignment, generation);
            this.#rebalanceStats.succeeded(generation);
          }),
        onJoining: () => this.#rebalanceStats.started(),
        onFatalError: (err) => this.logger.error({ err }, 'The worker lost its group membership for good'),
      },
      log: this.logger,
    });
    await this.#member.start();
    this.#ready = true;
    this.logger.info(
      { groupId: config.groupId(), workerId: this.#workerId, leader: this.isLeader },
      'Joined the Connect cluster',
    );
  }

  /**
   * Stops every connector and task here (offsets committed, UNASSIGNED reported), flushes
   * status writes, leaves the group (so the others rebalance at once), stops the stores.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#ready = false;
    this.#rebalanceDone(); // requests waiting for a rebalance go on (and fail) at once
    clearTimeout(this.#keyTimer);
    await this.#serial(async () => {
      await this.#worker.stop();
      this.#startedConnectors.clear();
      this.#startedTasks.clear();
      await this.#statusStore.flush();
    });
    await this.#member?.stop();
    await this.#serial(async () => {
      await this.#eos?.stop();
      await this.#statusStore.stop();
      await this.#offsets.stop();
      await this.#configs.stop();
      await this.#transformer.close();
      await this.#closeClients();
    });
  }

  async #closeClients(): Promise<void> {
    await Promise.all([this.client, ...this.#storeClients].map((c) => c.close()));
  }

  /**
   * Stops like a crashed worker would (tests): no LeaveGroup, no status writes; tasks are
   * abandoned. The others notice after `session.timeout.ms`.
   */
  async crash(): Promise<void> {
    this.#stopping = true;
    this.#ready = false;
    clearTimeout(this.#keyTimer);
    await this.#member?.stop({ leaveGroup: false });
    await this.#worker.stop();
    await this.#eos?.stop();
    await this.#statusStore.stop();
    await this.#offsets.stop();
    await this.#configs.stop();
    await this.#transformer.close();
    await this.#closeClients();
  }

  isReady(): boolean {
    return this.#ready;
  }

  healthCheck(): Promise<void> {
    return this.#serial(async () => {});
  }

  kafkaClusterId(): Promise<string> {
    return this.client.clusterId();
  }

  // -------------------------------------------------------------------------------------------
  // Reads: from the config snapshot and the status store, on any worker

  async connectors(): Promise<string[]> {
    return this.#configs.snapshot().connectors();
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    const snapshot = this.#configs.snapshot();
    const config = strings(snapshot.rawConnectorConfig(name));
    if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
    return this.#info(name, config, snapshot.tasks(name));
  }

  async connectorConfig(name: string): Promise<Record<string, string>> {
    const config = strings(this.#configs.snapshot().rawConnectorConfig(name));
    if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
    return { ...config };
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const connector = this.#statusStore.getConnector(name);
    if (connector === undefined) throw new NotFoundError(`No status found for connector ${name}`);
    const config = strings(this.#configs.snapshot().rawConnectorConfig(name));
    return {
      name,
      connector: statusJson(connector),
      tasks: this.#statusStore.getTasks(name).map(([id, s]) => ({ id, ...statusJson(s) })),
      type: config === undefined ? 'unknown' : this.#worker.connectorType(config),
    };
  }

  async taskStatus(name: string, task: number): Promise<TaskStatus> {
    const s = this.#statusStore.getTask(name, task);
    if (s === undefined) throw new NotFoundError(`No status found for task ${name}-${task}`);
    return { id: task, ...statusJson(s) };
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    const snapshot = this.#configs.snapshot();
    if (!snapshot.contains(name)) throw new NotFoundError(`Connector ${name} not found`);
    return snapshot
      .tasks(name)
      .map((id) => ({ id, config: { ...(strings(snapshot.rawTaskConfig(id)) ?? {}) } }));
  }

  async connectorActiveTopics(name: string): Promise<string[]> {
    return this.#statusStore.topics(name);
  }

  async resetConnectorActiveTopics(name: string): Promise<void> {
    await this.#statusStore.resetTopics(name);
  }

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const config = strings(this.#configs.snapshot().rawConnectorConfig(name));
    if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
    return readOffsets(await this.#offsetsContext(config), name, config);
  }

  validateConnectorConfig(config: Record<string, string | null>): Promise<ConfigInfos> {
    return validateConnectorConfig(
      {
        plugins: this.plugins,
        config: this.config,
        transformer: this.#transformer,
        kafka: true,
        workerGroupId: this.config.groupId(),
        exactlyOnceSource: this.config.exactlyOnceSourceEnabled(),
      },
      config,
    );
  }

  async connectorPluginConfig(pluginName: string): Promise<ConfigKeyInfo[]> {
    return connectorPluginConfig(this.plugins, pluginName);
  }

  // -------------------------------------------------------------------------------------------
  // Writes: on the leader (followers forward), except target states which any worker writes

  async putConnectorConfig(
    name: string,
    config: Record<string, string | null>,
    options: { allowReplace: boolean; initialState?: InitialState; forward?: Forward },
  ): Promise<PutConnectorResult> {
    const validation = await this.validateConnectorConfig({ ...config, name });
    if (validation.error_count > 0) throw new BadRequestError(invalidConfigMessage(validation));
    for (const w of unknownKeyWarnings(name, config, validation)) this.logger.warn(w);
    const full = { ...(config as Record<string, string>), name };
    return this.#onLeader(
      options.forward,
      async () => {
        const snapshot = this.#configs.snapshot();
        const existing = strings(snapshot.rawConnectorConfig(name));
        if (existing !== undefined && !options.allowReplace)
          throw new AlreadyExistsError(`Connector ${name} already exists`);
        const tasks = snapshot.tasks(name);
        if (existing !== undefined && sameConfig(existing, full))
          return { created: false, info: this.#info(name, full, tasks) };
        const target =
          existing === undefined && options.initialState !== undefined
            ? INITIAL_TO_TARGET[options.initialState]
            : null;
        await this.#configs.putConnectorConfig(name, full, target);
        return { created: existing === undefined, info: this.#info(name, full, tasks) };
      },
      async (leaderUrl, forward) => {
        if (options.allowReplace) {
          const r = await forwardRequest<ConnectorInfo>(leaderUrl, 'PUT', `/connectors/${enc(name)}/config`, {
            body: full,
            forward,
          });
          return { created: r.status === 201, info: r.body };
        }
        const body: Record<string, unknown> = { name, config: full };
        if (options.initialState !== undefined) body.initial_state = options.initialState;
        const r = await forwardRequest<ConnectorInfo>(leaderUrl, 'POST', '/connectors', { body, forward });
        return { created: true, info: r.body };
      },
    );
  }

  /**
   * As Kafka: the leader merges the patch into the config it has, validates and writes the
   * result; a follower forwards the PATCH itself, so a concurrent change is never overwritten
   * with a merge made from a stale copy.
   */
  patchConnectorConfig(
    name: string,
    patch: Record<string, string | null>,
    forward?: Forward,
  ): Promise<ConnectorInfo> {
    return this.#onLeader(
      forward,
      async () => {
        const snapshot = this.#configs.snapshot();
        const existing = strings(snapshot.rawConnectorConfig(name));
        if (existing === undefined) throw new NotFoundError(`Connector ${name} not found`);
        const merged: Record<string, string> = { ...existing };
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        merged.name = name;
        const validation = await this.validateConnectorConfig(merged);
        if (validation.error_count > 0) throw new BadRequestError(invalidConfigMessage(validation));
        if (!sameConfig(existing, merged)) await this.#configs.putConnectorConfig(name, merged, null);
        return this.#info(name, merged, snapshot.tasks(name));
      },
      async (leaderUrl, next) =>
        (
          await forwardRequest<ConnectorInfo>(leaderUrl, 'PATCH', `/connectors/${enc(name)}/config`, {
            body: patch,
            forward: next,
          })
        ).body,
    );
  }

  deleteConnector(name: string, forward?: Forward): Promise<void> {
    return this.#onLeader(
      forward,
      async () => {
        if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Connector ${name} not found`);
        await this.#configs.removeConnectorConfig(name);
      },
      async (leaderUrl, next) => {
        await forwardRequest(leaderUrl, 'DELETE', `/connectors/${enc(name)}`, { forward: next });
      },
    );
  }

  /**
   * Internal `POST /connectors/{c}/tasks`. With the `sessioned` protocol the request's signature is
   * checked first, on whichever worker received it (Kafka's `requestNotSignedProperly`).
   */
  async putTaskConfigs(
    name: string,
    configs: Record<string, string>[],
    forward?: Forward,
    request?: InternalRequest,
  ): Promise<void> {
    this.#checkSignature(request);
    return this.#putTaskConfigs(name, configs, forward);
  }

  /**
   * Internal `PUT /connectors/{c}/fence`: the signature is checked as for task configs; then the
   * leader runs the fencing round of a source connector it knows (exactly-once-support.ts): the
   * producers of the previous task generation are fenced and the task-count record is written.
   * With exactly-once source support off there is nothing to fence: a plain 204.
   */
  async fenceZombieSourceTasks(name: string, forward?: Forward, request?: InternalRequest): Promise<void> {
    this.#checkSignature(request);
    return this.#fence(name, forward);
  }

  /** The fencing round on the leader; a follower forwards it (signed), as a task's worker does. */
  #fence(name: string, forward: Forward): Promise<void> {
    return this.#onLeader(
      forward,
      async () => {
        const config = strings(this.#configs.snapshot().rawConnectorConfig(name));
        if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
        if (this.#worker.connectorType(config) !== 'source')
          throw new BadRequestError(`Connector ${name} is not a source connector`);
        await this.#eos?.fenceAsLeader(name, this.client, async (count) => {
          await this.#configs.putTaskCountRecord(name, count);
          await this.#configs.refresh();
        });
      },
      async (leaderUrl, next) => {
        await forwardRequest(leaderUrl, 'PUT', `/connectors/${enc(name)}/fence`, {
          forward: next,
          ...this.#signWith(),
        });
      },
    );
  }

  async #putTaskConfigs(name: string, configs: Record<string, string>[], forward?: Forward): Promise<void> {
    return this.#onLeader(
      forward,
      async () => {
        const snapshot = this.#configs.snapshot();
        if (!snapshot.contains(name)) throw new NotFoundError(`Connector ${name} not found`);
        if (snapshot.targetState(name) === 'STOPPED' && configs.length > 0)
          throw new BadRequestError(
            `Cannot submit non-empty set of task configs for stopped connector ${name}`,
          );
        await this.#configs.putTaskConfigs(name, configs);
      },
      async (leaderUrl, next) => {
        await forwardRequest(leaderUrl, 'POST', `/connectors/${enc(name)}/tasks`, {
          body: configs,
          forward: next,
          ...this.#signWith(),
        });
      },
    );
  }

  async restartConnector(
    name: string,
    request: RestartRequest,
    forward?: Forward,
  ): Promise<ConnectorStateInfo | null> {
    if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Unknown connector: ${name}`);
    if (!request.includeTasks && !request.onlyFailed) {
      // The plain restart is executed by the connector's owner.
      await this.#afterPendingRebalance();
      if (this.#assignedConnectors.has(name)) {
        await this.#serial(() => this.#restartConnectorInstance(name));
        return null;
      }
      const owner = this.#ownerUrl(this.#statusStore.getConnector(name)?.workerId);
      await forwardRequest(owner, 'POST', `/connectors/${enc(name)}/restart`, {
        forward: nextForward(forward, owner),
      });
      return null;
    }
    return this.#onLeader(
      forward,
      async () => {
        const status = await this.connectorStatus(name);
        const restartConnector = !request.onlyFailed || status.connector.state === 'FAILED';
        const restartTasks = new Set(
          status.tasks
            .filter((t) => request.includeTasks && (!request.onlyFailed || t.state === 'FAILED'))
            .map((t) => t.id),
        );
        await this.#configs.putRestartRequest(name, request);
        return {
          ...status,
          connector: restartConnector ? { ...status.connector, state: 'RESTARTING' } : status.connector,
          tasks: status.tasks.map((t) => (restartTasks.has(t.id) ? { ...t, state: 'RESTARTING' } : t)),
        };
      },
      async (leaderUrl, next) =>
        (
          await forwardRequest<ConnectorStateInfo>(leaderUrl, 'POST', `/connectors/${enc(name)}/restart`, {
            query: { includeTasks: String(request.includeTasks), onlyFailed: String(request.onlyFailed) },
            forward: next,
          })
        ).body,
    );
  }

  async restartTask(name: string, task: number, forward?: Forward): Promise<void> {
    const snapshot = this.#configs.snapshot();
    if (!snapshot.contains(name)) throw new NotFoundError(`Connector ${name} not found`);
    const id = { connector: name, task };
    if (strings(snapshot.rawTaskConfig(id)) === undefined || task >= snapshot.taskCount(name))
      throw new NotFoundError(`Unknown task: ${name}-${task}`);
    await this.#afterPendingRebalance();
    if (this.#assignedTasks.has(taskIdString(id))) {
      await this.#serial(() => this.#restartTaskInstance(id));
      return;
    }
    const owner = this.#ownerUrl(this.#statusStore.getTask(name, task)?.workerId);
    await forwardRequest(owner, 'POST', `/connectors/${enc(name)}/tasks/${task}/restart`, {
      forward: nextForward(forward, owner),
    });
  }

  pauseConnector(name: string): Promise<void> {
    return this.#putTargetState(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#putTargetState(name, 'STARTED');
  }

  /** Leader: an empty task-config set first, then the STOPPED target state (KIP-875). */
  stopConnector(name: string, forward?: Forward): Promise<void> {
    return this.#onLeader(
      forward,
      async () => {
        if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Connector ${name} not found`);
        await this.#configs.putTaskConfigs(name, []);
        await this.#configs.putTargetState(name, 'STOPPED');
        await this.#configs.refresh();
      },
      async (leaderUrl, next) => {
        await forwardRequest(leaderUrl, 'PUT', `/connectors/${enc(name)}/stop`, { forward: next });
      },
    );
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffsets, forward?: Forward): Promise<Message> {
    return this.#onLeader(
      forward,
      async () => {
        const config = this.#requireStopped(name);
        await this.#eos?.fenceBeforeOffsetChange(name, config, this.client, (c) =>
          this.#worker.connectorType(c),
        );
        return alterOffsets(await this.#offsetsContext(config), name, config, offsets);
      },
      async (leaderUrl, next) =>
        (
          await forwardRequest<Message>(leaderUrl, 'PATCH', `/connectors/${enc(name)}/offsets`, {
            body: offsets,
            forward: next,
          })
        ).body,
    );
  }

  resetConnectorOffsets(name: string, forward?: Forward): Promise<Message> {
    return this.#onLeader(
      forward,
      async () => {
        const config = this.#requireStopped(name);
        await this.#eos?.fenceBeforeOffsetChange(name, config, this.client, (c) =>
          this.#worker.connectorType(c),
        );
        return resetOffsets(await this.#offsetsContext(config), name, config);
      },
      async (leaderUrl, next) =>
        (
          await forwardRequest<Message>(leaderUrl, 'DELETE', `/connectors/${enc(name)}/offsets`, {
            forward: next,
          })
        ).body,
    );
  }

  /** The offsets API's context; with exactly-once support, a connector's own offsets topic first. */
  async #offsetsContext(config: Record<string, string>): Promise<OffsetsContext> {
    const offsets = (await this.#eos?.offsetStore(config)) ?? this.#offsets;
    return { log: this.client, offsets, worker: this.#worker };
  }

  // -------------------------------------------------------------------------------------------

  #info(name: string, config: Record<string, string>, tasks: ConnectorTaskId[]): ConnectorInfo {
    return {
      name,
      config: { ...config },
      tasks: tasks.map((t) => ({ connector: t.connector, task: t.task })),
      type: this.#worker.connectorType(config),
    };
  }

  #requireStopped(name: string): Record<string, string> {
    const snapshot = this.#configs.snapshot();
    const config = strings(snapshot.rawConnectorConfig(name));
    if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
    if (snapshot.targetState(name) !== 'STOPPED' || snapshot.taskCount(name) > 0)
      throw new BadRequestError(stoppedOffsetsMessage(name));
    return config;
  }

  async #putTargetState(name: string, state: TargetState): Promise<void> {
    if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Unknown connector ${name}`);
    await this.#configs.putTargetState(name, state);
  }

  /**
   * Runs `local` on the herder queue when this worker leads (checked on the queue, as Kafka's
   * herder thread does); else `remote` sends it to the leader with the next `forward` value
   * (Kafka's two-hop limit, {@link nextForward}): a request that arrived with `forward=false`
   * answers 409, and so does one while no leader is known (before the first assignment, or ours
   * was lost).
   */
  async #onLeader<T>(
    forward: Forward,
    local: () => Promise<T>,
    remote: (leaderUrl: string, forward: boolean) => Promise<T>,
  ): Promise<T> {
    const member = this.#member;
    if (member === undefined || !this.#ready) {
      nextForward(forward, undefined);
      throw new NotLeaderError('No leader known yet');
    }
    const ran = await this.#serial(async () => (member.isLeader ? { value: await local() } : undefined));
    if (ran !== undefined) return ran.value;
    const leaderUrl = sameUrl(member.leaderUrl, this.#restUrl) ? '' : member.leaderUrl;
    const next = nextForward(forward, leaderUrl);
    this.logger.debug({ leaderUrl, forward: next }, 'Forwarding a request to the leader');
    return remote(leaderUrl, next);
  }

  /** The URL of the worker a status names as owner; '' when unknown or (stale) this worker. */
  #ownerUrl(workerId: string | undefined): string {
    return workerId === undefined || workerId === this.#workerId ? '' : `http://${workerId}/`;
  }

  /**
   * Owner-routed requests (plain connector restart, task restart) wait for a rebalance that an
   * already-read config change asked for, as Kafka's herder thread completes a pending rebalance
   * before it runs queued requests (reference kafka-connect-behaviour.md §4.4). Without this, a
   * task restart sent right after the task configs were committed found no owner yet and answered
   * 409 even on a one-worker cluster (found by the REST conformance suite in distributed mode).
   * Bounded by `rebalance.timeout.ms`; afterwards the request is routed as before.
   */
  async #afterPendingRebalance(): Promise<void> {
    await this.#serial(async () => {}); // config changes read before this request are applied
    if (!this.#rebalancePending || this.#stopping) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#rebalanceWaiters.push(resolve);
      timer = setTimeout(resolve, this.config.int('rebalance.timeout.ms'));
    });
    clearTimeout(timer);
  }

  #rebalanceDone(): void {
    this.#rebalancePending = false;
    const waiters = this.#rebalanceWaiters;
    this.#rebalanceWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  // -------------------------------------------------------------------------------------------
  // Internal request signing (KIP-507)

  /** Signing is on while the group runs the `sessioned` protocol (before joining: as configured). */
  #requestValidationEnabled(): boolean {
    const protocol = this.#member?.currentProtocol ?? null;
    return protocol === null ? this.config.connectProtocol() === 'sessioned' : protocol === 'sessioned';
  }

  /** @throws 400 / 503 / 403 as Kafka answers a request not signed properly */
  #checkSignature(request: InternalRequest | undefined): void {
    if (!this.#requestValidationEnabled()) return;
    verifyInternalRequest(request, this.#signing.verificationAlgorithms, this.#sessionKey);
  }

  /** The `sign` option of a forwarded internal request: with the current key, if one is known. */
  #signWith(): { sign?: { key: Uint8Array; algorithm: string } } {
    const key = this.#sessionKey;
    return key === null ? {} : { sign: { key: key.key, algorithm: this.#signing.signatureAlgorithm } };
  }

  /** The session key currently used to sign and verify (null before one was read). */
  get sessionKey(): SessionKey | null {
    return this.#sessionKey;
  }

  #setSessionKey(key: SessionKey): void {
    this.#sessionKey = key;
    // Followers track the expiration too: they may lead later and then rotate the key.
    const ttl = this.#signing.keyTtlMs;
    this.#keyExpiration = ttl > 0 ? key.creationTimestamp + ttl : Number.POSITIVE_INFINITY;
    this.#scheduleKeyCheck(0);
  }

  /** Runs the leader's key check after `delayMs` on the herder queue (replacing any earlier timer). */
  #scheduleKeyCheck(delayMs: number): void {
    clearTimeout(this.#keyTimer);
    if (this.#stopping) return;
    this.#keyTimer = setTimeout(
      () => void this.#serial(() => this.#checkKeyRotation()),
      Math.min(Math.max(0, delayMs), 2_147_483_647),
    );
    this.#keyTimer.unref();
  }

  /**
   * The leader distributes a new session key when none exists yet, the current one expired, or
   * it does not match this worker's key algorithm or size (Kafka's `checkForKeyRotation`); else
   * it schedules the next check at the key's expiration. A failed write is retried after 1 s.
   */
  async #checkKeyRotation(): Promise<void> {
    if (this.#stopping || this.#member?.isLeader !== true || !this.#requestValidationEnabled()) return;
    const now = Date.now();
    const key = this.#sessionKey;
    let reason: string | undefined;
    if (key === null)
      reason = 'Internal request signing is enabled but no session key has been distributed yet';
    else if (this.#keyExpiration <= now) reason = 'The existing session key has expired';
    else if (keyMismatch(key, this.#signing))
      reason = 'The previously distributed session key uses another algorithm or key size than this worker';
    if (reason === undefined) {
      if (Number.isFinite(this.#keyExpiration)) this.#scheduleKeyCheck(this.#keyExpiration - now);
      return;
    }
    this.logger.debug(`${reason}; distributing a new session key`);
    try {
      // The read-back announces the key (session-key-updated), which sets it and reschedules.
      await this.#configs.putSessionKey(generateSessionKey(this.#signing, now));
    } catch (err) {
      this.logger.info({ err }, 'Failed to write a new session key to the config topic; retrying');
      this.#scheduleKeyCheck(1_000);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Rebalances

  async #revoke(connectors: readonly string[], tasks: readonly ConnectorTaskId[]): Promise<void> {
    await this.#stopTasks(tasks);
    for (const c of connectors) await this.#stopConnector(c);
    for (const c of connectors) this.#assignedConnectors.delete(c);
    for (const t of tasks) this.#assignedTasks.delete(taskIdString(t));
    // Statuses of what stopped reach the topic before anyone else takes the work over.
    await this.#statusStore.flush();
  }

  /** Kafka's `handleRebalanceCompleted` + `startWork`. */
  async #assigned(assignment: ConnectAssignment, generation: number): Promise<void> {
    if (this.#stopping) return;
    this.#generation = generation;
    if (assignment.error !== ASSIGNMENT_NO_ERROR) {
      this.logger.info('The assignment failed (config mismatch); reading the config topic to the end');
      await this.#configs
        .refresh()
        .catch((err) => this.logger.warn({ err }, 'Reading the config topic failed'));
      return;
    }
    if (this.#configs.offset < assignment.configOffset) {
      try {
        await this.#configs.refresh(this.config.int('worker.sync.timeout.ms'));
      } catch (err) {
        this.logger.warn({ err }, 'Could not catch up with the config topic; rejoining');
        this.#member?.requestRejoin('config topic behind the assignment');
        return;
      }
    }
    if (this.#configs.offset !== assignment.configOffset) {
      // Read past what the leader assigned from: rejoin so the leader sees the newer configs.
      this.#member?.requestRejoin('config topic ahead of the assignment');
      return;
    }
    const snapshot = this.#configs.snapshot();
    this.#snapshot = snapshot;
    this.#assignedConnectors = new Set(assignment.connectors);
    this.#assignedTasks = new Map(assignment.tasks.map((t) => [taskIdString(t), t]));
    // Anything running that is no longer ours (eager mode, a lost assignment) stops.
    await this.#stopTasks(
      [...this.#startedTasks.values()].filter((t) => !this.#assignedTasks.has(taskIdString(t))),
    );
    for (const c of [...this.#startedConnectors])
      if (!this.#assignedConnectors.has(c)) await this.#stopConnector(c);
    for (const c of assignment.connectors) {
      if (!this.#startedConnectors.has(c) && snapshot.contains(c)) await this.#startConnector(c);
    }
    for (const t of assignment.tasks) {
      if (!this.#startedTasks.has(taskIdString(t))) await this.#startTask(t);
    }
    const leader = this.#member?.isLeader === true;
    if (leader) await this.#cleanUpStatuses(snapshot);
    this.#rebalanceDone();
    this.#scheduleKeyCheck(0);
    this.logger.info(
      `Finished rebalance: generation ${generation}, leader ${assignment.leaderUrl}${leader ? ' (this worker)' : ''}, ` +
        `${this.#assignedConnectors.size} connectors and ${this.#assignedTasks.size} tasks assigned here`,
    );
  }

  /** The leader tombstones statuses of connectors and tasks that no longer exist. */
  async #cleanUpStatuses(snapshot: ClusterConfigState): Promise<void> {
    for (const c of this.#statusStore.connectors()) {
      if (!snapshot.contains(c)) {
        void this.#status.deleteConnector(c);
        continue;
      }
      const count = snapshot.taskCount(c);
      for (const [task] of this.#statusStore.getTasks(c))
        if (task >= count) void this.#status.deleteTask(c, task);
    }
  }

  async #startConnector(name: string): Promise<void> {
    const config = strings(this.#snapshot.rawConnectorConfig(name));
    if (config === undefined) return;
    const target = this.#snapshot.targetState(name) ?? 'STARTED';
    this.#startedConnectors.add(name);
    const running = await this.#worker.startConnector(name, config, target, () =>
      this.#requestReconfiguration(name),
    );
    if (running && target === 'STARTED') await this.#reconfigureTasks(name);
  }

  async #stopConnector(name: string): Promise<void> {
    this.#startedConnectors.delete(name);
    await this.#worker.stopConnector(name);
  }

  async #startTask(id: ConnectorTaskId): Promise<void> {
    const snapshot = this.#snapshot;
    const taskConfig = strings(snapshot.rawTaskConfig(id));
    const connectorConfig = strings(snapshot.rawConnectorConfig(id.connector));
    if (taskConfig === undefined || connectorConfig === undefined) return;
    this.#startedTasks.set(taskIdString(id), id);
    await this.#worker.startTask(
      id,
      connectorConfig,
      taskConfig,
      snapshot.targetState(id.connector) ?? 'STARTED',
      snapshot.taskCount(id.connector),
    );
  }

  async #stopTasks(ids: readonly ConnectorTaskId[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.#startedTasks.delete(taskIdString(id));
    await this.#worker.stopTasks(ids);
  }

  /** A connector asked for new task configs (`requestTaskReconfiguration`). */
  #requestReconfiguration(name: string): void {
    void this.#serial(() => this.#reconfigureTasks(name));
  }

  /**
   * Generates the task configs of a connector running here and publishes them when the task
   * count, a task config or the connector config changed since the last commit.
   */
  async #reconfigureTasks(name: string): Promise<void> {
    if (this.#stopping || !this.#worker.isRunning(name)) return;
    const snapshot = this.#configs.snapshot();
    if (snapshot.targetState(name) !== 'STARTED') return;
    let configs: Record<string, string>[];
    try {
      configs = await this.#worker.connectorTaskConfigs(name);
    } catch (err) {
      this.logger.error({ err }, `Connector ${name} failed to generate task configs`);
      void this.#status.putConnector(name, failedRecord(this.#workerId, err));
      return;
    }
    const current = snapshot.tasks(name).map((id) => strings(snapshot.rawTaskConfig(id)));
    const connectorConfig = strings(snapshot.rawConnectorConfig(name));
    const applied = strings(snapshot.appliedConnectorConfig(name));
    const changed =
      current.length !== configs.length ||
      configs.some((c, i) => current[i] === undefined || !sameConfig(current[i]!, c)) ||
      connectorConfig === undefined ||
      applied === undefined ||
      !sameConfig(applied, connectorConfig);
    if (!changed) return;
    void this.#publishTaskConfigs(name, configs);
  }

  /** Writes (leader) or forwards (follower) task configs, retrying with back-off 250 ms → 60 s. */
  async #publishTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    let backoff = 250;
    const started = Date.now();
    while (!this.#stopping && this.#startedConnectors.has(name)) {
      try {
        await this.#putTaskConfigs(name, configs);
        this.logger.info(`Published ${configs.length} task configs of connector ${name}`);
        return;
      } catch (err) {
        if (err instanceof NotFoundError) return;
        if (err instanceof RestError && err.status === 403 && Date.now() - started < 60_000) {
          // As Kafka: within the first minute a 403 most likely means the leader rotated the
          // session key and this worker has not read the new one yet.
          this.logger.debug(
            { err: err.message },
            `Forwarding the task configs of ${name} was refused (probably a rotated session key); retrying`,
          );
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 60_000);
          continue;
        }
        this.logger.warn(
          { err: (err as Error).message },
          `Publishing the task configs of ${name} failed; retrying`,
        );
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 60_000);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Config topic changes (Kafka's `ConfigUpdateListener` + `updateConfigsWithIncrementalCooperative`)

  #onConfigChange(change: ConfigChange): void {
    if (change.type === 'session-key-updated') {
      // Applied at once (Kafka: under the herder's lock), not behind queued work.
      this.logger.info('Session key updated');
      this.#setSessionKey(change.sessionKey);
      return;
    }
    void this.#serial(async () => {
      if (this.#stopping) return;
      try {
        await this.#applyConfigChange(change);
      } catch (err) {
        this.logger.error({ err, change: change.type }, 'Applying a config change failed');
      }
    });
  }

  async #applyConfigChange(change: ConfigChange): Promise<void> {
    const previous = this.#snapshot;
    const snapshot = this.#configs.snapshot();
    switch (change.type) {
      case 'connector-config-updated': {
        const name = change.connector;
        if (!previous.contains(name)) {
          this.#rebalancePending = true;
          this.#member?.requestRejoin(`connector ${name} was created`);
          break;
        }
        this.#snapshot = snapshot;
        if (this.#startedConnectors.has(name)) {
          // Only the connector restarts; it regenerates its task configs.
          await this.#stopConnector(name);
          await this.#startConnector(name);
        }
        return;
      }
      case 'connector-config-removed': {
        const name = change.connector;
        await this.#stopTasks([...this.#startedTasks.values()].filter((t) => t.connector === name));
        if (this.#startedConnectors.has(name)) await this.#stopConnector(name);
        this.#rebalancePending = true;
        this.#member?.requestRejoin(`connector ${name} was deleted`);
        break;
      }
      case 'task-configs-committed': {
        // Cooperative: stop our tasks of the reconfigured connector; the rebalance restarts
        // those still assigned here with their new configs.
        const name = change.connector;
        await this.#stopTasks([...this.#startedTasks.values()].filter((t) => t.connector === name));
        this.#rebalancePending = true;
        this.#member?.requestRejoin(`task configs of ${name} were committed`);
        break;
      }
      case 'target-state-changed':
        this.#snapshot = snapshot;
        await this.#applyTargetState(change.connector, change.state);
        return;
      case 'restart-requested':
        await this.#applyRestartRequest(change.connector, change.includeTasks, change.onlyFailed);
        return;
      default:
        return;
    }
    // Anything else here waits for the rebalance; the snapshot moves on for the reads.
    this.#snapshot = snapshot;
  }

  async #applyTargetState(name: string, state: TargetState): Promise<void> {
    const tasks = [...this.#startedTasks.values()].filter((t) => t.connector === name);
    if (this.#startedConnectors.has(name)) {
      if (!this.#worker.isRunning(name)) {
        // A connector whose instance could not be created: try again in the new state.
        await this.#stopConnector(name);
        await this.#startConnector(name);
      } else {
        const running = await this.#worker.setConnectorTarget(name, state);
        if (state === 'STARTED' && running) await this.#reconfigureTasks(name);
      }
    }
    for (const t of tasks) this.#worker.setTaskTarget(t, state);
  }

  async #applyRestartRequest(name: string, includeTasks: boolean, onlyFailed: boolean): Promise<void> {
    if (this.#assignedConnectors.has(name)) {
      const state = this.#statusStore.getConnector(name)?.state;
      if (!onlyFailed || state === 'FAILED') {
        await this.#status.putConnector(name, {
          ...this.#record('RESTARTING'),
          version: this.#statusStore.getConnector(name)?.version ?? null,
        });
        await this.#restartConnectorInstance(name);
      }
    }
    if (!includeTasks) return;
    for (const t of [...this.#assignedTasks.values()].filter((id) => id.connector === name)) {
      const state = this.#statusStore.getTask(name, t.task)?.state;
      if (onlyFailed && state !== 'FAILED') continue;
      await this.#status.putTask(name, t.task, {
        ...this.#record('RESTARTING'),
        version: this.#statusStore.getTask(name, t.task)?.version ?? null,
      });
      await this.#restartTaskInstance(t);
    }
  }

  async #restartConnectorInstance(name: string): Promise<void> {
    this.#snapshot = this.#configs.snapshot();
    await this.#stopConnector(name);
    if (this.#assignedConnectors.has(name)) await this.#startConnector(name);
  }

  async #restartTaskInstance(id: ConnectorTaskId): Promise<void> {
    this.#snapshot = this.#configs.snapshot();
    await this.#stopTasks([id]);
    if (this.#assignedTasks.has(taskIdString(id))) await this.#startTask(id);
  }

  #record(state: StateRecord['state']): StateRecord {
    return { state, workerId: this.#workerId, trace: null, generation: this.#generation };
  }
}

/** A stored config without its null values (Kafka's schema allows them; nothing here uses them). */
function strings(raw: RawConfig | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== null) out[k] = v;
  return out;
}

function enc(name: string): string {
  return encodeURIComponent(name);
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
