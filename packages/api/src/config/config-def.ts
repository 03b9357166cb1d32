/**
 * `ConfigDef`: the one declaration of a plugin's configuration (Kafka's
 * `org.apache.kafka.common.config.ConfigDef`). It parses string configs into typed values, validates
 * them for `PUT /connector-plugins/{plugin}/config/validate`, knows which keys are secrets and
 * renders the reference documentation.
 */

import { ConfigError } from '../errors.ts';
import { ConfigValue } from './config-value.ts';
import { configKeysToMarkdown } from './docs.ts';
import { convertToString, convertToStringMapWithPasswordValues, parseType } from './parse.ts';
import type { ParsedValue } from './types.ts';
import { ConfigType, Importance, NO_DEFAULT_VALUE, Width } from './types.ts';
import type { Validator } from './validators.ts';
import {
  CaseInsensitiveValidString,
  CompositeValidator,
  LambdaValidator,
  ListSize,
  NonEmptyString,
  NonEmptyStringWithoutControlChars,
  NonNullValidator,
  Range,
  ValidList,
  ValidString,
} from './validators.ts';

/** Parsed values by configuration name, as seen by a {@link Recommender}. */
export type ParsedConfig = Readonly<Record<string, ParsedValue>>;

/**
 * Suggests values and decides visibility of a key from the other keys' parsed values
 * (`ConfigDef.Recommender`), used by {@link ConfigDef.validate}.
 */
export interface Recommender {
  /** The valid values for `name`, typed like the key's values. */
  validValues(name: string, parsedConfig: ParsedConfig): unknown[];
  /** Whether `name` should be shown. */
  visible(name: string, parsedConfig: ParsedConfig): boolean;
}

/** Everything that defines one configuration key; see {@link ConfigDef.define}. */
export interface ConfigKeyOptions {
  /** The key, e.g. `tasks.max`. */
  name: string;
  type: ConfigType;
  /**
   * The default, as a string or an already typed value; it is parsed and validated when defined.
   * Omit it (or pass {@link NO_DEFAULT_VALUE}) for a required key; `null` is a real default.
   */
  defaultValue?: unknown;
  validator?: Validator | null;
  importance: Importance;
  documentation: string;
  /** The group, for UIs and documentation; `null` (default) for none. */
  group?: string | null;
  /** The position within the group; default -1. */
  orderInGroup?: number;
  /** Default `NONE`. */
  width?: Width;
  /** Default: the name. */
  displayName?: string | null;
  /** Keys whose recommendations depend on this key's value. */
  dependents?: readonly string[];
  recommender?: Recommender | null;
  /** Internal keys are left out of documentation. Default false. */
  internalConfig?: boolean;
  /** Text shown as the default in documentation instead of the default value. */
  alternativeString?: string | null;
}

/** One defined configuration key (`ConfigDef.ConfigKey`); immutable. */
export class ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  /** The parsed default value, or {@link NO_DEFAULT_VALUE} for a required key. */
  readonly defaultValue: ParsedValue | typeof NO_DEFAULT_VALUE;
  readonly validator: Validator | null;
  readonly importance: Importance;
  readonly documentation: string;
  readonly group: string | null;
  readonly orderInGroup: number;
  readonly width: Width;
  readonly displayName: string | null;
  readonly dependents: readonly string[];
  readonly recommender: Recommender | null;
  readonly internalConfig: boolean;
  readonly alternativeString: string | null;

  /**
   * Parses the default to the key's type and runs the validator on it.
   * @throws ConfigError when the default is not a valid value
   */
  constructor(options: ConfigKeyOptions) {
    const hasDefault = options.defaultValue !== undefined && options.defaultValue !== NO_DEFAULT_VALUE;
    this.name = options.name;
    this.type = options.type;
    this.defaultValue = hasDefault
      ? parseType(options.name, options.defaultValue, options.type)
      : NO_DEFAULT_VALUE;
    this.validator = options.validator ?? null;
    this.importance = options.importance;
    if (this.validator !== null && hasDefault) this.validator.ensureValid(this.name, this.defaultValue);
    this.documentation = options.documentation;
    this.group = options.group ?? null;
    this.orderInGroup = options.orderInGroup ?? -1;
    this.width = options.width ?? 'NONE';
    this.displayName = options.displayName === undefined ? options.name : options.displayName;
    this.dependents = Object.freeze([...(options.dependents ?? [])]);
    this.recommender = options.recommender ?? null;
    this.internalConfig = options.internalConfig ?? false;
    this.alternativeString = options.alternativeString ?? null;
  }

  /** False for a required key. */
  hasDefault(): boolean {
    return this.defaultValue !== NO_DEFAULT_VALUE;
  }
}

