/**
 * Topic creation by source connectors (KIP-158): the `topic.creation.*` groups parsed and matched
 * as Kafka does, their validation errors, and, through a standalone herder on a real Kafka broker
 * and on the embedded log, the topics a source creates (described back from the log), an existing
 * topic left as it is, and `topic.creation.enable=false` leaving creation to the broker.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BadRequestError, SourceRecord, SourceTask } from '@sluice/api';
import { PlatformaticLogClient, type StandaloneHerder } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import type { LogAdmin, NewTopic } from '../../src/log/log-client.ts';
import {
  groupFor,
  newTopicFor,
  parseTopicCreation,
  TopicCreator,
  validateTopicCreation,
} from '../../src/worker/topic-creation.ts';
import {
  type DistributedTestWorker,
  distributedTestProps,
  http,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

describe('topic.creation.* parsing and matching', () => {
  const base = {
    'topic.creation.default.replication.factor': '1',
    'topic.creation.default.partitions': '2',
  };

  test('no topic.creation.* key, or the worker disabled: no topic creation', () => {
    assert.equal(parseTopicCreation(true, { topic: 't' }), null);
    assert.equal(parseTopicCreation(false, { ...base }), null);
    assert.deepEqual([...validateTopicCreation(false, { 'topic.creation.default.partitions': 'x' })], []);
  });

  test('groups are tried in topic.creation.groups order, exclude wins, the default group takes the rest', () => {
    const spec = parseTopicCreation(true, {
      ...base,
      'topic.creation.default.cleanup.policy': 'delete',
      'topic.creation.default.include': 'never-used',
      'topic.creation.groups': 'compacted, wide, compacted',
      'topic.creation.compacted.include': 'c.*,other',
      'topic.creation.compacted.exclude': 'c-skip.*',
      'topic.creation.compacted.cleanup.policy': 'compact',
      'topic.creation.wide.include': '.*',
      'topic.creation.wide.partitions': '5',
      'topic.creation.wide.retention.ms': '1000',
    })!;
    assert.deepEqual(
      spec.groups.map((g) => g.name),
      ['compacted', 'wide'],
    );
    assert.equal(groupFor(spec, 'c-one').name, 'compacted');
    assert.equal(groupFor(spec, 'other').name, 'compacted');
    assert.equal(groupFor(spec, 'c-skip-me').name, 'wide', 'excluded from compacted, taken by wide');
    assert.equal(groupFor(spec, 'xc').name, 'wide', 'include is a whole-name match');
    assert.deepEqual(newTopicFor(groupFor(spec, 'c-one'), 'c-one'), {
      name: 'c-one',
      partitions: 2,
      replicationFactor: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
    assert.deepEqual(newTopicFor(groupFor(spec, 'zz'), 'zz'), {
      name: 'zz',
      partitions: 5,
      replicationFactor: 1,
      configs: { 'retention.ms': '1000' },
    });
    const only = parseTopicCreation(true, {
      ...base,
      'topic.creation.groups': 'g',
      'topic.creation.g.partitions': '3',
    })!;
    assert.equal(groupFor(only, 'anything').name, 'default', 'a group without include matches nothing');
    assert.deepEqual(newTopicFor(only.defaultGroup, 'anything'), {
      name: 'anything',
      partitions: 2,
      replicationFactor: 1,
      configs: {},
    });
  });

  test('-1 leaves partitions and replication factor to the broker', () => {
    const spec = parseTopicCreation(true, {
      'topic.creation.default.replication.factor': '-1',
      'topic.creation.default.partitions': '-1',
    })!;
    assert.deepEqual(newTopicFor(spec.defaultGroup, 't'), { name: 't', configs: {} });
  });

  test("errors in Kafka's words, by key", () => {
    const errors = validateTopicCreation(true, {
      'topic.creation.groups': 'g',
      'topic.creation.default.partitions': '0',
      'topic.creation.g.replication.factor': 'two',
      'topic.creation.g.include': '(unclosed',
    });
    assert.deepEqual(errors.get('topic.creation.default.replication.factor'), [
      'Missing required configuration "topic.creation.default.replication.factor" which has no default value.',
    ]);
    assert.deepEqual(errors.get('topic.creation.default.partitions'), [
      "Invalid value 0 for configuration topic.creation.default.partitions: Number of partitions must be positive, or -1 to use the broker's default",
    ]);
    assert.match(
      errors.get('topic.creation.g.replication.factor')![0]!,
      /^Invalid value two for configuration topic.creation.g.replication.factor: Not a number of type SHORT/,
    );
    assert.match(
      errors.get('topic.creation.g.include')![0]!,
      /^Invalid value \[\(unclosed\] for configuration topic.creation.g.include: Syntax error in regular expression/,
    );
    assert.throws(
      () => parseTopicCreation(true, { 'topic.creation.default.partitions': '1' }),
      /Missing required configuration "topic.creation.default.replication.factor"/,
    );
  });
});

/** Writes one record to each topic of its `topics` config (comma-separated), then idles. */
class MultiTopicSourceTask extends SourceTask {
  #topics: string[] = [];
  #done = false;
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    this.#topics = (props.topics ?? '').split(',').filter((t) => t !== '');
  }
  async poll(): Promise<SourceRecord[] | null> {
    if (this.#done) {
      await new Promise((r) => setTimeout(r, 20));
      return null;
    }
    this.#done = true;
    return this.#topics.map(
      (topic, i) =>
        new SourceRecord({
          sourcePartition: {},
          sourceOffset: { i },
          topic,
          key: topic,
          value: `to ${topic}`,
        }),
    );
  }
  stop() {}
}

