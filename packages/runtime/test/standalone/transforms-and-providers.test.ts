/**
 * Transforms, predicates and config providers through a standalone herder on the embedded log:
 * the chain users write in the wild, the 400s of bad transform configs (naming alias and key),
 * and `${file:...}` secrets resolved for the running connector while REST keeps the raw text.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BadRequestError,
  ConfigDef,
  Schema,
  SchemaBuilder,
  SinkConnector,
  type SinkRecord,
  SourceRecord,
  SourceTask,
  Struct,
} from '@sluice/api';
import type { StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import {
  ConfigCopyingSinkConnector,
  ConfigCopyingSourceConnector,
  RecordingSinkTaskBase,
} from '../helpers/test-connectors.ts';

const ARTICLE = SchemaBuilder.struct()
  .name('Article')
  .field('id', Schema.INT32_SCHEMA)
  .field('title', Schema.STRING_SCHEMA)
  .field('internal_id', Schema.STRING_SCHEMA)
  .build();

/** Emits three article records to the configured topic once. */
class ArticleSourceTask extends SourceTask {
  #topic = '';
  #done = false;
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    this.#topic = props.topic ?? '';
  }
  async poll(): Promise<SourceRecord[] | null> {
    if (this.#done) {
      await new Promise((r) => setTimeout(r, 20));
      return null;
    }
    this.#done = true;
    return [1, 2, 3].map(
      (id) =>
        new SourceRecord({
          sourcePartition: {},
          sourceOffset: { id },
          topic: this.#topic,
          valueSchema: ARTICLE,
          value: new Struct(ARTICLE).put('id', id).put('title', `t${id}`).put('internal_id', `secret-${id}`),
        }),
    );
  }
  stop() {}
}

class ArticleSourceConnector extends ConfigCopyingSourceConnector {
  taskClass() {
    return ArticleSourceTask;
  }
}

/** What each sink saw (topic and value JSON), and the configs its connector was started with. */
const received = new Map<string, Array<{ topic: string; value: unknown }>>();
const startedWith = new Map<string, Record<string, string>>();

class RecordingSinkTask extends RecordingSinkTaskBase<Array<{ topic: string; value: unknown }>> {
  protected readonly recordings = received;
  protected newRecording() {
    return [];
  }
  put(records: SinkRecord[]) {
    for (const r of records) this.recording.push({ topic: r.topic, value: r.value });
  }
}

class RecordingSinkConnector extends ConfigCopyingSinkConnector {
  override start(props: Record<string, string>) {
    super.start(props);
    startedWith.set(props.name ?? '', { ...props });
  }
  taskClass() {
    return RecordingSinkTask;
  }
}

/** Fails to start with a message quoting its password, as a careless connector might. */
class LeakyConnector extends SinkConnector {
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    throw new Error(`could not log in with password ${props['db.password']} and token ${props['db.token']}`);
  }
  taskClass() {
    return RecordingSinkTask;
  }
  taskConfigs() {
    return [];
  }
  stop() {}
  config() {
    return new ConfigDef().define({
      name: 'db.password',
      type: 'PASSWORD',
      defaultValue: null,
      importance: 'HIGH',
      documentation: 'The password.',
    });
  }
}

/** How long a test waits for records or a started connector. */
const WAIT = { timeoutMs: 15_000 };

const tempDir = useTempDirs('sluice-smt-');

