/**
 * The framework-level connector keys every connector accepts (Kafka's `ConnectorConfig`,
 * `SinkConnectorConfig` and `SourceConnectorConfig`), with Kafka's documentation, defaults,
 * validators, groups, orders, widths and display names, and the sink `topics`/`topics.regex` rules.
 *
 * Not here: the per-alias `transforms.<alias>.*` / `predicates.<alias>.*` keys and the
 * `topic.creation.<group>.*` keys, which depend on the configuration itself (Kafka's `enrich`).
 * The converter keys carry no class validator: whether a name resolves to a converter is the plugin
 * registry's question (Kafka's `ConcreteSubClassValidator` / `InstantiableClassValidator` load classes).
 */

import {
  CaseInsensitiveValidString,
  CompositeValidator,
  ConfigDef,
  ConfigError,
  javaTrim,
  LambdaValidator,
  NonEmptyString,
  NonEmptyStringWithoutControlChars,
  NonNullValidator,
  Range,
  type Validator,
  ValidString,
} from '@sluice/api';

export const COMMON_GROUP = 'Common';
export const TRANSFORMS_GROUP = 'Transforms';
export const PREDICATES_GROUP = 'Predicates';
export const ERROR_GROUP = 'Error Handling';
export const TOPIC_CREATION_GROUP = 'Topic Creation';
export const EXACTLY_ONCE_SUPPORT_GROUP = 'Exactly Once Support';
export const OFFSETS_TOPIC_GROUP = 'offsets.topic';

/** Prefixes of the per-connector client overrides. */
export const CONNECTOR_CLIENT_PRODUCER_OVERRIDES_PREFIX = 'producer.override.';
export const CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX = 'consumer.override.';
export const CONNECTOR_CLIENT_ADMIN_OVERRIDES_PREFIX = 'admin.override.';

const CONNECTOR_CLASS_DOC =
  'Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. ' +
  'If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, ' +
  ' or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter';

export const KEY_CONVERTER_CLASS_DOC =
  'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.' +
  ' This controls the format of the keys in messages written to or read from Kafka, and since this is' +
  ' independent of connectors it allows any connector to work with any serialization format.' +
  ' Examples of common formats include JSON and Avro.';

export const VALUE_CONVERTER_CLASS_DOC =
  'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.' +
  ' This controls the format of the values in messages written to or read from Kafka, and since this is' +
  ' independent of connectors it allows any connector to work with any serialization format.' +
  ' Examples of common formats include JSON and Avro.';

export const HEADER_CONVERTER_CLASS_DOC =
  'HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka.' +
  ' This controls the format of the header values in messages written to or read from Kafka, and since this is' +
  ' independent of connectors it allows any connector to work with any serialization format.' +
  ' Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize' +
  ' header values to strings and deserialize them by inferring the schemas.';

const TASKS_MAX_ENFORCE_DOC =
  '(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. ' +
  'By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. ' +
  'If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of ' +
  'tasks that exceed the tasks.max property will be allowed to run. ' +
  'This property is deprecated and will be removed in an upcoming major release.';

const CONFIG_RELOAD_ACTION_DOC =
  'The action that Connect should take on the connector when changes in external ' +
  "configuration providers result in a change in the connector's configuration properties. " +
  "A value of 'none' indicates that Connect will do nothing. " +
  "A value of 'restart' indicates that Connect should restart/reload the connector with the " +
  'updated configuration properties.' +
  'The restart may actually be scheduled in the future if the external configuration provider ' +
  'indicates that a configuration value will expire in the future.';

const ERRORS_RETRY_TIMEOUT_DOC =
  'The maximum duration in milliseconds that a failed operation ' +
  'will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.';

const ERRORS_RETRY_MAX_DELAY_DOC =
  'The maximum duration in milliseconds between consecutive retry attempts. ' +
  'Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.';

const ERRORS_TOLERANCE_DOC =
  "Behavior for tolerating errors during connector operation. 'none' is the default value " +
  "and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.";

const ERRORS_LOG_ENABLE_DOC =
  'If true, write each error and the details of the failed operation and problematic record ' +
  "to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.";

