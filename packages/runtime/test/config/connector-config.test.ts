import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import {
  CONNECTOR_CONFIG_DEF,
  errorHandlingConfig,
  parseTopicsList,
  SINK_CONNECTOR_CONFIG_DEF,
  SOURCE_CONNECTOR_CONFIG_DEF,
  validateSinkTopics,
} from '../../src/config/connector-config.ts';

function throwsConfigError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const COMMON_DEFAULTS = {
  'connector.plugin.version': null,
  'tasks.max': 1,
  'tasks.max.enforce': true,
  'key.converter': null,
  'key.converter.plugin.version': null,
  'value.converter': null,
  'value.converter.plugin.version': null,
  'header.converter': null,
  'header.converter.plugin.version': null,
  transforms: [],
  predicates: [],
  'config.action.reload': 'restart',
  'errors.retry.timeout': 0,
  'errors.retry.delay.max.ms': 60000,
  'errors.tolerance': 'none',
  'errors.log.enable': false,
  'errors.log.include.messages': false,
};

describe('connector ConfigDefs: defaults', () => {
  test('sink defaults', () => {
    assert.deepEqual(SINK_CONNECTOR_CONFIG_DEF.parse({ name: 'n', 'connector.class': 'C', topics: 'a, b' }), {
      name: 'n',
      'connector.class': 'C',
      ...COMMON_DEFAULTS,
      topics: ['a', 'b'],
      'topics.regex': '',
      'errors.deadletterqueue.topic.name': '',
      'errors.deadletterqueue.topic.replication.factor': 3,
      'errors.deadletterqueue.context.headers.enable': false,
    });
  });

  test('source defaults', () => {
    assert.deepEqual(SOURCE_CONNECTOR_CONFIG_DEF.parse({ name: 'n', 'connector.class': 'C' }), {
      name: 'n',
      'connector.class': 'C',
      ...COMMON_DEFAULTS,
      'topic.creation.groups': [],
      'exactly.once.support': 'requested',
      'transaction.boundary': 'poll',
      'transaction.boundary.interval.ms': null,
      'offsets.storage.topic': null,
    });
  });

  test('the common definition has only the common keys', () => {
    assert.deepEqual(
      [...CONNECTOR_CONFIG_DEF.names()],
      ['name', 'connector.class', ...Object.keys(COMMON_DEFAULTS)],
    );
  });

  test('values given as strings are parsed to their types', () => {
    const parsed = SINK_CONNECTOR_CONFIG_DEF.parse({
      name: 'n',
      'connector.class': 'C',
      'tasks.max': '4',
      'tasks.max.enforce': 'false',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      transforms: 'a,b',
      'errors.retry.timeout': '-1',
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.replication.factor': '1',
    });
    assert.equal(parsed['tasks.max'], 4);
    assert.equal(parsed['tasks.max.enforce'], false);
    assert.equal(parsed['key.converter'], 'org.apache.kafka.connect.storage.StringConverter');
    assert.deepEqual(parsed.transforms, ['a', 'b']);
    assert.equal(parsed['errors.retry.timeout'], -1);
    assert.equal(parsed['errors.tolerance'], 'all');
    assert.equal(parsed['errors.deadletterqueue.topic.replication.factor'], 1);
  });
});

