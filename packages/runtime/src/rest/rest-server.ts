/**
 * The worker's REST server (Kafka's `RestServer`): fastify, one instance per listener, every
 * route of {@link ROUTES}, Kafka's error bodies for everything that goes wrong (bad JSON, unknown
 * routes, wrong methods, wrong media types), CORS and extra response headers as configured.
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { hostname } from 'node:os';
import { isRegistryPath, type SchemaRegistry, schemaRegistryPlugin } from '@sluice/schema-registry';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Herder } from '../herder/herder.ts';
import type { EmbeddedLogClient } from '../log/embedded/embedded-log-client.ts';
import type { LogClient } from '../log/log-client.ts';
import type { LoggerRegistry } from '../logging/logger-registry.ts';
import type { ConnectMetrics } from '../metrics/connect-metrics.ts';
import { isMetricsPath, registerMetricsRoute } from '../metrics/rest-route.ts';
import { fastifyPath, pathMatcher, ROUTES } from './api-spec.ts';
import { inboundAuthorization, type RestAuthenticator } from './auth/rest-auth.ts';
import { jaxRsMessage, RestError, toErrorResponse } from './errors.ts';
import { restWorkerClient } from './forwarding.ts';
import { registerGroupsEndpoint } from './groups-endpoint.ts';
import { applyHeaderRules, Cors, type HeaderRule, parseResponseHeaders } from './http-headers.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { createHandlers, type Handler } from './resources.ts';
import { secretMasking } from './secret-masking.ts';
import { logTlsRefusals } from './tls.ts';
import { registerTopicsEndpoint } from './topics-endpoint.ts';

/** One `listeners` entry: plain HTTP, or HTTPS with the server's `tls` options. */
export interface RestListener {
  protocol: 'http' | 'https';
  /** Interface to bind; `''` or `0.0.0.0` for all. */
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RestServerOptions {
  herder: Herder;
  /** Backs `/admin/loggers`; its `org.apache.kafka.connect.runtime.rest.RestServer` logger gets the access log. */
  loggers: LoggerRegistry;
  listeners: RestListener[];
  /**
   * `admin.listeners`: undefined/null serves `/admin` on every listener; `[]` serves it nowhere;
   * else only these listeners serve it (and serve nothing else).
   */
  adminListeners?: RestListener[] | null;
  /** Authentication of the requests that match a route (see `rest/auth/`); none when undefined. */
  auth?: RestAuthenticator;
  /** `rest.mask.passwords`: PASSWORD values answered as `[hidden]` (see `rest/secret-masking.ts`). */
  maskPasswords?: boolean;
  /** TLS of the `https` listeners (see `rest/tls.ts`). */
  tls?: HttpsServerOptions;
  /** TLS of the `https` admin listeners (`admin.listeners.https.ssl.*`); default {@link tls}. */
  adminTls?: HttpsServerOptions;
  /** `access.control.allow.origin`: comma-separated origins (`*` wildcards); empty = same origin only. */
  corsAllowOrigin?: string;
  /** `access.control.allow.methods`: methods answered to CORS preflights; default `GET,POST,HEAD`. */
  corsAllowMethods?: string;
  /** `response.http.headers.config`: `[action] [name]: [value]` entries, comma-separated. */
  responseHeaders?: string;
  /** Git commit reported by `GET /`; default `unknown`. */
  commit?: string;
  /** Timeout of every herder call; default 90 000 ms (Kafka's). */
  requestTimeoutMs?: number;
  /** Timeout of `GET /health`; default 10 000 ms (Kafka's). */
  healthCheckTimeoutMs?: number;
  /** `topic.tracking.enable`; default true. */
  topicTrackingEnable?: boolean;
  /** `topic.tracking.allow.reset`; default true. */
  topicTrackingAllowReset?: boolean;
  /**
   * Applies a cluster-scope logger level to every worker; default: the herder's (distributed: through
   * the config topic), else this worker only (standalone).
   */
  setClusterLoggerLevel?: (namespace: string, level: string) => Promise<void>;
  /** Largest accepted request body in bytes; default 16 MiB. */
  bodyLimit?: number;
  /** A schema registry served at Confluent's paths (`/subjects`, `/schemas`, `/config`, ...) on the same listeners. */
  schemaRegistry?: SchemaRegistry;
  /**
   * With a schemas topic shared by several workers: the URL of the worker that writes it, or
   * null when this one does ('' while unknown). Registry changes are forwarded there.
   */
  schemaRegistryWriterUrl?: () => string | null;
  /** The embedded log, served to `sluice topics --url` under /sluice/topics (topics-endpoint.ts). */
  topicLog?: LogClient;
  /** Served in Prometheus text at `GET /metrics`. */
  metrics?: ConnectMetrics;
}

const ACCESS_LOGGER = 'org.apache.kafka.connect.runtime.rest.RestServer';
const EMPTY_BODY = new Uint8Array();
/** What fastify makes of `application/json` for a string payload (it appends the charset). */
const FASTIFY_JSON_TYPE = 'application/json; charset=utf-8';

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** True when an `Accept` header admits `application/json` (absent or empty admits everything). */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    return type === 'application/json' || type === 'application/*' || type === '*/*' || type === '*';
  });
}