const ERRORS_LOG_INCLUDE_MESSAGES_DOC =
  'Whether to include in the log the Connect record that resulted in a failure. ' +
  'For sink records, the topic, partition, offset, and timestamp will be logged. ' +
  'For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, ' +
  'and source offset will be logged. ' +
  "This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.";

const TOPICS_REGEX_DOC =
  'Regular expression giving topics to consume. ' +
  'Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. ' +
  'Only one of topics or topics.regex should be specified.';

const DLQ_TOPIC_NAME_DOC =
  'The name of the topic to be used as the dead letter queue (DLQ) for messages that ' +
  'result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, ' +
  'which means that no messages are to be recorded in the DLQ.';

const DLQ_CONTEXT_HEADERS_ENABLE_DOC =
  'If true, add headers containing error context to the messages ' +
  'written to the dead letter queue. To avoid clashing with headers from the original record, all error context header ' +
  'keys, all error context header keys will start with <code>__connect.errors.</code>';

const EXACTLY_ONCE_SUPPORT_DOC =
  'Permitted values are requested, required. ' +
  'If set to "required", forces a preflight check for the connector to ensure that it can provide exactly-once semantics ' +
  'with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to ' +
  'Connect that they support this; in that case, documentation for the connector should be consulted carefully before ' +
  'creating it, and the value for this property should be set to "requested". ' +
  'Additionally, if the value is set to "required" but the worker that performs preflight validation does not have ' +
  'exactly-once support enabled for source connectors, requests to create or validate the connector will fail.';

const TRANSACTION_BOUNDARY_DOC =
  'Permitted values are: poll, interval, connector. ' +
  "If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from " +
  "this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that " +
  'not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with ' +
  "this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.";

const TRANSACTION_BOUNDARY_INTERVAL_DOC =
  "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. " +
  'If unset, defaults to the value of the worker-level ' +
  "'offset.flush.interval.ms' property. It has no effect if a different " +
  'transaction.boundary is specified.';

const OFFSETS_TOPIC_DOC =
  'The name of a separate offsets topic to use for this connector. ' +
  'If empty or not specified, the worker\u2019s global offsets topic name will be used. ' +
  'If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector ' +
  "(which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer " +
  "has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.";

/** A list printed as Java's `List.toString()`: `[a, b]`. */
function javaList(value: readonly unknown[]): string {
  return `[${value.map(String).join(', ')}]`;
}

/** Non-null, and no alias twice (Kafka's `ConnectorConfig.aliasValidator`). */
function uniqueListValidator(description: string): Validator {
  return CompositeValidator.of(
    new NonNullValidator(),
    LambdaValidator.with(
      (name, value) => {
        const aliases = value as readonly string[];
        if (new Set(aliases).size < aliases.length) {
          throw new ConfigError(
            `Invalid value ${javaList(aliases)} for configuration ${name}: Duplicate alias provided.`,
            { key: name, value },
          );
        }
      },
      () => description,
    ),
  );
}

/**
 * Compiles a `topics.regex` value. JavaScript's regular expressions stand in for
 * `java.util.regex.Pattern`; the common syntax is the same. It is tried with the `u` flag (for `\p{..}`
 * classes) first, then without (which, like Java, accepts escapes of ordinary characters); the result
 * is the error when neither compiles.
 */
function compileRegex(regex: string): RegExp | Error {
  for (const flags of ['u', '']) {
    try {
      new RegExp(regex, flags);
      // Anchored, for Java's Matcher.matches() (a match of the whole input).
      return new RegExp(`^(?:${regex})$`, flags);
    } catch (e) {
      if (flags === '') return e instanceof Error ? e : new Error(String(e));
    }
  }
  return new Error('unreachable');
}

/** Kafka's `RegexValidator`: the value must compile as a regular expression. */
const REGEX_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    const compiled = compileRegex(String(value));
    if (compiled instanceof Error) {
      throw new ConfigError(
        `Invalid value ${String(value)} for configuration ${name}: Invalid regex: ${compiled.message}`,
        {
          key: name,
          value,
        },
      );
    }
  },
  () => 'valid regex',
);