describe('connector ConfigDefs: validators and Kafka’s messages', () => {
  const base = { name: 'n', 'connector.class': 'C' };

  test('name and connector.class are required', () => {
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ 'connector.class': 'C' }),
      'Missing required configuration "name" which has no default value.',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ name: 'n' }),
      'Missing required configuration "connector.class" which has no default value.',
    );
  });

  test('name: non-empty, without ISO control characters', () => {
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, name: '' }),
      'Invalid value  for configuration name: String may not be empty',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, name: 'a\u0001b\u007fc' }),
      'Invalid value a\u0001b\u007fc for configuration name: String may not contain control sequences but had the following ASCII chars: 1, 127',
    );
  });

  test('tasks.max is at least 1', () => {
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'tasks.max': '0' }),
      'Invalid value 0 for configuration tasks.max: Value must be at least 1',
    );
  });

  test('transforms, predicates and topic.creation.groups take no duplicate alias', () => {
    throwsConfigError(
      () => SINK_CONNECTOR_CONFIG_DEF.parse({ ...base, topics: 't', transforms: 'a, b,a' }),
      'Invalid value [a, b, a] for configuration transforms: Duplicate alias provided.',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, predicates: 'p,p' }),
      'Invalid value [p, p] for configuration predicates: Duplicate alias provided.',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'topic.creation.groups': 'g1,g2,g1' }),
      'Invalid value [g1, g2, g1] for configuration topic.creation.groups: Duplicate alias provided.',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, transforms: null }),
      'Invalid value null for configuration transforms: entry must be non null',
    );
  });

  test('config.action.reload and errors.tolerance take their values only, case-sensitively', () => {
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'config.action.reload': 'RESTART' }),
      'Invalid value RESTART for configuration config.action.reload: String must be one of: none, restart',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'errors.tolerance': 'some' }),
      'Invalid value some for configuration errors.tolerance: String must be one of: none, all',
    );
  });

  test('exactly.once.support and transaction.boundary ignore case', () => {
    const parsed = SOURCE_CONNECTOR_CONFIG_DEF.parse({
      ...base,
      'exactly.once.support': 'REQUIRED',
      'transaction.boundary': 'Interval',
      'transaction.boundary.interval.ms': '0',
    });
    assert.equal(parsed['exactly.once.support'], 'REQUIRED');
    assert.equal(parsed['transaction.boundary'], 'Interval');
    assert.equal(parsed['transaction.boundary.interval.ms'], 0);
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'exactly.once.support': 'maybe' }),
      'Invalid value maybe for configuration exactly.once.support: String must be one of (case insensitive): REQUIRED, REQUESTED',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'transaction.boundary': 'batch' }),
      'Invalid value batch for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR',
    );
  });

  test('transaction.boundary.interval.ms is null or at least 0; offsets.storage.topic null or non-empty', () => {
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'transaction.boundary.interval.ms': '-1' }),
      'Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0',
    );
    throwsConfigError(
      () => SOURCE_CONNECTOR_CONFIG_DEF.parse({ ...base, 'offsets.storage.topic': '' }),
      'Invalid value  for configuration offsets.storage.topic: String must be non-empty',
    );
  });

  test('topics.regex must compile', () => {
    assert.throws(
      () => SINK_CONNECTOR_CONFIG_DEF.parse({ ...base, 'topics.regex': '(' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith('Invalid value ( for configuration topics.regex: Invalid regex: ') &&
        e.key === 'topics.regex',
    );
    assert.equal(
      SINK_CONNECTOR_CONFIG_DEF.parse({ ...base, 'topics.regex': 'orders-\\d+' })['topics.regex'],
      'orders-\\d+',
    );
  });

  test('validate() reports every problem without throwing', () => {
    const values = SINK_CONNECTOR_CONFIG_DEF.validateAll({ name: 'n', 'tasks.max': 'x' });
    assert.deepEqual(values.get('connector.class')?.errorMessages, [
      'Missing required configuration "connector.class" which has no default value.',
    ]);
    assert.deepEqual(values.get('tasks.max')?.errorMessages, [
      'Invalid value x for configuration tasks.max: Not a number of type INT',
      'Invalid value null for configuration tasks.max: Value must be non-null',
    ]);
    assert.deepEqual(values.get('name')?.errorMessages, []);
  });
});

