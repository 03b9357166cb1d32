/**
 * PlatformaticLogClient against a real Kafka broker: `SLUICE_TEST_KAFKA_BOOTSTRAP` when set
 * (scripts/test.sh), otherwise a broker started for this file by @sluice/testing. The
 * scenarios every LogClient shares are in ../log-client-conformance.ts. They run twice: with the
 * library's idempotent Producer, and with Sluice's own batch encoding (non-idempotent, the way a
 * source task's producer runs by default).
 */

import { PlatformaticLogClient } from '@sluice/runtime';
import { logClientConformance, useKafka } from '@sluice/testing';

for (const idempotent of [true, false]) {
  const path = idempotent ? "the library's idempotent producer" : "Sluice's own produce requests";
  logClientConformance(
    `PlatformaticLogClient against a real broker, through ${path}`,
    async ({ autoCreateTopics } = {}) => {
      const { bootstrapServers } = await useKafka();
      if (autoCreateTopics === false) {
        return {
          client: new PlatformaticLogClient({
            bootstrapServers,
            autoCreateTopics,
            retries: 1,
            idempotent,
            maxBlockMs: 1000,
          }),
        };
      }
      return { client: new PlatformaticLogClient({ bootstrapServers, clientId: 'sluice-test', idempotent }) };
    },
  );
}