/** The keys every connector has (Kafka's `ConnectorConfig.configDef()`), in Kafka's order. */
function commonConnectorConfigDef(): ConfigDef {
  let orderInGroup = 0;
  let orderInErrorGroup = 0;
  return new ConfigDef()
    .define({
      name: 'name',
      type: 'STRING',
      validator: new NonEmptyStringWithoutControlChars(),
      importance: 'HIGH',
      documentation: 'Globally unique name to use for this connector.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'MEDIUM',
      displayName: 'Connector name',
    })
    .define({
      name: 'connector.class',
      type: 'STRING',
      importance: 'HIGH',
      documentation: CONNECTOR_CLASS_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'LONG',
      displayName: 'Connector class',
    })
    .define({
      name: 'connector.plugin.version',
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation: 'Version of the connector.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'MEDIUM',
      displayName: 'Connector version',
    })
    .define({
      name: 'tasks.max',
      type: 'INT',
      defaultValue: 1,
      validator: Range.atLeast(1),
      importance: 'HIGH',
      documentation: 'Maximum number of tasks to use for this connector.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Tasks max',
    })
    .define({
      name: 'tasks.max.enforce',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation: TASKS_MAX_ENFORCE_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Enforce tasks max',
    })
    .define({
      name: 'key.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: KEY_CONVERTER_CLASS_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Key converter class',
    })
    .define({
      name: 'key.converter.plugin.version',
      type: 'STRING',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Version of the key converter.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Key converter version',
    })
    .define({
      name: 'value.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: VALUE_CONVERTER_CLASS_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Value converter class',
    })
    .define({
      name: 'value.converter.plugin.version',
      type: 'STRING',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Version of the value converter.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Value converter version',
    })
    .define({
      name: 'header.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: HEADER_CONVERTER_CLASS_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Header converter class',
    })
    .define({
      name: 'header.converter.plugin.version',
      type: 'STRING',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Version of the header converter.',
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'SHORT',
      displayName: 'Header converter version',
    })
    .define({
      name: 'transforms',
      type: 'LIST',
      defaultValue: [],
      validator: uniqueListValidator('unique transformation aliases'),
      importance: 'LOW',
      documentation: 'Aliases for the transformations to be applied to records.',
      group: TRANSFORMS_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'LONG',
      displayName: 'Transforms',
    })
    .define({
      name: 'predicates',
      type: 'LIST',
      defaultValue: [],
      validator: uniqueListValidator('unique predicate aliases'),
      importance: 'LOW',
      documentation: 'Aliases for the predicates used by transformations.',
      group: PREDICATES_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'LONG',
      displayName: 'Predicates',
    })
    .define({
      name: 'config.action.reload',
      type: 'STRING',
      defaultValue: 'restart',
      validator: ValidString.in('none', 'restart'),
      importance: 'LOW',
      documentation: CONFIG_RELOAD_ACTION_DOC,
      group: COMMON_GROUP,
      orderInGroup: ++orderInGroup,
      width: 'MEDIUM',
      displayName: 'Reload Action',
    })
    .define({
      name: 'errors.retry.timeout',
      type: 'LONG',
      defaultValue: 0,
      importance: 'MEDIUM',
      documentation: ERRORS_RETRY_TIMEOUT_DOC,
      group: ERROR_GROUP,
      orderInGroup: ++orderInErrorGroup,
      width: 'MEDIUM',
      displayName: 'Retry Timeout for Errors',
    })
    .define({
      name: 'errors.retry.delay.max.ms',
      type: 'LONG',
      defaultValue: 60000,
      importance: 'MEDIUM',
      documentation: ERRORS_RETRY_MAX_DELAY_DOC,
      group: ERROR_GROUP,
      orderInGroup: ++orderInErrorGroup,
      width: 'MEDIUM',
      displayName: 'Maximum Delay Between Retries for Errors',
    })
    .define({
      name: 'errors.tolerance',
      type: 'STRING',
      defaultValue: 'none',
      validator: ValidString.in('none', 'all'),
      importance: 'MEDIUM',
      documentation: ERRORS_TOLERANCE_DOC,
      group: ERROR_GROUP,
      orderInGroup: ++orderInErrorGroup,
      width: 'SHORT',
      displayName: 'Error Tolerance',
    })
    .define({
      name: 'errors.log.enable',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation: ERRORS_LOG_ENABLE_DOC,
      group: ERROR_GROUP,
      orderInGroup: ++orderInErrorGroup,
      width: 'SHORT',
      displayName: 'Log Errors',
    })
    .define({
      name: 'errors.log.include.messages',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation: ERRORS_LOG_INCLUDE_MESSAGES_DOC,
      group: ERROR_GROUP,
      orderInGroup: ++orderInErrorGroup,
      width: 'SHORT',
      displayName: 'Log Error Details',
    });
}

