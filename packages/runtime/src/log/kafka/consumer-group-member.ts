/**
 * A sink task's membership of its connector's consumer group (`connect-<name>` or
 * `consumer.override.group.id`), as Kafka's consumer is a member of it in Kafka Connect: the
 * classic group protocol (protocol type `consumer`) with JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and OffsetCommit sent over the connections of a `@platformatic/kafka` client of its
 * own; the records themselves are still read with Sluice's own Fetch (`platformatic-client.ts`).
 *
 * The task drives the member from its loop with {@link KafkaGroupMember.poll}, as a Java
 * application calls `consumer.poll()`: a pending rebalance runs there, calling the task's
 * rebalance listener, which commits and closes what it gives up before the member joins again
 * (eager protocols: everything before the JoinGroup; `cooperative-sticky`: only the partitions
 * that move, after the SyncGroup, followed by another join). A timer heartbeats every
 * `heartbeat.interval.ms`; a task that does not poll for `max.poll.interval.ms` leaves the group
 * (its partitions are then lost: closed without a commit, as Kafka's consumer does). Every
 * `metadata.max.age.ms` the member re-reads its subscription (new topics matching `topics.regex`)
 * and the leader the partition counts it assigned from: a change makes it join again, so added
 * partitions reach the tasks through a rebalance.
 *
 * A task being stopped calls {@link KafkaGroupMember.wakeup}, as Kafka's WorkerSinkTask calls
 * `consumer.wakeup()`: a JoinGroup or SyncGroup the coordinator holds (until every member has
 * rejoined: up to a dead member's whole session) is given up at once and `poll` rejects with a
 * `GroupWakeupError`. The broker answers the requests of one connection in order, so the held
 * request's connection is dropped and the member's later requests (the final commit, the
 * LeaveGroup of `close`) go over a new one.
 */
import type { Admin, API, Broker } from '@platformatic/kafka';
import { ConnectError, RetriableError } from '@sluice/api';
import {
  assign,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  isCooperative,
  type MemberSubscription,
} from '../consumer-assignors.ts';
import { groupByTopic } from '../group-by-topic.ts';
import { GroupWakeupError } from '../group-wakeup.ts';
import type { CommitOffset, GroupMember, GroupMemberOptions, TopicPartition } from '../log-client.ts';
import { kafkaErrorName, toConnectError } from './errors.ts';
import { kafkaLibrary } from './library.ts';
import { connectionOptions, type PlatformaticLogClientConfig } from './library-clients.ts';
import { libraryApi, libraryConnection } from './library-internals.ts';

/** Kafka error names after which the coordinator must be looked up again. */
const COORDINATOR_ERRORS = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);
/** Errors that mean this member's generation is gone: what it owns is lost. */
const MEMBERSHIP_ERRORS = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

/** A failed group request with Kafka's error name, when there is one. */
class GroupError extends RetriableError {
  readonly kafkaError: string | undefined;
  readonly memberId: string | undefined;
  constructor(message: string, kafkaError: string | undefined, memberId: string | undefined, cause: unknown) {
    super(message, { cause });
    this.kafkaError = kafkaError;
    this.memberId = memberId;
  }
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

function minus(a: TopicPartition[], b: TopicPartition[]): TopicPartition[] {
  const drop = new Set(b.map(key));
  return a.filter((tp) => !drop.has(key(tp)));
}

function describe(tps: TopicPartition[]): string {
  return tps.map((tp) => `${tp.topic}-${tp.partition}`).join(', ');
}

export class KafkaGroupMember implements GroupMember {
  readonly #o: GroupMemberOptions;
  readonly #config: PlatformaticLogClientConfig;
  #admin: Admin;
  #coordinator: Broker | null = null;
  #memberId = '';
  #generation = -1;
  #protocol: string | null = null;
  #leader = false;
  #owned: TopicPartition[] = [];
  #subscribed: string[] = [];
  /** Partition counts the leader assigned from, to notice added partitions. */
  #assignedCounts = new Map<string, number>();
  #rejoin = true;
  #lost = false;
  #joining = false;
  #closed = false;
  #lastPoll = Date.now();
  #nextMetadataCheck = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #heartbeatInFlight = false;
  /** Ends the JoinGroup/SyncGroup in flight, if any ({@link wakeup}). */
  #interrupt: ((err: GroupWakeupError) => void) | null = null;
  /** A wakeup that found no wait in flight: the next wait ends at once. */
  #woken = false;

