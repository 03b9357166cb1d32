import { sluicePlugins as elasticsearchConnectors } from '@sluice/connector-elasticsearch';
import { sluicePlugins as fileConnectors } from '@sluice/connector-file';
import { sluicePlugins as jdbcConnectors } from '@sluice/connector-jdbc';
import { sluicePlugins as postgresConnectors } from '@sluice/connector-postgres';
import { sluicePlugins as converters } from '@sluice/converters';
import { sluicePlugins as schemaRegistryConverters } from '@sluice/converters-schema-registry';
import { sluicePlugins as transforms } from '@sluice/transforms';
import { BUILTIN_CONFIG_PROVIDERS } from '../config/providers/config-provider-registry.ts';
import { PluginRegistry } from './plugin-registry.ts';

/** A registry holding every plugin shipped with Sluice, Kafka's config providers included. */
export function builtinPlugins(version: string): PluginRegistry {
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
