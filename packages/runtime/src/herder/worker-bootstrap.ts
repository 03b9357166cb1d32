/**
 * What both herders do with the worker properties before anything else, in Kafka's order
 * (`ConnectStandalone` / `ConnectDistributed`): scan `plugin.path` from the RAW properties, so
 * config providers can come from plugin packages, then resolve the `${provider:...}` variables of
 * the worker properties with every provider known by then.
 */
import { parseType } from '@sluice/api';
import type { Logger } from 'pino';
import {
  type ConfigProviderRegistry,
  configProvidersOf,
} from '../config/providers/config-provider-registry.ts';
import type { ConfigTransformResult } from '../config/providers/config-transformer.ts';
import { resolveWorkerProperties } from '../config/providers/worker-config-providers.ts';
import { loadPluginPath, type PluginPathResult } from '../plugins/plugin-path.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';

/** The worker property listing plugin directories. */
export const PLUGIN_PATH_CONFIG = 'plugin.path';

/** Options of {@link bootstrapWorker}. */
export interface WorkerBootstrapOptions {
  logger: Logger;
  /** The plugins to add `plugin.path` to: those the distribution ships (`builtinPlugins` of `@sluice/cli`). */
  plugins: PluginRegistry;
}

/** The outcome of {@link bootstrapWorker}. */
export interface WorkerBootstrap {
  /** The given plugins and those loaded from `plugin.path`. */
  readonly plugins: PluginRegistry;
  /** What `plugin.path` loaded and what failed (failures are logged, never thrown). */
  readonly pluginPath: PluginPathResult;
  /** The providers `config.providers.<name>.class` can name: the built-ins and the plugins'. */
  readonly providers: ConfigProviderRegistry;
  /** The worker properties with their variables resolved: give `resolved.data` to the worker config. */
  readonly resolved: ConfigTransformResult<string>;
}

/**
 * The directories of `plugin.path` as written in the raw worker properties (a comma-separated
 * list, blanks around entries ignored), not resolved: Kafka scans plugins before any config
 * provider exists.
 * @throws ConfigError naming `plugin.path` when the value is not a list
 */
export function rawPluginPath(rawProps: Readonly<Record<string, string>>): string[] {
  const raw = Object.hasOwn(rawProps, PLUGIN_PATH_CONFIG) ? rawProps[PLUGIN_PATH_CONFIG] : undefined;
  if (raw === undefined) return [];
  return (parseType(PLUGIN_PATH_CONFIG, raw, 'LIST') as string[]).filter((dir) => dir !== '');
}

/**
 * Loads `plugin.path` (from the raw properties) into the plugin registry, then resolves the worker
 * properties through the built-in config providers and those the plugins brought. When
 * `plugin.path` itself contains a variable, Kafka's warning is logged and the raw value is the one
 * scanned.
 * @throws ConfigError for a bad `plugin.path`, a bad provider declaration or a provider error
 */
export async function bootstrapWorker(
  rawProps: Readonly<Record<string, string>>,
  options: WorkerBootstrapOptions,
): Promise<WorkerBootstrap> {
  const { logger, plugins } = options;
  const pluginPath = await loadPluginPath(plugins, rawPluginPath(rawProps), logger);
  const providers = configProvidersOf(plugins);
  const resolved = await resolveWorkerProperties(rawProps, providers, { logger });
  return { plugins, pluginPath, providers, resolved };
}