  constructor(config: PlatformaticLogClientConfig, options: GroupMemberOptions) {
    this.#o = options;
    this.#config = config;
    this.#admin = this.#newAdmin();
  }

  #newAdmin(): Admin {
    return new (kafkaLibrary().Admin)(
      connectionOptions(this.#config, {
        role: '',
        // Failed group requests are retried by the member itself (a new coordinator, a new join),
        // so the library gives up sooner than for the log clients.
        retries: 3,
        // A JoinGroup is held by the coordinator until the rebalance completes (up to the rebalance
        // timeout, which is max.poll.interval.ms for a consumer).
        heldMs: Math.max(this.#config.requestTimeoutMs ?? 30_000, this.#o.maxPollIntervalMs),
        marginMs: 5_000,
      }),
    );
  }

  get memberId(): string {
    return this.#memberId;
  }

  get generationId(): number {
    return this.#generation;
  }

  get protocol(): string | null {
    return this.#protocol;
  }

  assignment(): TopicPartition[] {
    return [...this.#owned];
  }

  /**
   * Runs what is pending: partitions lost since the last call, a metadata check, a rebalance.
   * Rejects when a listener fails or the group cannot be joined (a RetriableError when trying
   * again may help).
   */
  async poll(): Promise<void> {
    if (this.#closed) throw new ConnectError('The consumer group member is closed');
    this.#lastPoll = Date.now();
    if (this.#lost) {
      this.#lost = false;
      const lost = this.#owned;
      this.#owned = [];
      if (lost.length > 0) {
        this.#o.logger?.warn(`Group ${this.#o.groupId}: partitions lost: ${describe(lost)}`);
        await this.#o.listener.lost(lost);
      }
    }
    if (!this.#rejoin && Date.now() >= this.#nextMetadataCheck) await this.#checkMetadata();
    while (this.#rejoin && !this.#closed) await this.#joinAndSync();
    this.#lastPoll = Date.now();
  }

  /** Commits offsets as this member (its generation and member id). */
  async commit(offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    if (this.#memberId === '' || this.#generation < 0)
      throw new RetriableError(`Not a member of group ${this.#o.groupId} (rejoining); offsets not committed`);
    const byTopic = groupByTopic(offsets, (o) => ({
      partitionIndex: o.partition,
      committedOffset: BigInt(o.offset),
      committedLeaderEpoch: -1,
      committedMetadata: '',
    }));
    try {
      await this.#call('OffsetCommit', [
        this.#o.groupId,
        this.#generation,
        this.#memberId,
        this.#o.groupInstanceId,
        [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      ]);
    } catch (err) {
      const code = err instanceof GroupError ? err.kafkaError : undefined;
      if (code === 'REBALANCE_IN_PROGRESS') this.#rejoin = true;
      else if (code !== undefined && MEMBERSHIP_ERRORS.has(code)) this.#memberGone(code);
      throw err;
    }
  }

  /**
   * Ends the member's wait for the group: the JoinGroup/SyncGroup in flight, or else the next one
   * (Kafka's `consumer.wakeup()`); that `poll` rejects with a {@link GroupWakeupError}.
   */
  wakeup(): void {
    if (this.#closed) return;
    const interrupt = this.#interrupt;
    if (interrupt !== null) interrupt(new GroupWakeupError(this.#o.groupId));
    else this.#woken = true;
  }

  /**
   * Leaves the group (a static member, with `group.instance.id`, stays until its session ends, as
   * Kafka's consumer does by default). A JoinGroup still held is given up first.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#interrupt?.(new GroupWakeupError(this.#o.groupId));
    this.#closed = true;
    this.#stopHeartbeat();
    if (this.#memberId !== '' && this.#o.groupInstanceId === null) {
      try {
        await this.#call('LeaveGroup', [
          this.#o.groupId,
          [{ memberId: this.#memberId, groupInstanceId: null, reason: 'the consumer is being closed' }],
        ]);
      } catch (err) {
        this.#o.logger?.warn(`Group ${this.#o.groupId}: LeaveGroup failed: ${(err as Error).message}`);
      }
    }
    await this.#admin.close().catch(() => {});
  }

  // ---------------------------------------------------------------------------------------

  async #joinAndSync(): Promise<void> {
    const o = this.#o;
    // Eager protocols give everything up before joining (and commit it, as members still); the
    // heartbeats go on meanwhile, as Kafka's heartbeat thread's do during onPartitionsRevoked.
    if ((this.#protocol === null || !isCooperative(this.#protocol)) && this.#owned.length > 0) {
      const revoked = this.#owned;
      this.#owned = [];
      o.logger?.info(`Group ${o.groupId}: revoking ${describe(revoked)} before rejoining`);
      await o.listener.revoked(revoked);
    }
    this.#joining = true;
    this.#stopHeartbeat();
    try {
      this.#subscribed = [...(await o.subscription())].sort();
      let join: JoinResponse;
      try {
        join = await this.#wait<JoinResponse>('JoinGroup', [
          o.groupId,
          o.sessionTimeoutMs,
          o.maxPollIntervalMs,
          this.#memberId,
          o.groupInstanceId,
          'consumer',
          o.assignors.map((name) => ({
            name,
            metadata: isCooperative(name)
              ? encodeSubscription(
                  this.#subscribed,
                  this.#owned,
                  this.#owned.length > 0 ? this.#generation : -1,
                )
              : encodeSubscription(this.#subscribed, [], -1),
          })),
          null,
        ]);
      } catch (err) {
        await this.#joinFailed(err, 'JoinGroup');
        return;
      }
      this.#memberId = join.memberId;
      this.#generation = join.generationId;
      this.#protocol = join.protocolName ?? null;
      this.#leader = join.leader === join.memberId;
      let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
      if (this.#leader) assignments = await this.#leaderAssign(join);
      let sync: { assignment: Buffer };
      try {
        sync = await this.#wait<{ assignment: Buffer }>('SyncGroup', [
          o.groupId,
          this.#generation,
          this.#memberId,
          o.groupInstanceId,
          'consumer',
          this.#protocol,
          assignments,
        ]);
      } catch (err) {
        await this.#joinFailed(err, 'SyncGroup');
        return;
      }
      const assigned = decodeAssignment(sync.assignment);
      this.#rejoin = false;
      this.#joining = false;
      this.#nextMetadataCheck = Date.now() + o.metadataMaxAgeMs;
      o.logger?.info(
        `Group ${o.groupId}: joined generation ${this.#generation} as ${this.#memberId}${this.#leader ? ' (leader)' : ''} with protocol ${this.#protocol}; assigned ${describe(assigned) || 'nothing'}`,
      );
      this.#startHeartbeat();
      if (this.#protocol !== null && isCooperative(this.#protocol)) {
        const revoked = minus(this.#owned, assigned);
        const added = minus(assigned, this.#owned);
        if (revoked.length > 0) {
          this.#owned = minus(this.#owned, revoked);
          await o.listener.revoked(revoked);
          // What was given up can now be placed: another round follows.
          this.#rejoin = true;
        }
        this.#owned = [...this.#owned, ...added];
        if (added.length > 0) await o.listener.assigned(added);
      } else {
        this.#owned = assigned;
        await o.listener.assigned(assigned);
      }
    } finally {
      this.#joining = false;
    }
  }

  /** After a failed JoinGroup/SyncGroup: fixes what the error says, waits if needed; the loop retries. */
  async #joinFailed(err: unknown, what: string): Promise<void> {
    if (err instanceof GroupWakeupError) throw err;
    const e = err instanceof GroupError ? err : undefined;
    const code = e?.kafkaError;
    if (code === 'MEMBER_ID_REQUIRED' && e?.memberId !== undefined) {
      this.#memberId = e.memberId;
      return;
    }
    if (code === 'REBALANCE_IN_PROGRESS') return;
    if (code !== undefined && MEMBERSHIP_ERRORS.has(code)) {
      this.#memberGone(code);
      this.#lost = false;
      const lost = this.#owned;
      this.#owned = [];
      if (lost.length > 0) await this.#o.listener.lost(lost);
      return;
    }
    if (
      code === 'INCONSISTENT_GROUP_PROTOCOL' ||
      code === 'GROUP_AUTHORIZATION_FAILED' ||
      code === 'INVALID_SESSION_TIMEOUT'
    ) {
      throw new ConnectError(
        `Could not join consumer group ${this.#o.groupId}: ${code}${code === 'INCONSISTENT_GROUP_PROTOCOL' ? ` (the group's members use other partition assignors than ${this.#o.assignors.join(', ')})` : ''}`,
        { cause: err },
      );
    }
    if (code !== undefined && COORDINATOR_ERRORS.has(code)) this.#coordinator = null;
    // Network and other passing failures: the caller's back-off applies.
    throw err instanceof RetriableError
      ? err
      : toConnectError(err, `${what} of group ${this.#o.groupId} failed`);
  }

  async #leaderAssign(join: JoinResponse): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const members: MemberSubscription[] = join.members.map((m) =>
      decodeSubscription(m.memberId, m.groupInstanceId ?? null, m.metadata),
    );
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    const counts = await this.#partitionCounts(topics);
    this.#assignedCounts = counts;
    const result = assign(this.#protocol ?? 'range', members, counts);
    const cooperative = this.#protocol !== null && isCooperative(this.#protocol);
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment(result.get(m.memberId) ?? [], cooperative),
    }));
  }

  /** Partition counts of the existing topics among `topics`. */
  async #partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    let names = topics;
    try {
      const existing = new Set(await this.#admin.listTopics({ includeInternals: true }));
      names = topics.filter((t) => existing.has(t));
      if (names.length === 0) return counts;
      const metadata = await this.#admin.metadata({ topics: names, forceUpdate: true });
      for (const t of names) {
        const d = metadata.topics.get(t);
        if (d !== undefined) counts.set(t, d.partitionsCount);
      }
    } catch (err) {
      throw toConnectError(err, `Could not read the partitions of ${names.join(', ')}`);
    }
    return counts;
  }

  async #checkMetadata(): Promise<void> {
    this.#nextMetadataCheck = Date.now() + this.#o.metadataMaxAgeMs;
    const topics = [...(await this.#o.subscription())].sort();
    if (topics.join('\u0000') !== this.#subscribed.join('\u0000')) {
      this.#o.logger?.info(
        `Group ${this.#o.groupId}: subscription changed to ${topics.join(', ')}; rejoining`,
      );
      this.#rejoin = true;
      return;
    }
    if (!this.#leader) return;
    const counts = await this.#partitionCounts([...this.#assignedCounts.keys()]);
    for (const [topic, n] of this.#assignedCounts) {
      if (counts.get(topic) !== n) {
        this.#o.logger?.info(
          `Group ${this.#o.groupId}: partitions of ${topic} changed (${n} -> ${counts.get(topic) ?? 'none'}); rejoining`,
        );
        this.#rejoin = true;
        return;
      }
    }
  }

  #memberGone(code: string): void {
    if (code === 'UNKNOWN_MEMBER_ID' || code === 'FENCED_INSTANCE_ID') this.#memberId = '';
    this.#generation = -1;
    this.#rejoin = true;
    this.#lost = true;
    this.#stopHeartbeat();
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => void this.#beat(), this.#o.heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async #beat(): Promise<void> {
    if (this.#joining || this.#closed || this.#heartbeatInFlight || this.#memberId === '') return;
    const o = this.#o;
    if (Date.now() - this.#lastPoll > o.maxPollIntervalMs) {
      // As Kafka's consumer: a member whose application stopped polling leaves, so the group
      // can move on; its partitions are lost and it joins again on its next poll. A static
      // member (group.instance.id) sends no LeaveGroup (Kafka's consumer does not either): it
      // stays in the group until its session ends, so a restart within the session keeps its
      // partitions without a rebalance.
      const dynamic = o.groupInstanceId === null;
      o.logger?.warn(
        `Group ${o.groupId}: consumer poll timeout has expired (max.poll.interval.ms ${o.maxPollIntervalMs}); ${
          dynamic ? 'leaving the group' : `static member ${o.groupInstanceId} stays until its session ends`
        }`,
      );
      const memberId = this.#memberId;
      this.#memberGone('UNKNOWN_MEMBER_ID');
      if (!dynamic) return;
      this.#heartbeatInFlight = true;
      try {
        await this.#call('LeaveGroup', [
          o.groupId,
          [{ memberId, groupInstanceId: null, reason: 'consumer poll timeout has expired' }],
        ]);
      } catch {
        // the session ends anyway
      } finally {
        this.#heartbeatInFlight = false;
      }
      return;
    }
    this.#heartbeatInFlight = true;
    try {
      await this.#call('Heartbeat', [o.groupId, this.#generation, this.#memberId, o.groupInstanceId]);
    } catch (err) {
      if (this.#joining || this.#closed) return;
      const code = err instanceof GroupError ? err.kafkaError : undefined;
      if (code === 'REBALANCE_IN_PROGRESS') {
        // Keep heartbeating until the task's next poll joins (the session stays alive).
        if (!this.#rejoin) o.logger?.info(`Group ${o.groupId}: rebalance in progress`);
        this.#rejoin = true;
      } else if (code !== undefined && MEMBERSHIP_ERRORS.has(code)) {
        o.logger?.warn(`Group ${o.groupId}: heartbeat answered ${code}; partitions are lost, rejoining`);
        this.#memberGone(code);
      } else if (code !== undefined && COORDINATOR_ERRORS.has(code)) {
        this.#coordinator = null;
      }
    } finally {
      this.#heartbeatInFlight = false;
    }
  }

  async #findCoordinator(): Promise<Broker> {
    if (this.#coordinator !== null) return this.#coordinator;
    const found = await this.#admin.findCoordinator({
      keyType: kafkaLibrary().FindCoordinatorKeyTypes.GROUP,
      keys: [this.#o.groupId],
    });
    const c = found.find((x) => x.key === this.#o.groupId) ?? found[0];
    if (c === undefined || c.nodeId < 0)
      throw new GroupError(
        `No coordinator for group ${this.#o.groupId}`,
        'COORDINATOR_NOT_AVAILABLE',
        undefined,
        undefined,
      );
    this.#coordinator = { host: c.host, port: c.port };
    return this.#coordinator;
  }

  /**
   * A request the coordinator may hold (JoinGroup, SyncGroup), given up on {@link wakeup}: the
   * request stays queued on its connection at the broker, so that connection is dropped and the
   * member's next requests open a new one.
   */
  async #wait<Response>(name: string, args: unknown[]): Promise<Response> {
    if (this.#woken || this.#closed) {
      this.#woken = false;
      throw new GroupWakeupError(this.#o.groupId);
    }
    const request = this.#call<Response>(name, args);
    const { promise: interrupted, reject } = Promise.withResolvers<never>();
    // Synchronous, so that a close() that interrupts already sends its LeaveGroup on the new client.
    this.#interrupt = (err) => {
      this.#interrupt = null;
      request.catch(() => {});
      const held = this.#admin;
      this.#admin = this.#newAdmin();
      held.close().catch(() => {});
      this.#o.logger?.info(`Group ${this.#o.groupId}: ${name} given up (the member is stopping)`);
      reject(err);
    };
    try {
      return await Promise.race([request, interrupted]);
    } finally {
      this.#interrupt = null;
    }
  }

  async #call<Response>(name: string, args: unknown[]): Promise<Response> {
    try {
      const broker = await this.#findCoordinator();
      const admin = this.#admin;
      const api = await libraryApi<unknown[], Response>(admin, name).catch((error: Error | null) => {
        throw error ?? new Error(`Kafka API ${name} unavailable`);
      });
      const connection = await libraryConnection(admin, broker);
      return await (api as API<unknown[], Response>).async(connection, ...args);
    } catch (err) {
      if (err instanceof GroupError) throw err;
      const code = kafkaErrorName(err);
      if (code !== undefined && COORDINATOR_ERRORS.has(code)) this.#coordinator = null;
      if (code === undefined) this.#coordinator = null; // network: look the coordinator up again
      const response = (err as { response?: { memberId?: unknown } }).response;
      const memberId =
        typeof response?.memberId === 'string' && response.memberId !== '' ? response.memberId : undefined;
      throw new GroupError(
        `${name} of group ${this.#o.groupId} failed: ${code ?? (err as Error).message}`,
        code,
        memberId,
        err,
      );
    }
  }
}

interface JoinResponse {
  generationId: number;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId?: string | null; metadata: Buffer }>;
}
