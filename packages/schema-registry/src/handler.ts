import { Errors, RegistryError } from './errors.ts';
import { isSerializedProtobuf, serializeProtobufSchema } from './protobuf-serialized.ts';
import type { RegisteredSchema, RegisterRequest, SchemaRegistry } from './registry.ts';
import { SCHEMA_TYPES } from './schema-types.ts';

/** Confluent's media type; answers carry it, requests may use it, `application/json` or none. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** The first path segments this API answers (everything else is not the registry's). */
export const REGISTRY_PATH_ROOTS = [
  'subjects',
  'schemas',
  'config',
  'compatibility',
  'mode',
  'contexts',
] as const;

export interface RegistryRequest {
  readonly method: string;
  /** The path as received, still percent-encoded, without the query (e.g. `/subjects/a%2Fb/versions`). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The parsed JSON body, or undefined. */
  readonly body: unknown;
}

export interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
  /**
   * In-process answers only: the base URL of the registry that must handle this request (a
   * change, on a worker that does not write the shared schemas topic).
   */
  readonly location?: string;
}

/**
 * Whether a request changes the registry (register, delete, set config or mode): what a worker
 * that does not write the shared schemas log forwards to the one that does. Lookups
 * (`POST /subjects/{s}`) and compatibility tests only read.
 */
export function isRegistryWrite(method: string, path: string): boolean {
  const m = method.toUpperCase();
  if (m === 'PUT' || m === 'DELETE') return true;
  if (m !== 'POST') return false;
  const parts = path.split('/').filter((p) => p !== '');
  return parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3;
}

/** Whether `path` (percent-encoded, no query) belongs to the registry's API. */
export function isRegistryPath(path: string): boolean {
  const first = path.split('/')[1] ?? '';
  return (REGISTRY_PATH_ROOTS as readonly string[]).includes(first);
}

function bool(query: URLSearchParams, name: string): boolean {
  return query.get(name)?.toLowerCase() === 'true';
}

function parseVersion(text: string): number | 'latest' {
  if (text === 'latest') return 'latest';
  if (!/^-?\d+$/.test(text)) throw Errors.invalidVersion(text);
  const n = Number(text);
  if (n === -1) return 'latest';
  if (n < 1 || n > 2 ** 31 - 1) throw Errors.invalidVersion(text);
  return n;
}

function parseId(text: string): number {
  if (!/^\d+$/.test(text)) throw Errors.schemaNotFound(`Schema ${text} not found`);
  return Number(text);
}

function registerBody(body: unknown): RegisterRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw Errors.invalidSchema('Invalid request: the body must be a JSON object with "schema"');
  }
  return body as RegisterRequest;
}

function schemaView(s: RegisteredSchema, format: string | null = null): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: s.subject, version: s.version, id: s.id };
  if (s.schemaType !== 'AVRO') out.schemaType = s.schemaType;
  if (s.references.length > 0) out.references = s.references;
  out.schema = formatted(s.schemaType, s.schema, format);
  return out;
}

/** `?format=serialized` answers a PROTOBUF schema as a base64 FileDescriptorProto, as Confluent's registry does. */
function formatted(schemaType: string, schema: string, format: string | null): string {
  if (format !== 'serialized' || schemaType !== 'PROTOBUF' || isSerializedProtobuf(schema)) return schema;
  try {
    return serializeProtobufSchema(schema);
  } catch (err) {
    throw Errors.invalidSchema(`Invalid PROTOBUF schema: ${(err as Error).message}`);
  }
}

/**
 * Answers one request of Confluent Schema Registry's REST API. Synchronous: it can be called from
 * an HTTP server (see `fastify.ts`, `server.ts`) or directly by a converter in the same process.
 * Errors are Confluent's: status plus `{"error_code", "message"}`.
 */
export function handleRegistryRequest(registry: SchemaRegistry, req: RegistryRequest): RegistryResponse {
  try {
    return { status: 200, body: route(registry, req) };
  } catch (err) {
    if (err instanceof RegistryError) return { status: err.status, body: err.toBody() };
    return {
      status: 500,
      body: { error_code: 50001, message: `Error in the backend data store: ${(err as Error).message}` },
    };
  }
}

