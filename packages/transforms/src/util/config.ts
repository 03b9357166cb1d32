import { type ConfigDef, ConfigError, type ParsedValue } from '@sluice/api';

/** `replace.null.with.default`, shared by several transforms (Kafka 3.9+). */
export const REPLACE_NULL_WITH_DEFAULT_CONFIG = 'replace.null.with.default';
export const REPLACE_NULL_WITH_DEFAULT_DOC =
  'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.';

/** The `replace.null.with.default` key as Kafka defines it. */
export function defineReplaceNullWithDefault(def: ConfigDef): ConfigDef {
  return def.define({
    name: REPLACE_NULL_WITH_DEFAULT_CONFIG,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'MEDIUM',
    documentation: REPLACE_NULL_WITH_DEFAULT_DOC,
  });
}

/** Typed read access to a parsed configuration. */
export class Parsed {
  readonly #values: Record<string, ParsedValue>;

  /** @throws ConfigError as `ConfigDef.parse` */
  constructor(def: ConfigDef, configs: Readonly<Record<string, unknown>>) {
    this.#values = def.parse(configs);
  }

  string(key: string): string | null {
    return (this.#values[key] as string | null | undefined) ?? null;
  }
  int(key: string): number | null {
    return (this.#values[key] as number | null | undefined) ?? null;
  }
  boolean(key: string): boolean {
    return this.#values[key] === true;
  }
  list(key: string): readonly string[] {
    return (this.#values[key] as readonly string[] | null | undefined) ?? [];
  }
}

/** `Configuration '<key>' ...` style check used by several transforms: a non-empty list (Kafka's NonEmptyListValidator). */
export const NON_EMPTY_LIST = {
  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined || (value as readonly unknown[]).length === 0) {
      throw configInvalid(name, value, 'Empty list');
    }
  },
  toString(): string {
    return 'non-empty list';
  },
};

function configInvalid(name: string, value: unknown, reason: string): ConfigError {
  return ConfigError.invalidValue(name, Array.isArray(value) ? `[${value.join(', ')}]` : value, reason);
}

/** Kafka's `ConfigException(name, value, message)` text for a list value. */
export function invalidList(name: string, value: readonly string[], reason: string): ConfigError {
  return configInvalid(name, value, reason);
}