/** The keys common to every connector (Kafka's `ConnectorConfig.configDef()`). */
export const CONNECTOR_CONFIG_DEF: ConfigDef = commonConnectorConfigDef();

/** A sink connector's framework keys (Kafka's `SinkConnectorConfig.configDef()`). */
export const SINK_CONNECTOR_CONFIG_DEF: ConfigDef = commonConnectorConfigDef()
  .define({
    name: 'topics',
    type: 'LIST',
    defaultValue: '',
    importance: 'HIGH',
    documentation: 'List of topics to consume, separated by commas',
    group: COMMON_GROUP,
    orderInGroup: 4,
    width: 'LONG',
    displayName: 'Topics',
  })
  .define({
    name: 'topics.regex',
    type: 'STRING',
    defaultValue: '',
    validator: REGEX_VALIDATOR,
    importance: 'HIGH',
    documentation: TOPICS_REGEX_DOC,
    group: COMMON_GROUP,
    orderInGroup: 4,
    width: 'LONG',
    displayName: 'Topics regex',
  })
  .define({
    name: 'errors.deadletterqueue.topic.name',
    type: 'STRING',
    defaultValue: '',
    importance: 'MEDIUM',
    documentation: DLQ_TOPIC_NAME_DOC,
    group: ERROR_GROUP,
    orderInGroup: 6,
    width: 'MEDIUM',
    displayName: 'Dead Letter Queue Topic Name',
  })
  .define({
    name: 'errors.deadletterqueue.topic.replication.factor',
    type: 'SHORT',
    defaultValue: 3,
    importance: 'MEDIUM',
    documentation:
      "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
    group: ERROR_GROUP,
    orderInGroup: 7,
    width: 'MEDIUM',
    displayName: 'Dead Letter Queue Topic Replication Factor',
  })
  .define({
    name: 'errors.deadletterqueue.context.headers.enable',
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    documentation: DLQ_CONTEXT_HEADERS_ENABLE_DOC,
    group: ERROR_GROUP,
    orderInGroup: 8,
    width: 'MEDIUM',
    displayName: 'Enable Error Context Headers',
  });

const AT_LEAST_ZERO = Range.atLeast(0);

