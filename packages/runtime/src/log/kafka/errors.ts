/**
 * How the Kafka client reads `@platformatic/kafka`'s errors: the error tree (MultipleErrors nest,
 * causes chain), Kafka's error names, which failures are worth retrying, and the mapping to the
 * project's `ConnectError`s that every part of the client throws (see log-client.ts).
 */

import {
  AlreadyExistsError,
  ConfigError,
  ConnectError,
  type ConnectErrorOptions,
  NotFoundError,
  RetriableError,
} from '@sluice/api';

/** A wire value (offset, timestamp) as a JavaScript number; a ConnectError beyond 2^53. */
export function toSafeNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ConnectError(`Offset or timestamp ${value} is beyond 2^53`);
  return n;
}

interface ErrorLeaf {
  error: Error;
  /** Kafka's error name for protocol errors (apiId), else undefined. */
  kafkaError: string | undefined;
}

/** The innermost errors of a library error tree (MultipleErrors nest, causes chain). */
function leaves(err: unknown, out: ErrorLeaf[] = [], depth = 0): ErrorLeaf[] {
  if (!(err instanceof Error) || depth > 20) return out;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0) {
    for (const e of nested) leaves(e, out, depth + 1);
    return out;
  }
  const apiId = (err as { apiId?: unknown }).apiId;
  out.push({ error: err, kafkaError: typeof apiId === 'string' ? apiId : undefined });
  if (err.cause instanceof Error) leaves(err.cause, out, depth + 1);
  return out;
}

/**
 * Kafka's error name in a library error tree: the first protocol error found, or the name a group
 * request error of Sluice's own carries (`kafkaError`: GroupRequestError, GroupError), if any.
 */
export function kafkaErrorName(err: unknown, depth = 0): string | undefined {
  if (!(err instanceof Error) || depth > 20) return undefined;
  if ('kafkaError' in err) return typeof err.kafkaError === 'string' ? err.kafkaError : undefined;
  const apiId = (err as { apiId?: unknown }).apiId;
  if (typeof apiId === 'string') return apiId;
  const nested = (err as { errors?: unknown }).errors;
  if (Array.isArray(nested)) {
    for (const e of nested) {
      const found = kafkaErrorName(e, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return kafkaErrorName(err.cause, depth + 1);
}

export function hasKafkaError(err: unknown, id: string): boolean {
  return leaves(err).some((l) => l.kafkaError === id);
}

/** True when every Kafka error in the tree is one of `ids` (and there is at least one). */
export function onlyKafkaErrors(err: unknown, ids: string[]): boolean {
  const all = leaves(err);
  return all.length > 0 && all.every((l) => l.kafkaError !== undefined && ids.includes(l.kafkaError));
}

/** Kafka's errors that mean the client's metadata is stale or not there yet (retriable). */
export const METADATA_ERRORS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** True when the error tree holds only stale-metadata errors (an unknown topic included). */
export function isMetadataError(err: unknown): boolean {
  const all = leaves(err);
  return (
    all.length > 0 &&
    all.every(
      (l) =>
        (l.kafkaError !== undefined && METADATA_ERRORS.has(l.kafkaError)) ||
        (l.kafkaError === undefined && /^Unknown topic /.test(l.error.message)),
    )
  );
}

export function isUnknownTopic(err: unknown): boolean {
  return leaves(err).some(
    (l) =>
      l.kafkaError === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      l.kafkaError === 'UNKNOWN_TOPIC_ID' ||
      (l.kafkaError === undefined && /^Unknown topic /.test(l.error.message)),
  );
}

export function errorDetail(err: unknown): string {
  const parts = new Set<string>();
  for (const leaf of leaves(err)) {
    const server = (leaf.error as { serverErrorMessage?: unknown }).serverErrorMessage;
    parts.add(
      leaf.kafkaError === undefined
        ? leaf.error.message
        : `${leaf.kafkaError}${typeof server === 'string' && server !== '' ? `: ${server}` : ''}`,
    );
  }
  if (parts.size === 0) return err instanceof Error ? err.message : String(err);
  return [...parts].join('; ');
}

const CONFIG_ERRORS = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'UNSUPPORTED_COMPRESSION_TYPE',
]);

function isRetriable(all: ErrorLeaf[]): boolean {
  if (all.length === 0) return false;
  return all.every((l) => {
    const e = l.error as { code?: unknown; canRetry?: unknown };
    if (l.kafkaError !== undefined) return e.canRetry === true;
    return (
      e.code === 'PLT_KFK_NETWORK' ||
      e.code === 'PLT_KFK_TIMEOUT' ||
      e.canRetry === true ||
      (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code))
    );
  });
}

/** Node's socket errors that a broker restart or a network blip produces: worth trying again. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Maps a library error to the project's errors, keeping it as `cause`: already-exists,
 * not-found, invalid config, retriable (network, timeouts, Kafka's retriable errors), or a
 * plain ConnectError.
 */
export function toConnectError(err: unknown, message: string): ConnectError {
  if (err instanceof ConnectError) return err;
  const all = leaves(err);
  const detail = errorDetail(err);
  const text = `${message}: ${detail}`;
  const options: ConnectErrorOptions = { cause: err };
  if (all.some((l) => l.kafkaError === 'TOPIC_ALREADY_EXISTS')) return new AlreadyExistsError(text, options);
  if (isUnknownTopic(err)) return new NotFoundError(text, options);
  if (all.some((l) => l.kafkaError !== undefined && CONFIG_ERRORS.has(l.kafkaError))) {
    return new ConfigError(text, options);
  }
  if (isRetriable(all)) return new RetriableError(text, options);
  return new ConnectError(text, options);
}
