/**
 * A small HTTP client for the Elasticsearch / OpenSearch REST API over node:http(s): keep-alive
 * connections, basic authentication, optional gzip request bodies, a connect time-out and a read
 * (idle) time-out, and fail-over across the configured URLs. The official Elasticsearch client
 * refuses OpenSearch (product check), so one client over the plain REST API serves both.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import type { SinkSettings } from './config.ts';

export interface HttpResponse {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON, or null when empty. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

/** A failure to get any HTTP answer (refused, reset, timed out). Retriable. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** What `GET /` says about the server. */
export interface ServerInfo {
  distribution: 'elasticsearch' | 'opensearch';
  /** e.g. '2.19.1' */
  number: string;
  major: number;
}

export class SearchHttpClient {
  readonly #urls: URL[];
  readonly #auth: string | null;
  readonly #compression: boolean;
  readonly #connectTimeoutMs: number;
  readonly #readTimeoutMs: number;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  #next = 0;

  constructor(settings: SinkSettings) {
    this.#urls = settings.urls.map((u) => new URL(u));
    this.#auth =
      settings.username === null
        ? null
        : `Basic ${Buffer.from(`${settings.username}:${settings.password ?? ''}`).toString('base64')}`;
    this.#compression = settings.compression;
    this.#connectTimeoutMs = settings.connectionTimeoutMs;
    this.#readTimeoutMs = settings.readTimeoutMs;
    const sockets = settings.maxInFlight + 2;
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: sockets });
    const tls: https.AgentOptions = { keepAlive: true, maxSockets: sockets };
    const ssl = settings.ssl;
    if (ssl.enabled) {
      if (ssl.truststoreLocation !== null) tls.ca = readFileSync(ssl.truststoreLocation);
      if (ssl.keystoreLocation !== null) {
        if (ssl.keystoreType === 'PKCS12') {
          tls.pfx = readFileSync(ssl.keystoreLocation);
          tls.passphrase = ssl.keystorePassword ?? undefined;
        } else {
          const pem = readFileSync(ssl.keystoreLocation);
          tls.cert = pem;
          tls.key = pem;
          tls.passphrase = ssl.keyPassword ?? ssl.keystorePassword ?? undefined;
        }
      }
    }
    this.#httpsAgent = new https.Agent(tls);
  }

  /** The configured URLs without credentials, for messages. */
  describe(): string {
    return this.#urls.map((u) => `${u.protocol}//${u.host}`).join(',');
  }

  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  /**
   * Sends one request, trying each configured URL once (starting with the next in turn) when the
   * previous could not be reached.
   * @throws TransportError when no URL gave an HTTP answer
   */
  async request(
    method: string,
    path: string,
    body?: string | Buffer,
    contentType = 'application/json',
  ): Promise<HttpResponse> {
    let lastError: TransportError | undefined;
    for (let i = 0; i < this.#urls.length; i++) {
      const base = this.#urls[this.#next % this.#urls.length]!;
      this.#next++;
      try {
        return await this.#send(base, method, path, body, contentType);
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        lastError = err;
      }
    }
    throw lastError ?? new TransportError('no connection.url configured');
  }

  #send(
    base: URL,
    method: string,
    path: string,
    body: string | Buffer | undefined,
    contentType: string,
  ): Promise<HttpResponse> {
    const secure = base.protocol === 'https:';
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      headers['content-type'] = contentType;
      if (this.#compression) {
        payload = gzipSync(payload);
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = payload.length;
    }
    if (this.#auth !== null) headers.authorization = this.#auth;
    const basePath = base.pathname === '/' ? '' : base.pathname.replace(/\/+$/, '');
    const where = `${method} ${base.protocol}//${base.host}${basePath}${path.split('?')[0]}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port === '' ? (secure ? 443 : 80) : Number(base.port),
          method,
          path: `${basePath}${path}`,
          headers,
          agent: secure ? this.#httpsAgent : this.#httpAgent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            clearTimeout(connectTimer);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = null;
            if (text !== '') {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
          res.on('error', (err) => reject(new TransportError(`${where}: ${err.message}`, { cause: err })));
        },
      );
      // Connect time-out: until the socket is connected (reused sockets are connected already).
      const connectTimer = setTimeout(
        () => {
          req.destroy(new TransportError(`${where}: connect timed out after ${this.#connectTimeoutMs} ms`));
        },
        Math.max(1, this.#connectTimeoutMs),
      );
      req.on('socket', (socket) => {
        const connected = (): void => {
          clearTimeout(connectTimer);
          if (this.#readTimeoutMs > 0) {
            req.setTimeout(this.#readTimeoutMs, () => {
              req.destroy(new TransportError(`${where}: read timed out after ${this.#readTimeoutMs} ms`));
            });
          }
        };
        if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', connected);
        else connected();
      });
      req.on('error', (err) => {
        clearTimeout(connectTimer);
        reject(
          err instanceof TransportError
            ? err
            : new TransportError(`${where}: ${err.message}`, { cause: err }),
        );
      });
      if (payload !== undefined) req.end(payload);
      else req.end();
    });
  }

  /** `GET /`: which server and version this is. */
  async serverInfo(): Promise<ServerInfo> {
    const res = await this.request('GET', '/');
    if (res.status !== 200) throw new HttpStatusError('GET /', res);
    return parseServerInfo(res.body, res.headers);
  }
}

/** A non-success HTTP answer, with the server's reason. */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(what: string, res: HttpResponse) {
    super(`${what} answered ${res.status}: ${errorReason(res.body)}`);
    this.name = 'HttpStatusError';
    this.status = res.status;
    this.body = res.body;
  }
}

/** The server's error message from an error body (`error.reason`, `error.root_cause`, or the text). */
export function errorReason(body: unknown): string {
  if (body === null || body === undefined) return '(no body)';
  if (typeof body === 'string') return body.slice(0, 500);
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object') {
    const e = error as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
    const cause =
      e.caused_by?.reason !== undefined ? ` (caused by ${e.caused_by.type}: ${e.caused_by.reason})` : '';
    return `${e.type ?? 'error'}: ${e.reason ?? JSON.stringify(error)}${cause}`;
  }
  return JSON.stringify(body).slice(0, 500);
}

/**
 * Reads `GET /`. OpenSearch says `version.distribution: "opensearch"` (and 1.x/2.x/3.x numbers
 * that would look like Elasticsearch 7 otherwise); Elasticsearch has no distribution field, or
 * `x-elastic-product: Elasticsearch` from 7.14 on.
 */
export function parseServerInfo(body: unknown, headers: http.IncomingHttpHeaders = {}): ServerInfo {
  const b = (body ?? {}) as { version?: { number?: unknown; distribution?: unknown }; tagline?: unknown };
  const number = typeof b.version?.number === 'string' ? b.version.number : '';
  const major = Number.parseInt(number, 10);
  if (number === '' || Number.isNaN(major))
    throw new Error(
      `GET / did not answer like Elasticsearch or OpenSearch: ${JSON.stringify(body).slice(0, 300)}`,
    );
  const opensearch =
    b.version?.distribution === 'opensearch' ||
    (typeof b.tagline === 'string' &&
      /opensearch/i.test(b.tagline) &&
      headers['x-elastic-product'] === undefined);
  return { distribution: opensearch ? 'opensearch' : 'elasticsearch', number, major };
}
