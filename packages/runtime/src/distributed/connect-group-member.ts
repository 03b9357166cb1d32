/**
 * A worker's membership of the Connect group (Kafka's `WorkerGroupMember` + `WorkerCoordinator`):
 * FindCoordinator, JoinGroup with protocol type `connect` and the sub-protocols of
 * `connect.protocol`, the leader's assignment (`performLeaderAssignment`) sent in SyncGroup,
 * heartbeats every `heartbeat.interval.ms`, rejoining on REBALANCE_IN_PROGRESS /
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION, LeaveGroup on stop.
 *
 * ## How a DistributedHerder uses the pieces of this folder
 *
 * Start (in this order):
 *  1. `offsets = new KafkaOffsetBackingStore(...)`, `status = new KafkaStatusBackingStore(...)`,
 *     `configs = new KafkaConfigBackingStore(...)` on one `LogClient` for the worker (acks=all).
 *     Topic names, partitions, replication factors from the worker config; extra topic settings
 *     through `internalTopicSettings(props, 'config.storage.')` etc.
 *  2. `await offsets.start(); await status.start();` (the Worker's stores), then
 *     `configs.setUpdateListener(onConfigChange)` and `await configs.start()` (reads the whole
 *     config topic; a config topic with more than one partition or a non-compacted topic fails
 *     here with Kafka's message).
 *  3. `member = new ConnectGroupMember({ groupId, restUrl, configSnapshot: () => configs.snapshot(),
 *     listener, ... })` and `await member.start()`: it resolves after the first assignment has
 *     been handled by `listener.onAssigned`.
 *
 * On every rebalance the member calls, and awaits, the listener:
 *  - `onRevoked(leader, connectors, tasks)`: stop those connectors and tasks now (cooperative: only
 *    the revoked ones; eager: everything, before the join). Flush status writes
 *    (`status.flush()`) before returning, as Kafka does before a rebalance.
 *  - `onAssigned(assignment, generation)`: `assignment` is the member's full set (current − revoked
 *    + newly assigned), with `leader`, `leaderUrl` (where followers forward REST writes),
 *    `configOffset` and `error`. The herder then, as Kafka's `handleRebalanceCompleted`:
 *    - `error === ASSIGNMENT_CONFIG_MISMATCH`: `await configs.refresh()` and return; the member
 *      rejoins by itself after a failed assignment;
 *    - `configs.offset < assignment.configOffset`: `await configs.refresh(worker.sync.timeout.ms)`;
 *      on timeout `await member.leave()`, back off (see kafka-connect-behaviour.md §4.2) and
 *      `member.start()` again;
 *    - `configs.offset !== assignment.configOffset` after that: `member.requestRejoin()`, return;
 *    - otherwise start what is assigned and not yet running, writing statuses with
 *      `generation`. If the member is the leader (`member.isLeader`), tombstone statuses of
 *      connectors and tasks no longer in `configs.snapshot()` (`status.deleteConnector/deleteTask`).
 *  After `onAssigned` returns the member itself requests the follow-up rebalance Kafka's herder
 *  requests: immediately when the assignment revoked something (so the freed work is placed), and
 *  after `assignment.delay` ms when the leader scheduled a delayed rebalance.
 *
 * On config changes (the config store's listener, fired after its initial read):
 *  - `connector-config-updated` for a new connector, `connector-config-removed`,
 *    `task-configs-committed` ⇒ `member.requestRejoin()` (cooperative: first stop this worker's
 *    tasks of a reconfigured connector); a changed config of a connector this worker runs ⇒ restart
 *    just that connector (it regenerates task configs; the leader publishes them with
 *    `configs.putTaskConfigs`, followers forward them to the leader over REST);
 *  - `target-state-changed` ⇒ apply it to local instances; `restart-requested` ⇒ restart as asked;
 *    `session-key-updated` ⇒ use the new key to sign/verify internal requests.
 *  Only the leader (`member.isLeader`) writes connector configs, deletions, task configs, restart
 *  requests and session keys; any worker writes target states.
 *
 * Stop: stop connectors and tasks, `await status.flush()`, `await member.stop()` (LeaveGroup,
 * so the others rebalance at once instead of after `session.timeout.ms`), then stop the stores.
 */

