/**
 * Per-connector client overrides and consumer behaviour of sink tasks, through a standalone herder
 * on a real Kafka broker and on the embedded log: `consumer.override.*` (max.poll.records,
 * auto.offset.reset, group.id, metadata.max.age.ms with topics.regex), `producer.override.*`, and
 * the override policy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BadRequestError,
  type RecordMetadata,
  type SinkRecord,
  SourceRecord,
  SourceTask,
  type TopicPartition,
} from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import {
  ConfigCopyingSinkConnector,
  ConfigCopyingSourceConnector,
  RecordingSinkTaskBase,
} from '../helpers/test-connectors.ts';

/** What every RecordingSinkTask saw, by connector name. */
const seen = new Map<string, { batches: string[][]; opened: string[] }>();

class RecordingSinkTask extends RecordingSinkTaskBase<{ batches: string[][]; opened: string[] }> {
  protected readonly recordings = seen;
  protected newRecording() {
    return { batches: [], opened: [] };
  }
  override open(partitions: TopicPartition[]) {
    this.recording.opened.push(...partitions.map((tp) => `${tp.topic}-${tp.partition}`));
  }
  put(records: SinkRecord[]) {
    if (records.length > 0) this.recording.batches.push(records.map((r) => String(r.value)));
  }
}

class RecordingSinkConnector extends ConfigCopyingSinkConnector {
  taskClass() {
    return RecordingSinkTask;
  }
}

/** The offsets each CountingSourceTask's records were acknowledged at, by connector name. */
const committed = new Map<string, number[]>();

