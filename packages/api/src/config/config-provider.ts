/**
 * The config provider contract: Kafka's `org.apache.kafka.common.config.provider.ConfigProvider`
 * and `org.apache.kafka.common.config.ConfigData`, shaped for Node.
 *
 * A config provider answers the `${<name>:[<path>:]<key>}` variables that worker properties and
 * connector configs may contain, so secrets (passwords, tokens) live in a file, the environment or
 * a secrets manager instead of the config itself. The worker declares its providers:
 *
 * ```properties
 * config.providers=vault
 * config.providers.vault.class=com.example.VaultConfigProvider
 * config.providers.vault.param.address=https://vault.internal:8200
 * ```
 *
 * and a connector config can then say `"db.password": "${vault:secret/db:password}"`. The value is
 * resolved when the connector or task starts (and when its config is validated); the stored config
 * and every REST answer keep the `${...}` text.
 *
 * To ship a provider, export its class from a package's `sluicePlugins` manifest with the type
 * `configprovider` and put the package under the worker's `plugin.path`:
 *
 * ```ts
 * export const sluicePlugins: PluginManifest = [{ type: 'configprovider', plugin: VaultConfigProvider }];
 * ```
 *
 * Differences from Kafka, on purpose:
 * - every method may return a promise (a secrets manager is reached over the network; Java blocks);
 * - `get(path)` and `get(path, keys)` are one method with an optional `keys`;
 * - {@link ConfigData.data} is a `Map`, so a key such as `constructor` or `__proto__` can never be
 *   answered by `Object.prototype`;
 * - Kafka's optional `subscribe`/`unsubscribe`/`unsubscribeAll` are not part of the contract (Kafka
 *   Connect never calls them; it re-reads values when a TTL expires).
 */
import type { MaybePromise } from '../connector/connector.ts';
import type { PluginDescriptor } from '../plugin.ts';

/** What a provider returns for one path (Kafka's `ConfigData`). */
export interface ConfigData {
  /** The values found, by key. Keys that were asked for but are unknown are simply absent. */
  readonly data: ReadonlyMap<string, string>;
  /**
   * How long, in milliseconds, the values stay valid. Absent (or negative) means "forever". When a
   * connector config used a value with a TTL and its `config.action.reload` is `restart` (the
   * default), the connector is restarted after this delay so it reads fresh values.
   */
  readonly ttl?: number | undefined;
}

/**
 * A source of configuration values for `${provider:[path:]key}` variables (Kafka's
 * `ConfigProvider`).
 *
 * Lifecycle: the worker creates one instance per name listed in `config.providers` (with `new`, no
 * arguments), calls {@link configure} once with that name's `config.providers.<name>.param.*`
 * values (prefix removed), then {@link get} whenever a config that uses the provider is resolved,
 * and {@link close} when the worker stops. Worker properties are resolved first by a short-lived
 * instance of their own (created, configured, asked, closed), as in Kafka. `get` may be called
 * concurrently.
 *
 * Errors: throw from {@link configure} for a bad parameter (a `ConfigError` whose `key` is the
 * parameter name, e.g. `address`, is reported under `config.providers.<name>.param.address`); the
 * worker then refuses to start, naming the provider. Throw from {@link get} when the backing store
 * cannot be read: the resolution that asked fails (a connector fails to start, a validation reports
 * the error). A key that simply does not exist is not an error: leave it out of the data, and the
 * variable stays as written.
 */
export interface ConfigProvider {
  /** Receives the `config.providers.<name>.param.<key>` worker properties as `{ <key>: value }`. */
  configure(configs: Readonly<Record<string, string>>): MaybePromise<void>;
  /**
   * The data at `path` (`""` when the variable has no path): every key when `keys` is undefined,
   * else only the requested keys that exist. A missing key is not an error: the variable that asked
   * for it is left unresolved.
   */
  get(path: string, keys?: ReadonlySet<string>): MaybePromise<ConfigData>;
  /** Releases what the provider holds (connections, timers). Called once, also after a failed `configure`. */
  close(): MaybePromise<void>;
}

/**
 * A provider class: constructible with no arguments, optionally carrying its Kafka class name
 * (`javaClass`) and `aliases`, as other plugins do. `config.providers.<name>.class` finds it by
 * `javaClass` (else the class name), the simple class name (`VaultConfigProvider`), that name
 * without the `ConfigProvider` suffix (`Vault`), and its `aliases`.
 */
export type ConfigProviderClass = (new () => ConfigProvider) & PluginDescriptor;