interface Matcher {
  method: string;
  pattern: RegExp;
}

export class RestServer {
  readonly #options: RestServerOptions;
  readonly #handlers: Record<string, Handler>;
  readonly #matchers: Matcher[];
  readonly #cors: Cors;
  readonly #headerRules: HeaderRule[];
  readonly #apps: FastifyInstance[] = [];
  #urls: string[] = [];

  constructor(options: RestServerOptions) {
    this.#options = options;
    this.#cors = new Cors({ allowOrigin: options.corsAllowOrigin, allowMethods: options.corsAllowMethods });
    this.#headerRules = options.responseHeaders?.trim() ? parseResponseHeaders(options.responseHeaders) : [];
    let openApi: unknown;
    // The herder's own internal requests (a follower's task configs) go out through the same
    // client as forwarded ones (`forwarding.ts`).
    options.herder.useWorkerClient?.(restWorkerClient);
    // Cluster-wide log levels (KIP-976) read by a distributed herder apply to the loggers served here.
    options.herder.useLoggers?.(options.loggers);
    const herder = options.herder;
    const setClusterLoggerLevel =
      options.setClusterLoggerLevel ??
      (herder.setClusterLoggerLevel === undefined
        ? undefined
        : (namespace: string, level: string) => herder.setClusterLoggerLevel!(namespace, level));
    const masking = options.maskPasswords === true ? secretMasking(options.herder) : undefined;
    this.#handlers = createHandlers({
      ...(masking === undefined ? { herder: options.herder } : { herder: masking.herder, masking }),
      loggers: options.loggers,
      commit: options.commit ?? 'unknown',
      requestTimeoutMs: options.requestTimeoutMs ?? 90_000,
      healthCheckTimeoutMs: options.healthCheckTimeoutMs ?? 10_000,
      topicTrackingEnable: options.topicTrackingEnable ?? true,
      topicTrackingAllowReset: options.topicTrackingAllowReset ?? true,
      ...(setClusterLoggerLevel === undefined ? {} : { setClusterLoggerLevel }),
      openApi: () => {
        openApi ??= buildOpenApiDocument();
        return openApi;
      },
      log: options.loggers.logger(ACCESS_LOGGER),
    });
    for (const route of ROUTES) {
      if (this.#handlers[route.operationId] === undefined) {
        throw new Error(`No handler for route ${route.operationId}`);
      }
    }
    this.#matchers = ROUTES.map((r) => ({ method: r.method, pattern: pathMatcher(r.path) }));
  }

  /** The URLs the server answers on, once started. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  /** Starts every listener; port 0 gets an ephemeral port, reported in `urls`. */
  async start(): Promise<{ urls: string[] }> {
    if (this.#apps.length > 0) throw new Error('RestServer already started');
    if (this.#options.listeners.length === 0) throw new Error('RestServer needs at least one listener');
    const urls: string[] = [];
    try {
      const admin = this.#options.adminListeners;
      const all: [RestListener, 'all' | 'admin' | 'api'][] =
        admin === undefined || admin === null
          ? this.#options.listeners.map((l) => [l, 'all'])
          : [
              ...this.#options.listeners.map((l): [RestListener, 'api'] => [l, 'api']),
              ...admin.map((l): [RestListener, 'admin'] => [l, 'admin']),
            ];
      for (const [listener, serves] of all) {
        const tls = serves === 'admin' ? (this.#options.adminTls ?? this.#options.tls) : this.#options.tls;
        if (listener.protocol === 'https' && tls === undefined) {
          throw new Error(
            `Listener https://${formatHost(listener.host)}:${listener.port} needs TLS settings`,
          );
        }
        const app = this.#buildApp(listener.protocol === 'https' ? tls : undefined, serves);
        if (listener.protocol === 'https') {
          logTlsRefusals(app.server, this.#options.loggers.logger(ACCESS_LOGGER));
        }
        this.#apps.push(app);
        const bindHost = listener.host === '' ? '0.0.0.0' : listener.host;
        await app.listen({ host: bindHost, port: listener.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : listener.port;
        const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
        urls.push(`${listener.protocol}://${formatHost(wildcard ? hostname() : bindHost)}:${port}`);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.#urls = urls;
    this.#options.loggers.logger(ACCESS_LOGGER).info(`REST server listening at ${urls.join(', ')}`);
    return { urls: [...urls] };
  }

  /** Stops every listener (in-flight requests are answered first). */
  async stop(): Promise<void> {
    const apps = this.#apps.splice(0);
    await Promise.allSettled(apps.map((app) => app.close()));
    this.#urls = [];
  }

  #buildApp(tls: HttpsServerOptions | undefined, serves: 'all' | 'admin' | 'api'): FastifyInstance {
    const app = Fastify({
      logger: false,
      ...(tls === undefined ? {} : { https: tls }),
      bodyLimit: this.#options.bodyLimit ?? 16 * 1024 * 1024,
      routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 65_535 },
    });
    const accessLog = this.#options.loggers.logger(ACCESS_LOGGER);

    app.removeAllContentTypeParsers();
    const parseJson = (body: string): unknown => {
      if (body.trim() === '') return undefined;
      try {
        return JSON.parse(body);
      } catch (err) {
        throw new RestError(400, `Malformed JSON in request body: ${(err as Error).message}`);
      }
    };
    // Bodies are read as bytes and kept: internal requests are signed over the exact bytes (KIP-507).
    const rawBodies = new WeakMap<FastifyRequest, Buffer>();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      try {
        rawBodies.set(req, body as Buffer);
        done(null, parseJson((body as Buffer).toString('utf8')));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    // Without a Content-Type the body is read as JSON (JAX-RS does the same); any other media type
    // with a body is refused with 415.
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
      try {
        rawBodies.set(req, body as Buffer);
        if (req.headers['content-type'] === undefined)
          done(null, parseJson((body as Buffer).toString('utf8')));
        else if ((body as Buffer).length === 0) done(null, undefined);
        else done(new RestError(415, jaxRsMessage(415)), undefined);
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    // Every answer is JSON (`@Produces(application/json)`): a client that accepts no JSON gets 406.
    const registry = this.#options.schemaRegistry;
    const writerUrl = this.#options.schemaRegistryWriterUrl;
    if (registry !== undefined)
      app.register(schemaRegistryPlugin, { registry, ...(writerUrl === undefined ? {} : { writerUrl }) });
    const principals = new WeakMap<FastifyRequest, string>();
    app.addHook('onRequest', async (request, reply) => {
      // The registry's clients may accept only Confluent's media type (application/vnd.schemaregistry.v1+json).
      const registryPath = registry !== undefined && isRegistryPath(request.url.split('?')[0] ?? '/');
      if (serves !== 'all') {
        // admin.listeners: /admin only there, nothing else there (Kafka answers 404 either way).
        const isAdmin = /^\/admin(\/|$|\?)/.test(request.url);
        if (isAdmin !== (serves === 'admin')) throw new RestError(404, jaxRsMessage(404));
      }
      const auth = this.#options.auth;
      if (auth !== undefined && request.method !== 'OPTIONS') {
        // Only requests that reach a route are authenticated (an unknown path is a 404, a wrong
        // method a 405, as JAX-RS matches before Kafka's filter runs).
        const path = (request.url.split('?')[0] ?? '/').replace(/\/{2,}/g, '/');
        const method = request.method === 'HEAD' ? 'GET' : request.method;
        const route = this.#matchers.findIndex((m) => m.method === method && m.pattern.test(path));
        // Sluice's own paths outside the route table (/metrics, /sluice/topics) need credentials too:
        // GET a viewer, anything else an admin.
        const ownPath = isMetricsPath(request.url) || /^\/sluice(\/|$)/.test(path);
        if (registryPath || route >= 0 || ownPath) {
          const decision = await auth.check(
            { method: request.method, path, headers: request.headers },
            serves,
            route >= 0 ? ROUTES[route]!.operationId : undefined,
          );
          if (!decision.allow) {
            reply
              .code(decision.status)
              .header('content-type', decision.contentType)
              .headers(decision.headers ?? {});
            return reply.send(decision.body);
          }
          if (decision.principal !== undefined) principals.set(request, decision.principal);
        }
      }
      if (
        request.method !== 'OPTIONS' &&
        !registryPath &&
        !isMetricsPath(request.url) &&
        !acceptsJson(request.headers.accept)
      ) {
        throw new RestError(406, jaxRsMessage(406));
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      // JSON answers say `application/json`, as Kafka Connect's do: no `; charset=utf-8`.
      if (reply.getHeader('content-type') === FASTIFY_JSON_TYPE)
        reply.header('content-type', 'application/json');
      const cors = this.#cors.simpleHeaders(request.headers.origin);
      for (const [name, value] of Object.entries(cors)) reply.header(name, value);
      if (this.#headerRules.length > 0) {
        const headers = applyHeaderRules(this.#headerRules, reply.getHeaders());
        for (const [name, value] of Object.entries(headers)) reply.header(name, value);
      }
      return payload;
    });

    app.addHook('onResponse', async (request, reply) => {
      accessLog.info(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          remoteAddress: request.ip,
          principal: principals.get(request),
          userAgent: request.headers['user-agent'],
          durationMs: Math.round(reply.elapsedTime),
        },
        // A state-changing request names who made it.
        `${request.method} ${request.url} ${reply.statusCode}${principals.has(request) ? ` by ${principals.get(request)}` : ''}`,
      );
    });

    app.setErrorHandler((err, request, reply) => {
      const { status, body } = toErrorResponse(err);
      if (status >= 500) {
        accessLog.error({ err }, `Uncaught exception in REST call to ${request.method} ${request.url}`);
      } else {
        accessLog.debug({ err }, `Error answer to ${request.method} ${request.url}`);
      }
      return reply.code(status).type('application/json').send(body);
    });

    app.setNotFoundHandler((request, reply) => this.#notFound(request, reply));
    if (this.#options.metrics !== undefined) registerMetricsRoute(app, this.#options.metrics);

    if (this.#options.topicLog !== undefined) registerTopicsEndpoint(app, this.#options.topicLog);
    // The embedded log's consumer groups, for `sluice groups --url` (groups-endpoint.ts).
    const groupLog = this.#options.topicLog;
    if (groupLog?.kind === 'embedded' && 'listGroups' in groupLog) {
      registerGroupsEndpoint(app, groupLog as EmbeddedLogClient);
    }

    for (const route of ROUTES) {
      const handler = this.#handlers[route.operationId]!;
      app.route({
        method: route.method,
        url: fastifyPath(route.path),
        handler: async (request, reply) => {
          const result = await inboundAuthorization.run(request.headers.authorization, () =>
            handler({
              params: request.params as Record<string, string>,
              query: request.query as Record<string, string | string[] | undefined>,
              body: request.body,
              headers: request.headers,
              rawBody: rawBodies.get(request) ?? EMPTY_BODY,
              baseUrl: `${request.protocol}://${request.host || this.#urls[0]?.replace(/^https?:\/\//, '')}`,
            }),
          );
          reply.code(result.status);
          for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
          if (result.body === undefined) return reply.send();
          return reply.type('application/json').send(JSON.stringify(result.body));
        },
      });
    }
    return app;
  }

  /** Unknown path ⇒ 404; known path, other method ⇒ 405 (`OPTIONS` ⇒ 200 with `Allow` and CORS). */
  #notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = (request.url.split('?')[0] ?? '/').replace(/\/{2,}/g, '/');
    const methods = new Set(this.#matchers.filter((m) => m.pattern.test(path)).map((m) => m.method));
    if (methods.size === 0) {
      return reply
        .code(404)
        .type('application/json')
        .send({ error_code: 404, message: jaxRsMessage(404) });
    }
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    const allow = [...methods].join(', ');
    if (request.method === 'OPTIONS') {
      const preflight = this.#cors.preflightHeaders(
        request.headers.origin,
        request.headers['access-control-request-method'] as string | undefined,
      );
      for (const [name, value] of Object.entries(preflight)) reply.header(name, value);
      return reply.code(200).header('allow', allow).send();
    }
    return reply
      .code(405)
      .header('allow', allow)
      .type('application/json')
      .send({ error_code: 405, message: jaxRsMessage(405) });
  }
}
