import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/api';
import { type ConnectorTaskId, parseDashedTaskId } from '../connector-task-id.ts';
import { decodeSchemaless, encodeStruct, encodeWithSchema, isRecord } from './internal-json.ts';

/**
 * Records of the status topic (`status.storage.topic`), as Kafka Connect writes them:
 * `status-connector-<name>` and `status-task-<name>-<n>` hold
 * `{"state":...,"trace":...,"worker_id":...,"generation":n}`;
 * `status-topic-<topic>:connector-<name>` holds the active-topic record
 * `{"topic":{"name":...,"connector":...,"task":n,"discoverTimestamp":ms}}`.
 * A DESTROYED status, and a deleted topic record, are written as tombstones.
 */

export const CONNECTOR_STATUS_PREFIX = 'status-connector-';
export const TASK_STATUS_PREFIX = 'status-task-';
export const TOPIC_STATUS_PREFIX = 'status-topic-';
export const TOPIC_STATUS_SEPARATOR = ':connector-';

/** Connector and task states (`AbstractStatus.State`). DESTROYED is never stored: it is a tombstone. */
export type StatusState =
  | 'UNASSIGNED'
  | 'RUNNING'
  | 'PAUSED'
  | 'FAILED'
  | 'DESTROYED'
  | 'RESTARTING'
  | 'STOPPED';
export const STATUS_STATES: readonly StatusState[] = [
  'UNASSIGNED',
  'RUNNING',
  'PAUSED',
  'FAILED',
  'DESTROYED',
  'RESTARTING',
  'STOPPED',
];

export interface Status {
  readonly state: StatusState;
  /** The failure's stack trace (FAILED only), else null. */
  readonly trace: string | null;
  /** The worker id, `<advertised host>:<port>`. */
  readonly workerId: string;
  /** The writer's group generation (0 in standalone). */
  readonly generation: number;
  /** The plugin version (KIP-891, Kafka 4.1); written only when known. */
  readonly version?: string | null;
}

/** A topic a connector's task used (KIP-558 active topics). */
export interface TopicStatus {
  readonly topic: string;
  readonly connector: string;
  readonly task: number;
  /** Epoch milliseconds. */
  readonly discoverTimestamp: number;
}

const STATUS_SCHEMA_V0 = SchemaBuilder.struct()
  .field('state', Schema.STRING_SCHEMA)
  .field('trace', SchemaBuilder.string().optional().build())
  .field('worker_id', Schema.STRING_SCHEMA)
  .field('generation', Schema.INT32_SCHEMA)
  .build();
/** Kafka 4.1's status value with the plugin version (KIP-891). */
const STATUS_SCHEMA_WITH_VERSION = SchemaBuilder.struct()
  .field('state', Schema.STRING_SCHEMA)
  .field('trace', SchemaBuilder.string().optional().build())
  .field('worker_id', Schema.STRING_SCHEMA)
  .field('generation', Schema.INT32_SCHEMA)
  .field('version', SchemaBuilder.string().optional().build())
  .build();
const TOPIC_STATUS_VALUE_SCHEMA_V0 = SchemaBuilder.struct()
  .field('name', Schema.STRING_SCHEMA)
  .field('connector', Schema.STRING_SCHEMA)
  .field('task', Schema.INT32_SCHEMA)
  .field('discoverTimestamp', Schema.INT64_SCHEMA)
  .build();
const TOPIC_STATUS_SCHEMA_V0 = SchemaBuilder.map(Schema.STRING_SCHEMA, TOPIC_STATUS_VALUE_SCHEMA_V0).build();

export function connectorStatusKey(connector: string): string {
  return CONNECTOR_STATUS_PREFIX + connector;
}
export function taskStatusKey(id: ConnectorTaskId): string {
  return `${TASK_STATUS_PREFIX}${id.connector}-${id.task}`;
}
export function topicStatusKey(topic: string, connector: string): string {
  return TOPIC_STATUS_PREFIX + topic + TOPIC_STATUS_SEPARATOR + connector;
}

/** The value of a connector or task status; null (a tombstone) for DESTROYED. */
export function statusValue(status: Status): Uint8Array | null {
  if (!STATUS_STATES.includes(status.state))
    throw new DataError(
      `Invalid status state "${String(status.state)}"; expected one of ${STATUS_STATES.join(', ')}`,
    );
  if (status.state === 'DESTROYED') return null;
  if (
    !Number.isInteger(status.generation) ||
    status.generation < -2147483648 ||
    status.generation > 2147483647
  )
    throw new DataError(`Status generation must be an int32, got ${status.generation}`);
  const withVersion = typeof status.version === 'string';
  const struct = new Struct(withVersion ? STATUS_SCHEMA_WITH_VERSION : STATUS_SCHEMA_V0)
    .put('state', status.state)
    .put('trace', status.trace)
    .put('worker_id', status.workerId)
    .put('generation', status.generation);
  if (withVersion) struct.put('version', status.version);
  return encodeStruct(struct);
}

export function connectorStatusRecord(
  connector: string,
  status: Status,
): { key: string; value: Uint8Array | null } {
  return { key: connectorStatusKey(connector), value: statusValue(status) };
}

export function taskStatusRecord(
  id: ConnectorTaskId,
  status: Status,
): { key: string; value: Uint8Array | null } {
  return { key: taskStatusKey(id), value: statusValue(status) };
}

