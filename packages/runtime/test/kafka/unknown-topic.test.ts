/**
 * A produce to a topic the broker does not know (yet) is retried, as Kafka's producer does: the
 * metadata is refreshed and the send tried again with back-off until the topic is there or the
 * producer's time is up (`max.block.ms` for metadata, `delivery.timeout.ms` for a send). On the
 * real broker: a topic created after the first produce attempt (auto-creation off for that
 * client), a topic deleted and created again under a pending produce, and a topic deleted under a
 * running FileStream source task (the broker auto-creates it again; every later line arrives).
 */
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '@sluice/api';
import { type LogClient, PlatformaticLogClient, type ProduceRecord } from '@sluice/runtime';
import { type KafkaServer, readAll, startKafka, uniqueName, useKafka, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const clients: LogClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function client(config: Partial<ConstructorParameters<typeof PlatformaticLogClient>[0]> = {}) {
  const { bootstrapServers } = await useKafka();
  const c = new PlatformaticLogClient({ bootstrapServers, ...config });
  clients.push(c);
  return c;
}

function records(topic: string, from: number, count: number): ProduceRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    key: null,
    value: Buffer.from(`v${from + i}`),
    headers: [],
  }));
}

async function values(c: LogClient, topic: string, end: number): Promise<string[]> {
  return (await readAll(c, topic, 0, 0, end, 1024 * 1024)).map((r) => r.value!.toString());
}

for (const idempotent of [false, true]) {
  const path = idempotent ? "the library's idempotent producer" : "Sluice's own produce requests";
  describe(`an unknown topic is retried, through ${path}`, () => {
    test('a topic created after the first produce attempt gets the records', async () => {
      const admin = await client();
      const producer = await client({ autoCreateTopics: false, idempotent, maxBlockMs: 60_000 });
      const topic = uniqueName('late');
      const sent = producer.produce(records(topic, 0, 10));
      let settled: string | undefined;
      sent.then(
        () => (settled = 'resolved'),
        (err: Error) => (settled = `rejected: ${err.message}`),
      );
      await sleep(1500); // several metadata attempts see no such topic
      assert.equal(settled, undefined, 'the produce still waits for the topic');
      await admin.createTopics([{ name: topic, partitions: 1 }]);
      const acks = await sent;
      assert.deepEqual(
        acks.map((a) => [a.topic, a.partition, a.offset]),
        Array.from({ length: 10 }, (_, i) => [topic, 0, i]),
      );
      assert.deepEqual(
        await values(admin, topic, 10),
        Array.from({ length: 10 }, (_, i) => `v${i}`),
      );
    });

    test('a topic deleted and created again under a pending produce gets the records', async () => {
      const admin = await client();
      const producer = await client({ autoCreateTopics: false, idempotent, maxBlockMs: 60_000 });
      const topic = uniqueName('recreated');
      await admin.createTopics([{ name: topic, partitions: 1 }]);
      await producer.produce(records(topic, 0, 5)); // the producer knows the topic and its leader
      await admin.deleteTopics([topic]);
      await waitFor('the topic is gone', async () => !(await admin.listTopics()).includes(topic), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      const sent = producer.produce(records(topic, 5, 5));
      let settled: string | undefined;
      sent.then(
        () => (settled = 'resolved'),
        (err: Error) => (settled = `rejected: ${err.message}`),
      );
      await sleep(3000); // longer than the old five retries 250 ms apart
      assert.equal(settled, undefined, 'the produce still waits for the topic');
      await admin.createTopics([{ name: topic, partitions: 1 }]);
      const acks = await sent;
      assert.deepEqual(
        acks.map((a) => a.offset),
        [0, 1, 2, 3, 4],
      );
      assert.deepEqual(await values(admin, topic, 5), ['v5', 'v6', 'v7', 'v8', 'v9']);
    });

    test('a topic that never comes is a NotFoundError naming it once max.block.ms is over', async () => {
      const producer = await client({ autoCreateTopics: false, idempotent, maxBlockMs: 3000 });
      const topic = uniqueName('never');
      const started = Date.now();
      await assert.rejects(
        producer.produce(records(topic, 0, 1)),
        (err: unknown) =>
          err instanceof NotFoundError &&
          err.message.includes(topic) &&
          /not present in metadata/.test(err.message),
      );
      assert.ok(Date.now() - started >= 3000, 'the producer waited max.block.ms for the topic');
    });
  });
}

const tempDir = useTempDirs('sluice-unknown-topic-');

/** A FileStream source on `log` writing numbered lines to `topic`, and helpers to watch it. */
async function fileSource(log: 'kafka' | KafkaServer, topic: string, props: Record<string, string> = {}) {
  const dir = await tempDir();
  const input = join(dir, 'in.txt');
  await writeFile(input, '');
  const bootstrapServers = log === 'kafka' ? (await useKafka()).bootstrapServers : log.bootstrapServers;
  const admin = new PlatformaticLogClient({ bootstrapServers });
  clients.push(admin);
  const herder = await startTestHerder({
    dir,
    log: log === 'kafka' ? 'kafka' : { bootstrapServers },
    props: { 'offset.flush.interval.ms': '500', ...props },
    logLevel: process.env.SLUICE_TEST_LOG ?? 'silent',
  });
  await herder.putConnectorConfig(
    'source',
    { 'connector.class': 'FileStreamSource', file: input, topic },
    { allowReplace: false },
  );
  return {
    admin,
    herder,
    write: (from: number, count: number) =>
      appendFile(input, Array.from({ length: count }, (_, i) => `line ${from + i}\n`).join('')),
    /** The topic's end offset, -1 while it does not exist. */
    latest: async (): Promise<number> => {
      if (!(await admin.listTopics()).includes(topic)) return -1;
      const [end] = await admin.listOffsets([{ topic, partition: 0 }], 'latest').catch(() => [undefined]);
      return end?.offset ?? -1;
    },
    /** The task's state; throws when it FAILED. */
    running: async (): Promise<boolean> => {
      const task = (await herder.connectorStatus('source')).tasks[0];
      if (task?.state === 'FAILED') throw new Error(`the task FAILED: ${task.trace}`);
      return task?.state === 'RUNNING';
    },
  };
}

const lineRange = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `line ${from + i}`);

