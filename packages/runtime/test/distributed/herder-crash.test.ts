/**
 * A distributed worker's two ends against a real broker: `stop()` leaves the group at once, so the
 * others rebalance without waiting; `crash()` (tests) drops everything as a killed worker would,
 * without LeaveGroup, so the group holds the member until `session.timeout.ms`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import { GroupClient } from '../../src/distributed/group-client.ts';
import { distributedTestProps, startDistributedTestWorker } from '../helpers/distributed-worker.ts';

test('stop() leaves the group at once; crash() leaves the member to the session time-out', async () => {
  const { bootstrapServers } = await useKafka();
  const observer = new GroupClient({ bootstrapServers }, 'observer');
  const members = async (group: string) => (await observer.describeGroup(group)).members.length;
  try {
    const stopped = uniqueName('dh-stop');
    const a = await startDistributedTestWorker(distributedTestProps(bootstrapServers, stopped));
    assert.equal(await members(stopped), 1);
    await a.rest.stop();
    await a.herder.stop();
    assert.equal(await members(stopped), 0);

    const crashed = uniqueName('dh-crash');
    const b = await startDistributedTestWorker(distributedTestProps(bootstrapServers, crashed));
    await b.rest.stop();
    await b.herder.crash();
    const crashedAt = Date.now();
    assert.equal(await members(crashed), 1);
    // session.timeout.ms is 6 s in these workers.
    await eventually(`the crashed member gone from ${crashed}`, async () =>
      (await members(crashed)) === 0 ? true : undefined,
    );
    assert.ok(Date.now() - crashedAt >= 4_000, 'the member went before its session timed out');
  } finally {
    await observer.close();
  }
});
