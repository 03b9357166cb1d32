/**
 * Exactly-once source tasks in a distributed worker on the real broker (SLUICE_TEST_KAFKA_BOOTSTRAP,
 * or one started for this file), one in-process worker with `exactly.once.source.support=enabled`:
 * - `transaction.boundary=connector`: the task's commit and abort requests decide; records of an
 *   aborted transaction never reach a read_committed reader and their offsets are not committed;
 * - `transaction.boundary=interval`: a few transactions instead of one per poll;
 * - `offsets.storage.topic`: the offsets are written, in the transactions, to the connector's topic
 *   (created compacted) and to the worker's, and a restarted task resumes from them;
 * - zombie fencing: when a connector goes from two tasks to one, the leader fences the producer
 *   of the old task 1 before the new generation starts: a zombie holding that transactional id
 *   can no longer commit, and its open transaction is aborted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConfigDef,
  type ConnectorTransactionBoundaries,
  type ExactlyOnceSupport,
  Schema,
  SourceRecord,
  SourceTask,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder, type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import { eventually, uniqueName, untilStable, useKafka } from '@sluice/testing';
import { pino } from 'pino';
import { distributedTestProps } from '../helpers/distributed-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

let bootstrapServers: string;
let client: PlatformaticLogClient;
let herder: DistributedHerder;
const group = uniqueName('eos_tasks');

/**
 * Emits `count` records numbered from the committed offset on, `batch` per poll, waiting `pollMs`
 * between polls. With `transaction.boundary=connector` it asks for an abort right after the fourth
 * record of every batch whose number is listed in `abort.batches`, and for a commit after the last
 * record of every batch.
 */
