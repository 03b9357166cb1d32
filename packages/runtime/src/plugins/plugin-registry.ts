import {
  ConfigError,
  NotFoundError,
  type PluginClass,
  type PluginManifest,
  type PluginType,
} from '@sluice/api';
import { missingPluginHint } from './plugin-hints.ts';

/** A registered plugin, as `GET /connector-plugins` reports it. */
export interface PluginInfo {
  /** The name the REST API reports: the Java class name where the plugin mirrors one, else its own name. */
  readonly className: string;
  readonly type: PluginType;
  readonly version: string | undefined;
  /** Every name the plugin resolves under, `className` included. */
  readonly names: readonly string[];
  readonly plugin: PluginClass;
}

/**
 * A plugin known by its names before its class is loaded ({@link PluginRegistry.registerLazy}):
 * its type, its class's `name` and its static `javaClass` and `aliases`.
 */
export interface LazyPluginEntry {
  readonly type: PluginType;
  readonly name: string;
  readonly javaClass?: string;
  readonly aliases?: readonly string[];
}

/**
 * REST listing order (`GET /connector-plugins`): sinks, sources, then transformations, predicates,
 * converters, header converters. Config providers are not listed, as in Kafka; they come last when
 * asked for by type.
 */
const TYPE_ORDER: readonly PluginType[] = [
  'sink',
  'source',
  'transformation',
  'predicate',
  'converter',
  'header_converter',
  'configprovider',
];

/** The types {@link PluginRegistry.list} returns by default: those `GET /connector-plugins` lists. */
const LISTED_TYPES: readonly PluginType[] = TYPE_ORDER.filter((t) => t !== 'configprovider');

/** The suffix Kafka drops from a plugin's simple class name to make its short alias, by type. */
const ALIAS_SUFFIX: Partial<Record<PluginType, string>> = {
  source: 'Connector',
  sink: 'Connector',
  configprovider: 'ConfigProvider',
};

/**
 * Every plugin the worker knows, by name. A plugin resolves under its Java class name (so
 * existing Kafka Connect configs work), its TypeScript class name, its declared aliases, and the
 * short names Kafka derives: the simple class name, and for connectors and config providers that
 * name without the `Connector` / `ConfigProvider` suffix (`FileStreamSource`, `File`). A short name
 * claimed by two plugins of the asked-for types resolves to neither.
 */
export class PluginRegistry {
  readonly #plugins: PluginInfo[] = [];
  readonly #byName = new Map<string, PluginInfo[]>();
  /** What makes two entries the same plugin (a class listed under two types): the class, or a lazy entry's key. */
  readonly #identity = new Map<PluginInfo, unknown>();
  readonly #defaultVersion: string;

  constructor(defaultVersion: string) {
    this.#defaultVersion = defaultVersion;
  }

  /** Registers every entry of a package's `sluicePlugins` manifest. */
  registerManifest(manifest: PluginManifest, version?: string): void {
    for (const entry of manifest) this.register(entry.type, entry.plugin, version);
  }

  register(type: PluginType, plugin: PluginClass, version?: string): PluginInfo {
    return this.#add(
      { type, name: plugin.name, javaClass: plugin.javaClass, aliases: plugin.aliases },
      plugin,
      () => plugin,
      version,
    );
  }

  /**
   * Registers a plugin by its names; `load` gives its class the first time `plugin` is read (a
   * synchronous require of its package), so a worker loads only the plugin packages it uses.
   * `key` identifies the class (the same key for a class listed under two types).
   */
  registerLazy(entry: LazyPluginEntry, key: string, load: () => PluginClass, version?: string): PluginInfo {
    return this.#add(entry, key, load, version);
  }

  #add(
    entry: LazyPluginEntry,
    identity: unknown,
    load: () => PluginClass,
    version: string | undefined,
  ): PluginInfo {
    const { type } = entry;
    const className = entry.javaClass ?? entry.name;
    const names = new Set<string>([className, entry.name, ...(entry.aliases ?? [])]);
    const simple = className.slice(className.lastIndexOf('.') + 1);
    names.add(simple);
    const suffix = ALIAS_SUFFIX[type];
    if (suffix !== undefined && simple.endsWith(suffix) && simple !== suffix) {
      names.add(simple.slice(0, -suffix.length));
    }
    let plugin: PluginClass | undefined;
    const info: PluginInfo = {
      className,
      type,
      version: version ?? this.#defaultVersion,
      names: [...names],
      get plugin(): PluginClass {
        plugin ??= load();
        return plugin;
      },
    };
    this.#identity.set(info, identity);
    this.#plugins.push(info);
    for (const name of names) {
      const list = this.#byName.get(name) ?? [];
      list.push(info);
      this.#byName.set(name, list);
    }
    return info;
  }

  /**
   * The plugin of one of `types` registered under `name`. Throws NotFoundError when there is none
   * and ConfigError when a short name is ambiguous.
   */
  resolve(name: string, types: readonly PluginType[]): PluginInfo {
    const candidates = (this.#byName.get(name.trim()) ?? []).filter((p) => types.includes(p.type));
    const distinct = [...new Set(candidates.map((c) => this.#identity.get(c)))];
    if (distinct.length === 0) {
      throw new NotFoundError(
        `Failed to find any class that implements ${describeTypes(types)} and which name matches ${name}.${missingPluginHint(this, name, types)}`,
      );
    }
    if (distinct.length > 1) {
      const classes = [...new Set(candidates.map((c) => c.className))].join(', ');
      throw new ConfigError(`More than one plugin matches ${name}: ${classes}; use the full class name`);
    }
    return candidates[0]!;
  }

  /** Like {@link resolve}, or undefined when nothing matches. */
  find(name: string, types: readonly PluginType[]): PluginInfo | undefined {
    try {
      return this.resolve(name, types);
    } catch {
      return undefined;
    }
  }

  /**
   * Plugins of the given types in REST listing order (by type, then class name); by default the
   * types `GET /connector-plugins?connectorsOnly=false` lists (every type but config providers).
   */
  list(types: readonly PluginType[] = LISTED_TYPES): PluginInfo[] {
    return this.#plugins
      .filter((p) => types.includes(p.type))
      .sort(
        (a, b) =>
          TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || a.className.localeCompare(b.className),
      );
  }
}

function describeTypes(types: readonly PluginType[]): string {
  const names: Record<PluginType, string> = {
    source: 'SourceConnector',
    sink: 'SinkConnector',
    converter: 'Converter',
    header_converter: 'HeaderConverter',
    transformation: 'Transformation',
    predicate: 'Predicate',
    configprovider: 'ConfigProvider',
  };
  return types.map((t) => names[t]).join(' or ');
}
