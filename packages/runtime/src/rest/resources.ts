/**
 * The handlers behind every route of {@link ROUTES}: parse the request, call the herder (under the
 * 90 s request timeout), shape the answer. Kafka's `RootResource`, `ConnectorsResource`,
 * `ConnectorPluginsResource`, `LoggingResource` and the internal resources, in one table.
 */
import type { PluginType } from '@sluice/api';
import type {
  ConnectorInfo,
  ConnectorOffsets,
  InitialState,
  PluginInfoJson,
  ServerInfo,
  WorkerStatus,
} from '../herder/entities.ts';
import type { Herder } from '../herder/herder.ts';
import { type Logger, parseLog4jLevel } from '../logging/logger.ts';
import type { LoggerRegistry } from '../logging/logger-registry.ts';
import { SLUICE_VERSION } from '../version.ts';
import { jaxRsMessage, RestError } from './errors.ts';
import { completeOrForward, type ForwardAs, queryForward } from './forwarding.ts';
import type { SecretMasking } from './secret-masking.ts';

/** What a handler sees of a request. */
export interface RestRequest {
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body; undefined when there is none. */
  body: unknown;
  /** `http://host:port` as the client addressed this server, for `Location` headers. */
  baseUrl: string;
  /** Request headers, names lower-cased (the internal endpoints check signatures in them). */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** The body's raw bytes (empty when none), what an internal request's signature covers. */
  rawBody?: Uint8Array;
}

/** What a handler answers. */
export interface RestResponse {
  status: number;
  /** JSON body; none for 202/204 answers without one. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: RestRequest) => Promise<RestResponse>;

export interface ResourceOptions {
  herder: Herder;
  /** With `rest.mask.passwords=true`: the masking `herder` is, and its rules for forwarded writes. */
  masking?: SecretMasking;
  loggers: LoggerRegistry;
  /** Git commit reported by `GET /`. */
  commit: string;
  /** Timeout of every herder call (Kafka: 90 s). */
  requestTimeoutMs: number;
  /** Timeout of the health check (Kafka: 10 s). */
  healthCheckTimeoutMs: number;
  /** `topic.tracking.enable` (default true). */
  topicTrackingEnable: boolean;
  /** `topic.tracking.allow.reset` (default true). */
  topicTrackingAllowReset: boolean;
  /**
   * Applies `PUT /admin/loggers/{name}?scope=cluster` to every worker. Standalone (the default):
   * applied to this worker's loggers.
   */
  setClusterLoggerLevel?: (namespace: string, level: string) => Promise<void>;
  /** The OpenAPI document served at `/openapi.json`. */
  openApi: () => unknown;
  log: Logger;
}

const REQUEST_TIMED_OUT = 'Request timed out';
const NAME_CONFIG = 'name';
const CONNECTOR_CLASS_CONFIG = 'connector.class';
const ALIAS_SUFFIX = 'Connector';
const INITIAL_STATES: readonly InitialState[] = ['RUNNING', 'PAUSED', 'STOPPED'];
const CONNECTOR_TYPES: readonly PluginType[] = ['sink', 'source'];
/** `connectorsOnly=false`: every type but config providers, which Kafka 3.x/4.x does not list. */
const ALL_TYPES: readonly PluginType[] = [
  'sink',
  'source',
  'transformation',
  'predicate',
  'converter',
  'header_converter',
];