function isSet(props: Readonly<Record<string, unknown>>, name: string): boolean {
  return Object.hasOwn(props, name) && props[name] !== undefined;
}

function missingRequired(name: string): ConfigError {
  return new ConfigError(`Missing required configuration "${name}" which has no default value.`, {
    key: name,
  });
}

const IMPORTANCE_ORDER: Record<Importance, number> = { HIGH: 0, MEDIUM: 1, LOW: 2 };

/**
 * The set of configuration keys of a plugin (or worker), in definition order.
 *
 * ```ts
 * const CONFIG_DEF = new ConfigDef()
 *   .define({ name: 'file', type: 'STRING', importance: 'HIGH', documentation: 'Destination file.' })
 *   .define('batch.size', ConfigDef.Type.INT, 2000, ConfigDef.Range.atLeast(1), 'LOW', 'Records per batch.');
 * const values = CONFIG_DEF.parse({ file: '/tmp/out.txt' }); // { file: '/tmp/out.txt', 'batch.size': 2000 }
 * ```
 *
 * Input maps may hold strings or already typed values; an own property whose value is `undefined` counts
 * as absent, `null` as an explicit null.
 */
export class ConfigDef {
  /** Marks a required key; see {@link NO_DEFAULT_VALUE}. */
  static readonly NO_DEFAULT_VALUE: typeof NO_DEFAULT_VALUE = NO_DEFAULT_VALUE;
  /** The configuration types (`ConfigDef.Type.INT`, ...). */
  static readonly Type = ConfigType;
  /** The importance levels. */
  static readonly Importance = Importance;
  /** The UI widths. */
  static readonly Width = Width;
  /** Kafka's validators, also reachable as nested names (`ConfigDef.Range.atLeast(1)`). */
  static readonly Range = Range;
  static readonly ValidString = ValidString;
  static readonly CaseInsensitiveValidString = CaseInsensitiveValidString;
  static readonly ValidList = ValidList;
  static readonly NonNullValidator = NonNullValidator;
  static readonly NonEmptyString = NonEmptyString;
  static readonly NonEmptyStringWithoutControlChars = NonEmptyStringWithoutControlChars;
  static readonly ListSize = ListSize;
  static readonly CompositeValidator = CompositeValidator;
  static readonly LambdaValidator = LambdaValidator;
  /** See {@link parseType}. */
  static readonly parseType = parseType;
  /** See {@link convertToString}. */
  static readonly convertToString = convertToString;
  /** See {@link convertToStringMapWithPasswordValues}. */
  static readonly convertToStringMapWithPasswordValues = convertToStringMapWithPasswordValues;

  readonly #configKeys: Map<string, ConfigKey>;
  readonly #groups: string[];
  #configsWithNoParent: string[] | null = null;

  /** An empty definition, or a copy of `base` that can be extended without changing it. */
  constructor(base?: ConfigDef) {
    this.#configKeys = base === undefined ? new Map() : new Map(base.#configKeys);
    this.#groups = base === undefined ? [] : [...base.#groups];
  }

