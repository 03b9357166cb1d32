import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleRegistryRequest, REGISTRY_CONTENT_TYPE, REGISTRY_PATH_ROOTS } from './handler.ts';
import type { SchemaRegistry } from './registry.ts';

/**
 * A fastify plugin serving the registry at Confluent's paths (`/subjects`, `/schemas`, `/config`,
 * `/compatibility`, `/mode`, `/contexts`), for mounting on an existing listener (the worker's REST
 * server): `app.register(schemaRegistryPlugin, { registry })`. It does not touch `GET /`.
 * Request bodies in Confluent's media types are parsed as JSON inside the plugin only.
 */
export async function schemaRegistryPlugin(
  app: FastifyInstance,
  options: { registry: SchemaRegistry },
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
    const answer = handleRegistryRequest(registry, {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      body: req.body,
    });
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
