/**
 * PlatformaticLogClient against a real Kafka broker: `SLUICE_TEST_KAFKA_BOOTSTRAP` when set
 * (scripts/test.sh), otherwise a broker started for this file by @sluice/testing. The
 * scenarios every LogClient shares are in ../log-client-conformance.ts.
 */

import { PlatformaticLogClient } from '@sluice/runtime';
import { useKafka } from '@sluice/testing';
import { logClientConformance } from '../log-client-conformance.ts';

logClientConformance('PlatformaticLogClient against a real broker', async ({ autoCreateTopics } = {}) => {
  const { bootstrapServers } = await useKafka();
  if (autoCreateTopics === false) {
    return { client: new PlatformaticLogClient({ bootstrapServers, autoCreateTopics, retries: 1 }) };
  }
  return { client: new PlatformaticLogClient({ bootstrapServers, clientId: 'sluice-test' }) };
});