  /** The defined names, in definition order. */
  names(): ReadonlySet<string> {
    return new Set(this.#configKeys.keys());
  }

  /** The keys by name, in definition order. */
  configKeys(): ReadonlyMap<string, ConfigKey> {
    return this.#configKeys;
  }

  /** The groups in the order they first appeared. */
  groups(): readonly string[] {
    return this.#groups;
  }

  /** The default of every key that has one. */
  defaultValues(): Record<string, ParsedValue> {
    const entries: [string, ParsedValue][] = [];
    for (const key of this.#configKeys.values()) {
      if (key.defaultValue !== NO_DEFAULT_VALUE) entries.push([key.name, key.defaultValue]);
    }
    return Object.fromEntries(entries);
  }

  /**
   * Defines a key, from an options object, a {@link ConfigKey}, or Kafka's short positional forms
   * `(name, type, importance, doc)` (required), `(name, type, default, importance, doc)` and
   * `(name, type, default, validator, importance, doc)`.
   * @throws ConfigError `Configuration <name> is defined twice.`, or when the default is invalid
   */
  define(options: ConfigKeyOptions | ConfigKey): this;
  define(name: string, type: ConfigType, importance: Importance, documentation: string): this;
  define(
    name: string,
    type: ConfigType,
    defaultValue: unknown,
    importance: Importance,
    documentation: string,
  ): this;
  define(
    name: string,
    type: ConfigType,
    defaultValue: unknown,
    validator: Validator | null,
    importance: Importance,
    documentation: string,
  ): this;
  define(...args: unknown[]): this {
    return this.#add(args[0] instanceof ConfigKey ? args[0] : new ConfigKey(positional(args)));
  }

  /**
   * Defines an internal key: parsed like any other but left out of documentation. Its group is `""`
   * and its documentation defaults to `""`, as in Kafka.
   */
  defineInternal(
    options: Omit<ConfigKeyOptions, 'internalConfig' | 'documentation'> & { documentation?: string },
  ): this;
  defineInternal(name: string, type: ConfigType, defaultValue: unknown, importance: Importance): this;
  defineInternal(
    name: string,
    type: ConfigType,
    defaultValue: unknown,
    validator: Validator | null,
    importance: Importance,
    documentation: string,
  ): this;
  defineInternal(...args: unknown[]): this {
    let options: ConfigKeyOptions;
    if (typeof args[0] === 'object' && args[0] !== null) {
      const o = args[0] as Omit<ConfigKeyOptions, 'internalConfig' | 'documentation'> & {
        documentation?: string;
      };
      options = { group: '', ...o, documentation: o.documentation ?? '' };
    } else if (args.length === 4) {
      const [name, type, defaultValue, importance] = args as [string, ConfigType, unknown, Importance];
      options = { name, type, defaultValue, importance, documentation: '', group: '' };
    } else {
      const [name, type, defaultValue, validator, importance, documentation] = args as [
        string,
        ConfigType,
        unknown,
        Validator | null,
        Importance,
        string,
      ];
      options = { name, type, defaultValue, validator, importance, documentation, group: '' };
    }
    return this.#add(new ConfigKey({ ...options, internalConfig: true }));
  }

  #add(key: ConfigKey): this {
    if (this.#configKeys.has(key.name))
      throw new ConfigError(`Configuration ${key.name} is defined twice.`, { key: key.name });
    if (key.group !== null && !this.#groups.includes(key.group)) this.#groups.push(key.group);
    this.#configKeys.set(key.name, key);
    this.#configsWithNoParent = null;
    return this;
  }

  /**
   * Parses and validates `props` (strings or typed values): every defined key gets its parsed value or
   * its default. Keys not defined here are ignored.
   * @throws ConfigError for the first invalid value, or `Missing required configuration "<name>" which has no default value.`
   */
  parse(props: Readonly<Record<string, unknown>>): Record<string, ParsedValue> {
    const undefinedKeys = this.#undefinedDependentConfigs();
    if (undefinedKeys.length > 0) {
      throw new ConfigError(
        `Some configurations in are referred in the dependents, but not defined: ${undefinedKeys.join(',')}`,
      );
    }
    const entries: [string, ParsedValue][] = [];
    for (const key of this.#configKeys.values()) {
      entries.push([key.name, this.parseValue(key, props[key.name], isSet(props, key.name))]);
    }
    return Object.fromEntries(entries);
  }

  /**
   * Parses one value of `key` (its default when `isSet` is false) and runs its validator.
   * @throws ConfigError as {@link ConfigDef.parse}
   */
  parseValue(key: ConfigKey, value: unknown, isSet: boolean): ParsedValue {
    let parsed: ParsedValue;
    if (isSet) parsed = parseType(key.name, value, key.type);
    else if (key.defaultValue === NO_DEFAULT_VALUE) throw missingRequired(key.name);
    else parsed = key.defaultValue;
    key.validator?.ensureValid(key.name, parsed);
    return parsed;
  }

  /**
   * Validates `props` without throwing (`ConfigDef.validate`): one {@link ConfigValue} per defined key,
   * in definition order, then one per dependent that is referred to but not defined.
   */
  validate(props: Readonly<Record<string, unknown>>): ConfigValue[] {
    return [...this.validateAll(props).values()];
  }

  /**
   * As {@link ConfigDef.validate}, by name (`ConfigDef.validateAll`). For each key: a parse failure or a
   * missing required key records Kafka's message and leaves the value `null`; the validator then runs
   * (also on `null`) and may add its message; recommenders set recommended values and visibility.
   * Keys are visited from those that are nobody's dependent, then through their dependents, as in Kafka
   * (a key listed as dependent of two keys is visited twice).
   */
  validateAll(props: Readonly<Record<string, unknown>>): Map<string, ConfigValue> {
    const configValues = new Map<string, ConfigValue>();
    for (const name of this.#configKeys.keys()) configValues.set(name, new ConfigValue(name));
    for (const name of this.#undefinedDependentConfigs()) {
      const value = new ConfigValue(name);
      value.addErrorMessage(`${name} is referred in the dependents, but not defined.`);
      value.visible = false;
      configValues.set(name, value);
    }
    const parsed: Record<string, ParsedValue> = Object.create(null);
    const roots = this.#getConfigsWithNoParent();
    for (const name of roots) this.#parseForValidate(name, props, parsed, configValues);
    for (const name of roots) this.#recommend(name, parsed, configValues);
    return configValues;
  }

  #parseForValidate(
    name: string,
    props: Readonly<Record<string, unknown>>,
    parsed: Record<string, ParsedValue>,
    configValues: Map<string, ConfigValue>,
  ): void {
    const key = this.#configKeys.get(name);
    const config = configValues.get(name);
    if (key === undefined || config === undefined) return;
    let value: ParsedValue = null;
    if (isSet(props, name)) {
      try {
        value = parseType(name, props[name], key.type);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        config.addErrorMessage(e.message);
      }
    } else if (key.defaultValue === NO_DEFAULT_VALUE) {
      config.addErrorMessage(missingRequired(name).message);
    } else {
      value = key.defaultValue;
    }
    if (key.validator !== null) {
      try {
        key.validator.ensureValid(name, value);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        config.addErrorMessage(e.message);
      }
    }
    config.value = value;
    parsed[name] = value;
    for (const dependent of key.dependents) this.#parseForValidate(dependent, props, parsed, configValues);
  }

  #recommend(name: string, parsed: ParsedConfig, configValues: Map<string, ConfigValue>): void {
    const key = this.#configKeys.get(name);
    const config = configValues.get(name);
    if (key === undefined || config === undefined) return;
    if (key.recommender !== null) {
      try {
        let recommended = [...key.recommender.validValues(name, parsed)];
        if (config.recommendedValues.length > 0) {
          const previous = new Set(config.recommendedValues);
          recommended = recommended.filter((v) => previous.has(v));
        }
        config.recommendedValues = recommended;
        config.visible = key.recommender.visible(name, parsed);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        config.addErrorMessage(e.message);
      }
    }
    for (const dependent of key.dependents) this.#recommend(dependent, parsed, configValues);
  }

  #undefinedDependentConfigs(): string[] {
    const undefinedKeys = new Set<string>();
    for (const key of this.#configKeys.values()) {
      for (const dependent of key.dependents) {
        if (!this.#configKeys.has(dependent)) undefinedKeys.add(dependent);
      }
    }
    return [...undefinedKeys];
  }

  #getConfigsWithNoParent(): string[] {
    if (this.#configsWithNoParent === null) {
      const withParent = new Set<string>();
      for (const key of this.#configKeys.values()) for (const d of key.dependents) withParent.add(d);
      this.#configsWithNoParent = [...this.#configKeys.keys()].filter((name) => !withParent.has(name));
    }
    return this.#configsWithNoParent;
  }

  /**
   * Adds every key of `child` under `keyPrefix` (`ConfigDef.embed`), in the child's documentation order:
   * groups become `groupPrefix` or `groupPrefix: <group>`, orders count up from `startingOrd`, and
   * validators and recommenders see the unprefixed names.
   */
  embed(keyPrefix: string, groupPrefix: string, startingOrd: number, child: ConfigDef): this {
    let orderInGroup = startingOrd;
    for (const key of child.sortedConfigs()) {
      this.#add(
        new ConfigKey({
          name: keyPrefix + key.name,
          type: key.type,
          defaultValue: key.defaultValue,
          validator: embeddedValidator(keyPrefix, key.validator),
          importance: key.importance,
          documentation: key.documentation,
          group: groupPrefix + (key.group === null ? '' : `: ${key.group}`),
          orderInGroup: orderInGroup++,
          width: key.width,
          displayName: key.displayName,
          dependents: key.dependents.map((d) => keyPrefix + d),
          recommender: embeddedRecommender(keyPrefix, key.recommender),
          internalConfig: key.internalConfig,
          alternativeString: key.alternativeString,
        }),
      );
    }
    return this;
  }

