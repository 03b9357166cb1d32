/**
 * `PUT /admin/loggers/{logger}?scope=cluster` (KIP-976) on a two-worker cluster: the worker that
 * gets the request answers 204 and writes a `logger-cluster-<namespace>` record to the config
 * topic, byte-equal to what Kafka Connect 4.1.1 writes (golden/config-records.golden.json, made by
 * Kafka's own KafkaConfigBackingStore); both workers apply the level when they read it. Worker
 * scope stays on the receiving worker, and a worker that starts later does not apply a level
 * written before it started (Kafka's rule).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { eventually, readAll, uniqueName, useKafka } from '@sluice/testing';
import {
  type DistributedTestWorker,
  distributedTestProps,
  http,
  leaderAndFollower,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';
import { golden } from './golden.ts';

interface GoldenLoggerRecord {
  case: string;
  namespace?: string;
  level?: string;
  key: string;
  value: string | null;
}

let bootstrapServers: string;
const group = uniqueName('cluster-loggers');
const workers: DistributedTestWorker[] = [];

before(async () => {
  ({ bootstrapServers } = await useKafka());
});
after(async () => {
  for (const w of workers) await stopDistributedTestWorker(w);
});

async function startWorker(): Promise<DistributedTestWorker> {
  const w = await startDistributedTestWorker(distributedTestProps(bootstrapServers, group));
  workers.push(w);
  return w;
}

const levelOf = async (w: DistributedTestWorker, logger: string): Promise<string | undefined> => {
  const r = await http(w.url, 'GET', `/admin/loggers/${logger}`);
  return r.status === 200 ? (r.body.level as string) : undefined;
};

describe('cluster-scope logger levels on two workers', { timeout: 180_000 }, () => {
  test('scope=cluster reaches every worker through the config topic, as Kafka writes it', async () => {
    const [leader, follower] = await leaderAndFollower(await startWorker(), await startWorker());
    // Kafka's golden case: org.apache.kafka.connect at DEBUG.
    const expected = golden<GoldenLoggerRecord>('config-records.golden.json').find(
      (g) => g.case === 'logger-level',
    )!;
    const namespace = expected.namespace!;

    // Worker scope first: only the receiving worker changes.
    const local = await http(follower.url, 'PUT', '/admin/loggers/org.example.local', { level: 'WARN' });
    assert.equal(local.status, 200);
    assert.equal(await levelOf(follower, 'org.example.local'), 'WARN');
    assert.equal(await levelOf(leader, 'org.example.local'), undefined);

    // Cluster scope on the follower: 204, and both workers take the level.
    const put = await http(follower.url, 'PUT', `/admin/loggers/${namespace}?scope=cluster`, {
      level: expected.level,
    });
    assert.equal(put.status, 204, JSON.stringify(put.body));
    for (const w of [leader, follower])
      await eventually(`${namespace} at ${expected.level} on ${w.url}`, async () =>
        (await levelOf(w, namespace)) === expected.level ? true : undefined,
      );

    // The record in the config topic: Kafka's key and value bytes.
    const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'cluster-loggers-test' });
    try {
      const topic = `${group}-configs`;
      const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
      const records = await readAll(client, topic, 0, 0, end!.offset);
      const written = records.filter((r) => r.key?.toString('utf8') === expected.key);
      assert.equal(written.length, 1, 'one logger-cluster record');
      assert.equal(written[0]!.value?.toString('utf8'), expected.value);
    } finally {
      await client.close();
    }

    // A worker started afterwards reads the record during its start-up and leaves it alone.
    const late = await startWorker();
    await eventually('the third worker joined', async () =>
      late.herder.leaderUrl !== '' && late.herder.leaderUrl === leader.herder.leaderUrl ? true : undefined,
    );
    assert.notEqual(await levelOf(late, namespace), expected.level);

    // A later cluster-scope change reaches it too (sent to the leader this time).
    const again = await http(leader.url, 'PUT', `/admin/loggers/${namespace}?scope=cluster`, {
      level: 'TRACE',
    });
    assert.equal(again.status, 204);
    for (const w of [leader, follower, late])
      await eventually(`${namespace} at TRACE on ${w.url}`, async () =>
        (await levelOf(w, namespace)) === 'TRACE' ? true : undefined,
      );
  });
});
