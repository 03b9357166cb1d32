/**
 * The config provider contract: Kafka's `org.apache.kafka.common.config.provider.ConfigProvider`
 * and `org.apache.kafka.common.config.ConfigData`, shaped for Node.
 *
 * Differences from Kafka, on purpose:
 * - every method may return a promise (a secrets manager is reached over the network; Java blocks);
 * - `get(path)` and `get(path, keys)` are one method with an optional `keys`;
 * - {@link ConfigData.data} is a `Map`, so a key such as `constructor` or `__proto__` can never be
 *   answered by `Object.prototype`;
 * - Kafka's optional `subscribe`/`unsubscribe`/`unsubscribeAll` are not part of the contract (Kafka
 *   Connect never calls them; it re-reads values when a TTL expires).
 *
 * This is runtime-internal for now; see the report to the lead about moving it to `@sluice/api`.
 */
import type { MaybePromise, PluginDescriptor } from '@sluice/api';

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
 * `ConfigProvider`). The worker creates one instance per name listed in `config.providers`,
 * calls {@link configure} once with the `config.providers.<name>.param.*` values (prefix removed),
 * then {@link get} whenever a config that uses the provider is resolved, and {@link close} when the
 * worker stops. `get` may be called concurrently.
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
  /** Releases what the provider holds. */
  close(): MaybePromise<void>;
}

/**
 * A provider class: constructible with no arguments, optionally carrying its Kafka class name
 * (`javaClass`) and `aliases`, as other plugins do.
 */
export type ConfigProviderClass = (new () => ConfigProvider) & PluginDescriptor;

/** Kafka's `IllegalStateException("The provider has not been configured yet.")`. */
export const NOT_CONFIGURED_MESSAGE = 'The provider has not been configured yet.';
