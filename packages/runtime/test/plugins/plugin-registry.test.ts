import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, NotFoundError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { JsonConverter } from '@sluice/converters';
import { PluginRegistry } from '@sluice/runtime';

test('built-in converters resolve by Java class name and simple name', () => {
  const registry = builtinPlugins('1.2.3');
  for (const name of ['org.apache.kafka.connect.json.JsonConverter', 'JsonConverter']) {
    const info = registry.resolve(name, ['converter']);
    assert.equal(info.plugin, JsonConverter);
    assert.equal(info.className, 'org.apache.kafka.connect.json.JsonConverter');
    assert.equal(info.version, '1.2.3');
  }
  assert.equal(registry.resolve('JsonConverter', ['header_converter']).type, 'header_converter');
});

test('unknown names are NotFoundError; the wrong kind is not found either', () => {
  const registry = builtinPlugins('1');
  assert.throws(() => registry.resolve('org.example.Nope', ['converter']), NotFoundError);
  assert.throws(
    () => registry.resolve('JsonConverter', ['source', 'sink']),
    /SourceConnector or SinkConnector and which name matches JsonConverter/,
  );
});

test('connectors also resolve without the Connector suffix; ambiguous short names are refused', () => {
  class FileStreamSourceConnector {
    static readonly javaClass = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
  }
  class OtherFileStreamSourceConnector {
    static readonly javaClass = 'com.example.FileStreamSourceConnector';
  }
  const registry = new PluginRegistry('1');
  registry.register('source', FileStreamSourceConnector);
  assert.equal(registry.resolve('FileStreamSource', ['source']).plugin, FileStreamSourceConnector);
  registry.register('source', OtherFileStreamSourceConnector);
  assert.throws(() => registry.resolve('FileStreamSource', ['source']), ConfigError);
  assert.equal(
    registry.resolve('com.example.FileStreamSourceConnector', ['source']).plugin,
    OtherFileStreamSourceConnector,
  );
});

test('listing follows the REST order: sinks, sources, transforms, predicates, converters, header converters', () => {
  class ASink {}
  class ASource {}
  class BTransform {}
  class APredicate {}
  const registry = new PluginRegistry('1');
  registry.register('header_converter', JsonConverter);
  registry.register('converter', JsonConverter);
  registry.register('predicate', APredicate);
  registry.register('transformation', BTransform);
  registry.register('source', ASource);
  registry.register('sink', ASink);
  assert.deepEqual(
    registry.list().map((p) => `${p.type}:${p.className}`),
    [
      'sink:ASink',
      'source:ASource',
      'transformation:BTransform',
      'predicate:APredicate',
      'converter:org.apache.kafka.connect.json.JsonConverter',
      'header_converter:org.apache.kafka.connect.json.JsonConverter',
    ],
  );
  assert.deepEqual(
    registry.list(['sink', 'source']).map((p) => p.className),
    ['ASink', 'ASource'],
  );
});

test('every Kafka converter class name users write resolves', () => {
  const registry = builtinPlugins('1');
  const converters = [
    'org.apache.kafka.connect.json.JsonConverter',
    'org.apache.kafka.connect.storage.StringConverter',
    'org.apache.kafka.connect.converters.ByteArrayConverter',
    'org.apache.kafka.connect.converters.LongConverter',
    'org.apache.kafka.connect.converters.IntegerConverter',
    'org.apache.kafka.connect.converters.ShortConverter',
    'org.apache.kafka.connect.converters.FloatConverter',
    'org.apache.kafka.connect.converters.DoubleConverter',
    'org.apache.kafka.connect.converters.BooleanConverter',
  ];
  for (const name of converters) {
    assert.equal(registry.resolve(name, ['converter']).className, name);
    assert.equal(registry.resolve(name, ['header_converter']).className, name);
  }
  assert.equal(
    registry.resolve('org.apache.kafka.connect.storage.SimpleHeaderConverter', ['header_converter'])
      .className,
    'org.apache.kafka.connect.storage.SimpleHeaderConverter',
  );
  assert.throws(
    () => registry.resolve('org.apache.kafka.connect.storage.SimpleHeaderConverter', ['converter']),
    NotFoundError,
  );
  // Short names as Kafka accepts them.
  assert.equal(
    registry.resolve('StringConverter', ['converter']).className,
    'org.apache.kafka.connect.storage.StringConverter',
  );
});

test('config providers resolve by Kafka names, without the ConfigProvider suffix too, and are not listed', () => {
  const registry = builtinPlugins('1');
  for (const name of [
    'org.apache.kafka.common.config.provider.FileConfigProvider',
    'FileConfigProvider',
    'File',
  ]) {
    const info = registry.resolve(name, ['configprovider']);
    assert.equal(info.className, 'org.apache.kafka.common.config.provider.FileConfigProvider', name);
    assert.equal(info.type, 'configprovider');
  }
  assert.deepEqual(
    registry.list(['configprovider']).map((p) => p.className),
    [
      'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'org.apache.kafka.common.config.provider.FileConfigProvider',
    ],
  );
  // GET /connector-plugins?connectorsOnly=false lists no config provider, as Kafka 3.x/4.x.
  assert.equal(
    registry.list().some((p) => p.type === 'configprovider'),
    false,
  );
  assert.throws(
    () => registry.resolve('File', ['converter']),
    /Failed to find any class that implements Converter and which name matches File/,
  );
  assert.throws(
    () => registry.resolve('Nope', ['configprovider']),
    /Failed to find any class that implements ConfigProvider and which name matches Nope/,
  );
});
