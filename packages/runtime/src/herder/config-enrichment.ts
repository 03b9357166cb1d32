/**
 * What `PUT /connector-plugins/{p}/config/validate` adds to the connector's and the framework's
 * keys, as Kafka Connect 4.1 answers (recorded in `test/rest/goldens/`):
 *
 * - the plugin versions (KIP-891): `connector.plugin.version` and `<kind>.converter.plugin.version`
 *   default to the version of the plugin that will run, which is also their only recommended value;
 * - `key.converter` / `value.converter` / `header.converter` default to the worker's converters and
 *   recommend every installed converter class;
 * - every `transforms` alias gets a group `Transforms: <alias>` with its `type`, `plugin.version`,
 *   the transformation's own keys, `negate` and `predicate`; every `predicates` alias likewise
 *   (`Predicates: <alias>`, without `negate`/`predicate`); the alias's own keys follow its `type` and
 *   `plugin.version` in documentation order (required first, then by importance and name);
 * - a converter class set in the connector config adds that converter's own keys under
 *   `<kind>.converter.` (with `converter.type` set to the kind), its groups after the others.
 */
import {
  ConfigDef,
  ConfigKey,
  type ConfigKeyOptions,
  ConfigValue,
  javaHashMapOrder,
  type PluginType,
} from '@sluice/api';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';

/** Java's `String.compareTo` order (UTF-16 code units), which Kafka's class lists are sorted in. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const SIMPLE_HEADER_CONVERTER = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';

/** The class names of the installed plugins of `types`, sorted, each once. */
export function pluginClassNames(plugins: PluginRegistry, types: readonly PluginType[]): string[] {
  return [...new Set(plugins.list(types).map((p) => p.className))].sort(byCodeUnit);
}

/**
 * The error for a `*.plugin.version` value the installed plugin does not satisfy (Kafka's message),
 * or undefined. Sluice installs one version of each plugin; the value is a version (an exact
 * requirement, as Kafka reads it) or a Maven range such as `[1.0,2.0)`.
 */
export function pluginVersionError(
  className: string,
  requested: string | null | undefined,
  available: string | null,
): string | undefined {
  if (requested === undefined || requested === null || requested.trim() === '') return undefined;
  const text = requested.trim();
  const range = /^[[(]/.test(text) ? text : `[${text},${text}]`;
  if (available !== null && inRange(available, range)) return undefined;
  return `Plugin ${className} not found that matches the version range ${range}, available versions: [${available ?? ''}]`;
}

/** Maven's version order, enough for plugin versions: numeric parts as numbers, the rest as text. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = /^\d+$/.test(x) ? Number(x) : Number.NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : Number.NaN;
    const cmp = Number.isNaN(nx) || Number.isNaN(ny) ? (x < y ? -1 : x > y ? 1 : 0) : nx - ny;
    if (cmp !== 0) return cmp;
  }
  return 0;
}

/** Whether `version` lies in a Maven range (`[a,b]`, `[a,b)`, `(a,]`, `[a]`, ...; comma-separated unions). */
function inRange(version: string, range: string): boolean {
  const parts = range.match(/[[(][^\])]*[\])]/g);
  if (parts === null) return false;
  return parts.some((part) => {
    const lowerInclusive = part.startsWith('[');
    const upperInclusive = part.endsWith(']');
    const inner = part.slice(1, -1);
    if (!inner.includes(',')) return compareVersions(version, inner.trim()) === 0;
    const [lower = '', upper = ''] = inner.split(',').map((s) => s.trim());
    if (lower !== '') {
      const c = compareVersions(version, lower);
      if (c < 0 || (c === 0 && !lowerInclusive)) return false;
    }
    if (upper !== '') {
      const c = compareVersions(version, upper);
      if (c > 0 || (c === 0 && !upperInclusive)) return false;
    }
    return true;
  });
}

/** `key` with another default value (and optionally another name). */
export function withDefault(key: ConfigKey, defaultValue: string | null, name = key.name): ConfigKey {
  return new ConfigKey({ ...keyOptions(key), name, defaultValue });
}

