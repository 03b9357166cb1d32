import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
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
export interface RegistryServerTls {
  /** PEM private key and certificate chain of the server. */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly passphrase?: string;
  /** PEM CAs of the client certificates; when set, clients must present a certificate they signed. */
  readonly ca?: string | Buffer;
}

export async function startRegistryServer(
  registry: SchemaRegistry,
  options: { host?: string; port?: number; tls?: RegistryServerTls } = {},
): Promise<RegistryServer> {
  const listener: RequestListener = (req, res) => {
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
  };
  const tls = options.tls;
  const server: Server =
    tls === undefined
      ? createServer(listener)
      : (createHttpsServer(
          {
            key: tls.key,
            cert: tls.cert,
            ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
            ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: true }),
          },
          listener,
        ) as unknown as Server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
