/**
 * Topic creation by source connectors (KIP-158, Kafka's `TopicCreation` / `TopicCreationGroup` /
 * `TopicCreationConfig`).
 *
 * Active for a source connector only when the worker's `topic.creation.enable` is true (the
 * default) and the connector's config has any `topic.creation.*` key. Then:
 * - `topic.creation.default.replication.factor` and `.partitions` are required (-1 = the broker's
 *   default); any other `topic.creation.default.<config>` is a topic config of the default group;
 *   `include`/`exclude` on the default group are ignored (it matches every topic no other group
 *   takes).
 * - each group `g` listed in `topic.creation.groups` takes `topic.creation.g.include` /
 *   `.exclude` (lists of Java regexes, whole-name match, exclude wins; no include = matches
 *   nothing), `.replication.factor` / `.partitions` (inherited from the default group) and any
 *   other `topic.creation.g.<config>` as its topic configs (not inherited).
 * - a topic is created with the first listed group that matches it, else the default group,
 *   before the task's first write to it; a topic that exists is left as it is. Each task
 *   remembers the topics it has seen, so the admin is asked once per topic per task.
 */

import {
  ConfigDef,
  ConfigError,
  ConnectError,
  type JavaPattern,
  LambdaValidator,
  NotFoundError,
  RetriableError,
  tryCompileJavaRegex,
} from '@sluice/api';
import type { Logger } from 'pino';
import type { LogAdmin, NewTopic } from '../log/log-client.ts';

export const TOPIC_CREATION_PREFIX = 'topic.creation.';
export const DEFAULT_TOPIC_CREATION_GROUP = 'default';
export const TOPIC_CREATION_GROUPS_CONFIG = 'topic.creation.groups';
const INCLUDE = 'include';
const EXCLUDE = 'exclude';
const REPLICATION_FACTOR = 'replication.factor';
const PARTITIONS = 'partitions';
const GROUP_KEYS: ReadonlySet<string> = new Set([INCLUDE, EXCLUDE, REPLICATION_FACTOR, PARTITIONS]);

/** One topic creation group, parsed. */
export interface TopicCreationGroup {
  name: string;
  /** Whole-name patterns; a topic matches the group when it matches one and no exclude pattern. */
  include: readonly JavaPattern[];
  exclude: readonly JavaPattern[];
  /** -1 = the broker's default. */
  partitions: number;
  /** -1 = the broker's default. */
  replicationFactor: number;
  /** Other topic configs of the group (`topic.creation.<group>.<config>`). */
  configs: Readonly<Record<string, string>>;
}

/** A connector's topic creation settings: its listed groups in order, and the default group. */
export interface TopicCreationSpec {
  groups: readonly TopicCreationGroup[];
  defaultGroup: TopicCreationGroup;
}

/** Whether topic creation applies: the worker allows it and the connector has `topic.creation.*` keys. */
export function topicCreationApplies(
  workerEnabled: boolean,
  config: Readonly<Record<string, string | null | undefined>>,
): boolean {
  return workerEnabled && Object.keys(config).some((k) => k.startsWith(TOPIC_CREATION_PREFIX));
}

/** The worker's `topic.creation.enable` from its raw properties (default true). */
export function workerTopicCreationEnabled(workerProps: Readonly<Record<string, string>>): boolean {
  return (workerProps['topic.creation.enable'] ?? 'true').trim().toLowerCase() !== 'false';
}

const REPLICATION_FACTOR_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    const n = value as number;
    if (n <= 0 && n !== -1) {
      throw ConfigError.invalidValue(
        name,
        n,
        "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default",
      );
    }
  },
  () =>
    "Positive number not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default",
);

const PARTITIONS_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    const n = value as number;
    if (n <= 0 && n !== -1) {
      throw ConfigError.invalidValue(
        name,
        n,
        "Number of partitions must be positive, or -1 to use the broker's default",
      );
    }
  },
  () => "Positive number, or -1 to use the broker's default",
);

const REGEX_LIST_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    const list = value as readonly string[];
    for (const pattern of list) {
      const compiled = tryCompileJavaRegex(pattern);
      if ('reason' in compiled) {
        throw ConfigError.invalidValue(
          name,
          `[${list.join(', ')}]`,
          `Syntax error in regular expression: ${compiled.reason}`,
        );
      }
    }
  },
  () => 'List of valid regular expressions',
);

