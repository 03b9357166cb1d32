import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PluginManifest } from '@sluice/api';
import { sluicePlugins as elasticsearch } from '@sluice/connector-elasticsearch';
import { sluicePlugins as file } from '@sluice/connector-file';
import { sluicePlugins as jdbc } from '@sluice/connector-jdbc';
import { sluicePlugins as postgres } from '@sluice/connector-postgres';
import { sluicePlugins as converters } from '@sluice/converters';
import { sluicePlugins as schemaRegistryConverters } from '@sluice/converters-schema-registry';
import { sluicePlugins as transforms } from '@sluice/transforms';
import { BUILTIN_PLUGIN_PACKAGES } from '../src/builtin-plugin-index.ts';
import { builtinPlugins } from '../src/builtins.ts';

const MANIFESTS: [string, PluginManifest][] = [
  ['@sluice/converters', converters],
  ['@sluice/converters-schema-registry', schemaRegistryConverters],
  ['@sluice/transforms', transforms],
  ['@sluice/connector-file', file],
  ['@sluice/connector-postgres', postgres],
  ['@sluice/connector-jdbc', jdbc],
  ['@sluice/connector-elasticsearch', elasticsearch],
];

test('the generated index names every plugin of the built-in manifests, in order (else run packages/cli/test/builtin-plugin-index.ts)', () => {
  assert.deepEqual(
    BUILTIN_PLUGIN_PACKAGES.map((p) => p.name),
    MANIFESTS.map(([name]) => name),
  );
  for (const [name, manifest] of MANIFESTS) {
    const index = BUILTIN_PLUGIN_PACKAGES.find((p) => p.name === name)!;
    assert.deepEqual(
      index.plugins.map((e) => ({ ...e })),
      manifest.map(({ type, plugin }) => ({
        type,
        name: plugin.name,
        ...(plugin.javaClass === undefined ? {} : { javaClass: plugin.javaClass }),
        ...(plugin.aliases === undefined ? {} : { aliases: [...plugin.aliases] }),
      })),
      name,
    );
  }
});

test("the lazily registered built-ins resolve to the manifests' classes, as registering the manifests did", () => {
  const registry = builtinPlugins('1.0');
  for (const [, manifest] of MANIFESTS) {
    for (const { type, plugin } of manifest) {
      const info = registry.resolve(plugin.javaClass ?? plugin.name, [type]);
      assert.equal(info.plugin, plugin);
      assert.equal(info.type, type);
    }
  }
  // A class listed as converter and header converter is one plugin, not an ambiguous name.
  assert.equal(
    registry.resolve('StringConverter', ['converter', 'header_converter']).className,
    'org.apache.kafka.connect.storage.StringConverter',
  );
});
