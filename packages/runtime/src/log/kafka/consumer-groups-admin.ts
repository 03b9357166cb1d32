/**
 * The consumer groups of a Kafka cluster for `sluice groups` (../consumer-groups.ts): ListGroups,
 * DescribeGroups (members, their hosts and decoded assignments), FindCoordinator, and the
 * committed offsets and log end offsets through a {@link PlatformaticLogClient} of the same
 * settings.
 */
import { FindCoordinatorKeyTypes } from '@platformatic/kafka';
import { ConnectError } from '@sluice/api';
import type { ConsumerGroupInfo, ConsumerGroupsSource } from '../consumer-groups.ts';
import { toConnectError } from './errors.ts';
import { LibraryClients, type PlatformaticLogClientConfig } from './library-clients.ts';
import { PlatformaticLogClient } from './platformatic-client.ts';

/** Kafka's tool names a group that DescribeGroups calls Dead "does not exist". */
const GONE = 'DEAD';

/** Kafka's state names (`Stable`, `PreparingRebalance`, ...) from the protocol's upper case. */
function stateName(state: string): string {
  const known: Record<string, string> = {
    STABLE: 'Stable',
    PREPARINGREBALANCE: 'PreparingRebalance',
    PREPARING_REBALANCE: 'PreparingRebalance',
    COMPLETINGREBALANCE: 'CompletingRebalance',
    COMPLETING_REBALANCE: 'CompletingRebalance',
    EMPTY: 'Empty',
    DEAD: 'Dead',
    ASSIGNING: 'Assigning',
    RECONCILING: 'Reconciling',
  };
  return known[state.toUpperCase()] ?? state;
}

export function kafkaConsumerGroupsSource(config: PlatformaticLogClientConfig): ConsumerGroupsSource {
  const clients = new LibraryClients(config);
  const log = new PlatformaticLogClient(config);
  return {
    list: async () => {
      try {
        const groups = await clients.admin().listGroups();
        return [...groups.values()]
          .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
          .map((g) => ({ group: g.id, state: stateName(String(g.state)) }))
          .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
      } catch (err) {
        throw toConnectError(err, 'Could not list the consumer groups');
      }
    },
    info: async (group): Promise<ConsumerGroupInfo | null> => {
      let listed: { protocolType: string } | undefined;
      try {
        listed = (await clients.admin().listGroups()).get(group);
      } catch (err) {
        throw toConnectError(err, `Could not describe consumer group ${group}`);
      }
      if (listed === undefined) return null;
      // A Connect workers' group (protocol type "connect") has no consumer members to decode.
      if (listed.protocolType !== 'consumer' && listed.protocolType !== '') {
        throw new ConnectError(`GroupId ${group} is not a consumer group (${listed.protocolType}).`);
      }
      try {
        const admin = clients.admin();
        const described = (await admin.describeGroups({ groups: [group] })).get(group);
        if (described === undefined || String(described.state).toUpperCase() === GONE) return null;
        const [coordinator] = await admin.findCoordinator({
          keyType: FindCoordinatorKeyTypes.GROUP,
          keys: [group],
        });
        return {
          group,
          state: stateName(String(described.state)),
          protocol: described.protocol,
          coordinator:
            coordinator === undefined
              ? null
              : `${coordinator.host}:${coordinator.port}  (${coordinator.nodeId})`,
          members: [...described.members.values()].map((m) => ({
            memberId: m.id,
            groupInstanceId: m.groupInstanceId ?? null,
            clientId: m.clientId,
            host: m.clientHost,
            assignment: [...(m.assignments?.values() ?? [])].flatMap((a) =>
              a.partitions.map((partition) => ({ topic: a.topic, partition })),
            ),
          })),
        };
      } catch (err) {
        throw toConnectError(err, `Could not describe consumer group ${group}`);
      }
    },
    committed: (group) => log.fetchGroupOffsets(group),
    logEndOffsets: (partitions) => log.listOffsets(partitions, 'latest'),
    close: async () => {
      await Promise.all([clients.close(), log.close()]);
    },
  };
}
