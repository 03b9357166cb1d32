import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfigDef,
  ConfigKey,
  type ConfigValue,
  NO_DEFAULT_VALUE,
  type ParsedConfig,
  Password,
  Range,
  type Recommender,
  ValidString,
} from '../../src/config/index.ts';
import { ConfigError } from '../../src/errors.ts';

function assertConfigError(fn: () => unknown, message: string, key?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.message, message);
    if (key !== undefined) assert.equal(e.key, key);
    return true;
  });
}

function plain(values: readonly ConfigValue[]): unknown[] {
  return values.map((v) => ({
    name: v.name,
    value: v.value,
    recommendedValues: v.recommendedValues,
    errorMessages: v.errorMessages,
    visible: v.visible,
  }));
}

describe('define', () => {
  test('options form fills Kafka defaults', () => {
    const def = new ConfigDef().define({
      name: 'file',
      type: 'STRING',
      importance: 'HIGH',
      documentation: 'Destination file.',
    });
    const key = def.configKeys().get('file');
    assert.ok(key instanceof ConfigKey);
    assert.equal(key.defaultValue, NO_DEFAULT_VALUE);
    assert.equal(key.hasDefault(), false);
    assert.equal(key.group, null);
    assert.equal(key.orderInGroup, -1);
    assert.equal(key.width, 'NONE');
    assert.equal(key.displayName, 'file');
    assert.deepEqual(key.dependents, []);
    assert.equal(key.validator, null);
    assert.equal(key.recommender, null);
    assert.equal(key.internalConfig, false);
  });

  test('positional forms', () => {
    const def = new ConfigDef()
      .define('a', ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, 'required a')
      .define('b', 'INT', '5', 'MEDIUM', 'b with default')
      .define('c', 'LONG', 7, Range.atLeast(0), 'LOW', 'c with validator')
      .define('d', 'STRING', null, 'LOW', 'null default');
    const keys = def.configKeys();
    assert.equal(keys.get('a')?.hasDefault(), false);
    assert.equal(keys.get('b')?.defaultValue, 5);
    assert.equal(keys.get('b')?.importance, 'MEDIUM');
    assert.equal(String(keys.get('c')?.validator), '[0,...]');
    assert.equal(keys.get('d')?.hasDefault(), true);
    assert.equal(keys.get('d')?.defaultValue, null);
    assert.deepEqual([...def.names()], ['a', 'b', 'c', 'd']);
  });

  test('duplicate names throw', () => {
    const def = new ConfigDef().define('a', 'STRING', 'HIGH', 'doc');
    assertConfigError(
      () => def.define('a', 'INT', 1, 'LOW', 'again'),
      'Configuration a is defined twice.',
      'a',
    );
  });

  test('defaults are parsed and validated when defined', () => {
    assertConfigError(
      () => new ConfigDef().define('n', 'INT', 'ten', 'LOW', 'doc'),
      'Invalid value ten for configuration n: Not a number of type INT',
      'n',
    );
    assertConfigError(
      () => new ConfigDef().define('n', 'INT', 0, Range.atLeast(1), 'LOW', 'doc'),
      'Invalid value 0 for configuration n: Value must be at least 1',
      'n',
    );
    const def = new ConfigDef().define({
      name: 'l',
      type: 'LIST',
      defaultValue: 'x, y',
      importance: 'LOW',
      documentation: 'doc',
    });
    assert.deepEqual(def.configKeys().get('l')?.defaultValue, ['x', 'y']);
  });

  test('groups in first-seen order; copies are independent', () => {
    const base = new ConfigDef()
      .define({
        name: 'a',
        type: 'INT',
        defaultValue: 1,
        importance: 'LOW',
        documentation: '',
        group: 'Common',
      })
      .define({
        name: 'b',
        type: 'INT',
        defaultValue: 1,
        importance: 'LOW',
        documentation: '',
        group: 'Errors',
      })
      .define({
        name: 'c',
        type: 'INT',
        defaultValue: 1,
        importance: 'LOW',
        documentation: '',
        group: 'Common',
      });
    assert.deepEqual(base.groups(), ['Common', 'Errors']);
    const copy = new ConfigDef(base).define({
      name: 'd',
      type: 'INT',
      defaultValue: 1,
      importance: 'LOW',
      documentation: '',
      group: 'Transforms',
    });
    assert.deepEqual(copy.groups(), ['Common', 'Errors', 'Transforms']);
    assert.deepEqual(base.groups(), ['Common', 'Errors']);
    assert.deepEqual([...base.names()], ['a', 'b', 'c']);
    assert.deepEqual([...copy.names()], ['a', 'b', 'c', 'd']);
  });

  test('defineInternal: group "" and no documentation', () => {
    const def = new ConfigDef().defineInternal('internal.x', 'BOOLEAN', 'false', 'LOW');
    const key = def.configKeys().get('internal.x');
    assert.equal(key?.internalConfig, true);
    assert.equal(key?.group, '');
    assert.equal(key?.documentation, '');
    assert.equal(key?.defaultValue, false);
    assert.deepEqual(def.groups(), ['']);
  });

  test('defaultValues', () => {
    const def = new ConfigDef()
      .define('a', 'STRING', 'HIGH', 'required')
      .define('b', 'DOUBLE', '1', 'LOW', 'b')
      .define('c', 'CLASS', null, 'LOW', 'c');
    assert.deepEqual(def.defaultValues(), { b: 1, c: null });
  });
});

