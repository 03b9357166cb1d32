/**
 * The config topic written by the leader in transactions (KIP-618, exactly-once source support
 * `preparing`/`enabled`) on a real broker (SLUICE_TEST_KAFKA_BOOTSTRAP, or one started for this
 * file), store against store, as two workers that both think they lead:
 * - each leader-only write is one committed transaction of `connect-cluster-<group>`: the broker's
 *   TransactionsCommand describes the id, and every write is followed by its commit marker in
 *   the log (a control record: the next write's offset skips one);
 * - writing before claiming the privileges fails at once, and nothing lands;
 * - a store that claims later fences the earlier one: the zombie's write fails with a clear error
 *   and never reaches a read_committed reader; after claiming again it writes, fencing the other;
 * - target states stay plain writes any worker may make (as in Kafka);
 * - without a transactional id every write is a plain one (no commit markers).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { kafkaTransactions, uniqueName, untilStable, useKafka } from '@sluice/testing';
import {
  configTopicTransactionalId,
  PrivilegedWriteError,
} from '../../src/distributed/config-topic-privileges.ts';
import { KafkaConfigBackingStore } from '../../src/distributed/kafka-config-backing-store.ts';

let bootstrapServers: string;
let client: PlatformaticLogClient;
const clients: PlatformaticLogClient[] = [];
const stores: KafkaConfigBackingStore[] = [];

before(async () => {
  ({ bootstrapServers } = await useKafka());
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'config-txn-test' });
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.stop();
  for (const c of clients.splice(0)) await c.close();
});
after(async () => {
  await client.close();
});

/** A store with a client of its own, as each worker has one. */
async function store(topic: string, transactionalId?: string): Promise<KafkaConfigBackingStore> {
  const own = new PlatformaticLogClient({ bootstrapServers, clientId: uniqueName('config-txn-store') });
  clients.push(own);
  const s = new KafkaConfigBackingStore({
    client: own,
    topic,
    replicationFactor: 1,
    writeTimeoutMs: 20_000,
    ...(transactionalId === undefined ? {} : { transactionalId, readCommitted: true }),
  });
  await s.start();
  stores.push(s);
  return s;
}

/** `offset key` of every data record of the topic as a reader with this isolation level sees it. */
async function topicRecords(
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<string[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest', { isolationLevel });
  const out: string[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], { isolationLevel, maxWaitMs: 100 });
    for (const r of p!.records) out.push(`${r.offset} ${r.key!.toString()}`);
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return out;
}

/** The broker's description of a transactional id (TransactionsCommand `describe`), by column. */
async function describeTransaction(id: string): Promise<Record<string, string>> {
  const [header, row] = await kafkaTransactions(bootstrapServers, ['describe', '--transactional-id', id]);
  assert.ok(header !== undefined && row !== undefined, `no description of ${id}`);
  return Object.fromEntries(header.map((h, i) => [h, row[i] ?? '']));
}

const config = (n: number) => ({ 'connector.class': 'X', n: String(n) });

