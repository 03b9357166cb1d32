/**
 * The consumer-group part of the Kafka {@link LogClient} ({@link LogGroupOffsets}): committed
 * offsets of a group read, altered and deleted from outside the group, and empty groups deleted,
 * through the library's `Admin` (as Kafka Connect's offsets API does for sink connectors).
 */

import type { Admin } from '@platformatic/kafka';
import { ConnectError } from '@sluice/api';
import { groupByTopic } from '../group-by-topic.ts';
import type { CommitOffset, GroupOffset, LogGroupOffsets, TopicPartition } from '../log-client.ts';
import { errorDetail, hasKafkaError, onlyKafkaErrors, toConnectError, toSafeNumber } from './errors.ts';
import type { LibraryClients } from './library-clients.ts';

export class KafkaGroupOffsets implements LogGroupOffsets {
  readonly #clients: LibraryClients;

  constructor(clients: LibraryClients) {
    this.#clients = clients;
  }

  async commitGroupOffsets(groupId: string, offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = groupByTopic(offsets, (o) => ({ partition: o.partition, offset: BigInt(o.offset) }));
    try {
      await this.#clients.admin().alterConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      });
    } catch (err) {
      if (
        hasKafkaError(err, 'UNKNOWN_MEMBER_ID') ||
        hasKafkaError(err, 'ILLEGAL_GENERATION') ||
        hasKafkaError(err, 'STALE_MEMBER_EPOCH') ||
        hasKafkaError(err, 'REBALANCE_IN_PROGRESS')
      ) {
        throw new ConnectError(
          `Could not commit offsets for consumer group ${groupId}: the group has active members (${errorDetail(err)})`,
          { cause: err },
        );
      }
      throw toConnectError(err, `Could not commit offsets for consumer group ${groupId}`);
    }
  }

  async fetchGroupOffsets(groupId: string, partitions?: TopicPartition[]): Promise<GroupOffset[]> {
    let request: Parameters<Admin['listConsumerGroupOffsets']>[0];
    if (partitions === undefined) {
      request = { groups: [groupId] };
    } else {
      if (partitions.length === 0) return [];
      const byTopic = groupByTopic(partitions, (p) => p.partition);
      request = {
        groups: [
          { groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) },
        ],
      };
    }
    let listed: Awaited<ReturnType<Admin['listConsumerGroupOffsets']>>;
    try {
      listed = await this.#clients.admin().listConsumerGroupOffsets(request);
    } catch (err) {
      throw toConnectError(err, `Could not read the offsets of consumer group ${groupId}`);
    }
    const out: GroupOffset[] = [];
    for (const group of listed) {
      if (group.groupId !== groupId) continue;
      for (const topic of group.topics) {
        for (const p of topic.partitions) {
          if (p.committedOffset < 0n) continue;
          out.push({
            topic: topic.name,
            partition: p.partitionIndex,
            offset: toSafeNumber(p.committedOffset),
            metadata: p.metadata ?? null,
          });
        }
      }
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }

  async deleteGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return;
    const byTopic = groupByTopic(partitions, (p) => p.partition);
    try {
      await this.#clients.admin().deleteConsumerGroupOffsets({
        groupId,
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      });
    } catch (err) {
      if (hasKafkaError(err, 'GROUP_ID_NOT_FOUND')) return;
      if (hasKafkaError(err, 'GROUP_SUBSCRIBED_TO_TOPIC')) {
        throw new ConnectError(
          `Could not delete offsets of consumer group ${groupId}: the group is subscribed to the topic`,
          { cause: err },
        );
      }
      throw toConnectError(err, `Could not delete offsets of consumer group ${groupId}`);
    }
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return;
    try {
      await this.#clients.admin().deleteGroups({ groups: groupIds });
    } catch (err) {
      if (onlyKafkaErrors(err, ['GROUP_ID_NOT_FOUND'])) return;
      if (hasKafkaError(err, 'NON_EMPTY_GROUP')) {
        throw new ConnectError(
          `Could not delete consumer groups ${groupIds.join(', ')}: a group is not empty`,
          {
            cause: err,
          },
        );
      }
      throw toConnectError(err, `Could not delete consumer groups ${groupIds.join(', ')}`);
    }
  }
}
