/**
 * Pieces both herders need: connector config validation (the answer of
 * `PUT /connector-plugins/{p}/config/validate` and the check before a create or update), the
 * plugin config listing, the offsets API's body parsing and messages, and status JSON.
 *
 * Shared by the standalone and distributed herders.
 */
import {
  BadRequestError,
  type ConfigDef,
  ConfigError,
  ConfigValue,
  ConnectError,
  type Connector,
  errorTrace,
  generateConfigInfos,
  javaHashMapOrder,
  NotFoundError,
  NULL_VALUE_MESSAGE,
  type SourceConnector,
  toConfigKeyInfo,
} from '@sluice/api';
import {
  SINK_CONNECTOR_CONFIG_DEF,
  SOURCE_CONNECTOR_CONFIG_DEF,
  sinkGroupId,
  validateSinkTopics,
} from '../config/connector-config.ts';
import type { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import type { WorkerConfig } from '../config/worker-config.ts';
import type { ConfigInfos, ConfigKeyInfo, ConnectorStatus } from '../herder/entities.ts';
import {
  checkClientProps,
  policyName,
  sinkConsumerDefaults,
  taskClientProps,
  validateClientOverrides,
} from '../log/kafka/client-config.ts';
import { missingPluginHint } from '../plugins/plugin-hints.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import type { StateRecord } from '../storage/status-store.ts';
import { validateTransformsAndPredicates } from '../worker/plugin-factory.ts';
import { validateTopicCreation } from '../worker/topic-creation.ts';
import {
  enrichConverters,
  enrichTransformsAndPredicates,
  pluginVersionError,
  withDefault,
} from './config-enrichment.ts';

export interface ConnectorValidationContext {
  readonly plugins: PluginRegistry;
  readonly config: WorkerConfig;
  readonly transformer: WorkerConfigTransformer;
  /** Whether task clients talk to Kafka (client override keys are checked against Kafka's). */
  readonly kafka: boolean;
  /** Distributed mode: the worker's `group.id`, which a sink connector's consumer group must not equal. */
  readonly workerGroupId?: string;
  /**
   * Distributed mode: whether the worker runs exactly-once source support; then a source
   * connector's `exactly.once.support=required` and `transaction.boundary=connector` are checked
   * with the connector (Kafka's DistributedHerder). Absent in standalone mode: no checks.
   */
  readonly exactlyOnceSource?: boolean;
}

/** Validates a connector config as Kafka's `AbstractHerder.validateConnectorConfig`; errors are inside the answer. */
export async function validateConnectorConfig(
  ctx: ConnectorValidationContext,
  raw: Record<string, string | null>,
): Promise<ConfigInfos> {
  const cls = raw['connector.class'];
  if (cls === undefined || cls === null || cls.trim() === '') {
    throw new BadRequestError(`Connector config ${javaMap(raw)} contains no connector type`);
  }
  // Validated as it will run: provider variables resolved (the answer shows the raw text, below).
  const config = (await ctx.transformer.transform(raw)).data as Record<string, string>;
  const info = ctx.plugins.find(cls, ['source', 'sink']);
  if (info === undefined) {
    throw new BadRequestError(
      `Invalid value ${cls} for configuration connector.class: Failed to find any class that implements Connector and which name matches ${cls}.${missingPluginHint(ctx.plugins, cls, ['source', 'sink'])}`,
    );
  }
  const connector = new info.plugin() as Connector;
  const isSink = info.type === 'sink';
  const frameworkDef: ConfigDef = isSink ? SINK_CONNECTOR_CONFIG_DEF : SOURCE_CONNECTOR_CONFIG_DEF;
  const values = frameworkDef.validateAll(config);
  if (isSink) {
    for (const [key, errors] of validateSinkTopics(config)) {
      let v = values.get(key);
      if (v === undefined) {
        v = new ConfigValue(key, config[key] ?? null);
        values.set(key, v);
      }
      for (const e of errors) v.addErrorMessage(e);
    }
  }
  if (!isSink) {
    // KIP-158: the topic creation groups' keys, in Kafka's words (Kafka refuses them when the
    // connector starts; here create and PUT config answer 400 naming the key).
    const enabled = ctx.config.getBoolean('topic.creation.enable') ?? true;
    for (const [key, errors] of validateTopicCreation(enabled, config)) {
      let v = values.get(key);
      if (v === undefined) {
        v = new ConfigValue(key, config[key] ?? null);
        values.set(key, v);
      }
      for (const e of errors) if (!v.errorMessages.includes(e)) v.addErrorMessage(e);
    }
  }
  const overrideErrors = validateClientOverrides(
    ctx.config.getString('connector.client.config.override.policy') ?? 'All',
    ctx.config.originalsStrings(),
    config,
    isSink,
    ctx.kafka,
  );
  for (const [key, message] of overrideErrors) {
    let v = values.get(key);
    if (v === undefined) {
      v = new ConfigValue(key, config[key] ?? null);
      values.set(key, v);
    }
    v.addErrorMessage(message);
  }
  if (isSink && ctx.workerGroupId !== undefined) {
    const key = 'consumer.override.group.id';
    const group = sinkGroupId(config.name ?? '', config);
    if (group === ctx.workerGroupId) {
      let v = values.get(key);
      if (v === undefined) {
        v = new ConfigValue(key, config[key] ?? null);
        values.set(key, v);
      }
      v.addErrorMessage(`Consumer group ${group} conflicts with Connect worker group ${ctx.workerGroupId}`);
    }
  }
  // An unknown converter class is reported on its key by enrichConverters below, in Kafka's words.
  // A plugin written in plain JavaScript can miss a method the SDK's abstract class requires.
  if (typeof connector.config !== 'function')
    throw new ConnectError(
      `${info.className} does not implement config(): a connector must return its ConfigDef from config()`,
    );
  const connectorDef = connector.config();
  let connectorValues: ConfigValue[];
  try {
    connectorValues = (await connector.validate(config)).configValues;
  } catch (err) {
    throw new ConnectError(`${info.className}.validate() failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  for (const v of connectorValues) {
    const existing = values.get(v.name);
    if (existing === undefined) values.set(v.name, v);
    else
      for (const e of v.errorMessages) if (!existing.errorMessages.includes(e)) existing.addErrorMessage(e);
  }
  if (!isSink && ctx.exactlyOnceSource !== undefined)
    await validateExactlyOnce(ctx.exactlyOnceSource, connector as SourceConnector, config, values);
  // A null value is an error whatever the key (Kafka's addNullValuedErrors).
  for (const [key, value] of Object.entries(raw)) {
    if (value !== null) continue;
    let v = values.get(key);
    if (v === undefined) {
      v = new ConfigValue(key);
      values.set(key, v);
    }
    if (!v.errorMessages.includes(NULL_VALUE_MESSAGE)) v.addErrorMessage(NULL_VALUE_MESSAGE);
  }
  // Kafka's enriched definition: the framework's keys (plugin versions and converters filled in),
  // each transform's and predicate's group, the connector's keys, then its converters' keys.
  const frameworkKeys = new Map(frameworkDef.configKeys());
  const connectorVersion = info.version ?? null;
  frameworkKeys.set(
    'connector.plugin.version',
    withDefault(frameworkKeys.get('connector.plugin.version')!, connectorVersion),
  );
  const versionValue = values.get('connector.plugin.version');
  if (versionValue !== undefined) {
    if (config['connector.plugin.version'] === undefined) versionValue.value = connectorVersion;
    versionValue.recommendedValues = connectorVersion === null ? [] : [connectorVersion];
    // A version Sluice does not have: an error on both keys, as Kafka's.
    const error = pluginVersionError(info.className, config['connector.plugin.version'], connectorVersion);
    if (error !== undefined) {
      versionValue.addErrorMessage(error);
      let classValue = values.get('connector.class');
      if (classValue === undefined) {
        classValue = new ConfigValue('connector.class', cls);
        values.set('connector.class', classValue);
      }
      classValue.addErrorMessage(error);
    }
  }
  const converters = enrichConverters(
    ctx.plugins,
    ctx.config.originalsStrings(),
    config,
    frameworkKeys,
    values,
  );
  const aliases = enrichTransformsAndPredicates(ctx.plugins, config);
  for (const [key, v] of aliases.values) if (!values.has(key)) values.set(key, v);
  const keys = new Map([...frameworkKeys, ...aliases.keys, ...connectorDef.configKeys(), ...converters.keys]);
  for (const [key, v] of converters.values) values.set(key, v);
  const groups = [...frameworkDef.groups()];
  for (const g of [...aliases.groups, ...connectorDef.groups(), ...converters.groups])
    if (!groups.includes(g)) groups.push(g);
  for (const [key, errors] of validateTransformsAndPredicates(ctx.plugins, config)) {
    let v = values.get(key);
    if (v === undefined) {
      v = new ConfigValue(key, config[key] ?? null);
      values.set(key, v);
    }
    for (const e of errors) if (!v.errorMessages.includes(e)) v.addErrorMessage(e);
  }
  // A value that came from a config provider is answered as written (`${file:...}`), never resolved.
  for (const [key, v] of values) {
    const written = raw[key];
    if (written?.includes('${')) v.value = written;
  }
  return generateConfigInfos(cls, keys, values.values(), groups);
}

/**
 * `GET /connector-plugins/{p}/config`: NotFoundError `Unknown plugin <p>.`; BadRequestError (400)
 * for a plugin of another kind (a config provider), as Kafka.
 */
export function connectorPluginConfig(plugins: PluginRegistry, pluginName: string): ConfigKeyInfo[] {
  const info = plugins.find(pluginName, [
    'source',
    'sink',
    'converter',
    'header_converter',
    'transformation',
    'predicate',
  ]);
  if (info === undefined) {
    if (plugins.find(pluginName, ['configprovider']) !== undefined) {
      throw new BadRequestError(
        `Invalid plugin class ${pluginName}. Valid types are sink, source, converter, header_converter, transformation, predicate.`,
      );
    }
    throw new NotFoundError(`Unknown plugin ${pluginName}.`);
  }
  const instance = new info.plugin() as { config?: () => ConfigDef };
  const own = instance.config?.();
  const keys = own === undefined ? [] : [...own.configKeys().values()];
  if (info.type === 'source' || info.type === 'sink') {
    const framework = info.type === 'sink' ? SINK_CONNECTOR_CONFIG_DEF : SOURCE_CONNECTOR_CONFIG_DEF;
    const names = new Set(keys.map((k) => k.name));
    for (const k of framework.configKeys().values()) {
      if (names.has(k.name)) continue;
      // The connector's version is the default of `connector.plugin.version` (KIP-891).
      keys.push(k.name === 'connector.plugin.version' ? withDefault(k, info.version ?? null) : k);
    }
  }
  return keys.map((k) => toConfigKeyInfo(k));
}

export function sameConfig(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function statusJson(s: StateRecord): ConnectorStatus {
  const out: ConnectorStatus = { state: s.state, worker_id: s.workerId, version: s.version ?? null };
  if (s.trace !== null && s.trace !== '') out.trace = s.trace;
  return out;
}

export function failedRecord(workerId: string, err: unknown): StateRecord {
  return {
    state: 'FAILED',
    workerId,
    trace: errorTrace(err),
    generation: 0,
  };
}

export function invalidConfigMessage(infos: ConfigInfos): string {
  const errors: string[] = [];
  for (const c of infos.configs) for (const e of c.value?.errors ?? []) errors.push(e);
  return (
    `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\n` +
    'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`'
  );
}

/**
 * Java's `Map.toString` of the `HashMap` Kafka holds the config in: `{k1=v1, k2=v2}`, entries in
 * HashMap iteration order.
 */
export function javaMap(config: Record<string, string | null>): string {
  return `{${javaHashMapOrder(Object.keys(config))
    .map((k) => `${k}=${config[k]}`)
    .join(', ')}}`;
}

/**
 * Fails start-up on a bad override policy or a bad worker-level `producer.*` / `consumer.*` value,
 * naming the worker property, rather than failing every task later.
 */
export function checkWorkerClientConfigs(config: WorkerConfig): void {
  policyName(config.getString('connector.client.config.override.policy') ?? 'All');
  const worker = config.originalsStrings();
  for (const kind of ['producer', 'consumer', 'admin'] as const) {
    const defaults = kind === 'consumer' ? sinkConsumerDefaults('worker', 0) : {};
    try {
      checkClientProps(kind, taskClientProps(kind, worker, {}, defaults), !config.usesEmbeddedLog());
    } catch (err) {
      if (
        !(err instanceof ConfigError) ||
        err.key === undefined ||
        worker[`${kind}.${err.key}`] === undefined
      )
        throw err;
      throw ConfigError.invalidValue(`${kind}.${err.key}`, err.value, err.message.replace(/^.*?: /, ''));
    }
  }
}

/**
 * Kafka's `DistributedHerder.validateSourceConnectorExactlyOnceSupport` and
 * `validateSourceConnectorTransactionBoundary`, with its messages: only when the key passed the
 * framework's validation; a connector hook that throws is reported on the key, not as a 500.
 */
async function validateExactlyOnce(
  workerEnabled: boolean,
  connector: SourceConnector,
  config: Record<string, string>,
  values: Map<string, ConfigValue>,
): Promise<void> {
  const support = values.get('exactly.once.support');
  if (
    support !== undefined &&
    support.errorMessages.length === 0 &&
    String(support.value ?? 'requested').toLowerCase() === 'required'
  ) {
    if (!workerEnabled)
      support.addErrorMessage('This worker does not have exactly-once source support enabled.');
    try {
      const answer = await connector.exactlyOnceSupport(config);
      if (answer === null || answer === undefined)
        support.addErrorMessage(
          'The connector does not implement the API required for preflight validation of exactly-once source support. ' +
            'Please consult the documentation for the connector to determine whether it supports exactly-once semantics, ' +
            'and then consider reconfiguring the connector to use the value "requested" for this property ' +
            '(which will disable this preflight check and allow the connector to be created).',
        );
      else if (answer === 'UNSUPPORTED')
        support.addErrorMessage(
          'The connector does not support exactly-once semantics with the provided configuration.',
        );
      else if (answer !== 'SUPPORTED')
        throw new ConnectError(
          `Unexpected value returned from SourceConnector::exactlyOnceSupport: ${String(answer)}`,
        );
    } catch (err) {
      support.addErrorMessage(unexpectedValidationError(err));
    }
  }
  const boundary = values.get('transaction.boundary');
  if (
    boundary !== undefined &&
    boundary.errorMessages.length === 0 &&
    String(boundary.value ?? 'poll').toLowerCase() === 'connector'
  ) {
    try {
      const answer = await connector.canDefineTransactionBoundaries(config);
      if (answer === null || answer === undefined)
        boundary.addErrorMessage(
          'This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. ' +
            "The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'.",
        );
      else if (answer !== 'SUPPORTED')
        boundary.addErrorMessage(
          'The connector does not support connector-defined transaction boundaries with the given configuration. ' +
            'Please reconfigure it to use a different transaction boundary definition.',
        );
    } catch (err) {
      boundary.addErrorMessage(unexpectedValidationError(err));
    }
  }
}

function unexpectedValidationError(err: unknown): string {
  const message = err instanceof Error ? err.message.trim() : '';
  return message === ''
    ? 'An unexpected error occurred during validation; please see the worker logs for more details.'
    : `An unexpected error occurred during validation: ${message}`;
}
