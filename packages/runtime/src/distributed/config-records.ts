import { type ConnectError, DataError, Schema, SchemaBuilder, Struct } from '@sluice/api';
import { type ConnectorTaskId, parseDashedTaskId } from '../connector-task-id.ts';
import { decodeSchemaless, encodeStruct, isRecord, javaClassName, javaIntValue } from './internal-json.ts';

/**
 * The records of the config topic (`config.storage.topic`), with Kafka Connect's exact keys and
 * values: keys are plain UTF-8 strings, values are Structs written by JsonConverter with
 * `schemas.enable=false` (so `{"properties":{...}}`, `{"tasks":2}`, ...), deletions are
 * tombstones. {@link parseConfigRecord} reads any of them back into a typed record.
 */

export const CONNECTOR_PREFIX = 'connector-';
export const TASK_PREFIX = 'task-';
export const COMMIT_TASKS_PREFIX = 'commit-';
export const TARGET_STATE_PREFIX = 'target-state-';
export const RESTART_PREFIX = 'restart-connector-';
export const TASK_COUNT_RECORD_PREFIX = 'tasks-fencing-';
export const SESSION_KEY_KEY = 'session-key';
export const LOGGER_CLUSTER_PREFIX = 'logger-cluster-';

/** A connector's target state. STOPPED is written with the legacy `state` field saying PAUSED. */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';
export const TARGET_STATES: readonly TargetState[] = ['STARTED', 'PAUSED', 'STOPPED'];

/**
 * A raw connector or task configuration as stored (placeholders such as `${file:...}` unresolved).
 * Kafka's schema allows null values (`map(string, optional string)`), so they are kept.
 */
export type RawConfig = Readonly<Record<string, string | null>>;

/** A record to produce to (or as read from) the config topic; a null value is a tombstone. */
export interface ConfigTopicRecord {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** The inter-worker signing key (KIP-507), as stored under `session-key`. */
export interface SessionKey {
  /** The raw key bytes (stored base64-encoded). */
  readonly key: Uint8Array;
  /** A JCA algorithm name, e.g. `HmacSHA256`. */
  readonly algorithm: string;
  /** Epoch milliseconds. */
  readonly creationTimestamp: number;
}

// The value schemas, field for field as Kafka Connect declares them.
const PROPERTIES_SCHEMA = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).build();
const CONNECTOR_CONFIGURATION_V0 = SchemaBuilder.struct().field('properties', PROPERTIES_SCHEMA).build();
const TASK_CONFIGURATION_V0 = CONNECTOR_CONFIGURATION_V0;
const CONNECTOR_TASKS_COMMIT_V0 = SchemaBuilder.struct().field('tasks', Schema.INT32_SCHEMA).build();
const TARGET_STATE_V1 = SchemaBuilder.struct()
  .field('state', Schema.STRING_SCHEMA)
  .field('state.v2', Schema.OPTIONAL_STRING_SCHEMA)
  .build();
const TASK_COUNT_RECORD_V0 = SchemaBuilder.struct().field('task-count', Schema.INT32_SCHEMA).build();
const SESSION_KEY_V0 = SchemaBuilder.struct()
  .field('key', Schema.STRING_SCHEMA)
  .field('algorithm', Schema.STRING_SCHEMA)
  .field('creation-timestamp', Schema.INT64_SCHEMA)
  .build();
const RESTART_REQUEST_V0 = SchemaBuilder.struct()
  .field('include-tasks', Schema.BOOLEAN_SCHEMA)
  .field('only-failed', Schema.BOOLEAN_SCHEMA)
  .build();
const LOGGER_LEVEL_V0 = SchemaBuilder.struct().field('level', Schema.STRING_SCHEMA).build();

// ---------------------------------------------------------------------------------------------
// Keys

export function connectorKey(connector: string): string {
  return CONNECTOR_PREFIX + connector;
}
export function taskKey(id: ConnectorTaskId): string {
  return `${TASK_PREFIX}${id.connector}-${id.task}`;
}
export function commitTasksKey(connector: string): string {
  return COMMIT_TASKS_PREFIX + connector;
}
export function targetStateKey(connector: string): string {
  return TARGET_STATE_PREFIX + connector;
}
export function restartKey(connector: string): string {
  return RESTART_PREFIX + connector;
}
export function taskCountRecordKey(connector: string): string {
  return TASK_COUNT_RECORD_PREFIX + connector;
}
export function loggerClusterKey(namespace: string): string {
  return LOGGER_CLUSTER_PREFIX + namespace;
}

// ---------------------------------------------------------------------------------------------
// Writing