describe('connector ConfigDefs: Kafka’s metadata', () => {
  test('groups in order', () => {
    assert.deepEqual(SINK_CONNECTOR_CONFIG_DEF.groups(), [
      'Common',
      'Transforms',
      'Predicates',
      'Error Handling',
    ]);
    assert.deepEqual(SOURCE_CONNECTOR_CONFIG_DEF.groups(), [
      'Common',
      'Transforms',
      'Predicates',
      'Error Handling',
      'Topic Creation',
      'Exactly Once Support',
      'offsets.topic',
    ]);
  });

  test('group, order, width and display name of each key', () => {
    const meta = (def: typeof SINK_CONNECTOR_CONFIG_DEF) =>
      Object.fromEntries(
        [...def.configKeys().values()].map((k) => [
          k.name,
          [k.type, k.importance, k.group, k.orderInGroup, k.width, k.displayName],
        ]),
      );
    const common = {
      name: ['STRING', 'HIGH', 'Common', 1, 'MEDIUM', 'Connector name'],
      'connector.class': ['STRING', 'HIGH', 'Common', 2, 'LONG', 'Connector class'],
      'connector.plugin.version': ['STRING', 'MEDIUM', 'Common', 3, 'MEDIUM', 'Connector version'],
      'tasks.max': ['INT', 'HIGH', 'Common', 4, 'SHORT', 'Tasks max'],
      'tasks.max.enforce': ['BOOLEAN', 'LOW', 'Common', 5, 'SHORT', 'Enforce tasks max'],
      'key.converter': ['CLASS', 'LOW', 'Common', 6, 'SHORT', 'Key converter class'],
      'key.converter.plugin.version': ['STRING', 'LOW', 'Common', 7, 'SHORT', 'Key converter version'],
      'value.converter': ['CLASS', 'LOW', 'Common', 8, 'SHORT', 'Value converter class'],
      'value.converter.plugin.version': ['STRING', 'LOW', 'Common', 9, 'SHORT', 'Value converter version'],
      'header.converter': ['CLASS', 'LOW', 'Common', 10, 'SHORT', 'Header converter class'],
      'header.converter.plugin.version': ['STRING', 'LOW', 'Common', 11, 'SHORT', 'Header converter version'],
      transforms: ['LIST', 'LOW', 'Transforms', 12, 'LONG', 'Transforms'],
      predicates: ['LIST', 'LOW', 'Predicates', 13, 'LONG', 'Predicates'],
      'config.action.reload': ['STRING', 'LOW', 'Common', 14, 'MEDIUM', 'Reload Action'],
      'errors.retry.timeout': ['LONG', 'MEDIUM', 'Error Handling', 1, 'MEDIUM', 'Retry Timeout for Errors'],
      'errors.retry.delay.max.ms': [
        'LONG',
        'MEDIUM',
        'Error Handling',
        2,
        'MEDIUM',
        'Maximum Delay Between Retries for Errors',
      ],
      'errors.tolerance': ['STRING', 'MEDIUM', 'Error Handling', 3, 'SHORT', 'Error Tolerance'],
      'errors.log.enable': ['BOOLEAN', 'MEDIUM', 'Error Handling', 4, 'SHORT', 'Log Errors'],
      'errors.log.include.messages': ['BOOLEAN', 'MEDIUM', 'Error Handling', 5, 'SHORT', 'Log Error Details'],
    };
    assert.deepEqual(meta(SINK_CONNECTOR_CONFIG_DEF), {
      ...common,
      topics: ['LIST', 'HIGH', 'Common', 4, 'LONG', 'Topics'],
      'topics.regex': ['STRING', 'HIGH', 'Common', 4, 'LONG', 'Topics regex'],
      'errors.deadletterqueue.topic.name': [
        'STRING',
        'MEDIUM',
        'Error Handling',
        6,
        'MEDIUM',
        'Dead Letter Queue Topic Name',
      ],
      'errors.deadletterqueue.topic.replication.factor': [
        'SHORT',
        'MEDIUM',
        'Error Handling',
        7,
        'MEDIUM',
        'Dead Letter Queue Topic Replication Factor',
      ],
      'errors.deadletterqueue.context.headers.enable': [
        'BOOLEAN',
        'MEDIUM',
        'Error Handling',
        8,
        'MEDIUM',
        'Enable Error Context Headers',
      ],
    });
    assert.deepEqual(meta(SOURCE_CONNECTOR_CONFIG_DEF), {
      ...common,
      'topic.creation.groups': ['LIST', 'LOW', 'Topic Creation', 1, 'LONG', 'Topic Creation Groups'],
      'exactly.once.support': [
        'STRING',
        'MEDIUM',
        'Exactly Once Support',
        2,
        'SHORT',
        'Exactly once support',
      ],
      'transaction.boundary': [
        'STRING',
        'MEDIUM',
        'Exactly Once Support',
        3,
        'SHORT',
        'Transaction Boundary',
      ],
      'transaction.boundary.interval.ms': [
        'LONG',
        'LOW',
        'Exactly Once Support',
        4,
        'SHORT',
        'Transaction boundary interval',
      ],
      'offsets.storage.topic': ['STRING', 'LOW', 'offsets.topic', 1, 'LONG', 'Offsets topic'],
    });
  });

  test('Kafka’s documentation strings and validator descriptions', () => {
    const doc = (name: string) => SOURCE_CONNECTOR_CONFIG_DEF.configKeys().get(name)?.documentation;
    assert.equal(doc('name'), 'Globally unique name to use for this connector.');
    assert.equal(doc('tasks.max'), 'Maximum number of tasks to use for this connector.');
    assert.equal(doc('transforms'), 'Aliases for the transformations to be applied to records.');
    assert.equal(
      doc('errors.retry.timeout'),
      'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.',
    );
    assert.equal(
      doc('transaction.boundary.interval.ms'),
      "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.",
    );
    assert.equal(
      SINK_CONNECTOR_CONFIG_DEF.configKeys().get('topics.regex')?.documentation,
      'Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.',
    );
    const validator = (name: string) => String(SOURCE_CONNECTOR_CONFIG_DEF.configKeys().get(name)?.validator);
    assert.equal(validator('transforms'), 'non-null string, unique transformation aliases');
    assert.equal(validator('predicates'), 'non-null string, unique predicate aliases');
    assert.equal(validator('topic.creation.groups'), 'non-null string, unique topic creation groups');
    assert.equal(validator('transaction.boundary.interval.ms'), '[0,...]');
    assert.equal(
      String(SINK_CONNECTOR_CONFIG_DEF.configKeys().get('topics.regex')?.validator),
      'valid regex',
    );
  });
});