/**
 * The keys of one group (Kafka's `TopicCreationConfig`): for the default group replication factor
 * and partitions have no default; for another group they default to the default group's values.
 */
function groupConfigDef(
  group: string,
  inherited: { replicationFactor: number; partitions: number } | null,
): ConfigDef {
  const prefix = `${TOPIC_CREATION_PREFIX}${group}.`;
  const configGroup = `Topic Creation: ${group}`;
  const isDefault = inherited === null;
  return new ConfigDef()
    .define({
      name: prefix + INCLUDE,
      type: 'LIST',
      defaultValue: isDefault ? ['.*'] : [],
      validator: REGEX_LIST_VALIDATOR,
      importance: 'LOW',
      documentation:
        'A list of regular expression literals used to match the topic names used by the source connector. This list is used to include topics that should be created using the topic settings defined by this group.',
      group: configGroup,
      orderInGroup: 1,
      width: 'LONG',
      displayName: `Inclusion Topic Pattern for ${group}`,
    })
    .define({
      name: prefix + EXCLUDE,
      type: 'LIST',
      defaultValue: [],
      validator: REGEX_LIST_VALIDATOR,
      importance: 'LOW',
      documentation:
        'A list of regular expression literals used to match the topic names used by the source connector. This list is used to exclude topics from being created with the topic settings defined by this group. Note that exclusion rules have precedent and override any inclusion rules for the topics.',
      group: configGroup,
      orderInGroup: 2,
      width: 'LONG',
      displayName: `Exclusion Topic Pattern for ${group}`,
    })
    .define({
      name: prefix + REPLICATION_FACTOR,
      type: 'SHORT',
      ...(isDefault ? {} : { defaultValue: inherited.replicationFactor }),
      validator: REPLICATION_FACTOR_VALIDATOR,
      importance: 'LOW',
      documentation:
        "The replication factor for new topics created for this connector using this group. This value may be -1 to use the broker's default replication factor, or may be a positive number not larger than the number of brokers in the Kafka cluster. A value larger than the number of brokers in the Kafka cluster will result in an error when the new topic is created. For the default group this configuration is required. For any other group defined in topic.creation.groups this config is optional and if it's missing it gets the value of the default group",
      group: configGroup,
      orderInGroup: 3,
      width: 'LONG',
      displayName: `Replication Factor for Topics in ${group}`,
    })
    .define({
      name: prefix + PARTITIONS,
      type: 'INT',
      ...(isDefault ? {} : { defaultValue: inherited.partitions }),
      validator: PARTITIONS_VALIDATOR,
      importance: 'LOW',
      documentation:
        "The number of partitions new topics created for this connector. This value may be -1 to use the broker's default number of partitions, or a positive number representing the desired number of partitions. For the default group this configuration is required. For any other group defined in topic.creation.groups this config is optional and if it's missing it gets the value of the default group",
      group: configGroup,
      orderInGroup: 4,
      width: 'LONG',
      displayName: `Partition Count for Topics in ${group}`,
    });
}

/** The groups listed in `topic.creation.groups`, trimmed, distinct, without `default` (always implied). */
function listedGroups(config: Readonly<Record<string, string | null | undefined>>): string[] {
  const raw = config[TOPIC_CREATION_GROUPS_CONFIG];
  if (raw === undefined || raw === null || raw.trim() === '') return [];
  const groups: string[] = [];
  for (const g of raw.split(',').map((s) => s.trim())) {
    if (g !== '' && g !== DEFAULT_TOPIC_CREATION_GROUP && !groups.includes(g)) groups.push(g);
  }
  return groups;
}

/** The config with the default group's include/exclude removed (Kafka ignores them). */
function withoutDefaultRegexes(
  config: Readonly<Record<string, string | null | undefined>>,
): Record<string, string | null | undefined> {
  const out = { ...config };
  delete out[`${TOPIC_CREATION_PREFIX}${DEFAULT_TOPIC_CREATION_GROUP}.${INCLUDE}`];
  delete out[`${TOPIC_CREATION_PREFIX}${DEFAULT_TOPIC_CREATION_GROUP}.${EXCLUDE}`];
  return out;
}

