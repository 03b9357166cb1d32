import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfigDef,
  ConfigValue,
  generateConfigInfos,
  mergeConfigInfos,
  prefixedConfigInfos,
  Range,
  toConfigKeyInfo,
  toConfigValueInfo,
  ValidString,
  validateToConfigInfos,
} from '../../src/config/index.ts';

const NAME_DOC = 'Globally unique name to use for this connector.';

/** A small connector-like definition in two groups. */
function connectorDef(): ConfigDef {
  return new ConfigDef()
    .define({
      name: 'name',
      type: 'STRING',
      validator: ConfigDef.NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars(),
      importance: 'HIGH',
      documentation: NAME_DOC,
      group: 'Common',
      orderInGroup: 1,
      width: 'MEDIUM',
      displayName: 'Connector name',
    })
    .define({
      name: 'tasks.max',
      type: 'INT',
      defaultValue: 1,
      validator: Range.atLeast(1),
      importance: 'HIGH',
      documentation: 'Maximum number of tasks to use for this connector.',
      group: 'Common',
      orderInGroup: 2,
      width: 'SHORT',
      displayName: 'Tasks max',
    })
    .define({
      name: 'errors.tolerance',
      type: 'STRING',
      defaultValue: 'none',
      validator: ValidString.in('none', 'all'),
      importance: 'MEDIUM',
      documentation: 'Behavior for tolerating errors.',
      group: 'Error Handling',
      orderInGroup: 1,
      width: 'SHORT',
      displayName: 'Error Tolerance',
    })
    .define('connection.password', 'PASSWORD', null, 'HIGH', 'The password.')
    .define('topics', 'LIST', 'a,b', 'HIGH', 'Topics.')
    .define('ratio', 'DOUBLE', 1, 'LOW', 'Ratio.');
}

describe('ConfigKeyInfo', () => {
  test('required key', () => {
    const key = connectorDef().configKeys().get('name');
    assert.ok(key);
    assert.deepEqual(toConfigKeyInfo(key), {
      name: 'name',
      type: 'STRING',
      required: true,
      default_value: null,
      importance: 'HIGH',
      documentation: NAME_DOC,
      group: 'Common',
      order: 1,
      width: 'MEDIUM',
      display_name: 'Connector name',
      dependents: [],
    });
  });

  test('defaults rendered as strings; unset group, order, width and display name', () => {
    const def = new ConfigDef()
      .define('d', 'DOUBLE', 1, 'LOW', 'D.')
      .define('l', 'LIST', ' x , y ', 'LOW', 'L.')
      .define('p', 'PASSWORD', 'secret', 'LOW', 'P.')
      .define('b', 'BOOLEAN', 'TRUE', 'LOW', 'B.')
      .define('n', 'CLASS', null, 'LOW', 'N.')
      .define('big', 'LONG', '9223372036854775807', 'LOW', 'Big.')
      .define({
        name: 'dep',
        type: 'STRING',
        defaultValue: '',
        importance: 'LOW',
        documentation: 'Dep.',
        dependents: ['d'],
      });
    const info = (name: string) => {
      const key = def.configKeys().get(name);
      assert.ok(key, name);
      return toConfigKeyInfo(key);
    };
    assert.deepEqual(info('d'), {
      name: 'd',
      type: 'DOUBLE',
      required: false,
      default_value: '1.0',
      importance: 'LOW',
      documentation: 'D.',
      group: null,
      order: -1,
      width: 'NONE',
      display_name: 'd',
      dependents: [],
    });
    assert.equal(info('l').default_value, 'x,y');
    assert.equal(info('p').default_value, '[hidden]');
    assert.equal(info('b').default_value, 'true');
    assert.equal(info('n').default_value, null);
    assert.equal(info('n').required, false);
    assert.equal(info('big').default_value, '9223372036854775807');
    assert.equal(info('dep').default_value, '');
    assert.deepEqual(info('dep').dependents, ['d']);
  });

  test('prefix is prepended to the name', () => {
    const key = connectorDef().configKeys().get('tasks.max');
    assert.ok(key);
    assert.equal(toConfigKeyInfo(key, 'producer.override.').name, 'producer.override.tasks.max');
  });
});