class MultiTopicSourceConnector extends ConfigCopyingSourceConnector {
  taskClass() {
    return MultiTopicSourceTask;
  }
}

const tempDir = useTempDirs('sluice-topic-creation-');

for (const kind of ['embedded', 'kafka'] as const) {
  describe(`topic creation by a source connector on the ${kind} log`, () => {
    let herder: StandaloneHerder;
    before(async () => {
      herder = await startTestHerder({
        dir: await tempDir(),
        log: kind,
        props: { 'offset.flush.interval.ms': '200' },
        connectors: [MultiTopicSourceConnector],
      });
    });
    after(async () => herder.stop());

    async function runSource(name: string, config: Record<string, string>, topics: string[]): Promise<void> {
      await herder.putConnectorConfig(
        name,
        { 'connector.class': 'MultiTopicSourceConnector', topics: topics.join(','), ...config },
        { allowReplace: false },
      );
      await waitFor(`records in ${topics.join(', ')}`, async () => {
        const status = await herder.connectorStatus(name);
        if (status.tasks[0]?.state === 'FAILED') throw new Error(status.tasks[0].trace ?? 'task failed');
        const existing = new Set(await herder.log.listTopics());
        if (!topics.every((t) => existing.has(t))) return false;
        const described = await herder.log.describeTopics(topics);
        for (const t of topics) {
          const ends = await herder.log.listOffsets(
            described.get(t)!.partitions.map((p) => ({ topic: t, partition: p.partition })),
            'latest',
          );
          if (ends.reduce((n, e) => n + e.offset, 0) < 1) return false;
        }
        return true;
      });
      await herder.deleteConnector(name);
    }

    test('new topics are created with their group: partitions, replication factor and configs', async () => {
      const p = uniqueName('tc');
      const compacted = `${p}-c-one`;
      const skipped = `${p}-c-skip`;
      const plain = `${p}-plain`;
      await runSource(
        uniqueName('src'),
        {
          'topic.creation.groups': 'compacted',
          'topic.creation.default.replication.factor': '1',
          'topic.creation.default.partitions': '3',
          'topic.creation.default.retention.ms': '3600000',
          'topic.creation.compacted.include': `${p}-c-.*`,
          'topic.creation.compacted.exclude': `.*-skip`,
          'topic.creation.compacted.partitions': '2',
          'topic.creation.compacted.cleanup.policy': 'compact',
          'topic.creation.compacted.min.compaction.lag.ms': '1000',
        },
        [compacted, skipped, plain],
      );
      const described = await herder.log.describeTopics([compacted, skipped, plain]);
      const c = described.get(compacted)!;
      assert.equal(c.partitions.length, 2);
      assert.equal(c.replicationFactor, 1);
      assert.equal(c.configs['cleanup.policy']?.value, 'compact');
      assert.equal(c.configs['min.compaction.lag.ms']?.value, '1000');
      assert.notEqual(
        c.configs['retention.ms']?.value,
        '3600000',
        "the default group's configs are not inherited",
      );
      for (const t of [skipped, plain]) {
        const d = described.get(t)!;
        assert.equal(d.partitions.length, 3, `${t}: the default group's partitions`);
        assert.equal(d.replicationFactor, 1);
        assert.equal(d.configs['retention.ms']?.value, '3600000', t);
        assert.equal(d.configs['cleanup.policy']?.value, 'delete', t);
      }
    });

    test('a task asks the log once per topic, and creates a missing topic once', async () => {
      const calls: string[] = [];
      const log = herder.log;
      const counting = {
        describeTopics: (names: string[]) => {
          calls.push(`describe ${names.join(',')}`);
          return log.describeTopics(names);
        },
        createTopics: (topics: NewTopic[]) => {
          calls.push(`create ${topics.map((t) => t.name).join(',')}`);
          return log.createTopics(topics);
        },
      } as unknown as LogAdmin;
      const spec = parseTopicCreation(true, {
        'topic.creation.default.replication.factor': '-1',
        'topic.creation.default.partitions': '2',
      })!;
      const creator = new TopicCreator(spec, counting, pino({ level: 'silent' }));
      const fresh = uniqueName('tc-once');
      const existing = uniqueName('tc-there');
      await log.createTopics([{ name: existing, partitions: 1 }]);
      await creator.ensure([fresh, existing]);
      await creator.ensure([existing, fresh]);
      await creator.ensure([fresh]);
      assert.deepEqual(calls, [`describe ${fresh}`, `create ${fresh}`, `describe ${existing}`]);
      assert.equal((await log.describeTopics([fresh])).get(fresh)!.partitions.length, 2);
    });

    test('an existing topic is left as it is', async () => {
      const topic = uniqueName('tc-existing');
      await herder.log.createTopics([{ name: topic, partitions: 1 }]);
      await runSource(
        uniqueName('src'),
        {
          'topic.creation.default.replication.factor': '1',
          'topic.creation.default.partitions': '4',
          'topic.creation.default.cleanup.policy': 'compact',
        },
        [topic],
      );
      const d = (await herder.log.describeTopics([topic])).get(topic)!;
      assert.equal(d.partitions.length, 1);
      assert.equal(d.configs['cleanup.policy']?.value, 'delete');
    });

    test('a replication factor the cluster cannot give fails the task, naming the topic', async () => {
      const name = uniqueName('src');
      const topic = uniqueName('tc-rf');
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'MultiTopicSourceConnector',
          topics: topic,
          'topic.creation.default.replication.factor': '3',
          'topic.creation.default.partitions': '1',
        },
        { allowReplace: false },
      );
      await waitFor(
        'the task to fail',
        async () => (await herder.connectorStatus(name)).tasks[0]?.state === 'FAILED',
      );
      const trace = (await herder.connectorStatus(name)).tasks[0]?.trace ?? '';
      assert.match(
        trace,
        new RegExp(
          `Task failed to create new topic NewTopic\\(name=${topic}, numPartitions=1, replicationFactor=3`,
        ),
      );
      assert.ok(!(await herder.log.listTopics()).includes(topic));
      await herder.deleteConnector(name);
    });

    test('invalid topic.creation.* settings are a 400 naming the key', async () => {
      await assert.rejects(
        herder.putConnectorConfig(
          uniqueName('src'),
          {
            'connector.class': 'MultiTopicSourceConnector',
            topics: 't',
            'topic.creation.default.replication.factor': '1',
          },
          { allowReplace: false },
        ),
        (err: unknown) =>
          err instanceof BadRequestError &&
          err.message.includes(
            'Missing required configuration "topic.creation.default.partitions" which has no default value.',
          ),
      );
    });
  });
}

