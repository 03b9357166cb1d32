import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@sluice/api';
import { AllowedPathsConfigProvider, type PathRequest } from './allowed-paths-config-provider.ts';

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
export class DirectoryConfigProvider extends AllowedPathsConfigProvider {
  static readonly javaClass: string = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';

  protected async read({ allowedPath: dir, keys }: PathRequest): Promise<Map<string, string>> {
    const data = new Map<string, string>();
    if (!(await isDirectory(dir))) return data;

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
    return data;
  }
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