describe('parse', () => {
  const def = new ConfigDef()
    .define('file', 'STRING', 'HIGH', 'Destination file.')
    .define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Max tasks.')
    .define('topics', 'LIST', '', 'HIGH', 'Topics.')
    .define('batch.ms', 'LONG', 60000, 'LOW', 'Batch interval.')
    .define('secret', 'PASSWORD', null, 'MEDIUM', 'Secret.')
    .define('ratio', 'DOUBLE', 0.5, 'LOW', 'Ratio.')
    .define('enabled', 'BOOLEAN', true, 'LOW', 'Enabled.');

  test('applies defaults and parses supplied strings; ignores unknown keys', () => {
    const values = def.parse({ file: ' /tmp/out.txt ', 'tasks.max': '3', topics: 'a, b', other: 'x' });
    assert.deepEqual(values, {
      file: '/tmp/out.txt',
      'tasks.max': 3,
      topics: ['a', 'b'],
      'batch.ms': 60000,
      secret: null,
      ratio: 0.5,
      enabled: true,
    });
  });

  test('typed values are accepted', () => {
    const values = def.parse({
      file: 'f',
      'tasks.max': 2,
      secret: new Password('pw'),
      enabled: false,
      ratio: 2,
    });
    assert.equal(values['tasks.max'], 2);
    assert.equal(values.enabled, false);
    assert.equal((values.secret as Password).value(), 'pw');
  });

  test('missing required key', () => {
    assertConfigError(
      () => def.parse({}),
      'Missing required configuration "file" which has no default value.',
      'file',
    );
  });

  test('an undefined value counts as absent, null as explicit null', () => {
    assertConfigError(
      () => def.parse({ file: undefined }),
      'Missing required configuration "file" which has no default value.',
      'file',
    );
    assert.equal(def.parse({ file: null }).file, null);
  });

  test('parse errors and validator errors throw', () => {
    assertConfigError(
      () => def.parse({ file: 'f', 'tasks.max': 'abc' }),
      'Invalid value abc for configuration tasks.max: Not a number of type INT',
      'tasks.max',
    );
    assertConfigError(
      () => def.parse({ file: 'f', 'tasks.max': '0' }),
      'Invalid value 0 for configuration tasks.max: Value must be at least 1',
      'tasks.max',
    );
  });

  test('keys named like Object.prototype members are plain entries', () => {
    const d = new ConfigDef()
      .define('__proto__', 'STRING', 'x', 'LOW', 'odd')
      .define('constructor', 'INT', 1, 'LOW', 'odd');
    const values = d.parse(JSON.parse('{"__proto__": "y", "constructor": "2"}'));
    assert.equal(Object.getPrototypeOf(values), Object.prototype);
    assert.deepEqual(Object.entries(values), [
      ['__proto__', 'y'],
      ['constructor', 2],
    ]);
  });

  test('dependents that are not defined fail parse', () => {
    const d = new ConfigDef().define({
      name: 'a',
      type: 'STRING',
      defaultValue: '',
      importance: 'LOW',
      documentation: '',
      dependents: ['b', 'c'],
    });
    assertConfigError(
      () => d.parse({}),
      'Some configurations in are referred in the dependents, but not defined: b,c',
    );
  });
});