describe('ConfigValueInfo', () => {
  test('values rendered by type; passwords hidden; LIST recommendations as strings', () => {
    const v = new ConfigValue('topics', ['a', 'b'], [['c'], 'd'], ['bad']);
    v.visible = false;
    assert.deepEqual(toConfigValueInfo(v, 'LIST'), {
      name: 'topics',
      value: 'a,b',
      recommended_values: ['[c]', 'd'],
      errors: ['bad'],
      visible: false,
    });
    assert.deepEqual(toConfigValueInfo(new ConfigValue('r', 2, [0.5, 3]), 'DOUBLE'), {
      name: 'r',
      value: '2.0',
      recommended_values: ['0.5', '3.0'],
      errors: [],
      visible: true,
    });
  });
});

describe('ConfigInfos', () => {
  test('validate response: errors, passwords hidden, groups in first-seen order', () => {
    const result = validateToConfigInfos(
      connectorDef(),
      {
        'tasks.max': 'abc',
        'errors.tolerance': 'all',
        'connection.password': 'hunter2',
        topics: 'x, y',
        ratio: '2',
      },
      { name: 'org.example.MySourceConnector' },
    );
    assert.deepEqual(result, {
      name: 'org.example.MySourceConnector',
      error_count: 3,
      groups: ['Common', 'Error Handling'],
      configs: [
        {
          definition: {
            name: 'name',
            type: 'STRING',
            required: true,
            default_value: null,
            importance: 'HIGH',
            documentation: NAME_DOC,
            group: 'Common',
            order: 1,
            width: 'MEDIUM',
            display_name: 'Connector name',
            dependents: [],
          },
          value: {
            name: 'name',
            value: null,
            recommended_values: [],
            errors: ['Missing required configuration "name" which has no default value.'],
            visible: true,
          },
        },
        {
          definition: {
            name: 'tasks.max',
            type: 'INT',
            required: false,
            default_value: '1',
            importance: 'HIGH',
            documentation: 'Maximum number of tasks to use for this connector.',
            group: 'Common',
            order: 2,
            width: 'SHORT',
            display_name: 'Tasks max',
            dependents: [],
          },
          value: {
            name: 'tasks.max',
            value: null,
            recommended_values: [],
            errors: [
              'Invalid value abc for configuration tasks.max: Not a number of type INT',
              'Invalid value null for configuration tasks.max: Value must be non-null',
            ],
            visible: true,
          },
        },
        {
          definition: {
            name: 'errors.tolerance',
            type: 'STRING',
            required: false,
            default_value: 'none',
            importance: 'MEDIUM',
            documentation: 'Behavior for tolerating errors.',
            group: 'Error Handling',
            order: 1,
            width: 'SHORT',
            display_name: 'Error Tolerance',
            dependents: [],
          },
          value: {
            name: 'errors.tolerance',
            value: 'all',
            recommended_values: [],
            errors: [],
            visible: true,
          },
        },
        {
          definition: {
            name: 'connection.password',
            type: 'PASSWORD',
            required: false,
            default_value: null,
            importance: 'HIGH',
            documentation: 'The password.',
            group: null,
            order: -1,
            width: 'NONE',
            display_name: 'connection.password',
            dependents: [],
          },
          value: {
            name: 'connection.password',
            value: '[hidden]',
            recommended_values: [],
            errors: [],
            visible: true,
          },
        },
        {
          definition: {
            name: 'topics',
            type: 'LIST',
            required: false,
            default_value: 'a,b',
            importance: 'HIGH',
            documentation: 'Topics.',
            group: null,
            order: -1,
            width: 'NONE',
            display_name: 'topics',
            dependents: [],
          },
          value: { name: 'topics', value: 'x,y', recommended_values: [], errors: [], visible: true },
        },
        {
          definition: {
            name: 'ratio',
            type: 'DOUBLE',
            required: false,
            default_value: '1.0',
            importance: 'LOW',
            documentation: 'Ratio.',
            group: null,
            order: -1,
            width: 'NONE',
            display_name: 'ratio',
            dependents: [],
          },
          value: { name: 'ratio', value: '2.0', recommended_values: [], errors: [], visible: true },
        },
      ],
    });
    assert.doesNotMatch(JSON.stringify(result), /hunter2/);
  });

  test('undefined keys: null values always reported; other keys echoed only on request, first', () => {
    const def = new ConfigDef().define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Max tasks.');
    const props = { 'tasks.max': null, 'not.defined': 'raw value ', 'also.null': null };
    const expectedTasksMax = {
      definition: {
        name: 'tasks.max',
        type: 'INT',
        required: false,
        default_value: '1',
        importance: 'HIGH',
        documentation: 'Max tasks.',
        group: null,
        order: -1,
        width: 'NONE',
        display_name: 'tasks.max',
        dependents: [],
      },
      value: {
        name: 'tasks.max',
        value: null,
        recommended_values: [],
        errors: [
          'Invalid value null for configuration tasks.max: Value must be non-null',
          'Null value can not be supplied as the configuration value.',
        ],
        visible: true,
      },
    };
    const alsoNull = {
      definition: null,
      value: {
        name: 'also.null',
        value: null,
        recommended_values: [],
        errors: ['Null value can not be supplied as the configuration value.'],
        visible: true,
      },
    };
    assert.deepEqual(validateToConfigInfos(def, props, { name: 'C' }), {
      name: 'C',
      error_count: 3,
      groups: [],
      configs: [alsoNull, expectedTasksMax],
    });
    assert.deepEqual(validateToConfigInfos(def, props, { name: 'C', includeUndefinedKeys: true }), {
      name: 'C',
      error_count: 3,
      groups: [],
      configs: [
        {
          definition: null,
          value: {
            name: 'not.defined',
            value: 'raw value ',
            recommended_values: [],
            errors: [],
            visible: true,
          },
        },
        alsoNull,
        expectedTasksMax,
      ],
    });
  });

  test('generateConfigInfos: a defined key without a result has value null', () => {
    const def = new ConfigDef().define('a', 'STRING', 'x', 'LOW', 'A.').define('b', 'INT', 2, 'LOW', 'B.');
    const result = generateConfigInfos(
      'X',
      def.configKeys(),
      [new ConfigValue('a', 'y', [], ['e1', 'e2'])],
      ['g'],
    );
    assert.equal(result.error_count, 2);
    assert.deepEqual(result.groups, ['g']);
    assert.deepEqual(
      result.configs.map((c) => [c.definition?.name, c.value]),
      [
        ['a', { name: 'a', value: 'y', recommended_values: [], errors: ['e1', 'e2'], visible: true }],
        ['b', null],
      ],
    );
  });

  test('prefixedConfigInfos and mergeConfigInfos', () => {
    const clientDef = new ConfigDef()
      .define({
        name: 'acks',
        type: 'STRING',
        defaultValue: 'all',
        importance: 'LOW',
        documentation: 'Acks.',
        group: 'Producer',
      })
      .define('linger.ms', 'LONG', 5, 'LOW', 'Linger.');
    const prefixed = prefixedConfigInfos(
      clientDef.configKeys(),
      [new ConfigValue('acks', '1', [], ['not allowed', 'really not']), new ConfigValue('unknown.key', 'v')],
      'producer.override.',
    );
    assert.deepEqual(prefixed, {
      name: '',
      error_count: 1,
      groups: ['Producer'],
      configs: [
        {
          definition: {
            name: 'producer.override.acks',
            type: 'STRING',
            required: false,
            default_value: 'all',
            importance: 'LOW',
            documentation: 'Acks.',
            group: 'Producer',
            order: -1,
            width: 'NONE',
            display_name: 'acks',
            dependents: [],
          },
          value: {
            name: 'producer.override.acks',
            value: '1',
            recommended_values: [],
            errors: ['not allowed', 'really not'],
            visible: true,
          },
        },
        {
          definition: null,
          value: {
            name: 'producer.override.unknown.key',
            value: 'v',
            recommended_values: [],
            errors: [],
            visible: true,
          },
        },
      ],
    });
    const main = generateConfigInfos('C', clientDef.configKeys(), [], ['Common', 'Producer']);
    const merged = mergeConfigInfos('C', main, null, prefixed);
    assert.equal(merged.name, 'C');
    assert.equal(merged.error_count, 1);
    assert.deepEqual(merged.groups, ['Common', 'Producer']);
    assert.equal(merged.configs.length, 4);
    assert.equal(merged.configs[3]?.value?.name, 'producer.override.unknown.key');
  });
});