describe('topic.creation.enable=false on the worker', () => {
  let herder: StandaloneHerder;
  before(async () => {
    herder = await startTestHerder({
      dir: await tempDir(),
      log: 'kafka',
      props: { 'offset.flush.interval.ms': '200', 'topic.creation.enable': 'false' },
      connectors: [MultiTopicSourceConnector],
    });
  });
  after(async () => herder.stop());

  test("the connector's topic.creation.* keys are ignored: the broker creates the topic its own way", async () => {
    const name = uniqueName('src');
    const topic = uniqueName('tc-off');
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'MultiTopicSourceConnector',
        topics: topic,
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.partitions': '3',
        'topic.creation.default.cleanup.policy': 'compact',
        'topic.creation.default.bogus': 'ignored',
      },
      { allowReplace: false },
    );
    await waitFor('the topic', async () => (await herder.log.listTopics()).includes(topic));
    // Not read at all: a source without topic.creation.default.partitions is accepted here.
    await herder.putConnectorConfig(
      uniqueName('src'),
      {
        'connector.class': 'MultiTopicSourceConnector',
        topics: topic,
        'topic.creation.default.cleanup.policy': 'x',
      },
      { allowReplace: false },
    );
    const d = (await herder.log.describeTopics([topic])).get(topic)!;
    assert.equal(d.partitions.length, 1, "the broker's num.partitions");
    assert.equal(d.configs['cleanup.policy']?.value, 'delete');
    await herder.deleteConnector(name);
  });
});

