/**
 * The built-in schema registry kept in a `_schemas` topic, on a real broker
 * (SLUICE_TEST_KAFKA_BOOTSTRAP, or one started for this file) and on the embedded log: the topic
 * is created with one partition and compaction, the records are Confluent's, registries sharing
 * the topic see each other's changes, and a registry opened again rebuilds the same state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmbeddedLogClient, PlatformaticLogClient, SchemaRegistryTopicLog } from '@sluice/runtime';
import { LogStorage, SchemaRegistry } from '@sluice/schema-registry';
import { eventually, uniqueName, useKafka } from '@sluice/testing';

/** Waits until `check` stops throwing. */
const until = (what: string, check: () => void) =>
  eventually(
    what,
    async () => {
      check();
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  );

import type { LogClient } from '../../src/log/log-client.ts';

const user = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] });
const user2 = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: ['null', 'int'], default: null },
  ],
});

async function open(client: LogClient, topic: string) {
  const log = new SchemaRegistryTopicLog({ client, topic, replicationFactor: 1 });
  const storage = await LogStorage.open(log);
  return { registry: new SchemaRegistry(storage), stop: () => storage.stop() };
}

/** Every record of the topic, key and value as text. */
async function rawRecords(client: LogClient, topic: string): Promise<[string, string | null][]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  const out: [string, string | null][] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [part] = await client.fetch([{ topic, partition: 0, offset }]);
    for (const r of part!.records) out.push([r.key!.toString('utf8'), r.value?.toString('utf8') ?? null]);
    offset = part!.nextOffset;
  }
  return out;
}

function sharedTopicTests(name: string, client: () => LogClient): void {
  describe(`schemas topic on ${name}`, () => {
    test("created with 1 partition, compacted; Confluent's records; a second registry sees the first's changes", async () => {
      const topic = uniqueName('schemas');
      const a = await open(client(), topic);
      const b = await open(client(), topic);
      try {
        const d = (await client().describeTopics([topic])).get(topic)!;
        assert.equal(d.partitions.length, 1);
        assert.equal(d.configs['cleanup.policy']?.value, 'compact');

        assert.deepEqual(a.registry.register('orders-value', { schema: user }), { id: 1, version: 1 });
        a.registry.setCompatibility('orders-value', 'FULL');
        await a.registry.flush();
        const records = await rawRecords(client(), topic);
        assert.deepEqual(
          records.map(([k]) => k),
          [
            '{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}',
            '{"keytype":"CONFIG","subject":"orders-value","magic":0}',
          ],
        );
        assert.deepEqual(JSON.parse(records[0]![1]!), {
          subject: 'orders-value',
          version: 1,
          id: 1,
          schemaType: 'AVRO',
          schema: user,
          deleted: false,
        });
        assert.deepEqual(JSON.parse(records[1]![1]!), {
          subject: 'orders-value',
          compatibilityLevel: 'FULL',
        });

        await until('b reads the config', () =>
          assert.equal(b.registry.compatibility('orders-value'), 'FULL'),
        );
        assert.equal(b.registry.schemaById(1).schema, user);
        // b registers the next version with the next id; a sees it.
        assert.deepEqual(b.registry.register('orders-value', { schema: user2 }), { id: 2, version: 2 });
        await b.registry.flush();
        await until('a reads version 2', () => assert.deepEqual(a.registry.versions('orders-value'), [1, 2]));
      } finally {
        await a.stop();
        await b.stop();
      }
      // Opened again: the same ids, versions and config from the topic alone.
      const c = await open(client(), topic);
      try {
        assert.equal(c.registry.version('orders-value', 2).id, 2);
        assert.equal(c.registry.compatibility('orders-value'), 'FULL');
        c.registry.deleteSubject('orders-value', false);
        await c.registry.flush();
        const last = (await rawRecords(client(), topic)).at(-1)!;
        assert.deepEqual(last, [
          '{"keytype":"DELETE_SUBJECT","subject":"orders-value","magic":0}',
          '{"subject":"orders-value","version":2}',
        ]);
      } finally {
        await c.stop();
      }
      const d = await open(client(), topic);
      try {
        assert.deepEqual(d.registry.subjects(), []);
        assert.deepEqual(d.registry.subjects(true), ['orders-value']);
      } finally {
        await d.stop();
      }
    });

    test('an existing topic with more than one partition is refused with a message naming the key', async () => {
      const topic = uniqueName('schemas-2p');
      await client().createTopics([
        { name: topic, partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
      ]);
      await assert.rejects(open(client(), topic), /schema\.registry\.topic.*exactly 1 partition.*has 2/);
    });
  });
}

describe('on Kafka', () => {
  let kafka: PlatformaticLogClient;
  before(async () => {
    const { bootstrapServers } = await useKafka();
    kafka = new PlatformaticLogClient({ bootstrapServers, clientId: 'schema-registry-log-test' });
  });
  after(() => kafka.close());
  sharedTopicTests('Kafka', () => kafka);
});

describe('on the embedded log', () => {
  let dir: string;
  let embedded: EmbeddedLogClient;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-schemas-embedded-'));
    embedded = await EmbeddedLogClient.open({ dir });
  });
  after(async () => {
    await embedded.close();
    await rm(dir, { recursive: true, force: true });
  });
  sharedTopicTests('the embedded log', () => embedded);
});
