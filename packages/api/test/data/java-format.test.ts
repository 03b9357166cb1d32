import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJavaDouble, formatJavaFloat } from '@sluice/api';

// Expected strings are what Java 17+ prints for Double.toString / Float.toString.
test('Double.toString', () => {
  const cases: Array<[number, string]> = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [-1.5, '-1.5'],
    [0.1, '0.1'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [9999999, '9999999.0'],
    [10000000, '1.0E7'],
    [123456789.125, '1.23456789125E8'],
    [1e21, '1.0E21'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
    [4.9e-324, '4.9E-324'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ];
  for (const [v, s] of cases) assert.equal(formatJavaDouble(v), s, String(v));
});

test('Float.toString', () => {
  const cases: Array<[number, string]> = [
    [1.1, '1.1'],
    [0.1, '0.1'],
    [1 / 3, '0.33333334'],
    [16777216, '1.6777216E7'],
    [3.4028234663852886e38, '3.4028235E38'],
    [1.401298464324817e-45, '1.4E-45'],
    [100, '100.0'],
    [0.00099999, '9.9999E-4'],
  ];
  for (const [v, s] of cases) assert.equal(formatJavaFloat(v), s, String(v));
});
