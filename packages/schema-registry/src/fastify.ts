import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  durable,
  handleRegistryRequest,
  isRegistryWrite,
  REGISTRY_CONTENT_TYPE,
  REGISTRY_PATH_ROOTS,
  type RegistryResponse,
} from './handler.ts';
import type { SchemaRegistry } from './registry.ts';

/**
 * A fastify plugin serving the registry at Confluent's paths (`/subjects`, `/schemas`, `/config`,
 * `/compatibility`, `/mode`, `/contexts`), for mounting on an existing listener (the worker's REST
 * server): `app.register(schemaRegistryPlugin, { registry })`. It does not touch `GET /`.
 * Request bodies in Confluent's media types are parsed as JSON inside the plugin only.
 */
export async function schemaRegistryPlugin(
  app: FastifyInstance,
  options: {
    registry: SchemaRegistry;
    /**
     * The base URL of the worker that writes the shared schemas log when it is not this one
     * (writes are forwarded there, as Confluent's followers forward to their leader); null when
     * this worker writes.
     */
    writerUrl?: () => string | null;
  },
): Promise<void> {
  const { registry } = options;
  app.addContentTypeParser(
    [
      'application/vnd.schemaregistry.v1+json',
      'application/vnd.schemaregistry+json',
      'application/octet-stream',
    ],
    { parseAs: 'string' },
    (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        const e = new Error(`Unrecognized request body (not JSON): ${(err as Error).message}`) as Error & {
          statusCode: number;
        };
        e.statusCode = 400;
        done(e);
      }
    },
  );
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.url, 'http://localhost');
    const write = isRegistryWrite(req.method, url.pathname);
    const writer = write ? (options.writerUrl?.() ?? null) : null;
    let answer: RegistryResponse;
    if (writer === '') {
      answer = {
        status: 500,
        body: { error_code: 50004, message: 'Unknown leader: the schemas topic has no writer yet' },
      };
    } else if (writer !== null && req.headers[WRITER_REDIRECT_HEADER] === 'true') {
      // A Sluice converter: it sends the change to the writer itself. Proxying it could deadlock
      // when the writer is the converter's own worker, whose thread waits for this answer.
      answer = {
        status: 421,
        body: {
          error_code: 421,
          message: `Changes are made by the registry's writer at ${writer}`,
          location: writer,
        },
      };
    } else if (writer !== null) {
      answer = await forwardWrite(writer, req);
      // Read-your-writes through this worker: its copy of the log has the change before it answers.
      if (answer.status < 300) await registry.catchUp().catch(() => {});
    } else {
      if (write) {
        try {
          await registry.catchUp();
        } catch (err) {
          return reply
            .code(500)
            .header('content-type', REGISTRY_CONTENT_TYPE)
            .send(
              JSON.stringify({
                error_code: 50002,
                message: `Error while reading the schemas log: ${(err as Error).message}`,
              }),
            );
        }
      }
      answer = handleRegistryRequest(registry, {
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        body: req.body,
      });
      if (write && answer.status < 300) answer = await durable(registry, answer);
    }
    return reply
      .code(answer.status)
      .header('content-type', REGISTRY_CONTENT_TYPE)
      .send(JSON.stringify(answer.body));
  };
  for (const root of REGISTRY_PATH_ROOTS) {
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: `/${root}`, handler });
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: `/${root}/*`, handler });
  }
}

/**
 * Request header of Sluice's converters: answer a change this worker does not write with 421 and
 * the writer's URL (`location` in the body) instead of forwarding it.
 */
export const WRITER_REDIRECT_HEADER = 'x-sluice-registry-writer-redirect';

/** Sends a write to the worker that writes the schemas log and gives back its answer. */
async function forwardWrite(writer: string, req: FastifyRequest): Promise<RegistryResponse> {
  const headers: Record<string, string> = {
    'content-type': REGISTRY_CONTENT_TYPE,
    accept: REGISTRY_CONTENT_TYPE,
  };
  const auth = req.headers.authorization;
  if (typeof auth === 'string') headers.authorization = auth;
  try {
    const res = await fetch(`${writer.replace(/\/+$/, '')}${req.url}`, {
      method: req.method,
      headers,
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  } catch (err) {
    return {
      status: 500,
      body: {
        error_code: 50003,
        message: `Error while forwarding the request to the registry's writer ${writer}: ${(err as Error).message}`,
      },
    };
  }
}