describe('validateSinkTopics', () => {
  test('exactly one of topics and topics.regex: no errors', () => {
    assert.deepEqual(validateSinkTopics({ topics: 'a' }), new Map());
    assert.deepEqual(validateSinkTopics({ 'topics.regex': 'a.*' }), new Map());
    assert.deepEqual(validateSinkTopics({ topics: 'a', 'topics.regex': '  ' }), new Map());
  });

  test('both set: the same error on both keys', () => {
    const message = 'topics and topics.regex are mutually exclusive options, but both are set.';
    assert.deepEqual(
      validateSinkTopics({ topics: 'a', 'topics.regex': 'b.*' }),
      new Map([
        ['topics', [message]],
        ['topics.regex', [message]],
      ]),
    );
  });

  test('neither set (absent or blank): the same error on both keys', () => {
    const message = 'Must configure one of topics or topics.regex';
    const expected = new Map([
      ['topics', [message]],
      ['topics.regex', [message]],
    ]);
    assert.deepEqual(validateSinkTopics({}), expected);
    assert.deepEqual(validateSinkTopics({ topics: ' ', 'topics.regex': '' }), expected);
  });

  test('the DLQ topic may not be one of the topics', () => {
    assert.deepEqual(
      validateSinkTopics({ topics: 'a, b,a,', 'errors.deadletterqueue.topic.name': ' b ' }),
      new Map([
        [
          'topics',
          [
            "The DLQ topic 'b' may not be included in the list of topics ('topics=[a, b]') consumed by the connector",
          ],
        ],
      ]),
    );
    assert.deepEqual(
      validateSinkTopics({ topics: 'a,b', 'errors.deadletterqueue.topic.name': 'c' }),
      new Map(),
    );
  });

  test('the DLQ topic may not match the whole topics.regex', () => {
    assert.deepEqual(
      validateSinkTopics({ 'topics.regex': 'orders-.*', 'errors.deadletterqueue.topic.name': 'orders-dlq' }),
      new Map([
        [
          'topics.regex',
          [
            "The DLQ topic 'orders-dlq' may not be matched by the regex for the topics ('topics.regex=orders-.*') consumed by the connector",
          ],
        ],
      ]),
    );
    assert.deepEqual(
      validateSinkTopics({ 'topics.regex': 'orders', 'errors.deadletterqueue.topic.name': 'orders-dlq' }),
      new Map(),
    );
    assert.deepEqual(
      validateSinkTopics({
        'topics.regex': 'a|orders-dlq',
        'errors.deadletterqueue.topic.name': 'orders-dlq',
      }).get('topics.regex')?.length,
      1,
    );
  });

  test('errors accumulate per key in Kafka’s order', () => {
    assert.deepEqual(
      validateSinkTopics({
        topics: 'dlq',
        'topics.regex': 'd.*',
        'errors.deadletterqueue.topic.name': 'dlq',
      }),
      new Map([
        [
          'topics',
          [
            'topics and topics.regex are mutually exclusive options, but both are set.',
            "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[dlq]') consumed by the connector",
          ],
        ],
        [
          'topics.regex',
          [
            'topics and topics.regex are mutually exclusive options, but both are set.',
            "The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') consumed by the connector",
          ],
        ],
      ]),
    );
  });

  test('parseTopicsList drops empty entries and duplicates', () => {
    assert.deepEqual(parseTopicsList({ topics: ' a , b,,a, c ' }), ['a', 'b', 'c']);
    assert.deepEqual(parseTopicsList({}), []);
  });
});

