/**
 * The partition assignors of Kafka's consumer protocol (`partition.assignment.strategy`), run by
 * the leader of a sink connector's consumer group, and the consumer protocol's subscription and
 * assignment encodings (protocol type `consumer`, ConsumerProtocolSubscription v0–v3 and
 * ConsumerProtocolAssignment), so Sluice's members and Java consumers understand each other.
 *
 * - `range`: per topic, members sorted by id, each gets a consecutive slice; the first
 *   `partitions % members` members one more.
 * - `roundrobin`: every subscribed partition sorted by topic then partition, dealt over the
 *   members sorted by id, skipping members not subscribed to the topic.
 * - `sticky` (eager) and `cooperative-sticky`: members keep what they owned in the latest
 *   generation as far as the balance allows; the rest goes to the least loaded member. The
 *   cooperative one leaves a partition that moves from one member to another unassigned in this
 *   round: its owner revokes it first, and the follow-up rebalance places it.
 */
import { ConfigError } from '@sluice/api';
import { groupByTopic } from './group-by-topic.ts';
import type { TopicPartition } from './log-client.ts';

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

/** Java class names of `partition.assignment.strategy` and the protocol names they announce. */
const ASSIGNOR_CLASSES: ReadonlyMap<string, AssignorName> = new Map([
  ['org.apache.kafka.clients.consumer.RangeAssignor', 'range'],
  ['org.apache.kafka.clients.consumer.RoundRobinAssignor', 'roundrobin'],
  ['org.apache.kafka.clients.consumer.StickyAssignor', 'sticky'],
  ['org.apache.kafka.clients.consumer.CooperativeStickyAssignor', 'cooperative-sticky'],
]);

/** Kafka's consumer default: `[RangeAssignor, CooperativeStickyAssignor]`. */
export const DEFAULT_ASSIGNORS: readonly AssignorName[] = ['range', 'cooperative-sticky'];

/**
 * Parses `partition.assignment.strategy`: a comma-separated list of the assignors' Java class
 * names (their protocol names and simple class names are accepted too). Throws a ConfigError
 * naming the key for anything else.
 */
export function parseAssignors(raw: string | undefined): AssignorName[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_ASSIGNORS];
  const out: AssignorName[] = [];
  for (const item of raw.split(',')) {
    const name = item.trim();
    if (name === '') continue;
    let found = ASSIGNOR_CLASSES.get(name);
    if (found === undefined) {
      for (const [cls, protocol] of ASSIGNOR_CLASSES) {
        if (name === protocol || name === cls.slice(cls.lastIndexOf('.') + 1)) found = protocol;
      }
    }
    if (found === undefined) {
      throw ConfigError.invalidValue(
        'partition.assignment.strategy',
        raw,
        `Class ${name} cannot be found; Sluice's consumer supports ${[...ASSIGNOR_CLASSES.keys()].join(', ')}`,
      );
    }
    if (!out.includes(found)) out.push(found);
  }
  if (out.length === 0) {
    throw ConfigError.invalidValue('partition.assignment.strategy', raw, 'must name at least one assignor');
  }
  return out;
}

export function isCooperative(protocol: string): boolean {
  return protocol === 'cooperative-sticky';
}

/** One member's subscription, as the leader reads it from the JoinGroup response. */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  ownedPartitions: TopicPartition[];
  /** The generation the owned partitions are from; -1 when unknown. */
  generationId: number;
}

/** The partitions each member gets, by member id (every member present, maybe with none). */
export type GroupAssignment = Map<string, TopicPartition[]>;

/** Runs the assignor of the group's protocol. `partitionCounts` holds every subscribed topic that exists. */
export function assign(
  protocol: string,
  members: MemberSubscription[],
  partitionCounts: ReadonlyMap<string, number>,
): GroupAssignment {
  switch (protocol) {
    case 'range':
      return rangeAssign(members, partitionCounts);
    case 'roundrobin':
      return roundRobinAssign(members, partitionCounts);
    case 'sticky':
      return stickyAssign(members, partitionCounts, false);
    case 'cooperative-sticky':
      return stickyAssign(members, partitionCounts, true);
    default:
      throw new ConfigError(`Unknown partition assignor ${protocol}`);
  }
}

