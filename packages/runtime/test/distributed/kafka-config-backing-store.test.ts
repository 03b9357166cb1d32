/**
 * KafkaConfigBackingStore against a real broker: two stores on one config topic, as two workers.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import type { ConfigChange } from '../../src/distributed/cluster-config-state.ts';
import { taskConfigRecord } from '../../src/distributed/config-records.ts';
import { KafkaConfigBackingStore } from '../../src/distributed/kafka-config-backing-store.ts';

let client: PlatformaticLogClient;
const stores: KafkaConfigBackingStore[] = [];

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'config-store-test' });
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
});
after(async () => {
  await client.close();
});

async function store(topic: string): Promise<{ store: KafkaConfigBackingStore; changes: ConfigChange[] }> {
  const s = new KafkaConfigBackingStore({ client, topic, replicationFactor: 1 });
  const changes: ConfigChange[] = [];
  s.setUpdateListener((c) => changes.push(c));
  await s.start();
  stores.push(s);
  return { store: s, changes };
}

/** Every record of the topic, parsed, in order. */
async function topicRecords(topic: string): Promise<string[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  const out: string[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }]);
    for (const r of p!.records) {
      const key = r.key!.toString();
      out.push(`${key}=${r.value === null ? 'null' : r.value.toString()}`);
    }
    offset = p!.nextOffset;
  }
  return out;
}