function route(r: SchemaRegistry, req: RegistryRequest): unknown {
  const segments = req.path.split('/').filter((s) => s !== '');
  let parts: string[];
  try {
    parts = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw Errors.badRequest(`Malformed path ${req.path}`);
  }
  const q = req.query;
  const m = req.method.toUpperCase();
  const [root, a, b, c, d] = parts;
  const n = parts.length;
  const deleted = bool(q, 'deleted');
  const notAllowed = () => Errors.methodNotAllowed(m, req.path);

  switch (root) {
    case 'subjects': {
      if (n === 1) {
        if (m !== 'GET') throw notAllowed();
        return r.subjects(deleted, q.get('subjectPrefix') ?? '');
      }
      const subject = a!;
      if (n === 2) {
        if (m === 'POST') {
          const found = r.lookup(subject, registerBody(req.body), deleted);
          return schemaView(found);
        }
        if (m === 'DELETE') return r.deleteSubject(subject, bool(q, 'permanent'));
        throw notAllowed();
      }
      if (b !== 'versions') break;
      if (n === 3) {
        if (m === 'GET') return r.versions(subject, deleted);
        if (m === 'POST') {
          const { id } = r.register(subject, registerBody(req.body));
          return { id };
        }
        throw notAllowed();
      }
      const version = parseVersion(c!);
      if (n === 4) {
        if (m === 'GET') return schemaView(r.version(subject, version, deleted), q.get('format'));
        if (m === 'DELETE') return r.deleteVersion(subject, version, bool(q, 'permanent'));
        throw notAllowed();
      }
      if (n === 5 && d === 'schema' && m === 'GET')
        return JSON.parse(r.version(subject, version, deleted).schema);
      if (n === 5 && d === 'referencedby' && m === 'GET') return [];
      break;
    }
    case 'schemas': {
      if (n === 1 && m === 'GET') {
        return r
          .schemaIds()
          .flatMap((id) =>
            r.subjectVersionsForId(id).map((sv) => schemaView(r.version(sv.subject, sv.version))),
          );
      }
      if (n === 2 && a === 'types' && m === 'GET') return SCHEMA_TYPES;
      if (a !== 'ids' || n < 3) break;
      if (m !== 'GET') throw notAllowed();
      const id = parseId(b!);
      const stored = r.schemaById(id);
      if (n === 3) {
        const out: Record<string, unknown> = {};
        if (stored.schemaType !== 'AVRO') out.schemaType = stored.schemaType;
        if (stored.references.length > 0) out.references = stored.references;
        out.schema = formatted(stored.schemaType, stored.schema, q.get('format'));
        return out;
      }
      if (n === 4 && c === 'schema') return JSON.parse(stored.schema);
      if (n === 4 && c === 'subjects')
        return [...new Set(r.subjectVersionsForId(id, deleted).map((x) => x.subject))];
      if (n === 4 && c === 'versions') return r.subjectVersionsForId(id, deleted);
      break;
    }
    case 'config': {
      if (n > 2) break;
      const subject = n === 2 ? a! : null;
      if (m === 'GET') {
        const level = r.compatibility(subject, subject === null || bool(q, 'defaultToGlobal'));
        return { compatibilityLevel: level };
      }
      if (m === 'PUT') {
        const body = (req.body ?? {}) as Record<string, unknown>;
        return { compatibility: r.setCompatibility(subject, body.compatibility) };
      }
      if (m === 'DELETE') return { compatibilityLevel: r.deleteCompatibility(subject) };
      throw notAllowed();
    }
    case 'mode': {
      if (n > 2) break;
      const subject = n === 2 ? a! : null;
      if (m === 'GET') return { mode: r.mode(subject, subject === null || bool(q, 'defaultToGlobal')) };
      if (m === 'PUT') {
        const body = (req.body ?? {}) as Record<string, unknown>;
        return { mode: r.setMode(subject, body.mode, bool(q, 'force')) };
      }
      if (m === 'DELETE' && subject !== null) return { mode: r.deleteMode(subject) };
      throw notAllowed();
    }
    case 'compatibility': {
      if (a !== 'subjects' || m !== 'POST' || (n !== 4 && n !== 5) || c !== 'versions') break;
      const version = n === 5 ? parseVersion(d!) : null;
      const result = r.testCompatibility(b!, n === 5 ? version : null, registerBody(req.body));
      const out: Record<string, unknown> = { is_compatible: result.isCompatible };
      if (bool(q, 'verbose')) out.messages = result.messages;
      return out;
    }
    case 'contexts':
      if (n === 1 && m === 'GET') return ['.'];
      break;
  }
  throw Errors.notFound(req.path);
}

/** `answer` once the change is stored; Confluent's 50001 store error when it could not be. */
export async function durable(registry: SchemaRegistry, answer: RegistryResponse): Promise<RegistryResponse> {
  try {
    await registry.flush();
    return answer;
  } catch (err) {
    return {
      status: 500,
      body: {
        error_code: 50001,
        message: `Error while storing the registry change: ${(err as Error).message}`,
      },
    };
  }
}
