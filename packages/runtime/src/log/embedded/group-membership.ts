/**
 * Consumer-group membership on the embedded log: the equivalent of Kafka's group coordinator for
 * the sink tasks of the one process that owns the log directory. A task joins its connector's
 * group (`connect-<name>`) as a member; the partitions of the group's topics are dealt by the
 * same assignors as on Kafka (`../consumer-assignors.ts`, the first protocol every member
 * supports); a member joining or leaving, a changed subscription or partition count starts a
 * rebalance, which is eager: every member revokes (and commits) what it owns at its next poll,
 * and once all have, the new assignment is handed out. Commits are accepted only for partitions
 * the committing member owns. {@link EmbeddedGroups.describe} tells who is in a group.
 */
import { randomUUID } from 'node:crypto';
import { ConnectError, RetriableError } from '@sluice/api';
import { assign } from '../consumer-assignors.ts';
import type { CommitOffset, GroupMember, GroupMemberOptions, TopicPartition } from '../log-client.ts';

/** A member of an embedded group, as described. */
export interface EmbeddedGroupMemberDescription {
  memberId: string;
  clientId: string;
  topics: string[];
  assignment: TopicPartition[];
}

export interface EmbeddedGroupDescription {
  groupId: string;
  /** `Stable`, `PreparingRebalance` or `Empty`, as Kafka names a classic group's states. */
  state: 'Stable' | 'PreparingRebalance' | 'Empty';
  /** The assignor in use; '' when the group has no member. */
  protocol: string;
  generation: number;
  members: EmbeddedGroupMemberDescription[];
}

interface MemberState {
  memberId: string;
  clientId: string;
  options: GroupMemberOptions;
  topics: string[];
  owned: TopicPartition[];
  /** The generation whose rebalance this member has taken part in (revoked before). */
  joined: number;
  /** The generation whose assignment this member has taken. */
  assigned: number;
  lastPoll: number;
}

interface GroupState {
  generation: number;
  protocol: string;
  pending: boolean;
  members: Map<string, MemberState>;
  assignment: Map<string, TopicPartition[]>;
  /** Partition counts the assignment was made from. */
  counts: Map<string, number>;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

export class EmbeddedGroups {
  readonly #groups = new Map<string, GroupState>();
  readonly #partitionCounts: (topics: string[]) => Promise<Map<string, number>>;
  readonly #commit: (groupId: string, offsets: CommitOffset[]) => Promise<void>;

  constructor(
    partitionCounts: (topics: string[]) => Promise<Map<string, number>>,
    commit: (groupId: string, offsets: CommitOffset[]) => Promise<void>,
  ) {
    this.#partitionCounts = partitionCounts;
    this.#commit = commit;
  }

