import { ConnectError, RetriableError } from '@sluice/api';
import { type SyncHttpResult, sharedSyncHttp } from './sync-http.ts';
import type { RegistryTls } from './tls.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A 4xx answer from the registry, with Confluent's `error_code`. */
export class RegistryClientError extends ConnectError {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface RegistryClientConfig {
  /** Base URLs (`schema.registry.url`), tried in order. */
  readonly urls: readonly string[];
  /** `user:password` for HTTP basic authentication, or null. */
  readonly basicAuth: string | null;
  /** A static bearer token, or null. */
  readonly bearerToken: string | null;
  readonly maxRetries: number;
  readonly retriesWaitMs: number;
  readonly retriesMaxWaitMs: number;
  readonly requestTimeoutMs: number;
  /** `schema.registry.ssl.*` for https registries; null: Node's default trust. */
  readonly tls?: RegistryTls | null;
}

export interface SchemaText {
  readonly schema: string;
  readonly schemaType: 'AVRO' | 'JSON' | 'PROTOBUF';
  readonly references: readonly { name: string; subject: string; version: number }[];
}

export interface RegisteredVersion extends SchemaText {
  readonly id: number;
  readonly version: number;
}

type LocalHandler = (req: { method: string; path: string; query: URLSearchParams; body: unknown }) => {
  status: number;
  body: unknown;
  /** Set when another registry (the writer of a shared schemas topic) must handle the request. */
  location?: string;
};

/** Registries served by this process (see @sluice/schema-registry's local.ts), found by URL. */
function localRegistry(url: string): LocalHandler | undefined {
  const map = (globalThis as unknown as Record<symbol, Map<string, LocalHandler> | undefined>)[
    Symbol.for('sluice.schema-registry.local')
  ];
  if (map === undefined || map.size === 0) return undefined;
  const u = new URL(url);
  return map.get(`${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase());
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A Schema Registry client with Confluent's caches: an id per (subject, schema) registered or
 * looked up, a schema per id, the latest version per subject. Synchronous (Connect converters
 * are): requests go through a helper thread, or straight to a registry served by this process.
 * Only cache misses reach the registry; `requests` counts them.
 */
export class SchemaRegistryClient {
  readonly #config: RegistryClientConfig;
  readonly #ids = new Map<string, number>();
  readonly #schemas = new Map<number, SchemaText>();
  readonly #latest = new Map<string, RegisteredVersion>();
  readonly #versions = new Map<string, number>();
  readonly #registered = new Map<string, RegisteredVersion>();
  readonly #cacheSize: number;
  /**
   * Set when a call ran out of retries, cleared by the next answer: until then each call tries
   * the URLs once, without blocking back-off (the task's own retries, which do not block the
   * worker's thread, do the waiting).
   */
  #unreachable = false;
  requests = 0;

  constructor(config: RegistryClientConfig, cacheSize = 1000) {
    if (config.urls.length === 0) throw new ConnectError('schema.registry.url must name at least one URL');
    this.#config = config;
    this.#cacheSize = cacheSize;
  }

  /** `POST /subjects/{s}/versions`: the id of `schema` under `subject`, registering it when new. */
  register(subject: string, schema: SchemaText, normalize = false): number {
    return this.#cached(this.#ids, schemaKey(subject, schema), () => {
      const id = this.#postSchema(`/subjects/${encodeURIComponent(subject)}/versions`, schema, normalize).id;
      this.#remember(this.#schemas, id, schema);
      return id;
    });
  }

  /** `POST /subjects/{s}`: the id and version `schema` already has under `subject`. */
  lookup(subject: string, schema: SchemaText, normalize = false): number {
    return this.#cached(
      this.#ids,
      schemaKey(subject, schema),
      () => this.#postSchema(`/subjects/${encodeURIComponent(subject)}`, schema, normalize).id,
    );
  }

  /** The version `schema` has under `subject`, soft-deleted versions included (`POST /subjects/{s}?deleted=true`). */
  lookupVersion(subject: string, schema: SchemaText): number {
    return this.#cached(
      this.#versions,
      schemaKey(subject, schema),
      () =>
        this.#postSchema(`/subjects/${encodeURIComponent(subject)}`, schema, false, 'deleted=true').version,
    );
  }

  /** `GET /schemas/ids/{id}`. */
  schemaById(id: number): SchemaText {
    return this.#cached(this.#schemas, id, () => {
      const answer = this.#call('GET', `/schemas/ids/${id}`, undefined, '') as SchemaAnswer;
      return schemaTextOf(answer);
    });
  }

  /** `GET /subjects/{s}/versions/latest` (cached once fetched). */
  latest(subject: string): RegisteredVersion {
    return this.#cached(this.#latest, subject, () => {
      const v = this.#getVersion(subject, 'latest');
      this.#remember(this.#schemas, v.id, v);
      return v;
    });
  }

  /** `GET /subjects/{s}/versions/{v}` (cached: a registered version never changes). */
  version(subject: string, version: number): RegisteredVersion {
    return this.#cached(this.#registered, `${subject}\u0000${version}`, () =>
      this.#getVersion(subject, String(version)),
    );
  }

  close(): void {
    // The helper thread is shared by every client of the process (and unref'd): nothing to stop.
  }

  /** `map`'s value for `key`, fetched (and remembered) once. */
  #cached<K, V>(map: Map<K, V>, key: K, fetch: () => V): V {
    const cached = map.get(key);
    if (cached !== undefined) return cached;
    const value = fetch();
    this.#remember(map, key, value);
    return value;
  }

  /** POSTs `schema` (its type and references when it has them) to `path`. */
  #postSchema(
    path: string,
    schema: SchemaText,
    normalize: boolean,
    query = normalize ? 'normalize=true' : '',
  ): { id: number; version: number } {
    const body: Record<string, unknown> = { schema: schema.schema };
    if (schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType;
    if (schema.references.length > 0) body.references = schema.references;
    return this.#call('POST', path, body, query) as { id: number; version: number };
  }

  /** `GET /subjects/{s}/versions/{v}` as a RegisteredVersion. */
  #getVersion(subject: string, version: string): RegisteredVersion {
    const answer = this.#call(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
      undefined,
      '',
    ) as SchemaAnswer & { id: number; version: number };
    return { id: answer.id, version: answer.version, ...schemaTextOf(answer) };
  }

  #remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (map.size >= this.#cacheSize) map.delete(map.keys().next().value as K);
    map.set(key, value);
  }

  #headers(body: unknown): Record<string, string> {
    // A Sluice worker that does not write a shared schemas topic then answers a change with the
    // writer's URL instead of forwarding it (which could wait on this very thread).
    const headers: Record<string, string> = {
      accept: `${CONTENT_TYPE}, application/json`,
      'x-sluice-registry-writer-redirect': 'true',
    };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#config.basicAuth !== null) {
      headers.authorization = `Basic ${Buffer.from(this.#config.basicAuth).toString('base64')}`;
    } else if (this.#config.bearerToken !== null) {
      headers.authorization = `Bearer ${this.#config.bearerToken}`;
    }
    return headers;
  }

  /**
   * One call: each URL in turn, and the whole list again after a back-off while the failure may
   * pass (connection refused, timeout, 5xx, 429), `maxRetries` times; then a RetriableError so
   * the task's retry policy takes over. A 4xx answer is a RegistryClientError at once.
   */
  #call(method: string, path: string, body: unknown, query: string): unknown {
    const c = this.#config;
    let lastProblem = '';
    const retries = this.#unreachable ? 0 : c.maxRetries;
    // A registry served by this process first (the URLs name replicas of one registry): a task
    // then never waits on another worker's thread that may itself be waiting on this one.
    const urls = c.urls.some((u) => localRegistry(u) !== undefined)
      ? [
          ...c.urls.filter((u) => localRegistry(u) !== undefined),
          ...c.urls.filter((u) => localRegistry(u) === undefined),
        ]
      : c.urls;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) sleepSync(Math.min(c.retriesMaxWaitMs, c.retriesWaitMs * 2 ** (attempt - 1)));
      for (const base of urls) {
        this.requests++;
        const result = this.#send(base, method, path, body, query);
        if ('error' in result) {
          lastProblem = `${method} ${redact(base)}${path}: ${result.error}`;
          continue;
        }
        if (result.status < 500 && result.status !== 429) this.#unreachable = false;
        let parsed: unknown;
        try {
          parsed = result.body === '' ? undefined : JSON.parse(result.body);
        } catch {
          parsed = undefined;
        }
        if (result.status >= 200 && result.status < 300) return parsed;
        const p = (parsed ?? {}) as { error_code?: number; message?: string };
        if (result.status === 401 || result.status === 403) {
          throw new RegistryClientError(
            result.status,
            p.error_code ?? result.status,
            `The schema registry at ${redact(base)} refused the request (${result.status} ${result.status === 401 ? 'Unauthorized' : 'Forbidden'}): check basic.auth.credentials.source / basic.auth.user.info or bearer.auth.* (${p.message ?? 'no message'})`,
          );
        }
        if (result.status >= 500 || result.status === 429) {
          lastProblem = `${method} ${redact(base)}${path}: HTTP ${result.status} ${p.message ?? result.body.slice(0, 200)}`;
          continue;
        }
        throw new RegistryClientError(
          result.status,
          p.error_code ?? result.status,
          p.message ?? `HTTP ${result.status} from ${redact(base)}${path}`,
        );
      }
    }
    this.#unreachable = true;
    throw new RetriableError(
      `The schema registry could not be reached after ${retries + 1} attempt${retries === 0 ? '' : 's'}: ${lastProblem}`,
    );
  }

  #send(base: string, method: string, path: string, body: unknown, query: string, depth = 0): SyncHttpResult {
    const local = localRegistry(base);
    if (local !== undefined) {
      const answer = local({ method, path, query: new URLSearchParams(query), body });
      // A worker sharing the schemas topic sends changes to the worker that writes it.
      if (answer.location !== undefined && answer.location !== base && depth < 2) {
        return this.#send(answer.location, method, path, body, query, depth + 1);
      }
      return { status: answer.status, body: JSON.stringify(answer.body) };
    }
    const url = `${base.replace(/\/+$/, '')}${path}${query === '' ? '' : `?${query}`}`;
    const u = new URL(url);
    const headers = this.#headers(body);
    if (u.username !== '' && this.#config.basicAuth === null && this.#config.bearerToken === null) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    }
    u.username = '';
    u.password = '';
    const result = sharedSyncHttp().request({
      url: u.toString(),
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.#config.requestTimeoutMs,
      tls: this.#config.tls ?? null,
    });
    if (!('error' in result) && result.status === 421 && depth < 2) {
      let location: unknown;
      try {
        location = (JSON.parse(result.body) as { location?: unknown }).location;
      } catch {}
      if (typeof location === 'string' && location !== '')
        return this.#send(location, method, path, body, query, depth + 1);
    }
    return result;
  }
}

/** A schema as the registry answers it (type and references left out for Avro / none). */
interface SchemaAnswer {
  schema: string;
  schemaType?: SchemaText['schemaType'];
  references?: SchemaText['references'];
}

function schemaTextOf(answer: SchemaAnswer): SchemaText {
  return {
    schema: answer.schema,
    schemaType: answer.schemaType ?? 'AVRO',
    references: answer.references ?? [],
  };
}

/** The cache key of `schema` under `subject`. */
function schemaKey(subject: string, schema: SchemaText): string {
  return `${subject}\u0000${schema.schemaType}\u0000${schema.schema}`;
}

/** A URL without its user info, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<invalid url>';
  }
}
