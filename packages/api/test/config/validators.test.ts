import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CaseInsensitiveValidString,
  CompositeValidator,
  ConfigDef,
  LambdaValidator,
  ListSize,
  NonEmptyString,
  NonEmptyStringWithoutControlChars,
  NonNullValidator,
  Password,
  Range,
  type Validator,
  ValidList,
  ValidString,
} from '../../src/config/index.ts';
import { ConfigError } from '../../src/errors.ts';

function assertInvalid(validator: Validator, name: string, value: unknown, message: string): void {
  assert.throws(
    () => validator.ensureValid(name, value),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.key, name);
      return true;
    },
  );
}

describe('Range', () => {
  test('atLeast', () => {
    const r = Range.atLeast(1);
    r.ensureValid('tasks.max', 1);
    r.ensureValid('tasks.max', 1000);
    assertInvalid(r, 'tasks.max', 0, 'Invalid value 0 for configuration tasks.max: Value must be at least 1');
    assertInvalid(
      r,
      'tasks.max',
      null,
      'Invalid value null for configuration tasks.max: Value must be non-null',
    );
    assert.equal(String(r), '[1,...]');
  });

  test('between, with numbers and bigints', () => {
    const r = Range.between(-1, 10);
    r.ensureValid('x', -1);
    r.ensureValid('x', 10);
    r.ensureValid('x', 5n);
    assertInvalid(r, 'x', 11, 'Invalid value 11 for configuration x: Value must be no more than 10');
    assertInvalid(r, 'x', -2n, 'Invalid value -2 for configuration x: Value must be at least -1');
    assertInvalid(r, 'x', 10.5, 'Invalid value 10.5 for configuration x: Value must be no more than 10');
    assert.equal(String(r), '[-1,...,10]');
    assert.equal(String(Range.between(0n, 9223372036854775807n)), '[0,...,9223372036854775807]');
  });

  test('is reachable as ConfigDef.Range', () => {
    assert.equal(ConfigDef.Range, Range);
  });
});

describe('ValidString', () => {
  test('case-sensitive membership', () => {
    const v = ValidString.in('none', 'all');
    v.ensureValid('errors.tolerance', 'all');
    assertInvalid(
      v,
      'errors.tolerance',
      'ALL',
      'Invalid value ALL for configuration errors.tolerance: String must be one of: none, all',
    );
    assertInvalid(
      v,
      'errors.tolerance',
      null,
      'Invalid value null for configuration errors.tolerance: String must be one of: none, all',
    );
    assert.equal(String(v), '[none, all]');
  });
});

describe('CaseInsensitiveValidString', () => {
  test('membership ignoring case; lists upper-cased values in Java HashSet order', () => {
    const v = CaseInsensitiveValidString.in('disabled', 'preparing', 'enabled');
    v.ensureValid('exactly.once.source.support', 'Enabled');
    v.ensureValid('exactly.once.source.support', 'PREPARING');
    // Kafka's documentation shows this order for exactly.once.source.support.
    assert.equal(String(v), '(case insensitive) [DISABLED, ENABLED, PREPARING]');
    assertInvalid(
      v,
      'exactly.once.source.support',
      'on',
      'Invalid value on for configuration exactly.once.source.support: String must be one of (case insensitive): DISABLED, ENABLED, PREPARING',
    );
    assertInvalid(
      v,
      'exactly.once.source.support',
      null,
      'Invalid value null for configuration exactly.once.source.support: String must be one of (case insensitive): DISABLED, ENABLED, PREPARING',
    );
    assert.equal(
      String(CaseInsensitiveValidString.in('requested', 'required')),
      '(case insensitive) [REQUIRED, REQUESTED]',
    );
  });
});

