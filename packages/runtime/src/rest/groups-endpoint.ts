/**
 * Sluice's own REST endpoint for `sluice groups --url`: the consumer groups of the embedded log a
 * standalone worker holds (its sink connectors' `connect-<name>` groups), whose directory no other
 * process may open while the worker runs. Not part of Kafka Connect's API; served beside
 * /sluice/topics (topics-endpoint.ts) when the worker runs on the embedded log.
 *
 *   GET /sluice/groups            [{group, state}]
 *   GET /sluice/groups/{group}    the group's state, members and offset rows (404 when missing):
 *                                 see ConsumerGroupDescription in ../log/consumer-groups.ts
 */
import type { FastifyInstance } from 'fastify';
import { describeConsumerGroup } from '../log/consumer-groups.ts';
import { embeddedConsumerGroupsSource } from '../log/embedded/consumer-groups-source.ts';
import type { EmbeddedLogClient } from '../log/embedded/embedded-log-client.ts';
import { RestError } from './errors.ts';

export const GROUPS_ENDPOINT_PREFIX = '/sluice/groups';

/** Registers the routes on `app`, serving the groups of `log`. */
export function registerGroupsEndpoint(app: FastifyInstance, log: EmbeddedLogClient): void {
  const source = embeddedConsumerGroupsSource(log);
  app.get(GROUPS_ENDPOINT_PREFIX, async () => source.list());
  app.get(`${GROUPS_ENDPOINT_PREFIX}/:group`, async (request) => {
    const { group } = request.params as { group: string };
    const described = await describeConsumerGroup(source, group);
    if (described === null) throw new RestError(404, `Consumer group '${group}' does not exist.`);
    return described;
  });
}
