/**
 * Transactions through the LogClient (exactly-once source tasks, KIP-618) on a real broker
 * (SLUICE_TEST_KAFKA_BOOTSTRAP, or one started for this file): committed records are visible to a
 * read_committed reader, aborted ones never; a producer fenced by a newer one of the same
 * transactional id (or by fenceProducers) can neither write nor commit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, untilStable, useKafka } from '@sluice/testing';
import type { ProduceRecord } from '../../src/log/log-client.ts';

let client: PlatformaticLogClient;

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'transactions-test' });
});
after(async () => {
  await client.close();
});

function records(topic: string, values: string[]): ProduceRecord[] {
  return values.map((v) => ({ topic, key: null, value: Buffer.from(v), headers: [], partition: 0 }));
}

/**
 * Values of partition 0 as a reader with the given isolation level sees them, up to the end.
 * Callers that expect no open transaction wait {@link untilStable} first: the markers of a commit
 * or abort are written after EndTxn answers.
 */
async function readAll(
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<string[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest', { isolationLevel });
  const out: string[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], { isolationLevel, maxWaitMs: 100 });
    for (const r of p!.records) out.push(r.value!.toString());
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return out;
}

describe('transactional writer', () => {
  test('committed records are visible read_committed, aborted ones are not', async () => {
    const topic = uniqueName('txn');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const w = client.transactionalWriter(uniqueName('txn-id'));
    try {
      await w.init();
      assert.equal(w.inTransaction, false);
      const acks = await w.produce(records(topic, ['a', 'b']));
      assert.deepEqual(
        acks.map((a) => a.offset),
        [0, 1],
      );
      assert.equal(w.inTransaction, true);
      await w.commit();
      await w.produce(records(topic, ['x', 'y']));
      await w.abort();
      await w.produce(records(topic, ['c']));
      await w.commit();
    } finally {
      await w.close();
    }
    await untilStable(client, topic);
    assert.deepEqual(await readAll(topic, 'read_committed'), ['a', 'b', 'c']);
    // The aborted records are in the log: a read_uncommitted reader sees them.
    assert.deepEqual(await readAll(topic, 'read_uncommitted'), ['a', 'b', 'x', 'y', 'c']);
  });

  test('a transaction larger than one request (3 MB) is sent in several, all committed together', async () => {
    const topic = uniqueName('txn-large');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const w = client.transactionalWriter(uniqueName('txn-id'));
    const pad = 'x'.repeat(1000);
    try {
      await w.init();
      const acks = await w.produce(
        records(
          topic,
          Array.from({ length: 3000 }, (_, i) => `${i} ${pad}`),
        ),
      );
      assert.deepEqual(
        acks.map((a) => a.offset),
        Array.from({ length: 3000 }, (_, i) => i),
      );
      await w.commit();
    } finally {
      await w.close();
    }
    await untilStable(client, topic);
    const seen = await readAll(topic, 'read_committed');
    assert.equal(seen.length, 3000);
    assert.deepEqual(
      seen.map((v) => Number(v.split(' ')[0])),
      Array.from({ length: 3000 }, (_, i) => i),
    );
  });

  test('a newer producer of the same transactional id fences the older one and aborts its transaction', async () => {
    const topic = uniqueName('txn-fence');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const id = uniqueName('txn-id');
    const zombie = client.transactionalWriter(id);
    const fresh = client.transactionalWriter(id);
    try {
      await zombie.init();
      await zombie.produce(records(topic, ['zombie-1']));
      // While the zombie's transaction is open, its records are not visible to read_committed.
      assert.deepEqual(await readAll(topic, 'read_committed'), []);
      await fresh.init();
      await assert.rejects(zombie.commit(), /was fenced out by a newer producer/);
      await fresh.produce(records(topic, ['fresh-1']));
      await fresh.commit();
    } finally {
      await zombie.close();
      await fresh.close();
    }
    await untilStable(client, topic);
    assert.deepEqual(await readAll(topic, 'read_committed'), ['fresh-1']);
  });

  test('fenceProducers fences every given id', async () => {
    const topic = uniqueName('txn-fence-admin');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const ids = [uniqueName('a'), uniqueName('b')];
    const writers = ids.map((id) => client.transactionalWriter(id));
    try {
      for (const w of writers) {
        await w.init();
        await w.produce(records(topic, [w.transactionalId]));
      }
      await client.fenceProducers(ids);
      for (const w of writers) await assert.rejects(w.commit(), /fenced/);
    } finally {
      for (const w of writers) await w.close();
    }
    await untilStable(client, topic);
    assert.deepEqual(await readAll(topic, 'read_committed'), []);
  });
});