describe('topic creation in distributed mode (FileStreamSource, one worker on the broker)', () => {
  let worker: DistributedTestWorker;
  let client: PlatformaticLogClient;
  before(async () => {
    const { bootstrapServers } = await useKafka();
    client = new PlatformaticLogClient({ bootstrapServers, clientId: 'sluice-topic-creation-test' });
    worker = await startDistributedTestWorker(distributedTestProps(bootstrapServers, uniqueName('tc-group')));
  });
  after(async () => {
    await stopDistributedTestWorker(worker);
    await client.close();
  });

  test("the FileStream source's topic is created with its group's settings", async () => {
    const dir = await tempDir();
    const file = join(dir, 'input.txt');
    await writeFile(file, 'one\ntwo\n');
    const topic = uniqueName('tc-dist');
    const name = uniqueName('file-src');
    const created = await http(worker.url, 'POST', '/connectors', {
      name,
      config: {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
        file,
        topic,
        'topic.creation.groups': 'logs',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.partitions': '2',
        'topic.creation.logs.include': `other,${topic}`,
        'topic.creation.logs.partitions': '4',
        'topic.creation.logs.compression.type': 'gzip',
        'topic.creation.logs.retention.ms': '7200000',
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor('two records in the topic', async () => {
      if (!(await client.listTopics()).includes(topic)) return false;
      const d = (await client.describeTopics([topic])).get(topic)!;
      const ends = await client.listOffsets(
        d.partitions.map((p) => ({ topic, partition: p.partition })),
        'latest',
      );
      return ends.reduce((n, e) => n + e.offset, 0) >= 2;
    });
    const d = (await client.describeTopics([topic])).get(topic)!;
    assert.equal(d.partitions.length, 4);
    assert.equal(d.replicationFactor, 1);
    assert.equal(d.configs['compression.type']?.value, 'gzip');
    assert.equal(d.configs['retention.ms']?.value, '7200000');
    assert.equal((await http(worker.url, 'DELETE', `/connectors/${name}`)).status, 204);
  });
});