import pino, { type Logger } from 'pino';
import type { ConnectProtocolMode } from '../config/distributed-config.ts';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import { kafkaErrorName } from '../log/kafka/errors.ts';
import type { PlatformaticLogClientConfig } from '../log/kafka/platformatic-client.ts';
import { CoordinatorStats } from '../metrics/coordinator-stats.ts';
import { monotonicNow } from '../metrics/stats.ts';
import { sleep } from '../sleep.ts';
import type { ClusterConfigState } from './cluster-config-state.ts';
import {
  ASSIGNMENT_NO_ERROR,
  CONNECT_PROTOCOL_TYPE,
  type ConnectAssignment,
  decodeAssignment,
  decodeWorkerMetadata,
  joinGroupProtocols,
  protocolVersion,
} from './connect-protocol.ts';
import { COORDINATOR_ERRORS, GroupClient, GroupRequestError } from './group-client.ts';
import { IncrementalCooperativeAssignor, type WorkAllocation } from './incremental-cooperative-assignor.ts';
import { performLeaderAssignment } from './leader-assignment.ts';

export interface GroupMembershipListener {
  /** Stop these connectors and tasks (resolve once they are stopped). */
  onRevoked(
    leader: string,
    connectors: readonly string[],
    tasks: readonly ConnectorTaskId[],
  ): void | Promise<void>;
  /** The member's full assignment after a rebalance, at `generation`. */
  onAssigned(assignment: ConnectAssignment, generation: number): void | Promise<void>;
  /** The member starts (re)joining the group: a rebalance begins (for the rebalance metrics). */
  onJoining?(): void;
  /**
   * A failure the member cannot recover from (e.g. INCONSISTENT_GROUP_PROTOCOL, authorization):
   * the member has stopped.
   */
  onFatalError?(error: Error): void;
}

export interface ConnectGroupMemberOptions {
  /** `group.id`. */
  readonly groupId: string;
  /** How to reach Kafka (bootstrap servers, TLS, SASL, client id). */
  readonly connection: PlatformaticLogClientConfig;
  /** The worker's advertised REST URL (sent to the others; the leader's is `leaderUrl`). */
  readonly restUrl: string;
  /** `connect.protocol`. Default `sessioned`. */
  readonly protocol?: ConnectProtocolMode;
  /** `session.timeout.ms`. Default 10000. */
  readonly sessionTimeoutMs?: number;
  /** `heartbeat.interval.ms`. Default 3000. */
  readonly heartbeatIntervalMs?: number;
  /** `rebalance.timeout.ms`. Default 60000. */
  readonly rebalanceTimeoutMs?: number;
  /** `scheduled.rebalance.max.delay.ms` (used when this member leads). Default 300000. */
  readonly scheduledRebalanceMaxDelayMs?: number;
  /** `retry.backoff.ms` between failed group requests. Default 100. */
  readonly retryBackoffMs?: number;
  /** The config store's snapshot (`KafkaConfigBackingStore.snapshot`), taken at each join. */
  readonly configSnapshot: () => ClusterConfigState;
  readonly listener: GroupMembershipListener;
  readonly log?: Logger;
}

/** Kafka error names that end the membership for good. */
const FATAL_ERRORS = new Set([
  'INCONSISTENT_GROUP_PROTOCOL',
  'GROUP_AUTHORIZATION_FAILED',
  'INVALID_SESSION_TIMEOUT',
  'INVALID_GROUP_ID',
  'GROUP_MAX_SIZE_REACHED',
  'UNSUPPORTED_VERSION',
  'FENCED_INSTANCE_ID',
]);

type Phase = 'idle' | 'joining' | 'stable' | 'stopped';

interface LeaderState {
  readonly connectorOwnerUrl: ReadonlyMap<string, string>;
  /** By `taskIdString`. */
  readonly taskOwnerUrl: ReadonlyMap<string, string>;
}

/** Who runs what, as URLs, from the members' metadata and the leader's assignment. */
function leaderState(
  members: readonly { memberId: string; metadata: Uint8Array | Buffer }[],
  allAssigned: ReadonlyMap<string, WorkAllocation>,
): LeaderState {
  const urls = new Map<string, string>();
  for (const m of members) urls.set(m.memberId, decodeWorkerMetadata(new Uint8Array(m.metadata)).url);
  const connectorOwnerUrl = new Map<string, string>();
  const taskOwnerUrl = new Map<string, string>();
  for (const [memberId, work] of allAssigned) {
    const url = urls.get(memberId);
    if (url === undefined) continue;
    for (const c of work.connectors) connectorOwnerUrl.set(c, url);
    for (const t of work.tasks) taskOwnerUrl.set(taskIdString(t), url);
  }
  return { connectorOwnerUrl, taskOwnerUrl };
}

