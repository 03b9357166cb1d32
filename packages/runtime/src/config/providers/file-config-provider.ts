import { readFile } from 'node:fs/promises';
import { ConfigDef, ConfigError, ConnectError } from '@sluice/api';
import { parseProperties } from '../properties.ts';
import { ALLOWED_PATHS_CONFIG, ALLOWED_PATHS_DOC, AllowedPaths } from './allowed-paths.ts';
import { type ConfigData, type ConfigProvider, NOT_CONFIGURED_MESSAGE } from './config-provider.ts';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  ALLOWED_PATHS_CONFIG,
  'STRING',
  null,
  'MEDIUM',
  ALLOWED_PATHS_DOC,
);

/**
 * Kafka's `org.apache.kafka.common.config.provider.FileConfigProvider`: `${file:<path>:<key>}` is
 * the property `<key>` of the Java properties file at `<path>` (read as UTF-8, as Kafka does).
 *
 * As in Kafka:
 * - an empty path gives no data (the variable stays as written);
 * - a path outside `allowed.paths` gives no data (the variable stays as written);
 * - a key the file does not define gives no data for that key (the variable stays as written);
 * - a file that cannot be read (missing, a directory, not UTF-8, malformed) is an error:
 *   `ConfigError("Could not read properties from file <path>")`, which fails the resolution.
 */
export class FileConfigProvider implements ConfigProvider {
  static readonly javaClass: string = 'org.apache.kafka.common.config.provider.FileConfigProvider';
  static readonly configDef: ConfigDef = CONFIG_DEF;

  #allowedPaths: AllowedPaths | null = null;

  /**
   * Reads `allowed.paths` (used as given, not trimmed, as Kafka does).
   * @throws ConfigError when an allowed path is not absolute or does not exist
   */
  configure(configs: Readonly<Record<string, string>>): void {
    this.#allowedPaths = new AllowedPaths(
      Object.hasOwn(configs, ALLOWED_PATHS_CONFIG) ? configs[ALLOWED_PATHS_CONFIG] : null,
    );
  }

  async get(path: string, keys?: ReadonlySet<string>): Promise<ConfigData> {
    if (this.#allowedPaths === null) throw new ConnectError(NOT_CONFIGURED_MESSAGE);
    const data = new Map<string, string>();
    if (path === '') return { data };
    const filePath = this.#allowedPaths.parseUntrustedPath(path);
    if (filePath === null) return { data };

    let properties: Record<string, string>;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(filePath));
      properties = parseProperties(text, filePath);
    } catch (e) {
      throw new ConfigError(`Could not read properties from file ${path}`, { cause: e });
    }
    const wanted = keys ?? Object.keys(properties);
    for (const key of wanted) {
      if (Object.hasOwn(properties, key)) data.set(key, properties[key]!);
    }
    return { data };
  }

  close(): void {}
}