describe('config topic written in transactions by the leader', () => {
  test('each leader write is one committed transaction of connect-cluster-<group>', async () => {
    const topic = uniqueName('connect-configs-txn');
    const group = uniqueName('txn-group');
    const id = configTopicTransactionalId(group);
    assert.equal(id, `connect-cluster-${group}`);
    const leader = await store(topic, id);
    assert.equal(leader.usesFencableWriter, true);

    await assert.rejects(leader.putConnectorConfig('c', config(0)), (err: Error) => {
      assert.ok(err instanceof PrivilegedWriteError);
      assert.match(err.message, /without claiming write privileges first/);
      return true;
    });
    await leader.claimWritePrivileges();
    await leader.putConnectorConfig('c', config(1), 'PAUSED');
    await leader.putTaskConfigs('c', [{ t: '0' }, { t: '1' }]);
    await leader.putTargetState('c', 'STARTED');
    await leader.putTaskCountRecord('c', 2);
    // The write is read back (read_committed) before it resolves.
    assert.equal(leader.snapshot().taskCountRecord('c'), 2);
    assert.equal(leader.snapshot().targetState('c'), 'STARTED');

    await untilStable(client, topic);
    const committed = await topicRecords(topic, 'read_committed');
    assert.deepEqual(committed, await topicRecords(topic, 'read_uncommitted'));
    // Transactions: [target-state, connector] marker [task-0, task-1] marker [commit] marker;
    // the target state is a plain write (no marker); [task count] marker.
    assert.deepEqual(committed, [
      '0 target-state-c',
      '1 connector-c',
      '3 task-c-0',
      '4 task-c-1',
      '6 commit-c',
      '8 target-state-c',
      '9 tasks-fencing-c',
    ]);
    const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
    assert.equal(end!.offset, 11, 'the last transaction ends with its commit marker');

    const described = await describeTransaction(id);
    assert.equal(described.TransactionalId, id);
    assert.equal(described.TransactionState, 'CompleteCommit');
  });

  test('a zombie leader is fenced: its write fails and never lands; claiming again fences the other', async () => {
    const topic = uniqueName('connect-configs-zombie');
    const id = configTopicTransactionalId(uniqueName('zombie-group'));
    const old = await store(topic, id);
    await old.claimWritePrivileges();
    await old.putConnectorConfig('a', config(1));
    const epochBefore = Number((await describeTransaction(id)).ProducerEpoch);

    // A newer leader claims the id: the old one is a zombie now.
    const current = await store(topic, id);
    await current.claimWritePrivileges();
    assert.ok(Number((await describeTransaction(id)).ProducerEpoch) > epochBefore);

    await assert.rejects(old.putConnectorConfig('zombie', config(2)), (err: Error) => {
      assert.ok(err instanceof PrivilegedWriteError, String(err));
      assert.match(err.message, /Error writing connector configuration to Kafka/);
      assert.match(err.message, /fencable send to config topic/);
      assert.match(err.message, /fenced/);
      return true;
    });
    // The privileges are gone: the next write fails at once.
    await assert.rejects(
      old.putSessionKey({ key: new Uint8Array(32), algorithm: 'HmacSHA256', creationTimestamp: 1 }),
      {
        message: /without claiming write privileges first/,
      },
    );
    // Any worker may still write a target state (not a leader write).
    await old.putTargetState('a', 'PAUSED');

    await current.putConnectorConfig('b', config(3));
    await current.refresh();
    assert.equal(current.snapshot().contains('zombie'), false);
    assert.equal(current.snapshot().contains('b'), true);
    assert.equal(current.snapshot().targetState('a'), 'PAUSED');

    // The zombie claims again (Kafka's herder does when it still thinks it leads): now the other
    // one is fenced.
    await old.claimWritePrivileges();
    await old.putConnectorConfig('again', config(4));
    await assert.rejects(current.putConnectorConfig('lost', config(5)), PrivilegedWriteError);

    await untilStable(client, topic);
    const keys = (await topicRecords(topic, 'read_committed')).map((r) => r.split(' ')[1]);
    assert.deepEqual(keys, ['connector-a', 'target-state-a', 'connector-b', 'connector-again']);
    const uncommitted = (await topicRecords(topic, 'read_uncommitted')).map((r) => r.split(' ')[1]);
    assert.ok(!uncommitted.includes('connector-zombie'), 'the fenced write never reached the log');
    assert.ok(!uncommitted.includes('connector-lost'), 'the fenced write never reached the log');
  });

  test('without a transactional id the config topic is written without transactions', async () => {
    const topic = uniqueName('connect-configs-plain');
    const plain = await store(topic);
    assert.equal(plain.usesFencableWriter, false);
    await plain.claimWritePrivileges(); // nothing to claim
    await plain.putConnectorConfig('c', config(1), 'PAUSED');
    await plain.putTaskConfigs('c', [{ t: '0' }]);
    await plain.putTaskCountRecord('c', 1);
    assert.deepEqual(await topicRecords(topic, 'read_uncommitted'), [
      '0 target-state-c',
      '1 connector-c',
      '2 task-c-0',
      '3 commit-c',
      '4 tasks-fencing-c',
    ]);
  });
});
