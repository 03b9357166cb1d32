import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigDef, convertToString, Password, parseType } from '../../src/config/index.ts';
import { ConfigError } from '../../src/errors.ts';

/** Asserts that parsing throws a ConfigError with exactly `message`, naming `key`. */
function assertParseError(
  key: string,
  value: unknown,
  type: Parameters<typeof parseType>[2],
  message: string,
): void {
  assert.throws(
    () => parseType(key, value, type),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.key, key);
      return true;
    },
  );
}

describe('parseType', () => {
  test('null and undefined parse to null for every type', () => {
    for (const type of Object.values(ConfigDef.Type)) {
      assert.equal(parseType('k', null, type), null, type);
      assert.equal(parseType('k', undefined, type), null, type);
    }
  });

  describe('BOOLEAN', () => {
    test('accepts true/false in any case, trimmed', () => {
      assert.equal(parseType('b', 'true', 'BOOLEAN'), true);
      assert.equal(parseType('b', ' TRUE\t', 'BOOLEAN'), true);
      assert.equal(parseType('b', 'False', 'BOOLEAN'), false);
      assert.equal(parseType('b', true, 'BOOLEAN'), true);
      assert.equal(parseType('b', false, 'BOOLEAN'), false);
    });
    test('rejects anything else with Kafka message', () => {
      assertParseError(
        'b',
        'yes',
        'BOOLEAN',
        'Invalid value yes for configuration b: Expected value to be either true or false',
      );
      assertParseError(
        'b',
        '1',
        'BOOLEAN',
        'Invalid value 1 for configuration b: Expected value to be either true or false',
      );
      assertParseError(
        'b',
        1,
        'BOOLEAN',
        'Invalid value 1 for configuration b: Expected value to be either true or false',
      );
      assertParseError(
        'b',
        '',
        'BOOLEAN',
        'Invalid value  for configuration b: Expected value to be either true or false',
      );
    });
  });

  describe('STRING and CLASS', () => {
    test('strings are trimmed (Java trim: chars <= U+0020)', () => {
      assert.equal(parseType('s', '  hello world \n', 'STRING'), 'hello world');
      assert.equal(parseType('s', '\u0001x\u0001', 'STRING'), 'x');
      assert.equal(parseType('s', '\u00a0x', 'STRING'), '\u00a0x');
      assert.equal(
        parseType('c', ' org.apache.kafka.connect.json.JsonConverter ', 'CLASS'),
        'org.apache.kafka.connect.json.JsonConverter',
      );
    });
    test('non-strings are rejected', () => {
      assertParseError(
        's',
        5,
        'STRING',
        'Invalid value 5 for configuration s: Expected value to be a string, but it was a java.lang.Integer',
      );
      assertParseError(
        's',
        true,
        'STRING',
        'Invalid value true for configuration s: Expected value to be a string, but it was a java.lang.Boolean',
      );
      assertParseError(
        'c',
        5,
        'CLASS',
        'Invalid value 5 for configuration c: Expected a Class instance or class name.',
      );
    });
  });

  describe('INT', () => {
    test('parses trimmed signed decimals within 32 bits', () => {
      assert.equal(parseType('i', '42', 'INT'), 42);
      assert.equal(parseType('i', ' -7 ', 'INT'), -7);
      assert.equal(parseType('i', '+3', 'INT'), 3);
      assert.equal(parseType('i', '007', 'INT'), 7);
      assert.equal(parseType('i', '2147483647', 'INT'), 2147483647);
      assert.equal(parseType('i', '-2147483648', 'INT'), -2147483648);
      assert.equal(parseType('i', 12, 'INT'), 12);
      assert.equal(parseType('i', 12n, 'INT'), 12);
    });
    test('rejects non-numbers and out-of-range values', () => {
      for (const bad of ['abc', '2147483648', '-2147483649', '1.5', '1e3', '', '0x10', '1_000']) {
        assertParseError(
          'tasks.max',
          bad,
          'INT',
          `Invalid value ${bad} for configuration tasks.max: Not a number of type INT`,
        );
      }
      assertParseError(
        'tasks.max',
        ' abc ',
        'INT',
        'Invalid value  abc  for configuration tasks.max: Not a number of type INT',
      );
    });
    test('rejects typed values that are not 32-bit integers', () => {
      assertParseError(
        'i',
        1.5,
        'INT',
        'Invalid value 1.5 for configuration i: Expected value to be a 32-bit integer, but it was a java.lang.Double',
      );
      assertParseError(
        'i',
        2 ** 40,
        'INT',
        `Invalid value ${2 ** 40} for configuration i: Expected value to be a 32-bit integer, but it was a java.lang.Long`,
      );
      assertParseError(
        'i',
        true,
        'INT',
        'Invalid value true for configuration i: Expected value to be a 32-bit integer, but it was a java.lang.Boolean',
      );
    });
  });

  describe('SHORT', () => {
    test('parses within 16 bits', () => {
      assert.equal(parseType('s', '32767', 'SHORT'), 32767);
      assert.equal(parseType('s', '-32768', 'SHORT'), -32768);
      assert.equal(parseType('s', 3, 'SHORT'), 3);
    });
    test('rejects out of range', () => {
      assertParseError(
        's',
        '32768',
        'SHORT',
        'Invalid value 32768 for configuration s: Not a number of type SHORT',
      );
      assertParseError(
        's',
        40000,
        'SHORT',
        'Invalid value 40000 for configuration s: Expected value to be a 16-bit integer (short), but it was a java.lang.Integer',
      );
    });
  });

  describe('LONG', () => {
    test('safe integers are numbers, larger values bigints', () => {
      assert.equal(parseType('l', '60000', 'LONG'), 60000);
      assert.equal(parseType('l', '-1', 'LONG'), -1);
      assert.equal(parseType('l', '9007199254740991', 'LONG'), 9007199254740991);
      assert.equal(parseType('l', '9007199254740992', 'LONG'), 9007199254740992n);
      assert.equal(parseType('l', '9223372036854775807', 'LONG'), 9223372036854775807n);
      assert.equal(parseType('l', '-9223372036854775808', 'LONG'), -9223372036854775808n);
      assert.equal(parseType('l', 5n, 'LONG'), 5);
      assert.equal(parseType('l', 2 ** 60, 'LONG'), 2n ** 60n);
    });
    test('rejects values beyond 64 bits and non-integers', () => {
      assertParseError(
        'l',
        '9223372036854775808',
        'LONG',
        'Invalid value 9223372036854775808 for configuration l: Not a number of type LONG',
      );
      assertParseError(
        'l',
        '1.0',
        'LONG',
        'Invalid value 1.0 for configuration l: Not a number of type LONG',
      );
      assertParseError(
        'l',
        0.5,
        'LONG',
        'Invalid value 0.5 for configuration l: Expected value to be a 64-bit integer (long), but it was a java.lang.Double',
      );
    });
  });

  describe('DOUBLE', () => {
    test("accepts Java's Double.parseDouble syntax", () => {
      assert.equal(parseType('d', '1.5', 'DOUBLE'), 1.5);
      assert.equal(parseType('d', ' 2 ', 'DOUBLE'), 2);
      assert.equal(parseType('d', '.5', 'DOUBLE'), 0.5);
      assert.equal(parseType('d', '5.', 'DOUBLE'), 5);
      assert.equal(parseType('d', '-1e3', 'DOUBLE'), -1000);
      assert.equal(parseType('d', '2.5f', 'DOUBLE'), 2.5);
      assert.equal(parseType('d', '7D', 'DOUBLE'), 7);
      assert.equal(parseType('d', 'Infinity', 'DOUBLE'), Number.POSITIVE_INFINITY);
      assert.equal(parseType('d', '-Infinity', 'DOUBLE'), Number.NEGATIVE_INFINITY);
      assert.ok(Number.isNaN(parseType('d', 'NaN', 'DOUBLE')));
      assert.equal(parseType('d', '0x1.8p1', 'DOUBLE'), 3);
      assert.equal(parseType('d', '0x10p0', 'DOUBLE'), 16);
      assert.equal(parseType('d', 3, 'DOUBLE'), 3);
      assert.equal(parseType('d', 3n, 'DOUBLE'), 3);
    });
    test('rejects other text and types', () => {
      for (const bad of ['abc', '', '0x10', '1,5', 'inf', '1e', 'NaNd']) {
        assertParseError(
          'd',
          bad,
          'DOUBLE',
          `Invalid value ${bad} for configuration d: Not a number of type DOUBLE`,
        );
      }
      assertParseError(
        'd',
        false,
        'DOUBLE',
        'Invalid value false for configuration d: Expected value to be a double, but it was a java.lang.Boolean',
      );
    });
  });

  describe('LIST', () => {
    test('splits on commas with surrounding whitespace; empty string is the empty list', () => {
      assert.deepEqual(parseType('l', 'a,b , c', 'LIST'), ['a', 'b', 'c']);
      assert.deepEqual(parseType('l', '  a  ', 'LIST'), ['a']);
      assert.deepEqual(parseType('l', '', 'LIST'), []);
      assert.deepEqual(parseType('l', '   ', 'LIST'), []);
      assert.deepEqual(parseType('l', 'a,,b,', 'LIST'), ['a', '', 'b', '']);
      assert.deepEqual(parseType('l', 'a b,c', 'LIST'), ['a b', 'c']);
      assert.deepEqual(parseType('l', ['x', 'y'], 'LIST'), ['x', 'y']);
    });
    test('rejects non-lists', () => {
      assertParseError(
        'l',
        5,
        'LIST',
        'Invalid value 5 for configuration l: Expected a comma separated list.',
      );
      assertParseError(
        'l',
        [1, 2],
        'LIST',
        'Invalid value [1, 2] for configuration l: Expected a comma separated list.',
      );
    });
  });

  describe('PASSWORD', () => {
    test('wraps the trimmed string', () => {
      const p = parseType('p', ' s3cret ', 'PASSWORD');
      assert.ok(p instanceof Password);
      assert.equal(p.value(), 's3cret');
      const given = new Password('x');
      assert.equal(parseType('p', given, 'PASSWORD'), given);
    });
    test('rejects non-strings', () => {
      assertParseError(
        'p',
        5,
        'PASSWORD',
        'Invalid value 5 for configuration p: Expected value to be a string, but it was a java.lang.Integer',
      );
    });
  });
});

