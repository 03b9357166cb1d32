/**
 * Resolution of `${provider:[path:]key}` variables: Kafka's
 * `org.apache.kafka.common.config.ConfigTransformer`, plus the helpers Kafka Connect's herder uses
 * around it (`keysWithVariableValues`, `reverseTransform`).
 */
import { type ConfigProvider, ConnectError } from '@sluice/api';
import type { Logger } from 'pino';

/**
 * Kafka's `ConfigTransformer.DEFAULT_PATTERN`, `\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`: the provider
 * is the text up to the first `:`, the optional path the text up to the next `:`, the key the rest
 * up to the first `}` (so a key may contain `:`; nothing may contain `}`). `${a}` (no colon) is
 * not a variable. Global: use a fresh copy (or reset `lastIndex`) per scan.
 */
export const CONFIG_VARIABLE_PATTERN: RegExp = /\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}/g;

/** One `${provider:[path:]key}` occurrence in a value. */
export interface ConfigVariable {
  /** The whole text, `${...}`. */
  readonly text: string;
  readonly provider: string;
  /** `""` when the variable has no path. */
  readonly path: string;
  readonly key: string;
  /** Where `text` starts in the value. */
  readonly index: number;
}

/** Every variable in `value`, in order (Kafka's `ConfigTransformer.getVars`). */
export function configVariables(value: string): ConfigVariable[] {
  const vars: ConfigVariable[] = [];
  for (const m of value.matchAll(CONFIG_VARIABLE_PATTERN)) {
    vars.push({ text: m[0], provider: m[1]!, path: m[3] ?? '', key: m[4]!, index: m.index });
  }
  return vars;
}

/** True when `value` contains at least one variable. */
export function hasConfigVariables(value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  const pattern = new RegExp(CONFIG_VARIABLE_PATTERN.source);
  return pattern.test(value);
}

/**
 * The keys of `config` whose value contains a variable (Kafka's
 * `AbstractHerder.keysWithVariableValues`), resolvable or not.
 */
export function keysWithVariableValues(config: Readonly<Record<string, string | null>>): Set<string> {
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(config)) if (hasConfigVariables(value)) keys.add(key);
  return keys;
}

/**
 * Puts variables back into generated task configs before they are stored (Kafka's
 * `AbstractHerder.reverseTransform`): for every key whose value in the connector's **raw** config
 * contains a variable, a task config that has that key gets the raw value instead of whatever
 * resolved value the connector copied into it. So resolved secrets never reach the config store
 * nor `GET /connectors/{c}/tasks`; tasks resolve them again when they start.
 *
 * @returns new task config maps; the inputs are not modified
 */
export function reverseTransform(
  rawConnectorConfig: Readonly<Record<string, string>>,
  taskConfigs: readonly Readonly<Record<string, string>>[],
): Record<string, string>[] {
  const keys = keysWithVariableValues(rawConnectorConfig);
  return taskConfigs.map((config) => {
    const copy = { ...config };
    for (const key of keys) if (Object.hasOwn(copy, key)) copy[key] = rawConnectorConfig[key]!;
    return copy;
  });
}

/** The outcome of {@link ConfigTransformer.transform}. */
export interface ConfigTransformResult<V extends string | null = string> {
  /**
   * A new map with every resolvable variable replaced by its value; unresolvable variables are
   * left as written. The input map is never modified: keep it as the stored, raw config.
   */
  readonly data: Record<string, V>;
  /**
   * The TTLs (ms) the providers returned, by path, as Kafka reports them (`ConfigTransformerResult.ttls`):
   * only non-negative TTLs; two providers answering the same path share one entry (the last wins).
   */
  readonly ttls: ReadonlyMap<string, number>;
  /** The smallest of {@link ttls}, or undefined when no provider returned a TTL. */
  readonly minTtl: number | undefined;
  /**
   * The keys whose value had at least one variable replaced by a provider's value. Their resolved
   * values may hold secrets: {@link redactResolvedConfig} hides them in logs.
   */
  readonly resolvedKeys: ReadonlySet<string>;
  /**
   * The provider values substituted into {@link data} (secrets, possibly): for masking them in free
   * text with `maskResolvedValues`.
   */
  readonly substitutedValues: ReadonlySet<string>;
  /** The variables that stayed as written (unknown provider, missing key, path not found or not allowed). */
  readonly unresolved: readonly UnresolvedVariable[];
}

/** A variable left as written, and why. */
export interface UnresolvedVariable {
  /** The config key whose value holds it. */
  readonly configKey: string;
  readonly variable: ConfigVariable;
  readonly reason: 'unknown-provider' | 'no-value';
}

/** Options of {@link ConfigTransformer}. */
export interface ConfigTransformerOptions {
  /**
   * Where to report variables of a known provider that found no value (debug level for variables
   * naming no configured provider, which may be literal text). Kafka logs nothing here.
   */
  logger?: Logger;
}

/**
 * Resolves `${provider:[path:]key}` variables with a set of named providers, as Kafka's
 * `ConfigTransformer` does:
 *
 * 1. every variable in every value is collected; keys are grouped by provider and path;
 * 2. each configured provider is asked once per path, `get(path, keys)`;
 * 3. each variable is replaced by its value; a variable whose provider is not configured, or whose
 *    key the provider did not return, is left exactly as written.
 *
 * A provider error (e.g. an unreadable file) rejects the whole transformation. Replacement is a
 * single pass: a resolved value containing `${...}` is not resolved again.
 */
