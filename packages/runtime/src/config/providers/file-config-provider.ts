import { readFile } from 'node:fs/promises';
import { ConfigError } from '@sluice/api';
import { parseProperties } from '../properties.ts';
import { AllowedPathsConfigProvider, type PathRequest } from './allowed-paths-config-provider.ts';

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
export class FileConfigProvider extends AllowedPathsConfigProvider {
  static readonly javaClass: string = 'org.apache.kafka.common.config.provider.FileConfigProvider';

  protected async read({ allowedPath: filePath, path, keys }: PathRequest): Promise<Map<string, string>> {
    let properties: Record<string, string>;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(filePath));
      properties = parseProperties(text, filePath);
    } catch (e) {
      throw new ConfigError(`Could not read properties from file ${path}`, { cause: e });
    }
    const data = new Map<string, string>();
    const wanted = keys ?? Object.keys(properties);
    for (const key of wanted) {
      if (Object.hasOwn(properties, key)) data.set(key, properties[key]!);
    }
    return data;
  }
}
