import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@sluice/api';
import {
  FileStorage,
  handleRegistryRequest,
  isRegistryWrite,
  LogStorage,
  type RegistryLog,
  registerLocalRegistry,
  SchemaRegistry,
} from '@sluice/schema-registry';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config/worker-config.ts';

/** Worker key: serve the built-in schema registry on the REST listeners (default: on with the embedded log). */
export const SCHEMA_REGISTRY_ENABLE_CONFIG = 'schema.registry.enable';
/** Worker key: where the registry keeps its schemas: `log` (the `_schemas` topic) or `file`. */
export const SCHEMA_REGISTRY_STORAGE_CONFIG = 'schema.registry.storage';
/** Worker key: the registry's append-only file, with `schema.registry.storage=file`. */
export const SCHEMA_REGISTRY_STORAGE_FILE_CONFIG = 'schema.registry.storage.file';
/** Worker key: the topic of `schema.registry.storage=log` (Confluent's `kafkastore.topic`). */
export const SCHEMA_REGISTRY_TOPIC_KEY = 'schema.registry.topic';
/** Worker key: the topic's replication factor when it is created (-1: the broker's default). */
export const SCHEMA_REGISTRY_REPLICATION_FACTOR_KEY = 'schema.registry.topic.replication.factor';

/** Where a worker's registry keeps its schemas, from the worker properties. */
export type WorkerRegistryStorage =
  | { readonly kind: 'file'; readonly path: string; readonly why: string }
  | { readonly kind: 'log'; readonly topic: string; readonly replicationFactor: number };

/**
 * The storage of the registry a worker serves, or null when it serves none. The registry is on
 * by default on the embedded log, off on Kafka unless `schema.registry.enable=true`. It is kept
 * in the `_schemas` topic (`schema.registry.topic`) of the worker's log, in Confluent's record
 * format, unless `schema.registry.storage=file` or `schema.registry.storage.file` is set. An
 * embedded-log worker that already has the older `<embedded.log.dir>/_schemas.log` file keeps
 * using it when `schema.registry.storage` is not set (nothing is moved without being asked).
 * A ConfigError names the key at fault.
 */
export function workerRegistryStorage(config: WorkerConfig): WorkerRegistryStorage | null {
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
  const storageText = raw[SCHEMA_REGISTRY_STORAGE_CONFIG]?.trim().toLowerCase();
  if (storageText !== undefined && storageText !== '' && storageText !== 'log' && storageText !== 'file') {
    throw ConfigError.invalidValue(
      SCHEMA_REGISTRY_STORAGE_CONFIG,
      raw[SCHEMA_REGISTRY_STORAGE_CONFIG],
      "Expected 'log' (the schemas topic, Confluent's record format) or 'file'",
    );
  }
  const file = raw[SCHEMA_REGISTRY_STORAGE_FILE_CONFIG]?.trim();
  const legacy = config.usesEmbeddedLog() ? join(config.embeddedLogDir(), '_schemas.log') : undefined;
  let kind: 'log' | 'file';
  let why = `${SCHEMA_REGISTRY_STORAGE_CONFIG}=file`;
  if (storageText === 'log' || storageText === 'file') kind = storageText;
  else if (file !== undefined && file !== '') {
    kind = 'file';
    why = `${SCHEMA_REGISTRY_STORAGE_FILE_CONFIG} is set`;
  } else if (legacy !== undefined && existsSync(legacy)) {
    kind = 'file';
    why = `${legacy} exists (set ${SCHEMA_REGISTRY_STORAGE_CONFIG}=log to use the _schemas topic instead: its schemas are not moved)`;
  } else kind = 'log';
  if (kind === 'file') {
    const path = file !== undefined && file !== '' ? file : legacy;
    if (path === undefined) {
      throw new ConfigError(
        `${SCHEMA_REGISTRY_STORAGE_FILE_CONFIG} is required with ${SCHEMA_REGISTRY_STORAGE_CONFIG}=file on Kafka`,
        { key: SCHEMA_REGISTRY_STORAGE_FILE_CONFIG },
      );
    }
    return { kind, path, why };
  }
  if (storageText === 'log' && file !== undefined && file !== '') {
    throw new ConfigError(
      `${SCHEMA_REGISTRY_STORAGE_FILE_CONFIG} is set but ${SCHEMA_REGISTRY_STORAGE_CONFIG}=log: remove one of them`,
      { key: SCHEMA_REGISTRY_STORAGE_FILE_CONFIG },
    );
  }
  const topic = raw[SCHEMA_REGISTRY_TOPIC_KEY]?.trim() || '_schemas';
  const rfText = raw[SCHEMA_REGISTRY_REPLICATION_FACTOR_KEY]?.trim();
  const replicationFactor = rfText === undefined || rfText === '' ? -1 : Number(rfText);
  if (!Number.isInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1)) {
    throw ConfigError.invalidValue(
      SCHEMA_REGISTRY_REPLICATION_FACTOR_KEY,
      rfText,
      'Expected a positive integer, or -1 for the broker default',
    );
  }
  return { kind, topic, replicationFactor };
}