describe('transforms, predicates and config providers in a standalone worker', () => {
  let dir: string;
  let herder: StandaloneHerder;
  before(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'secrets.properties'), 'sink.password=hunter2\n');
    herder = await startTestHerder({
      dir,
      props: {
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'true',
        'offset.flush.interval.ms': '200',
        'config.providers': 'file',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      },
      connectors: [ArticleSourceConnector, RecordingSinkConnector, LeakyConnector],
    });
  });
  after(async () => herder.stop());

  test('ReplaceField$Value drops internal_id and RegexRouter renames article-events', async () => {
    const source = uniqueName('articles');
    const sink = uniqueName('sink');
    await herder.putConnectorConfig(
      source,
      {
        'connector.class': 'ArticleSourceConnector',
        topic: 'article-events',
        transforms: 'dropField,routeByStatus',
        'transforms.dropField.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
        'transforms.dropField.exclude': 'internal_id',
        'transforms.routeByStatus.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.routeByStatus.regex': 'article-events',
        'transforms.routeByStatus.replacement': 'article-events-v2',
      },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      sink,
      { 'connector.class': 'RecordingSinkConnector', topics: 'article-events-v2' },
      { allowReplace: false },
    );
    await waitFor('three records in article-events-v2', () => (received.get(sink)?.length ?? 0) >= 3, WAIT);
    const records = received.get(sink)!;
    assert.deepEqual(
      records.map((r) => r.topic),
      ['article-events-v2', 'article-events-v2', 'article-events-v2'],
    );
    for (const r of records) {
      const value = r.value as Struct;
      assert.deepEqual(
        value.schema.fields.map((f) => f.name),
        ['id', 'title'],
      );
    }
    assert.deepEqual(
      records.map((r) => (r.value as Struct).get('title')),
      ['t1', 't2', 't3'],
    );
    assert.deepEqual(await herder.log.listTopics().then((t) => t.includes('article-events')), false);
    await herder.deleteConnector(source);
    await herder.deleteConnector(sink);
  });

  test('a predicate with negate applies a transform only to the records it rejects', async () => {
    const source = uniqueName('articles');
    const sink = uniqueName('sink');
    const topic = uniqueName('topic');
    await herder.putConnectorConfig(
      source,
      {
        'connector.class': 'ArticleSourceConnector',
        topic,
        transforms: 'route',
        'transforms.route.type': 'RegexRouter',
        'transforms.route.regex': '(.*)',
        'transforms.route.replacement': '$1-other',
        'transforms.route.predicate': 'isMine',
        'transforms.route.negate': 'true',
        predicates: 'isMine',
        'predicates.isMine.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
        'predicates.isMine.pattern': topic,
      },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      sink,
      { 'connector.class': 'RecordingSinkConnector', topics: topic },
      { allowReplace: false },
    );
    await waitFor('three records left on the topic', () => (received.get(sink)?.length ?? 0) >= 3, WAIT);
    await herder.deleteConnector(source);
    await herder.deleteConnector(sink);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    [
      'unknown transform type',
      { transforms: 'x', 'transforms.x.type': 'com.example.Nope' },
      /transforms\.x\.type.*could not be found/,
    ],
    ['missing type', { transforms: 'x' }, /Missing required configuration "transforms\.x\.type"/],
    [
      'missing required key',
      { transforms: 'r', 'transforms.r.type': 'RegexRouter', 'transforms.r.replacement': 'y' },
      /transforms\.r\.regex/,
    ],
    [
      'invalid regex',
      {
        transforms: 'r',
        'transforms.r.type': 'RegexRouter',
        'transforms.r.regex': '([a-z',
        'transforms.r.replacement': 'y',
      },
      /transforms\.r\.regex/,
    ],
    [
      'unknown predicate alias',
      {
        transforms: 'd',
        'transforms.d.type': 'DropHeaders',
        'transforms.d.headers': 'h',
        'transforms.d.predicate': 'nope',
      },
      /transforms\.d\.predicate.*unknown predicate alias/,
    ],
    [
      'negate without predicate',
      {
        transforms: 'd',
        'transforms.d.type': 'DropHeaders',
        'transforms.d.headers': 'h',
        'transforms.d.negate': 'true',
      },
      /transforms\.d\.negate can only be set/,
    ],
    [
      'unknown predicate type',
      { predicates: 'p', 'predicates.p.type': 'Nope' },
      /predicates\.p\.type.*could not be found/,
    ],
  ];
  for (const [name, extra, expected] of bad) {
    test(`400 for a bad transform config: ${name}`, async () => {
      await assert.rejects(
        herder.putConnectorConfig(
          uniqueName('bad'),
          { 'connector.class': 'RecordingSinkConnector', topics: 't', ...extra },
          { allowReplace: false },
        ),
        (err: unknown) => err instanceof BadRequestError && expected.test(err.message),
      );
    });
  }

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test name quotes a `${file:...}` config variable.
  test('${file:...} is resolved for the running connector; REST shows the raw text', async () => {
    const sink = uniqueName('sink');
    const raw = `\${file:${join(dir, 'secrets.properties')}:sink.password}`;
    await herder.putConnectorConfig(
      sink,
      { 'connector.class': 'RecordingSinkConnector', topics: uniqueName('t'), 'db.password': raw },
      { allowReplace: false },
    );
    await waitFor('the connector to start', () => startedWith.has(sink), WAIT);
    assert.equal(startedWith.get(sink)!['db.password'], 'hunter2');
    assert.equal((await herder.connectorConfig(sink))['db.password'], raw);
    const tasks = await herder.taskConfigs(sink);
    assert.equal(
      tasks[0]?.config['db.password'],
      raw,
      'task configs are stored with the variable, not the secret',
    );
    const validation = await herder.validateConnectorConfig({
      'connector.class': 'RecordingSinkConnector',
      topics: 't',
      'db.password': raw,
    });
    assert.doesNotMatch(JSON.stringify(validation), /hunter2/);
    await herder.deleteConnector(sink);
  });

  test('status traces never show PASSWORD values or values from config providers', async () => {
    const name = uniqueName('leaky');
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'LeakyConnector',
        topics: uniqueName('t'),
        'db.password': 'plain-secret-123',
        'db.token': `\${file:${join(dir, 'secrets.properties')}:sink.password}`,
      },
      { allowReplace: false },
    );
    const status = await herder.connectorStatus(name);
    assert.equal(status.connector.state, 'FAILED');
    const trace = status.connector.trace ?? '';
    assert.match(trace, /could not log in with password \[hidden\] and token \[hidden\]/);
    assert.doesNotMatch(trace, /plain-secret-123|hunter2/);
    await herder.deleteConnector(name);
  });
});
