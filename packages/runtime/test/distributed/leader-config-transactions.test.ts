/**
 * A distributed worker's leader writes the config topic in transactions when exactly-once source
 * support is `enabled` or `preparing` (KIP-618), on the real broker (SLUICE_TEST_KAFKA_BOOTSTRAP,
 * or one started for this file), through the REST API as Kafka's own integration test does:
 * - the leader claims `connect-cluster-<group.id>` when it is elected (the broker knows the id),
 *   and each config write ends with a commit marker;
 * - a zombie leader (another producer initializing the same transactional id) fences the worker:
 *   the next write fails with a 500 saying it can be retried and lands nowhere; the worker claims
 *   the id back (fencing the zombie, whose own write to the config topic then fails) and the
 *   retried request succeeds;
 * - only the leader claims the id (a follower joining does not fence it); when the leader goes, the
 *   newly elected one claims it (a newer producer epoch) and writes in transactions;
 * - with `disabled` the config topic is written without transactions, and the id is unknown.
 * The transactional id, the config topic's layout (which records are followed by a commit marker)
 * and the answers around the zombie are compared with Kafka Connect 4.1.1's in the same scenario
 * (golden/record-leader-config-transactions.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import { eventually, kafkaTransactions, uniqueName, untilStable, useKafka } from '@sluice/testing';
import {
  type DistributedTestWorker,
  distributedTestProps,
  http,
  leaderAndFollower,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';
import {
  configTopicLayout,
  LEADER_TXN_GOLDEN,
  type LeaderTxnGolden,
} from './golden/leader-config-transactions.ts';

/** Kafka Connect 4.1.1's config topic and answers in the same scenario (golden/record-leader-config-transactions.ts). */
const golden = JSON.parse(readFileSync(LEADER_TXN_GOLDEN, 'utf8')) as LeaderTxnGolden;

let bootstrapServers: string;
let client: PlatformaticLogClient;
let dir: string;

before(async () => {
  ({ bootstrapServers } = await useKafka());
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'leader-config-txn-test' });
  dir = await mkdtemp(join(tmpdir(), 'leader-config-txn-'));
});
after(async () => {
  await client?.close();
  await rm(dir, { recursive: true, force: true });
});

async function readAll(
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<LogRecord[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest', { isolationLevel });
  const out: LogRecord[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], { isolationLevel, maxWaitMs: 100 });
    out.push(...p!.records);
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return out;
}

/** Offsets taken by something other than a data record (transaction markers) up to the end. */
async function markers(topic: string): Promise<number> {
  const records = await readAll(topic, 'read_uncommitted');
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  return end!.offset - records.length;
}

const keys = (records: LogRecord[]) => records.map((r) => r.key!.toString());

/** The producer epoch the broker has for a transactional id (`kafka-transactions describe`). */
async function producerEpoch(id: string): Promise<number> {
  const [header, row] = await kafkaTransactions(bootstrapServers, ['describe', '--transactional-id', id]);
  return Number(row![header!.indexOf('ProducerEpoch')]);
}

function sink(name: string): Record<string, string> {
  return {
    name,
    'connector.class': 'FileStreamSink',
    topics: uniqueName('leader-txn-topic'),
    file: join(dir, `${name}.txt`),
  };
}

async function withWorker(
  group: string,
  support: 'enabled' | 'preparing' | 'disabled',
  body: (w: DistributedTestWorker) => Promise<void>,
): Promise<void> {
  const w = await startDistributedTestWorker(
    distributedTestProps(bootstrapServers, group, { 'exactly.once.source.support': support }),
  );
  try {
    await eventually('the worker leads', async () => (w.herder.isLeader ? true : undefined));
    await body(w);
  } finally {
    await stopDistributedTestWorker(w);
  }
}