export class ConnectGroupMember {
  readonly groupId: string;
  /** The join, sync, heartbeat and rebalance stats of `connect-coordinator-metrics`. */
  readonly stats = new CoordinatorStats();
  readonly #o: Required<
    Pick<
      ConnectGroupMemberOptions,
      | 'protocol'
      | 'sessionTimeoutMs'
      | 'heartbeatIntervalMs'
      | 'rebalanceTimeoutMs'
      | 'scheduledRebalanceMaxDelayMs'
      | 'retryBackoffMs'
    >
  > &
    ConnectGroupMemberOptions;
  readonly #log: Logger;
  /** JoinGroup / SyncGroup (held by the coordinator during a rebalance). */
  #groupClient: GroupClient | undefined;
  /** Heartbeat / LeaveGroup, on connections of their own so a pending JoinGroup never delays them. */
  #heartbeatClient: GroupClient | undefined;
  #coordinator: { host: string; port: number } | undefined;
  #assignor: IncrementalCooperativeAssignor | undefined;

  #memberId = '';
  #generation = -1;
  #lastCompletedGeneration = -1;
  #protocol: string | null = null;
  #leaderId = '';
  /** The full current assignment (Kafka's `assignmentSnapshot`); null before the first one. */
  #assignment: ConnectAssignment | null = null;
  /**
   * When this member computed the last assignment (Kafka's `LeaderState`): the REST URL each member
   * advertised in its JoinGroup metadata, and which member runs each connector and task.
   */
  #leaderState: LeaderState | null = null;

  #phase: Phase = 'idle';
  #rejoinNeeded = true;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #firstJoin: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatInFlight = false;
  #lastHeartbeatOk = 0;
  #scheduledRejoin: NodeJS.Timeout | undefined;

  constructor(options: ConnectGroupMemberOptions) {
    this.groupId = options.groupId;
    this.#o = {
      protocol: 'sessioned',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 60_000,
      scheduledRebalanceMaxDelayMs: 300_000,
      retryBackoffMs: 100,
      ...options,
    };
    // Fail early on a bad connect.protocol, with Kafka's message.
    joinGroupProtocols(this.#o.protocol, { url: options.restUrl, configOffset: -1, allocation: null });
    this.#log = (options.log ?? pino({ level: 'silent' })).child({ group: options.groupId });
  }

  /** The member id the coordinator gave this worker ('' before joining). */
  get memberId(): string {
    return this.#memberId;
  }

  /** This worker's advertised REST URL, as sent in its metadata. */
  get restUrl(): string {
    return this.#o.restUrl;
  }

  /** The generation of the last completed rebalance (-1 before). */
  get generation(): number {
    return this.#lastCompletedGeneration;
  }

  /** True when this member led the last completed rebalance. */
  get isLeader(): boolean {
    return this.#memberId !== '' && this.#leaderId === this.#memberId;
  }

  /** The leader's member id from the last assignment. */
  get leaderId(): string {
    return this.#assignment?.leader ?? '';
  }

  /** The leader's REST URL from the last assignment ('' before one). */
  get leaderUrl(): string {
    return this.#assignment?.leaderUrl ?? '';
  }

