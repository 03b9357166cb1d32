/**
 * A fetch with `lazy` (what a sink task asks for) on a real broker (SLUICE_TEST_KAFKA_BOOTSTRAP, or
 * one started for this file): the same records, positions and watermarks as an eager fetch of the
 * same offsets and budgets, `records` left empty; with read_committed, aborted transactions and
 * transaction markers are skipped the same way. The embedded log ignores `lazy`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  EmbeddedLogClient,
  type FetchedPartition,
  type LogRecord,
  PlatformaticLogClient,
} from '@sluice/runtime';
import { uniqueName, untilStable, useKafka } from '@sluice/testing';
import { fetchedRecords } from '../../src/log/fetched-records.ts';
import type { FetchOptions, ProduceRecord } from '../../src/log/log-client.ts';

let client: PlatformaticLogClient;

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'lazy-fetch-test' });
});
after(async () => {
  await client.close();
});

function records(topic: string, from: number, n: number): ProduceRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    topic,
    partition: 0,
    key: (from + i) % 2 === 0 ? null : Buffer.from(`k${from + i}`),
    value: Buffer.from(`value ${from + i} ${'v'.repeat((from + i) % 50)}`),
    headers: (from + i) % 3 === 0 ? [['i', Buffer.from(String(from + i))] as [string, Buffer]] : [],
  }));
}

/** Every record from `offset` to the end, fetch by fetch, as eager and lazy fetches give them. */
async function readBoth(
  topic: string,
  offset: number,
  options: FetchOptions,
): Promise<{ eager: LogRecord[]; lazy: LogRecord[]; fetches: number }> {
  const eager: LogRecord[] = [];
  const lazy: LogRecord[] = [];
  let fetches = 0;
  for (;;) {
    const [e] = await client.fetch([{ topic, partition: 0, offset }], options);
    const [l] = await client.fetch([{ topic, partition: 0, offset }], { ...options, lazy: true });
    fetches++;
    const { lazyRecords, records: lazyArray, ...lazyRest } = l as FetchedPartition;
    const { records: eagerRecords, ...eagerRest } = e as FetchedPartition;
    assert.ok(lazyRecords !== undefined, 'a lazy Kafka fetch hands the records out one at a time');
    assert.equal(lazyArray.length, 0, '... and leaves records empty');
    assert.deepEqual(lazyRest, eagerRest, `positions and watermarks of the fetch at ${offset}`);
    assert.equal(lazyRecords.remaining, eagerRecords.length);
    for (let r = lazyRecords.next(); r !== undefined; r = lazyRecords.next()) lazy.push(r);
    eager.push(...eagerRecords);
    if (e!.nextOffset === offset) return { eager, lazy, fetches };
    offset = e!.nextOffset;
  }
}

test('a lazy fetch gives the records of an eager one, from inside a batch, whatever the byte budget', async () => {
  const topic = uniqueName('lazy');
  await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  for (let from = 0; from < 600; from += 200) await client.produce(records(topic, from, 200));
  for (const [offset, maxPartitionBytes] of [
    [0, 1024 * 1024],
    [73, 1024 * 1024],
    [0, 4096],
    [250, 1],
  ] as const) {
    const { eager, lazy, fetches } = await readBoth(topic, offset, { maxWaitMs: 50, maxPartitionBytes });
    assert.equal(eager.length, 600 - offset);
    assert.deepEqual(lazy, eager, `records from ${offset} with ${maxPartitionBytes} bytes per fetch`);
    if (maxPartitionBytes < 4096) assert.ok(fetches > 2, 'a small budget takes several fetches');
  }
  await client.deleteTopics([topic]);
});

test('read_committed: a lazy fetch skips aborted transactions and markers as an eager one does', async () => {
  const topic = uniqueName('lazy-txn');
  await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const w = client.transactionalWriter(uniqueName('lazy-txn-id'));
  try {
    await w.init();
    await w.produce(records(topic, 0, 30));
    await w.commit();
    await w.produce(records(topic, 30, 20));
    await w.abort();
    await w.produce(records(topic, 50, 10));
    await w.commit();
  } finally {
    await w.close();
  }
  // The commit's markers are written after EndTxn answers: wait until they are.
  await untilStable(client, topic);
  const { eager, lazy } = await readBoth(topic, 0, { maxWaitMs: 50, isolationLevel: 'read_committed' });
  const values = (rs: LogRecord[]) => rs.map((r) => r.value!.toString().split(' ')[1]);
  assert.deepEqual(values(eager), [
    ...Array.from({ length: 30 }, (_, i) => `${i}`),
    ...Array.from({ length: 10 }, (_, i) => `${50 + i}`),
  ]);
  assert.deepEqual(lazy, eager);
  await client.deleteTopics([topic]);
});

test('the embedded log ignores lazy: records come as an array, read the same through fetchedRecords', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lazy-'));
  const log = await EmbeddedLogClient.open({ dir, fsync: 'never' });
  try {
    const topic = uniqueName('lazy-embedded');
    await log.createTopics([{ name: topic, partitions: 1 }]);
    await log.produce(records(topic, 0, 25));
    const [p] = await log.fetch([{ topic, partition: 0, offset: 5 }], { lazy: true });
    assert.equal(p!.lazyRecords, undefined);
    assert.equal(p!.records.length, 20);
    const taken: LogRecord[] = [];
    const source = fetchedRecords(p!);
    for (let r = source.next(); r !== undefined; r = source.next()) taken.push(r);
    assert.deepEqual(
      taken.map((r) => r.offset),
      Array.from({ length: 20 }, (_, i) => 5 + i),
    );
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
