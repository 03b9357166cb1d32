/**
 * Typed access to a parsed configuration (Kafka's `org.apache.kafka.common.config.AbstractConfig`).
 */

import { ConfigError } from '../errors.ts';
import type { ConfigDef } from './config-def.ts';
import type { Password } from './password.ts';
import type { ConfigType, ParsedValue } from './types.ts';

/**
 * A configuration parsed against a {@link ConfigDef}: construction parses and validates the originals
 * (throwing {@link ConfigError} like {@link ConfigDef.parse}), then the getters return typed values.
 * Getters return `null` when the value is `null` (e.g. a `null` default), as Kafka's do.
 *
 * ```ts
 * class FileSinkConfig extends AbstractConfig {
 *   constructor(props: Record<string, string>) { super(CONFIG_DEF, props); }
 *   get file(): string { return this.getString('file')!; }
 * }
 * ```
 */
export class AbstractConfig {
  readonly #definition: ConfigDef;
  readonly #originals: Readonly<Record<string, unknown>>;
  readonly #values: Map<string, ParsedValue>;
  readonly #used = new Set<string>();

  /**
   * @param definition the keys
   * @param originals the supplied configuration (strings or typed values); copied
   * @throws ConfigError when a value is invalid or a required key is missing
   */
  constructor(definition: ConfigDef, originals: Readonly<Record<string, unknown>>) {
    this.#definition = definition;
    this.#originals = Object.freeze(Object.fromEntries(Object.entries(originals)));
    const parsed = definition.parse(this.#originals);
    const updates = this.postProcessParsedConfig(Object.freeze({ ...parsed }));
    const merged = Object.fromEntries([...Object.entries(parsed), ...Object.entries(updates)]);
    this.#values = new Map(Object.entries(definition.parse(merged)));
  }

  /**
   * Called once after parsing to set "secondary defaults" that depend on other values; the returned
   * updates are applied and validated. Override it in a subclass; it must not rely on subclass fields.
   */
  protected postProcessParsedConfig(
    _parsedValues: Readonly<Record<string, ParsedValue>>,
  ): Record<string, ParsedValue> {
    return {};
  }

  /** The definition this configuration was parsed with. */
  definition(): ConfigDef {
    return this.#definition;
  }

  /**
   * The parsed value of `key`, marking it used.
   * @throws ConfigError `Unknown configuration '<key>'` for a key the definition lacks
   */
  get(key: string): ParsedValue {
    if (!this.#values.has(key)) throw new ConfigError(`Unknown configuration '${key}'`, { key });
    this.#used.add(key);
    return this.#values.get(key) ?? null;
  }

  #typed(key: string, expected: readonly ConfigType[]): ParsedValue {
    const value = this.get(key);
    const type = this.typeOf(key);
    if (type !== null && !expected.includes(type)) {
      throw new ConfigError(`Configuration '${key}' is of type ${type}, not ${expected.join(' or ')}`, {
        key,
      });
    }
    return value;
  }

  /** An `INT` value. */
  getInt(key: string): number | null {
    return this.#typed(key, ['INT']) as number | null;
  }

  /** A `SHORT` value. */
  getShort(key: string): number | null {
    return this.#typed(key, ['SHORT']) as number | null;
  }

  /** A `LONG` value: a number when it is a safe integer, else a bigint. */
  getLong(key: string): number | bigint | null {
    return this.#typed(key, ['LONG']) as number | bigint | null;
  }

  /** A `DOUBLE` value. */
  getDouble(key: string): number | null {
    return this.#typed(key, ['DOUBLE']) as number | null;
  }

  /** A `BOOLEAN` value. */
  getBoolean(key: string): boolean | null {
    return this.#typed(key, ['BOOLEAN']) as boolean | null;
  }

  /** A `STRING` value (trimmed). */
  getString(key: string): string | null {
    return this.#typed(key, ['STRING']) as string | null;
  }

  /** A `LIST` value. */
  getList(key: string): readonly string[] | null {
    return this.#typed(key, ['LIST']) as readonly string[] | null;
  }

  /** A `PASSWORD` value; call `.value()` for the secret. */
  getPassword(key: string): Password | null {
    return this.#typed(key, ['PASSWORD']) as Password | null;
  }

  /** A `CLASS` value: the class name (Kafka's `getClass`). */
  getClassName(key: string): string | null {
    return this.#typed(key, ['CLASS']) as string | null;
  }

  /** The type of `key`, or `null` when it is not defined. */
  typeOf(key: string): ConfigType | null {
    return this.#definition.configKeys().get(key)?.type ?? null;
  }

  /** The documentation of `key`, or `null` when it is not defined. */
  documentationOf(key: string): string | null {
    return this.#definition.configKeys().get(key)?.documentation ?? null;
  }

  /** Marks `key` as used without reading it. */
  ignore(key: string): void {
    this.#used.add(key);
  }

  /** Supplied keys that were never read through a getter nor ignored. */
  unused(): Set<string> {
    return new Set(Object.keys(this.#originals).filter((k) => !this.#used.has(k)));
  }

  /** A copy of the supplied configuration, with `overrides` applied when given. */
  originals(overrides?: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return Object.fromEntries([...Object.entries(this.#originals), ...Object.entries(overrides ?? {})]);
  }

  /**
   * The supplied configuration as strings.
   * @throws TypeError when a supplied value is not a string
   */
  originalsStrings(): Record<string, string> {
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries(this.#originals)) {
      if (typeof v !== 'string') {
        throw new TypeError(
          `Non-string value found in original settings for key ${k}: ${v === null ? null : typeof v}`,
        );
      }
      entries.push([k, v]);
    }
    return Object.fromEntries(entries);
  }

  /**
   * The supplied entries whose key starts with `prefix` (and is longer than it), with the prefix
   * removed unless `strip` is false; e.g. `originalsWithPrefix('producer.override.')`.
   */
  originalsWithPrefix(prefix: string, strip = true): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    for (const [k, v] of Object.entries(this.#originals)) {
      if (k.startsWith(prefix) && k.length > prefix.length)
        entries.push([strip ? k.slice(prefix.length) : k, v]);
    }
    return Object.fromEntries(entries);
  }

  /**
   * All parsed values, where supplied `prefix`ed keys override their unprefixed key (parsed with that
   * key's definition). A prefixed key `prefix + "<x>.<key>"` whose `<key>` is defined is added as
   * `"<x>.<key>"` (Kafka's per-mechanism form).
   */
  valuesWithPrefixOverride(prefix: string): Record<string, unknown> {
    const result = new Map<string, unknown>(this.#values);
    const keys = this.#definition.configKeys();
    for (const [k, v] of Object.entries(this.#originals)) {
      if (!k.startsWith(prefix) || k.length <= prefix.length) continue;
      const withoutPrefix = k.slice(prefix.length);
      const key = keys.get(withoutPrefix) ?? keys.get(withoutPrefix.slice(withoutPrefix.indexOf('.') + 1));
      if (key !== undefined) result.set(withoutPrefix, this.#definition.parseValue(key, v, true));
    }
    return Object.fromEntries(result);
  }

  /**
   * If any supplied key has `prefix`, the defined ones among them parsed (prefix removed); otherwise
   * all parsed values.
   */
  valuesWithPrefixAllOrNothing(prefix: string): Record<string, unknown> {
    const withPrefix = this.originalsWithPrefix(prefix, true);
    if (Object.keys(withPrefix).length === 0) return this.values();
    const keys = this.#definition.configKeys();
    const entries: [string, unknown][] = [];
    for (const [k, v] of Object.entries(withPrefix)) {
      const key = keys.get(k);
      if (key !== undefined) entries.push([k, this.#definition.parseValue(key, v, true)]);
    }
    return Object.fromEntries(entries);
  }

  /** All parsed values by name (Kafka's `values()`), defaults applied. */
  values(): Record<string, ParsedValue> {
    return Object.fromEntries(this.#values);
  }

  /** The parsed values of the keys that are not internal. */
  nonInternalValues(): Record<string, ParsedValue> {
    const keys = this.#definition.configKeys();
    return Object.fromEntries([...this.#values].filter(([k]) => keys.get(k)?.internalConfig !== true));
  }
}
