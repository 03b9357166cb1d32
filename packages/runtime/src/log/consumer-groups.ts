/**
 * Consumer groups as `kafka-consumer-groups.sh --list / --describe` shows them, for `sluice
 * groups` (and the worker's /sluice/groups endpoint): from Kafka (kafka/consumer-groups-admin.ts)
 * or from the embedded log (embedded/consumer-groups-source.ts). A source tells the groups, their
 * members with what each is assigned, and their committed offsets; {@link describeConsumerGroup}
 * joins these with the partitions' log end offsets into the rows of Kafka's tool:
 *
 * - one row per partition assigned to a member (CURRENT-OFFSET and LAG null, printed "-", when
 *   nothing is committed for it), then one per partition with a committed offset that no member
 *   has (CONSUMER-ID, HOST and CLIENT-ID null);
 * - LAG = LOG-END-OFFSET − CURRENT-OFFSET (negative when the committed offset is past the end,
 *   as Kafka's tool prints it).
 */
import type { GroupOffset, ListedOffset, TopicPartition } from './log-client.ts';

export interface ConsumerGroupListing {
  group: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead, ... as Kafka names them. */
  state: string;
}

export interface ConsumerGroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** As Kafka's coordinator reports it (`/127.0.0.1`); null where there is none (embedded log). */
  host: string | null;
  assignment: TopicPartition[];
}

export interface ConsumerGroupInfo {
  group: string;
  state: string;
  /** The assignor in use (`range`, ...); '' when the group has no member. */
  protocol: string;
  /** `host:port (id)` of the group's coordinator; null on the embedded log. */
  coordinator: string | null;
  members: ConsumerGroupMemberInfo[];
}

/** What `describeConsumerGroup` needs of a log. */
export interface ConsumerGroupsSource {
  list(): Promise<ConsumerGroupListing[]>;
  /** The group's state and members; null when the group does not exist. */
  info(group: string): Promise<ConsumerGroupInfo | null>;
  committed(group: string): Promise<GroupOffset[]>;
  logEndOffsets(partitions: TopicPartition[]): Promise<ListedOffset[]>;
  close(): Promise<void>;
}

/** A row of `kafka-consumer-groups --describe`; null is Kafka's "-". */
export interface ConsumerGroupOffsetRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

export interface ConsumerGroupDescription extends ConsumerGroupInfo {
  offsets: ConsumerGroupOffsetRow[];
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

const byTopicPartition = (a: TopicPartition, b: TopicPartition): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;

/** The group with its offset rows, sorted by topic and partition; null when it does not exist. */
export async function describeConsumerGroup(
  source: ConsumerGroupsSource,
  group: string,
): Promise<ConsumerGroupDescription | null> {
  const info = await source.info(group);
  if (info === null) return null;
  const committed = new Map((await source.committed(group)).map((o) => [tpKey(o), o]));
  const rows: ConsumerGroupOffsetRow[] = [];
  const seen = new Set<string>();
  for (const m of info.members) {
    for (const tp of m.assignment) {
      seen.add(tpKey(tp));
      rows.push({
        group,
        topic: tp.topic,
        partition: tp.partition,
        currentOffset: committed.get(tpKey(tp))?.offset ?? null,
        logEndOffset: null,
        lag: null,
        consumerId: m.memberId,
        host: m.host,
        clientId: m.clientId,
      });
    }
  }
  for (const [k, o] of committed) {
    if (seen.has(k)) continue;
    rows.push({
      group,
      topic: o.topic,
      partition: o.partition,
      currentOffset: o.offset,
      logEndOffset: null,
      lag: null,
      consumerId: null,
      host: null,
      clientId: null,
    });
  }
  rows.sort(byTopicPartition);
  if (rows.length > 0) {
    const ends = new Map(
      (await source.logEndOffsets(rows.map((r) => ({ topic: r.topic, partition: r.partition })))).map((e) => [
        tpKey(e),
        e.offset,
      ]),
    );
    for (const r of rows) {
      const end = ends.get(tpKey(r));
      // A partition of a deleted topic has no end: "-", as Kafka's tool prints it.
      r.logEndOffset = end === undefined || end < 0 ? null : end;
      r.lag = r.logEndOffset === null || r.currentOffset === null ? null : r.logEndOffset - r.currentOffset;
    }
  }
  return {
    ...info,
    members: info.members.map((m) => ({ ...m, assignment: [...m.assignment].sort(byTopicPartition) })),
    offsets: rows,
  };
}