function propertiesStruct(schema: typeof CONNECTOR_CONFIGURATION_V0, properties: RawConfig): Struct {
  const map = new Map<string, string | null>();
  for (const [k, v] of Object.entries(properties)) {
    if (v !== null && typeof v !== 'string')
      throw new DataError(`Config property "${k}" must be a string or null, but is ${typeof v}`);
    map.set(k, v);
  }
  return new Struct(schema).put('properties', map);
}

/** `connector-<name>` = `{"properties":{...}}`: a connector's (raw) configuration. */
export function connectorConfigRecord(connector: string, properties: RawConfig): ConfigTopicRecord {
  return {
    key: connectorKey(connector),
    value: encodeStruct(propertiesStruct(CONNECTOR_CONFIGURATION_V0, properties)),
  };
}

/**
 * Deleting a connector: tombstones for `connector-<name>` and `target-state-<name>`, in that
 * order, written in one batch as Kafka does.
 */
export function connectorDeletionRecords(connector: string): ConfigTopicRecord[] {
  return [
    { key: connectorKey(connector), value: null },
    { key: targetStateKey(connector), value: null },
  ];
}

/** `task-<name>-<n>` = `{"properties":{...}}`: one task's configuration, applied only by a later commit. */
export function taskConfigRecord(id: ConnectorTaskId, properties: RawConfig): ConfigTopicRecord {
  checkTaskNumber(id.task, 'task');
  return { key: taskKey(id), value: encodeStruct(propertiesStruct(TASK_CONFIGURATION_V0, properties)) };
}

/** `commit-<name>` = `{"tasks":n}`: applies the task configs written before it; n is the task count. */
export function commitTasksRecord(connector: string, tasks: number): ConfigTopicRecord {
  checkTaskNumber(tasks, 'tasks');
  return {
    key: commitTasksKey(connector),
    value: encodeStruct(new Struct(CONNECTOR_TASKS_COMMIT_V0).put('tasks', tasks)),
  };
}

/**
 * A connector's task configurations as the leader publishes them: `task-<name>-<i>` for i from 0,
 * then `commit-<name>` with the count. (Kafka reads the topic to its end between the task records
 * and the commit; the caller that produces these does the same.)
 */
export function taskConfigRecords(connector: string, configs: readonly RawConfig[]): ConfigTopicRecord[] {
  const records = configs.map((config, task) => taskConfigRecord({ connector, task }, config));
  records.push(commitTasksRecord(connector, configs.length));
  return records;
}

/**
 * `target-state-<name>` = `{"state":...,"state.v2":...}`. For STOPPED the legacy `state` field
 * says PAUSED, so workers that predate STOPPED pause the connector instead.
 */
export function targetStateRecord(connector: string, state: TargetState): ConfigTopicRecord {
  if (!TARGET_STATES.includes(state))
    throw new DataError(
      `Invalid target state "${String(state)}"; expected one of ${TARGET_STATES.join(', ')}`,
    );
  const struct = new Struct(TARGET_STATE_V1)
    .put('state', state === 'STOPPED' ? 'PAUSED' : state)
    .put('state.v2', state);
  return { key: targetStateKey(connector), value: encodeStruct(struct) };
}

/** `restart-connector-<name>` = `{"include-tasks":b,"only-failed":b}`. */
export function restartRequestRecord(
  connector: string,
  request: { includeTasks: boolean; onlyFailed: boolean },
): ConfigTopicRecord {
  const struct = new Struct(RESTART_REQUEST_V0)
    .put('include-tasks', request.includeTasks)
    .put('only-failed', request.onlyFailed);
  return { key: restartKey(connector), value: encodeStruct(struct) };
}

/** `tasks-fencing-<name>` = `{"task-count":n}` (exactly-once source support). */
export function taskCountRecord(connector: string, taskCount: number): ConfigTopicRecord {
  checkTaskNumber(taskCount, 'task-count');
  return {
    key: taskCountRecordKey(connector),
    value: encodeStruct(new Struct(TASK_COUNT_RECORD_V0).put('task-count', taskCount)),
  };
}

/** `session-key` = `{"key":base64,"algorithm":...,"creation-timestamp":ms}`. */
export function sessionKeyRecord(sessionKey: SessionKey): ConfigTopicRecord {
  if (!Number.isSafeInteger(sessionKey.creationTimestamp))
    throw new DataError(
      `Session key creation-timestamp must be an integer, got ${sessionKey.creationTimestamp}`,
    );
  const struct = new Struct(SESSION_KEY_V0)
    .put('key', Buffer.from(sessionKey.key).toString('base64'))
    .put('algorithm', sessionKey.algorithm)
    .put('creation-timestamp', sessionKey.creationTimestamp);
  return { key: SESSION_KEY_KEY, value: encodeStruct(struct) };
}

/** `logger-cluster-<namespace>` = `{"level":...}`: a cluster-wide log level (KIP-976). */
export function loggerLevelRecord(namespace: string, level: string): ConfigTopicRecord {
  return {
    key: loggerClusterKey(namespace),
    value: encodeStruct(new Struct(LOGGER_LEVEL_V0).put('level', level)),
  };
}

