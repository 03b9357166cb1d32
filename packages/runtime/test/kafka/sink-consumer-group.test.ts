/**
 * Sink tasks are members of their connector's consumer group on Kafka, as in Kafka Connect:
 * Kafka's own `kafka-consumer-groups` tool (the kafka-tools jar of the broker's version) describes
 * the group `connect-<name>` with one member per task, the partitions the group's assignor gave
 * each, and the lag; partitions added to a sink's topic reach the tasks through a rebalance.
 * Real broker, real tool.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { consumerGroupsTable, kafkaConsumerGroups, uniqueName, useKafka, waitFor } from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-sink-group-');

/** `--describe --members` rows: [group, consumer-id, host, client-id, #partitions]. */
async function members(bootstrap: string, group: string): Promise<string[][]> {
  const rows = consumerGroupsTable(
    await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group, '--members']),
  );
  return rows.filter((r) => r[0] === group);
}

/** `--describe` rows: [group, topic, partition, current-offset, log-end-offset, lag, consumer-id, host, client-id]. */
async function offsets(bootstrap: string, group: string): Promise<string[][]> {
  const rows = consumerGroupsTable(await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group]));
  return rows.filter((r) => r[0] === group).sort((a, b) => Number(a[2]) - Number(b[2]));
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

test('kafka-consumer-groups describes a sink connector group with one member per task, its partitions and its lag', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('sinkgroup');
  const name = uniqueName('sink');
  const group = `connect-${name}`;
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'test' });
  await client.createTopics([{ name: topic, partitions: 4 }]);
  const values = Array.from({ length: 40 }, (_, i) => `v-${i}`);
  await client.produce(
    values.map((v, i) => ({ topic, partition: i % 4, key: null, value: Buffer.from(v), headers: [] })),
  );
  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    props: { 'offset.flush.interval.ms': '300' },
  });
  try {
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      name,
      { name, 'connector.class': 'FileStreamSink', file: out, topics: topic, 'tasks.max': '2' },
      { allowReplace: false },
    );
    await waitFor('every record in the sink file', async () => (await lines(out)).length === values.length);
    assert.deepEqual((await lines(out)).sort(), [...values].sort());
    await waitFor('the offsets committed', async () => {
      const committed = await client.fetchGroupOffsets(group);
      return committed.length === 4 && committed.every((c) => c.offset === 10);
    });

    const m = await members(bootstrapServers, group);
    assert.equal(m.length, 2, `two members: ${JSON.stringify(m)}`);
    assert.deepEqual(m.map((r) => r[3]).sort(), [
      `connector-consumer-${name}-0`,
      `connector-consumer-${name}-1`,
    ]);
    // Kafka Connect's default assignor list starts with range: two partitions each.
    assert.deepEqual(
      m.map((r) => r[4]),
      ['2', '2'],
    );

    // Paused, the tasks stay members; records written meanwhile show as lag.
    await herder.pauseConnector(name);
    await waitFor('the tasks paused', async () =>
      (await herder.connectorStatus(name)).tasks.every((t) => t.state === 'PAUSED'),
    );
    await client.produce(
      ['late-1', 'late-2', 'late-3'].map((v) => ({
        topic,
        partition: 0,
        key: null,
        value: Buffer.from(v),
        headers: [],
      })),
    );
    const rows = await offsets(bootstrapServers, group);
    assert.deepEqual(
      rows.map((r) => [r[1], r[2], r[3], r[4], r[5]]),
      [
        [topic, '0', '10', '13', '3'],
        [topic, '1', '10', '10', '0'],
        [topic, '2', '10', '10', '0'],
        [topic, '3', '10', '10', '0'],
      ],
    );
    // Every partition is owned by a member (not "-").
    assert.ok(
      rows.every((r) => r[6] !== '-' && r[6]!.startsWith(`connector-consumer-${name}-`)),
      JSON.stringify(rows),
    );
    await herder.resumeConnector(name);
    await waitFor('the late records written', async () => (await lines(out)).length === values.length + 3);
  } finally {
    await herder.stop();
    await client.close();
  }
  // The tasks left the group when they stopped.
  assert.deepEqual(await members(bootstrapServers, group), []);
});

