/**
 * KafkaOffsetBackingStore against a real broker.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka } from '@sluice/testing';
import { KafkaOffsetBackingStore } from '../../src/distributed/kafka-offset-backing-store.ts';
import { offsetKey, offsetValue } from '../../src/distributed/offset-records.ts';
import { murmur2 } from '../../src/log/murmur2.ts';
import type { OffsetBackingStore } from '../../src/storage/offset-store.ts';

let client: PlatformaticLogClient;
const stores: KafkaOffsetBackingStore[] = [];

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'offset-store-test' });
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
});
after(async () => {
  await client.close();
});

async function open(topic: string, partitions = 5): Promise<KafkaOffsetBackingStore> {
  const s = new KafkaOffsetBackingStore({ client, topic, partitions, replicationFactor: 1 });
  await s.start();
  stores.push(s);
  return s;
}

const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

describe('KafkaOffsetBackingStore', () => {
  test('is an OffsetBackingStore: set, then get and keysOf from another worker', async () => {
    const topic = uniqueName('connect-offsets');
    const writer: OffsetBackingStore = await open(topic);
    const reader: OffsetBackingStore = await open(topic);
    const k1 = text(offsetKey('file-src', { filename: '/data/a.txt' }))!;
    const k2 = text(offsetKey('file-src', { filename: '/data/b.txt' }))!;
    const k3 = text(offsetKey('other', { server: 'db1' }))!;
    await writer.set(
      new Map([
        [k1, text(offsetValue({ position: 10 }))],
        [k2, text(offsetValue({ position: 20 }))],
        [k3, text(offsetValue({ lsn: 99 }))],
      ]),
    );
    assert.deepEqual(
      await reader.get([k1, k2, k3, '["nope",{}]']),
      new Map([
        [k1, '{"position":10}'],
        [k2, '{"position":20}'],
        [k3, '{"lsn":99}'],
      ]),
    );
    assert.deepEqual((await reader.keysOf('file-src')).sort(), [k1, k2].sort());
    // Later writes win; a null is a tombstone that removes the partition.
    await writer.set(
      new Map([
        [k1, '{"position":11}'],
        [k2, null],
      ]),
    );
    assert.deepEqual(await reader.get([k1, k2]), new Map([[k1, '{"position":11}']]));
    assert.deepEqual(await reader.keysOf('file-src'), [k1]);
  });

  test('creates the topic with offset.storage.partitions, compacted; records land where Java puts them', async () => {
    const topic = uniqueName('connect-offsets');
    const s = await open(topic, 7);
    const d = (await client.describeTopics([topic])).get(topic)!;
    assert.equal(d.partitions.length, 7);
    assert.equal(d.configs['cleanup.policy']?.value, 'compact');
    const key = text(offsetKey('file-src', { filename: '/data/in.txt' }))!;
    await s.set(new Map([[key, '{"position":1024}']]));
    // The Java producer's partition for this key: murmur2 of the key bytes, positive, mod partitions.
    const expected = (murmur2(Buffer.from(key)) & 0x7fffffff) % 7;
    const [p] = await client.fetch([{ topic, partition: expected, offset: 0 }]);
    assert.equal(p!.records.length, 1);
    assert.equal(p!.records[0]!.key?.toString(), '["file-src",{"filename":"/data/in.txt"}]');
    assert.equal(p!.records[0]!.value?.toString(), '{"position":1024}');
  });

  test('reads offsets written before it started, keeping the latest per key', async () => {
    const topic = uniqueName('connect-offsets');
    const first = await open(topic);
    const key = '["c",{"p":1}]';
    for (let i = 0; i < 5; i++) await first.set(new Map([[key, `{"o":${i}}`]]));
    const second = await open(topic);
    assert.deepEqual(await second.get([key]), new Map([[key, '{"o":4}']]));
  });
});
