/**
 * The worker side of config providers: reading `config.providers`, `config.providers.<name>.class`
 * and `config.providers.<name>.param.<key>` from worker properties, instantiating the providers,
 * and resolving variables in the worker properties themselves.
 */
import { ConfigError, type ConfigProvider, type ConfigProviderClass, parseType } from '@sluice/api';
import type { Logger } from 'pino';
import type { ConfigProviderRegistry } from './config-provider-registry.ts';
import { ConfigTransformer, type ConfigTransformResult } from './config-transformer.ts';

/** The worker property listing the provider names. */
export const CONFIG_PROVIDERS_CONFIG = 'config.providers';

/** `config.providers.<name>.class`. */
export function providerClassKey(name: string): string {
  return `${CONFIG_PROVIDERS_CONFIG}.${name}.class`;
}

/** `config.providers.<name>.param.` (the prefix of a provider's parameters). */
export function providerParamPrefix(name: string): string {
  return `${CONFIG_PROVIDERS_CONFIG}.${name}.param.`;
}

/** One provider as the worker properties declare it. */
export interface ConfigProviderSetting {
  /** The name variables use: `${<name>:...}`. */
  readonly name: string;
  /** The `config.providers.<name>.class` value, or undefined when the key is not set. */
  readonly className: string | undefined;
  /** The `config.providers.<name>.param.*` values, prefix removed. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The providers declared by worker properties, in `config.providers` order (a name listed twice
 * appears once). `config.providers` is a list as Kafka's `ConfigDef` reads it (comma separated,
 * whitespace around names ignored).
 * @throws ConfigError when `config.providers` is not a string
 */
export function configProviderSettings(props: Readonly<Record<string, string>>): ConfigProviderSetting[] {
  const raw = Object.hasOwn(props, CONFIG_PROVIDERS_CONFIG) ? props[CONFIG_PROVIDERS_CONFIG] : undefined;
  const names = (parseType(CONFIG_PROVIDERS_CONFIG, raw ?? '', 'LIST') as string[]).filter(
    (name, i, all) => all.indexOf(name) === i,
  );
  return names.map((name) => {
    const classKey = providerClassKey(name);
    const prefix = providerParamPrefix(name);
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(props)) {
      if (key.startsWith(prefix) && key.length > prefix.length) {
        Object.defineProperty(params, key.slice(prefix.length), {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return { name, className: Object.hasOwn(props, classKey) ? props[classKey] : undefined, params };
  });
}

/** Options of {@link createConfigProviders} and {@link resolveWorkerProperties}. */
export interface CreateConfigProvidersOptions {
  /** For the warning about a listed provider without a `.class`, and unresolved variables. */
  logger?: Logger;
}

/**
 * Instantiates and configures the providers the worker properties declare (Kafka's
 * `Worker.initConfigTransformer`): for each name in `config.providers`, the class named by
 * `config.providers.<name>.class` (a Kafka class name or an alias, looked up in `registry`) is
 * created and `configure`d with its `config.providers.<name>.param.*` values. A listed name
 * without a `.class` key is skipped, as in Kafka (its variables then stay unresolved).
 *
 * @returns the providers by name; close them with {@link closeConfigProviders}
 * @throws ConfigError naming the key: an unknown or ambiguous class (`config.providers.<name>.class`),
 *   or a bad parameter (`config.providers.<name>.param.<key>`). Providers created before the
 *   failure are closed first.
 */
export async function createConfigProviders(
  props: Readonly<Record<string, string>>,
  registry: ConfigProviderRegistry,
  options: CreateConfigProvidersOptions = {},
): Promise<Map<string, ConfigProvider>> {
  const providers = new Map<string, ConfigProvider>();
  try {
    for (const setting of configProviderSettings(props)) {
      if (setting.className === undefined) {
        options.logger?.warn(
          `Config provider '${setting.name}' is listed in ${CONFIG_PROVIDERS_CONFIG} but ${providerClassKey(setting.name)} is not set; its variables will not be resolved`,
        );
        continue;
      }
      const cls = registry.resolve(setting.className, providerClassKey(setting.name));
      providers.set(setting.name, await instantiate(setting, cls));
    }
  } catch (e) {
    await closeConfigProviders(providers, options.logger);
    throw e;
  }
  return providers;
}

async function instantiate(
  setting: ConfigProviderSetting,
  cls: ConfigProviderClass,
): Promise<ConfigProvider> {
  const className = cls.javaClass ?? cls.name;
  const classKey = providerClassKey(setting.name);
  let provider: ConfigProvider;
  try {
    provider = new cls();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`Could not create config provider '${setting.name}' (${className}): ${reason}`, {
      key: classKey,
      value: setting.className,
      cause: e,
    });
  }
  const missing = (['configure', 'get', 'close'] as const).filter((m) => typeof provider[m] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid value ${setting.className} for configuration ${classKey}: ${className} is not a ConfigProvider ` +
        `(no ${missing.join(', ')} method)`,
      { key: classKey, value: setting.className },
    );
  }
  try {
    await provider.configure(setting.params);
  } catch (e) {
    try {
      await provider.close();
    } catch {
      // The configure error is the one to report.
    }
    const paramKey = e instanceof ConfigError && e.key !== undefined ? e.key : undefined;
    const key =
      paramKey !== undefined && Object.hasOwn(setting.params, paramKey)
        ? providerParamPrefix(setting.name) + paramKey
        : classKey;
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`Could not configure config provider '${setting.name}' (${className}): ${reason}`, {
      key,
      value: paramKey !== undefined ? setting.params[paramKey] : setting.className,
      cause: e,
    });
  }
  return provider;
}

/**
 * Closes every provider (Kafka's `Utils.closeQuietly`): a failure is logged, never thrown, and does
 * not stop the others from closing.
 */
export async function closeConfigProviders(
  providers: ReadonlyMap<string, ConfigProvider>,
  logger?: Logger,
): Promise<void> {
  await Promise.all(
    [...providers].map(async ([name, provider]) => {
      try {
        await provider.close();
      } catch (e) {
        logger?.warn({ err: e }, `Failed to close config provider '${name}'`);
      }
    }),
  );
}

/**
 * Kafka's warning when `plugin.path` used a variable: the raw value is what plugin scanning uses.
 * Undefined when the value did not change.
 */
export function pluginPathVariableWarning(
  raw: Readonly<Record<string, string>>,
  resolved: Readonly<Record<string, string>>,
): string | undefined {
  const before = raw['plugin.path'];
  const after = resolved['plugin.path'];
  if (before === after) return undefined;
  return (
    "Variables cannot be used in the 'plugin.path' property, since the property is used by plugin scanning " +
    'before the config providers that replace the variables are initialized. ' +
    `The raw value '${before}' was used for plugin scanning, as opposed to the transformed value '${after}', ` +
    'and this may cause unexpected results.'
  );
}

/**
 * Resolves variables in the worker properties themselves, as Kafka's `WorkerConfig` constructor does
 * (`AbstractConfig` with the worker properties as provider configuration): the providers declared in
 * `props` are created from the **raw** properties, every value is transformed, and the providers are
 * closed again. Pass `result.data` to `new WorkerConfig(...)`, then build the worker's long-lived
 * providers from the resolved properties with {@link createConfigProviders}.
 *
 * `plugin.path` is resolved like any other key, but the caller should scan the raw value, as Kafka
 * does, and log {@link pluginPathVariableWarning} (this function logs it when given a logger).
 *
 * @throws ConfigError for a bad provider declaration or a provider error (e.g. an unreadable file)
 */
export async function resolveWorkerProperties(
  props: Readonly<Record<string, string>>,
  registry: ConfigProviderRegistry,
  options: CreateConfigProvidersOptions = {},
): Promise<ConfigTransformResult<string>> {
  const providers = await createConfigProviders(props, registry, options);
  try {
    const transformer = new ConfigTransformer(providers, options);
    const result = await transformer.transform(props);
    const warning = pluginPathVariableWarning(props, result.data);
    if (warning !== undefined) options.logger?.warn(warning);
    return result;
  } finally {
    await closeConfigProviders(providers, options.logger);
  }
}