  /** The group's members and what each owns; null for a group nobody has joined. */
  describe(groupId: string): EmbeddedGroupDescription | null {
    const g = this.#groups.get(groupId);
    if (g === undefined) return null;
    return {
      groupId,
      state: g.members.size === 0 ? 'Empty' : g.pending ? 'PreparingRebalance' : 'Stable',
      protocol: g.members.size === 0 ? '' : g.protocol,
      generation: g.generation,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        topics: [...m.topics],
        // As Kafka's coordinator: the assignment of the current generation (none while rebalancing).
        assignment: g.pending ? [] : [...(g.assignment.get(m.memberId) ?? [])],
      })),
    };
  }

  /** The ids of the groups some member has joined (with or without members now). */
  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  /** Whether the group has members (an active group's offsets cannot be changed from outside). */
  isActive(groupId: string): boolean {
    return (this.#groups.get(groupId)?.members.size ?? 0) > 0;
  }

  join(options: GroupMemberOptions, clientId: string): GroupMember {
    let g = this.#groups.get(options.groupId);
    if (g === undefined) {
      g = {
        generation: 0,
        protocol: '',
        pending: false,
        members: new Map(),
        assignment: new Map(),
        counts: new Map(),
      };
      this.#groups.set(options.groupId, g);
    }
    const group = g;
    const state: MemberState = {
      memberId: `${clientId}-${randomUUID()}`,
      clientId,
      options,
      topics: [],
      owned: [],
      joined: -1,
      assigned: -1,
      lastPoll: Date.now(),
    };
    let inGroup = false;
    let closed = false;
    let nextMetadataCheck = 0;
    const self = this;
    return {
      get memberId() {
        return inGroup ? state.memberId : '';
      },
      get generationId() {
        return inGroup ? group.generation : -1;
      },
      assignment: () => [...state.owned],
      async poll(): Promise<void> {
        if (closed) throw new ConnectError('The consumer group member is closed');
        state.lastPoll = Date.now();
        if (!inGroup) {
          state.topics = [...(await options.subscription())].sort();
          self.#checkProtocol(group, options);
          group.members.set(state.memberId, state);
          inGroup = true;
          self.#rebalance(group);
        } else if (!group.pending && Date.now() >= nextMetadataCheck) {
          nextMetadataCheck = Date.now() + options.metadataMaxAgeMs;
          const topics = [...(await options.subscription())].sort();
          if (topics.join('\u0000') !== state.topics.join('\u0000')) {
            state.topics = topics;
            self.#rebalance(group);
          } else {
            const counts = await self.#partitionCounts([...group.counts.keys()]);
            if ([...group.counts].some(([t, n]) => counts.get(t) !== n)) self.#rebalance(group);
          }
        }
        self.#evictStale(group);
        if (group.pending && state.joined < group.generation) {
          // Eager: give everything up (committing it) before the new assignment.
          const revoked = state.owned;
          if (revoked.length > 0) await options.listener.revoked(revoked);
          state.owned = [];
          state.topics = [...(await options.subscription())].sort();
          state.joined = group.generation;
        }
        if (group.pending && [...group.members.values()].every((m) => m.joined === group.generation)) {
          await self.#assign(group);
        }
        if (!group.pending && state.assigned < group.generation && state.joined === group.generation) {
          state.assigned = group.generation;
          state.owned = [...(group.assignment.get(state.memberId) ?? [])];
          nextMetadataCheck = Date.now() + options.metadataMaxAgeMs;
          options.logger?.info(
            `Group ${options.groupId}: generation ${group.generation} with protocol ${group.protocol}; assigned ${state.owned.map((tp) => `${tp.topic}-${tp.partition}`).join(', ') || 'nothing'}`,
          );
          await options.listener.assigned(state.owned);
        }
        state.lastPoll = Date.now();
      },
      async commit(offsets: CommitOffset[]): Promise<void> {
        if (offsets.length === 0) return;
        const owned = new Set(state.owned.map(key));
        const foreign = offsets.filter((o) => !owned.has(key(o)));
        if (!inGroup || foreign.length > 0) {
          throw new RetriableError(
            `Commit refused: ${foreign.map((o) => `${o.topic}-${o.partition}`).join(', ')} not owned by member ${state.memberId} of group ${options.groupId}`,
          );
        }
        await self.#commit(options.groupId, offsets);
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        if (inGroup) {
          group.members.delete(state.memberId);
          inGroup = false;
          if (group.members.size > 0) self.#rebalance(group);
        }
      },
    };
  }

  #checkProtocol(group: GroupState, options: GroupMemberOptions): void {
    for (const m of group.members.values()) {
      if (!m.options.assignors.some((a) => options.assignors.includes(a))) {
        throw new ConnectError(
          `Could not join consumer group ${options.groupId}: INCONSISTENT_GROUP_PROTOCOL (the group's members use other partition assignors than ${options.assignors.join(', ')})`,
        );
      }
    }
  }

  #rebalance(group: GroupState): void {
    group.generation++;
    group.pending = true;
  }

  /** Members that stopped polling for their `max.poll.interval.ms` leave (their partitions are lost). */
  #evictStale(group: GroupState): void {
    if (!group.pending) return;
    const now = Date.now();
    for (const m of [...group.members.values()]) {
      if (m.joined < group.generation && now - m.lastPoll > m.options.maxPollIntervalMs) {
        m.options.logger?.warn(
          `Group ${m.options.groupId}: member ${m.memberId} did not poll for max.poll.interval.ms (${m.options.maxPollIntervalMs}); removed`,
        );
        group.members.delete(m.memberId);
        m.owned = [];
      }
    }
  }

  async #assign(group: GroupState): Promise<void> {
    const members = [...group.members.values()];
    const first = members[0]!.options.assignors;
    const protocol = first.find((a) => members.every((m) => m.options.assignors.includes(a))) ?? first[0]!;
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    const counts = await this.#partitionCounts(topics);
    // Another poll may have finished the assignment meanwhile.
    if (!group.pending) return;
    group.assignment = assign(
      protocol,
      members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.options.groupInstanceId,
        topics: m.topics,
        ownedPartitions: [],
        generationId: -1,
      })),
      counts,
    );
    group.counts = counts;
    group.protocol = protocol;
    group.pending = false;
  }
}