interface Validated {
  errors: Map<string, string[]>;
  /** Parsed values by key (null where invalid). */
  values: Map<string, unknown>;
  groups: string[];
}

function validateGroups(config: Readonly<Record<string, string | null | undefined>>): Validated {
  const props = withoutDefaultRegexes(config);
  const errors = new Map<string, string[]>();
  const values = new Map<string, unknown>();
  const collect = (def: ConfigDef): void => {
    for (const [key, v] of def.validateAll(props)) {
      values.set(key, v.value);
      if (v.errorMessages.length > 0) errors.set(key, [...v.errorMessages]);
    }
  };
  collect(groupConfigDef(DEFAULT_TOPIC_CREATION_GROUP, null));
  const d = `${TOPIC_CREATION_PREFIX}${DEFAULT_TOPIC_CREATION_GROUP}.`;
  // An invalid default value is reported once, on the default group's key; the groups inherit -1.
  const valid = (key: string): number =>
    errors.has(key) ? -1 : ((values.get(key) as number | null | undefined) ?? -1);
  const inherited = { replicationFactor: valid(d + REPLICATION_FACTOR), partitions: valid(d + PARTITIONS) };
  const groups = listedGroups(config);
  for (const g of groups) collect(groupConfigDef(g, inherited));
  return { errors, values, groups };
}

/**
 * Errors of a connector's `topic.creation.*` keys by key, in Kafka's words (empty when topic
 * creation does not apply or all is well). Used by validation, so create and PUT config answer 400.
 */
export function validateTopicCreation(
  workerEnabled: boolean,
  config: Readonly<Record<string, string | null | undefined>>,
): Map<string, string[]> {
  if (!topicCreationApplies(workerEnabled, config)) return new Map();
  return validateGroups(config).errors;
}

