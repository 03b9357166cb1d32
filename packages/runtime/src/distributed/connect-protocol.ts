import { ConfigError, DataError } from '@sluice/api';
import type { ConnectProtocolMode } from '../config/distributed-config.ts';
import type { ConnectorTaskId } from '../connector-task-id.ts';
import { ProtocolReader, ProtocolWriter } from './protocol-buffer.ts';

/**
 * Kafka Connect's group sub-protocols (`ConnectProtocol`, `IncrementalCooperativeConnectProtocol`):
 * the member metadata a worker sends in JoinGroup and the assignment the leader sends back in
 * SyncGroup, in Kafka's binary Struct encoding, so Java workers and Sluice workers can share one
 * group. Every blob starts with an int16 version; readers accept any version >= 0 and read the
 * fields they know.
 */

/** The group's protocol type in JoinGroup. */
export const CONNECT_PROTOCOL_TYPE = 'connect';

/** `connect.protocol` values, each with the sub-protocol name and version it stands for. */
export const CONNECT_PROTOCOLS = {
  eager: { name: 'default', version: 0 },
  compatible: { name: 'compatible', version: 1 },
  sessioned: { name: 'sessioned', version: 2 },
} as const satisfies Record<ConnectProtocolMode, { name: string; version: number }>;
export type ConnectSubProtocol = (typeof CONNECT_PROTOCOLS)[ConnectProtocolMode]['name'];

/** A task id of -1 in an assignment stands for the connector instance itself. */
export const CONNECTOR_TASK = -1;

/** Assignment error codes. */
export const ASSIGNMENT_NO_ERROR = 0;
/** The leader's config was behind a member's: read the config topic to the end and rejoin. */
export const ASSIGNMENT_CONFIG_MISMATCH = 1;

/**
 * An assignment (Kafka's `ExtendedAssignment`; v0 has no revocations or delay). In cooperative
 * mode it is the delta: what to start (`connectors`, `tasks`) and what to stop (`revoked*`).
 */
export interface ConnectAssignment {
  readonly version: number;
  readonly error: number;
  /** The leader's member id. */
  readonly leader: string;
  /** The leader's advertised REST URL. */
  readonly leaderUrl: string;
  /** The config offset the assignment was computed at. */
  readonly configOffset: number;
  readonly connectors: readonly string[];
  readonly tasks: readonly ConnectorTaskId[];
  readonly revokedConnectors: readonly string[];
  readonly revokedTasks: readonly ConnectorTaskId[];
  /** Milliseconds after which the member should rejoin (a scheduled rebalance); 0 for none. */
  readonly delay: number;
}

/** What a worker says about itself in JoinGroup (`WorkerState` / `ExtendedWorkerState`). */
export interface WorkerMetadata {
  readonly version: number;
  /** The worker's advertised REST URL. */
  readonly url: string;
  /** How far the worker has read the config topic (next offset to read). */
  readonly configOffset: number;
  /** v1+: the worker's current full assignment; null when it has none (always null in v0). */
  readonly allocation: ConnectAssignment | null;
}

// ---------------------------------------------------------------------------------------------
// Member metadata

/**
 * Member metadata. v0: version, url, config-offset. v1/v2 add `allocation`: the current
 * assignment serialised as an assignment blob of the same version, or null bytes.
 */
export function encodeWorkerMetadata(metadata: Omit<WorkerMetadata, 'version'>, version: number): Uint8Array {
  checkVersion(version);
  const w = new ProtocolWriter().int16(version).string(metadata.url).int64(metadata.configOffset);
  if (version >= 1)
    w.nullableBytes(metadata.allocation === null ? null : encodeAssignment(metadata.allocation, version));
  return w.toBytes();
}

export function decodeWorkerMetadata(bytes: Uint8Array): WorkerMetadata {
  const r = new ProtocolReader(bytes);
  const version = readVersion(r);
  const url = r.string('url');
  const configOffset = toOffset(r.int64('config-offset'), 'config-offset');
  let allocation: ConnectAssignment | null = null;
  // v1+ tolerates a missing trailing allocation field (default null).
  if (version >= 1 && r.remaining > 0) {
    const blob = r.nullableBytes('allocation');
    allocation = blob === null ? null : decodeAssignment(blob);
  }
  return { version, url, configOffset, allocation };
}

/**
 * The protocols a worker offers in JoinGroup for its `connect.protocol`, most preferred first:
 * sessioned ⇒ [sessioned, compatible, default]; compatible ⇒ [compatible, default]; eager ⇒ [default].
 */
export function joinGroupProtocols(
  mode: ConnectProtocolMode,
  state: Omit<WorkerMetadata, 'version'>,
): { name: ConnectSubProtocol; metadata: Uint8Array }[] {
  if (!(mode in CONNECT_PROTOCOLS))
    throw ConfigError.invalidValue(
      'connect.protocol',
      mode,
      'String must be one of: eager, compatible, sessioned',
    );
  const offered: ConnectProtocolMode[] =
    mode === 'sessioned'
      ? ['sessioned', 'compatible', 'eager']
      : mode === 'compatible'
        ? ['compatible', 'eager']
        : ['eager'];
  return offered.map((m) => {
    const { name, version } = CONNECT_PROTOCOLS[m];
    return {
      name,
      metadata: encodeWorkerMetadata(version === 0 ? { ...state, allocation: null } : state, version),
    };
  });
}

