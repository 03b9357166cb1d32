import { createRequire } from 'node:module';
import type { PluginClass, PluginManifest } from '@sluice/api';
import { BUILTIN_CONFIG_PROVIDERS, PluginRegistry, SLUICE_VERSION } from '@sluice/runtime';
import { BUILTIN_PLUGIN_PACKAGES } from './builtin-plugin-index.ts';

const requirePackage = createRequire(import.meta.url);
const manifests = new Map<string, PluginManifest>();

/** Entry `index` of a built-in package's `sluicePlugins`, the package loaded (once) on first use. */
function loadPlugin(pkg: string, index: number, name: string): PluginClass {
  let manifest = manifests.get(pkg);
  if (manifest === undefined) {
    manifest = (requirePackage(pkg) as { sluicePlugins: PluginManifest }).sluicePlugins;
    manifests.set(pkg, manifest);
  }
  const plugin = manifest[index]?.plugin;
  if (plugin?.name !== name)
    throw new Error(
      `${pkg}'s sluicePlugins changed: run packages/cli/test/builtin-plugin-index.ts (entry ${index} is not ${name})`,
    );
  return plugin;
}

/**
 * A registry holding every plugin the distribution ships, Kafka's config providers included. The
 * runtime knows no plugin package: the `sluice` command hands it this registry (and the runtime
 * adds what `plugin.path` holds), so this list is the one place that names the built-ins. Tests
 * that run a worker with the built-ins take them from here too.
 *
 * The plugins are registered by their names (builtin-plugin-index.ts, generated from the
 * packages' manifests) and a package is loaded when one of its plugins is first used: a worker
 * running the FileStream connectors with the JsonConverter loads neither the JDBC, PostgreSQL and
 * Elasticsearch connectors and their drivers nor the Avro and Protobuf converters.
 */
export function builtinPlugins(version: string = SLUICE_VERSION): PluginRegistry {
  const registry = new PluginRegistry(version);
  for (const pkg of BUILTIN_PLUGIN_PACKAGES) {
    pkg.plugins.forEach((entry, index) => {
      registry.registerLazy(entry, `${pkg.name}#${entry.name}`, () =>
        loadPlugin(pkg.name, index, entry.name),
      );
    });
  }
  for (const provider of BUILTIN_CONFIG_PROVIDERS) registry.register('configprovider', provider);
  return registry;
}