/** Emits `count` numbered records to `topic`, then idles; records the acknowledged offsets. */
class CountingSourceTask extends SourceTask {
  #name = '';
  #topic = '';
  #left = 0;
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    this.#name = props.name ?? '';
    this.#topic = props.topic ?? '';
    this.#left = Number(props.count ?? '0');
    committed.set(this.#name, []);
  }
  override commitRecord(_record: SourceRecord, metadata: RecordMetadata | null) {
    if (metadata !== null) committed.get(this.#name)!.push(metadata.offset);
  }
  async poll(): Promise<SourceRecord[] | null> {
    if (this.#left === 0) {
      await new Promise((r) => setTimeout(r, 20));
      return null;
    }
    const n = this.#left;
    this.#left = 0;
    return Array.from(
      { length: n },
      (_, i) =>
        new SourceRecord({ sourcePartition: {}, sourceOffset: { i }, topic: this.#topic, value: `v${i}` }),
    );
  }
  stop() {}
}

class CountingSourceConnector extends ConfigCopyingSourceConnector {
  taskClass() {
    return CountingSourceTask;
  }
}

const tempDir = useTempDirs('sluice-overrides-');

for (const kind of ['embedded', 'kafka'] as const) {
  describe(`client overrides on the ${kind} log`, () => {
    let herder: StandaloneHerder;
    before(async () => {
      herder = await startTestHerder({
        dir: await tempDir(),
        log: kind,
        props: { 'offset.flush.interval.ms': '200' },
        connectors: [RecordingSinkConnector, CountingSourceConnector],
      });
    });
    after(async () => herder.stop());

    async function produce(topic: string, values: string[]): Promise<void> {
      await herder.log.produce(
        values.map((v) => ({ topic, partition: 0, key: null, value: Buffer.from(v), headers: [] })),
      );
    }

    test('max.poll.records bounds every put; auto.offset.reset=latest skips what was there; group.id is used', async () => {
      const topic = uniqueName('poll');
      const name = uniqueName('sink');
      const group = uniqueName('group');
      await herder.log.createTopics([{ name: topic, partitions: 1 }]);
      await produce(topic, ['old-1', 'old-2']);
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'RecordingSinkConnector',
          topics: topic,
          'consumer.override.max.poll.records': '7',
          'consumer.override.auto.offset.reset': 'latest',
          'consumer.override.group.id': group,
        },
        { allowReplace: false },
      );
      await waitFor(
        'the task to run',
        async () => (await herder.connectorStatus(name)).tasks[0]?.state === 'RUNNING',
      );
      await waitFor('the partition to open', () => (seen.get(name)?.opened.length ?? 0) > 0);
      const values = Array.from({ length: 50 }, (_, i) => `new-${i}`);
      await produce(topic, values);
      await waitFor('50 records', () => (seen.get(name)?.batches.flat().length ?? 0) >= 50);
      const { batches } = seen.get(name)!;
      assert.deepEqual(batches.flat(), values, 'only the records produced after the start, in order');
      assert.ok(
        batches.every((b) => b.length <= 7),
        `batch sizes ${batches.map((b) => b.length)}`,
      );
      await waitFor('the commit under the overridden group', async () => {
        const committed = await herder.log.fetchGroupOffsets(group);
        return committed.some((c) => c.topic === topic && c.offset === 52);
      });
      await herder.deleteConnector(name);
    });

    test('topics.regex picks up a matching topic created after the start (metadata.max.age.ms)', async () => {
      const prefix = uniqueName('rx');
      const name = uniqueName('sink');
      await herder.log.createTopics([{ name: `${prefix}-a`, partitions: 1 }]);
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'RecordingSinkConnector',
          'topics.regex': `${prefix}-.*`,
          'consumer.override.metadata.max.age.ms': '200',
        },
        { allowReplace: false },
      );
      await waitFor(
        'the first topic to open',
        () => seen.get(name)?.opened.includes(`${prefix}-a-0`) ?? false,
      );
      await produce(`${prefix}-a`, ['a1']);
      await herder.log.createTopics([{ name: `${prefix}-b`, partitions: 1 }]);
      await produce(`${prefix}-b`, ['b1', 'b2']);
      await waitFor('the new topic to open', () => seen.get(name)?.opened.includes(`${prefix}-b-0`) ?? false);
      await waitFor('its records', () => (seen.get(name)?.batches.flat().length ?? 0) >= 3);
      assert.deepEqual(seen.get(name)!.batches.flat().sort(), ['a1', 'b1', 'b2']);
      await herder.deleteConnector(name);
    });

    test('a bad override value is a 400 naming the connector key', async () => {
      await assert.rejects(
        herder.putConnectorConfig(
          uniqueName('sink'),
          {
            'connector.class': 'RecordingSinkConnector',
            topics: 't',
            'consumer.override.max.poll.records': 'lots',
          },
          { allowReplace: false },
        ),
        (err: unknown) =>
          err instanceof BadRequestError && /consumer\.override\.max\.poll\.records/.test(err.message),
      );
    });

    if (kind === 'kafka') {
      test("a source task's producer uses producer.override.* (acks=0: no offsets come back)", async () => {
        for (const [acks, expectOffsets] of [
          ['all', true],
          ['0', false],
        ] as const) {
          const name = uniqueName('src');
          await herder.putConnectorConfig(
            name,
            {
              'connector.class': 'CountingSourceConnector',
              topic: uniqueName('t'),
              count: '3',
              'producer.override.acks': acks,
            },
            { allowReplace: false },
          );
          await waitFor('three acknowledged records', () => (committed.get(name)?.length ?? 0) >= 3);
          const offsets = committed.get(name)!;
          assert.deepEqual(offsets, expectOffsets ? [0, 1, 2] : [-1, -1, -1], `acks=${acks}`);
          await herder.deleteConnector(name);
        }
      });
    }
  });
}

test('the None policy refuses any client override with a 400 naming the key', async () => {
  const herder = await startTestHerder({
    dir: await tempDir(),
    props: { 'connector.client.config.override.policy': 'None' },
    connectors: [RecordingSinkConnector],
  });
  try {
    await assert.rejects(
      herder.putConnectorConfig(
        'refused',
        {
          'connector.class': 'RecordingSinkConnector',
          topics: 't',
          'consumer.override.max.poll.records': '5',
        },
        { allowReplace: false },
      ),
      (err: unknown) =>
        err instanceof BadRequestError &&
        err.message.includes("The 'None' policy does not allow 'max.poll.records' to be overridden"),
    );
  } finally {
    await herder.stop();
  }
});

test('a bad worker-level client property stops start-up, naming the worker key', async () => {
  await assert.rejects(
    StandaloneHerder.create(
      {
        'bootstrap.servers': '127.0.0.1:1',
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'offset.storage.file.filename': '/tmp/unused',
        'producer.acks': 'sometimes',
      },
      { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
    ),
    (err: unknown) => err instanceof Error && /producer\.acks/.test(err.message),
  );
});
