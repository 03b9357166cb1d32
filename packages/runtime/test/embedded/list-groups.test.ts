/**
 * The embedded log's consumer groups as `sluice groups` lists and describes them: a group with
 * committed offsets only is Empty, a group with members is Stable (its rows carry the member),
 * a group with neither is gone, and the rows' lag is log end − committed ("-" = null where
 * nothing is committed). Real embedded log, members joined as a sink task joins.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeConsumerGroup } from '../../src/log/consumer-groups.ts';
import { embeddedConsumerGroupsSource } from '../../src/log/embedded/consumer-groups-source.ts';
import { EmbeddedLogClient } from '../../src/log/embedded/embedded-log-client.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('listGroups and describeConsumerGroup: offsets-only Empty, members Stable, neither gone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-list-groups-'));
  dirs.push(dir);
  const log = await EmbeddedLogClient.open({ dir });
  try {
    await log.createTopics([{ name: 't', partitions: 2 }]);
    await log.produce(
      Array.from({ length: 10 }, (_, i) => ({
        topic: 't',
        partition: i % 2,
        key: null,
        value: Buffer.from(`v${i}`),
        headers: [],
      })),
    );
    await log.commitGroupOffsets('offsets-only', [{ topic: 't', partition: 1, offset: 2 }]);
    assert.deepEqual(log.listGroups(), [{ groupId: 'offsets-only', state: 'Empty' }]);
    const source = embeddedConsumerGroupsSource(log);
    const empty = await describeConsumerGroup(source, 'offsets-only');
    assert.equal(empty?.state, 'Empty');
    assert.deepEqual(empty?.offsets, [
      {
        group: 'offsets-only',
        topic: 't',
        partition: 1,
        currentOffset: 2,
        logEndOffset: 5,
        lag: 3,
        consumerId: null,
        host: null,
        clientId: null,
      },
    ]);

    const member = log.joinGroup({
      groupId: 'active',
      clientId: 'connector-consumer-x-0',
      groupInstanceId: null,
      subscription: async () => ['t'],
      assignors: ['range'],
      sessionTimeoutMs: 45_000,
      heartbeatIntervalMs: 3_000,
      maxPollIntervalMs: 300_000,
      metadataMaxAgeMs: 300_000,
      listener: { revoked: async () => {}, assigned: async () => {}, lost: async () => {} },
    });
    await member.poll();
    await member.poll();
    await member.commit([{ topic: 't', partition: 0, offset: 4 }]);
    assert.deepEqual(log.listGroups(), [
      { groupId: 'active', state: 'Stable' },
      { groupId: 'offsets-only', state: 'Empty' },
    ]);
    const active = await describeConsumerGroup(source, 'active');
    assert.equal(active?.state, 'Stable');
    assert.equal(active?.protocol, 'range');
    assert.deepEqual(
      active?.offsets.map((r) => [r.partition, r.currentOffset, r.logEndOffset, r.lag, r.clientId, r.host]),
      [
        [0, 4, 5, 1, 'connector-consumer-x-0', null],
        [1, null, 5, null, 'connector-consumer-x-0', null],
      ],
    );
    assert.equal(active?.offsets[0]?.consumerId, member.memberId);

    // The member leaves: its committed offset keeps the group (Empty, no consumer in the rows).
    await member.close();
    assert.deepEqual(log.listGroups()[0], { groupId: 'active', state: 'Empty' });
    const left = await describeConsumerGroup(source, 'active');
    assert.deepEqual(
      left?.offsets.map((r) => [r.partition, r.currentOffset, r.lag, r.consumerId]),
      [[0, 4, 1, null]],
    );
    // Its offsets deleted, the group is gone, as on Kafka.
    await log.deleteGroups(['active']);
    assert.deepEqual(log.listGroups(), [{ groupId: 'offsets-only', state: 'Empty' }]);
    assert.equal(await describeConsumerGroup(source, 'active'), null);
    assert.equal(await describeConsumerGroup(source, 'never'), null);
  } finally {
    await log.close();
  }
});