function keyOptions(key: ConfigKey): ConfigKeyOptions {
  return {
    name: key.name,
    type: key.type,
    defaultValue: key.defaultValue,
    validator: key.validator,
    importance: key.importance,
    documentation: key.documentation,
    group: key.group,
    orderInGroup: key.orderInGroup,
    width: key.width,
    displayName: key.displayName,
    dependents: key.dependents,
    recommender: key.recommender,
    internalConfig: key.internalConfig,
    alternativeString: key.alternativeString,
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function withPrefix(config: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Keys, their validated values and their groups, to add to a validate answer. */
export interface Enrichment {
  keys: Map<string, ConfigKey>;
  values: Map<string, ConfigValue>;
  groups: string[];
}

const ALIAS_KINDS = [
  { list: 'transforms', group: 'Transforms', noun: 'transformation', type: 'transformation' },
  { list: 'predicates', group: 'Predicates', noun: 'predicate', type: 'predicate' },
] as const;

/** The `Transforms: <alias>` and `Predicates: <alias>` groups of `config`. */
export function enrichTransformsAndPredicates(
  plugins: PluginRegistry,
  config: Readonly<Record<string, string>>,
): Enrichment {
  const def = new ConfigDef();
  const groups: string[] = [];
  const typeKeys: { key: string; kind: PluginType; found: boolean; className: string | undefined }[] = [];
  for (const kind of ALIAS_KINDS) {
    const Noun = kind.noun[0]!.toUpperCase() + kind.noun.slice(1);
    for (const alias of list(config[kind.list])) {
      const prefix = `${kind.list}.${alias}.`;
      if (def.configKeys().has(`${prefix}type`)) continue; // a repeated alias (reported elsewhere)
      const group = `${kind.group}: ${alias}`;
      groups.push(group);
      const className = config[`${prefix}type`];
      const info =
        className === undefined || className.trim() === ''
          ? undefined
          : plugins.find(className.trim(), [kind.type]);
      def.define({
        name: `${prefix}type`,
        type: 'CLASS',
        importance: 'HIGH',
        documentation: `Class for the '${alias}' ${kind.noun}.`,
        group,
        orderInGroup: 0,
        width: 'LONG',
        displayName: `${Noun} type for ${alias}`,
      });
      typeKeys.push({
        key: `${prefix}type`,
        kind: kind.type,
        found: info !== undefined,
        className: info?.className,
      });
      def.define({
        name: `${prefix}plugin.version`,
        type: 'STRING',
        defaultValue: info?.version ?? null,
        importance: 'HIGH',
        documentation: `Version of the '${alias}' ${kind.noun}.`,
        group,
        orderInGroup: 1,
        width: 'LONG',
        displayName: `${Noun} version for ${alias}`,
      });
      if (info === undefined) continue;
      const child = new ConfigDef();
      const own = (new info.plugin() as { config?: () => ConfigDef }).config?.();
      for (const key of own?.configKeys().values() ?? []) child.define(key);
      if (kind.list === 'transforms') {
        if (!child.configKeys().has('negate'))
          child.define({
            name: 'negate',
            type: 'BOOLEAN',
            defaultValue: false,
            importance: 'MEDIUM',
            documentation: 'Whether the configured predicate should be negated.',
          });
        if (!child.configKeys().has('predicate'))
          child.define({
            name: 'predicate',
            type: 'STRING',
            defaultValue: null,
            importance: 'MEDIUM',
            documentation: 'The alias of a predicate used to determine whether to apply this transformation.',
          });
      }
      def.embed(prefix, group, 2, child);
    }
  }
  const values = def.validateAll(config);
  for (const { key, kind, found, className } of typeKeys) {
    const value = values.get(key)!;
    value.recommendedValues = pluginClassNames(plugins, [kind]);
    // A class that cannot be loaded has no value (Kafka's CLASS parsing fails); the error says why.
    if (!found) value.value = null;
    const versionKey = key.replace(/type$/, 'plugin.version');
    const version = values.get(versionKey)!;
    const installed = def.configKeys().get(versionKey)?.defaultValue;
    version.recommendedValues = typeof installed === 'string' ? [installed] : [];
    const error =
      className === undefined
        ? undefined
        : pluginVersionError(className, config[versionKey], typeof installed === 'string' ? installed : null);
    if (error !== undefined) version.addErrorMessage(error);
  }
  return { keys: new Map(def.configKeys()), values, groups };
}

const CONVERTER_KINDS = [
  { kind: 'key', type: 'converter' },
  { kind: 'value', type: 'converter' },
  { kind: 'header', type: 'header_converter' },
] as const;

/**
 * The framework's converter keys filled from the worker (`frameworkKeys` entries replaced, values
 * updated in `values`), and the connector-level converters' own keys.
 */
export function enrichConverters(
  plugins: PluginRegistry,
  workerProps: Readonly<Record<string, string>>,
  config: Readonly<Record<string, string>>,
  frameworkKeys: Map<string, ConfigKey>,
  values: Map<string, ConfigValue>,
): Enrichment {
  const out: Enrichment = { keys: new Map(), values: new Map(), groups: [] };
  for (const { kind, type } of CONVERTER_KINDS) {
    const classKey = `${kind}.converter`;
    const versionKey = `${classKey}.plugin.version`;
    const worker = workerProps[classKey] ?? (kind === 'header' ? SIMPLE_HEADER_CONVERTER : null);
    const className = config[classKey] ?? worker;
    const info = className === null ? undefined : plugins.find(className.trim(), [type]);
    const version = info?.version ?? null;
    const cls = frameworkKeys.get(classKey);
    if (cls !== undefined) frameworkKeys.set(classKey, withDefault(cls, worker));
    const ver = frameworkKeys.get(versionKey);
    if (ver !== undefined) frameworkKeys.set(versionKey, withDefault(ver, version));
    const clsValue = values.get(classKey) ?? new ConfigValue(classKey);
    values.set(classKey, clsValue);
    if (config[classKey] === undefined) clsValue.value = worker;
    clsValue.recommendedValues = pluginClassNames(plugins, [type]);
    const verValue = values.get(versionKey) ?? new ConfigValue(versionKey);
    values.set(versionKey, verValue);
    if (config[versionKey] === undefined) verValue.value = version;
    verValue.recommendedValues = version === null ? [] : [version];
    const versionError =
      info === undefined ? undefined : pluginVersionError(info.className, config[versionKey], version);
    if (versionError !== undefined && !verValue.errorMessages.includes(versionError))
      verValue.addErrorMessage(versionError);
    if (className !== null && info === undefined) {
      // A class that cannot be loaded has no value, and no version to choose.
      const message = `Invalid value ${className} for configuration ${classKey}: Class ${className} could not be found.`;
      if (!clsValue.errorMessages.includes(message)) clsValue.addErrorMessage(message);
      clsValue.value = null;
      verValue.visible = false;
    }
    // The converter's own keys, when the connector names its converter.
    if (config[classKey] === undefined || info === undefined) continue;
    const own = (new info.plugin() as { config?: () => ConfigDef }).config?.();
    if (own === undefined || own.configKeys().size === 0) continue;
    const prefix = `${classKey}.`;
    const props = { ...withPrefix(config, prefix), 'converter.type': kind };
    const validated = own.validateAll(props);
    // Kafka lists them in the order of the HashMap its validation returns.
    for (const name of javaHashMapOrder([...validated.keys()])) {
      const key = own.configKeys().get(name);
      const value = validated.get(name)!;
      if (key === undefined) continue;
      out.keys.set(prefix + name, new ConfigKey({ ...keyOptions(key), name: prefix + name }));
      const renamed = new ConfigValue(
        prefix + name,
        value.value,
        value.recommendedValues,
        value.errorMessages,
      );
      renamed.visible = value.visible;
      out.values.set(prefix + name, renamed);
    }
    // Groups in the order the listed keys first name them.
    for (const key of out.keys.values()) {
      if (key.name.startsWith(prefix) && key.group !== null && !out.groups.includes(key.group))
        out.groups.push(key.group);
    }
  }
  return out;
}
