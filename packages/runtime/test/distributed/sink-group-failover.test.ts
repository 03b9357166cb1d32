/**
 * Three distributed workers run a sink connector whose tasks are members of `connect-<name>`:
 * stopping one worker while records keep arriving moves its partitions to the tasks on the other
 * workers through the consumer group (its task commits and leaves), then the Connect group moves
 * the task itself; every record reaches the sink file once, none twice (the stopping task
 * committed what it had written before its partitions moved). Kafka's `kafka-consumer-groups`
 * describes the group with one member per task throughout. Real broker, three herders.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  consumerGroupsTable,
  eventually,
  kafkaConsumerGroups,
  uniqueName,
  useKafka,
  waitFor,
} from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import {
  type DistributedTestWorker,
  distributedTestProps,
  http,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';

let bootstrapServers: string;
let dir: string;

before(async () => {
  ({ bootstrapServers } = await useKafka());
  dir = await mkdtemp(join(tmpdir(), 'sluice-sinkfail-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function members(group: string): Promise<string[][]> {
  const out = await kafkaConsumerGroups(bootstrapServers, ['--describe', '--group', group, '--members']);
  return consumerGroupsTable(out).filter((r) => r[0] === group);
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

test('stopping one of three workers moves its partitions to the others: every record once, none twice', {
  timeout: 240_000,
}, async () => {
  const group = uniqueName('sinkfail');
  const topic = uniqueName('sinkfail_topic');
  const name = uniqueName('sink');
  const consumerGroup = `connect-${name}`;
  const out = join(dir, `${name}.txt`);
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'test' });
  await client.createTopics([{ name: topic, partitions: 6 }]);
  const props = distributedTestProps(bootstrapServers, group, { 'offset.flush.interval.ms': '500' });
  const workers: DistributedTestWorker[] = [];
  for (let i = 0; i < 3; i++) workers.push(await startDistributedTestWorker(props));
  let next = 0;
  const produce = async (n: number) => {
    const batch = Array.from({ length: n }, () => next++);
    await client.produce(
      batch.map((i) => ({ topic, partition: i % 6, key: null, value: Buffer.from(`r-${i}`), headers: [] })),
    );
  };
  try {
    const created = await http(workers[0]!.url, 'PUT', `/connectors/${name}/config`, {
      'connector.class': 'FileStreamSink',
      file: out,
      topics: topic,
      'tasks.max': '3',
    });
    assert.ok(created.status === 201 || created.status === 200, JSON.stringify(created.body));
    await produce(300);
    await waitFor('the first records written', async () => (await lines(out)).length === 300, {
      timeoutMs: 60_000,
    });
    await eventually(
      'three members with two partitions each',
      async () => {
        const m = await members(consumerGroup);
        return m.length === 3 && m.every((r) => r[4] === '2') ? m : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // The worker running task 0 stops (gracefully) while records keep coming.
    const status = (await http(workers[0]!.url, 'GET', `/connectors/${name}/status`)).body;
    const owner = status.tasks.find((t: { id: number }) => t.id === 0).worker_id as string;
    const victim = workers.find((w) => new URL(w.url).host === owner) ?? workers[0]!;
    const producing = (async () => {
      for (let i = 0; i < 20; i++) {
        await produce(15);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await stopDistributedTestWorker(victim);
    workers.splice(workers.indexOf(victim), 1);
    await producing;
    await waitFor(
      () => `all ${next} records written`,
      async () => (await lines(out)).length >= next,
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    // A little longer: a duplicate would show up after the last record.
    await new Promise((r) => setTimeout(r, 1500));
    const written = await lines(out);
    const seen = new Map<string, number>();
    for (const l of written) seen.set(l, (seen.get(l) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1).map(([l]) => l);
    assert.deepEqual(twice, [], 'no record written twice');
    assert.equal(seen.size, next, 'every record written');
    // The Connect group moved task 0 to a remaining worker: three members again.
    await eventually(
      'three members on the two remaining workers',
      async () => {
        const m = await members(consumerGroup);
        return m.length === 3 ? m : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await waitFor(
      'every offset committed',
      async () => {
        const committed = await client.fetchGroupOffsets(consumerGroup);
        return committed.reduce((s, c) => s + c.offset, 0) === next;
      },
      { timeoutMs: 30_000 },
    );
  } finally {
    for (const w of workers) await stopDistributedTestWorker(w).catch(() => {});
    await client.close();
  }
});
