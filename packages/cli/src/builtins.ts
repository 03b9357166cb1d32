import { sluicePlugins as elasticsearchConnectors } from '@sluice/connector-elasticsearch';
import { sluicePlugins as fileConnectors } from '@sluice/connector-file';
import { sluicePlugins as jdbcConnectors } from '@sluice/connector-jdbc';
import { sluicePlugins as postgresConnectors } from '@sluice/connector-postgres';
import { sluicePlugins as converters } from '@sluice/converters';
import { sluicePlugins as schemaRegistryConverters } from '@sluice/converters-schema-registry';
import { BUILTIN_CONFIG_PROVIDERS, PluginRegistry, SLUICE_VERSION } from '@sluice/runtime';
import { sluicePlugins as transforms } from '@sluice/transforms';

/**
 * A registry holding every plugin the distribution ships, Kafka's config providers included. The
 * runtime knows no plugin package: the `sluice` command hands it this registry (and the runtime
 * adds what `plugin.path` holds), so this list is the one place that names the built-ins. Tests
 * that run a worker with the built-ins take them from here too.
 */
export function builtinPlugins(version: string = SLUICE_VERSION): PluginRegistry {
  const registry = new PluginRegistry(version);
  registry.registerManifest(converters);
  registry.registerManifest(schemaRegistryConverters);
  registry.registerManifest(transforms);
  registry.registerManifest(fileConnectors);
  registry.registerManifest(postgresConnectors);
  registry.registerManifest(jdbcConnectors);
  registry.registerManifest(elasticsearchConnectors);
  for (const provider of BUILTIN_CONFIG_PROVIDERS) registry.register('configprovider', provider);
  return registry;
}