/** A source connector's framework keys (Kafka's `SourceConnectorConfig.configDef()`). */
export const SOURCE_CONNECTOR_CONFIG_DEF: ConfigDef = commonConnectorConfigDef()
  .define({
    name: 'topic.creation.groups',
    type: 'LIST',
    defaultValue: [],
    validator: CompositeValidator.of(
      new NonNullValidator(),
      LambdaValidator.with(
        (name, value) => {
          const groups = value as readonly string[];
          if (new Set(groups).size < groups.length) {
            throw new ConfigError(
              `Invalid value ${javaList(groups)} for configuration ${name}: Duplicate alias provided.`,
              { key: name, value },
            );
          }
        },
        () => 'unique topic creation groups',
      ),
    ),
    importance: 'LOW',
    documentation: 'Groups of configurations for topics created by source connectors',
    group: TOPIC_CREATION_GROUP,
    orderInGroup: 1,
    width: 'LONG',
    displayName: 'Topic Creation Groups',
  })
  .define({
    name: 'exactly.once.support',
    type: 'STRING',
    defaultValue: 'requested',
    validator: CaseInsensitiveValidString.in('requested', 'required'),
    importance: 'MEDIUM',
    documentation: EXACTLY_ONCE_SUPPORT_DOC,
    group: EXACTLY_ONCE_SUPPORT_GROUP,
    orderInGroup: 2,
    width: 'SHORT',
    displayName: 'Exactly once support',
  })
  .define({
    name: 'transaction.boundary',
    type: 'STRING',
    defaultValue: 'poll',
    validator: CaseInsensitiveValidString.in('poll', 'interval', 'connector'),
    importance: 'MEDIUM',
    documentation: TRANSACTION_BOUNDARY_DOC,
    group: EXACTLY_ONCE_SUPPORT_GROUP,
    orderInGroup: 3,
    width: 'SHORT',
    displayName: 'Transaction Boundary',
  })
  .define({
    name: 'transaction.boundary.interval.ms',
    type: 'LONG',
    defaultValue: null,
    validator: LambdaValidator.with(
      (name, value) => {
        if (value === null || value === undefined) return;
        AT_LEAST_ZERO.ensureValid(name, value);
      },
      () => AT_LEAST_ZERO.toString(),
    ),
    importance: 'LOW',
    documentation: TRANSACTION_BOUNDARY_INTERVAL_DOC,
    group: EXACTLY_ONCE_SUPPORT_GROUP,
    orderInGroup: 4,
    width: 'SHORT',
    displayName: 'Transaction boundary interval',
  })
  .define({
    name: 'offsets.storage.topic',
    type: 'STRING',
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'LOW',
    documentation: OFFSETS_TOPIC_DOC,
    group: OFFSETS_TOPIC_GROUP,
    orderInGroup: 1,
    width: 'LONG',
    displayName: 'Offsets topic',
  });

function isBlank(s: string | undefined): boolean {
  return s === undefined || javaTrim(s) === '';
}

/**
 * The `topics` list as Kafka's `SinkConnectorConfig.parseTopicsList`: parsed as a LIST, empty
 * entries dropped, duplicates removed (first occurrence kept).
 */
export function parseTopicsList(config: Readonly<Record<string, string | undefined>>): string[] {
  const raw = config.topics;
  if (raw === undefined) return [];
  const parsed = ConfigDef.parseType('topics', raw, 'LIST') as readonly string[];
  return [...new Set(parsed.filter((t) => t !== ''))];
}

/**
 * The sink-only checks of Kafka's `SinkConnectorConfig.validate`, with Kafka's messages, as errors
 * by key (only keys with errors appear, in the order Kafka adds them):
 *
 * - exactly one of `topics` and `topics.regex` must be non-blank; both set ⇒ `topics and topics.regex
 *   are mutually exclusive options, but both are set.` on both keys; neither ⇒ `Must configure one of
 *   topics or topics.regex` on both keys;
 * - a non-blank `errors.deadletterqueue.topic.name` may not be in `topics` nor fully match
 *   `topics.regex`.
 */
export function validateSinkTopics(
  config: Readonly<Record<string, string | undefined>>,
): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const add = (key: string, message: string): void => {
    const list = errors.get(key);
    if (list === undefined) errors.set(key, [message]);
    else list.push(message);
  };
  const topicsList = config.topics;
  const topicsRegex = config['topics.regex'];
  const dlqTopic = javaTrim(config['errors.deadletterqueue.topic.name'] ?? '');
  const hasTopics = !isBlank(topicsList);
  const hasTopicsRegex = !isBlank(topicsRegex);

  if (hasTopics && hasTopicsRegex) {
    const message = 'topics and topics.regex are mutually exclusive options, but both are set.';
    add('topics', message);
    add('topics.regex', message);
  }
  if (!hasTopics && !hasTopicsRegex) {
    const message = 'Must configure one of topics or topics.regex';
    add('topics', message);
    add('topics.regex', message);
  }
  if (dlqTopic !== '') {
    if (hasTopics) {
      const topics = parseTopicsList(config);
      if (topics.includes(dlqTopic)) {
        add(
          'topics',
          `The DLQ topic '${dlqTopic}' may not be included in the list of topics ('topics=${javaList(topics)}') consumed by the connector`,
        );
      }
    }
    if (hasTopicsRegex) {
      const pattern = compileRegex(topicsRegex!);
      if (!(pattern instanceof Error) && pattern.test(dlqTopic)) {
        add(
          'topics.regex',
          `The DLQ topic '${dlqTopic}' may not be matched by the regex for the topics ('topics.regex=${topicsRegex}') consumed by the connector`,
        );
      }
    }
  }
  return errors;
}