/** The version a sub-protocol name stands for; throws for an unknown name. */
export function protocolVersion(name: string): number {
  for (const p of Object.values(CONNECT_PROTOCOLS)) if (p.name === name) return p.version;
  throw new DataError(`Unknown Connect sub-protocol "${name}"; expected default, compatible or sessioned`);
}

// ---------------------------------------------------------------------------------------------
// Assignment

/**
 * Assignment. v0: version, error, leader, leader-url, config-offset, assignment
 * `[{connector, tasks:[int32]}]`. v1/v2 add `revoked` (same shape) and `delay` (int32). Entries
 * list each connector once, its own instance as task -1 first, then its tasks in the order given.
 */
export function encodeAssignment(
  assignment: ConnectAssignment,
  version: number = assignment.version,
): Uint8Array {
  checkVersion(version);
  const w = new ProtocolWriter()
    .int16(version)
    .int16(assignment.error)
    .string(assignment.leader)
    .string(assignment.leaderUrl)
    .int64(assignment.configOffset);
  writeEntries(w, assignment.connectors, assignment.tasks);
  if (version >= 1) {
    writeEntries(w, assignment.revokedConnectors, assignment.revokedTasks);
    w.int32(assignment.delay);
  }
  return w.toBytes();
}

export function decodeAssignment(bytes: Uint8Array): ConnectAssignment {
  const r = new ProtocolReader(bytes);
  const version = readVersion(r);
  const error = r.int16('error');
  const leader = r.string('leader');
  const leaderUrl = r.string('leader-url');
  const configOffset = toOffset(r.int64('config-offset'), 'config-offset');
  if (version === 0) {
    const assigned = readEntries(r, 'assignment');
    if (assigned === null)
      throw new DataError("Error reading field 'assignment': null is not allowed in version 0");
    return {
      version,
      error,
      leader,
      leaderUrl,
      configOffset,
      ...assigned,
      revokedConnectors: [],
      revokedTasks: [],
      delay: 0,
    };
  }
  // v1+: the trailing fields may be missing and then take their defaults (null lists, delay 0).
  const assigned = r.remaining > 0 ? readEntries(r, 'assignment') : null;
  const revoked = r.remaining > 0 ? readEntries(r, 'revoked') : null;
  const delay = r.remaining > 0 ? r.int32('delay') : 0;
  return {
    version,
    error,
    leader,
    leaderUrl,
    configOffset,
    connectors: assigned?.connectors ?? [],
    tasks: assigned?.tasks ?? [],
    revokedConnectors: revoked?.connectors ?? [],
    revokedTasks: revoked?.tasks ?? [],
    delay,
  };
}

function writeEntries(
  w: ProtocolWriter,
  connectors: readonly string[],
  tasks: readonly ConnectorTaskId[],
): void {
  const entries = new Map<string, number[]>();
  for (const c of connectors) if (!entries.has(c)) entries.set(c, [CONNECTOR_TASK]);
  for (const t of tasks) {
    if (!Number.isInteger(t.task) || t.task < 0)
      throw new DataError(`Task number of ${t.connector} must be a non-negative integer, got ${t.task}`);
    const list = entries.get(t.connector);
    if (list === undefined) entries.set(t.connector, [t.task]);
    else list.push(t.task);
  }
  w.array([...entries], (ww, [connector, ids]) => {
    ww.string(connector);
    ww.array(ids, (www, id) => www.int32(id));
  });
}

function readEntries(
  r: ProtocolReader,
  field: string,
): { connectors: string[]; tasks: ConnectorTaskId[] } | null {
  const connectors: string[] = [];
  const tasks: ConnectorTaskId[] = [];
  const entries = r.array(field, (rr) => {
    const connector = rr.string('connector');
    const ids = rr.array('tasks', (rrr) => rrr.int32('tasks'));
    if (ids === null) throw new DataError(`Error reading field 'tasks' of ${connector}: null is not allowed`);
    return { connector, ids };
  });
  if (entries === null) return null;
  for (const { connector, ids } of entries) {
    for (const id of ids) {
      if (id === CONNECTOR_TASK) connectors.push(connector);
      else tasks.push({ connector, task: id });
    }
  }
  return { connectors, tasks };
}

function readVersion(r: ProtocolReader): number {
  const version = r.int16('version');
  if (version < 0) throw new DataError(`Unsupported subscription version: ${version}`);
  return version;
}

function checkVersion(version: number): void {
  if (version !== 0 && version !== 1 && version !== 2)
    throw new DataError(`Connect protocol version must be 0, 1 or 2, got ${version}`);
}

function toOffset(v: bigint, field: string): number {
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new DataError(`Field '${field}' value ${v} is beyond what this worker can track`);
  return Number(v);
}