class CountingTask extends SourceTask {
  #next = 0;
  #config: StringMap = {};
  #polls = 0;
  version(): string {
    return '1';
  }
  async start(config: StringMap): Promise<void> {
    this.#config = config;
    const stored = await this.context.offsetStorageReader().offset({ p: 0 });
    this.#next = stored === null ? 0 : Number(stored.n) + 1;
  }
  async poll(): Promise<SourceRecord[] | null> {
    const count = Number(this.#config.count);
    const batch = Number(this.#config.batch);
    await new Promise((r) => setTimeout(r, Number(this.#config.pollMs ?? 10)));
    if (this.#next >= count) return null;
    const records: SourceRecord[] = [];
    for (let i = 0; i < batch && this.#next < count; i++, this.#next++)
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
    const tx = this.context.transactionContext();
    if (tx !== null) {
      // In a listed batch, the records up to its fourth are aborted; every batch ends committed.
      const aborted = (this.#config['abort.batches'] ?? '').split(',').includes(String(this.#polls));
      if (aborted) tx.abortTransaction(records[3]);
      tx.commitTransaction(records.at(-1));
    }
    this.#polls++;
    return records;
  }
  stop(): void {}
}

class CountingSource extends ConfigCopyingSourceConnector {
  version(): string {
    return '1';
  }
  taskClass(): TaskClass {
    return CountingTask;
  }
  config(): ConfigDef {
    return new ConfigDef();
  }
  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'SUPPORTED';
  }
  override canDefineTransactionBoundaries(): ConnectorTransactionBoundaries {
    return 'SUPPORTED';
  }
}

before(async () => {
  ({ bootstrapServers } = await useKafka());
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'eos-tasks-test' });
  const plugins = builtinPlugins('1');
  plugins.register('source', CountingSource);
  herder = await DistributedHerder.create(
    distributedTestProps(bootstrapServers, group, {
      'exactly.once.source.support': 'enabled',
      'offset.flush.interval.ms': '60000',
    }),
    { logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }), plugins },
  );
  herder.setBoundPort(1);
  await herder.start();
});

after(async () => {
  await herder?.stop();
  await client?.close();
});

async function readAll(
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<LogRecord[]> {
  const partitions = (await client.describeTopics([topic])).get(topic)!.partitions.map((p) => p.partition);
  const out: LogRecord[] = [];
  for (const partition of partitions) {
    const [end] = await client.listOffsets([{ topic, partition }], 'latest', { isolationLevel });
    let offset = 0;
    while (offset < end!.offset) {
      const [p] = await client.fetch([{ topic, partition, offset }], { isolationLevel, maxWaitMs: 100 });
      out.push(...p!.records);
      if (p!.nextOffset === offset) break;
      offset = p!.nextOffset;
    }
  }
  return out;
}

async function run(name: string, config: Record<string, string>): Promise<void> {
  await eventually(
    `${name} created`,
    async () => {
      try {
        await herder.putConnectorConfig(
          name,
          { 'connector.class': CountingSource.name, ...config },
          { allowReplace: true },
        );
        return true;
      } catch {
        return undefined;
      }
    },
    30_000,
  );
}

async function stopConnector(name: string): Promise<void> {
  await herder.stopConnector(name);
  await eventually(`${name} stopped`, async () =>
    (await herder.connectorStatus(name)).connector.state === 'STOPPED' ? true : undefined,
  );
}

const values = (records: LogRecord[]) => records.map((r) => Number(r.value!.toString()));

/** Transaction markers between consecutive records of one partition (each takes an offset). */
const markers = (records: LogRecord[]) =>
  records.slice(1).filter((r, i) => r.offset !== records[i]!.offset + 1).length;

describe('exactly-once source tasks (in-process distributed worker)', { timeout: 180_000 }, () => {
  test('transaction.boundary=connector: a request acts right after its record; aborted records are never visible', async () => {
    const topic = uniqueName('eos_connector');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const name = uniqueName('eos-connector');
    await run(name, {
      topic,
      count: '50',
      batch: '10',
      'abort.batches': '1,4',
      'transaction.boundary': 'connector',
      'exactly.once.support': 'required',
    });
    // Batches 1 and 4: records 10..13 and 40..43 aborted, the rest of those batches committed.
    const expected = Array.from({ length: 50 }, (_, i) => i).filter(
      (v) => !(v >= 10 && v <= 13) && !(v >= 40 && v <= 43),
    );
    await eventually('42 committed records', async () =>
      (await readAll(topic, 'read_committed')).length >= expected.length ? true : undefined,
    );
    await stopConnector(name);
    assert.deepEqual(values(await readAll(topic, 'read_committed')), expected);
    const all = await readAll(topic, 'read_uncommitted');
    assert.deepEqual(
      values(all),
      Array.from({ length: 50 }, (_, i) => i),
      'aborted records are in the log',
    );
    const offsets = await herder.connectorOffsets(name);
    assert.deepEqual(offsets.offsets, [{ partition: { p: 0 }, offset: { n: 49 } }]);
  });

  test('transaction.boundary=interval: a few transactions, not one per poll', async () => {
    const topic = uniqueName('eos_interval');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const name = uniqueName('eos-interval');
    // 60 polls of 5 records, 40 ms apart (about 2.4 s), committed every second.
    await run(name, {
      topic,
      count: '300',
      batch: '5',
      pollMs: '40',
      'transaction.boundary': 'interval',
      'transaction.boundary.interval.ms': '1000',
    });
    await eventually('300 committed records', async () =>
      (await readAll(topic, 'read_committed')).length >= 300 ? true : undefined,
    );
    const committed = await readAll(topic, 'read_committed');
    assert.deepEqual(
      values(committed),
      Array.from({ length: 300 }, (_, i) => i),
    );
    const transactions = markers(committed) + 1;
    assert.ok(transactions >= 2 && transactions <= 8, `${transactions} transactions for 60 polls`);
    // transaction-size-* (records per committed transaction) of the exactly-once task.
    const text = herder.metrics.connectText();
    const size = (stat: string) =>
      Number(
        new RegExp(
          `^kafka_connect_source_task_transaction_size_${stat}\\{connector="${name}",task="0"\\} (\\S+)$`,
          'm',
        ).exec(text)?.[1],
      );
    assert.ok(
      size('max') >= size('avg') && size('avg') >= size('min') && size('min') >= 5,
      text.slice(0, 2000),
    );
    assert.ok(size('max') > 5, `transaction-size-max ${size('max')}: more than one poll per transaction`);
    await stopConnector(name);
  });

  test('offsets.storage.topic: offsets in the connector topic and the worker topic; a restart resumes from them; PATCH offsets changes both', async () => {
    const topic = uniqueName('eos_own_offsets');
    const offsetsTopic = uniqueName('eos_own_offsets_store');
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const name = uniqueName('eos-own-offsets');
    const config = { topic, count: '30', batch: '10', 'offsets.storage.topic': offsetsTopic };
    await run(name, config);
    await eventually('30 committed records', async () =>
      (await readAll(topic, 'read_committed')).length >= 30 ? true : undefined,
    );
    const stored = await eventually('offsets in the connector topic', async () => {
      const records = await readAll(offsetsTopic, 'read_committed').catch(() => []);
      const last = records.at(-1);
      return last !== undefined && last.value!.toString() === '{"n":29}' ? records : undefined;
    });
    assert.equal(stored.at(-1)!.key!.toString(), `["${name}",{"p":0}]`);
    const description = (await client.describeTopics([offsetsTopic])).get(offsetsTopic)!;
    assert.equal(description.configs['cleanup.policy']?.value, 'compact');
    // More records: the restarted task goes on from 30, no line twice.
    await run(name, { ...config, count: '45', 'exactly.once.support': 'required' });
    await eventually('45 committed records', async () =>
      (await readAll(topic, 'read_committed')).length >= 45 ? true : undefined,
    );
    await stopConnector(name);
    assert.deepEqual(
      values(await readAll(topic, 'read_committed')),
      Array.from({ length: 45 }, (_, i) => i),
    );
    assert.deepEqual((await herder.connectorOffsets(name)).offsets, [
      { partition: { p: 0 }, offset: { n: 44 } },
    ]);
    // PATCH offsets (stopped connector): written to the connector's topic too, so the task resumes there.
    await herder.alterConnectorOffsets(name, { offsets: [{ partition: { p: 0 }, offset: { n: 59 } }] });
    assert.deepEqual((await herder.connectorOffsets(name)).offsets, [
      { partition: { p: 0 }, offset: { n: 59 } },
    ]);
    await untilStable(client, offsetsTopic);
    const own = await readAll(offsetsTopic, 'read_committed');
    assert.equal(own.at(-1)!.value!.toString(), '{"n":59}');
    await run(name, { ...config, count: '65', 'exactly.once.support': 'required' });
    await herder.resumeConnector(name);
    await eventually('50 committed records', async () =>
      (await readAll(topic, 'read_committed')).length >= 50 ? true : undefined,
    );
    await stopConnector(name);
    assert.deepEqual(values(await readAll(topic, 'read_committed')), [
      ...Array.from({ length: 45 }, (_, i) => i),
      60,
      61,
      62,
      63,
      64,
    ]);
  });

  test("the new generation starts after the previous generation's producers were fenced", async () => {
    const topic = uniqueName('eos_fence');
    const zombieTopic = uniqueName('eos_fence_zombie');
    await client.createTopics([
      { name: topic, partitions: 1, replicationFactor: 1 },
      { name: zombieTopic, partitions: 1, replicationFactor: 1 },
    ]);
    const name = uniqueName('eos-fence');
    await run(name, { topic, count: '0', batch: '1', 'tasks.max': '2' });
    await eventually('two tasks running', async () => {
      const s = await herder.connectorStatus(name).catch(() => undefined);
      return s?.tasks.length === 2 && s.tasks.every((t) => t.state === 'RUNNING') ? true : undefined;
    });
    // A zombie of task 1 (say, on a worker that was cut off) with an open transaction.
    const zombie = client.transactionalWriter(`${group}-${name}-1`);
    try {
      await zombie.init();
      await zombie.produce([{ topic: zombieTopic, key: null, value: Buffer.from('zombie'), headers: [] }]);
      await run(name, { topic, count: '0', batch: '1', 'tasks.max': '1' });
      await eventually('one task running', async () => {
        const s = await herder.connectorStatus(name).catch(() => undefined);
        return s?.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING' ? true : undefined;
      });
      await assert.rejects(zombie.commit(), /was fenced out by a newer producer/);
    } finally {
      await zombie.close();
    }
    assert.deepEqual(await readAll(zombieTopic, 'read_committed'), []);
    await stopConnector(name);
  });
});
