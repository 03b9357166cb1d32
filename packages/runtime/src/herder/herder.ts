import type { LoggerRegistry } from '../logging/logger-registry.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import type {
  ConfigInfos,
  ConfigKeyInfo,
  ConnectorInfo,
  ConnectorOffsets,
  ConnectorStateInfo,
  InitialState,
  Message,
  RestartRequest,
  TaskInfo,
  TaskStatus,
} from './entities.ts';
import type { WorkerClient } from './worker-client.ts';

/**
 * An internal request (`POST /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`) as the REST
 * layer hands it to the herder, so that a distributed herder can check its KIP-507 signature.
 */
export interface InternalRequest {
  /** Request headers with lower-cased names (as Node gives them). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body bytes (empty when there is none): the signature covers exactly these. */
  readonly body: Uint8Array;
}

/** The result of creating or replacing a connector's config. */
export interface PutConnectorResult {
  /** True when the connector did not exist before (REST answers 201 + Location, else 200). */
  created: boolean;
  info: ConnectorInfo;
}

/**
 * What the REST API asks of a worker (Kafka's `Herder`). Standalone and distributed herders
 * implement it; the REST layer only maps these calls and their errors to HTTP.
 *
 * Errors, mapped to HTTP in one place by the REST layer: `NotFoundError` ⇒ 404,
 * `AlreadyExistsError` ⇒ 409, `BadRequestError` and `ConfigError` ⇒ 400,
 * `RebalanceNeededError` ⇒ 409, anything else ⇒ 500. A write this worker cannot serve throws
 * "not the leader" (`NotLeaderError` with the leader's URL) or "not the owner"
 * (`NotAssignedError` with the owner's URL, `herder/errors.ts`): the REST layer forwards the
 * request there (`rest/forwarding.ts`), or answers 409 when no URL is known. Error messages are
 * Kafka's (reference §1.2–§1.4), e.g. `Connector foo not found`.
 */
export interface Herder {
  /** The plugins this worker can run. */
  readonly plugins: PluginRegistry;
  /** `worker_id`: advertised `host:port`. */
  readonly workerId: string;

  /** Cluster id of the Kafka cluster (or of the embedded log). */
  kafkaClusterId(): Promise<string>;
  /** True once start-up has finished (health: `starting` before). */
  isReady(): boolean;
  /** Resolves when the herder can serve requests: it goes through the herder's request queue. */
  healthCheck(): Promise<void>;

  /** Names of all connectors, sorted. */
  connectors(): Promise<string[]>;
  /** Throws NotFoundError `Connector <c> not found`. */
  connectorInfo(name: string): Promise<ConnectorInfo>;
  /** The raw, unresolved config. */
  connectorConfig(name: string): Promise<Record<string, string>>;
  /**
   * Creates or replaces a connector. Validates first (invalid ⇒ BadRequestError with Kafka's
   * "Connector configuration is invalid and contains the following N error(s):" message).
   * `allowReplace=false` and the connector exists ⇒ AlreadyExistsError `Connector <n> already exists`.
   * `initialState` applies only when the connector is created.
   */
  putConnectorConfig(
    name: string,
    config: Record<string, string | null>,
    options: { allowReplace: boolean; initialState?: InitialState },
  ): Promise<PutConnectorResult>;
  /** Merges a patch (null removes a key) into the existing config; NotFoundError if missing. */
  patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo>;
  deleteConnector(name: string): Promise<void>;

  /** NotFoundError `No status found for connector <c>`. */
  connectorStatus(name: string): Promise<ConnectorStateInfo>;
  /** NotFoundError `No status found for task <c>-<n>`. */
  taskStatus(name: string, task: number): Promise<TaskStatus>;
  taskConfigs(name: string): Promise<TaskInfo[]>;

  /**
   * Restarts per KIP-745. Returns null for the plain connector restart (both flags false:
   * REST 204) and otherwise the status with the instances being restarted as RESTARTING (REST 202).
   */
  restartConnector(name: string, request: RestartRequest): Promise<ConnectorStateInfo | null>;
  /** NotFoundError `Unknown task: <c>-<n>` for a task that does not exist. */
  restartTask(name: string, task: number): Promise<void>;
  pauseConnector(name: string): Promise<void>;
  resumeConnector(name: string): Promise<void>;
  stopConnector(name: string): Promise<void>;

  /** Topics the connector has used (KIP-558). */
  connectorActiveTopics(name: string): Promise<string[]>;
  resetConnectorActiveTopics(name: string): Promise<void>;

  connectorOffsets(name: string): Promise<ConnectorOffsets>;
  /** Requires the connector STOPPED (BadRequestError otherwise). */
  alterConnectorOffsets(name: string, offsets: ConnectorOffsets): Promise<Message>;
  resetConnectorOffsets(name: string): Promise<Message>;

  /** `PUT /connector-plugins/{p}/config/validate`: always a ConfigInfos, errors inside. */
  validateConnectorConfig(config: Record<string, string | null>): Promise<ConfigInfos>;
  /** `GET /connector-plugins/{p}/config`: NotFoundError `Unknown plugin <p>.` */
  connectorPluginConfig(pluginName: string): Promise<ConfigKeyInfo[]>;

  /**
   * Internal `POST /connectors/{c}/tasks`: task configs a follower generated, written by the
   * leader. Distributed herders only; without it the endpoint answers 500 (standalone).
   * `request` carries the headers and body bytes for the signature check (KIP-507).
   */
  putTaskConfigs?(name: string, configs: Record<string, string>[], request?: InternalRequest): Promise<void>;
  /**
   * Internal `PUT /connectors/{c}/fence` (zombie fencing of exactly-once source tasks).
   * Distributed herders only; without it the endpoint answers 500 (standalone).
   */
  fenceZombieSourceTasks?(name: string, request?: InternalRequest): Promise<void>;

  /**
   * The headers that sign an internal request this worker sends on to another (KIP-507), for
   * exactly these body bytes: distributed herders, with the session key read last (none before
   * one was read).
   */
  signInternalRequest?(body: Uint8Array): Record<string, string>;
  /**
   * Hands the herder the REST layer's client to other workers, for the internal requests it sends
   * itself (a follower's task configs, to the leader). The REST server serving the herder calls it.
   */
  useWorkerClient?(client: WorkerClient): void;
  /**
   * `PUT /admin/loggers/{logger}?scope=cluster` (KIP-976), distributed: writes the level to the
   * config topic; every worker (this one included) applies it when it reads the record.
   */
  setClusterLoggerLevel?(namespace: string, level: string): Promise<void>;
  /**
   * Hands the herder the loggers the REST API shows and sets, for the cluster-wide levels it reads.
   * The REST server serving the herder calls it.
   */
  useLoggers?(loggers: LoggerRegistry): void;
}