  /**
   * The advertised REST URL of the member that runs `connector` (Kafka's
   * `WorkerCoordinator.ownerUrl`): known only to the leader, from the members' JoinGroup metadata
   * and its own assignment, and only while no rebalance is under way; undefined otherwise.
   */
  connectorOwnerUrl(connector: string): string | undefined {
    if (this.#phase !== 'stable' || !this.isLeader) return undefined;
    return this.#leaderState?.connectorOwnerUrl.get(connector);
  }

  /** The advertised REST URL of the member that runs task `id`; as {@link connectorOwnerUrl}. */
  taskOwnerUrl(id: ConnectorTaskId): string | undefined {
    if (this.#phase !== 'stable' || !this.isLeader) return undefined;
    return this.#leaderState?.taskOwnerUrl.get(taskIdString(id));
  }

  /** The negotiated sub-protocol (`default`, `compatible`, `sessioned`), null before joining. */
  get currentProtocol(): string | null {
    return this.#protocol;
  }

  /** The full current assignment, null before the first one or after losing it. */
  get assignment(): ConnectAssignment | null {
    return this.#assignment;
  }

  /**
   * Joins the group and keeps the membership in the background. Resolves once the first
   * assignment has been handled by `onAssigned`; rejects on a fatal error.
   */
  start(): Promise<void> {
    if (this.#phase !== 'idle' && !this.#isStopped())
      return Promise.reject(new Error(`The member of group ${this.groupId} is already started`));
    this.#phase = 'joining';
    this.#rejoinNeeded = true;
    this.#groupClient = new GroupClient(
      {
        ...this.#o.connection,
        requestTimeoutMs: Math.max(
          this.#o.connection.requestTimeoutMs ?? 30_000,
          this.#o.rebalanceTimeoutMs + 5_000,
        ),
      },
      'group',
    );
    this.#heartbeatClient = new GroupClient(
      {
        ...this.#o.connection,
        requestTimeoutMs: Math.min(this.#o.connection.requestTimeoutMs ?? 30_000, this.#o.sessionTimeoutMs),
      },
      'heartbeat',
    );
    const first = new Promise<void>((resolve, reject) => {
      this.#firstJoin = { resolve, reject };
    });
    this.#loop = this.#run();
    return first;
  }

  /** Asks for a rebalance as soon as possible (e.g. after a connector was added or removed). */
  requestRejoin(reason = 'requested'): void {
    if (this.#isStopped() || this.#phase === 'idle') return;
    this.#log.debug({ reason }, 'Rejoin requested');
    this.#rejoinNeeded = true;
    this.#wake?.();
  }

  /**
   * Leaves the group (LeaveGroup, so the others rebalance at once) and stops heartbeating. The
   * member can be started again; it then joins as a new member.
   */
  async leave(reason = 'the consumer is being closed'): Promise<void> {
    await this.#shutdown(true, reason);
  }

  /**
   * Stops the membership: by default leaves the group; with `leaveGroup: false` it just goes
   * silent (as a crashed worker would) and the coordinator expels it after `session.timeout.ms`.
   */
  async stop(options: { leaveGroup?: boolean } = {}): Promise<void> {
    await this.#shutdown(options.leaveGroup ?? true, 'the consumer is being closed');
  }

  async #shutdown(leaveGroup: boolean, reason: string): Promise<void> {
    if (this.#isStopped() || this.#phase === 'idle') return;
    const memberId = this.#memberId;
    const coordinator = this.#coordinator;
    this.#phase = 'stopped';
    this.#stopHeartbeat();
    this.#clearScheduledRejoin();
    this.#wake?.();
    if (leaveGroup && memberId !== '' && coordinator !== undefined) {
      try {
        await this.#heartbeatClient?.leaveGroup(coordinator, this.groupId, [{ memberId, reason }]);
        this.#log.info({ memberId }, 'Left the group');
      } catch (err) {
        this.#log.warn({ err, memberId }, 'LeaveGroup failed');
      }
    }
    await Promise.all([this.#groupClient?.close(), this.#heartbeatClient?.close()]);
    this.#groupClient = this.#heartbeatClient = undefined;
    await this.#loop;
    this.#loop = undefined;
    this.#memberId = '';
    this.#generation = -1;
    this.#coordinator = undefined;
    this.#firstJoin?.reject(new Error(`The member of group ${this.groupId} was stopped before joining`));
    this.#firstJoin = undefined;
  }

  // -------------------------------------------------------------------------------------------
  // The join loop

  async #run(): Promise<void> {
    let backoff = 0;
    while (!this.#isStopped()) {
      if (!this.#rejoinNeeded) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      if (backoff > 0) await this.#sleepUnlessStopped(backoff);
      if (this.#isStopped()) break;
      try {
        await this.#joinOnce();
        backoff = 0;
      } catch (err) {
        if (this.#isStopped()) break;
        const code = kafkaErrorName(err);
        if (code !== undefined && FATAL_ERRORS.has(code)) {
          this.#fail(err as Error);
          break;
        }
        this.#rejoinNeeded = true;
        if (code === 'MEMBER_ID_REQUIRED' || code === 'REBALANCE_IN_PROGRESS') backoff = 0;
        else backoff = Math.min(Math.max(backoff * 2, this.#o.retryBackoffMs), 5_000);
        if (code === 'MEMBER_ID_REQUIRED')
          this.#log.debug('The coordinator gave a member id; joining with it');
        else this.#log.info({ err: (err as Error).message, code }, 'Group join did not complete; retrying');
      }
    }
  }

  #fail(err: Error): void {
    this.#log.error({ err }, 'Fatal error in the Connect group membership');
    const first = this.#firstJoin;
    this.#firstJoin = undefined;
    void this.#shutdown(false, 'fatal error');
    if (first !== undefined) first.reject(err);
    else this.#o.listener.onFatalError?.(err);
  }

  async #joinOnce(): Promise<void> {
    this.#rejoinNeeded = false;
    this.#phase = 'joining';
    this.#log.info('Rebalance started');
    this.#o.listener.onJoining?.();
    this.#stopHeartbeat();
    this.#clearScheduledRejoin();
    const client = this.#groupClient;
    if (client === undefined) return;

    // Eager protocol: everything is given back before joining (Kafka's onJoinPrepare).
    const current = this.#assignment;
    if (this.#protocol !== null && protocolVersion(this.#protocol) === 0 && current !== null) {
      if (current.error === ASSIGNMENT_NO_ERROR)
        await this.#o.listener.onRevoked(current.leader, current.connectors, current.tasks);
      this.#assignment = null;
    }

    const coordinator = await this.#ensureCoordinator(client);
    const snapshot = this.#o.configSnapshot();
    const protocols = joinGroupProtocols(this.#o.protocol, {
      url: this.#o.restUrl,
      configOffset: snapshot.offset,
      allocation: this.#assignment,
    }).map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));

    let join: Awaited<ReturnType<GroupClient['joinGroup']>>;
    this.stats.rebalanceStarted();
    const joinSent = monotonicNow();
    try {
      join = await client.joinGroup(
        coordinator,
        this.groupId,
        this.#o.sessionTimeoutMs,
        this.#o.rebalanceTimeoutMs,
        this.#memberId,
        null,
        CONNECT_PROTOCOL_TYPE,
        protocols,
        null,
      );
    } catch (err) {
      if (!this.#isStopped()) this.stats.rebalanceFailed();
      this.#onGroupError(err);
      throw err;
    }
    if (this.#isStopped()) return;
    this.stats.joined(monotonicNow() - joinSent);
    this.#memberId = join.memberId;
    this.#generation = join.generationId;
    this.#protocol = join.protocolName ?? null;
    this.#leaderId = join.leader;
    const protocolName = join.protocolName ?? 'default';
    this.#log.info(
      { memberId: join.memberId, generation: join.generationId, protocol: protocolName, leader: join.leader },
      'Joined the group',
    );

    let assignments: { memberId: string; assignment: Buffer }[] = [];
    this.#leaderState = null;
    if (join.leader === join.memberId) {
      this.#assignor ??= new IncrementalCooperativeAssignor({
        maxDelayMs: this.#o.scheduledRebalanceMaxDelayMs,
      });
      const result = performLeaderAssignment({
        leaderId: join.leader,
        protocol: protocolName,
        members: join.members.map((m) => ({ memberId: m.memberId, metadata: new Uint8Array(m.metadata) })),
        snapshot,
        freshSnapshot: this.#o.configSnapshot,
        lastCompletedGenerationId: this.#lastCompletedGeneration,
        currentGenerationId: join.generationId,
        now: Date.now(),
        assignor: this.#assignor,
      });
      this.#leaderState = leaderState(join.members, result.allAssigned);
      assignments = [...result.assignments].map(([memberId, bytes]) => ({
        memberId,
        assignment: Buffer.from(bytes),
      }));
      this.#log.debug({ assignments: describeAssignments(result.decoded) }, 'Computed the group assignment');
    }

    let sync: Awaited<ReturnType<GroupClient['syncGroup']>>;
    const syncSent = monotonicNow();
    try {
      sync = await client.syncGroup(
        coordinator,
        this.groupId,
        join.generationId,
        join.memberId,
        null,
        CONNECT_PROTOCOL_TYPE,
        protocolName,
        assignments,
      );
    } catch (err) {
      if (!this.#isStopped()) this.stats.rebalanceFailed();
      this.#onGroupError(err);
      throw err;
    }
    if (this.#isStopped()) return;
    const synced = monotonicNow();
    this.stats.synced(synced - syncSent, synced);
    this.stats.rebalanceSucceeded(synced);
    await this.#onJoinComplete(join.generationId, protocolName, decodeAssignment(sync.assignment));
  }

  /** Kafka's `WorkerCoordinator.onJoinComplete`, then the herder-side follow-ups. */
  async #onJoinComplete(generation: number, protocol: string, received: ConnectAssignment): Promise<void> {
    this.#phase = 'stable';
    this.#lastHeartbeatOk = Date.now();
    this.#startHeartbeat();
    let assignment = received;
    if (protocolVersion(protocol) > 0) {
      if (received.revokedConnectors.length > 0 || received.revokedTasks.length > 0)
        await this.#o.listener.onRevoked(received.leader, received.revokedConnectors, received.revokedTasks);
      const previous = this.#assignment;
      if (previous !== null) {
        const revokedConnectors = new Set(received.revokedConnectors);
        const revokedTasks = new Set(received.revokedTasks.map(taskIdString));
        const connectors = previous.connectors.filter((c) => !revokedConnectors.has(c));
        const tasks = previous.tasks.filter((t) => !revokedTasks.has(taskIdString(t)));
        const newConnectors = received.connectors.filter((c) => !connectors.includes(c));
        const known = new Set(tasks.map(taskIdString));
        const newTasks = received.tasks.filter((t) => !known.has(taskIdString(t)));
        assignment = {
          ...received,
          connectors: [...newConnectors, ...connectors],
          tasks: [...newTasks, ...tasks],
        };
      }
    }
    this.#assignment = assignment;
    this.#lastCompletedGeneration = generation;
    this.#leaderId = assignment.leader;
    // Kafka's DistributedHerder line, with its Assignment's toString.
    this.#log.info(
      `Joined group at generation ${generation} with protocol version ${protocolVersion(protocol)} and got assignment: ` +
        `Assignment{error=${assignment.error}, leader='${assignment.leader}', leaderUrl='${assignment.leaderUrl}', offset=${assignment.configOffset}, ` +
        `connectorIds=[${assignment.connectors.join(', ')}], taskIds=[${assignment.tasks.map(taskIdString).join(', ')}], ` +
        `revokedConnectorIds=[${received.revokedConnectors.join(', ')}], revokedTaskIds=[${received.revokedTasks.map(taskIdString).join(', ')}], ` +
        `delay=${assignment.delay}} with rebalance delay: ${assignment.delay}`,
    );
    await this.#o.listener.onAssigned(assignment, generation);
    if (this.#isStopped()) return;

    const first = this.#firstJoin;
    this.#firstJoin = undefined;
    first?.resolve();

    // A failed assignment (config mismatch) is retried after the herder caught up.
    if (assignment.error !== ASSIGNMENT_NO_ERROR) this.requestRejoin('the assignment failed');
    // Revocations: rejoin so that the freed work is placed (Kafka's herder does the same).
    else if (received.revokedConnectors.length > 0 || received.revokedTasks.length > 0)
      this.requestRejoin('work was revoked');
    // A delayed rebalance scheduled by the leader.
    if (assignment.delay > 0) {
      this.#scheduledRejoin = setTimeout(() => {
        this.#scheduledRejoin = undefined;
        this.requestRejoin('the scheduled rebalance delay expired');
      }, assignment.delay);
    }
  }

  async #ensureCoordinator(client: GroupClient): Promise<{ host: string; port: number }> {
    if (this.#coordinator !== undefined) return this.#coordinator;
    const coordinator = await client.findCoordinator(this.groupId);
    this.#coordinator = coordinator;
    return coordinator;
  }

  /** Reacts to an error of JoinGroup / SyncGroup / Heartbeat as Kafka's AbstractCoordinator. */
  #onGroupError(err: unknown): void {
    const code = kafkaErrorName(err);
    if (code === 'MEMBER_ID_REQUIRED' && err instanceof GroupRequestError && err.memberId !== undefined) {
      this.#memberId = err.memberId;
    } else if (code === 'UNKNOWN_MEMBER_ID') {
      this.#memberId = '';
      this.#generation = -1;
    } else if (code === 'ILLEGAL_GENERATION') {
      this.#generation = -1;
    } else if (code === undefined || COORDINATOR_ERRORS.has(code)) {
      // Network failure or coordinator moved: look it up again.
      this.#coordinator = undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Heartbeats

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeatTimer = setTimeout(() => void this.#heartbeat(), this.#o.heartbeatIntervalMs);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  async #heartbeat(): Promise<void> {
    this.#heartbeatTimer = undefined;
    if (this.#phase !== 'stable' || this.#heartbeatInFlight) return;
    const client = this.#heartbeatClient;
    if (client === undefined) return;
    const generation = this.#generation;
    const memberId = this.#memberId;
    this.#heartbeatInFlight = true;
    let next = this.#o.heartbeatIntervalMs;
    let sent = 0;
    try {
      const coordinator = await this.#ensureCoordinator(client);
      sent = monotonicNow();
      this.stats.heartbeatSent(sent);
      await client.heartbeat(coordinator, this.groupId, generation, memberId, null);
      this.stats.heartbeatAnswered(monotonicNow() - sent);
      this.#lastHeartbeatOk = Date.now();
    } catch (err) {
      // An error code is an answer of the coordinator too (a lost connection is none).
      if (sent !== 0 && kafkaErrorName(err) !== undefined)
        this.stats.heartbeatAnswered(monotonicNow() - sent);
      // A heartbeat of an older generation, or one answered after a rejoin started, is moot.
      if (this.#phase !== 'stable' || this.#generation !== generation) return;
      const code = kafkaErrorName(err);
      this.#onGroupError(err);
      if (code === 'REBALANCE_IN_PROGRESS' || code === 'UNKNOWN_MEMBER_ID' || code === 'ILLEGAL_GENERATION') {
        this.#log.info({ code }, 'The group is rebalancing; rejoining');
        this.#phase = 'joining';
        this.requestRejoin(code);
        return;
      }
      if (code !== undefined && FATAL_ERRORS.has(code)) {
        this.#fail(err as Error);
        return;
      }
      this.#log.warn({ err: (err as Error).message, code }, 'Heartbeat failed');
      next = this.#o.retryBackoffMs;
      // Unreachable for a whole session: this worker is no longer a member; stop running its work.
      if (Date.now() - this.#lastHeartbeatOk > this.#o.sessionTimeoutMs) await this.#loseAssignment();
    } finally {
      this.#heartbeatInFlight = false;
    }
    if (this.#phase === 'stable') this.#heartbeatTimer = setTimeout(() => void this.#heartbeat(), next);
  }

  /** Kafka revokes everything when the coordinator stays unreachable, then rejoins. */
  async #loseAssignment(): Promise<void> {
    const lost = this.#assignment;
    this.#assignment = null;
    this.#phase = 'joining';
    if (lost !== null && lost.error === ASSIGNMENT_NO_ERROR) {
      this.#log.warn('The group coordinator was unreachable for a whole session; revoking the assignment');
      await this.#o.listener.onRevoked(lost.leader, lost.connectors, lost.tasks);
    }
    this.requestRejoin('lost contact with the coordinator');
  }

  #clearScheduledRejoin(): void {
    if (this.#scheduledRejoin !== undefined) clearTimeout(this.#scheduledRejoin);
    this.#scheduledRejoin = undefined;
  }

  #isStopped(): boolean {
    return this.#phase === 'stopped';
  }

  async #sleepUnlessStopped(ms: number): Promise<void> {
    await Promise.race([
      sleep(ms),
      new Promise<void>((resolve) => {
        this.#wake = resolve;
      }),
    ]);
    this.#wake = undefined;
  }
}

function describeAssignments(decoded: Map<string, ConnectAssignment>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [member, a] of decoded)
    out[member] =
      `connectors=[${a.connectors.join(',')}] tasks=[${a.tasks.map(taskIdString).join(',')}] ` +
      `revoked=[${[...a.revokedConnectors, ...a.revokedTasks.map(taskIdString)].join(',')}] delay=${a.delay}`;
  return out;
}
