/**
 * A source connector's own offsets topic (`offsets.storage.topic`) with exactly-once support
 * disabled, as Kafka Connect 4.1 distributed workers use it for every source connector: the topic
 * is created compacted, the task's offsets are written to it and to the worker's offsets topic, the
 * REST offsets API reads and changes it, and a task resumes from it (it is read first, the worker's
 * topic second). One in-process distributed worker on the real broker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Schema, SourceRecord, SourceTask, type StringMap, type TaskClass } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder, type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import { pino } from 'pino';
import { distributedTestProps } from '../helpers/distributed-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

let bootstrapServers: string;
let client: PlatformaticLogClient;
let herder: DistributedHerder;
const group = uniqueName('own_offsets');

/** Emits records numbered from its committed offset up to `count`, 10 per poll. */
class CountingTask extends SourceTask {
  #next = 0;
  #config: StringMap = {};
  version(): string {
    return '1';
  }
  async start(config: StringMap): Promise<void> {
    this.#config = config;
    const stored = await this.context.offsetStorageReader().offset({ p: 0 });
    this.#next = stored === null ? 0 : Number(stored.n) + 1;
  }
  async poll(): Promise<SourceRecord[] | null> {
    await new Promise((r) => setTimeout(r, 10));
    const count = Number(this.#config.count);
    if (this.#next >= count) return null;
    const records: SourceRecord[] = [];
    for (let i = 0; i < 10 && this.#next < count; i++, this.#next++)
      records.push(
        new SourceRecord({
          topic: this.#config.topic!,
          kafkaPartition: 0,
          sourcePartition: { p: 0 },
          sourceOffset: { n: this.#next },
          valueSchema: Schema.STRING_SCHEMA,
          value: String(this.#next),
        }),
      );
    return records;
  }
  stop(): void {}
}

class CountingSource extends ConfigCopyingSourceConnector {
  taskClass(): TaskClass {
    return CountingTask;
  }
}

before(async () => {
  ({ bootstrapServers } = await useKafka());
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'own-offsets-test' });
  const plugins = builtinPlugins('1');
  plugins.register('source', CountingSource);
  herder = await DistributedHerder.create(
    distributedTestProps(bootstrapServers, group, { 'offset.flush.interval.ms': '200' }),
    { logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }), plugins },
  );
  herder.setBoundPort(1);
  await herder.start();
});

after(async () => {
  await herder?.stop();
  await client?.close();
});

async function readAll(topic: string): Promise<LogRecord[]> {
  const partitions = (await client.describeTopics([topic])).get(topic)!.partitions.map((p) => p.partition);
  const out: LogRecord[] = [];
  for (const partition of partitions) {
    const [end] = await client.listOffsets([{ topic, partition }], 'latest');
    let offset = 0;
    while (offset < end!.offset) {
      const [p] = await client.fetch([{ topic, partition, offset }], { maxWaitMs: 100 });
      out.push(...p!.records);
      if (p!.nextOffset === offset) break;
      offset = p!.nextOffset;
    }
  }
  return out;
}

/** The latest offset value stored for `key` in `topic` (undefined when none). */
async function storedOffset(topic: string, key: string): Promise<string | undefined> {
  const records = await readAll(topic).catch(() => []);
  return records
    .filter((r) => r.key?.toString() === key)
    .at(-1)
    ?.value?.toString();
}

async function stopped(name: string): Promise<void> {
  await herder.stopConnector(name);
  await eventually(`${name} stopped`, async () =>
    (await herder.connectorStatus(name)).connector.state === 'STOPPED' ? true : undefined,
  );
}

const values = (records: LogRecord[]) => records.map((r) => Number(r.value!.toString()));

describe('offsets.storage.topic with exactly-once support disabled', { timeout: 180_000 }, () => {
  test("the connector's offsets go to its own topic and the worker's; the task resumes from them", async () => {
    const topic = uniqueName('own_offsets_data');
    const offsetsTopic = uniqueName('own_offsets_store');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const name = uniqueName('own-offsets');
    const config = {
      'connector.class': CountingSource.name,
      topic,
      count: '30',
      'offsets.storage.topic': offsetsTopic,
    };
    const key = `["${name}",{"p":0}]`;
    await herder.putConnectorConfig(name, config, { allowReplace: false });
    await eventually('30 records', async () => ((await readAll(topic)).length >= 30 ? true : undefined));
    await eventually('the last offset in the connector topic', async () =>
      (await storedOffset(offsetsTopic, key)) === '{"n":29}' ? true : undefined,
    );
    await eventually("the last offset in the worker's topic", async () =>
      (await storedOffset(`${group}-offsets`, key)) === '{"n":29}' ? true : undefined,
    );
    const description = (await client.describeTopics([offsetsTopic])).get(offsetsTopic)!;
    assert.equal(description.configs['cleanup.policy']?.value, 'compact');

    // Stopped: the REST offsets API reads the connector topic; a PATCH writes both topics.
    await stopped(name);
    assert.deepEqual((await herder.connectorOffsets(name)).offsets, [
      { partition: { p: 0 }, offset: { n: 29 } },
    ]);
    await herder.alterConnectorOffsets(name, { offsets: [{ partition: { p: 0 }, offset: { n: 34 } }] });
    assert.equal(await storedOffset(offsetsTopic, key), '{"n":34}');
    assert.equal(await storedOffset(`${group}-offsets`, key), '{"n":34}');

    // An offset only in the connector's topic: it is read first, so the task resumes after it.
    await client.produce([
      { topic: offsetsTopic, key: Buffer.from(key), value: Buffer.from('{"n":37}'), headers: [] },
    ]);
    await herder.putConnectorConfig(name, { ...config, count: '45' }, { allowReplace: true });
    await herder.resumeConnector(name);
    await eventually('37 records', async () => ((await readAll(topic)).length >= 37 ? true : undefined));
    await stopped(name);
    assert.deepEqual(values(await readAll(topic)), [
      ...Array.from({ length: 30 }, (_, i) => i),
      ...Array.from({ length: 7 }, (_, i) => 38 + i),
    ]);
  });
});
