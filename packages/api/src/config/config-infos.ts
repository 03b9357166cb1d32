/**
 * The Connect REST API's configuration entities (`ConfigKeyInfo`, `ConfigValueInfo`, `ConfigInfo`,
 * `ConfigInfos`) and the functions that build them from a {@link ConfigDef} and validation results, as
 * Kafka's `AbstractHerder` does for `GET /connector-plugins/{p}/config` and
 * `PUT /connector-plugins/{p}/config/validate`. Field names are the exact JSON names.
 */

import type { ConfigDef, ConfigKey } from './config-def.ts';
import { ConfigValue } from './config-value.ts';
import { convertToString } from './parse.ts';
import type { ConfigType, Importance, Width } from './types.ts';

/** One key's definition as the REST API shows it. */
export interface ConfigKeyInfo {
  name: string;
  type: ConfigType;
  /** True iff the key has no default (then `default_value` is `null`). */
  required: boolean;
  /** The default as a string (lists comma-joined, passwords `[hidden]`, doubles like `1.0`), or `null`. */
  default_value: string | null;
  importance: Importance;
  documentation: string;
  group: string | null;
  /** The order in the group; -1 when unset. */
  order: number;
  width: Width;
  display_name: string | null;
  dependents: string[];
}

/** One key's validation result as the REST API shows it. */
export interface ConfigValueInfo {
  name: string;
  /** The parsed value as a string (passwords `[hidden]`), or `null`. */
  value: string | null;
  /** Recommended values as strings (`null` only if a recommender returned `null`). */
  recommended_values: (string | null)[];
  errors: string[];
  visible: boolean;
}

/** A key's definition (`null` for a key no definition knows) and validation result. */
export interface ConfigInfo {
  definition: ConfigKeyInfo | null;
  value: ConfigValueInfo | null;
}

/** The body of a validate response. */
export interface ConfigInfos {
  /** The connector class as given in the request (or `""` for partial results). */
  name: string;
  error_count: number;
  groups: string[];
  configs: ConfigInfo[];
}

/** The message Kafka records for a key whose supplied value is `null`. */
export const NULL_VALUE_MESSAGE = 'Null value can not be supplied as the configuration value.';

/** A key's REST definition (`AbstractHerder.convertConfigKey`); `prefix` is prepended to the name. */
export function toConfigKeyInfo(key: ConfigKey, prefix = ''): ConfigKeyInfo {
  const required = !key.hasDefault();
  return {
    name: prefix + key.name,
    type: key.type,
    required,
    default_value: required ? null : convertToString(key.defaultValue, key.type),
    importance: key.importance,
    documentation: key.documentation,
    group: key.group,
    order: key.orderInGroup,
    width: key.width,
    display_name: key.displayName,
    dependents: [...key.dependents],
  };
}

/**
 * A validation result in REST form (`AbstractHerder.convertConfigValue`): the value and recommended
 * values as strings of `type` (`null` ⇒ Java `toString()`), passwords hidden.
 */
export function toConfigValueInfo(value: ConfigValue, type: ConfigType | null): ConfigValueInfo {
  const recommendedType: ConfigType | null = type === 'LIST' ? 'STRING' : type;
  return {
    name: value.name,
    value: convertToString(value.value, type),
    recommended_values: value.recommendedValues.map((v) => convertToString(v, recommendedType)),
    errors: [...value.errorMessages],
    visible: value.visible,
  };
}

function keyMap(
  configKeys: ReadonlyMap<string, ConfigKey> | Iterable<ConfigKey>,
): ReadonlyMap<string, ConfigKey> {
  if (configKeys instanceof Map) return configKeys;
  return new Map([...(configKeys as Iterable<ConfigKey>)].map((k) => [k.name, k]));
}

/**
 * Builds a validate response (`AbstractHerder.generateResult`): first the values of keys that have no
 * definition (`definition: null`, value printed as is), then every defined key in order with its value
 * (`value: null` when no result was given for it). `error_count` is the total number of messages.
 */