describe('errorHandlingConfig: the errors.* keys parsed once, with the ConfigDef defaults', () => {
  test('defaults are the ConfigDef defaults', () => {
    const sink = errorHandlingConfig({}, true);
    assert.deepEqual(sink, {
      retryTimeoutMs: 0,
      retryDelayMaxMs: 60000,
      tolerance: 'none',
      logEnable: false,
      logIncludeMessages: false,
      dlqTopic: '',
      dlqReplicationFactor: 3,
      dlqContextHeaders: false,
    });
    const defaults = SINK_CONNECTOR_CONFIG_DEF.defaultValues();
    assert.equal(sink.retryTimeoutMs, defaults['errors.retry.timeout']);
    assert.equal(sink.retryDelayMaxMs, defaults['errors.retry.delay.max.ms']);
    assert.equal(sink.dlqReplicationFactor, defaults['errors.deadletterqueue.topic.replication.factor']);
  });

  test('values are typed as Kafka parses them (trimmed, case-insensitive booleans)', () => {
    const config = {
      'errors.retry.timeout': ' -1 ',
      'errors.retry.delay.max.ms': '1500',
      'errors.tolerance': 'all',
      'errors.log.enable': 'TRUE',
      'errors.log.include.messages': 'true',
      'errors.deadletterqueue.topic.name': ' dlq ',
      'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'True',
    };
    assert.deepEqual(errorHandlingConfig(config, true), {
      retryTimeoutMs: -1,
      retryDelayMaxMs: 1500,
      tolerance: 'all',
      logEnable: true,
      logIncludeMessages: true,
      dlqTopic: 'dlq',
      dlqReplicationFactor: 1,
      dlqContextHeaders: true,
    });
    // A source connector has no dead-letter queue.
    const source = errorHandlingConfig(config, false);
    assert.equal(source.dlqTopic, '');
    assert.equal(source.dlqContextHeaders, false);
    assert.equal(source.tolerance, 'all');
  });

  test('an invalid value is a ConfigError naming the key', () => {
    throwsConfigError(
      () => errorHandlingConfig({ 'errors.retry.timeout': 'soon' }, false),
      'Invalid value soon for configuration errors.retry.timeout: Not a number of type LONG',
    );
    throwsConfigError(
      () => errorHandlingConfig({ 'errors.tolerance': 'some' }, true),
      'Invalid value some for configuration errors.tolerance: String must be one of: none, all',
    );
  });
});
