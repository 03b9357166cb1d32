/**
 * The connector classes: names the runtime resolves (Confluent's and Aiven's class names, short
 * aliases), validation against a real OpenSearch node (a connection problem is reported on
 * connection.url), unknown keys said once with a hint, task configs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import {
  ElasticsearchSinkConnector,
  OpenSearchSinkConnector,
  OpenSearchSinkTask,
} from '@sluice/connector-elasticsearch';
import { StandaloneHerder } from '@sluice/runtime';
import { useOpenSearch } from '@sluice/testing';
import { pino } from 'pino';
import { MemoryLogger } from './harness.ts';

test("the runtime resolves Confluent's and Aiven's class names and the short aliases", () => {
  const registry = builtinPlugins('test');
  const resolve = (name: string): unknown => registry.resolve(name, ['sink']).plugin;
  assert.equal(
    resolve('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector'),
    ElasticsearchSinkConnector,
  );
  assert.equal(resolve('ElasticsearchSinkConnector'), ElasticsearchSinkConnector);
  assert.equal(resolve('ElasticsearchSink'), ElasticsearchSinkConnector);
  assert.equal(resolve('io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector'), OpenSearchSinkConnector);
  assert.equal(resolve('io.aiven.kafka.connect.opensearch.OpensearchSinkConnector'), OpenSearchSinkConnector);
  assert.equal(resolve('OpenSearchSink'), OpenSearchSinkConnector);
  assert.equal(new OpenSearchSinkConnector().taskClass(), OpenSearchSinkTask);
});

test('validate: a reachable node passes; an unreachable one is reported on connection.url', async () => {
  const { url } = await useOpenSearch();
  const connector = new ElasticsearchSinkConnector();
  const ok = await connector.validate({ 'connection.url': url, topics: 't' });
  assert.deepEqual(
    ok.configValues.filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]),
    [],
  );
  const down = await connector.validate({
    'connection.url': 'http://127.0.0.1:1',
    'connection.username': 'elastic',
    'connection.password': 'pw-not-shown',
  });
  const errors = down.configValues.filter((v) => v.errorMessages.length > 0);
  assert.deepEqual(
    errors.map((v) => v.name),
    ['connection.url'],
  );
  assert.match(errors[0]!.errorMessages[0]!, /Could not connect to http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  assert.doesNotMatch(errors[0]!.errorMessages[0]!, /pw-not-shown/);
  // A bad combination is reported on the key it names.
  const combo = await connector.validate({ 'connection.url': url, 'data.stream.type': 'LOGS' });
  assert.deepEqual(
    combo.configValues.filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages.length]),
    [['data.stream.dataset', 1]],
  );
  // A bad value is reported on its key, without trying to connect.
  const bad = await connector.validate({ 'connection.url': url, 'behavior.on.null.values': 'drop' });
  assert.deepEqual(
    bad.configValues.filter((v) => v.errorMessages.length > 0).map((v) => v.name),
    ['behavior.on.null.values'],
  );
});

test('start: unknown keys are said once, with the key the user probably meant; one config per task', () => {
  const connector = new ElasticsearchSinkConnector();
  const logger = new MemoryLogger();
  connector.logger = logger;
  connector.start({
    'connection.url': 'http://127.0.0.1:9200',
    topics: 't',
    'schema.enable': 'false',
    'key.converter.schemas.enable': 'false',
  });
  assert.deepEqual(logger.warnings, [
    "Unknown configuration 'schema.enable' is ignored (did you mean 'schema.ignore'?)",
  ]);
  const configs = connector.taskConfigs(3);
  assert.equal(configs.length, 3);
  assert.equal(configs[2]!['connection.url'], 'http://127.0.0.1:9200');
  assert.throws(
    () => connector.start({ 'connection.url': 'http://h:1', 'write.method': 'merge' }),
    /write\.method/,
  );
});

test('through a worker: the plugin config lists the keys, and validate reports an unreachable node on connection.url', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-es-validate-'));
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'embedded.log.dir': join(dir, 'data'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
  );
  try {
    const keys = (await herder.connectorPluginConfig('ElasticsearchSink')).map((k) => k.name);
    for (const key of [
      'connection.url',
      'behavior.on.null.values',
      'write.method',
      'data.stream.type',
      'type.name',
    ])
      assert.ok(keys.includes(key), key);
    const infos = await herder.validateConnectorConfig({
      'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
      name: 'es',
      topics: 't',
      'connection.url': 'http://127.0.0.1:1',
      'schema.enable': 'false',
    });
    const errors = infos.configs.filter((c) => (c.value?.errors.length ?? 0) > 0).map((c) => c.value!.name);
    assert.deepEqual(errors, ['connection.url']);
    assert.equal(infos.error_count, 1);
  } finally {
    await herder.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
