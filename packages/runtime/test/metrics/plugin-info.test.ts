/**
 * The KIP-891 info of a task as `taskPluginInfo` collects it from the connector config and the
 * plugin registry, and as `writeTaskPluginInfo` writes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { Exposition } from '../../src/metrics/exposition.ts';
import { taskPluginInfo, writeTaskPluginInfo } from '../../src/metrics/plugin-info.ts';

const plugins = builtinPlugins('9.9.9');

const info = (config: Record<string, string>) =>
  taskPluginInfo({
    plugins,
    connectorConfig: { 'connector.class': 'FileStreamSource', ...config },
    connectorType: 'source',
    task: { className: 'org.apache.kafka.connect.file.FileStreamSourceTask', version: '1.2.3' },
    converters: {
      key: 'org.apache.kafka.connect.storage.StringConverter',
      value: 'org.apache.kafka.connect.json.JsonConverter',
      header: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    },
  });

test('classes resolved to the names the registry reports, versions from it', () => {
  const i = info({
    transforms: 'a,b',
    'transforms.a.type': 'RegexRouter',
    'transforms.a.predicate': 'p',
    'transforms.b.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
    'transforms.b.predicate': 'p',
    'transforms.b.negate': 'true',
    predicates: 'p,unused',
    'predicates.p.type': 'TopicNameMatches',
    'predicates.unused.type': 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey',
  });
  assert.equal(i.connectorClass, 'org.apache.kafka.connect.file.FileStreamSourceConnector');
  assert.equal(i.connectorVersion, '9.9.9');
  assert.deepEqual(i.task, {
    className: 'org.apache.kafka.connect.file.FileStreamSourceTask',
    version: '1.2.3',
  });
  assert.deepEqual(i.valueConverter, {
    className: 'org.apache.kafka.connect.json.JsonConverter',
    version: '9.9.9',
  });
  assert.deepEqual(
    i.transforms.map((t) => [t.alias, t.className]),
    [
      ['a', 'org.apache.kafka.connect.transforms.RegexRouter'],
      ['b', 'org.apache.kafka.connect.transforms.InsertField$Value'],
    ],
  );
  // A predicate no transform uses is not instantiated (no MBean in Kafka); one used twice is listed once.
  assert.deepEqual(
    i.predicates.map((p) => [p.alias, p.className, p.version]),
    [['p', 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches', '9.9.9']],
  );
});

test('a class the registry does not know keeps its configured name, version undefined', () => {
  const i = info({ transforms: 'x', 'transforms.x.type': 'com.example.Missing' });
  assert.deepEqual(i.transforms, [{ alias: 'x', className: 'com.example.Missing', version: 'undefined' }]);
  assert.deepEqual(i.predicates, []);
});

test('written as samples of value 1 with the string as a label, transform and predicate aliases as labels', () => {
  const out = new Exposition();
  writeTaskPluginInfo(
    out,
    'c',
    0,
    info({
      transforms: 'a',
      'transforms.a.type': 'RegexRouter',
      'transforms.a.predicate': 'p',
      predicates: 'p',
      'predicates.p.type': 'TopicNameMatches',
    }),
  );
  const text = out.toString();
  for (const line of [
    'kafka_connect_connector_task_connector_type{connector="c",task="0",connector_type="source"} 1',
    'kafka_connect_connector_task_task_version{connector="c",task="0",task_version="1.2.3"} 1',
    'kafka_connect_connector_task_header_converter_class{connector="c",task="0",header_converter_class="org.apache.kafka.connect.storage.SimpleHeaderConverter"} 1',
    'kafka_connect_connector_transform_transform_class{connector="c",task="0",transform="a",transform_class="org.apache.kafka.connect.transforms.RegexRouter"} 1',
    'kafka_connect_connector_predicate_predicate_version{connector="c",task="0",predicate="p",predicate_version="9.9.9"} 1',
  ])
    assert.ok(text.includes(`${line}\n`), `${line} missing:\n${text}`);
  assert.match(text, /^# TYPE kafka_connect_connector_task_key_converter_class gauge$/m);
});
