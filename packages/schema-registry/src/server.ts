import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  durable,
  handleRegistryRequest,
  isRegistryWrite,
  REGISTRY_CONTENT_TYPE,
  type RegistryResponse,
} from './handler.ts';
import { registerLocalRegistry } from './local.ts';
import type { SchemaRegistry } from './registry.ts';

const MAX_BODY = 16 * 1024 * 1024;

/** Reads a request body and parses it as JSON; a 400/422 answer when it is not JSON. */
async function readBody(req: IncomingMessage): Promise<{ body: unknown } | RegistryResponse> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return { status: 413, body: { error_code: 413, message: 'Request body too large' } };
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { body: undefined };
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return { body: JSON.parse(text) };
  } catch (err) {
    return {
      status: 400,
      body: { error_code: 400, message: `Unrecognized request body (not JSON): ${(err as Error).message}` },
    };
  }
}

function send(res: ServerResponse, answer: RegistryResponse): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': REGISTRY_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export interface RegistryServer {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` alone over HTTP (what `sluice registry` and the tests run). `GET /` answers
 * `{}` as Confluent's does. The registry is also made reachable in-process under its URL.
 */
export async function startRegistryServer(
  registry: SchemaRegistry,
  options: { host?: string; port?: number } = {},
): Promise<RegistryServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/' && req.method === 'GET') {
      send(res, { status: 200, body: {} });
      return;
    }
    readBody(req).then(
      (read) => {
        if ('status' in read) return send(res, read);
        const method = req.method ?? 'GET';
        const answer = handleRegistryRequest(registry, {
          method,
          path: url.pathname,
          query: url.searchParams,
          body: read.body,
        });
        if (!isRegistryWrite(method, url.pathname) || answer.status >= 300) return send(res, answer);
        durable(registry, answer).then((a) => send(res, a));
      },
      (err: Error) => send(res, { status: 500, body: { error_code: 50001, message: err.message } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const unregister = registerLocalRegistry([url], (r) => handleRegistryRequest(registry, r));
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        unregister();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