describe('KafkaConfigBackingStore', () => {
  test('creates a one-partition compacted topic and writes Kafka’s records in Kafka’s order', async () => {
    const topic = uniqueName('connect-configs');
    const { store: leader } = await store(topic);
    const d = (await client.describeTopics([topic])).get(topic)!;
    assert.equal(d.partitions.length, 1);
    assert.equal(d.configs['cleanup.policy']?.value, 'compact');

    await leader.putConnectorConfig(
      'src',
      { 'connector.class': 'FileStreamSource', 'tasks.max': '2' },
      'PAUSED',
    );
    await leader.putTaskConfigs('src', [{ file: 'a' }, { file: 'b' }]);
    await leader.putTargetState('src', 'STOPPED');
    await leader.putRestartRequest('src', { includeTasks: true, onlyFailed: false });
    await leader.putTaskCountRecord('src', 2);
    await leader.putSessionKey({
      key: new Uint8Array([1, 2, 3]),
      algorithm: 'HmacSHA256',
      creationTimestamp: 1700000000000,
    });
    await leader.removeConnectorConfig('src');

    assert.deepEqual(await topicRecords(topic), [
      'target-state-src={"state":"PAUSED","state.v2":"PAUSED"}',
      'connector-src={"properties":{"connector.class":"FileStreamSource","tasks.max":"2"}}',
      'task-src-0={"properties":{"file":"a"}}',
      'task-src-1={"properties":{"file":"b"}}',
      'commit-src={"tasks":2}',
      'target-state-src={"state":"PAUSED","state.v2":"STOPPED"}',
      'restart-connector-src={"include-tasks":true,"only-failed":false}',
      'tasks-fencing-src={"task-count":2}',
      'session-key={"key":"AQID","algorithm":"HmacSHA256","creation-timestamp":1700000000000}',
      'connector-src=null',
      'target-state-src=null',
    ]);
  });

  test('a write is read back before it resolves; other workers hear about it through the listener', async () => {
    const topic = uniqueName('connect-configs');
    const { store: leader, changes: leaderChanges } = await store(topic);
    const { store: follower, changes } = await store(topic);

    await leader.putConnectorConfig('sink', { 'connector.class': 'FileStreamSink', topics: 't' });
    // Read back by the writer before the call resolved.
    assert.deepEqual(leader.snapshot().rawConnectorConfig('sink'), {
      'connector.class': 'FileStreamSink',
      topics: 't',
    });
    assert.equal(leader.snapshot().targetState('sink'), 'STARTED');
    assert.equal(leader.offset, 1);

    await leader.putTaskConfigs('sink', [{ n: '0' }, { n: '1' }, { n: '2' }]);
    assert.equal(leader.snapshot().taskCount('sink'), 3);
    assert.equal(leader.offset, 5);

    await follower.refresh();
    const snap = follower.snapshot();
    assert.equal(snap.offset, 5);
    assert.deepEqual(snap.rawTaskConfig({ connector: 'sink', task: 2 }), { n: '2' });
    assert.deepEqual(changes, [
      { type: 'connector-config-updated', connector: 'sink' },
      {
        type: 'task-configs-committed',
        connector: 'sink',
        tasks: [0, 1, 2].map((task) => ({ connector: 'sink', task })),
      },
    ]);
    assert.deepEqual(leaderChanges, changes);

    await leader.putTargetState('sink', 'PAUSED');
    await waitFor('three changes', () => changes.length === 3, { timeoutMs: 10_000, intervalMs: 20 });
    assert.deepEqual(changes[2], { type: 'target-state-changed', connector: 'sink', state: 'PAUSED' });

    await leader.removeConnectorConfig('sink');
    await follower.refresh();
    assert.equal(follower.snapshot().contains('sink'), false);
    assert.deepEqual(changes[3], { type: 'connector-config-removed', connector: 'sink' });
  });

  test('records present before start are applied without being announced', async () => {
    const topic = uniqueName('connect-configs');
    const { store: first } = await store(topic);
    await first.putConnectorConfig('old', { a: '1' });
    await first.putTaskConfigs('old', [{ t: '0' }]);
    await first.putLoggerLevel('org.example', 'DEBUG');
    const { store: late, changes } = await store(topic);
    assert.equal(late.snapshot().taskCount('old'), 1);
    assert.deepEqual(changes, []);
    await first.putLoggerLevel('org.example', 'TRACE');
    await late.refresh();
    assert.deepEqual(changes, [{ type: 'logger-level-updated', namespace: 'org.example', level: 'TRACE' }]);
  });

  test('a commit without all of its task configs leaves the connector inconsistent', async () => {
    const topic = uniqueName('connect-configs');
    const { store: s } = await store(topic);
    await s.putConnectorConfig('c', { a: '1' });
    await s.putTaskConfigs('c', [{ t: '0' }]);
    // A leader that died mid-write: task 1 of 2 missing, then a commit for 2.
    const partial = taskConfigRecord({ connector: 'c', task: 0 }, { t: 'new' });
    await client.produce([
      { topic, key: Buffer.from(partial.key), value: Buffer.from(partial.value!), headers: [] },
      { topic, key: Buffer.from('commit-c'), value: Buffer.from('{"tasks":2}'), headers: [] },
    ]);
    await s.refresh();
    const snap = s.snapshot();
    assert.deepEqual(snap.inconsistentConnectors(), ['c']);
    assert.deepEqual(snap.tasks('c'), []);
    assert.deepEqual(snap.rawTaskConfig({ connector: 'c', task: 0 }), { t: '0' });
    // The leader regenerates the task configs: consistent again.
    await s.putTaskConfigs('c', [{ t: 'x' }, { t: 'y' }]);
    assert.deepEqual(s.snapshot().inconsistentConnectors(), []);
    assert.equal(s.snapshot().taskCount('c'), 2);
  });

  test('refuses a config topic with more than one partition, with Kafka’s message', async () => {
    const topic = uniqueName('connect-configs');
    await client.createTopics([
      { name: topic, partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
    const s = new KafkaConfigBackingStore({ client, topic, replicationFactor: 1 });
    await assert.rejects(s.start(), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.key, 'config.storage.topic');
      assert.equal(
        err.message,
        `Topic '${topic}' supplied via the 'config.storage.topic' property is required to have a single partition ` +
          'in order to guarantee consistency of connector configurations, but found 2 partitions.',
      );
      return true;
    });
  });

  test('refuses a non-compacted config topic', async () => {
    const topic = uniqueName('connect-configs');
    await client.createTopics([
      { name: topic, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'delete' } },
    ]);
    const s = new KafkaConfigBackingStore({ client, topic, replicationFactor: 1 });
    await assert.rejects(
      s.start(),
      /'config.storage.topic' property is required to have 'cleanup.policy=compact' to guarantee consistency and durability of connector configurations/,
    );
  });

  test('a write that cannot be read back in time fails with the reason', async () => {
    const topic = uniqueName('connect-configs');
    const s = new KafkaConfigBackingStore({ client, topic, replicationFactor: 1, writeTimeoutMs: 1 });
    await s.start();
    stores.push(s);
    await assert.rejects(
      s.putConnectorConfig('slow', { a: '1' }),
      /Error writing connector configuration to Kafka: .*timed out after 1 ms/,
    );
  });
});
