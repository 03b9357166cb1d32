import { sluicePlugins as fileConnectors } from '@sluice/connector-file';
import { sluicePlugins as converters } from '@sluice/converters';
import { PluginRegistry } from './plugin-registry.ts';

/** A registry holding every plugin shipped with Sluice. */
export function builtinPlugins(version: string): PluginRegistry {
  const registry = new PluginRegistry(version);
  registry.registerManifest(converters);
  registry.registerManifest(fileConnectors);
  return registry;
}