  /**
   * The keys in documentation order (Kafka's `sortedConfigs`): ungrouped first, then by group order,
   * order in group, required before optional, importance, and name.
   */
  sortedConfigs(): ConfigKey[] {
    const groupOrder = new Map(this.#groups.map((g, i) => [g, i]));
    return [...this.#configKeys.values()].sort((a, b) => {
      let cmp: number;
      if (a.group === null) cmp = b.group === null ? 0 : -1;
      else if (b.group === null) cmp = 1;
      else cmp = (groupOrder.get(a.group) ?? 0) - (groupOrder.get(b.group) ?? 0);
      if (cmp !== 0) return cmp;
      cmp = a.orderInGroup - b.orderInGroup;
      if (cmp !== 0) return cmp;
      if (!a.hasDefault() && b.hasDefault()) return -1;
      if (!b.hasDefault() && a.hasDefault()) return 1;
      cmp = IMPORTANCE_ORDER[a.importance] - IMPORTANCE_ORDER[b.importance];
      if (cmp !== 0) return cmp;
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    });
  }

  /**
   * A Markdown table of the non-internal keys in documentation order, with Kafka's columns
   * Name, Description, Type, Default, Valid Values, Importance.
   */
  toMarkdown(): string {
    return configKeysToMarkdown(this.sortedConfigs());
  }
}

