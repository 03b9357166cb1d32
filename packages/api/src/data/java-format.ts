/**
 * Number formatting exactly as Java prints it, for byte-compatible output: `Double.toString`
 * and `Float.toString` (what Jackson writes for DOUBLE and FLOAT nodes and what Kafka's
 * `Values.convertToString` produces). Digits are the shortest that read back to the same value
 * (when that is one digit, the closest two-digit decimal, so `Float.MIN_VALUE` is `1.4E-45`);
 * plain notation for magnitudes in [1e-3, 1e7), computerized scientific notation (`1.0E10`,
 * `1.5E-7`) outside.
 */

/** Java's `Double.toString(value)`. */
export function formatJavaDouble(value: number): string {
  if (!Number.isFinite(value) || value === 0) return special(value);
  const abs = value < 0 ? -value : value;
  if (abs >= 1e-3 && abs < 1e7) {
    // JavaScript prints this range in plain notation with the same shortest digits.
    const s = String(value);
    return Number.isInteger(value) ? `${s}.0` : s;
  }
  return layout(value, value.toExponential());
}

/** Java's `Float.toString((float) value)`. */
export function formatJavaFloat(value: number): string {
  const f = Math.fround(value);
  if (!Number.isFinite(f) || f === 0) return special(f);
  // The fewest significant digits (1 to 9; 9 always suffice for a float) that read back as the
  // same float. More digits never stop reading back, so a binary search finds the fewest.
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
  return layout(f, exp);
}

function special(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(value, -0) ? '-0.0' : '0.0';
}

/** Lays out the digits of `exp` (JavaScript exponential form of `value`) as Java does. */
function layout(value: number, exp: string): string {
  let e = exp.indexOf('e');
  if (exp.indexOf('.') === -1) {
    // One significant digit: Java picks the closest two-digit decimal instead.
    exp = value.toExponential(1);
    e = exp.indexOf('e');
  }
  const neg = value < 0;
  const start = neg ? 1 : 0;
  let digits = exp.slice(start, start + 1) + exp.slice(start + 2, e);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48 /* 0 */) end--;
  digits = digits.slice(0, end);
  const exponent = Number(exp.slice(e + 1));
  const sign = neg ? '-' : '';
  const abs = neg ? -value : value;
  if (abs >= 1e-3 && abs < 1e7) {
    if (exponent >= 0) {
      const intPart =
        digits.length > exponent + 1 ? digits.slice(0, exponent + 1) : digits.padEnd(exponent + 1, '0');
      const frac = digits.length > exponent + 1 ? digits.slice(exponent + 1) : '0';
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exponent}`;
}
