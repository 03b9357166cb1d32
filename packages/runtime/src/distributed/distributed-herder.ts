/**
 * The distributed herder (Kafka's `DistributedHerder`): workers with the same `group.id` share
 * connectors and tasks through Kafka. Configs live in the config topic, source offsets in the
 * offsets topic, statuses in the status topic; the group's leader assigns connectors and tasks
 * (incremental cooperative) and is the only worker that writes connector configs, deletions,
 * task configs, stop transitions and restart requests. A write that reaches a follower throws
 * "not the leader" with the leader's URL (a restart: "not the owner" with the owner's URL), and
 * the REST layer forwards it there (`rest/forwarding.ts`), as Kafka's herder and
 * `HerderRequestHandler` share the work. The herder builds no REST call itself, except the task
 * configs a follower's connector generated, which it sends to the leader with the client the REST
 * server handed it (Kafka's `RestClient`).
 *
 * Everything that changes what runs on this worker (assignments, config-topic changes, restarts,
 * leader writes) runs one at a time on the herder's queue, like Kafka's herder thread. Reads are
 * served from the config store's latest snapshot and the status store.
 *
 * Internal requests are signed and checked as KIP-507 asks when the cluster runs the `sessioned`
 * protocol (`session-keys.ts`, `request-signing.ts`): the leader writes a session key to the
 * config topic and rotates it after `inter.worker.key.ttl.ms`; every worker tracks the key it read
 * last, signs the task configs it forwards with it, and checks the signature of the internal
 * requests it receives.
 *
 * The parts (clients, stores, the Worker) are built by `assemble.ts`.
 *
 * Exactly-once source support (`exactly.once.source.support=enabled`) lives in
 * exactly-once-support.ts: the leader's zombie fencing behind `PUT /connectors/{c}/fence`, the
 * task hooks and connector-specific offsets topics.
 *
 * Not implemented (yet): the `worker.sync.timeout.ms` leave-and-back-off dance (a worker that cannot catch
 * up with the config topic simply rejoins).
 */
