/**
 * The JSON shapes of Kafka Connect's REST API (reference §1.3), field names exact. Herders
 * return these; the REST layer serializes them unchanged.
 */
import type { ConfigInfos, ConfigKeyInfo } from '@sluice/api';
import type { ConnectorTaskId } from '../connector-task-id.ts';
import type { ConnectorType, ConnectState } from '../states.ts';

export type { ConnectorTaskId } from '../connector-task-id.ts';
export type { ConnectorType, ConnectState, InitialState, TargetState } from '../states.ts';
export type { ConfigInfos, ConfigKeyInfo };

/** `GET /connectors/{c}`. */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface ConnectorStatus {
  state: ConnectState;
  worker_id: string;
  /** The plugin version (KIP-891), null when not known; always present, as in Kafka 4.1. */
  version: string | null;
  /** Omitted when there is no trace. */
  trace?: string;
}

export interface TaskStatus extends ConnectorStatus {
  id: number;
}

/** `GET /connectors/{c}/status`. Tasks sorted by id. */
export interface ConnectorStateInfo {
  name: string;
  connector: ConnectorStatus;
  tasks: TaskStatus[];
  type: ConnectorType;
}

/** One element of `GET /connectors/{c}/tasks`. */
export interface TaskInfo {
  id: ConnectorTaskId;
  config: Record<string, string>;
}

/** One partition's offset in `GET/PATCH /connectors/{c}/offsets`. */
export interface ConnectorOffset {
  partition: Record<string, unknown>;
  offset: Record<string, unknown> | null;
}

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

export interface Message {
  message: string;
}

/** `GET /connector-plugins` element. `version` omitted when unknown. */
export interface PluginInfoJson {
  class: string;
  type: 'source' | 'sink' | 'converter' | 'header_converter' | 'transformation' | 'predicate';
  version?: string;
}

/** `GET /`. */
export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string;
}

/** `GET /health`. */
export interface WorkerStatus {
  status: 'healthy' | 'starting' | 'unhealthy';
  message: string;
}

/** `GET /connectors/{c}/topics`. */
export type ActiveTopics = Record<string, { topics: string[] }>;

/** Restart request flags (KIP-745). */
export interface RestartRequest {
  includeTasks: boolean;
  onlyFailed: boolean;
}
