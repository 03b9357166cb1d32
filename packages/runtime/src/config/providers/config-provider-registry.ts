import { ConfigError, type ConfigProviderClass } from '@sluice/api';
import type { PluginRegistry } from '../../plugins/plugin-registry.ts';
import { DirectoryConfigProvider } from './directory-config-provider.ts';
import { EnvVarConfigProvider } from './env-var-config-provider.ts';
import { FileConfigProvider } from './file-config-provider.ts';

/** Kafka's plugin-type suffix for config providers, dropped to make the short alias (`File`). */
const SUFFIX = 'ConfigProvider';

/**
 * The config provider classes a worker can instantiate, by name. A class resolves under its Kafka
 * class name (`javaClass`), its TypeScript class name, its declared `aliases`, and the aliases
 * Kafka derives: the simple class name (`FileConfigProvider`) and that name without the
 * `ConfigProvider` suffix (`File`). A short name claimed by two classes resolves to neither.
 */
export class ConfigProviderRegistry {
  readonly #byName = new Map<string, Set<ConfigProviderClass>>();
  readonly #classes: ConfigProviderClass[] = [];

  /** Registers a provider class under all its names (a class registered before is skipped). */
  register(provider: ConfigProviderClass): this {
    if (this.#classes.includes(provider)) return this;
    const className = provider.javaClass ?? provider.name;
    const simple = className.slice(className.lastIndexOf('.') + 1);
    const names = new Set([className, provider.name, simple, ...(provider.aliases ?? [])]);
    const pos = simple.lastIndexOf(SUFFIX);
    if (pos > 0) names.add(simple.slice(0, pos));
    for (const name of names) {
      const set = this.#byName.get(name) ?? new Set();
      set.add(provider);
      this.#byName.set(name, set);
    }
    this.#classes.push(provider);
    return this;
  }

  /** Every registered class, in registration order. */
  list(): readonly ConfigProviderClass[] {
    return this.#classes;
  }

  /** The class named `name` (trimmed), or undefined when none or more than one class has that name. */
  find(name: string): ConfigProviderClass | undefined {
    const set = this.#byName.get(name.trim());
    return set?.size === 1 ? [...set][0] : undefined;
  }

  /**
   * The class named `name`.
   * @param key the config key that named it, for the error (e.g. `config.providers.file.class`)
   * @throws ConfigError naming `key`: Kafka's "Failed to find any class that implements ConfigProvider
   *   and which name matches ..." with the available classes, or an ambiguity error
   */
  resolve(name: string, key: string): ConfigProviderClass {
    const set = this.#byName.get(name.trim());
    if (set !== undefined && set.size === 1) return [...set][0]!;
    if (set !== undefined && set.size > 1) {
      const classes = [...set].map((c) => c.javaClass ?? c.name).join(', ');
      throw new ConfigError(
        `Invalid value ${name} for configuration ${key}: more than one config provider matches ${name} (${classes}); use the full class name`,
        { key, value: name },
      );
    }
    const available = this.#classes.map((c) => c.javaClass ?? c.name).join(', ');
    throw new ConfigError(
      `Invalid value ${name} for configuration ${key}: Failed to find any class that implements ConfigProvider ` +
        `and which name matches ${name}, available ConfigProviders are: ${available}`,
      { key, value: name },
    );
  }
}

/** Kafka's three providers, File, Directory and EnvVar, in that order. */
export const BUILTIN_CONFIG_PROVIDERS: readonly ConfigProviderClass[] = [
  FileConfigProvider,
  DirectoryConfigProvider,
  EnvVarConfigProvider,
];

/** A registry of Kafka's three providers: File, Directory and EnvVar. */
export function builtinConfigProviders(): ConfigProviderRegistry {
  const registry = new ConfigProviderRegistry();
  for (const provider of BUILTIN_CONFIG_PROVIDERS) registry.register(provider);
  return registry;
}

/**
 * The providers a worker can name in `config.providers.<name>.class`: Kafka's three built-ins,
 * then every `configprovider` plugin of `plugins` (those of the built-in packages and those loaded
 * from `plugin.path`), by class name.
 */
export function configProvidersOf(plugins: PluginRegistry): ConfigProviderRegistry {
  const registry = builtinConfigProviders();
  for (const info of plugins.list(['configprovider'])) {
    registry.register(info.plugin as ConfigProviderClass);
  }
  return registry;
}
