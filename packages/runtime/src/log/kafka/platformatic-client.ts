/**
 * {@link LogClient} over a real Kafka cluster, built on `@platformatic/kafka`.
 *
 * This class composes the interface's parts, each in a file of its own beside it:
 * - admin.ts: the cluster id and topics, through the library's `Admin` ({@link LogAdmin});
 * - produce.ts: appends, by Sluice's own Produce requests or the library's `Producer`
 *   (idempotent, acks=all by default) ({@link LogWriter});
 * - fetch.ts: reads through the library's low-level Fetch API on a connection of their own (the
 *   library's high-level consumer has no per-partition pause/resume/seek; a sink task drives
 *   fetch offsets itself), and the offsets of partitions ({@link LogReader});
 * - group-offsets.ts: a consumer group's committed offsets ({@link LogGroupOffsets});
 * - errors.ts: the library's errors mapped to `ConnectError`s, and which are retriable;
 * - library-clients.ts: the library clients, created lazily, each with its own connections, so
 *   a long-polling fetch never delays an append or an admin request (Kafka serves one request at
 *   a time per connection); library-internals.ts: the one use of the library's internals.
 *
 * Where the library falls short of what Kafka Connect needs, the parts fill the gap:
 * - partitioning: the library's default partitioner is not the Java one for keys whose murmur2
 *   hash is negative, and sends null-key records of the compatible partitioner all to
 *   partition 0; partitions are therefore chosen as the Java producer chooses them (produce.ts);
 * - offsets per record: the library reports one base offset per partition; each record's offset
 *   is the base plus its position in that partition's batch (one batch per partition per send);
 * - batch size: the library puts all records of a partition into one batch, which the broker
 *   rejects above `max.message.bytes`; large inputs are split into several sends;
 * - timestamps: the library corrupts a record timestamp that is 2^31 ms (24.8 days) or more
 *   away from the first timestamp of its batch; such records go into separate batches;
 * - header keys may repeat: headers are passed as a Map keyed by distinct Buffer objects;
 * - per-topic configs at creation: the library applies one config list to all topics of a
 *   call, so topics are created one call each (admin.ts).
 */

import type {
  CommitOffset,
  CreateTopicResult,
  FetchedPartition,
  FetchOptions,
  FetchPartitionRequest,
  GroupMember,
  GroupMemberOptions,
  GroupOffset,
  ListedOffset,
  ListTopicsOptions,
  LogAdmin,
  LogClient,
  LogGroupOffsets,
  LogReader,
  LogWriter,
  NewTopic,
  OffsetSpec,
  ProduceOptions,
  ProduceRecord,
  RecordAck,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicDescription,
  TopicPartition,
  TransactionalWriter,
} from '../log-client.ts';
import { KafkaAdmin } from './admin.ts';
import { KafkaGroupMember } from './consumer-group-member.ts';
import { KafkaReader } from './fetch.ts';
import { KafkaGroupOffsets } from './group-offsets.ts';
import { LibraryClients } from './library-clients.ts';
import { KafkaProducer } from './produce.ts';
import {
  fenceTransactionalIds,
  KafkaTransactionalWriter,
  type LibraryClientOptions,
} from './transactional-writer.ts';

export { toConnectError } from './errors.ts';

import type { PlatformaticLogClientConfig } from './library-clients.ts';

export type { PlatformaticLogClientConfig };

/** A LogClient for a Kafka cluster. */
export class PlatformaticLogClient implements LogClient {
  readonly kind = 'kafka' as const;
  readonly #clients: LibraryClients;
  readonly #admin: LogAdmin;
  readonly #writer: LogWriter;
  readonly #reader: LogReader;
  readonly #groups: LogGroupOffsets;

  constructor(config: PlatformaticLogClientConfig) {
    this.#clients = new LibraryClients(config);
    this.#admin = new KafkaAdmin(this.#clients);
    this.#writer = new KafkaProducer(this.#clients);
    this.#reader = new KafkaReader(this.#clients);
    this.#groups = new KafkaGroupOffsets(this.#clients);
  }

  close(): Promise<void> {
    return this.#clients.close();
  }

  // Admin

  clusterId(): Promise<string> {
    return this.#admin.clusterId();
  }

  createTopics(topics: NewTopic[]): Promise<CreateTopicResult[]> {
    return this.#admin.createTopics(topics);
  }

  describeTopics(names: string[]): Promise<Map<string, TopicDescription>> {
    return this.#admin.describeTopics(names);
  }

  listTopics(options?: ListTopicsOptions): Promise<string[]> {
    return this.#admin.listTopics(options);
  }

  deleteTopics(names: string[]): Promise<void> {
    return this.#admin.deleteTopics(names);
  }

  // Produce

  produce(records: ProduceRecord[], options?: ProduceOptions): Promise<RecordAck[]> {
    return this.#writer.produce(records, options);
  }

  // Fetch and offsets

  fetch(partitions: FetchPartitionRequest[], options?: FetchOptions): Promise<FetchedPartition[]> {
    return this.#reader.fetch(partitions, options);
  }

  listOffsets(
    partitions: TopicPartition[],
    spec: OffsetSpec,
    options?: { isolationLevel?: FetchOptions['isolationLevel'] },
  ): Promise<ListedOffset[]> {
    return this.#reader.listOffsets(partitions, spec, options);
  }

  offsetsForTimes(requests: TimestampOffsetRequest[]): Promise<TimestampOffset[]> {
    return this.#reader.offsetsForTimes(requests);
  }

  // Consumer-group offsets

  // -----------------------------------------------------------------------------------------
  // Transactions (exactly-once source tasks): transactional-writer.ts

  transactionalWriter(transactionalId: string): TransactionalWriter {
    this.#clients.checkOpen();
    return new KafkaTransactionalWriter(
      this.#clients.baseOptions('-txn') as LibraryClientOptions,
      transactionalId,
      this.#clients.config.maxRequestBytes,
    );
  }

  fenceProducers(transactionalIds: string[]): Promise<void> {
    this.#clients.checkOpen();
    return fenceTransactionalIds(
      this.#clients.baseOptions('-fence') as LibraryClientOptions,
      transactionalIds,
    );
  }

  /** A member of a consumer group (consumer-group-member.ts), on connections of its own. */
  joinGroup(options: GroupMemberOptions): GroupMember {
    this.#clients.checkOpen();
    return new KafkaGroupMember(this.#clients.config, options);
  }

  commitGroupOffsets(groupId: string, offsets: CommitOffset[]): Promise<void> {
    return this.#groups.commitGroupOffsets(groupId, offsets);
  }

  fetchGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<GroupOffset[]> {
    return this.#groups.fetchGroupOffsets(groupId, partitions);
  }

  deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    return this.#groups.deleteGroupOffsets(groupId, partitions);
  }

  deleteGroups(groupIds: string[]): Promise<void> {
    return this.#groups.deleteGroups(groupIds);
  }
}
