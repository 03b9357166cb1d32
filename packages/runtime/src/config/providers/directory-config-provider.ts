import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigDef, ConfigError, ConnectError } from '@sluice/api';
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
 * Kafka's `org.apache.kafka.common.config.provider.DirectoryConfigProvider`:
 * `${dir:<directory>:<name>}` is the content (UTF-8) of the file `<name>` directly in
 * `<directory>`, as Kubernetes mounts secrets.
 *
 * As in Kafka:
 * - only regular files count, symbolic links followed (so a Kubernetes secret volume, whose
 *   entries are links, works); sub-directories are ignored;
 * - a key is matched against the names the directory lists, so a key containing `/` or `..` never
 *   reaches outside the directory;
 * - an empty path, a path outside `allowed.paths`, or a path that is not a directory gives no data
 *   (variables stay as written);
 * - a directory that cannot be listed or a matching file that cannot be read is an error
 *   (`Could not list directory <dir>` / `Could not read file <file> for property <name>`).
 *
 * File content is returned as is (a trailing newline is kept), and bytes that are not UTF-8
 * become U+FFFD, as Java's `new String(bytes, UTF_8)` does.
 */
export class DirectoryConfigProvider implements ConfigProvider {
  static readonly javaClass: string = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';
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
    const dir = this.#allowedPaths.parseUntrustedPath(path);
    if (dir === null) return { data };
    if (!(await isDirectory(dir))) return { data };

    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new ConfigError(`Could not list directory ${dir}`, { cause: e });
    }
    for (const entry of entries) {
      if (keys !== undefined && !keys.has(entry.name)) continue;
      const file = join(dir, entry.name);
      if (!(await isRegularFile(entry, file))) continue;
      try {
        data.set(entry.name, new TextDecoder('utf-8').decode(await readFile(file)));
      } catch (e) {
        throw new ConfigError(`Could not read file ${file} for property ${entry.name}`, { cause: e });
      }
    }
    return { data };
  }

  close(): void {}
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Java's `Files.isRegularFile(path)`: links followed; false when it cannot be told. */
async function isRegularFile(entry: Dirent, path: string): Promise<boolean> {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