test('partitions added to a sink topic reach the tasks through a rebalance', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('sinkgroup_grow');
  const name = uniqueName('sink');
  const group = `connect-${name}`;
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'test' });
  await client.createTopics([{ name: topic, partitions: 1 }]);
  await client.produce([{ topic, partition: 0, key: null, value: Buffer.from('p0-a'), headers: [] }]);
  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    props: { 'offset.flush.interval.ms': '300' },
  });
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [bootstrapServers] });
  try {
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      name,
      {
        name,
        'connector.class': 'FileStreamSink',
        file: out,
        topics: topic,
        'tasks.max': '2',
        'consumer.override.metadata.max.age.ms': '500',
        'consumer.override.partition.assignment.strategy':
          'org.apache.kafka.clients.consumer.RoundRobinAssignor',
      },
      { allowReplace: false },
    );
    await waitFor('the first record', async () => (await lines(out)).length === 1);
    await waitFor('two members, one with the only partition', async () => {
      const m = await members(bootstrapServers, group);
      return (
        m.length === 2 &&
        m
          .map((r) => r[4])
          .sort()
          .join() === '0,1'
      );
    });

    await admin.createPartitions({ topics: [{ name: topic, count: 4 }] });
    // A new client: the first one's metadata still has one partition.
    const writer = new PlatformaticLogClient({ bootstrapServers, clientId: 'test-writer' });
    await writer.produce(
      [1, 2, 3].map((p) => ({ topic, partition: p, key: null, value: Buffer.from(`p${p}-a`), headers: [] })),
    );
    await writer.close();
    await waitFor('the records of the new partitions', async () => (await lines(out)).length === 4, {
      timeoutMs: 30_000,
    });
    assert.deepEqual((await lines(out)).sort(), ['p0-a', 'p1-a', 'p2-a', 'p3-a']);
    await waitFor(
      'the new partitions spread by round robin',
      async () => {
        const m = await members(bootstrapServers, group);
        return m.length === 2 && m.map((r) => r[4]).join() === '2,2';
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await waitFor(
      'the new partitions committed',
      async () => (await client.fetchGroupOffsets(group)).length === 4,
    );
  } finally {
    await admin.close();
    await herder.stop();
    await client.close();
  }
});

test('cooperative-sticky: a member joining later takes over half the partitions in two rounds, the first member keeping the rest; no record lost or doubled', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('sinkgroup_coop');
  const shared = uniqueName('shared_group');
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'test' });
  await client.createTopics([{ name: topic, partitions: 4 }]);
  let next = 0;
  const produce = async (n: number) => {
    const batch = Array.from({ length: n }, () => next++);
    await client.produce(
      batch.map((i) => ({ topic, partition: i % 4, key: null, value: Buffer.from(`r-${i}`), headers: [] })),
    );
  };
  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    props: { 'offset.flush.interval.ms': '300' },
  });
  // Two connectors in one group (consumer.override.group.id), as two consumers of one application.
  const config = (name: string) => ({
    name,
    'connector.class': 'FileStreamSink',
    file: join(dir, `${name}.txt`),
    topics: topic,
    'tasks.max': '1',
    'consumer.override.group.id': shared,
    'consumer.override.partition.assignment.strategy':
      'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
  });
  try {
    await herder.putConnectorConfig('first', config('first'), { allowReplace: false });
    await produce(40);
    await waitFor('the first records', async () => (await lines(join(dir, 'first.txt'))).length === 40);
    await waitFor('one member with four partitions', async () => {
      const m = await members(bootstrapServers, shared);
      return m.length === 1 && m[0]![4] === '4';
    });
    await herder.putConnectorConfig('second', config('second'), { allowReplace: false });
    const producing = (async () => {
      for (let i = 0; i < 10; i++) {
        await produce(8);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await waitFor(
      'two members with two partitions each',
      async () => {
        const m = await members(bootstrapServers, shared);
        return m.length === 2 && m.every((r) => r[4] === '2');
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    await producing;
    // After the hand-over, records of every partition: the second member reads its half.
    await produce(40);
    await waitFor(
      () => `all ${next} records`,
      async () =>
        (await lines(join(dir, 'first.txt'))).length + (await lines(join(dir, 'second.txt'))).length >= next,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const all = [...(await lines(join(dir, 'first.txt'))), ...(await lines(join(dir, 'second.txt')))];
    assert.equal(new Set(all).size, next, 'every record');
    assert.equal(all.length, next, 'none twice');
    assert.ok((await lines(join(dir, 'second.txt'))).length > 0, 'the second member read some');
  } finally {
    await herder.stop();
    await client.close();
  }
});
