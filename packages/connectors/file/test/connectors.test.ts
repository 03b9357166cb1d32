import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ConfigError,
  ConnectError,
  type OffsetAndMetadata,
  SinkRecord,
  type SourceMap,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { TestSinkTaskContext, TestSourceTaskContext } from '@sluice/testing';
import {
  FileStreamSinkConnector,
  FileStreamSinkTask,
  FileStreamSourceConnector,
  FileStreamSourceTask,
  sluicePlugins,
  VERSION,
} from '../src/index.ts';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function errorsByKey(
  connector: FileStreamSourceConnector | FileStreamSinkConnector,
  props: Record<string, string>,
) {
  const result = connector.validate(props);
  assert.ok(!(result instanceof Promise));
  return Object.fromEntries(result.configValues.map((v) => [v.name, v.errorMessages]));
}

describe('FileStreamSourceConnector', () => {
  test("Kafka's class name, the package version and the manifest", () => {
    assert.equal(
      FileStreamSourceConnector.javaClass,
      'org.apache.kafka.connect.file.FileStreamSourceConnector',
    );
    assert.equal(FileStreamSinkConnector.javaClass, 'org.apache.kafka.connect.file.FileStreamSinkConnector');
    assert.equal(VERSION, packageJson.version);
    assert.equal(new FileStreamSourceConnector().version(), VERSION);
    assert.equal(new FileStreamSourceTask().version(), VERSION);
    assert.equal(new FileStreamSinkConnector().version(), VERSION);
    assert.equal(new FileStreamSinkTask().version(), VERSION);
    assert.deepEqual(sluicePlugins, [
      { type: 'source', plugin: FileStreamSourceConnector },
      { type: 'sink', plugin: FileStreamSinkConnector },
    ]);
    assert.equal(new FileStreamSourceConnector().taskClass(), FileStreamSourceTask);
    assert.equal(new FileStreamSinkConnector().taskClass(), FileStreamSinkTask);
  });

  test("the configuration definition is Kafka's", () => {
    const keys = [...new FileStreamSourceConnector().config().configKeys().values()].map((k) => ({
      name: k.name,
      type: k.type,
      default: k.defaultValue,
      importance: k.importance,
      validator: k.validator === null ? null : String(k.validator),
      doc: k.documentation,
    }));
    assert.deepEqual(keys, [
      {
        name: 'file',
        type: 'STRING',
        default: null,
        importance: 'HIGH',
        validator: null,
        doc: 'Source filename. If not specified, the standard input will be used',
      },
      {
        name: 'topic',
        type: 'STRING',
        default: new FileStreamSourceConnector().config().configKeys().get('topic')!.defaultValue,
        importance: 'HIGH',
        validator: 'non-empty string',
        doc: 'The topic to publish data to',
      },
      {
        name: 'batch.size',
        type: 'INT',
        default: 2000,
        importance: 'LOW',
        validator: null,
        doc: 'The maximum number of records the source task can read from the file each time it is polled',
      },
    ]);
    assert.equal(new FileStreamSourceConnector().config().configKeys().get('topic')!.hasDefault(), false);
  });

  test('validation names the missing or empty topic and a bad batch.size', () => {
    const c = new FileStreamSourceConnector();
    assert.deepEqual(errorsByKey(c, { file: '/tmp/in.txt' }), {
      file: [],
      topic: ['Missing required configuration "topic" which has no default value.'],
      'batch.size': [],
    });
    assert.deepEqual(errorsByKey(c, { topic: '' }).topic, [
      'Invalid value  for configuration topic: String must be non-empty',
    ]);
    assert.deepEqual(errorsByKey(c, { topic: 't', 'batch.size': 'many' })['batch.size'], [
      'Invalid value many for configuration batch.size: Not a number of type INT',
    ]);
    assert.deepEqual(errorsByKey(c, { topic: 't' }), { file: [], topic: [], 'batch.size': [] });
  });

  test('start() fails on a missing topic, naming it', () => {
    assert.throws(
      () => new FileStreamSourceConnector().start({ file: '/tmp/in.txt' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'topic' && e.message.includes('"topic"'),
    );
  });

  test('exactly one task, with the connector configuration, whatever tasks.max is', () => {
    const c = new FileStreamSourceConnector();
    const props = {
      'connector.class': 'FileStreamSource',
      file: '/tmp/in.txt',
      topic: 't',
      'tasks.max': '4',
    };
    c.start(props);
    assert.deepEqual(c.taskConfigs(4), [props]);
    assert.deepEqual(c.taskConfigs(1), [props]);
  });

  test('exactly-once support: SUPPORTED for a file, UNSUPPORTED for standard input', () => {
    const c = new FileStreamSourceConnector();
    assert.equal(c.exactlyOnceSupport({ file: '/tmp/in.txt', topic: 't' }), 'SUPPORTED');
    assert.equal(c.exactlyOnceSupport({ topic: 't' }), 'UNSUPPORTED');
    assert.equal(c.exactlyOnceSupport({ file: '', topic: 't' }), 'UNSUPPORTED');
    assert.equal(c.canDefineTransactionBoundaries({ file: '/tmp/in.txt', topic: 't' }), 'UNSUPPORTED');
  });

  describe('alterOffsets', () => {
    const config = { file: '/tmp/in.txt', topic: 't' };
    const partition = { filename: '/tmp/in.txt' };
    const alter = (
      offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>,
      cfg: Record<string, string> = config,
    ) => new FileStreamSourceConnector().alterOffsets(cfg, offsets);
    const rejects = (offsets: Array<{ partition: SourceMap; offset: SourceMap | null }>, message: string) =>
      assert.throws(
        () => alter(offsets),
        (e: unknown) => e instanceof ConnectError && e.message === message,
      );

    test('accepts non-negative integer positions and null offsets (resets), for any partition', () => {
      assert.equal(alter([]), true);
      assert.equal(alter([{ partition, offset: { position: 0 } }]), true);
      assert.equal(alter([{ partition, offset: { position: 123_456_789_012 } }]), true);
      assert.equal(alter([{ partition, offset: { position: 5n } }]), true);
      assert.equal(alter([{ partition: { filename: '/tmp/old.txt' }, offset: { position: 7 } }]), true);
      assert.equal(alter([{ partition, offset: null }]), true);
      // Tombstones are allowed for garbage partitions too, so they can be cleaned up.
      assert.equal(alter([{ partition: { other: 1 }, offset: null }]), true);
    });

    test('refuses standard input', () => {
      const configs: Record<string, string>[] = [{ topic: 't' }, { topic: 't', file: '' }];
      for (const cfg of configs) {
        assert.throws(
          () => alter([{ partition, offset: { position: 1 } }], cfg),
          (e: unknown) =>
            e instanceof ConnectError &&
            e.message ===
              "Offsets cannot be modified if the 'file' configuration is unspecified. " +
                'This is because stdin is used for input and offsets are not tracked.',
        );
      }
    });

    test("refuses bad offsets and partitions with Kafka's messages", () => {
      rejects(
        [{ partition, offset: { offset: 1 } }],
        "Offset objects should either be null or contain the key 'position'",
      );
      for (const position of ['10', 1.5, null, true]) {
        rejects(
          [{ partition, offset: { position } }],
          "The value for the 'position' key in the offset is expected to be a Long value",
        );
      }
      rejects(
        [{ partition, offset: { position: -1 } }],
        "The value for the 'position' key in the offset should be a non-negative value",
      );
      rejects(
        [{ partition: { file: '/tmp/in.txt' }, offset: { position: 1 } }],
        "Partition objects should contain the key 'filename'",
      );
      rejects(
        [{ partition: null as unknown as SourceMap, offset: { position: 1 } }],
        'Partition objects cannot be null',
      );
      // One bad entry among good ones fails the whole request.
      rejects(
        [
          { partition, offset: { position: 1 } },
          { partition, offset: { position: -5 } },
        ],
        "The value for the 'position' key in the offset should be a non-negative value",
      );
    });
  });
});

describe('FileStreamSinkConnector', () => {
  test("the configuration definition is Kafka's", () => {
    const keys = [...new FileStreamSinkConnector().config().configKeys().values()];
    assert.deepEqual(
      keys.map((k) => [k.name, k.type, k.defaultValue, k.importance, k.documentation]),
      [
        [
          'file',
          'STRING',
          null,
          'HIGH',
          'Destination filename. If not specified, the standard output will be used',
        ],
      ],
    );
    assert.deepEqual(errorsByKey(new FileStreamSinkConnector(), { topics: 'a' }), { file: [] });
  });

  test('tasks.max identical task configurations, including topics', () => {
    const c = new FileStreamSinkConnector();
    const props = { file: '/tmp/out.txt', topics: 'a,b', 'tasks.max': '3' };
    c.start(props);
    const configs = c.taskConfigs(3);
    assert.deepEqual(configs, [props, props, props]);
    assert.notEqual(configs[0], configs[1], 'each task gets its own copy');
  });

  test('alterOffsets always accepts', () => {
    const offsets = new TopicPartitionMap<number | null>([
      [new TopicPartition('a', 0), 10],
      [new TopicPartition('a', 1), null],
    ]);
    assert.equal(new FileStreamSinkConnector().alterOffsets({}, offsets), true);
  });
});

describe('file → file through both tasks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-file-roundtrip-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every line of the input comes out as the same line', async () => {
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ✓ ${'é'.repeat(i % 7)}`);
    writeFileSync(input, `${lines.join('\n')}\n`);

    const sourceProps = { file: input, topic: 't', 'batch.size': '700' };
    const source = new FileStreamSourceTask({ waitMs: 1 });
    source.initialize(new TestSourceTaskContext(sourceProps));
    source.start(sourceProps);
    const sinkProps = { file: output, topics: 't' };
    const sink = new FileStreamSinkTask();
    sink.initialize(new TestSinkTaskContext(sinkProps));
    await sink.start(sinkProps);

    let kafkaOffset = 0;
    for (;;) {
      const batch = await source.poll();
      if (batch === null) break;
      await sink.put(
        batch.map(
          (r) =>
            new SinkRecord({
              topic: r.topic,
              kafkaPartition: 0,
              kafkaOffset: kafkaOffset++,
              valueSchema: r.valueSchema,
              value: r.value,
              timestamp: r.timestamp,
            }),
        ),
      );
    }
    await sink.flush(new TopicPartitionMap<OffsetAndMetadata>());
    await source.stop();
    await sink.stop();
    assert.equal(kafkaOffset, lines.length);
    assert.equal(readFileSync(output, 'utf8'), readFileSync(input, 'utf8'));
  });
});