/** A sink connector's consumer group by default, `connect-<name>` (Kafka's `SinkUtils.consumerGroupId`). */
export function defaultSinkGroupId(connector: string): string {
  return `connect-${connector}`;
}

/**
 * The group a sink connector's tasks consume and commit in: `consumer.override.group.id` when set
 * and not empty, else {@link defaultSinkGroupId}. The offsets API reads and writes this group.
 */
export function sinkGroupId(connector: string, config: Readonly<Record<string, string | undefined>>): string {
  return config['consumer.override.group.id'] || defaultSinkGroupId(connector);
}

/**
 * A connector's `errors.*` settings, typed (Kafka's `ConnectorConfig.errorRetryTimeout()`,
 * `errorToleranceType()`, ... and `SinkConnectorConfig.dlqTopicName()`, ...). Parsed once, by
 * {@link errorHandlingConfig}, with the defaults of the ConfigDefs above.
 */
export interface ErrorHandlingConfig {
  /** `errors.retry.timeout`: -1 retries for ever; 0 never. */
  retryTimeoutMs: number;
  /** `errors.retry.delay.max.ms`. */
  retryDelayMaxMs: number;
  /** `errors.tolerance`. */
  tolerance: 'none' | 'all';
  /** `errors.log.enable`. */
  logEnable: boolean;
  /** `errors.log.include.messages`. */
  logIncludeMessages: boolean;
  /** `errors.deadletterqueue.topic.name`; '' when there is no dead-letter queue (always for sources). */
  dlqTopic: string;
  /** `errors.deadletterqueue.topic.replication.factor`. */
  dlqReplicationFactor: number;
  /** `errors.deadletterqueue.context.headers.enable`. */
  dlqContextHeaders: boolean;
}

/**
 * Parses the `errors.*` keys of a connector config with the framework's ConfigDef (a sink's
 * when `isSink`, which adds the dead-letter-queue keys): a missing key takes the ConfigDef's
 * default, an invalid value throws Kafka's ConfigError naming the key (as Kafka's worker fails a
 * task whose `ConnectorConfig` does not parse).
 */
export function errorHandlingConfig(
  config: Readonly<Record<string, string | undefined>>,
  isSink: boolean,
): ErrorHandlingConfig {
  const def = isSink ? SINK_CONNECTOR_CONFIG_DEF : CONNECTOR_CONFIG_DEF;
  const keys = def.configKeys();
  const value = (name: string): unknown => {
    const key = keys.get(name);
    if (key === undefined) throw new Error(`${name} is not a connector key`);
    return def.parseValue(key, config[name], config[name] !== undefined);
  };
  return {
    retryTimeoutMs: Number(value('errors.retry.timeout')),
    retryDelayMaxMs: Number(value('errors.retry.delay.max.ms')),
    tolerance: value('errors.tolerance') === 'all' ? 'all' : 'none',
    logEnable: value('errors.log.enable') === true,
    logIncludeMessages: value('errors.log.include.messages') === true,
    dlqTopic: isSink ? String(value('errors.deadletterqueue.topic.name') ?? '') : '',
    dlqReplicationFactor: isSink ? Number(value('errors.deadletterqueue.topic.replication.factor')) : 3,
    dlqContextHeaders: isSink ? value('errors.deadletterqueue.context.headers.enable') === true : false,
  };
}