describe('validate', () => {
  test('missing required, parse failure and validator messages are recorded, not thrown', () => {
    const def = new ConfigDef()
      .define(
        'name',
        'STRING',
        NO_DEFAULT_VALUE,
        ConfigDef.NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars(),
        'HIGH',
        'Name.',
      )
      .define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Max tasks.')
      .define('errors.tolerance', 'STRING', 'none', ValidString.in('none', 'all'), 'MEDIUM', 'Tolerance.')
      .define('file', 'STRING', 'HIGH', 'File.');
    const result = def.validate({ 'tasks.max': 'abc', 'errors.tolerance': 'some', extra: 'ignored' });
    assert.deepEqual(plain(result), [
      {
        name: 'name',
        value: null,
        recommendedValues: [],
        errorMessages: ['Missing required configuration "name" which has no default value.'],
        visible: true,
      },
      {
        name: 'tasks.max',
        value: null,
        recommendedValues: [],
        errorMessages: [
          'Invalid value abc for configuration tasks.max: Not a number of type INT',
          'Invalid value null for configuration tasks.max: Value must be non-null',
        ],
        visible: true,
      },
      {
        name: 'errors.tolerance',
        value: 'some',
        recommendedValues: [],
        errorMessages: [
          'Invalid value some for configuration errors.tolerance: String must be one of: none, all',
        ],
        visible: true,
      },
      {
        name: 'file',
        value: null,
        recommendedValues: [],
        errorMessages: ['Missing required configuration "file" which has no default value.'],
        visible: true,
      },
    ]);
  });

  test('valid input yields parsed values and no errors', () => {
    const def = new ConfigDef()
      .define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Max tasks.')
      .define('s', 'PASSWORD', 'HIGH', 'S.');
    const [tasks, secret] = def.validate({ 'tasks.max': ' 4 ', s: 'pw' });
    assert.equal(tasks?.value, 4);
    assert.deepEqual(tasks?.errorMessages, []);
    assert.ok(secret?.value instanceof Password);
    assert.equal((secret.value as Password).value(), 'pw');
  });

  test('recommenders set recommended values and visibility from parsed parents', () => {
    const calls: [string, Record<string, unknown>][] = [];
    const modeRecommender: Recommender = {
      validValues: (name: string, parsed: ParsedConfig) => {
        calls.push([name, { ...parsed }]);
        return parsed['connection.type'] === 'jdbc' ? ['bulk', 'incrementing'] : ['scan'];
      },
      visible: (_name: string, parsed: ParsedConfig) => parsed['connection.type'] === 'jdbc',
    };
    const def = new ConfigDef()
      .define({
        name: 'connection.type',
        type: 'STRING',
        defaultValue: 'jdbc',
        importance: 'HIGH',
        documentation: 'Type.',
        dependents: ['mode'],
      })
      .define({
        name: 'mode',
        type: 'STRING',
        defaultValue: 'bulk',
        importance: 'HIGH',
        documentation: 'Mode.',
        recommender: modeRecommender,
      });
    const jdbc = def.validateAll({});
    assert.deepEqual(jdbc.get('mode')?.recommendedValues, ['bulk', 'incrementing']);
    assert.equal(jdbc.get('mode')?.visible, true);
    const other = def.validateAll({ 'connection.type': 'file', mode: 'scan' });
    assert.deepEqual(other.get('mode')?.recommendedValues, ['scan']);
    assert.equal(other.get('mode')?.visible, false);
    assert.deepEqual(calls, [
      ['mode', { 'connection.type': 'jdbc', mode: 'bulk' }],
      ['mode', { 'connection.type': 'file', mode: 'scan' }],
    ]);
  });

  test('a recommender ConfigError becomes an error message', () => {
    const def = new ConfigDef().define({
      name: 'x',
      type: 'STRING',
      defaultValue: 'a',
      importance: 'LOW',
      documentation: '',
      recommender: {
        validValues: () => {
          throw new ConfigError('cannot list values for x');
        },
        visible: () => true,
      },
    });
    assert.deepEqual(def.validateAll({}).get('x')?.errorMessages, ['cannot list values for x']);
  });

  test('dependents referred to but not defined are reported, invisible', () => {
    const def = new ConfigDef().define({
      name: 'a',
      type: 'STRING',
      defaultValue: 'v',
      importance: 'LOW',
      documentation: '',
      dependents: ['missing'],
    });
    assert.deepEqual(plain(def.validate({})), [
      { name: 'a', value: 'v', recommendedValues: [], errorMessages: [], visible: true },
      {
        name: 'missing',
        value: null,
        recommendedValues: [],
        errorMessages: ['missing is referred in the dependents, but not defined.'],
        visible: false,
      },
    ]);
  });

  test('non-ConfigError exceptions from validators propagate', () => {
    const def = new ConfigDef().define({
      name: 'x',
      type: 'STRING',
      defaultValue: 'a',
      importance: 'LOW',
      documentation: '',
      validator: {
        ensureValid: (_n, v) => {
          if (v === 'boom') throw new TypeError('bug');
        },
      },
    });
    assert.throws(() => def.validate({ x: 'boom' }), TypeError);
  });
});

