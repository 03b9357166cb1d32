/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Kafka's and Java's ${...} syntax is tested literally */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, compileJavaRegex, JavaReplacement } from '@sluice/api';

function matches(pattern: string, input: string): boolean {
  return compileJavaRegex(pattern, 'regex').whole.test(input);
}

function replaceFirst(pattern: string, input: string, replacement: string): string {
  const p = compileJavaRegex(pattern, 'regex');
  return new JavaReplacement(replacement, p, 'replacement').replaceFirst(input, p);
}

describe('Java regex translation', () => {
  test('matches() is a whole-string match, also with alternation', () => {
    assert.equal(matches('orders', 'orders'), true);
    assert.equal(matches('orders', 'orders-v2'), false);
    assert.equal(matches('a|ab', 'ab'), true);
    assert.equal(matches('(?m)^a$', 'a\nb'), false);
  });

  test("replaceFirst: $n, ${name}, \\$ and Java's digit rule", () => {
    assert.equal(replaceFirst('(.*)-(.*)', 'a-b', '$2_$1'), 'b_a');
    assert.equal(replaceFirst('(?<x>[a-z]+)', 'abc', '${x}!'), 'abc!');
    assert.equal(replaceFirst('(a)', 'a', '\\$1 costs $1'), '$1 costs a');
    // $12 with one group is group 1 followed by "2".
    assert.equal(replaceFirst('(a)', 'a', '$12'), 'a2');
    // replaceFirst replaces the first match of find(), which may be shorter than the whole match.
    assert.equal(replaceFirst('a|ab', 'ab', 'X'), 'Xb');
  });

  test('Java-only syntax is translated', () => {
    assert.equal(matches('\\Qa.b\\E', 'a.b'), true);
    assert.equal(matches('\\Qa.b\\E', 'axb'), false);
    assert.equal(matches('\\Atopic\\z', 'topic'), true);
    assert.equal(matches('(?i)ORDERS', 'orders'), true);
    assert.equal(matches('\\p{Lower}+\\p{Digit}', 'abc1'), true);
    assert.equal(matches('[\\p{Upper}_]+', 'AB_C'), true);
    assert.equal(matches('\\p{IsLatin}+', 'abc'), true);
    assert.equal(matches('\\p{Lu}', 'A'), true);
    assert.equal(matches('a\\-b\\_c', 'a-b_c'), true);
    assert.equal(matches('[]a]+', ']a'), true);
    assert.equal(matches('x\\x{41}\\u0042', 'xAB'), true);
    assert.equal(matches('a}b', 'a}b'), true);
    assert.equal(matches('\\h', '\u00A0'), true);
  });

  test('unsupported constructs and invalid patterns are ConfigErrors naming the key', () => {
    for (const [pattern, reason] of [
      ['a*+', /possessive/],
      ['(?>a)', /atomic/],
      ['[a-z&&[^e]]', /nested|intersection/],
      ['a(?i)b', /inline flags/],
      ['(?x)a', /inline flag/],
      ['\\G', /not supported/],
      ['(', /Invalid regex/],
      ['[a', /Invalid regex/],
      ['a{', /Invalid regex/],
    ] as const) {
      assert.throws(
        () => compileJavaRegex(pattern, 'regex'),
        (e: unknown) => e instanceof ConfigError && e.key === 'regex' && reason.test(e.message),
        pattern,
      );
    }
  });

  test('a replacement referring to a missing group is rejected', () => {
    const p = compileJavaRegex('(a)', 'regex');
    assert.throws(() => new JavaReplacement('$2', p, 'replacement'), /No group 2/);
    assert.throws(() => new JavaReplacement('${n}', p, 'replacement'), /No group with name/);
    assert.throws(() => new JavaReplacement('x$', p, 'replacement'), /group index is missing/);
    assert.throws(() => new JavaReplacement('x\\', p, 'replacement'), /character to be escaped/);
  });
});
