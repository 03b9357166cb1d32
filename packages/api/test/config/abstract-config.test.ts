import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AbstractConfig, ConfigDef, type ParsedValue, Password, Range } from '../../src/config/index.ts';
import { ConfigError } from '../../src/errors.ts';

const DEF = new ConfigDef()
  .define('file', 'STRING', 'HIGH', 'File.')
  .define('tasks.max', 'INT', 1, Range.atLeast(1), 'HIGH', 'Tasks.')
  .define('port', 'SHORT', 8083, 'LOW', 'Port.')
  .define('retry.ms', 'LONG', '9223372036854775807', 'LOW', 'Retry.')
  .define('ratio', 'DOUBLE', '0.5', 'LOW', 'Ratio.')
  .define('enabled', 'BOOLEAN', false, 'LOW', 'Enabled.')
  .define('topics', 'LIST', 'a,b', 'LOW', 'Topics.')
  .define('secret', 'PASSWORD', null, 'LOW', 'Secret.')
  .define('converter', 'CLASS', 'org.apache.kafka.connect.json.JsonConverter', 'LOW', 'Converter.')
  .define('optional', 'STRING', null, 'LOW', 'Optional.')
  .defineInternal('internal.flag', 'BOOLEAN', true, 'LOW');

describe('AbstractConfig', () => {
  test('typed getters', () => {
    const config = new AbstractConfig(DEF, {
      file: 'out.txt',
      'tasks.max': '3',
      secret: 'pw',
      enabled: 'true',
    });
    assert.equal(config.getString('file'), 'out.txt');
    assert.equal(config.getInt('tasks.max'), 3);
    assert.equal(config.getShort('port'), 8083);
    assert.equal(config.getLong('retry.ms'), 9223372036854775807n);
    assert.equal(config.getDouble('ratio'), 0.5);
    assert.equal(config.getBoolean('enabled'), true);
    assert.deepEqual(config.getList('topics'), ['a', 'b']);
    assert.equal(config.getPassword('secret')?.value(), 'pw');
    assert.equal(config.getClassName('converter'), 'org.apache.kafka.connect.json.JsonConverter');
    assert.equal(config.getString('optional'), null);
    assert.equal(config.typeOf('port'), 'SHORT');
    assert.equal(config.typeOf('nope'), null);
    assert.equal(config.documentationOf('file'), 'File.');
  });

  test('construction validates', () => {
    assert.throws(() => new AbstractConfig(DEF, {}), {
      name: 'ConfigError',
      message: 'Missing required configuration "file" which has no default value.',
    });
    assert.throws(() => new AbstractConfig(DEF, { file: 'f', 'tasks.max': '0' }), {
      message: 'Invalid value 0 for configuration tasks.max: Value must be at least 1',
    });
  });

  test('unknown keys and wrong getter types are errors', () => {
    const config = new AbstractConfig(DEF, { file: 'f' });
    assert.throws(
      () => config.getInt('missing'),
      (e: unknown) => e instanceof ConfigError && e.message === "Unknown configuration 'missing'",
    );
    assert.throws(
      () => config.getInt('file'),
      (e: unknown) =>
        e instanceof ConfigError && e.message === "Configuration 'file' is of type STRING, not INT",
    );
  });

  test('originals, prefixes and unused', () => {
    const config = new AbstractConfig(DEF, {
      file: 'f',
      'producer.override.acks': 'all',
      'producer.override.': 'empty',
      'consumer.override.x': '1',
    });
    assert.deepEqual(config.originalsWithPrefix('producer.override.'), { acks: 'all' });
    assert.deepEqual(config.originalsWithPrefix('producer.override.', false), {
      'producer.override.acks': 'all',
    });
    assert.deepEqual(config.originals({ file: 'g' }), {
      file: 'g',
      'producer.override.acks': 'all',
      'producer.override.': 'empty',
      'consumer.override.x': '1',
    });
    assert.deepEqual(config.originalsStrings().file, 'f');
    assert.deepEqual([...config.unused()].sort(), [
      'consumer.override.x',
      'file',
      'producer.override.',
      'producer.override.acks',
    ]);
    config.getString('file');
    config.ignore('consumer.override.x');
    assert.deepEqual([...config.unused()].sort(), ['producer.override.', 'producer.override.acks']);
    assert.throws(() => new AbstractConfig(DEF, { file: 'f', n: 5 }).originalsStrings(), TypeError);
  });

  test('valuesWithPrefixOverride and valuesWithPrefixAllOrNothing', () => {
    const config = new AbstractConfig(DEF, {
      file: 'f',
      'tasks.max': '2',
      'task.1.tasks.max': '5',
      'task.1.other': 'x',
    });
    const overridden = config.valuesWithPrefixOverride('task.1.');
    assert.equal(overridden['tasks.max'], 5);
    assert.equal(overridden.file, 'f');
    assert.equal('other' in overridden, false);
    assert.deepEqual(config.valuesWithPrefixAllOrNothing('task.1.'), { 'tasks.max': 5 });
    assert.equal(config.valuesWithPrefixAllOrNothing('none.')['tasks.max'], 2);
    const invalidOverride = new AbstractConfig(DEF, { file: 'f', 'x.tasks.max': '0' });
    assert.throws(() => invalidOverride.valuesWithPrefixOverride('x.'), {
      message: 'Invalid value 0 for configuration tasks.max: Value must be at least 1',
    });
  });

  test('values and nonInternalValues', () => {
    const config = new AbstractConfig(DEF, { file: 'f' });
    const values = config.values();
    assert.equal(values['internal.flag'], true);
    assert.equal(values.secret, null);
    assert.equal(Object.keys(values).length, 11);
    assert.equal('internal.flag' in config.nonInternalValues(), false);
    assert.equal(Object.keys(config.nonInternalValues()).length, 10);
  });

  test('postProcessParsedConfig sets secondary defaults, validated', () => {
    class DerivedConfig extends AbstractConfig {
      protected override postProcessParsedConfig(
        parsed: Readonly<Record<string, ParsedValue>>,
      ): Record<string, ParsedValue> {
        return parsed.optional === null ? { optional: `${parsed.file}.bak` } : {};
      }
    }
    assert.equal(new DerivedConfig(DEF, { file: 'data' }).getString('optional'), 'data.bak');
    assert.equal(new DerivedConfig(DEF, { file: 'data', optional: 'mine' }).getString('optional'), 'mine');
    class BadConfig extends AbstractConfig {
      protected override postProcessParsedConfig(): Record<string, ParsedValue> {
        return { 'tasks.max': 0 };
      }
    }
    assert.throws(() => new BadConfig(DEF, { file: 'data' }), {
      message: 'Invalid value 0 for configuration tasks.max: Value must be at least 1',
    });
  });

  test('password getter keeps the Password wrapper', () => {
    const config = new AbstractConfig(DEF, { file: 'f', secret: new Password('typed') });
    assert.ok(config.getPassword('secret') instanceof Password);
    assert.equal(String(config.getPassword('secret')), '[hidden]');
  });
});