function positional(args: unknown[]): ConfigKeyOptions {
  if (args.length === 1) return args[0] as ConfigKeyOptions;
  if (args.length === 4) {
    const [name, type, importance, documentation] = args as [string, ConfigType, Importance, string];
    return { name, type, importance, documentation };
  }
  if (args.length === 5) {
    const [name, type, defaultValue, importance, documentation] = args as [
      string,
      ConfigType,
      unknown,
      Importance,
      string,
    ];
    return { name, type, defaultValue, importance, documentation };
  }
  if (args.length === 6) {
    const [name, type, defaultValue, validator, importance, documentation] = args as [
      string,
      ConfigType,
      unknown,
      Validator | null,
      Importance,
      string,
    ];
    return { name, type, defaultValue, validator, importance, documentation };
  }
  throw new TypeError(`ConfigDef.define: unsupported argument list of length ${args.length}`);
}

function embeddedValidator(prefix: string, base: Validator | null): Validator | null {
  if (base === null) return null;
  return {
    ensureValid: (name, value) => base.ensureValid(name.slice(prefix.length), value),
    toString: () => String(base),
  };
}

function embeddedRecommender(prefix: string, base: Recommender | null): Recommender | null {
  if (base === null) return null;
  const unprefixed = (parsed: ParsedConfig): ParsedConfig => {
    const out: Record<string, ParsedValue> = Object.create(null);
    for (const [k, v] of Object.entries(parsed)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  };
  return {
    validValues: (name, parsed) => base.validValues(name.slice(prefix.length), unprefixed(parsed)),
    visible: (name, parsed) => base.visible(name.slice(prefix.length), unprefixed(parsed)),
  };
}