describe('convertToString', () => {
  test('renders values as Java does', () => {
    assert.equal(convertToString(1, 'DOUBLE'), '1.0');
    assert.equal(convertToString(0.25, 'DOUBLE'), '0.25');
    assert.equal(convertToString(1e7, 'DOUBLE'), '1.0E7');
    assert.equal(convertToString(12345678.9, 'DOUBLE'), '1.23456789E7');
    assert.equal(convertToString(0.0001, 'DOUBLE'), '1.0E-4');
    assert.equal(convertToString(0.001, 'DOUBLE'), '0.001');
    assert.equal(convertToString(-0, 'DOUBLE'), '-0.0');
    assert.equal(convertToString(Number.NaN, 'DOUBLE'), 'NaN');
    assert.equal(convertToString(5, 'INT'), '5');
    assert.equal(convertToString(9223372036854775807n, 'LONG'), '9223372036854775807');
    assert.equal(convertToString(true, 'BOOLEAN'), 'true');
    assert.equal(convertToString(['a', 'b'], 'LIST'), 'a,b');
    assert.equal(convertToString([], 'LIST'), '');
    assert.equal(convertToString(new Password('secret'), 'PASSWORD'), '[hidden]');
    assert.equal(convertToString('x.Y', 'CLASS'), 'x.Y');
    assert.equal(convertToString(null, 'STRING'), null);
    assert.equal(convertToString(['a', 'b'], null), '[a, b]');
  });

  test('convertToStringMapWithPasswordValues reveals passwords and drops nulls', () => {
    assert.deepEqual(
      ConfigDef.convertToStringMapWithPasswordValues({
        a: new Password('pw'),
        b: ['x', 'y'],
        c: 3,
        d: null,
        e: 'text',
      }),
      { a: 'pw', b: 'x,y', c: '3', e: 'text' },
    );
  });
});
