/**
 * The REST API as data: every route with its method, path, parameters, body and answers, and the
 * JSON schemas of Kafka Connect's entities (reference §1.2–§1.3). The server registers its routes
 * from this table and the OpenAPI document is generated from it, so the two cannot drift apart.
 */

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses). */
export type JsonSchema = { [key: string]: unknown };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface QueryParamSpec {
  name: string;
  description: string;
  schema: JsonSchema;
  /** Repeatable (`?expand=status&expand=info`). */
  repeatable?: boolean;
}

export interface ResponseSpec {
  description: string;
  /** Body schema; none for an empty body. */
  schema?: JsonSchema;
  /** Response headers, name → description. */
  headers?: Record<string, string>;
}

export interface RouteSpec {
  /** Unique, also the handler's key. */
  operationId: string;
  method: HttpMethod;
  /** OpenAPI-style path (`/connectors/{connector}`). */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Worker-to-worker endpoint: served, but left out of the OpenAPI document. */
  internal?: boolean;
  query?: QueryParamSpec[];
  body?: { description: string; schema: JsonSchema; required: boolean };
  responses: Record<number, ResponseSpec>;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const anyMap: JsonSchema = { type: 'object', additionalProperties: true };

const STATES = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED'];

/** The entities of §1.3, by the names Kafka's classes carry. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  ErrorMessage: {
    type: 'object',
    description: 'The body of every error answer; `error_code` is the HTTP status.',
    required: ['error_code', 'message'],
    properties: { error_code: { type: 'integer' }, message: { type: 'string' } },
  },
  ServerInfo: {
    type: 'object',
    required: ['version', 'commit', 'kafka_cluster_id'],
    properties: {
      version: { type: 'string', description: "The worker's version." },
      commit: { type: 'string', description: 'The git commit of the build, or `unknown`.' },
      kafka_cluster_id: { type: 'string', description: 'Id of the Kafka cluster (or of the embedded log).' },
    },
  },
  WorkerStatus: {
    type: 'object',
    required: ['status', 'message'],
    properties: {
      status: { type: 'string', enum: ['healthy', 'starting', 'unhealthy'] },
      message: { type: 'string' },
    },
  },
  ConnectorConfig: {
    ...stringMap,
    description: 'A connector configuration: a flat map of string keys to string values.',
  },
  ConnectorConfigPatch: {
    type: 'object',
    description: 'Keys to set; a `null` value removes the key.',
    additionalProperties: { type: ['string', 'null'] },
  },
  CreateConnectorRequest: {
    type: 'object',
    required: ['name', 'config'],
    properties: {
      name: { type: 'string', description: 'The connector name (leading and trailing spaces are trimmed).' },
      config: ref('ConnectorConfig'),
      initial_state: {
        type: 'string',
        description: 'State of the new connector (case-insensitive); default RUNNING.',
        enum: ['RUNNING', 'PAUSED', 'STOPPED'],
      },
    },
  },
  ConnectorTaskId: {
    type: 'object',
    required: ['connector', 'task'],
    properties: { connector: { type: 'string' }, task: { type: 'integer' } },
  },
  ConnectorInfo: {
    type: 'object',
    required: ['name', 'config', 'tasks', 'type'],
    properties: {
      name: { type: 'string' },
      config: ref('ConnectorConfig'),
      tasks: { type: 'array', items: ref('ConnectorTaskId') },
      type: { type: 'string', enum: ['source', 'sink', 'unknown'] },
    },
  },
  ConnectorState: {
    type: 'object',
    required: ['state', 'worker_id', 'version'],
    properties: {
      state: { type: 'string', enum: STATES },
      worker_id: { type: 'string', description: '`host:port` of the worker running it.' },
      version: {
        type: ['string', 'null'],
        description: 'The plugin version of the running instance (KIP-891); null when not known.',
      },
      trace: { type: 'string', description: 'The failure, when FAILED.' },
    },
  },
  TaskState: {
    type: 'object',
    required: ['id', 'state', 'worker_id', 'version'],
    properties: {
      id: { type: 'integer' },
      state: { type: 'string', enum: STATES },
      worker_id: { type: 'string' },
      version: { type: ['string', 'null'] },
      trace: { type: 'string' },
    },
  },
  ConnectorStateInfo: {
    type: 'object',
    required: ['name', 'connector', 'tasks', 'type'],
    properties: {
      name: { type: 'string' },
      connector: ref('ConnectorState'),
      tasks: { type: 'array', items: ref('TaskState') },
      type: { type: 'string', enum: ['source', 'sink', 'unknown'] },
    },
  },
  ConnectorExpansions: {
    type: 'object',
    description: 'Per connector, the expansions asked for.',
    additionalProperties: {
      type: 'object',
      properties: { status: ref('ConnectorStateInfo'), info: ref('ConnectorInfo') },
    },
  },
  TaskInfo: {
    type: 'object',
    required: ['id', 'config'],
    properties: { id: ref('ConnectorTaskId'), config: ref('ConnectorConfig') },
  },
  ActiveTopicsInfo: {
    type: 'object',
    description: 'Keyed by the connector name.',
    additionalProperties: {
      type: 'object',
      required: ['topics'],
      properties: { topics: { type: 'array', items: { type: 'string' } } },
    },
  },
  ConnectorOffset: {
    type: 'object',
    required: ['partition', 'offset'],
    properties: {
      partition: anyMap,
      offset: { oneOf: [anyMap, { type: 'null' }] },
    },
  },
  ConnectorOffsets: {
    type: 'object',
    required: ['offsets'],
    properties: { offsets: { type: 'array', items: ref('ConnectorOffset') } },
  },
  Message: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
  PluginInfo: {
    type: 'object',
    required: ['class', 'type'],
    properties: {
      class: { type: 'string' },
      type: {
        type: 'string',
        enum: ['source', 'sink', 'converter', 'header_converter', 'transformation', 'predicate'],
      },
      version: { type: 'string' },
    },
  },
  ConfigKeyInfo: {
    type: 'object',
    required: [
      'name',
      'type',
      'required',
      'default_value',
      'importance',
      'documentation',
      'group',
      'order',
      'width',
      'display_name',
      'dependents',
    ],
    properties: {
      name: { type: 'string' },
      type: {
        type: 'string',
        enum: ['BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'],
      },
      required: { type: 'boolean' },
      default_value: { type: ['string', 'null'] },
      importance: { type: 'string', enum: ['HIGH', 'MEDIUM', 'LOW'] },
      documentation: { type: ['string', 'null'] },
      group: { type: ['string', 'null'] },
      order: { type: 'integer' },
      width: { type: 'string', enum: ['NONE', 'SHORT', 'MEDIUM', 'LONG'] },
      display_name: { type: ['string', 'null'] },
      dependents: { type: 'array', items: { type: 'string' } },
    },
  },
  ConfigValueInfo: {
    type: 'object',
    required: ['name', 'value', 'recommended_values', 'errors', 'visible'],
    properties: {
      name: { type: 'string' },
      value: { type: ['string', 'null'] },
      recommended_values: { type: 'array', items: { type: ['string', 'null'] } },
      errors: { type: 'array', items: { type: 'string' } },
      visible: { type: 'boolean' },
    },
  },
  ConfigInfo: {
    type: 'object',
    required: ['definition', 'value'],
    properties: {
      definition: { oneOf: [ref('ConfigKeyInfo'), { type: 'null' }] },
      value: { oneOf: [ref('ConfigValueInfo'), { type: 'null' }] },
    },
  },
  ConfigInfos: {
    type: 'object',
    required: ['name', 'error_count', 'groups', 'configs'],
    properties: {
      name: { type: 'string' },
      error_count: { type: 'integer' },
      groups: { type: 'array', items: { type: 'string' } },
      configs: { type: 'array', items: ref('ConfigInfo') },
    },
  },
  LoggerLevel: {
    type: 'object',
    required: ['level', 'last_modified'],
    properties: {
      level: { type: 'string', enum: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'] },
      last_modified: { type: ['integer', 'null'], description: 'Epoch ms of the last change, or null.' },
    },
  },
  LevelRequest: {
    type: 'object',
    required: ['level'],
    properties: {
      level: {
        type: 'string',
        description: 'A log4j level, case-insensitive: TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF.',
      },
    },
  },
};

const err = (description: string): ResponseSpec => ({ description, schema: ref('ErrorMessage') });
const ok = (description: string, schema?: JsonSchema): ResponseSpec =>
  schema === undefined ? { description } : { description, schema };
const TIMEOUT = err('The worker failed or did not answer within 90 s (`Request timed out`).');
const NOT_FOUND = err('No such connector.');
const REBALANCE = err('A rebalance or a conflicting request is in progress.');
const FORWARD: QueryParamSpec = {
  name: 'forward',
  description: 'Internal: whether a worker may forward the request once more. Ignored in standalone mode.',
  schema: { type: 'boolean' },
};

/** Every route, public and internal. */
export const ROUTES: readonly RouteSpec[] = [
  {
    operationId: 'serverInfo',
    method: 'GET',
    path: '/',
    tag: 'Server',
    summary: 'Version of the worker and id of its Kafka cluster',
    responses: { 200: ok('The server info.', ref('ServerInfo')) },
  },
  {
    operationId: 'healthCheck',
    method: 'GET',
    path: '/health',
    tag: 'Server',
    summary: 'Whether the worker has started and is responsive',
    responses: {
      200: ok('Healthy.', ref('WorkerStatus')),
      500: ok('Unhealthy: the worker did not answer within 10 s.', ref('WorkerStatus')),
      503: ok('Still starting.', ref('WorkerStatus')),
    },
  },
  {
    operationId: 'openApi',
    method: 'GET',
    path: '/openapi.json',
    tag: 'Server',
    summary: 'This OpenAPI document',
    responses: { 200: ok('The OpenAPI 3.1 document.', { type: 'object' }) },
  },
  {
    operationId: 'listConnectors',
    method: 'GET',
    path: '/connectors',
    tag: 'Connectors',
    summary: 'Names of all connectors, or their status and info',
    query: [
      {
        name: 'expand',
        description:
          'Repeatable: `status` and/or `info`. With it the answer is an object keyed by connector name; unknown values are ignored.',
        schema: { type: 'array', items: { type: 'string', enum: ['status', 'info'] } },
        repeatable: true,
      },
    ],
    responses: {
      200: ok('Connector names (sorted), or with `expand` the expansions by connector name.', {
        oneOf: [{ type: 'array', items: { type: 'string' } }, ref('ConnectorExpansions')],
      }),
      500: TIMEOUT,
    },
  },
  {
    operationId: 'createConnector',
    method: 'POST',
    path: '/connectors',
    tag: 'Connectors',
    summary: 'Create a connector',
    description:
      'Validates the configuration, then creates and starts the connector. `config.name`, when given, must equal `name`.',
    query: [FORWARD],
    body: { description: 'The connector to create.', schema: ref('CreateConnectorRequest'), required: true },
    responses: {
      201: {
        description: 'Created.',
        schema: ref('ConnectorInfo'),
        headers: { Location: 'The URL of the new connector.' },
      },
      400: err('Invalid configuration, name mismatch or invalid `initial_state`.'),
      409: err('The connector exists already, or a rebalance is in progress.'),
      500: TIMEOUT,
    },
  },
  {
    operationId: 'getConnector',
    method: 'GET',
    path: '/connectors/{connector}',
    tag: 'Connectors',
    summary: 'A connector: config, tasks and type',
    responses: { 200: ok('The connector.', ref('ConnectorInfo')), 404: NOT_FOUND, 500: TIMEOUT },
  },
  {
    operationId: 'deleteConnector',
    method: 'DELETE',
    path: '/connectors/{connector}',
    tag: 'Connectors',
    summary: 'Stop and delete a connector (its offsets are kept)',
    query: [FORWARD],
    responses: { 204: ok('Deleted.'), 404: NOT_FOUND, 409: REBALANCE, 500: TIMEOUT },
  },
  {
    operationId: 'getConnectorConfig',
    method: 'GET',
    path: '/connectors/{connector}/config',
    tag: 'Connectors',
    summary: 'The raw (unresolved) configuration of a connector',
    responses: { 200: ok('The configuration.', ref('ConnectorConfig')), 404: NOT_FOUND, 500: TIMEOUT },
  },
  {
    operationId: 'putConnectorConfig',
    method: 'PUT',
    path: '/connectors/{connector}/config',
    tag: 'Connectors',
    summary: 'Create a connector or replace its configuration',
    query: [FORWARD],
    body: { description: 'The full configuration.', schema: ref('ConnectorConfig'), required: true },
    responses: {
      200: ok('Updated.', ref('ConnectorInfo')),
      201: {
        description: 'Created.',
        schema: ref('ConnectorInfo'),
        headers: { Location: 'The URL of the new connector.' },
      },
      400: err('Invalid configuration or name mismatch.'),
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'patchConnectorConfig',
    method: 'PATCH',
    path: '/connectors/{connector}/config',
    tag: 'Connectors',
    summary: 'Change some keys of a connector configuration',
    query: [FORWARD],
    body: { description: 'The keys to change.', schema: ref('ConnectorConfigPatch'), required: true },
    responses: {
      200: ok('Updated.', ref('ConnectorInfo')),
      400: err('The patched configuration is invalid.'),
      404: NOT_FOUND,
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'getConnectorStatus',
    method: 'GET',
    path: '/connectors/{connector}/status',
    tag: 'Connectors',
    summary: 'State of a connector and its tasks',
    responses: {
      200: ok('The status.', ref('ConnectorStateInfo')),
      404: err('`No status found for connector <c>`.'),
    },
  },
  {
    operationId: 'restartConnector',
    method: 'POST',
    path: '/connectors/{connector}/restart',
    tag: 'Connectors',
    summary: 'Restart a connector and optionally its tasks',
    query: [
      {
        name: 'includeTasks',
        description: 'Also restart tasks.',
        schema: { type: 'boolean', default: false },
      },
      {
        name: 'onlyFailed',
        description: 'Only restart instances that are FAILED.',
        schema: { type: 'boolean', default: false },
      },
      FORWARD,
    ],
    responses: {
      202: ok(
        'With either flag: the status, instances being restarted shown as RESTARTING.',
        ref('ConnectorStateInfo'),
      ),
      204: ok('Both flags false: the connector was restarted.'),
      404: NOT_FOUND,
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'stopConnector',
    method: 'PUT',
    path: '/connectors/{connector}/stop',
    tag: 'Connectors',
    summary: 'Stop a connector and remove its tasks (idempotent)',
    query: [FORWARD],
    responses: { 204: ok('Stopped.'), 404: NOT_FOUND, 409: REBALANCE, 500: TIMEOUT },
  },
  {
    operationId: 'pauseConnector',
    method: 'PUT',
    path: '/connectors/{connector}/pause',
    tag: 'Connectors',
    summary: 'Pause a connector and its tasks (idempotent)',
    responses: { 202: ok('Pause requested.'), 404: NOT_FOUND, 500: TIMEOUT },
  },
  {
    operationId: 'resumeConnector',
    method: 'PUT',
    path: '/connectors/{connector}/resume',
    tag: 'Connectors',
    summary: 'Resume a paused or stopped connector (idempotent)',
    responses: { 202: ok('Resume requested.'), 404: NOT_FOUND, 500: TIMEOUT },
  },
  {
    operationId: 'getTaskConfigs',
    method: 'GET',
    path: '/connectors/{connector}/tasks',
    tag: 'Tasks',
    summary: 'Tasks of a connector with their configurations',
    responses: {
      200: ok('The tasks.', { type: 'array', items: ref('TaskInfo') }),
      404: NOT_FOUND,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'putTaskConfigs',
    method: 'POST',
    path: '/connectors/{connector}/tasks',
    tag: 'Internal',
    internal: true,
    summary: 'Internal: write task configurations generated by a follower',
    query: [FORWARD],
    body: {
      description: 'Task configurations.',
      schema: { type: 'array', items: ref('ConnectorConfig') },
      required: true,
    },
    responses: { 204: ok('Written.'), 500: err('Not supported in standalone mode.') },
  },
  {
    operationId: 'fenceZombies',
    method: 'PUT',
    path: '/connectors/{connector}/fence',
    tag: 'Internal',
    internal: true,
    summary: 'Internal: fence zombie tasks of an exactly-once source connector',
    query: [FORWARD],
    responses: { 204: ok('Fenced.'), 500: err('Not supported in standalone mode.') },
  },
  {
    operationId: 'getTaskStatus',
    method: 'GET',
    path: '/connectors/{connector}/tasks/{task}/status',
    tag: 'Tasks',
    summary: 'State of one task',
    responses: {
      200: ok('The task state.', ref('TaskState')),
      404: err('`No status found for task <c>-<n>`.'),
    },
  },
  {
    operationId: 'restartTask',
    method: 'POST',
    path: '/connectors/{connector}/tasks/{task}/restart',
    tag: 'Tasks',
    summary: 'Restart one task',
    query: [FORWARD],
    responses: {
      204: ok('Restarted.'),
      404: err('Unknown connector or task.'),
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'getActiveTopics',
    method: 'GET',
    path: '/connectors/{connector}/topics',
    tag: 'Topics',
    summary: 'Topics the connector has used since creation or the last reset (KIP-558)',
    responses: {
      200: ok('The topics, keyed by connector name.', ref('ActiveTopicsInfo')),
      403: err('Topic tracking is disabled.'),
    },
  },
  {
    operationId: 'resetActiveTopics',
    method: 'PUT',
    path: '/connectors/{connector}/topics/reset',
    tag: 'Topics',
    summary: 'Forget the topics the connector has used',
    responses: { 202: ok('Reset requested.'), 403: err('Topic tracking or its reset is disabled.') },
  },
  {
    operationId: 'getOffsets',
    method: 'GET',
    path: '/connectors/{connector}/offsets',
    tag: 'Offsets',
    summary: 'Committed offsets of a connector (KIP-875)',
    responses: { 200: ok('The offsets.', ref('ConnectorOffsets')), 404: NOT_FOUND, 500: TIMEOUT },
  },
  {
    operationId: 'alterOffsets',
    method: 'PATCH',
    path: '/connectors/{connector}/offsets',
    tag: 'Offsets',
    summary: 'Alter offsets of a STOPPED connector',
    query: [FORWARD],
    body: {
      description: 'The offsets to write (a null offset removes one).',
      schema: ref('ConnectorOffsets'),
      required: true,
    },
    responses: {
      200: ok('Altered.', ref('Message')),
      400: err('No offsets given, bad offsets, or the connector is not STOPPED.'),
      404: NOT_FOUND,
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'resetOffsets',
    method: 'DELETE',
    path: '/connectors/{connector}/offsets',
    tag: 'Offsets',
    summary: 'Reset all offsets of a STOPPED connector',
    query: [FORWARD],
    responses: {
      200: ok('Reset.', ref('Message')),
      400: err('The connector is not STOPPED.'),
      404: NOT_FOUND,
      409: REBALANCE,
      500: TIMEOUT,
    },
  },
  {
    operationId: 'listConnectorPlugins',
    method: 'GET',
    path: '/connector-plugins',
    tag: 'Plugins',
    summary: 'Installed plugins',
    query: [
      {
        name: 'connectorsOnly',
        description:
          'Only connectors (default); `false` lists converters, transformations and predicates too.',
        schema: { type: 'boolean', default: true },
      },
    ],
    responses: {
      200: ok('Sinks, sources, then the other kinds.', { type: 'array', items: ref('PluginInfo') }),
    },
  },
  {
    operationId: 'getPluginConfig',
    method: 'GET',
    path: '/connector-plugins/{plugin}/config',
    tag: 'Plugins',
    summary: 'The configuration keys of a plugin',
    responses: {
      200: ok('The keys.', { type: 'array', items: ref('ConfigKeyInfo') }),
      400: err('The plugin is of a kind that has no configuration here.'),
      404: err('Unknown plugin.'),
      500: TIMEOUT,
    },
  },
  {
    operationId: 'validateConfig',
    method: 'PUT',
    path: '/connector-plugins/{plugin}/config/validate',
    tag: 'Plugins',
    summary: 'Validate a connector configuration without creating it',
    description:
      'When the body has `connector.class`, it must match the plugin in the path (both compared without a trailing `Connector`).',
    body: { description: 'The configuration to validate.', schema: ref('ConnectorConfig'), required: true },
    responses: {
      200: ok('The result, errors included.', ref('ConfigInfos')),
      400: err('`connector.class` does not match the plugin in the path.'),
      500: TIMEOUT,
    },
  },
  {
    operationId: 'listLoggers',
    method: 'GET',
    path: '/admin/loggers',
    tag: 'Loggers',
    summary: 'Levels of all known loggers',
    responses: { 200: ok('By logger name.', { type: 'object', additionalProperties: ref('LoggerLevel') }) },
  },
  {
    operationId: 'getLogger',
    method: 'GET',
    path: '/admin/loggers/{logger}',
    tag: 'Loggers',
    summary: 'Level of one logger',
    responses: { 200: ok('The level.', ref('LoggerLevel')), 404: err('Unknown logger.') },
  },
  {
    operationId: 'setLogLevel',
    method: 'PUT',
    path: '/admin/loggers/{logger}',
    tag: 'Loggers',
    summary: 'Set the level of a logger and every logger under it',
    query: [
      {
        name: 'scope',
        description:
          '`worker` (default): this worker only; `cluster`: every worker. Unknown values mean `worker`.',
        schema: { type: 'string', enum: ['worker', 'cluster'], default: 'worker' },
      },
    ],
    body: { description: 'The level.', schema: ref('LevelRequest'), required: true },
    responses: {
      200: ok('Worker scope: the loggers whose level changed.', { type: 'array', items: { type: 'string' } }),
      204: ok('Cluster scope: applied.'),
      400: err('No `level` given.'),
      404: err('Unknown level name.'),
    },
  },
];

/** Descriptions of the path parameters. */
export const PATH_PARAMS: Record<string, { description: string; schema: JsonSchema }> = {
  connector: { description: 'The connector name.', schema: { type: 'string' } },
  task: { description: 'The task number.', schema: { type: 'integer', minimum: 0 } },
  plugin: {
    description: 'A connector plugin: class name, simple name, or alias (e.g. `FileStreamSource`).',
    schema: { type: 'string' },
  },
  logger: {
    description: 'A logger name or namespace; `root` is the root logger.',
    schema: { type: 'string' },
  },
};

/** The route's path in fastify's syntax (`/connectors/:connector`). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** A matcher for concrete request paths (used to tell 404 from 405). */
export function pathMatcher(path: string): RegExp {
  const pattern = path
    .split('/')
    .map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}