export function generateConfigInfos(
  name: string,
  configKeys: ReadonlyMap<string, ConfigKey> | Iterable<ConfigKey>,
  configValues: Iterable<ConfigValue>,
  groups: readonly string[],
): ConfigInfos {
  const keys = keyMap(configKeys);
  const configs: ConfigInfo[] = [];
  const byName = new Map<string, ConfigValue>();
  let errorCount = 0;
  for (const value of configValues) {
    byName.set(value.name, value);
    if (!keys.has(value.name)) {
      configs.push({ definition: null, value: toConfigValueInfo(value, null) });
      errorCount += value.errorMessages.length;
    }
  }
  for (const [keyName, key] of keys) {
    const value = byName.get(keyName);
    if (value !== undefined) errorCount += value.errorMessages.length;
    configs.push({
      definition: toConfigKeyInfo(key),
      value: value === undefined ? null : toConfigValueInfo(value, key.type),
    });
  }
  return { name, error_count: errorCount, groups: [...groups], configs };
}

/**
 * A partial response for prefixed keys such as `producer.override.*` or `key.converter.*`
 * (`AbstractHerder.prefixedConfigInfos`): one entry per value, names prefixed, `name` `""`, groups of
 * the keys met; `error_count` counts keys with errors.
 */
export function prefixedConfigInfos(
  configKeys: ReadonlyMap<string, ConfigKey> | Iterable<ConfigKey>,
  configValues: Iterable<ConfigValue>,
  prefix: string,
): ConfigInfos {
  const keys = keyMap(configKeys);
  const groups: string[] = [];
  const configs: ConfigInfo[] = [];
  let errorCount = 0;
  for (const validated of configValues) {
    const key = keys.get(validated.name);
    if (key?.group != null && !groups.includes(key.group)) groups.push(key.group);
    const value = new ConfigValue(
      prefix + validated.name,
      validated.value,
      validated.recommendedValues,
      validated.errorMessages,
    );
    if (value.errorMessages.length > 0) errorCount++;
    configs.push({
      definition: key === undefined ? null : toConfigKeyInfo(key, prefix),
      value: toConfigValueInfo(value, key?.type ?? null),
    });
  }
  return { name: '', error_count: errorCount, groups, configs };
}

/** Concatenates partial responses (`AbstractHerder.mergeConfigInfos`): counts summed, groups de-duplicated. */
export function mergeConfigInfos(name: string, ...parts: (ConfigInfos | null | undefined)[]): ConfigInfos {
  const groups: string[] = [];
  const configs: ConfigInfo[] = [];
  let errorCount = 0;
  for (const part of parts) {
    if (part === null || part === undefined) continue;
    errorCount += part.error_count;
    configs.push(...part.configs);
    for (const g of part.groups) if (!groups.includes(g)) groups.push(g);
  }
  return { name, error_count: errorCount, groups, configs };
}

/** Options of {@link validateToConfigInfos}. */
export interface ValidateToConfigInfosOptions {
  /** The response's `name`: the connector class as given. */
  name: string;
  /**
   * Also list supplied keys that `def` does not define, with `definition: null` and the raw value.
   * Default false: Kafka lists only keys some ConfigDef (or the connector's `validate()`) reports.
   */
  includeUndefinedKeys?: boolean;
}

/**
 * Validates `props` against one definition and renders the response: {@link ConfigDef.validateAll},
 * plus Kafka's {@link NULL_VALUE_MESSAGE} for every key supplied as `null`, then
 * {@link generateConfigInfos} with the definition's keys and groups.
 */
export function validateToConfigInfos(
  def: ConfigDef,
  props: Readonly<Record<string, unknown>>,
  options: ValidateToConfigInfosOptions,
): ConfigInfos {
  const values = def.validateAll(props);
  for (const [key, raw] of Object.entries(props)) {
    if (raw === null) {
      let value = values.get(key);
      if (value === undefined) {
        value = new ConfigValue(key);
        values.set(key, value);
      }
      value.addErrorMessage(NULL_VALUE_MESSAGE);
    } else if (raw !== undefined && options.includeUndefinedKeys === true && !values.has(key)) {
      values.set(key, new ConfigValue(key, raw));
    }
  }
  return generateConfigInfos(options.name, def.configKeys(), values.values(), def.groups());
}