export class ConfigTransformer {
  readonly #providers: ReadonlyMap<string, ConfigProvider>;
  readonly #logger: Logger | undefined;

  constructor(providers: ReadonlyMap<string, ConfigProvider>, options: ConfigTransformerOptions = {}) {
    this.#providers = providers;
    this.#logger = options.logger;
  }

  /** The configured providers, by name. */
  providers(): ReadonlyMap<string, ConfigProvider> {
    return this.#providers;
  }

  /**
   * Resolves the variables of `configs` (null values are kept as they are).
   * @throws the ConnectError a provider throws (ConfigError for the built-in ones); any other
   *   error of a provider as a ConnectError naming the provider and path
   */
  async transform<V extends string | null>(
    configs: Readonly<Record<string, V>>,
  ): Promise<ConfigTransformResult<V>> {
    // 1. Collect keys by provider and path.
    const keysByProvider = new Map<string, Map<string, Set<string>>>();
    const varsByConfigKey = new Map<string, { value: string; vars: ConfigVariable[] }>();
    for (const [configKey, value] of Object.entries(configs)) {
      if (typeof value !== 'string') continue;
      const vars = configVariables(value);
      if (vars.length === 0) continue;
      varsByConfigKey.set(configKey, { value, vars });
      for (const v of vars) {
        let byPath = keysByProvider.get(v.provider);
        if (byPath === undefined) {
          byPath = new Map();
          keysByProvider.set(v.provider, byPath);
        }
        let keys = byPath.get(v.path);
        if (keys === undefined) {
          keys = new Set();
          byPath.set(v.path, keys);
        }
        keys.add(v.key);
      }
    }

    // 2. Ask each configured provider once per path.
    const requests: { provider: string; path: string; keys: Set<string>; instance: ConfigProvider }[] = [];
    for (const [provider, byPath] of keysByProvider) {
      const instance = this.#providers.get(provider);
      if (instance === undefined) continue;
      for (const [path, keys] of byPath) requests.push({ provider, path, keys, instance });
    }
    const answers = await Promise.all(
      requests.map(async (r) => {
        try {
          return await r.instance.get(r.path, new Set(r.keys));
        } catch (e) {
          // A ConnectError (ConfigError from the built-ins) is the provider's own message, as in
          // Kafka; anything else (a plugin's ENOENT, a network error) gets the provider's name.
          if (e instanceof ConnectError) throw e;
          const reason = e instanceof Error ? e.message : String(e);
          throw new ConnectError(
            `Config provider '${r.provider}' could not get path '${r.path}': ${reason}`,
            {
              cause: e,
            },
          );
        }
      }),
    );
    const lookups = new Map<string, Map<string, ReadonlyMap<string, string>>>();
    const ttls = new Map<string, number>();
    requests.forEach((r, i) => {
      const answer = answers[i];
      let byPath = lookups.get(r.provider);
      if (byPath === undefined) {
        byPath = new Map();
        lookups.set(r.provider, byPath);
      }
      if (!(answer?.data instanceof Map)) {
        throw new ConnectError(
          `Config provider '${r.provider}' answered get('${r.path}') without a Map of data (ConfigData.data must be a Map)`,
        );
      }
      byPath.set(r.path, answer.data);
      const ttl = answer.ttl;
      if (typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0) ttls.set(r.path, ttl);
    });

    // 3. Replace.
    const replacements = new Map<string, string>();
    const resolvedKeys = new Set<string>();
    const substitutedValues = new Set<string>();
    const unresolved: UnresolvedVariable[] = [];
    for (const [configKey, { value, vars }] of varsByConfigKey) {
      let out = '';
      let from = 0;
      let replaced = false;
      for (const v of vars) {
        const found = lookups.get(v.provider)?.get(v.path)?.get(v.key);
        if (found === undefined) {
          const reason = this.#providers.has(v.provider) ? 'no-value' : 'unknown-provider';
          unresolved.push({ configKey, variable: v, reason });
          continue;
        }
        out += value.slice(from, v.index) + found;
        substitutedValues.add(found);
        from = v.index + v.text.length;
        replaced = true;
      }
      if (!replaced) continue;
      replacements.set(configKey, out + value.slice(from));
      resolvedKeys.add(configKey);
    }
    this.#report(unresolved);
    // A new map (never the input), built with own properties only: a key named `__proto__` stays a key.
    const data = Object.fromEntries(
      Object.entries(configs).map(([k, v]) => [k, replacements.has(k) ? replacements.get(k)! : v]),
    ) as Record<string, V>;

    let minTtl: number | undefined;
    for (const ttl of ttls.values()) if (minTtl === undefined || ttl < minTtl) minTtl = ttl;
    return { data, ttls, minTtl, resolvedKeys, substitutedValues, unresolved };
  }

  #report(unresolved: readonly UnresolvedVariable[]): void {
    const logger = this.#logger;
    if (logger === undefined) return;
    for (const { configKey, variable: v, reason } of unresolved) {
      if (reason === 'unknown-provider') {
        logger.debug(
          `The value of '${configKey}' contains ${v.text}, which is left as written: no config provider named '${v.provider}' is configured`,
        );
      } else {
        logger.warn(
          `The value of '${configKey}' contains ${v.text}, which is left as written: config provider '${v.provider}' ` +
            `returned no value for key '${v.key}'${v.path === '' ? '' : ` at path '${v.path}'`} ` +
            '(missing key, or a path that does not exist or is not in allowed.paths)',
        );
      }
    }
  }
}