/** Members in Kafka's order: by group.instance.id when set, else by member id. */
function sortedMembers(members: MemberSubscription[]): MemberSubscription[] {
  return [...members].sort((a, b) =>
    compare(a.groupInstanceId ?? a.memberId, b.groupInstanceId ?? b.memberId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function emptyAssignment(members: MemberSubscription[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, [] as TopicPartition[]]));
}

function rangeAssign(members: MemberSubscription[], counts: ReadonlyMap<string, number>): GroupAssignment {
  const out = emptyAssignment(members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compare);
  for (const topic of topics) {
    const count = counts.get(topic);
    if (count === undefined) continue;
    const subscribers = sortedMembers(members.filter((m) => m.topics.includes(topic)));
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((m, i) => {
      const n = per + (i < extra ? 1 : 0);
      for (let p = next; p < next + n; p++) out.get(m.memberId)!.push({ topic, partition: p });
      next += n;
    });
  }
  return out;
}

function allPartitions(members: MemberSubscription[], counts: ReadonlyMap<string, number>): TopicPartition[] {
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compare);
  const all: TopicPartition[] = [];
  for (const topic of topics) {
    const count = counts.get(topic) ?? 0;
    for (let p = 0; p < count; p++) all.push({ topic, partition: p });
  }
  return all;
}

function roundRobinAssign(
  members: MemberSubscription[],
  counts: ReadonlyMap<string, number>,
): GroupAssignment {
  const out = emptyAssignment(members);
  const ring = sortedMembers(members);
  let at = 0;
  for (const tp of allPartitions(members, counts)) {
    for (let tried = 0; tried < ring.length; tried++) {
      const m = ring[at % ring.length]!;
      at++;
      if (m.topics.includes(tp.topic)) {
        out.get(m.memberId)!.push(tp);
        break;
      }
    }
  }
  return out;
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

function stickyAssign(
  members: MemberSubscription[],
  counts: ReadonlyMap<string, number>,
  cooperative: boolean,
): GroupAssignment {
  const out = emptyAssignment(members);
  const all = allPartitions(members, counts);
  const valid = new Set(all.map(key));
  const byId = new Map(members.map((m) => [m.memberId, m]));
  // Claims of the latest generation win; a partition claimed twice in it is nobody's.
  const latest = Math.max(-1, ...members.map((m) => m.generationId));
  const claims = new Map<string, { member: string; generation: number; twice: boolean }>();
  for (const m of members) {
    for (const tp of m.ownedPartitions) {
      const k = key(tp);
      if (!valid.has(k) || !m.topics.includes(tp.topic)) continue;
      const c = claims.get(k);
      if (c === undefined || m.generationId > c.generation)
        claims.set(k, { member: m.memberId, generation: m.generationId, twice: false });
      else if (m.generationId === c.generation) c.twice = true;
    }
  }
  const previousOwner = new Map<string, string>();
  for (const [k, c] of claims)
    if (!c.twice && (c.generation === latest || latest < 0)) previousOwner.set(k, c.member);
  // Every claim of any generation, for the cooperative hand-over check below.
  const claimedBy = new Map<string, Set<string>>();
  for (const m of members) {
    for (const tp of m.ownedPartitions) {
      const k = key(tp);
      let s = claimedBy.get(k);
      if (s === undefined) {
        s = new Set();
        claimedBy.set(k, s);
      }
      s.add(m.memberId);
    }
  }
  const maxQuota = Math.ceil(all.length / Math.max(1, members.length));
  const size = (id: string) => out.get(id)!.length;
  // 1. Keep what each member owned, up to the quota.
  const assigned = new Set<string>();
  for (const tp of all) {
    const owner = previousOwner.get(key(tp));
    if (owner === undefined || !byId.has(owner) || size(owner) >= maxQuota) continue;
    out.get(owner)!.push(tp);
    assigned.add(key(tp));
  }
  // 2. The rest to the least loaded subscriber (ties by id).
  const ordered = sortedMembers(members);
  for (const tp of all) {
    if (assigned.has(key(tp))) continue;
    let best: MemberSubscription | undefined;
    for (const m of ordered) {
      if (!m.topics.includes(tp.topic)) continue;
      if (best === undefined || size(m.memberId) < size(best.memberId)) best = m;
    }
    if (best === undefined) continue;
    out.get(best.memberId)!.push(tp);
    assigned.add(key(tp));
  }
  // 3. Even out: move from members above the quota floor + 1 to members below the floor.
  const minQuota = Math.floor(all.length / Math.max(1, members.length));
  for (let moved = true; moved; ) {
    moved = false;
    const under = ordered.filter((m) => size(m.memberId) < minQuota);
    const over = ordered
      .filter((m) => size(m.memberId) > minQuota)
      .sort((a, b) => size(b.memberId) - size(a.memberId));
    outer: for (const u of under) {
      for (const o of over) {
        if (size(o.memberId) <= minQuota) continue;
        const list = out.get(o.memberId)!;
        const i = list.findIndex(
          (tp) => u.topics.includes(tp.topic) && previousOwner.get(key(tp)) !== o.memberId,
        );
        const j = i >= 0 ? i : list.findIndex((tp) => u.topics.includes(tp.topic));
        if (j < 0) continue;
        out.get(u.memberId)!.push(...list.splice(j, 1));
        moved = true;
        break outer;
      }
    }
  }
  if (cooperative) {
    // A partition another member still owns stays unassigned this round: that member revokes it,
    // rejoins, and the follow-up rebalance hands it over.
    for (const [id, list] of out) {
      out.set(
        id,
        list.filter((tp) => {
          const owners = claimedBy.get(key(tp));
          return owners === undefined || [...owners].every((o) => o === id);
        }),
      );
    }
  }
  for (const list of out.values())
    list.sort((a, b) => compare(a.topic, b.topic) || a.partition - b.partition);
  return out;
}

// ------------------------------------------------------------------------------------------
// The consumer protocol's encodings (big-endian, non-flexible: int16 version, arrays with an
// int32 length, strings with an int16 length, bytes with an int32 length, -1 for null).

class Out {
  readonly parts: Buffer[] = [];
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string | null): this {
    if (s === null) return this.i16(-1);
    const b = Buffer.from(s, 'utf8');
    this.i16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer | null): this {
    if (b === null) return this.i32(-1);
    this.i32(b.length);
    this.parts.push(b);
    return this;
  }
  partitions(tps: TopicPartition[]): this {
    const byTopic = sortedByTopic(tps);
    this.i32(byTopic.length);
    for (const [topic, parts] of byTopic) {
      this.str(topic).i32(parts.length);
      for (const p of parts) this.i32(p);
    }
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  #b: Buffer;
  #at = 0;
  constructor(b: Buffer) {
    this.#b = b;
  }
  get remaining(): number {
    return this.#b.length - this.#at;
  }
  i16(): number {
    const v = this.#b.readInt16BE(this.#at);
    this.#at += 2;
    return v;
  }
  i32(): number {
    const v = this.#b.readInt32BE(this.#at);
    this.#at += 4;
    return v;
  }
  str(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    const s = this.#b.toString('utf8', this.#at, this.#at + n);
    this.#at += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.i32();
    if (n < 0) return null;
    const s = this.#b.subarray(this.#at, this.#at + n);
    this.#at += n;
    return s;
  }
  partitions(): TopicPartition[] {
    const out: TopicPartition[] = [];
    const topics = this.i32();
    for (let t = 0; t < topics; t++) {
      const topic = this.str() ?? '';
      const n = this.i32();
      for (let i = 0; i < n; i++) out.push({ topic, partition: this.i32() });
    }
    return out;
  }
}

/** Topics in name order, each with its partitions in number order. */
function sortedByTopic(tps: TopicPartition[]): Array<[string, number[]]> {
  return [...groupByTopic(tps, (tp) => tp.partition)]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([t, ps]) => [t, ps.sort((a, b) => a - b)]);
}