describe('embed and documentation order', () => {
  test('embed prefixes names, groups and validators', () => {
    const child = new ConfigDef()
      .define({
        name: 'field',
        type: 'STRING',
        importance: 'HIGH',
        documentation: 'Field.',
        validator: new ConfigDef.NonEmptyString(),
      })
      .define({
        name: 'count',
        type: 'INT',
        defaultValue: 1,
        importance: 'LOW',
        documentation: 'Count.',
        group: 'Sub',
      });
    const def = new ConfigDef().embed('transforms.x.', 'Transforms: x', 3, child);
    const field = def.configKeys().get('transforms.x.field');
    const count = def.configKeys().get('transforms.x.count');
    assert.equal(field?.group, 'Transforms: x');
    assert.equal(field?.orderInGroup, 3);
    assert.equal(count?.group, 'Transforms: x: Sub');
    assert.equal(count?.orderInGroup, 4);
    assert.deepEqual(def.groups(), ['Transforms: x', 'Transforms: x: Sub']);
    assert.equal(String(field?.validator), 'non-empty string');
    assert.deepEqual(def.validateAll({ 'transforms.x.field': '' }).get('transforms.x.field')?.errorMessages, [
      'Invalid value  for configuration field: String must be non-empty',
    ]);
  });

  test('sortedConfigs: ungrouped, group order, order in group, required, importance, name', () => {
    const def = new ConfigDef()
      .define({
        name: 'g2.a',
        type: 'INT',
        defaultValue: 1,
        importance: 'HIGH',
        documentation: '',
        group: 'G2',
        orderInGroup: 1,
      })
      .define({
        name: 'g1.b',
        type: 'INT',
        defaultValue: 1,
        importance: 'HIGH',
        documentation: '',
        group: 'G1',
        orderInGroup: 2,
      })
      .define({
        name: 'g1.a',
        type: 'INT',
        defaultValue: 1,
        importance: 'HIGH',
        documentation: '',
        group: 'G1',
        orderInGroup: 1,
      })
      .define({ name: 'z.low', type: 'INT', defaultValue: 1, importance: 'LOW', documentation: '' })
      .define({ name: 'y.high', type: 'INT', defaultValue: 1, importance: 'HIGH', documentation: '' })
      .define({ name: 'x.high', type: 'INT', defaultValue: 1, importance: 'HIGH', documentation: '' })
      .define({ name: 'w.required', type: 'INT', importance: 'LOW', documentation: '' });
    assert.deepEqual(
      def.sortedConfigs().map((k) => k.name),
      ['w.required', 'x.high', 'y.high', 'z.low', 'g2.a', 'g1.a', 'g1.b'],
    );
  });

  test('toMarkdown renders Kafka columns, skips internal keys', () => {
    const def = new ConfigDef()
      .define(
        'name',
        'STRING',
        NO_DEFAULT_VALUE,
        ConfigDef.NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars(),
        'HIGH',
        'Globally unique name.',
      )
      .define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Maximum number of tasks.')
      .define(
        'errors.retry.delay.max.ms',
        'LONG',
        60000,
        'MEDIUM',
        'Max delay | between retries.\nSecond line.',
      )
      .define('buffer.bytes', 'INT', 1048576, 'LOW', 'Buffer.')
      .define('topics', 'LIST', '', 'HIGH', 'Topics.')
      .define('ratio', 'DOUBLE', 1, 'LOW', 'Ratio.')
      .define('key.converter', 'CLASS', null, 'LOW', 'Converter.')
      .define('password', 'PASSWORD', 'pw', 'LOW', 'Password.')
      .defineInternal('internal.key', 'STRING', 'x', 'LOW');
    assert.equal(
      def.toMarkdown(),
      [
        '| Name | Description | Type | Default | Valid Values | Importance |',
        '| --- | --- | --- | --- | --- | --- |',
        '| `name` | Globally unique name. | string |  | non-empty string without ISO control characters | high |',
        '| `tasks.max` | Maximum number of tasks. | int | 1 | [1,...] | high |',
        '| `topics` | Topics. | list | "" |  | high |',
        '| `errors.retry.delay.max.ms` | Max delay \\| between retries.<br>Second line. | long | 60000 (1 minute) |  | medium |',
        '| `buffer.bytes` | Buffer. | int | 1048576 (1 mebibyte) |  | low |',
        '| `key.converter` | Converter. | class | null |  | low |',
        '| `password` | Password. | password | [hidden] |  | low |',
        '| `ratio` | Ratio. | double | 1.0 |  | low |',
        '',
      ].join('\n'),
    );
  });
});
