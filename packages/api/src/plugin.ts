/**
 * How a plugin class describes itself to the runtime's plugin registry. Every connector,
 * converter, transform, predicate and config provider class may carry these static fields:
 * - `javaClass`: the Apache Kafka (or Debezium, ...) class name it stands in for, so existing
 *   configs such as `"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector"` work;
 * - `aliases`: further names (Kafka accepts a class's simple name and, for connectors and config
 *   providers, the name without the `Connector` / `ConfigProvider` suffix).
 */
export interface PluginDescriptor {
  readonly javaClass?: string;
  readonly aliases?: readonly string[];
}

/**
 * The kinds of plugin, with Kafka's names (the REST API's `PluginInfo.type`).
 *
 * `configprovider` is a config provider (a `ConfigProviderClass`), named as Kafka's
 * `PluginType.CONFIGPROVIDER` prints. As in Kafka, config providers are not listed by
 * `GET /connector-plugins` (not even with `connectorsOnly=false`): they are named in worker
 * properties (`config.providers.<name>.class`), never in connector configs.
 */
export type PluginType =
  | 'source'
  | 'sink'
  | 'converter'
  | 'header_converter'
  | 'transformation'
  | 'predicate'
  | 'configprovider';

/** A plugin class: constructible with no arguments, optionally carrying a {@link PluginDescriptor}. */
export type PluginClass = (new () => unknown) & PluginDescriptor;

/** One entry of a package's plugin manifest. A class that is both a converter and a header converter is listed twice. */
export interface PluginManifestEntry {
  readonly type: PluginType;
  readonly plugin: PluginClass;
}

/**
 * What a plugin package exports as `sluicePlugins` so the runtime can find its plugins, both for
 * built-in packages and for packages found under `plugin.path`.
 */
export type PluginManifest = readonly PluginManifestEntry[];