/** The active-topic record, or its tombstone when `status` is null. */
export function topicStatusRecord(
  topic: string,
  connector: string,
  status: TopicStatus | null,
): { key: string; value: Uint8Array | null } {
  const key = topicStatusKey(topic, connector);
  if (status === null) return { key, value: null };
  const struct = new Struct(TOPIC_STATUS_VALUE_SCHEMA_V0)
    .put('name', status.topic)
    .put('connector', status.connector)
    .put('task', status.task)
    .put('discoverTimestamp', status.discoverTimestamp);
  struct.validate();
  return { key, value: encodeWithSchema(TOPIC_STATUS_SCHEMA_V0, new Map([['topic', struct]])) };
}

/** A status-topic record read back. `removed` entries are tombstones. */
export type StatusRecord =
  | { readonly type: 'connector'; readonly connector: string; readonly status: Status | null }
  | { readonly type: 'task'; readonly id: ConnectorTaskId; readonly status: Status | null }
  | {
      readonly type: 'topic';
      readonly topic: string;
      readonly connector: string;
      readonly status: TopicStatus | null;
    }
  | { readonly type: 'ignored'; readonly key: string; readonly reason: string };

/**
 * Reads a status-topic record as Kafka's `KafkaStatusBackingStore` does; malformed keys and values
 * come back as `ignored` with the reason Kafka would log. A null status is a tombstone.
 */
export function parseStatusRecord(key: string, value: Uint8Array | null): StatusRecord {
  if (key.startsWith(CONNECTOR_STATUS_PREFIX)) {
    const connector = key.slice(CONNECTOR_STATUS_PREFIX.length);
    if (connector === '') return ignored(key, `Discarding record with invalid connector status key ${key}`);
    if (value === null) return { type: 'connector', connector, status: null };
    const status = readStatus(value);
    if (typeof status === 'string') return ignored(key, `Failed to deserialize connector status: ${status}`);
    return { type: 'connector', connector, status };
  }
  if (key.startsWith(TASK_STATUS_PREFIX)) {
    const id = parseDashedTaskId(key, 2);
    if (id === null) return ignored(key, `Discarding record with invalid task status key ${key}`);
    if (value === null) return { type: 'task', id, status: null };
    const status = readStatus(value);
    if (typeof status === 'string')
      return ignored(key, `Failed to parse task status with key ${key}: ${status}`);
    return { type: 'task', id, status };
  }
  if (key.startsWith(TOPIC_STATUS_PREFIX)) {
    const colon = key.indexOf(':');
    if (colon < TOPIC_STATUS_PREFIX.length)
      return ignored(key, `Discarding record with invalid topic status key ${key}`);
    const topic = key.slice(TOPIC_STATUS_PREFIX.length, colon);
    if (topic === '')
      return ignored(key, `Discarding record with invalid topic status key containing empty topic ${key}`);
    // Kafka skips the separator's length after the first ':' without checking its text.
    const connector = key.slice(colon + TOPIC_STATUS_SEPARATOR.length);
    if (colon + TOPIC_STATUS_SEPARATOR.length > key.length)
      return ignored(key, `Discarding record with invalid topic status key ${key}`);
    if (connector === '')
      return ignored(
        key,
        `Discarding record with invalid topic status key containing empty connector ${key}`,
      );
    if (value === null) return { type: 'topic', topic, connector, status: null };
    const status = readTopicStatus(value);
    if (typeof status === 'string')
      return ignored(key, `Failed to parse topic status with key ${key}: ${status}`);
    return { type: 'topic', topic, connector, status };
  }
  return ignored(key, `Discarding record with invalid key ${key}`);
}

function ignored(key: string, reason: string): StatusRecord {
  return { type: 'ignored', key, reason };
}

/** The status, or a string saying why it cannot be read. */
function readStatus(value: Uint8Array): Status | string {
  let decoded: unknown;
  try {
    decoded = decodeSchemaless(value);
  } catch (err) {
    return (err as Error).message;
  }
  if (!isRecord(decoded)) return 'the value is not a JSON object';
  const { state, trace, worker_id: workerId, generation, version } = decoded;
  if (typeof state !== 'string' || !STATUS_STATES.includes(state as StatusState))
    return `invalid state ${JSON.stringify(state)}`;
  if (trace !== null && trace !== undefined && typeof trace !== 'string') return 'trace is not a string';
  if (workerId !== null && workerId !== undefined && typeof workerId !== 'string')
    return 'worker_id is not a string';
  const gen = typeof generation === 'bigint' ? Number(BigInt.asIntN(32, generation)) : generation;
  if (typeof gen !== 'number' || !Number.isInteger(gen)) return 'generation is not an integer';
  return {
    state: state as StatusState,
    trace: (trace as string | null | undefined) ?? null,
    workerId: (workerId as string | null | undefined) ?? '',
    generation: gen | 0,
    ...(typeof version === 'string' ? { version } : {}),
  };
}

function readTopicStatus(value: Uint8Array): TopicStatus | string {
  let decoded: unknown;
  try {
    decoded = decodeSchemaless(value);
  } catch (err) {
    return (err as Error).message;
  }
  if (!isRecord(decoded)) return 'the value is not a JSON object';
  const inner = decoded.topic;
  if (!isRecord(inner)) return "field 'topic' is not a JSON object";
  const { name, connector, task, discoverTimestamp } = inner;
  if (typeof name !== 'string' || typeof connector !== 'string') return 'name and connector must be strings';
  if (typeof task !== 'number' || !Number.isInteger(task)) return 'task is not an integer';
  if (typeof discoverTimestamp !== 'number' || !Number.isInteger(discoverTimestamp))
    return 'discoverTimestamp is not an integer';
  return { topic: name, connector, task: task | 0, discoverTimestamp };
}
