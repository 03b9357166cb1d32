import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fmtLoad,
  fmtMs,
  fmtN,
  fmtPct,
  fmtRate,
  fmtRatio,
  fmtS,
  fmtUs,
  mb,
  median,
  percentile,
} from '../format.ts';

test('numbers print as the RESULTS.md sections show them', () => {
  assert.equal(fmtRate(1_234_567.6), '1,234,568');
  assert.equal(fmtRatio(1.2345), '1.23×');
  assert.equal(fmtS(1234), '1.23 s');
  assert.equal(fmtMs(12.6), '13 ms');
  assert.equal(fmtN(1_020_000), '1,020,000');
  assert.equal(fmtPct(0.1234), '12.3%');
  assert.equal(fmtUs(1.234), '1.23 µs');
  assert.equal(fmtLoad([0.256, 2.65, 3.694]), '0.26 / 2.65 / 3.69');
  assert.equal(mb(204_800), '200 MB');
});

test('a value that is not a finite number prints as n/a', () => {
  for (const f of [fmtRate, fmtRatio, fmtS, fmtMs, fmtPct, fmtUs]) {
    assert.equal(f(Number.NaN), 'n/a');
    assert.equal(f(Number.POSITIVE_INFINITY), 'n/a');
  }
  assert.equal(fmtS(undefined), 'n/a');
});

test('median: the middle value, or the mean of the middle two; NaN for none; input untouched', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
});

test('percentile: nearest rank of a sorted array; NaN for none', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile([10, 20, 30], 99), 30);
  assert.ok(Number.isNaN(percentile([], 50)));
});
