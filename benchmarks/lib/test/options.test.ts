import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  flag,
  nonNegativeInt,
  nonNegativeInts,
  parseOptions,
  positiveInt,
  positiveInts,
  text,
  words,
} from '../options.ts';

const spec = {
  lines: positiveInt(1_000_000),
  'pause-ms': nonNegativeInt(3000),
  batches: positiveInts([1000, 2000]),
  delays: nonNegativeInts([10_000, 300_000]),
  systems: text('a,b'),
  'jvm-args': words(),
  'no-results': flag(),
};

test('no arguments: every default, typed', () => {
  const o = parseOptions(spec, []);
  assert.deepEqual(o, {
    lines: 1_000_000,
    'pause-ms': 3000,
    batches: [1000, 2000],
    delays: [10_000, 300_000],
    systems: 'a,b',
    'jvm-args': [],
    'no-results': false,
  });
});

test('given values are parsed: integers, lists, words, flags', () => {
  const o = parseOptions(spec, [
    '--lines',
    '20000',
    '--pause-ms',
    '0',
    '--batches',
    ' 500 , 7',
    '--delays',
    '0,10',
    '--systems',
    'x',
    '--jvm-args',
    '  -Xms256M   -Xmx2G ',
    '--no-results',
  ]);
  assert.equal(o.lines, 20_000);
  assert.equal(o['pause-ms'], 0);
  assert.deepEqual(o.batches, [500, 7]);
  assert.deepEqual(o.delays, [0, 10]);
  assert.equal(o.systems, 'x');
  assert.deepEqual(o['jvm-args'], ['-Xms256M', '-Xmx2G']);
  assert.equal(o['no-results'], true);
});

test('a bad integer names the option, what it must be and what it got', () => {
  assert.throws(() => parseOptions(spec, ['--lines', '0']), {
    message: "--lines must be a positive integer, got '0'",
  });
  assert.throws(() => parseOptions(spec, ['--lines', '1.5']), {
    message: "--lines must be a positive integer, got '1.5'",
  });
  assert.throws(() => parseOptions(spec, ['--lines', 'many']), {
    message: "--lines must be a positive integer, got 'many'",
  });
  assert.throws(() => parseOptions(spec, ['--pause-ms=-1']), {
    message: "--pause-ms must be an integer >= 0, got '-1'",
  });
  // An empty value is not 0.
  assert.throws(() => parseOptions(spec, ['--pause-ms', '']), {
    message: "--pause-ms must be an integer >= 0, got ''",
  });
});

test('a bad list entry names the option and the entry', () => {
  assert.throws(() => parseOptions(spec, ['--batches', '1000,0']), {
    message: "--batches must be a comma-separated list of integers > 0, got '0'",
  });
  assert.throws(() => parseOptions(spec, ['--delays', '10000,']), {
    message: "--delays must be a comma-separated list of integers >= 0, got ''",
  });
});

test('unknown options and positional arguments are errors', () => {
  assert.throws(() => parseOptions(spec, ['--line', '5']), /Unknown option '--line'/);
  assert.throws(() => parseOptions(spec, ['extra']), /Unexpected argument 'extra'/);
});