/** ConsumerProtocolSubscription v3 (topics, no user data, owned partitions, generation, no rack). */
export function encodeSubscription(topics: string[], owned: TopicPartition[], generationId: number): Buffer {
  const out = new Out().i16(3).i32(topics.length);
  for (const t of [...topics].sort(compare)) out.str(t);
  return out.bytes(null).partitions(owned).i32(generationId).str(null).done();
}

export function decodeSubscription(
  memberId: string,
  groupInstanceId: string | null,
  buffer: Buffer,
): MemberSubscription {
  const r = new In(buffer);
  const version = r.i16();
  const n = r.i32();
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.str() ?? '');
  const userData = r.bytes();
  let owned: TopicPartition[] = [];
  let generationId = -1;
  if (version >= 1 && r.remaining > 0) owned = r.partitions();
  if (version >= 2 && r.remaining >= 4) generationId = r.i32();
  // Older cooperative-sticky members put the generation into the user data.
  else if (userData !== null && userData.length >= 4) generationId = userData.readInt32BE(0);
  return { memberId, groupInstanceId, topics, ownedPartitions: owned, generationId };
}

/** ConsumerProtocolAssignment (version 3 for the cooperative protocol, else 0; as Java does). */
export function encodeAssignment(partitions: TopicPartition[], cooperative: boolean): Buffer {
  return new Out()
    .i16(cooperative ? 3 : 0)
    .partitions(partitions)
    .bytes(null)
    .done();
}

export function decodeAssignment(buffer: Buffer): TopicPartition[] {
  if (buffer.length < 2) return [];
  const r = new In(buffer);
  r.i16();
  if (r.remaining === 0) return [];
  return r.partitions();
}