import {
  AlreadyExistsError,
  BadRequestError,
  ConnectError,
  NotFoundError,
  NotLeaderError,
} from '@sluice/api';
import type { Logger } from 'pino';
import type { DistributedConfig } from '../config/distributed-config.ts';
import type { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
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
import { NotAssignedError, RestError } from '../herder/errors.ts';
import type { Herder, InternalRequest, PutConnectorResult } from '../herder/herder.ts';
import type { WorkerClient } from '../herder/worker-client.ts';
import type { PlatformaticLogClient } from '../log/kafka/platformatic-client.ts';
import { type LoggerRegistry, loggerRegistryFor } from '../logging/logger-registry.ts';
import type { ConnectMetrics } from '../metrics/connect-metrics.ts';
import { CoordinatorStats } from '../metrics/coordinator-stats.ts';
import { RebalanceStats } from '../metrics/rebalance-stats.ts';
import { unknownKeyWarnings } from '../plugins/plugin-hints.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { sleep } from '../sleep.ts';
import { INITIAL_TO_TARGET } from '../states.ts';
import type { StateRecord } from '../storage/status-store.ts';
import type { Worker } from '../worker/worker.ts';
import type { ClusterConfigState, ConfigChange } from './cluster-config-state.ts';
import type { RawConfig, SessionKey } from './config-records.ts';
import { ConfigTopicPrivileges } from './config-topic-privileges.ts';
import type { ConnectGroupMember, GroupMembershipListener } from './connect-group-member.ts';
import { ASSIGNMENT_NO_ERROR, type ConnectAssignment } from './connect-protocol.ts';
import type { ConnectorOffsetsTopics } from './connector-offsets-topics.ts';
import type { ExactlyOnceSupport } from './exactly-once-support.ts';
import type { GenerationalStatusStore } from './generational-status-store.ts';
import type { KafkaConfigBackingStore } from './kafka-config-backing-store.ts';
import type { KafkaOffsetBackingStore } from './kafka-offset-backing-store.ts';
import type { KafkaStatusBackingStore } from './kafka-status-backing-store.ts';
import { signingSettings } from './request-signing.ts';
import { SessionKeys } from './session-keys.ts';

export interface DistributedHerderOptions {
  logger?: Logger;
  /** The plugins the distribution ships (the runtime names no plugin package); `plugin.path` adds to them. */
  plugins: PluginRegistry;
}

/** What a distributed herder runs on, built by `assemble.ts`. */
export interface DistributedHerderParts {
  config: DistributedConfig;
  /** The built-ins and what `plugin.path` added. */
  plugins: PluginRegistry;
  logger: Logger;
  transformer: WorkerConfigTransformer;
  /** The worker's shared Kafka client: internal topics, admin, consumer-group offsets. */
  client: PlatformaticLogClient;
  /** The clients of the config, offsets and status logs (closed with the herder). */
  storeClients: readonly PlatformaticLogClient[];
  configs: KafkaConfigBackingStore;
  offsets: KafkaOffsetBackingStore;
  statusStore: KafkaStatusBackingStore;
  /** `statusStore` stamped with this herder's generation and worker id. */
  status: GenerationalStatusStore;
  worker: Worker;
  /** Builds the group membership (its own connection) once the REST URL is known, at start. */
  groupMember: (restUrl: string, listener: GroupMembershipListener) => ConnectGroupMember;
  /** Exactly-once source support, when `exactly.once.source.support=enabled` (stopped with the herder). */
  eos?: ExactlyOnceSupport | null;
  /** Source connectors' own offsets topics (`offsets.storage.topic`; stopped with the herder). */
  connectorOffsets?: ConnectorOffsetsTopics;
}

export class DistributedHerder implements Herder {
  readonly plugins: PluginRegistry;
  readonly config: DistributedConfig;
  readonly logger: Logger;
  /** The worker's shared Kafka client: internal topics, admin, consumer-group offsets. */
  readonly client: PlatformaticLogClient;
  /** The clients of the config, offsets and status logs. */
  readonly #storeClients: readonly PlatformaticLogClient[];
  readonly #transformer: WorkerConfigTransformer;
  readonly #configs: KafkaConfigBackingStore;
  /** Where cluster-wide log levels apply (the REST server's loggers; else the worker logger's). */
  #loggers: LoggerRegistry | undefined;
  readonly #offsets: KafkaOffsetBackingStore;
  readonly #statusStore: KafkaStatusBackingStore;
  readonly #status: GenerationalStatusStore;
  readonly #worker: Worker;
  readonly #newGroupMember: DistributedHerderParts['groupMember'];
  /** Exactly-once source support, when `exactly.once.source.support=enabled`. */
  readonly #eos: ExactlyOnceSupport | null;
  readonly #connectorOffsets: ConnectorOffsetsTopics | undefined;
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
  /** The session key this worker signs and checks internal requests with (KIP-507). */
  readonly #keys: SessionKeys;
  /** The REST layer's client to other workers (for task configs a follower sends the leader). */
  #workerClient: WorkerClient | undefined;
  /** The leader's transactional writes to the config topic (exactly-once source support on). */
  readonly #privileges: ConfigTopicPrivileges;

  constructor(parts: DistributedHerderParts) {
    const { config, logger } = parts;
    this.config = config;
    this.plugins = parts.plugins;
    this.logger = logger;
    this.#transformer = parts.transformer;
    this.#workerId = config.workerId();
    this.#restUrl = config.advertisedUrl();
    this.client = parts.client;
    this.#storeClients = parts.storeClients;
    this.#configs = parts.configs;
    this.#offsets = parts.offsets;
    this.#statusStore = parts.statusStore;
    this.#status = parts.status;
    this.#worker = parts.worker;
    this.#newGroupMember = parts.groupMember;
    this.#eos = parts.eos ?? null;
    this.#connectorOffsets = parts.connectorOffsets;
    this.#snapshot = this.#configs.snapshot();
    this.#privileges = new ConfigTopicPrivileges(this.#configs, logger);
    this.#keys = new SessionKeys({
      settings: signingSettings(config),
      enabled: () => this.#requestValidationEnabled(),
      isLeader: () => this.#member?.isLeader === true,
      distribute: (key) => this.#leaderWrite(() => this.#configs.putSessionKey(key)),
      run: (check) => void this.#serial(check),
      logger,
    });
    this.#worker.metrics.rebalance = () =>
      this.#rebalanceStats.snapshot(
        this.#member?.currentProtocol ?? this.config.connectProtocol(),
        this.leaderUrl,
      );
    this.#worker.metrics.coordinator = () => ({
      clientId: `connect-${this.#workerId}`,
      assignedConnectors: this.#assignedConnectors.size,
      assignedTasks: this.#assignedTasks.size,
      stats: (this.#member?.stats ?? new CoordinatorStats()).snapshot(),
    });
  }

  /** The REST layer's client to other workers (Kafka's `RestClient`), handed over by the REST server. */
  useWorkerClient(client: WorkerClient): void {
    this.#workerClient = client;
  }

  /** KIP-976 cluster scope: the level goes to the config topic; every worker applies it on reading. */
  setClusterLoggerLevel(namespace: string, level: string): Promise<void> {
    return this.#configs.putLoggerLevel(namespace, level);
  }

  /** The loggers the REST API serves (handed over by the REST server): cluster levels apply to them. */
  useLoggers(loggers: LoggerRegistry): void {
    this.#loggers = loggers;
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
    if (initialKey !== null && this.#keys.current === null) this.#keys.set(initialKey);
    const config = this.config;
    if (config.connectProtocol() !== 'sessioned')
      this.logger.warn(
        `Internal request verification will be disabled for this cluster as this worker's connect.protocol ` +
          `configuration has been set to '${config.connectProtocol()}'. If this is not intentional, either remove the ` +
          `'connect.protocol' configuration from the worker config file or change its value to 'sessioned'. ` +
          'If this configuration is left as-is, the cluster will be insecure; for more information, see KIP-507',
      );
    this.#member = this.#newGroupMember(this.#restUrl, {
      onRevoked: (_leader, connectors, tasks) => this.#serial(() => this.#revoke(connectors, tasks)),
      onAssigned: (assignment, generation) =>
        this.#serial(async () => {
          await this.#assigned(assignment, generation);
          this.#rebalanceStats.succeeded(generation);
        }),
      onJoining: () => this.#rebalanceStats.started(),
      onFatalError: (err) => this.logger.error({ err }, 'The worker lost its group membership for good'),
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
    this.#keys.close();
    await this.#serial(async () => {
      await this.#worker.stop();
      this.#startedConnectors.clear();
      this.#startedTasks.clear();
      await this.#statusStore.flush();
    });
    await this.#member?.stop();
    await this.#serial(() => this.#stopStores());
  }

  /** Stops what outlives the tasks and the membership: the stores and the clients (stop and crash). */
  async #stopStores(): Promise<void> {
    await this.#eos?.stop();
    await this.#connectorOffsets?.stop();
    await this.#statusStore.stop();
    await this.#offsets.stop();
    await this.#configs.stop();
    await this.#transformer.close();
    await Promise.all([this.client, ...this.#storeClients].map((c) => c.close()));
  }

  /**
   * Stops like a crashed worker would (tests): no LeaveGroup, no status writes; tasks are
   * abandoned. The others notice after `session.timeout.ms`.
   */
  async crash(): Promise<void> {
    this.#stopping = true;
    this.#ready = false;
    this.#keys.close();
    await this.#member?.stop({ leaveGroup: false });
    await this.#worker.stop();
    await this.#stopStores();
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
  // Writes: on the leader (a follower throws "not the leader" and the REST layer forwards),
  // except target states which any worker writes

  async putConnectorConfig(
    name: string,
    config: Record<string, string | null>,
    options: { allowReplace: boolean; initialState?: InitialState },
  ): Promise<PutConnectorResult> {
    const validation = await this.validateConnectorConfig({ ...config, name });
    if (validation.error_count > 0) throw new BadRequestError(invalidConfigMessage(validation));
    for (const w of unknownKeyWarnings(name, config, validation)) this.logger.warn(w);
    const full = { ...(config as Record<string, string>), name };
    return this.#onLeader(async () => {
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
    });
  }

  /**
   * As Kafka: the leader merges the patch into the config it has, validates and writes the
   * result; on a follower the PATCH itself is forwarded, so a concurrent change is never
   * overwritten with a merge made from a stale copy.
   */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return this.#onLeader(async () => {
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
    });
  }

  deleteConnector(name: string): Promise<void> {
    return this.#onLeader(async () => {
      if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Connector ${name} not found`);
      await this.#configs.removeConnectorConfig(name);
    });
  }

  /**
   * Internal `POST /connectors/{c}/tasks`. With the `sessioned` protocol the request's signature is
   * checked first, on whichever worker received it (Kafka's `requestNotSignedProperly`).
   */
  async putTaskConfigs(
    name: string,
    configs: Record<string, string>[],
    request?: InternalRequest,
  ): Promise<void> {
    this.#keys.verify(request);
    return this.#putTaskConfigs(name, configs);
  }

  /**
   * Internal `PUT /connectors/{c}/fence`: the signature is checked as for task configs; then the
   * leader runs the fencing round of a source connector it knows (exactly-once-support.ts): the
   * producers of the previous task generation are fenced and the task-count record is written.
   * With exactly-once source support off there is nothing to fence: a plain 204.
   */
  async fenceZombieSourceTasks(name: string, request?: InternalRequest): Promise<void> {
    this.#keys.verify(request);
    return this.#fenceOnLeader(name);
  }

  /** The fencing round, on the leader only (else "not the leader", which the REST layer forwards). */
  #fenceOnLeader(name: string): Promise<void> {
    return this.#onLeader(async () => {
      const config = strings(this.#configs.snapshot().rawConnectorConfig(name));
      if (config === undefined) throw new NotFoundError(`Connector ${name} not found`);
      if (this.#worker.connectorType(config) !== 'source')
        throw new BadRequestError(`Connector ${name} is not a source connector`);
      await this.#eos?.fenceAsLeader(name, this.client, async (count) => {
        await this.#configs.putTaskCountRecord(name, count);
        await this.#configs.refresh();
      });
    });
  }

  /**
   * A task of this worker needs the fencing round before its producer starts: run here when this
   * worker leads, else sent to the leader, signed, with the REST layer's client (as Kafka's
   * worker does with its `RestClient`).
   * @internal exactly-once-support.ts
   */
  async requestFencing(name: string): Promise<void> {
    try {
      await this.#fenceOnLeader(name);
    } catch (err) {
      if (!(err instanceof NotLeaderError) || err.leaderUrl === undefined) throw err;
      const client = this.#workerClient;
      if (client === undefined)
        throw new ConnectError('No REST server serves this worker, so it cannot reach the leader');
      await client(err.leaderUrl, 'PUT', `/connectors/${enc(name)}/fence`, {
        forward: true,
        sign: (body) => this.#keys.sign(body),
      });
    }
  }

  /** Whether a task is assigned to this worker now. @internal exactly-once-support.ts */
  ownsTask(id: ConnectorTaskId): boolean {
    return this.#assignedTasks.has(taskIdString(id));
  }

  /** The generation of a connector's task configs this worker applied. @internal exactly-once-support.ts */
  taskConfigGeneration(connector: string): number | undefined {
    return this.#snapshot.taskConfigGeneration(connector);
  }

  /** The signature headers of an internal request this worker forwards, with its current key. */
  signInternalRequest(body: Uint8Array): Record<string, string> {
    return this.#keys.sign(body);
  }

  async #putTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    return this.#onLeader(async () => {
      const snapshot = this.#configs.snapshot();
      if (!snapshot.contains(name)) throw new NotFoundError(`Connector ${name} not found`);
      if (snapshot.targetState(name) === 'STOPPED' && configs.length > 0)
        throw new BadRequestError(
          `Cannot submit non-empty set of task configs for stopped connector ${name}`,
        );
      await this.#configs.putTaskConfigs(name, configs);
    });
  }

  async restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null> {
    if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Unknown connector: ${name}`);
    if (!request.includeTasks && !request.onlyFailed) {
      // The plain restart is executed by the connector's owner.
      await this.#afterPendingRebalance();
      if (this.#assignedConnectors.has(name)) {
        await this.#serial(() => this.#restartConnectorInstance(name));
        return null;
      }
      throw new NotAssignedError(
        `Cannot restart connector ${name} since it is not assigned to this member`,
        this.#ownerUrl((member) => member.connectorOwnerUrl(name)),
      );
    }
    return this.#onLeader(async () => {
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
    });
  }

  async restartTask(name: string, task: number): Promise<void> {
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
    throw new NotAssignedError(
      `Cannot restart task ${name}-${task} since it is not assigned to this member`,
      this.#ownerUrl((member) => member.taskOwnerUrl(id)),
    );
  }

  pauseConnector(name: string): Promise<void> {
    return this.#putTargetState(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#putTargetState(name, 'STARTED');
  }

  /** Leader: an empty task-config set first, then the STOPPED target state (KIP-875). */
  stopConnector(name: string): Promise<void> {
    return this.#onLeader(async () => {
      if (!this.#configs.snapshot().contains(name)) throw new NotFoundError(`Connector ${name} not found`);
      await this.#configs.putTaskConfigs(name, []);
      await this.#configs.putTargetState(name, 'STOPPED');
      await this.#configs.refresh();
    });
  }

  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message> {
    return this.#onLeader(async () => {
      const config = this.#requireStopped(name);
      await this.#eos?.fenceBeforeOffsetChange(name, config, this.client, (c) =>
        this.#worker.connectorType(c),
      );
      return alterOffsets(await this.#offsetsContext(config), name, config, offsets);
    });
  }

  resetConnectorOffsets(name: string): Promise<Message> {
    return this.#onLeader(async () => {
      const config = this.#requireStopped(name);
      await this.#eos?.fenceBeforeOffsetChange(name, config, this.client, (c) =>
        this.#worker.connectorType(c),
      );
      return resetOffsets(await this.#offsetsContext(config), name, config);
    });
  }

  /** The offsets API's context; a source connector's own offsets topic first. */
  async #offsetsContext(config: Record<string, string>): Promise<OffsetsContext> {
    const own =
      this.#worker.connectorType(config) === 'source'
        ? await this.#connectorOffsets?.offsetStore(config)
        : undefined;
    const offsets = own ?? this.#offsets;
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
   * herder thread does); else throws "not the leader" with the leader's URL, which the REST layer
   * forwards to (`rest/forwarding.ts`). No leader known (before the first assignment, or ours was
   * lost, or the last assignment named this worker while it no longer leads): no URL, a 409.
   */
  async #onLeader<T>(local: () => Promise<T>): Promise<T> {
    const member = this.#member;
    if (member === undefined || !this.#ready) throw new NotLeaderError('No leader known yet');
    const ran = await this.#serial(async () =>
      member.isLeader ? { value: await this.#leaderWrite(local) } : undefined,
    );
    if (ran !== undefined) return ran.value;
    const leaderUrl = sameUrl(member.leaderUrl, this.#restUrl) ? undefined : member.leaderUrl || undefined;
    throw new NotLeaderError(
      leaderUrl === undefined ? 'No leader known yet' : 'This worker is not the leader',
      leaderUrl,
    );
  }

  /**
   * Where a request for work this worker does not run goes: the owner's advertised REST URL (its
   * scheme included) when this worker leads, since only the leader has every member's URL (the
   * group's JoinGroup metadata, as Kafka's `WorkerCoordinator.ownerUrl`); on a follower, the
   * leader's URL, and the leader forwards on to the owner. Undefined (a 409) when neither is known
   * or the URL is this worker's own.
   */
  #ownerUrl(owner: (member: ConnectGroupMember) => string | undefined): string | undefined {
    const member = this.#member;
    if (member === undefined) return undefined;
    const url = member.isLeader ? owner(member) : member.leaderUrl;
    return url === undefined || url === '' || sameUrl(url, this.#restUrl) ? undefined : url;
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

  /**
   * Leader work on the queue (config-topic-privileges.ts): write privileges claimed again first
   * when a write was fenced; a fenced write queues the next claim and fails the request.
   */
  async #leaderWrite<T>(work: () => Promise<T>): Promise<T> {
    await this.#privileges.reclaimIfFenced(this.isLeader);
    return this.#privileges.write(work, () => {
      this.#serial(() => this.#privileges.reclaimIfFenced(this.isLeader)).catch(() => {});
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  // -------------------------------------------------------------------------------------------
  // Internal request signing (KIP-507): the key's life cycle is in session-keys.ts

  /** Signing is on while the group runs the `sessioned` protocol (before joining: as configured). */
  #requestValidationEnabled(): boolean {
    const protocol = this.#member?.currentProtocol ?? null;
    return protocol === null ? this.config.connectProtocol() === 'sessioned' : protocol === 'sessioned';
  }

  /** The session key currently used to sign and verify (null before one was read). */
  get sessionKey(): SessionKey | null {
    return this.#keys.current;
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
    // The leader claims the config topic's write privileges; a former leader lets them go.
    await this.#privileges.assigned(this.#member?.isLeader === true);
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
    this.logger.info(`Starting connectors and tasks using config offset ${assignment.configOffset}`);
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
    this.logger.info('Finished starting connectors and tasks');
    const leader = this.#member?.isLeader === true;
    if (leader) await this.#cleanUpStatuses(snapshot);
    this.#rebalanceDone();
    this.#keys.scheduleCheck(0);
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
        await this.#sendTaskConfigs(name, configs);
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

  /**
   * Writes task configs (leader), or sends them to the leader as Kafka's follower does
   * (`POST /connectors/{c}/tasks?forward=true`, signed with the session key) with the REST
   * layer's client. No leader known: NotLeaderError, and the caller retries.
   */
  async #sendTaskConfigs(name: string, configs: Record<string, string>[]): Promise<void> {
    try {
      await this.#putTaskConfigs(name, configs);
    } catch (err) {
      if (!(err instanceof NotLeaderError) || err.leaderUrl === undefined) throw err;
      const client = this.#workerClient;
      if (client === undefined)
        throw new ConnectError('No REST server serves this worker, so it cannot reach the leader');
      this.logger.debug({ leaderUrl: err.leaderUrl }, `Sending the task configs of ${name} to the leader`);
      await client(err.leaderUrl, 'POST', `/connectors/${enc(name)}/tasks`, {
        body: configs,
        forward: true,
        sign: (body) => this.#keys.sign(body),
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Config topic changes (Kafka's `ConfigUpdateListener` + `updateConfigsWithIncrementalCooperative`)

  #onConfigChange(change: ConfigChange): void {
    if (change.type === 'logger-level-updated') {
      // Kafka's onLoggingLevelUpdate: applied at once, as a worker-scope change would be.
      const loggers = this.#loggers ?? loggerRegistryFor(this.logger);
      const changed = loggers.setLevel(change.namespace, change.level);
      this.logger.info(
        `Applied the cluster-wide log level ${change.level} of ${change.namespace} (${changed.length} loggers changed)`,
      );
      return;
    }
    if (change.type === 'session-key-updated') {
      // Applied at once (Kafka: under the herder's lock), not behind queued work.
      this.logger.info('Session key updated');
      this.#keys.set(change.sessionKey);
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