function checkTaskNumber(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 2147483647)
    throw new DataError(`The ${what} number must be a non-negative int32, got ${n}`);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One config-topic record, read back. `ignored` is what Kafka logs and skips. */
export type ConfigRecord =
  | { readonly type: 'connector-config'; readonly connector: string; readonly properties: RawConfig }
  | { readonly type: 'connector-removed'; readonly connector: string }
  | { readonly type: 'task-config'; readonly id: ConnectorTaskId; readonly properties: RawConfig }
  | { readonly type: 'commit-tasks'; readonly connector: string; readonly tasks: number }
  | { readonly type: 'target-state'; readonly connector: string; readonly state: TargetState }
  | { readonly type: 'target-state-removed'; readonly connector: string }
  | {
      readonly type: 'restart-request';
      readonly connector: string;
      readonly includeTasks: boolean;
      readonly onlyFailed: boolean;
    }
  | { readonly type: 'task-count'; readonly connector: string; readonly taskCount: number }
  | { readonly type: 'session-key'; readonly sessionKey: SessionKey }
  | { readonly type: 'logger-level'; readonly namespace: string; readonly level: string }
  | {
      readonly type: 'ignored';
      readonly key: string;
      readonly reason: string;
      /**
       * True when the value was not JSON at all. Kafka then skips the record *without* advancing
       * its config offset (it sets the offset after converting the value), so neither do we.
       */
      readonly unreadable: boolean;
    };

const ignored = (key: string, reason: string, unreadable = false): ConfigRecord => ({
  type: 'ignored',
  key,
  reason,
  unreadable,
});

/**
 * Reads one config-topic record as Kafka Connect's `KafkaConfigBackingStore` does: the key's
 * prefix picks the kind (checked in Kafka's order), the value is decoded schemaless and its
 * fields checked; anything malformed comes back as `ignored` with the reason Kafka would log.
 */
export function parseConfigRecord(key: string, value: Uint8Array | null): ConfigRecord {
  let decoded: unknown;
  try {
    decoded = decodeSchemaless(value);
  } catch (err) {
    return ignored(
      key,
      `Failed to convert config data to Kafka Connect format: ${(err as ConnectError).message}`,
      true,
    );
  }
  if (key.startsWith(TARGET_STATE_PREFIX))
    return readTargetState(key, key.slice(TARGET_STATE_PREFIX.length), decoded);
  if (key.startsWith(CONNECTOR_PREFIX))
    return readConnectorConfig(key, key.slice(CONNECTOR_PREFIX.length), decoded);
  if (key.startsWith(TASK_PREFIX)) {
    const id = parseDashedTaskId(key, 1);
    if (id === null)
      return ignored(
        key,
        `Ignoring task configuration because ${key} couldn't be parsed as a task config key`,
      );
    return readTaskConfig(key, id, decoded);
  }
  if (key.startsWith(COMMIT_TASKS_PREFIX)) {
    const connector = key.slice(COMMIT_TASKS_PREFIX.length);
    if (!isRecord(decoded))
      return ignored(
        key,
        `Ignoring connector tasks configuration commit for connector '${connector}' because it is in the wrong format: ${javaClassName(decoded)}`,
      );
    const tasks = javaIntValue(decoded.tasks);
    if (tasks === null) return ignored(key, 'Expected integer value to be either Integer or Long');
    return { type: 'commit-tasks', connector, tasks };
  }
  if (key.startsWith(RESTART_PREFIX)) {
    const connector = key.slice(RESTART_PREFIX.length);
    if (!isRecord(decoded))
      return ignored(
        key,
        `Ignoring restart request because the value is not a Map but is ${javaClassName(decoded)}`,
      );
    // Missing or non-boolean fields default to false, as in Kafka.
    const includeTasks = decoded['include-tasks'];
    const onlyFailed = decoded['only-failed'];
    return {
      type: 'restart-request',
      connector,
      includeTasks: typeof includeTasks === 'boolean' ? includeTasks : false,
      onlyFailed: typeof onlyFailed === 'boolean' ? onlyFailed : false,
    };
  }
  if (key.startsWith(TASK_COUNT_RECORD_PREFIX)) {
    const connector = key.slice(TASK_COUNT_RECORD_PREFIX.length);
    if (!isRecord(decoded))
      return ignored(
        key,
        `Ignoring task count record for connector '${connector}' because it is in the wrong format: ${javaClassName(decoded)}`,
      );
    const taskCount = javaIntValue(decoded['task-count']);
    if (taskCount === null) return ignored(key, 'Expected integer value to be either Integer or Long');
    return { type: 'task-count', connector, taskCount };
  }
  if (key === SESSION_KEY_KEY) return readSessionKey(key, decoded);
  if (key.startsWith(LOGGER_CLUSTER_PREFIX)) {
    const namespace = key.slice(LOGGER_CLUSTER_PREFIX.length);
    if (decoded === null)
      return ignored(
        key,
        `Ignoring logging level for namespace ${namespace} because it is unexpectedly null`,
      );
    if (!isRecord(decoded))
      return ignored(
        key,
        `Ignoring logging level for namespace ${namespace} because the value is not a Map but is ${javaClassName(decoded)}`,
      );
    const level = decoded.level;
    if (typeof level !== 'string')
      return ignored(
        key,
        `Invalid data for logging level key 'level' field with namespace ${namespace}; should be a String but it is ${javaClassName(level)}`,
      );
    return { type: 'logger-level', namespace, level };
  }
  return ignored(key, `Discarding config update record with invalid key: ${key}`);
}

