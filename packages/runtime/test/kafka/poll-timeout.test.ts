/**
 * A group member whose application stops polling for `max.poll.interval.ms` (real broker), as
 * Kafka's consumer: a dynamic member sends LeaveGroup so the group rebalances at once; a static
 * member (`group.instance.id`) sends none and stays listed until its session ends, so that a
 * restart within the session gets its partitions back without a rebalance.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { RetriableError } from '@sluice/api';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import type { GroupMember } from '../../src/log/log-client.ts';

let client: PlatformaticLogClient;
let admin: Admin;

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'poll-timeout-test' });
  admin = new Admin({ clientId: 'poll-timeout-admin', bootstrapBrokers: [bootstrapServers] });
});
after(async () => {
  await admin.close();
  await client.close();
});

const MAX_POLL_INTERVAL_MS = 1_500;

async function joinOnce(group: string, topic: string, groupInstanceId: string | null, warnings: string[]) {
  const member = client.joinGroup({
    groupId: group,
    clientId: 'poll-timeout-member',
    groupInstanceId,
    subscription: async () => [topic],
    assignors: ['range'],
    sessionTimeoutMs: 30_000,
    heartbeatIntervalMs: 200,
    maxPollIntervalMs: MAX_POLL_INTERVAL_MS,
    metadataMaxAgeMs: 3_600_000,
    listener: { revoked: async () => {}, lost: async () => {}, assigned: async () => {} },
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
  });
  // A fresh broker may answer COORDINATOR_LOAD_IN_PROGRESS at first.
  await waitFor('the member joined', async () => {
    try {
      await member.poll();
      return true;
    } catch (err) {
      if (err instanceof RetriableError) return false;
      throw err;
    }
  });
  return member;
}

async function members(group: string): Promise<Array<string | null>> {
  const g = (await admin.describeGroups({ groups: [group] })).get(group);
  return g === undefined ? [] : [...g.members.values()].map((m) => m.groupInstanceId ?? null);
}

async function stopPolling(
  groupInstanceId: string | null,
): Promise<{ after: Array<string | null>; warnings: string[] }> {
  const topic = uniqueName('poll-timeout');
  const group = uniqueName('poll-timeout-group');
  await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const warnings: string[] = [];
  let member: GroupMember | undefined;
  try {
    member = await joinOnce(group, topic, groupInstanceId, warnings);
    assert.deepEqual(await members(group), [groupInstanceId]);
    // No poll from now on: the heartbeats notice once max.poll.interval.ms has passed.
    await waitFor(
      'the poll timeout noticed',
      () => warnings.some((w) => /poll timeout has expired/.test(w)),
      {
        timeoutMs: 10_000,
      },
    );
    // Time for a LeaveGroup (if any) to reach the coordinator.
    await new Promise((r) => setTimeout(r, 500));
    return { after: await members(group), warnings };
  } finally {
    await member?.close();
  }
}

test('a dynamic member that stops polling leaves the group', async () => {
  const { after, warnings } = await stopPolling(null);
  assert.deepEqual(after, []);
  assert.ok(
    warnings.some((w) => /leaving the group/.test(w)),
    warnings.join('\n'),
  );
});

test('a static member that stops polling stays in the group until its session ends (no LeaveGroup)', async () => {
  const id = uniqueName('static');
  const { after, warnings } = await stopPolling(id);
  assert.deepEqual(after, [id]);
  assert.ok(
    warnings.some((w) => w.includes(`static member ${id} stays`)),
    warnings.join('\n'),
  );
});
