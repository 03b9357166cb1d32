import { type ConnectorTaskId, compareStrings } from '../connector-task-id.ts';
import {
  type ConfigRecord,
  parseConfigRecord,
  type RawConfig,
  type SessionKey,
  type TargetState,
} from './config-records.ts';

/** The config offset before any record was read (Kafka's `ClusterConfigState.NO_OFFSET`). */
export const NO_OFFSET = -1;

/**
 * An immutable snapshot of the cluster's configuration as read from the config topic (Kafka's
 * `ClusterConfigState`). Configs are raw: `${...}` placeholders are resolved by whoever runs them.
 */
export class ClusterConfigState {
  static readonly EMPTY: ClusterConfigState = new ClusterConfigState({
    offset: NO_OFFSET,
    sessionKey: null,
    connectorConfigs: new Map(),
    connectorTaskCounts: new Map(),
    connectorTargetStates: new Map(),
    taskConfigs: new Map(),
    taskCountRecords: new Map(),
    taskConfigGenerations: new Map(),
    appliedConnectorConfigs: new Map(),
    connectorsPendingFencing: new Set(),
    inconsistentConnectors: new Set(),
  });

  /** Offset of the next record to read (last consumed + 1); what the group protocol carries. */
  readonly offset: number;
  readonly sessionKey: SessionKey | null;
  readonly #connectorConfigs: ReadonlyMap<string, RawConfig>;
  readonly #connectorTaskCounts: ReadonlyMap<string, number>;
  readonly #connectorTargetStates: ReadonlyMap<string, TargetState>;
  readonly #taskConfigs: ReadonlyMap<string, ReadonlyMap<number, RawConfig>>;
  readonly #taskCountRecords: ReadonlyMap<string, number>;
  readonly #taskConfigGenerations: ReadonlyMap<string, number>;
  readonly #appliedConnectorConfigs: ReadonlyMap<string, RawConfig>;
  readonly #connectorsPendingFencing: ReadonlySet<string>;
  readonly #inconsistentConnectors: ReadonlySet<string>;

  constructor(parts: ClusterConfigStateParts) {
    this.offset = parts.offset;
    this.sessionKey = parts.sessionKey;
    this.#connectorConfigs = parts.connectorConfigs;
    this.#connectorTaskCounts = parts.connectorTaskCounts;
    this.#connectorTargetStates = parts.connectorTargetStates;
    this.#taskConfigs = parts.taskConfigs;
    this.#taskCountRecords = parts.taskCountRecords;
    this.#taskConfigGenerations = parts.taskConfigGenerations;
    this.#appliedConnectorConfigs = parts.appliedConnectorConfigs;
    this.#connectorsPendingFencing = parts.connectorsPendingFencing;
    this.#inconsistentConnectors = parts.inconsistentConnectors;
  }

  contains(connector: string): boolean {
    return this.#connectorConfigs.has(connector);
  }