function otherConfigs(
  config: Readonly<Record<string, string | null | undefined>>,
  group: string,
): Record<string, string> {
  const prefix = `${TOPIC_CREATION_PREFIX}${group}.`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith(prefix) || value === null || value === undefined) continue;
    const name = key.slice(prefix.length);
    if (name === '' || GROUP_KEYS.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function compileAll(patterns: readonly string[]): JavaPattern[] {
  const out: JavaPattern[] = [];
  for (const p of patterns) {
    const compiled = tryCompileJavaRegex(p);
    if (!('reason' in compiled)) out.push(compiled);
  }
  return out;
}

/**
 * Parses a source connector's topic creation settings; null when topic creation does not apply.
 * @throws ConfigError naming the first invalid key (Kafka's `SourceConnectorConfig` refuses the config)
 */
export function parseTopicCreation(
  workerEnabled: boolean,
  config: Readonly<Record<string, string | null | undefined>>,
): TopicCreationSpec | null {
  if (!topicCreationApplies(workerEnabled, config)) return null;
  const { errors, values, groups } = validateGroups(config);
  const first = errors.entries().next();
  if (!first.done) {
    const [key, messages] = first.value;
    throw new ConfigError(messages[0]!, { key, value: config[key] });
  }
  const group = (name: string): TopicCreationGroup => {
    const prefix = `${TOPIC_CREATION_PREFIX}${name}.`;
    const isDefault = name === DEFAULT_TOPIC_CREATION_GROUP;
    return {
      name,
      include: isDefault ? compileAll(['.*']) : compileAll(values.get(prefix + INCLUDE) as string[]),
      exclude: isDefault ? [] : compileAll(values.get(prefix + EXCLUDE) as string[]),
      partitions: values.get(prefix + PARTITIONS) as number,
      replicationFactor: values.get(prefix + REPLICATION_FACTOR) as number,
      configs: otherConfigs(config, name),
    };
  };
  return { groups: groups.map(group), defaultGroup: group(DEFAULT_TOPIC_CREATION_GROUP) };
}

/** Whether a group takes a topic: it matches an include pattern and no exclude pattern. */
export function groupMatches(group: TopicCreationGroup, topic: string): boolean {
  return !group.exclude.some((p) => p.whole.test(topic)) && group.include.some((p) => p.whole.test(topic));
}

/** The first listed group that takes the topic, else the default group (Kafka's `findFirstGroup`). */
export function groupFor(spec: TopicCreationSpec, topic: string): TopicCreationGroup {
  return spec.groups.find((g) => groupMatches(g, topic)) ?? spec.defaultGroup;
}

/** The admin request for a topic in its group; -1 leaves the setting to the broker. */
export function newTopicFor(group: TopicCreationGroup, topic: string): NewTopic {
  const t: NewTopic = { name: topic, configs: { ...group.configs } };
  if (group.partitions !== -1) t.partitions = group.partitions;
  if (group.replicationFactor !== -1) t.replicationFactor = group.replicationFactor;
  return t;
}

/** Kafka's `NewTopic.toString`, for logs and errors. */
function describeNewTopic(group: TopicCreationGroup, topic: string): string {
  const configs = Object.entries(group.configs)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const opt = (n: number): string => (n === -1 ? 'default' : String(n));
  return `NewTopic(name=${topic}, numPartitions=${opt(group.partitions)}, replicationFactor=${opt(group.replicationFactor)}, replicasAssignments=null, configs={${configs}})`;
}

/**
 * One source task's topic creation: creates each topic it writes to before the first write, once
 * per topic (topics known to exist are remembered). Not safe for concurrent `ensure` calls on the
 * same instance (a source task sends one batch at a time).
 */
export class TopicCreator {
  readonly #spec: TopicCreationSpec;
  readonly #admin: LogAdmin;
  readonly #logger: Logger;
  readonly #known = new Set<string>();

  constructor(spec: TopicCreationSpec, admin: LogAdmin, logger: Logger) {
    this.#spec = spec;
    this.#admin = admin;
    this.#logger = logger;
  }

  /** Makes sure each topic exists, creating the missing ones with their group's settings. */
  async ensure(topics: Iterable<string>): Promise<void> {
    for (const topic of topics) {
      if (this.#known.has(topic)) continue;
      await this.#ensureOne(topic);
    }
  }

  async #ensureOne(topic: string): Promise<void> {
    this.#logger.info(
      `The task will send records to topic '${topic}' for the first time. Checking whether topic exists`,
    );
    try {
      await this.#admin.describeTopics([topic]);
      this.#logger.info(`Topic '${topic}' already exists.`);
      this.#known.add(topic);
      return;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const group = groupFor(this.#spec, topic);
    this.#logger.info(`Creating topic '${topic}'`);
    this.#logger.debug(`Topic '${topic}' matched topic creation group: ${group.name}`);
    let created: boolean;
    try {
      const [result] = await this.#admin.createTopics([newTopicFor(group, topic)]);
      created = result?.created === true;
    } catch (err) {
      if (err instanceof RetriableError) throw err;
      throw new ConnectError(
        `Task failed to create new topic ${describeNewTopic(group, topic)}. Ensure that the task is authorized to create topics or that the topic exists and restart the task`,
        { cause: err },
      );
    }
    this.#known.add(topic);
    if (created)
      this.#logger.info(
        `Created topic '${describeNewTopic(group, topic)}' using creation group ${group.name}`,
      );
    else this.#logger.info(`Found existing topic '${topic}'`);
  }
}

/**
 * A source task's topic creator, or null when topic creation does not apply (worker
 * `topic.creation.enable=false`, or no `topic.creation.*` key).
 * @throws ConfigError for invalid `topic.creation.*` settings (the task fails, as in Kafka)
 */
export function topicCreatorFor(
  workerProps: Readonly<Record<string, string>>,
  connectorConfig: Readonly<Record<string, string>>,
  admin: LogAdmin,
  logger: Logger,
): TopicCreator | null {
  const spec = parseTopicCreation(workerTopicCreationEnabled(workerProps), connectorConfig);
  if (spec === null) return null;
  const listed = (connectorConfig[TOPIC_CREATION_GROUPS_CONFIG] ?? '').split(',').map((g) => g.trim());
  if (listed.includes(DEFAULT_TOPIC_CREATION_GROUP))
    logger.warn(
      `'${DEFAULT_TOPIC_CREATION_GROUP}' topic creation group always exists and does not need to be listed explicitly`,
    );
  return new TopicCreator(spec, admin, logger);
}
