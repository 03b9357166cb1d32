/**
 * The consumer groups of an embedded log as a {@link ConsumerGroupsSource} (for `sluice groups`
 * and the worker's /sluice/groups endpoint); Kafka's are in kafka/consumer-groups-admin.ts.
 */
import type { ConsumerGroupsSource } from '../consumer-groups.ts';
import type { ListedOffset } from '../log-client.ts';
import type { EmbeddedLogClient } from './embedded-log-client.ts';

/** The groups of an embedded log (its committed offsets and its members, the sink tasks). */
export function embeddedConsumerGroupsSource(log: EmbeddedLogClient, close = false): ConsumerGroupsSource {
  return {
    list: async () => log.listGroups().map((g) => ({ group: g.groupId, state: g.state })),
    info: async (group) => {
      const d = log.describeGroup(group);
      if (d !== null && d.members.length > 0) {
        return {
          group,
          state: d.state,
          protocol: d.protocol,
          coordinator: null,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: null,
            clientId: m.clientId,
            host: null,
            assignment: m.assignment,
          })),
        };
      }
      if ((await log.fetchGroupOffsets(group)).length === 0) return null;
      return { group, state: 'Empty', protocol: '', coordinator: null, members: [] };
    },
    committed: (group) => log.fetchGroupOffsets(group),
    logEndOffsets: async (partitions) => {
      // One partition at a time: a partition of a deleted topic has no end, the others still do.
      const out: ListedOffset[] = [];
      for (const tp of partitions) {
        try {
          out.push(...(await log.listOffsets([tp], 'latest')));
        } catch {
          // gone: no end offset
        }
      }
      return out;
    },
    close: async () => {
      if (close) await log.close();
    },
  };
}
