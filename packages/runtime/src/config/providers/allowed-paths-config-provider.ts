import { type ConfigData, ConfigDef, type ConfigProvider, ConnectError } from '@sluice/api';
import { ALLOWED_PATHS_CONFIG, ALLOWED_PATHS_DOC, AllowedPaths } from './allowed-paths.ts';
import { NOT_CONFIGURED_MESSAGE } from './config-provider.ts';

/** What {@link AllowedPathsConfigProvider.read} is asked for. */
export interface PathRequest {
  /** The path to read: the variable's path, normalised when `allowed.paths` is set. */
  readonly allowedPath: string;
  /** The path as the variable wrote it. */
  readonly path: string;
  /** The keys asked for, or undefined for every key. */
  readonly keys: ReadonlySet<string> | undefined;
}

/**
 * What Kafka's `FileConfigProvider` and `DirectoryConfigProvider` share: `allowed.paths` read at
 * {@link configure}, and a `get` that gives no data (the variables stay as written) for an empty
 * path or a path outside the allowed ones, and otherwise hands the path to {@link read}.
 */
export abstract class AllowedPathsConfigProvider implements ConfigProvider {
  /** `allowed.paths` only. */
  static readonly configDef: ConfigDef = new ConfigDef().define(
    ALLOWED_PATHS_CONFIG,
    'STRING',
    null,
    'MEDIUM',
    ALLOWED_PATHS_DOC,
  );

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
    if (path === '') return { data: new Map() };
    const allowedPath = this.#allowedPaths.parseUntrustedPath(path);
    if (allowedPath === null) return { data: new Map() };
    return { data: await this.read({ allowedPath, path, keys }) };
  }

  /** The values (by key) at a path that `allowed.paths` allows. */
  protected abstract read(request: PathRequest): Promise<Map<string, string>>;

  close(): void {}
}
