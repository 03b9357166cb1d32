/**
 * KafkaBasedLog against a real broker (SLUICE_TEST_KAFKA_BOOTSTRAP, or one started for this file).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, NotFoundError } from '@sluice/api';
import { EmbeddedLogClient, PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import pino from 'pino';
import { internalTopicSettings, KafkaBasedLog } from '../../src/distributed/kafka-based-log.ts';
import type { LogClient, LogRecord } from '../../src/log/log-client.ts';

let client: PlatformaticLogClient;

before(async () => {
  const { bootstrapServers } = await useKafka();
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'kafka-based-log-test' });
});
after(async () => {
  await client.close();
});

function collecting(topic: string, extra: Partial<ConstructorParameters<typeof KafkaBasedLog>[0]> = {}) {
  const records: LogRecord[] = [];
  const log = new KafkaBasedLog({
    client,
    topic,
    create: { partitions: 3, replicationFactor: 1 },
    onRecord: (r) => records.push(r),
    pollWaitMs: 100,
    ...extra,
  });
  return { log, records };
}

describe('KafkaBasedLog', () => {
  test('creates a missing topic compacted, with the partitions and extra configs asked for', async () => {
    const topic = uniqueName('kbl-create');
    const { log } = collecting(topic, {
      create: { partitions: 3, replicationFactor: 1, configs: { 'segment.ms': '3600000' } },
    });
    await log.start();
    try {
      assert.equal(log.partitionCount, 3);
      const d = (await client.describeTopics([topic])).get(topic)!;
      assert.equal(d.partitions.length, 3);
      assert.equal(d.configs['cleanup.policy']?.value, 'compact');
      assert.equal(d.configs['segment.ms']?.value, '3600000');
    } finally {
      await log.stop();
    }
  });

  test('start reads every partition from the beginning, in order per partition', async () => {
    const topic = uniqueName('kbl-read');
    await client.createTopics([
      { name: topic, partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
    const produced = [];
    for (let i = 0; i < 60; i++)
      produced.push({ topic, key: Buffer.from(`k${i % 7}`), value: Buffer.from(`v${i}`), headers: [] });
    const acks = await client.produce(produced);
    const { log, records } = collecting(topic);
    await log.start();
    try {
      // Everything written before start has been handed over when start resolves.
      assert.equal(records.length, 60);
      for (const p of [0, 1, 2]) {
        const expected = acks.map((a, i) => ({ a, i })).filter(({ a }) => a.partition === p);
        const got = records.filter((r) => r.partition === p);
        assert.deepEqual(
          got.map((r) => r.value?.toString()),
          expected.map(({ i }) => `v${i}`),
        );
        assert.deepEqual(
          got.map((r) => r.offset),
          expected.map(({ a }) => a.offset),
        );
      }
      assert.deepEqual(
        [...log.positions()].sort((a, b) => a[0] - b[0]),
        [0, 1, 2].map((p) => [p, acks.filter((a) => a.partition === p).length]),
      );
    } finally {
      await log.stop();
    }
  });

  test('readToEnd resolves once the records written before the call are consumed', async () => {
    const topic = uniqueName('kbl-rte');
    const { log, records } = collecting(topic);
    await log.start();
    const other = collecting(topic);
    await other.log.start();
    try {
      assert.equal(records.length, 0);
      // Written through the other log: this one only sees them by consuming.
      await other.log.sendBatch(
        Array.from({ length: 25 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` })),
      );
      await log.readToEnd();
      assert.equal(records.length, 25);
      assert.deepEqual(
        new Set(records.map((r) => r.key?.toString())),
        new Set(Array.from({ length: 25 }, (_, i) => `key-${i}`)),
      );
      // Tombstones are handed over as null values.
      const ack = await other.log.send('key-3', null);
      await log.readToEnd();
      const last = records.at(-1)!;
      assert.equal(last.key?.toString(), 'key-3');
      assert.equal(last.value, null);
      assert.equal(last.offset, ack.offset);
    } finally {
      await other.log.stop();
      await log.stop();
    }
  });

  test('keeps consuming in the background without readToEnd', async () => {
    const topic = uniqueName('kbl-bg');
    const { log, records } = collecting(topic);
    await log.start();
    try {
      await client.produce([{ topic, key: Buffer.from('a'), value: Buffer.from('1'), headers: [] }]);
      await waitFor('one record', () => records.length === 1, { timeoutMs: 10_000, intervalMs: 20 });
      assert.equal(records[0]!.value?.toString(), '1');
    } finally {
      await log.stop();
    }
  });

  test('refuses an existing topic that is not compact-only, with Kafka’s message', async () => {
    const topic = uniqueName('kbl-delete');
    await client.createTopics([
      { name: topic, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'delete' } },
    ]);
    const { log } = collecting(topic, {
      topicConfigKey: 'status.storage.topic',
      purpose: 'connector and task statuses',
    });
    await assert.rejects(log.start(), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        `Topic '${topic}' supplied via the 'status.storage.topic' property is required to have 'cleanup.policy=compact' ` +
          'to guarantee consistency and durability of connector and task statuses, but found the topic currently has ' +
          "'cleanup.policy=delete'. Continuing would likely result in eventually losing connector and task statuses " +
          "and problems restarting this Connect cluster in the future. Change the 'status.storage.topic' property in " +
          "the Connect worker configurations to use a topic with 'cleanup.policy=compact'.",
      );
      return true;
    });
    // compact,delete is refused too; the existing topic is left as it is.
    const mixed = uniqueName('kbl-mixed');
    await client.createTopics([
      { name: mixed, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact,delete' } },
    ]);
    await assert.rejects(collecting(mixed).log.start(), /'cleanup.policy=compact,delete'/);
    assert.equal(
      (await client.describeTopics([topic])).get(topic)?.configs['cleanup.policy']?.value,
      'delete',
    );
  });

  test('accepts an existing compacted topic without touching its partitions', async () => {
    const topic = uniqueName('kbl-existing');
    await client.createTopics([
      { name: topic, partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    ]);
    const { log } = collecting(topic, { create: { partitions: 7, replicationFactor: 1 } });
    await log.start();
    try {
      assert.equal(log.partitionCount, 2);
    } finally {
      await log.stop();
    }
  });

  test('without creation settings a missing topic fails start', async () => {
    const topic = uniqueName('kbl-missing');
    const log = new KafkaBasedLog({ client, topic, onRecord: () => {} });
    await assert.rejects(log.start(), NotFoundError);
    assert.deepEqual(
      (await client.listTopics()).filter((t) => t === topic),
      [],
    );
  });

  test('a replication factor the cluster cannot meet is a ConfigError naming the key', async () => {
    const topic = uniqueName('kbl-rf');
    const { log } = collecting(topic, {
      create: { partitions: 1, replicationFactor: 3 },
      topicConfigKey: 'offset.storage.topic',
    });
    await assert.rejects(log.start(), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.key, 'offset.storage.replication.factor');
      assert.match(
        err.message,
        new RegExp(`Unable to create topic '${topic}' supplied via the 'offset.storage.topic' property`),
      );
      return true;
    });
  });

  test('stop fails pending and later calls', async () => {
    const topic = uniqueName('kbl-stop');
    const { log } = collecting(topic);
    await log.start();
    await log.stop();
    await assert.rejects(log.readToEnd(), /not running/);
    await assert.rejects(log.send('a', 'b'), /not running/);
    await log.stop(); // idempotent
  });

  // A log whose client is closed under it (the worker going away before stopping it) must end its
  // read loop instead of retrying the fetch forever.
  for (const kind of ['embedded', 'kafka'] as const) {
    test(`stops reading when its ${kind} client is closed`, async () => {
      let own: LogClient;
      let dir: string | undefined;
      if (kind === 'embedded') {
        dir = await mkdtemp(join(tmpdir(), 'kbl-closed-'));
        own = await EmbeddedLogClient.open({ dir });
      } else {
        const { bootstrapServers } = await useKafka();
        own = new PlatformaticLogClient({ bootstrapServers, clientId: 'kafka-based-log-closed' });
      }
      let fetches = 0;
      const counting = new Proxy(own, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key, target);
          if (key === 'fetch')
            return (...args: Parameters<LogClient['fetch']>) => {
              fetches++;
              return target.fetch(...args);
            };
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const lines: string[] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
      const log = new KafkaBasedLog({
        client: counting,
        topic: uniqueName('kbl-closed'),
        create: { partitions: 1, replicationFactor: 1 },
        onRecord: () => {},
        pollWaitMs: 100,
        log: logger,
      });
      try {
        await log.start();
        await own.close();
        // The loop ends: after a moment no further fetch is tried.
        await new Promise((r) => setTimeout(r, 500));
        const seen = fetches;
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(fetches, seen, 'fetches after the client was closed');
        assert.equal(
          lines.filter((l) => l.includes('retrying')).length <= 1,
          true,
          `retry warnings: ${lines.filter((l) => l.includes('retrying')).join('')}`,
        );
        // A readToEnd fails rather than hangs.
        await assert.rejects(log.readToEnd(), /not running|closed/);
        await log.stop(); // still resolves
      } finally {
        await log.stop();
        await own.close();
        if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      }
    });
  }

  // A topic that another worker (or this one) just created may be missing from the metadata for a
  // moment: three workers starting together on a new group made one of them exit on it. A real
  // broker shows this lag only sometimes, so the metadata lag is simulated here (the only stand-in
  // in this file): the created topic stays undescribable for its first three lookups.
  test('waits for a topic it created to show in the metadata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kbl-lag-'));
    const own = await EmbeddedLogClient.open({ dir });
    const topic = uniqueName('kbl-lag');
    let created = false;
    let lagging = 3;
    const lagged = new Proxy(own, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key === 'createTopics')
          return async (...args: Parameters<LogClient['createTopics']>) => {
            const result = await target.createTopics(...args);
            created = true;
            return result;
          };
        if (key === 'describeTopics')
          return async (...args: Parameters<LogClient['describeTopics']>) => {
            if (created && lagging > 0) {
              lagging--;
              throw new NotFoundError(`Topic ${topic} not found (metadata lag)`);
            }
            return target.describeTopics(...args);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const log = new KafkaBasedLog({
      client: lagged,
      topic,
      create: { partitions: 1, replicationFactor: 1 },
      onRecord: () => {},
      pollWaitMs: 100,
    });
    try {
      await log.start();
      assert.equal(lagging, 0);
      await log.send('k', 'v');
      await log.readToEnd();
    } finally {
      await log.stop();
      await own.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('internalTopicSettings', () => {
  test('keeps the prefixed topic configs, dropping what Kafka drops', () => {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) } as unknown as import('pino').Logger;
    const props = {
      'config.storage.topic': 'connect-configs',
      'config.storage.replication.factor': '1',
      'config.storage.partitions': '4',
      'config.storage.cleanup.policy': 'delete',
      'config.storage.min.insync.replicas': '2',
      'offset.storage.segment.bytes': '1000',
      'bootstrap.servers': 'x:1',
    };
    assert.deepEqual(internalTopicSettings(props, 'config.storage.', log), { 'min.insync.replicas': '2' });
    assert.deepEqual(internalTopicSettings(props, 'offset.storage.'), { 'segment.bytes': '1000' });
    assert.deepEqual(warnings, [
      "Ignoring 'config.storage.partitions=4' setting, since config topic partitions is always 1",
      "Ignoring 'config.storage.cleanup.policy=delete' setting, since compaction is always used",
    ]);
  });
});