/** Runs `fn`, failing with 500 `Request timed out` after `ms`. */
export async function withTimeout<T>(
  ms: number,
  fn: () => Promise<T>,
  message = REQUEST_TIMED_OUT,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RestError(500, message)), ms);
  });
  try {
    return await Promise.race([(async () => fn())(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireObject(body: unknown, what = 'Request body'): Record<string, unknown> {
  if (!isPlainObject(body)) throw new RestError(400, `${what} must be a JSON object`);
  return body;
}

/**
 * A flat config map from JSON: strings kept, numbers and booleans turned into strings (as
 * Jackson does for `Map<String, String>`), `null` kept (the herder reports it), anything else 400.
 */
function configMap(body: unknown, what = 'Request body'): Record<string, string | null> {
  const object = requireObject(body, what);
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => {
      if (value === null || typeof value === 'string') return [key, value];
      if (typeof value === 'number' || typeof value === 'boolean') return [key, String(value)];
      throw new RestError(400, `Value of configuration ${key} must be a string or null`);
    }),
  );
}

/** First value of a query parameter (JAX-RS takes the first of repeated values). */
function queryValue(query: RestRequest['query'], name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Boolean.valueOf`: `true` in any case is true, anything else false; absent ⇒ `fallback`. */
function queryBoolean(query: RestRequest['query'], name: string, fallback: boolean): boolean {
  const value = queryValue(query, name);
  return value === undefined ? fallback : value.toLowerCase() === 'true';
}

/** A `{task}` path segment as JAX-RS reads an `Integer`; anything else is a 404. */
function taskNumber(text: string): number {
  const n = /^[+-]?\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new RestError(404, jaxRsMessage(404));
  }
  return n;
}

/** Kafka's `checkAndPutConnectorConfigName`. */
function checkAndPutName(name: string, config: Record<string, string | null>): void {
  const included = config[NAME_CONFIG];
  if (included !== undefined && included !== null) {
    if (included !== name) {
      throw new RestError(
        400,
        `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`,
      );
    }
  } else {
    config[NAME_CONFIG] = name;
  }
}

function parseInitialState(value: unknown): InitialState | undefined {
  if (value === undefined || value === null) return undefined;
  const upper = String(value).toUpperCase();
  const state = INITIAL_STATES.find((s) => s === upper);
  if (state === undefined) {
    throw new RestError(
      400,
      `Invalid initial_state '${String(value)}': must be one of ${INITIAL_STATES.join(', ')} (case-insensitive)`,
    );
  }
  return state;
}

function connectorUrl(request: RestRequest, name: string): string {
  return `${request.baseUrl}/connectors/${encodeURIComponent(name)}`;
}

/** `ConnectorPluginsResource.normalizedPluginName`. */
function normalizedPluginName(name: string): string {
  return name.endsWith(ALIAS_SUFFIX) && name.length > ALIAS_SUFFIX.length
    ? name.slice(0, -ALIAS_SUFFIX.length)
    : name;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'NOT_FOUND';
}

function parseOffsets(body: unknown): ConnectorOffsets {
  const offsets = isPlainObject(body) ? body.offsets : undefined;
  if (!Array.isArray(offsets) || offsets.length === 0) {
    throw new RestError(400, 'Partitions / offsets need to be provided for an alter offsets request');
  }
  return {
    offsets: offsets.map((entry) => {
      if (!isPlainObject(entry) || !isPlainObject(entry.partition)) {
        throw new RestError(400, 'Each element of offsets must be an object with a partition object');
      }
      const offset = entry.offset ?? null;
      if (offset !== null && !isPlainObject(offset)) {
        throw new RestError(400, 'The offset of a partition must be an object or null');
      }
      return { partition: entry.partition, offset };
    }),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const HEALTHY: WorkerStatus = {
  status: 'healthy',
  message: 'Worker has completed startup and is ready to handle requests.',
};
const STARTING: WorkerStatus = { status: 'starting', message: 'Worker is still starting up.' };
const UNHEALTHY: WorkerStatus = {
  status: 'unhealthy',
  message: 'Worker was unable to handle this request and may be unable to handle other requests.',
};

/** Every route's handler, by operation id. */
export function createHandlers(options: ResourceOptions): Record<string, Handler> {
  const { herder, loggers } = options;
  const call = <T>(fn: () => Promise<T>): Promise<T> => withTimeout(options.requestTimeoutMs, fn);
  /**
   * A write the herder may refuse as "not the leader" / "not the owner": forwarded there
   * (`forwarding.ts`), under the same request timeout.
   */
  const callOrForward = <T>(
    request: RestRequest,
    fn: () => Promise<T>,
    forwardAs: ForwardAs<T>,
  ): Promise<T> => call(() => completeOrForward(queryForward(request.query), fn, forwardAs, options.log));
  const connectorPath = (name: string) => `/connectors/${encodeURIComponent(name)}`;
  const answerBody = <T>(r: { body: unknown }): T => r.body as T;
  // With `rest.mask.passwords`, a forwarded write carries the restored secrets and its answer is
  // masked here, as the masking herder does for a write served here.
  const { masking } = options;
  const unmaskConfig = async (name: string, config: Record<string, string | null>) =>
    masking === undefined ? config : masking.unmaskConfig(name, config);
  const unmaskPatch = async (name: string, patch: Record<string, string | null>) =>
    masking === undefined ? patch : masking.unmaskPatch(name, patch);
  const maskInfo = async (info: ConnectorInfo) => (masking === undefined ? info : masking.maskInfo(info));
  const ok = (body: unknown): RestResponse => ({ status: 200, body });

  const health = async (): Promise<RestResponse> => {
    const deadline = Date.now() + options.healthCheckTimeoutMs;
    while (!herder.isReady() && Date.now() < deadline)
      await sleep(Math.min(50, options.healthCheckTimeoutMs));
    if (!herder.isReady()) return { status: 503, body: STARTING };
    const remaining = Math.max(1, deadline - Date.now());
    try {
      // No herder thread to ping in Node: a cheap herder call stands in for Kafka's health request.
      await withTimeout(remaining, () => herder.healthCheck());
    } catch (err) {
      if (err instanceof RestError && err.message === REQUEST_TIMED_OUT) {
        return herder.isReady() ? { status: 500, body: UNHEALTHY } : { status: 503, body: STARTING };
      }
      throw err;
    }
    return ok(HEALTHY);
  };

  return {
    serverInfo: async () => {
      const info: ServerInfo = {
        version: SLUICE_VERSION,
        commit: options.commit,
        kafka_cluster_id: await call(() => herder.kafkaClusterId()),
      };
      return ok(info);
    },

    healthCheck: health,

    openApi: async () => ok(options.openApi()),

    listConnectors: async ({ query }) => {
      const names = await call(() => herder.connectors());
      const raw = query.expand;
      if (raw === undefined) return ok(names);
      const expand = Array.isArray(raw) ? raw : [raw];
      const out: [string, Record<string, unknown>][] = [];
      for (const name of names) {
        try {
          const expansions: Record<string, unknown> = {};
          for (const expansion of expand) {
            if (expansion === 'status') expansions.status = await call(() => herder.connectorStatus(name));
            else if (expansion === 'info') expansions.info = await call(() => herder.connectorInfo(name));
            else options.log.info(`Ignoring unknown expansion type ${expansion}`);
          }
          out.push([name, expansions]);
        } catch (err) {
          // Deleted while we looked: leave it out.
          if (!isNotFound(err)) throw err;
        }
      }
      // fromEntries, not assignment: a connector may be called `__proto__`.
      return ok(Object.fromEntries(out));
    },

    createConnector: async (request) => {
      const body = requireObject(request.body);
      const name =
        typeof body.name === 'string' ? body.name.trim() : body.name == null ? '' : String(body.name);
      if (!isPlainObject(body.config)) {
        throw new RestError(400, "Request body must contain a 'config' object");
      }
      const config = configMap(body.config, 'config');
      const initialState = parseInitialState(body.initial_state);
      checkAndPutName(name, config);
      const result = await callOrForward(
        request,
        () =>
          herder.putConnectorConfig(name, config as Record<string, string | null>, {
            allowReplace: false,
            ...(initialState === undefined ? {} : { initialState }),
          }),
        {
          method: 'POST',
          path: '/connectors',
          bodyOf: async () => ({
            name,
            config: await unmaskConfig(name, config),
            ...(initialState === undefined ? {} : { initial_state: initialState }),
          }),
          answer: async (r) => ({ created: true, info: await maskInfo(answerBody(r)) }),
        },
      );
      return { status: 201, body: result.info, headers: { location: connectorUrl(request, name) } };
    },

    getConnector: async ({ params }) => ok(await call(() => herder.connectorInfo(params.connector!))),

    deleteConnector: async (request) => {
      const name = request.params.connector!;
      await callOrForward(request, () => herder.deleteConnector(name), {
        method: 'DELETE',
        path: connectorPath(name),
        answer: () => undefined,
      });
      return { status: 204 };
    },

    getConnectorConfig: async ({ params }) => ok(await call(() => herder.connectorConfig(params.connector!))),

    putConnectorConfig: async (request) => {
      const name = request.params.connector!;
      const config = configMap(request.body);
      checkAndPutName(name, config);
      const result = await callOrForward(
        request,
        () =>
          herder.putConnectorConfig(name, config as Record<string, string | null>, { allowReplace: true }),
        {
          method: 'PUT',
          path: `${connectorPath(name)}/config`,
          bodyOf: () => unmaskConfig(name, config),
          answer: async (r) => ({ created: r.status === 201, info: await maskInfo(answerBody(r)) }),
        },
      );
      return result.created
        ? { status: 201, body: result.info, headers: { location: connectorUrl(request, name) } }
        : ok(result.info);
    },

    patchConnectorConfig: async (request) => {
      const name = request.params.connector!;
      const patch = configMap(request.body);
      return ok(
        await callOrForward(request, () => herder.patchConnectorConfig(name, patch), {
          method: 'PATCH',
          path: `${connectorPath(name)}/config`,
          bodyOf: () => unmaskPatch(name, patch),
          answer: (r) => maskInfo(answerBody(r)),
        }),
      );
    },

    getConnectorStatus: async ({ params }) => ok(await call(() => herder.connectorStatus(params.connector!))),

    restartConnector: async (request) => {
      const name = request.params.connector!;
      const includeTasks = queryBoolean(request.query, 'includeTasks', false);
      const onlyFailed = queryBoolean(request.query, 'onlyFailed', false);
      // The plain restart goes to the connector's owner, the others to the leader (with the flags).
      const plain = !includeTasks && !onlyFailed;
      const state = await callOrForward(
        request,
        () => herder.restartConnector(name, { includeTasks, onlyFailed }),
        {
          method: 'POST',
          path: `${connectorPath(name)}/restart`,
          ...(plain ? {} : { query: { includeTasks: String(includeTasks), onlyFailed: String(onlyFailed) } }),
          answer: (r) => (plain ? null : answerBody(r)),
        },
      );
      return state === null ? { status: 204 } : { status: 202, body: state };
    },

    stopConnector: async (request) => {
      const name = request.params.connector!;
      await callOrForward(request, () => herder.stopConnector(name), {
        method: 'PUT',
        path: `${connectorPath(name)}/stop`,
        answer: () => undefined,
      });
      return { status: 204 };
    },

    pauseConnector: async ({ params }) => {
      await call(() => herder.pauseConnector(params.connector!));
      return { status: 202 };
    },

    resumeConnector: async ({ params }) => {
      await call(() => herder.resumeConnector(params.connector!));
      return { status: 202 };
    },

    getTaskConfigs: async ({ params }) => ok(await call(() => herder.taskConfigs(params.connector!))),

    putTaskConfigs: async (request) => {
      const { params, body, headers, rawBody } = request;
      if (herder.putTaskConfigs !== undefined) {
        if (!Array.isArray(body) || !body.every(isPlainObject))
          throw new RestError(400, 'Request body must be a JSON array of task configurations');
        const name = params.connector!;
        const configs = body.map((c) => configMap(c) as Record<string, string>);
        const internal = { headers: headers ?? {}, body: rawBody ?? new Uint8Array() };
        await callOrForward(request, () => herder.putTaskConfigs!(name, configs, internal), {
          method: 'POST',
          path: `${connectorPath(name)}/tasks`,
          body: configs,
          signedBy: herder,
          answer: () => undefined,
        });
        return { status: 204 };
      }
      throw new RestError(
        500,
        'Kafka Connect in standalone mode does not support externally setting task configurations.',
      );
    },

    fenceZombies: async (request) => {
      const { params, headers, rawBody } = request;
      if (herder.fenceZombieSourceTasks !== undefined) {
        const name = params.connector!;
        const internal = { headers: headers ?? {}, body: rawBody ?? new Uint8Array() };
        await callOrForward(request, () => herder.fenceZombieSourceTasks!(name, internal), {
          method: 'PUT',
          path: `${connectorPath(name)}/fence`,
          signedBy: herder,
          answer: () => undefined,
        });
        return { status: 204 };
      }
      throw new RestError(
        500,
        'Kafka Connect in standalone mode does not support exactly-once source connectors.',
      );
    },

    getTaskStatus: async ({ params }) => {
      const task = taskNumber(params.task!);
      return ok(await call(() => herder.taskStatus(params.connector!, task)));
    },

    restartTask: async (request) => {
      const name = request.params.connector!;
      const task = taskNumber(request.params.task!);
      await callOrForward(request, () => herder.restartTask(name, task), {
        method: 'POST',
        path: `${connectorPath(name)}/tasks/${task}/restart`,
        answer: () => undefined,
      });
      return { status: 204 };
    },

    getActiveTopics: async ({ params }) => {
      if (!options.topicTrackingEnable) throw new RestError(403, 'Topic tracking is disabled.');
      const name = params.connector!;
      const topics = await call(() => herder.connectorActiveTopics(name));
      return ok({ [name]: { topics } });
    },

    resetActiveTopics: async ({ params }) => {
      if (!options.topicTrackingEnable) throw new RestError(403, 'Topic tracking is disabled.');
      if (!options.topicTrackingAllowReset) throw new RestError(403, 'Topic tracking reset is disabled.');
      await call(() => herder.resetConnectorActiveTopics(params.connector!));
      return { status: 202 };
    },

    getOffsets: async ({ params }) => ok(await call(() => herder.connectorOffsets(params.connector!))),

    alterOffsets: async (request) => {
      const name = request.params.connector!;
      const offsets = parseOffsets(request.body);
      return ok(
        await callOrForward(request, () => herder.alterConnectorOffsets(name, offsets), {
          method: 'PATCH',
          path: `${connectorPath(name)}/offsets`,
          body: offsets,
          answer: answerBody,
        }),
      );
    },

    resetOffsets: async (request) => {
      const name = request.params.connector!;
      return ok(
        await callOrForward(request, () => herder.resetConnectorOffsets(name), {
          method: 'DELETE',
          path: `${connectorPath(name)}/offsets`,
          answer: answerBody,
        }),
      );
    },

    listConnectorPlugins: async ({ query }) => {
      const types = queryBoolean(query, 'connectorsOnly', true) ? CONNECTOR_TYPES : ALL_TYPES;
      const plugins: PluginInfoJson[] = herder.plugins.list(types).map((p) => ({
        class: p.className,
        // Only listed types are asked for (never `configprovider`, which Kafka does not list).
        type: p.type as PluginInfoJson['type'],
        ...(p.version === undefined ? {} : { version: p.version }),
      }));
      return ok(plugins);
    },

    getPluginConfig: async ({ params }) => ok(await call(() => herder.connectorPluginConfig(params.plugin!))),

    validateConfig: async ({ params, body }) => {
      const connType = params.plugin!;
      const config = configMap(body);
      const included = config[CONNECTOR_CLASS_CONFIG];
      if (
        included !== undefined &&
        included !== null &&
        !normalizedPluginName(included).endsWith(normalizedPluginName(connType))
      ) {
        throw new RestError(
          400,
          `Included connector type ${included} does not match request type ${connType}`,
        );
      }
      return ok(await call(() => herder.validateConnectorConfig(config as Record<string, string | null>)));
    },

    listLoggers: async () => ok(loggers.allLevels()),

    getLogger: async ({ params }) => {
      const name = params.logger!;
      const level = loggers.level(name);
      if (level === null) throw new RestError(404, `Logger ${name} not found.`);
      return ok(level);
    },

    setLogLevel: async ({ params, query, body }) => {
      const namespace = params.logger!;
      const raw = isPlainObject(body) ? body.level : undefined;
      if (raw === undefined || raw === null) {
        throw new RestError(400, "Desired 'level' parameter was not specified in request.");
      }
      const level = String(raw);
      if (parseLog4jLevel(level) === undefined) {
        throw new RestError(404, `invalid log level '${level}'.`);
      }
      const scope = (queryValue(query, 'scope') ?? 'worker').toLowerCase();
      if (scope === 'cluster') {
        if (options.setClusterLoggerLevel !== undefined) {
          await call(() => options.setClusterLoggerLevel!(namespace, level));
        } else {
          loggers.setLevel(namespace, level);
        }
        return { status: 204 };
      }
      if (scope !== 'worker') {
        options.log.warn(
          `Received invalid scope '${scope}' in request to adjust logging level; will default to worker`,
        );
      }
      return ok(loggers.setLevel(namespace, level));
    },
  };
}