// The broker that does not create topics is started with the file, while the tests above run on
// the shared broker (a broker takes 10–20 s to start on a busy machine), and stopped at its end.
const noAutoCreateKafka: Promise<KafkaServer> = startKafka({
  ownerPid: process.pid,
  properties: { 'auto.create.topics.enable': false },
  log: () => {},
});
noAutoCreateKafka.catch(() => {}); // awaited (and its error reported) by the tests that use it
after(async () => {
  await (await noAutoCreateKafka.catch(() => undefined))?.stop();
});

describe('a source task on a broker that does not create topics', () => {
  let kafka: KafkaServer | undefined;
  before(async () => {
    kafka = await noAutoCreateKafka;
  });

  test('the topic created late: the task waits RUNNING, then every line arrives', async () => {
    const topic = uniqueName('created_late');
    const source = await fileSource(kafka!, topic);
    try {
      await source.write(0, 100);
      await waitFor('the task running', source.running, { timeoutMs: 30_000, intervalMs: 100 });
      await sleep(3000); // the task polled the lines and its producer finds no topic
      assert.ok(await source.running());
      assert.equal(await source.latest(), -1, 'no topic yet');
      await source.admin.createTopics([{ name: topic, partitions: 1 }]);
      await source.write(100, 100);
      await waitFor(
        'every line in the topic',
        async () => (await source.running()) && (await source.latest()) >= 200,
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      assert.deepEqual(await values(source.admin, topic, await source.latest()), lineRange(0, 200));
    } finally {
      await source.herder.stop();
    }
  });

  test('a task waiting for its topic stops at once when its connector is deleted', async () => {
    const topic = uniqueName('never_created');
    const source = await fileSource(kafka!, topic, { 'task.shutdown.graceful.timeout.ms': '120000' });
    try {
      await source.write(0, 10);
      await waitFor('the task running', source.running, { timeoutMs: 30_000, intervalMs: 100 });
      await sleep(2000); // the producer waits for the topic
      const outcome = await Promise.race([
        source.herder.deleteConnector('source').then(() => 'deleted'),
        sleep(30_000).then(() => 'still stopping after 30 s'),
      ]);
      assert.equal(outcome, 'deleted', 'the stop does not wait for the topic (graceful timeout 120 s)');
      assert.equal(await source.latest(), -1, 'nothing was written');
    } finally {
      await source.herder.stop();
    }
  });

  test('the topic deleted under the running task and created again: no line lost', async () => {
    const topic = uniqueName('deleted_manual');
    const source = await fileSource(kafka!, topic);
    try {
      await source.admin.createTopics([{ name: topic, partitions: 1 }]);
      await source.write(0, 100);
      await waitFor('the first lines', async () => (await source.latest()) === 100, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      await source.admin.deleteTopics([topic]);
      await waitFor('the topic is gone', async () => (await source.latest()) === -1, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      await source.write(100, 100);
      await sleep(3000); // the producer's known leader answers UNKNOWN_TOPIC_OR_PARTITION, then no metadata
      assert.ok(await source.running());
      await source.admin.createTopics([{ name: topic, partitions: 1 }]);
      await source.write(200, 100);
      await waitFor(
        'the later lines',
        async () => (await source.running()) && (await source.latest()) >= 200,
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
      assert.deepEqual(await values(source.admin, topic, await source.latest()), lineRange(100, 200));
    } finally {
      await source.herder.stop();
    }
  });
});

test('a topic deleted under a running source task is auto-created again: every later line arrives', async () => {
  const topic = uniqueName('deleted_auto');
  const source = await fileSource('kafka', topic);
  try {
    await source.write(0, 200);
    await waitFor('the first lines in the topic', async () => (await source.latest()) === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await source.admin.deleteTopics([topic]);
    await waitFor('the topic is gone', async () => (await source.latest()) === -1, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // Lines written while the topic is gone; the task's producer still has its old metadata.
    for (let round = 0; round < 5; round++) {
      await source.write(200 + round * 100, 100);
      await sleep(200);
    }
    await waitFor(
      'the later lines in the topic created again',
      async () => (await source.running()) && (await source.latest()) >= 500,
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    assert.deepEqual(
      await values(source.admin, topic, await source.latest()),
      lineRange(200, 500),
      'every line written after the delete, once, in order',
    );
  } finally {
    await source.herder.stop();
  }
});
