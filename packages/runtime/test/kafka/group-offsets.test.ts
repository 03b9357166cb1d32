/**
 * A consumer group's offsets on a real broker, as the sink offsets API and the sink task use them:
 * committed for several topics at once, read back whole or for some partitions, deleted for some.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueName, useKafka } from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';

test('group offsets of several topics: commit, fetch all or some, delete some', async () => {
  const { bootstrapServers } = await useKafka();
  const a = uniqueName('goffa');
  const b = uniqueName('goffb');
  const group = uniqueName('goffgroup');
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'test' });
  try {
    await client.createTopics([
      { name: a, partitions: 3 },
      { name: b, partitions: 2 },
    ]);
    // Interleaved topics: the requests must group them per topic.
    await client.commitGroupOffsets(group, [
      { topic: a, partition: 2, offset: 12 },
      { topic: b, partition: 0, offset: 20 },
      { topic: a, partition: 0, offset: 10 },
      { topic: b, partition: 1, offset: 21 },
      { topic: a, partition: 1, offset: 11 },
    ]);
    const all = await client.fetchGroupOffsets(group);
    const expected = [
      { topic: a, partition: 0, offset: 10, metadata: '' },
      { topic: a, partition: 1, offset: 11, metadata: '' },
      { topic: a, partition: 2, offset: 12, metadata: '' },
      { topic: b, partition: 0, offset: 20, metadata: '' },
      { topic: b, partition: 1, offset: 21, metadata: '' },
    ].sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));
    // In topic, then partition order.
    assert.deepEqual(
      all.map((o) => ({ ...o, metadata: o.metadata ?? '' })),
      expected,
    );
    const some = await client.fetchGroupOffsets(group, [
      { topic: b, partition: 1 },
      { topic: a, partition: 2 },
      { topic: b, partition: 0 },
    ]);
    assert.deepEqual(
      some.map((o) => `${o.topic}-${o.partition}=${o.offset}`).sort(),
      [`${a}-2=12`, `${b}-0=20`, `${b}-1=21`].sort(),
    );
    await client.deleteGroupOffsets(group, [
      { topic: a, partition: 1 },
      { topic: b, partition: 0 },
      { topic: a, partition: 0 },
    ]);
    assert.deepEqual(
      (await client.fetchGroupOffsets(group)).map((o) => `${o.topic}-${o.partition}=${o.offset}`).sort(),
      [`${a}-2=12`, `${b}-1=21`].sort(),
    );
  } finally {
    await client.close();
  }
});