function readTargetState(key: string, connector: string, decoded: unknown): ConfigRecord {
  if (decoded === null) return { type: 'target-state-removed', connector };
  if (!isRecord(decoded))
    return ignored(
      key,
      `Ignoring target state for connector '${connector}' because it is in the wrong format: ${javaClassName(decoded)}`,
    );
  // Prefer state.v2 (knows STOPPED); fall back on the legacy field written by older workers.
  let state: unknown = decoded['state.v2'];
  if (state !== null && state !== undefined && typeof state !== 'string') state = null;
  if (state === null || state === undefined) {
    state = decoded.state;
    if (typeof state !== 'string')
      return ignored(
        key,
        `Invalid data for target state for connector '${connector}': 'state' field should be a String but is ${javaClassName(state)}`,
      );
  }
  if (!TARGET_STATES.includes(state as TargetState))
    return ignored(key, `Invalid target state for connector '${connector}': ${String(state)}`);
  return { type: 'target-state', connector, state: state as TargetState };
}

function readConnectorConfig(key: string, connector: string, decoded: unknown): ConfigRecord {
  if (decoded === null) return { type: 'connector-removed', connector };
  if (!isRecord(decoded))
    return ignored(
      key,
      `Ignoring configuration for connector '${connector}' because it is in the wrong format: ${javaClassName(decoded)}`,
    );
  const properties = readProperties(decoded.properties);
  if (properties === null)
    return ignored(
      key,
      `Invalid data for config for connector '${connector}': 'properties' field should be a Map of strings but is ${javaClassName(decoded.properties)}`,
    );
  return { type: 'connector-config', connector, properties };
}

function readTaskConfig(key: string, id: ConnectorTaskId, decoded: unknown): ConfigRecord {
  const name = `${id.connector}-${id.task}`;
  if (decoded === null)
    return ignored(key, `Ignoring task configuration for task ${name} because it is unexpectedly null`);
  if (!isRecord(decoded))
    return ignored(
      key,
      `Ignoring task configuration for task ${name} because the value is not a Map but is ${javaClassName(decoded)}`,
    );
  const properties = readProperties(decoded.properties);
  if (properties === null)
    return ignored(
      key,
      `Invalid data for config of task ${name} 'properties' field should be a Map of strings but is ${javaClassName(decoded.properties)}`,
    );
  return { type: 'task-config', id, properties };
}

function readSessionKey(key: string, decoded: unknown): ConfigRecord {
  if (decoded === null) return ignored(key, 'Ignoring session key because it is unexpectedly null');
  if (!isRecord(decoded))
    return ignored(
      key,
      `Ignoring session key because the value is not a Map but is ${javaClassName(decoded)}`,
    );
  const encodedKey = decoded.key;
  if (typeof encodedKey !== 'string')
    return ignored(
      key,
      `Invalid data for session key 'key' field should be a String but is ${javaClassName(encodedKey)}`,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encodedKey) || encodedKey.length % 4 !== 0)
    return ignored(key, "Invalid data for session key 'key' field: not base64");
  const algorithm = decoded.algorithm;
  if (typeof algorithm !== 'string')
    return ignored(
      key,
      `Invalid data for session key 'algorithm' field should be a String but it is ${javaClassName(algorithm)}`,
    );
  const ts = decoded['creation-timestamp'];
  if (!(typeof ts === 'number' && Number.isInteger(ts)))
    return ignored(
      key,
      `Invalid data for session key 'creation-timestamp' field should be a long but it is ${javaClassName(ts)}`,
    );
  return {
    type: 'session-key',
    sessionKey: { key: new Uint8Array(Buffer.from(encodedKey, 'base64')), algorithm, creationTimestamp: ts },
  };
}

/** The `properties` map: string keys, string or null values (what Kafka's schema allows). */
function readProperties(value: unknown): RawConfig | null {
  if (!isRecord(value)) return null;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v !== 'string') return null;
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