  /** Names of every configured connector, sorted. */
  connectors(): string[] {
    return [...this.#connectorConfigs.keys()].sort(compareStrings);
  }

  rawConnectorConfig(connector: string): RawConfig | undefined {
    return this.#connectorConfigs.get(connector);
  }

  /** The connector config that the latest successfully committed task configs were generated from. */
  appliedConnectorConfig(connector: string): RawConfig | undefined {
    return this.#appliedConnectorConfigs.get(connector);
  }

  targetState(connector: string): TargetState | undefined {
    return this.#connectorTargetStates.get(connector);
  }

  rawTaskConfig(id: ConnectorTaskId): RawConfig | undefined {
    return this.#taskConfigs.get(id.connector)?.get(id.task);
  }

  /** The committed task count (0 when none was committed). */
  taskCount(connector: string): number {
    return this.#connectorTaskCounts.get(connector) ?? 0;
  }

  /** The connector's task ids `0..count-1`; none while the connector is inconsistent. */
  tasks(connector: string): ConnectorTaskId[] {
    if (this.#inconsistentConnectors.has(connector)) return [];
    const count = this.#connectorTaskCounts.get(connector);
    if (count === undefined) return [];
    return Array.from({ length: count }, (_, task) => ({ connector, task }));
  }

  /** The task count of the latest `tasks-fencing-<name>` record (exactly-once source). */
  taskCountRecord(connector: string): number | undefined {
    return this.#taskCountRecords.get(connector);
  }

  /** How many times task configs were committed for the connector since this worker started reading (0-based). */
  taskConfigGeneration(connector: string): number | undefined {
    return this.#taskConfigGenerations.get(connector);
  }

  /** True when task configs were committed after the latest task-count record (needs zombie fencing). */
  pendingFencing(connector: string): boolean {
    return this.#connectorsPendingFencing.has(connector);
  }

  /**
   * Connectors whose latest commit did not find all of its task configs (possible after
   * compaction or a leader failing mid-write): their old task configs stay, they have no tasks
   * until the leader regenerates them.
   */
  inconsistentConnectors(): string[] {
    return [...this.#inconsistentConnectors].sort(compareStrings);
  }
}

interface ClusterConfigStateParts {
  offset: number;
  sessionKey: SessionKey | null;
  connectorConfigs: ReadonlyMap<string, RawConfig>;
  connectorTaskCounts: ReadonlyMap<string, number>;
  connectorTargetStates: ReadonlyMap<string, TargetState>;
  /** Committed task configs by connector, then task number. */
  taskConfigs: ReadonlyMap<string, ReadonlyMap<number, RawConfig>>;
  taskCountRecords: ReadonlyMap<string, number>;
  taskConfigGenerations: ReadonlyMap<string, number>;
  appliedConnectorConfigs: ReadonlyMap<string, RawConfig>;
  connectorsPendingFencing: ReadonlySet<string>;
  inconsistentConnectors: ReadonlySet<string>;
}

/** What a config-topic record changed, for the herder (Kafka's `ConfigBackingStore.UpdateListener`). */
export type ConfigChange =
  | { readonly type: 'connector-config-updated'; readonly connector: string }
  | { readonly type: 'connector-config-removed'; readonly connector: string }
  /** Task configs committed; `tasks` lists the task configs applied (empty when the commit was inconsistent). */
  | { readonly type: 'task-configs-committed'; readonly connector: string; readonly tasks: ConnectorTaskId[] }
  | { readonly type: 'target-state-changed'; readonly connector: string; readonly state: TargetState }
  | {
      readonly type: 'restart-requested';
      readonly connector: string;
      readonly includeTasks: boolean;
      readonly onlyFailed: boolean;
    }
  | { readonly type: 'session-key-updated'; readonly sessionKey: SessionKey }
  | { readonly type: 'logger-level-updated'; readonly namespace: string; readonly level: string };

/** A config-topic record as consumed. */
export interface ConsumedConfigRecord {
  readonly key: string;
  readonly value: Uint8Array | null;
  readonly offset: number;
}

/**
 * The config topic read into memory, one record at a time in log order, following Kafka
 * Connect's reading rules: task configs are buffered per connector until `commit-<name>`; a
 * commit that does not find configs for tasks `0..n-1` marks the connector inconsistent (its old
 * task configs stay); a commit for a connector with no config is ignored; deleting a connector
 * drops its configs, task count and buffered task configs; a target-state tombstone for a
 * connector that still exists resets it to STARTED. {@link snapshot} gives an immutable view.
 */
export class ConfigTopicState {
  #offset = NO_OFFSET;
  #sessionKey: SessionKey | null = null;
  readonly #connectorConfigs = new Map<string, RawConfig>();
  readonly #connectorTaskCounts = new Map<string, number>();
  readonly #connectorTargetStates = new Map<string, TargetState>();
  readonly #taskConfigs = new Map<string, Map<number, RawConfig>>();
  readonly #deferredTaskUpdates = new Map<string, Map<number, RawConfig>>();
  readonly #taskCountRecords = new Map<string, number>();
  readonly #taskConfigGenerations = new Map<string, number>();
  readonly #appliedConnectorConfigs = new Map<string, RawConfig>();
  readonly #connectorsPendingFencing = new Set<string>();
  readonly #inconsistent = new Set<string>();

  /** Offset of the next record to read; {@link NO_OFFSET} before the first. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Applies one consumed record. Returns the parsed record and the change a listener should hear
   * about (null when nothing visible changed, e.g. a buffered task config or an ignored record).
   */
  apply(record: ConsumedConfigRecord): { record: ConfigRecord; change: ConfigChange | null } {
    const parsed = parseConfigRecord(record.key, record.value);
    // Kafka advances its offset only once the value converted, even if the record is then ignored.
    if (!(parsed.type === 'ignored' && parsed.unreadable)) this.#offset = record.offset + 1;
    return { record: parsed, change: this.#applyParsed(parsed) };
  }

  #applyParsed(r: ConfigRecord): ConfigChange | null {
    switch (r.type) {
      case 'connector-config':
        this.#connectorConfigs.set(r.connector, r.properties);
        // Connectors created before target states existed start out STARTED.
        if (!this.#connectorTargetStates.has(r.connector))
          this.#connectorTargetStates.set(r.connector, 'STARTED');
        return { type: 'connector-config-updated', connector: r.connector };
      case 'connector-removed':
        this.#removeConnector(r.connector);
        return { type: 'connector-config-removed', connector: r.connector };
      case 'task-config': {
        let deferred = this.#deferredTaskUpdates.get(r.id.connector);
        if (deferred === undefined) {
          deferred = new Map();
          this.#deferredTaskUpdates.set(r.id.connector, deferred);
        }
        deferred.set(r.id.task, r.properties);
        return null;
      }
      case 'commit-tasks':
        return this.#commitTasks(r.connector, r.tasks);
      case 'target-state': {
        const previous = this.#connectorTargetStates.get(r.connector);
        this.#connectorTargetStates.set(r.connector, r.state);
        // No notification for a connector that does not exist yet (an initial state written first).
        if (previous === r.state || !this.#connectorConfigs.has(r.connector)) return null;
        return { type: 'target-state-changed', connector: r.connector, state: r.state };
      }
      case 'target-state-removed':
        this.#connectorTargetStates.delete(r.connector);
        // Every existing connector keeps a valid target state.
        if (this.#connectorConfigs.has(r.connector)) this.#connectorTargetStates.set(r.connector, 'STARTED');
        return null;
      case 'restart-request':
        return {
          type: 'restart-requested',
          connector: r.connector,
          includeTasks: r.includeTasks,
          onlyFailed: r.onlyFailed,
        };
      case 'task-count':
        this.#taskCountRecords.set(r.connector, r.taskCount);
        // A task-count record after the latest task configs means no further fencing round is needed.
        this.#connectorsPendingFencing.delete(r.connector);
        return null;
      case 'session-key':
        this.#sessionKey = r.sessionKey;
        return { type: 'session-key-updated', sessionKey: r.sessionKey };
      case 'logger-level':
        return { type: 'logger-level-updated', namespace: r.namespace, level: r.level };
      case 'ignored':
        return null;
    }
  }

  #commitTasks(connector: string, taskCount: number): ConfigChange | null {
    const connectorConfig = this.#connectorConfigs.get(connector);
    if (connectorConfig === undefined) {
      // The connector was deleted and compaction removed its config and tombstone: drop the tasks.
      this.#removeConnector(connector);
      return null;
    }
    const deferred = this.#deferredTaskUpdates.get(connector);
    const updated: ConnectorTaskId[] = [];
    if (!completeTaskSet(deferred, taskCount)) {
      // Incomplete (compaction, or a leader that died mid-write): keep the old configs, flag it.
      this.#inconsistent.add(connector);
    } else {
      if (deferred !== undefined) {
        let committed = this.#taskConfigs.get(connector);
        if (committed === undefined) {
          committed = new Map();
          this.#taskConfigs.set(connector, committed);
        }
        for (const [task, config] of [...deferred].sort((a, b) => a[0] - b[0])) {
          committed.set(task, config);
          updated.push({ connector, task });
        }
        const generation = this.#taskConfigGenerations.get(connector);
        this.#taskConfigGenerations.set(connector, generation === undefined ? 0 : generation + 1);
      }
      this.#inconsistent.delete(connector);
      this.#appliedConnectorConfigs.set(connector, connectorConfig);
    }
    // Buffered configs are dropped either way: an inconsistent set must be rewritten in full.
    deferred?.clear();
    this.#connectorTaskCounts.set(connector, taskCount);
    this.#connectorsPendingFencing.add(connector);
    return { type: 'task-configs-committed', connector, tasks: updated };
  }

  #removeConnector(connector: string): void {
    this.#connectorConfigs.delete(connector);
    this.#connectorTaskCounts.delete(connector);
    this.#taskConfigs.delete(connector);
    this.#deferredTaskUpdates.delete(connector);
    this.#appliedConnectorConfigs.delete(connector);
  }

  snapshot(): ClusterConfigState {
    return new ClusterConfigState({
      offset: this.#offset,
      sessionKey: this.#sessionKey,
      connectorConfigs: new Map(this.#connectorConfigs),
      connectorTaskCounts: new Map(this.#connectorTaskCounts),
      connectorTargetStates: new Map(this.#connectorTargetStates),
      taskConfigs: new Map([...this.#taskConfigs].map(([c, tasks]) => [c, new Map(tasks)])),
      taskCountRecords: new Map(this.#taskCountRecords),
      taskConfigGenerations: new Map(this.#taskConfigGenerations),
      appliedConnectorConfigs: new Map(this.#appliedConnectorConfigs),
      connectorsPendingFencing: new Set(this.#connectorsPendingFencing),
      inconsistentConnectors: new Set(this.#inconsistent),
    });
  }
}

/**
 * Kafka checks only that every id the commit names (`0..count-1`) is present: extra buffered
 * ids are fine, since after compaction a shrunk connector can leave configs of higher tasks behind.
 */
function completeTaskSet(deferred: ReadonlyMap<number, RawConfig> | undefined, count: number): boolean {
  const size = deferred?.size ?? 0;
  if (size < count) return false;
  for (let i = 0; i < count; i++) if (!deferred?.has(i)) return false;
  return true;
}
