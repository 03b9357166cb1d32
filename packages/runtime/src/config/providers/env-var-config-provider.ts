import { type ConfigData, ConfigDef, ConfigError, type ConfigProvider, ConnectError } from '@sluice/api';
import { NOT_CONFIGURED_MESSAGE } from './config-provider.ts';

/** The parameter of `EnvVarConfigProvider`. */
export const ALLOWLIST_PATTERN_CONFIG = 'allowlist.pattern';
/** Kafka's documentation of {@link ALLOWLIST_PATTERN_CONFIG}. */
export const ALLOWLIST_PATTERN_DOC =
  'A pattern / regular expression that needs to match for environment variables to be used by this config provider.';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  ALLOWLIST_PATTERN_CONFIG,
  'STRING',
  '.*',
  'MEDIUM',
  ALLOWLIST_PATTERN_DOC,
);

/**
 * Kafka's `org.apache.kafka.common.config.provider.EnvVarConfigProvider`: `${env:NAME}` is the
 * environment variable `NAME`.
 *
 * As in Kafka:
 * - the variables are read when the provider is configured, and only those whose whole name
 *   matches `allowlist.pattern` (default `.*`, all) are available; a variable that is not set or
 *   not allowed gives no data, so the `${env:...}` text stays as written;
 * - a non-empty path (`${env:some/path:NAME}`) is an error:
 *   `Path is not supported for EnvVarConfigProvider, invalid value '<path>'`.
 *
 * `allowlist.pattern` is a JavaScript regular expression; the Java syntax used in practice
 * (character classes, alternation, quantifiers, anchors) is the same.
 */
export class EnvVarConfigProvider implements ConfigProvider {
  static readonly javaClass: string = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';
  static readonly configDef: ConfigDef = CONFIG_DEF;

  readonly #env: NodeJS.ProcessEnv | undefined;
  #filtered: ReadonlyMap<string, string> | null = null;

  /** @param env the variables to serve instead of `process.env` (read at {@link configure}) */
  constructor(env?: NodeJS.ProcessEnv) {
    this.#env = env;
  }

  /** @throws ConfigError (key `allowlist.pattern`) when the pattern is not a valid regular expression */
  configure(configs: Readonly<Record<string, string>>): void {
    const source = Object.hasOwn(configs, ALLOWLIST_PATTERN_CONFIG)
      ? String(configs[ALLOWLIST_PATTERN_CONFIG])
      : '.*';
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${source})$`);
    } catch (e) {
      throw new ConfigError(
        `Invalid value ${source} for configuration ${ALLOWLIST_PATTERN_CONFIG}: not a valid regular expression (${(e as Error).message})`,
        { key: ALLOWLIST_PATTERN_CONFIG, value: source, cause: e },
      );
    }
    const filtered = new Map<string, string>();
    for (const [name, value] of Object.entries(this.#env ?? process.env)) {
      if (value !== undefined && pattern.test(name)) filtered.set(name, value);
    }
    this.#filtered = filtered;
  }

  get(path: string, keys?: ReadonlySet<string>): ConfigData {
    if (this.#filtered === null) throw new ConnectError(NOT_CONFIGURED_MESSAGE);
    if (path !== '') {
      throw new ConfigError(`Path is not supported for EnvVarConfigProvider, invalid value '${path}'`, {
        value: path,
      });
    }
    if (keys === undefined) return { data: new Map(this.#filtered) };
    const data = new Map<string, string>();
    for (const key of keys) {
      const value = this.#filtered.get(key);
      if (value !== undefined) data.set(key, value);
    }
    return { data };
  }

  close(): void {}
}
