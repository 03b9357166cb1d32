/**
 * The static "info" metrics of a task (Kafka 4.1, KIP-891 / KAFKA-18988): the classes and versions
 * of the connector, task, converters, transforms and predicates it runs with, on
 * `connector-task-metrics`, `connector-transform-metrics` and `connector-predicate-metrics`. They
 * are collected once when the task starts and written at scrape time only; the task loops never
 * touch them.
 */
import type { PluginType } from '@sluice/api';
import { type Exposition, safeName } from './exposition.ts';

/**
 * What the info needs of the plugin registry (`plugins/`, a floor above metrics: passed in, not
 * imported): a plugin's class name and version by class name or alias.
 */
export interface PluginLookup {
  find(name: string, types: readonly PluginType[]): { className: string; version?: string } | undefined;
}

/** One plugin a task uses: its class name (the Java name where it mirrors one) and version. */
export interface PluginIdentity {
  className: string;
  version: string;
}

/** What a task runs with, as Kafka's KIP-891 attributes name it. */
export interface TaskPluginInfo {
  connectorClass: string;
  connectorType: 'source' | 'sink';
  connectorVersion: string;
  task: PluginIdentity;
  keyConverter: PluginIdentity;
  valueConverter: PluginIdentity;
  headerConverter: PluginIdentity;
  /** Per transform alias, in `transforms` order. */
  transforms: Array<PluginIdentity & { alias: string }>;
  /** Per predicate alias a transform uses (a declared but unused predicate is not instantiated). */
  predicates: Array<PluginIdentity & { alias: string }>;
}

/** Kafka's version of a plugin that does not report one (`PluginUtils.UNDEFINED_VERSION`). */
export const UNDEFINED_VERSION = 'undefined';

/** `name` (a class name or alias of a `type` plugin) as the registry reports it. */
function identify(plugins: PluginLookup, name: string, types: readonly PluginType[]): PluginIdentity {
  const info = plugins.find(name, types);
  return {
    className: info?.className ?? name,
    version: info?.version ?? UNDEFINED_VERSION,
  };
}

function aliases(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The info of a task: the connector's class and version from the registry (the connector may run
 * on another worker), the task's from its instance, the converters' classes as instantiated, the
 * transforms' and predicates' from the connector config.
 */
export function taskPluginInfo(options: {
  plugins: PluginLookup;
  connectorConfig: Readonly<Record<string, string>>;
  connectorType: 'source' | 'sink';
  task: PluginIdentity;
  /** Class names of the converters the task was given. */
  converters: { key: string; value: string; header: string };
}): TaskPluginInfo {
  const { plugins, connectorConfig: config } = options;
  const connector = identify(plugins, config['connector.class'] ?? '', ['source', 'sink']);
  const transforms: TaskPluginInfo['transforms'] = [];
  const used = new Set<string>();
  for (const alias of aliases(config.transforms)) {
    const type = config[`transforms.${alias}.type`] ?? '';
    transforms.push({ alias, ...identify(plugins, type, ['transformation']) });
    const predicate = config[`transforms.${alias}.predicate`]?.trim();
    if (predicate) used.add(predicate);
  }
  const predicates: TaskPluginInfo['predicates'] = [];
  for (const alias of aliases(config.predicates)) {
    if (!used.has(alias)) continue;
    const type = config[`predicates.${alias}.type`] ?? '';
    predicates.push({ alias, ...identify(plugins, type, ['predicate']) });
  }
  return {
    connectorClass: connector.className,
    connectorType: options.connectorType,
    connectorVersion: connector.version,
    task: options.task,
    keyConverter: identify(plugins, options.converters.key, ['converter']),
    valueConverter: identify(plugins, options.converters.value, ['converter']),
    headerConverter: identify(plugins, options.converters.header, ['header_converter', 'converter']),
    transforms,
    predicates,
  };
}

/**
 * Writes a task's info metrics: each string attribute as a sample of value 1 with the string as a
 * label named after the attribute, as Strimzi's rules write `connector-metrics`' strings
 * (`kafka_connect_connector_task_task_class{connector,task,task_class="…"} 1`); a transform's and
 * a predicate's carry their alias as the `transform` / `predicate` label, from their MBean's key.
 */
export function writeTaskPluginInfo(
  out: Exposition,
  connector: string,
  task: number,
  info: TaskPluginInfo,
): void {
  const labels = { connector, task };
  const attr = (group: string, name: string, value: string, extra: Record<string, string> = {}): void =>
    out.add(
      `kafka_connect_${safeName(group)}_${safeName(name)}`,
      'gauge',
      `Kafka Connect ${group}-metrics ${name}`,
      { ...labels, ...extra, [safeName(name)]: value },
      1,
    );
  attr('connector-task', 'connector-class', info.connectorClass);
  attr('connector-task', 'connector-type', info.connectorType);
  attr('connector-task', 'connector-version', info.connectorVersion);
  attr('connector-task', 'task-class', info.task.className);
  attr('connector-task', 'task-version', info.task.version);
  attr('connector-task', 'key-converter-class', info.keyConverter.className);
  attr('connector-task', 'key-converter-version', info.keyConverter.version);
  attr('connector-task', 'value-converter-class', info.valueConverter.className);
  attr('connector-task', 'value-converter-version', info.valueConverter.version);
  attr('connector-task', 'header-converter-class', info.headerConverter.className);
  attr('connector-task', 'header-converter-version', info.headerConverter.version);
  for (const t of info.transforms) {
    attr('connector-transform', 'transform-class', t.className, { transform: t.alias });
    attr('connector-transform', 'transform-version', t.version, { transform: t.alias });
  }
  for (const p of info.predicates) {
    attr('connector-predicate', 'predicate-class', p.className, { predicate: p.alias });
    attr('connector-predicate', 'predicate-version', p.version, { predicate: p.alias });
  }
}