describe('ValidList', () => {
  test('in(): items from the set, empty list allowed, null not', () => {
    const v = ValidList.in('a', 'b');
    v.ensureValid('l', ['a', 'b']);
    v.ensureValid('l', []);
    assertInvalid(v, 'l', ['a', 'c'], 'Invalid value c for configuration l: String must be one of: a, b');
    assertInvalid(v, 'l', ['a', 'a'], "Configuration 'l' values must not be duplicated.");
    assertInvalid(v, 'l', ['a', ''], "Configuration 'l' values must not be empty.");
    assertInvalid(v, 'l', null, "Configuration 'l' values must not be null.");
    assert.equal(String(v), '[a, b] (empty config allowed) (null not allowed)');
  });

  test('in(false, ...): empty list rejected', () => {
    const v = ValidList.in(false, 'a', 'b');
    assertInvalid(v, 'l', [], "Configuration 'l' must not be empty. Valid values include: [a, b]");
    assert.equal(String(v), '[a, b] (empty not allowed) (null not allowed)');
    assert.throws(() => ValidList.in(false), {
      message: 'At least one valid string must be provided when empty values are not allowed',
    });
  });

  test('anyNonDuplicateValues', () => {
    const strict = ValidList.anyNonDuplicateValues(false, false);
    strict.ensureValid('topics', ['x', 'y']);
    assertInvalid(
      strict,
      'topics',
      [],
      "Configuration 'topics' must not be empty. Valid values include: any non-empty value",
    );
    assertInvalid(strict, 'topics', ['x', 'x'], "Configuration 'topics' values must not be duplicated.");
    assertInvalid(strict, 'topics', null, "Configuration 'topics' values must not be null.");
    assert.equal(String(strict), '[] (empty not allowed) (null not allowed)');

    const lenient = ValidList.anyNonDuplicateValues(true, true);
    lenient.ensureValid('topics', null);
    lenient.ensureValid('topics', []);
    assert.equal(String(lenient), '[] (empty config allowed) (null config allowed)');
  });
});

describe('simple validators', () => {
  test('NonNullValidator', () => {
    const v = new NonNullValidator();
    v.ensureValid('k', '');
    assertInvalid(v, 'k', null, 'Invalid value null for configuration k: entry must be non null');
    assert.equal(String(v), 'non-null string');
  });

  test('NonEmptyString', () => {
    const v = new NonEmptyString();
    v.ensureValid('k', 'x');
    v.ensureValid('k', null);
    assertInvalid(v, 'k', '', 'Invalid value  for configuration k: String must be non-empty');
    assert.equal(String(v), 'non-empty string');
  });

  test('NonEmptyStringWithoutControlChars', () => {
    const v = NonEmptyStringWithoutControlChars.nonEmptyStringWithoutControlChars();
    v.ensureValid('name', 'my-connector ü 😀');
    v.ensureValid('name', null);
    assertInvalid(v, 'name', '', 'Invalid value  for configuration name: String may not be empty');
    assertInvalid(
      v,
      'name',
      'a\tb\u007f\u0085',
      'Invalid value a\tb\u007f\u0085 for configuration name: String may not contain control sequences but had the following ASCII chars: 9, 127, 133',
    );
    assert.equal(String(v), 'non-empty string without ISO control characters');
  });

  test('ListSize', () => {
    const v = ListSize.atMostOfSize(2);
    v.ensureValid('l', ['a', 'b']);
    assertInvalid(
      v,
      'l',
      ['a', 'b', 'c'],
      'Invalid value [a, b, c] for configuration l: exceeds maximum list size of [2].',
    );
    assert.equal(String(v), 'List containing maximum of 2 elements');
  });
});

describe('CompositeValidator and LambdaValidator', () => {
  test('composite runs all, first failure wins, documentation joined', () => {
    const v = CompositeValidator.of(new NonNullValidator(), Range.between(1, 5));
    v.ensureValid('k', 3);
    assertInvalid(v, 'k', null, 'Invalid value null for configuration k: entry must be non null');
    assertInvalid(v, 'k', 6, 'Invalid value 6 for configuration k: Value must be no more than 5');
    assert.equal(String(v), 'non-null string, [1,...,5]');
  });

  test('lambda delegates both behaviours', () => {
    const seen: unknown[] = [];
    const v = LambdaValidator.with(
      (name, value) => {
        seen.push(value);
        if (value === 'bad') throw ConfigError.invalidValue(name, value, 'no bad values');
      },
      () => 'anything but bad',
    );
    v.ensureValid('k', 'good');
    assertInvalid(v, 'k', 'bad', 'Invalid value bad for configuration k: no bad values');
    assert.deepEqual(seen, ['good', 'bad']);
    assert.equal(String(v), 'anything but bad');
  });

  test('messages print passwords hidden', () => {
    const v = LambdaValidator.with(
      (name, value) => {
        throw ConfigError.invalidValue(name, value, 'rejected');
      },
      () => '',
    );
    assertInvalid(v, 'pw', new Password('secret'), 'Invalid value [hidden] for configuration pw: rejected');
  });
});