describe('the leader writes the config topic in transactions', { timeout: 180_000 }, () => {
  test('enabled: connect-cluster-<group>; a zombie leader fences one write, the worker claims back', async () => {
    const group = uniqueName('leader_txn');
    const configTopic = `${group}-configs`;
    const id = `connect-cluster-${group}`;
    await withWorker(group, 'enabled', async (w) => {
      const first = await http(w.url, 'POST', '/connectors', { name: 'first', config: sink('first') });
      assert.equal(first.status, 201, JSON.stringify(first.body));

      const [header, row] = await kafkaTransactions(bootstrapServers, ['describe', '--transactional-id', id]);
      const described = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
      assert.equal(described.TransactionalId, id);
      assert.equal(golden.transactionalId.replace('<group>', group), id);
      assert.equal(described.TransactionState, golden.transactionState);
      const epoch = Number(described.ProducerEpoch);

      await eventually('the task configs of first written', async () =>
        keys(await readAll(configTopic, 'read_uncommitted')).includes('commit-first') ? true : undefined,
      );
      await untilStable(client, configTopic);
      const committed = keys(await readAll(configTopic, 'read_committed'));
      assert.deepEqual(committed, ['session-key', 'connector-first', 'task-first-0', 'commit-first']);
      // Kafka Connect's layout: each of these writes is a transaction followed by its commit marker.
      assert.deepEqual(await configTopicLayout(client, configTopic), golden.layout);

      // A zombie leader claims the id: the worker's next write is fenced.
      const zombie = client.transactionalWriter(id);
      try {
        await zombie.init();
        const fenced = await http(w.url, 'POST', '/connectors', { name: 'second', config: sink('second') });
        assert.equal(fenced.status, golden.afterZombie.status, JSON.stringify(fenced.body));
        assert.deepEqual(fenced.body, golden.afterZombie.body);
        // The worker claims the id back (right after the failure): the zombie cannot write.
        await eventually('the worker claimed the id back', async () => {
          return (await producerEpoch(id)) > epoch + 1 ? true : undefined;
        });
        await assert.rejects(
          (async () => {
            await zombie.produce([
              {
                topic: configTopic,
                key: Buffer.from('connector-zombie'),
                value: Buffer.from('{}'),
                headers: [],
              },
            ]);
            await zombie.commit();
          })(),
          /fenced/,
        );
      } finally {
        await zombie.close();
      }
      const retried = await http(w.url, 'POST', '/connectors', { name: 'second', config: sink('second') });
      assert.equal(retried.status, golden.retried.status, JSON.stringify(retried.body));
      assert.deepEqual((await http(w.url, 'GET', '/connectors')).body, ['first', 'second']);

      await untilStable(client, configTopic);
      const after = keys(await readAll(configTopic, 'read_committed'));
      assert.equal(after.filter((k) => k === 'connector-second').length, 1, 'the fenced write never landed');
      assert.ok(!after.includes('connector-zombie'));
      assert.ok(!keys(await readAll(configTopic, 'read_uncommitted')).includes('connector-zombie'));
    });
  });

  test('only the leader claims the id; a new leader claims it when elected and writes', async () => {
    const group = uniqueName('leader_txn_two');
    const id = `connect-cluster-${group}`;
    const props = distributedTestProps(bootstrapServers, group, { 'exactly.once.source.support': 'enabled' });
    const a = await startDistributedTestWorker(props);
    let b: DistributedTestWorker | undefined;
    try {
      await eventually('a leads', async () => (a.herder.isLeader ? true : undefined));
      const epochOfA = await producerEpoch(id);
      b = await startDistributedTestWorker(props);
      const [leader, follower] = await leaderAndFollower(a, b);
      assert.equal(leader, a);
      // The follower did not claim the id (that would have fenced the leader): the leader writes.
      assert.equal(await producerEpoch(id), epochOfA);
      const viaFollower = await http(follower.url, 'POST', '/connectors', {
        name: 'one',
        config: sink('one'),
      });
      assert.equal(viaFollower.status, 201, JSON.stringify(viaFollower.body));

      // The leader goes: b is elected and claims the id (a newer epoch), then writes in transactions.
      await stopDistributedTestWorker(a);
      await eventually('b leads', async () => (b!.herder.isLeader ? true : undefined));
      assert.ok((await producerEpoch(id)) > epochOfA);
      const two = await http(b.url, 'POST', '/connectors', { name: 'two', config: sink('two') });
      assert.equal(two.status, 201, JSON.stringify(two.body));
      await untilStable(client, `${group}-configs`);
      const layout = await configTopicLayout(client, `${group}-configs`);
      assert.ok(layout.includes('connector-<c> +marker'), layout.join(', '));
      assert.ok(
        layout.every((l) => l.endsWith(' +marker') || l.startsWith('target-state-')),
        `every leader write is followed by its commit marker: ${layout.join(', ')}`,
      );
      assert.deepEqual((await http(b.url, 'GET', '/connectors')).body, ['one', 'two']);
    } finally {
      if (b !== undefined) await stopDistributedTestWorker(b);
      await stopDistributedTestWorker(a).catch(() => {});
    }
  });

  test('preparing: transactions too; disabled: plain writes and no transactional id', async () => {
    const preparing = uniqueName('leader_txn_prep');
    await withWorker(preparing, 'preparing', async (w) => {
      const r = await http(w.url, 'POST', '/connectors', { name: 'p', config: sink('p') });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await eventually('the task configs of p written', async () =>
        keys(await readAll(`${preparing}-configs`, 'read_uncommitted')).includes('commit-p')
          ? true
          : undefined,
      );
      await untilStable(client, `${preparing}-configs`);
      // Session key, connector, task configs, their commit: one transaction each.
      assert.ok((await markers(`${preparing}-configs`)) >= 4);
    });

    const disabled = uniqueName('leader_txn_off');
    await withWorker(disabled, 'disabled', async (w) => {
      const r = await http(w.url, 'POST', '/connectors', { name: 'd', config: sink('d') });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await eventually('the task configs of d written', async () =>
        keys(await readAll(`${disabled}-configs`, 'read_uncommitted')).includes('commit-d')
          ? true
          : undefined,
      );
      assert.equal(await markers(`${disabled}-configs`), 0, 'no transaction markers');
      await assert.rejects(
        kafkaTransactions(bootstrapServers, [
          'describe',
          '--transactional-id',
          `connect-cluster-${disabled}`,
        ]),
        /the ID could not be found/,
      );
    });
  });
});
