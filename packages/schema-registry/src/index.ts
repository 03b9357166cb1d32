export {
  eventToRecords,
  noopRecord,
  type RegistryRecord,
  RegistryRecordError,
  recordToEvent,
  schemaKey,
  subjectKey,
} from './confluent-records.ts';
export { Errors, RegistryError } from './errors.ts';
export { schemaRegistryPlugin, WRITER_REDIRECT_HEADER } from './fastify.ts';
export {
  durable,
  handleRegistryRequest,
  isRegistryPath,
  isRegistryWrite,
  REGISTRY_CONTENT_TYPE,
  REGISTRY_PATH_ROOTS,
  type RegistryRequest,
  type RegistryResponse,
} from './handler.ts';
export {
  LOCAL_REGISTRIES_SYMBOL,
  type LocalRegistryHandler,
  normalizeRegistryUrl,
  registerLocalRegistry,
} from './local.ts';
export { LogStorage, type LogStorageOptions, type RegistryLog } from './log-storage.ts';
export { MODES, type Mode, type RegisteredSchema, type RegisterRequest, SchemaRegistry } from './registry.ts';
export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  checkCompatibility,
  parseSchema,
} from './schema-types.ts';
export { type RegistryServer, startRegistryServer } from './server.ts';
export {
  FileStorage,
  MemoryStorage,
  type RegistryEvent,
  type RegistryStorage,
  type SchemaReference,
  type SchemaType,
} from './storage.ts';
