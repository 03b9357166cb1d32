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

/**
 * The straightforward way to Java's Float.toString digits, kept as the oracle for the fast one:
 * binary search on `toExponential(k - 1)` for the fewest digits that `Number` + `Math.fround` read
 * back as the float, then the closest two digits when that is one.
 */
function referenceFloat(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Number.POSITIVE_INFINITY) return 'Infinity';
  if (f === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  let lo = 1;
  let hi = 9;
  let exp = f.toExponential(8);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const candidate = f.toExponential(mid - 1);
    if (Math.fround(Number(candidate)) === f) {
      hi = mid;
      exp = candidate;
    } else lo = mid + 1;
  }
  if (!exp.includes('.')) exp = f.toExponential(1);
  const neg = f < 0;
  const body = neg ? exp.slice(1) : exp;
  const e = body.indexOf('e');
  const digits = (body[0]! + body.slice(2, e)).replace(/(?<=.)0+$/, '');
  const exponent = Number(body.slice(e + 1));
  const abs = neg ? -f : f;
  const sign = neg ? '-' : '';
  if (abs >= 1e-3 && abs < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const int = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${int}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

test('Float.toString: the fast digits equal the reference on every kind of float', () => {
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  const floats: number[] = [];
  // Deterministic pseudo-random bit patterns over the whole range (subnormals included).
  let seed = 0x9e3779b9;
  for (let i = 0; i < 300_000; i++) {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    bits[0] = seed;
    floats.push(asFloat[0]!);
  }
  // Values from decimal data and exact binary fractions, where ties between roundings show up.
  for (let n = 0; n < 20_000; n++) floats.push(n * 0.25 + 0.5, n * 0.01 + 0.37, n / 1000, -n * 0.125);
  // Powers of two and ten and their float neighbours, the largest and smallest floats.
  for (let e = -149; e <= 127; e++) floats.push(2 ** e);
  for (let e = -45; e <= 38; e++) {
    const p = Math.fround(Number(`1e${e}`));
    bits[0] = 0;
    asFloat[0] = p;
    const b = bits[0];
    for (const d of [-2, -1, 0, 1, 2]) {
      bits[0] = b + d;
      floats.push(asFloat[0]!, Number(`5e${e}`), Number(`1.5e${e}`));
    }
  }
  floats.push(3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 9999999, 1e7, 0.001);
  let mismatches = 0;
  const examples: string[] = [];
  for (const v of floats) {
    const got = formatJavaFloat(v);
    const want = referenceFloat(v);
    if (got !== want) {
      mismatches++;
      if (examples.length < 5) examples.push(`${v}: got ${got}, want ${want}`);
    }
  }
  assert.equal(mismatches, 0, examples.join('; '));
  // The family sizes above, so a refactor cannot silently shrink the comparison.
  assert.ok(floats.length > 380_000);
});
