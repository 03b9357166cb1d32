import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@sluice/api';
import {
  FileStorage,
  handleRegistryRequest,
  registerLocalRegistry,
  SchemaRegistry,
} from '@sluice/schema-registry';
import type { WorkerConfig } from '../config/worker-config.ts';

/** Worker key: serve the built-in schema registry on the REST listeners (default: on with the embedded log). */
export const SCHEMA_REGISTRY_ENABLE_CONFIG = 'schema.registry.enable';
/** Worker key: the registry's append-only file (default `<embedded.log.dir>/_schemas.log` on the embedded log). */
export const SCHEMA_REGISTRY_STORAGE_FILE_CONFIG = 'schema.registry.storage.file';

/**
 * The built-in registry a worker serves, or null when it serves none: on by default on the
 * embedded log (schemas kept in `<embedded.log.dir>/_schemas.log`), off on Kafka unless
 * `schema.registry.enable=true`, where `schema.registry.storage.file` names its file (a compacted
 * `_schemas` topic is not built yet). A ConfigError names the key at fault.
 */
export function workerSchemaRegistry(config: WorkerConfig): SchemaRegistry | null {
  const raw = config.originalsStrings();
  const enableText = raw[SCHEMA_REGISTRY_ENABLE_CONFIG]?.trim().toLowerCase();
  if (enableText !== undefined && enableText !== 'true' && enableText !== 'false') {
    throw ConfigError.invalidValue(
      SCHEMA_REGISTRY_ENABLE_CONFIG,
      raw[SCHEMA_REGISTRY_ENABLE_CONFIG],
      'Expected value to be either true or false',
    );
  }
  const enabled = enableText === undefined ? config.usesEmbeddedLog() : enableText === 'true';
  if (!enabled) return null;
  let file = raw[SCHEMA_REGISTRY_STORAGE_FILE_CONFIG]?.trim();
  if (file === undefined || file === '') {
    if (!config.usesEmbeddedLog()) {
      throw new ConfigError(
        `${SCHEMA_REGISTRY_STORAGE_FILE_CONFIG} is required with ${SCHEMA_REGISTRY_ENABLE_CONFIG}=true on Kafka (storing schemas in a _schemas topic is not built yet)`,
        { key: SCHEMA_REGISTRY_STORAGE_FILE_CONFIG },
      );
    }
    file = join(config.embeddedLogDir(), '_schemas.log');
  }
  return new SchemaRegistry(new FileStorage(file));
}

/**
 * Lets converters in this process reach `registry` directly under the worker's URLs (a converter
 * is synchronous: a blocking request to its own process's listener could not be answered). For a
 * wildcard or loopback host, `localhost`, `127.0.0.1` and the host name are registered too.
 * Returns the function that undoes it.
 */
export function registerWorkerRegistryLocally(
  registry: SchemaRegistry,
  listeners: readonly { host: string; port: number }[],
): () => void {
  const urls: string[] = [];
  for (const { host, port } of listeners) {
    if (port === 0) continue;
    const local =
      host === '' || host === '0.0.0.0' || host === '::' || host === 'localhost' || host === '127.0.0.1';
    const hosts = local ? [host, 'localhost', '127.0.0.1', hostname()] : [host];
    for (const h of hosts)
      if (h !== '' && h !== '0.0.0.0' && h !== '::')
        urls.push(`http://${h.includes(':') ? `[${h}]` : h}:${port}`);
  }
  return registerLocalRegistry(urls, (req) => handleRegistryRequest(registry, req));
}
