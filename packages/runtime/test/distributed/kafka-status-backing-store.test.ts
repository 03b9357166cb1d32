/**
 * KafkaStatusBackingStore against a real broker: two stores on one status topic, as two workers.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka } from '@sluice/testing';
import { KafkaStatusBackingStore } from '../../src/distributed/kafka-status-backing-store.ts';
import type { MemoryStatusStore, StateRecord } from '../../src/storage/status-store.ts';

let client: PlatformaticLogClient;
const stores: KafkaStatusBackingStore[] = [];

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'status-store-test' });
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
});
after(async () => {
  await client.close();
});

async function open(topic: string): Promise<KafkaStatusBackingStore> {
  const s = new KafkaStatusBackingStore({ client, topic, partitions: 3, replicationFactor: 1 });
  await s.start();
  stores.push(s);
  return s;
}

const running = (workerId: string, generation: number): StateRecord => ({
  state: 'RUNNING',
  workerId,
  trace: null,
  generation,
});

/** The public surface of the standalone store: the Kafka store answers every one of its calls. */
type PublicOf<T> = { [K in keyof T]: T[K] };

describe('KafkaStatusBackingStore', () => {
  test('answers the standalone store’s reads from what it reads back', async () => {
    const topic = uniqueName('connect-status');
    const w1 = await open(topic);
    const w2 = await open(topic);
    const asMemory: PublicOf<MemoryStatusStore> = w2;
    await w1.putConnector('c', running('w1:8083', 1));
    await w1.putTask('c', 1, running('w1:8083', 1));
    await w1.putTask('c', 0, { state: 'FAILED', workerId: 'w1:8083', trace: 'boom\n\tat x', generation: 1 });
    await w1.addTopic('c', 'orders', 0, 1700000000000);
    await w2.refresh();
    assert.deepEqual(asMemory.getConnector('c'), running('w1:8083', 1));
    assert.deepEqual(asMemory.getTasks('c'), [
      [0, { state: 'FAILED', workerId: 'w1:8083', trace: 'boom\n\tat x', generation: 1 }],
      [1, running('w1:8083', 1)],
    ]);
    assert.deepEqual(asMemory.getTask('c', 1), running('w1:8083', 1));
    assert.deepEqual(asMemory.topics('c'), ['orders']);
    assert.deepEqual(w2.topicStatus('c', 'orders'), {
      topic: 'orders',
      connector: 'c',
      task: 0,
      discoverTimestamp: 1700000000000,
    });
    assert.deepEqual(w2.connectors(), ['c']);
    // The record is Kafka's: key status-task-c-0, value with state/trace/worker_id/generation.
    const end = await client.listOffsets(
      [0, 1, 2].map((partition) => ({ topic, partition })),
      'latest',
    );
    const fetched = await client.fetch(end.map((e) => ({ topic, partition: e.partition, offset: 0 })));
    const byKey = new Map(
      fetched.flatMap((p) => p.records).map((r) => [r.key?.toString(), r.value?.toString()]),
    );
    assert.equal(
      byKey.get('status-task-c-0'),
      '{"state":"FAILED","trace":"boom\\n\\tat x","worker_id":"w1:8083","generation":1}',
    );
    assert.equal(
      byKey.get('status-topic-orders:connector-c'),
      '{"topic":{"name":"orders","connector":"c","task":0,"discoverTimestamp":1700000000000}}',
    );
  });

  test('a write changes the cache only once read back', async () => {
    const topic = uniqueName('connect-status');
    const s = await open(topic);
    const write = s.putConnector('c', running('w1:8083', 1));
    assert.equal(s.getConnector('c'), undefined);
    await write;
    await s.refresh();
    assert.deepEqual(s.getConnector('c'), running('w1:8083', 1));
  });

  test('DESTROYED is a tombstone: deleting a task or a connector removes the entries everywhere', async () => {
    const topic = uniqueName('connect-status');
    const w1 = await open(topic);
    const w2 = await open(topic);
    await w1.putConnector('c', running('w1:8083', 1));
    for (const t of [0, 1, 2]) await w1.putTask('c', t, running('w1:8083', 1));
    await w1.addTopic('c', 't1');
    await w1.refresh();
    await w1.deleteTask('c', 2, 'w1:8083', 1);
    await w2.refresh();
    assert.deepEqual(
      w2.getTasks('c').map(([t]) => t),
      [0, 1],
    );
    await w1.refresh();
    await w1.deleteConnector('c', 'w1:8083', 1);
    await w2.refresh();
    assert.equal(w2.getConnector('c'), undefined);
    assert.deepEqual(w2.getTasks('c'), []);
    assert.deepEqual(w2.topics('c'), []);
    // The tombstones are null values under the same keys.
    const end = await client.listOffsets(
      [0, 1, 2].map((partition) => ({ topic, partition })),
      'latest',
    );
    const fetched = await client.fetch(end.map((e) => ({ topic, partition: e.partition, offset: 0 })));
    const tombstones = fetched
      .flatMap((p) => p.records)
      .filter((r) => r.value === null)
      .map((r) => r.key?.toString())
      .sort();
    assert.deepEqual(tombstones, [
      'status-connector-c',
      'status-task-c-0',
      'status-task-c-1',
      'status-task-c-2',
      'status-topic-t1:connector-c',
    ]);
  });

  test('a safe write never overwrites the status of a newer owner', async () => {
    const topic = uniqueName('connect-status');
    const w1 = await open(topic);
    const w2 = await open(topic);
    // w2 took the task over at generation 5.
    await w2.putTask('c', 0, running('w2:8083', 5));
    await w1.refresh();
    // w1, at the older generation 4, stops its copy: UNASSIGNED and FAILED safe writes are skipped.
    await w1.putTaskSafe('c', 0, { state: 'UNASSIGNED', workerId: 'w1:8083', trace: null, generation: 4 });
    await w1.putTaskSafe('c', 0, { state: 'FAILED', workerId: 'w1:8083', trace: 'x', generation: 4 });
    await w1.putConnectorSafe('c', { state: 'FAILED', workerId: 'w1:8083', trace: 'x', generation: 4 });
    await w2.refresh();
    assert.deepEqual(w2.getTask('c', 0), running('w2:8083', 5));
    // Nothing cached for the connector: the safe write goes through.
    assert.deepEqual(w2.getConnector('c'), {
      state: 'FAILED',
      workerId: 'w1:8083',
      trace: 'x',
      generation: 4,
    });
    // At the same or a newer generation, or by the same worker, the safe write goes through.
    await w1.putTaskSafe('c', 0, { state: 'FAILED', workerId: 'w1:8083', trace: 'y', generation: 5 });
    await w2.refresh();
    assert.deepEqual(w2.getTask('c', 0), { state: 'FAILED', workerId: 'w1:8083', trace: 'y', generation: 5 });
    await w2.putTaskSafe('c', 1, running('w2:8083', 5));
    await w2.refresh();
    // Its own earlier status: a safe write of the same worker goes through whatever the generation.
    await w2.putTaskSafe('c', 1, { state: 'FAILED', workerId: 'w2:8083', trace: 'z', generation: 1 });
    await w2.refresh();
    assert.deepEqual(w2.getTask('c', 1), { state: 'FAILED', workerId: 'w2:8083', trace: 'z', generation: 1 });
  });

  test('a stale UNASSIGNED read back does not hide a RUNNING task of the same or a newer generation', async () => {
    const topic = uniqueName('connect-status');
    const w1 = await open(topic);
    const w2 = await open(topic);
    await w2.putTask('c', 0, running('w2:8083', 7));
    // A plain (not safe) write of a stale UNASSIGNED by w1, which had not yet read w2's RUNNING.
    await w1.putTask('c', 0, { state: 'UNASSIGNED', workerId: 'w1:8083', trace: null, generation: 6 });
    await w2.refresh();
    await w1.refresh();
    for (const s of [w1, w2]) assert.deepEqual(s.getTask('c', 0), running('w2:8083', 7));
    // A newer UNASSIGNED is taken.
    await w1.putTask('c', 0, { state: 'UNASSIGNED', workerId: 'w1:8083', trace: null, generation: 8 });
    await w2.refresh();
    assert.equal(w2.getTask('c', 0)?.state, 'UNASSIGNED');
  });

  test('a late store reads every status written before it started', async () => {
    const topic = uniqueName('connect-status');
    const w1 = await open(topic);
    for (let i = 0; i < 10; i++) void w1.putConnector(`c${i}`, running('w1:8083', 2));
    await w1.flush();
    const late = await open(topic);
    assert.deepEqual(late.connectors(), Array.from({ length: 10 }, (_, i) => `c${i}`).sort());
  });
});