/**
 * The built-in registry a worker serves with file storage, or null when it serves none or keeps
 * its schemas in the log (see {@link openWorkerSchemaRegistry}).
 */
export function workerSchemaRegistry(config: WorkerConfig): SchemaRegistry | null {
  const storage = workerRegistryStorage(config);
  if (storage === null || storage.kind !== 'file') return null;
  return new SchemaRegistry(new FileStorage(storage.path));
}

/** A worker's running registry and how to stop it. */
export interface WorkerSchemaRegistry {
  readonly registry: SchemaRegistry;
  readonly storage: WorkerRegistryStorage;
  /** Waits for pending writes, then stops reading the log. */
  stop(): Promise<void>;
}

/**
 * Opens the registry a worker serves (null when it serves none): from its file, or from the
 * schemas topic, read to its end before this resolves. `topicLog` makes the topic's
 * {@link RegistryLog} on the worker's log.
 */
export async function openWorkerSchemaRegistry(
  config: WorkerConfig,
  topicLog: (topic: string, replicationFactor: number) => RegistryLog,
  logger?: Logger,
): Promise<WorkerSchemaRegistry | null> {
  const storage = workerRegistryStorage(config);
  if (storage === null) return null;
  if (storage.kind === 'file') {
    logger?.info(`Schema registry: schemas kept in ${storage.path} (${storage.why})`);
    const registry = new SchemaRegistry(new FileStorage(storage.path));
    return { registry, storage, stop: async () => registry.close() };
  }
  const log = await LogStorage.open(topicLog(storage.topic, storage.replicationFactor), {
    onBadRecord: (message) => logger?.warn(message),
    onAppendError: (err) =>
      logger?.error({ err }, 'Schema registry: a change could not be stored in the log'),
  });
  logger?.info(`Schema registry: schemas kept in topic ${storage.topic} (Confluent's record format)`);
  return { registry: new SchemaRegistry(log), storage, stop: () => log.stop() };
}

/**
 * Lets converters in this process reach `registry` directly under the worker's URLs (a converter
 * is synchronous: a blocking request to its own process's listener could not be answered). For a
 * wildcard or loopback host, `localhost`, `127.0.0.1` and the host name are registered too.
 * With `writerUrl` (a worker sharing the schemas topic that is not its writer), a change is
 * answered with the writer's URL as `location`, for the converter to send it there.
 * Returns the function that undoes it.
 */
export function registerWorkerRegistryLocally(
  registry: SchemaRegistry,
  listeners: readonly { host: string; port: number }[],
  writerUrl?: () => string | null,
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
  return registerLocalRegistry(urls, (req) => {
    const writer = writerUrl !== undefined && isRegistryWrite(req.method, req.path) ? writerUrl() : null;
    if (writer === '') {
      return {
        status: 500,
        body: { error_code: 50004, message: 'Unknown leader: the schemas topic has no writer yet' },
      };
    }
    if (writer !== null) {
      return {
        status: 307,
        body: { error_code: 307, message: `Changes are made by the registry's writer at ${writer}` },
        location: writer,
      };
    }
    return handleRegistryRequest(registry, req);
  });
}
