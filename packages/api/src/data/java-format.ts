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
  const abs = f < 0 ? -f : f;
  nineDigits(abs);
  const digits9 = nine.digits;
  const exponent9 = nine.exponent;
  const exact9 = nine.exact;
  // The fewest significant digits (1 to 9) whose rounding reads back as the same float. More
  // digits never stop reading back, so a binary search finds the fewest. Each candidate is
  // rounded from the 9 digits and checked with arithmetic, not printed and parsed.
  let lo = 1;
  let hi = 9;
  let best = digits9;
  let bestExponent = exponent9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const n = roundDigits(abs, digits9, exponent9, exact9, mid);
    if (readsBackAsFloat(n, roundedExponent - mid + 1, abs)) {
      hi = mid;
      best = n;
      bestExponent = roundedExponent;
    } else lo = mid + 1;
  }
  if (best < 10) {
    // One significant digit: Java picks the closest two-digit decimal instead.
    best = roundDigits(abs, digits9, exponent9, exact9, 2);
    bestExponent = roundedExponent;
  }
  return layoutDigits(f < 0, abs >= 1e-3 && abs < 1e7, String(best), bestExponent);
}

/** 10^0 .. 10^22, the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** What {@link nineDigits} found (module scratch: the formatting is synchronous). */
const nine = { digits: 0, exponent: 0, exact: false };

/**
 * `value` (a positive float) rounded to 9 significant digits, which always read back as the same
 * float: the digits as an integer, the decimal exponent of the first, and whether they are the
 * value exactly (then a tie in rounding them further is a tie of the value itself).
 *
 * Values that are short decimals (0.5, 87.25: exact in 9 digits) are found with one exact
 * multiplication: a float's significand has 24 bits and 5^12 < 2^29, so value·10^p for p ≤ 12
 * fits a double's 53 bits. That matters because V8's `toExponential(8)` is slow on exactly those
 * values; it serves all others.
 */
function nineDigits(value: number): void {
  let exponent = Math.floor(Math.log10(value));
  let p = 8 - exponent;
  if (p >= 0 && p <= 12) {
    let scaled = value * POW10[p]!;
    // log10 can be off by one next to a power of ten.
    if (scaled >= 1e9 && p > 0) {
      p--;
      exponent++;
      scaled = value * POW10[p]!;
    } else if (scaled < 1e8 && p < 12) {
      p++;
      exponent--;
      scaled = value * POW10[p]!;
    }
    if (scaled >= 1e8 && scaled < 1e9 && Number.isInteger(scaled)) {
      nine.digits = scaled;
      nine.exponent = exponent;
      nine.exact = true;
      return;
    }
  }
  const text = value.toExponential(8); // "d.dddddddde±x"
  let digits = text.charCodeAt(0) - 48;
  for (let i = 2; i < 10; i++) digits = digits * 10 + text.charCodeAt(i) - 48;
  exponent = Number(text.slice(11));
  const scale = exponent - 8;
  nine.digits = digits;
  nine.exponent = exponent;
  // Exact products again (see above; 10^9·5^9 < 2^53 too).
  nine.exact =
    scale < 0
      ? scale >= -12 && value * POW10[-scale]! === digits
      : scale <= 9 && digits * POW10[scale]! === value;
}

/** The decimal exponent of the last {@link roundDigits} result (it may carry into a new digit). */
let roundedExponent = 0;

/**
 * `value` rounded to `k` significant digits, as `value.toExponential(k - 1)` would give them
 * (half up), as an integer of `k` digits; its exponent is left in {@link roundedExponent}.
 * Rounded from `digits9` (the 9-digit rounding, exponent `exponent9`, `exact9` when that is the
 * value exactly). When the dropped digits are exactly half a unit and the 9 digits were rounded,
 * the tie may be the 9-digit rounding's own, so the value itself decides through `toExponential`.
 */
function roundDigits(value: number, digits9: number, exponent9: number, exact9: boolean, k: number): number {
  if (k >= 9) {
    roundedExponent = exponent9;
    return digits9;
  }
  const unit = POW10[9 - k]!;
  let n = Math.floor(digits9 / unit);
  const rest = digits9 - n * unit;
  const half = unit / 2;
  if (rest === half && !exact9) {
    const exact = value.toExponential(k - 1);
    const e = exact.indexOf('e');
    n = exact.charCodeAt(0) - 48;
    for (let i = 2; i < e; i++) n = n * 10 + exact.charCodeAt(i) - 48;
    roundedExponent = Number(exact.slice(e + 1));
    return n;
  }
  roundedExponent = exponent9;
  if (rest >= half && ++n === POW10[k]) {
    n = POW10[k - 1]!;
    roundedExponent++;
  }
  return n;
}

/**
 * Whether `n`·10^`scale` reads back as the float `value`: `Math.fround(Number("<n>e<scale>"))`,
 * with the double computed by one correctly rounded multiplication or division when the power
 * of ten is exact (the same double as parsing the text).
 */
function readsBackAsFloat(n: number, scale: number, value: number): boolean {
  const d =
    scale >= 0
      ? scale <= 22
        ? n * POW10[scale]!
        : Number(`${n}e${scale}`)
      : scale >= -22
        ? n / POW10[-scale]!
        : Number(`${n}e${scale}`);
  return Math.fround(d) === value;
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
  const abs = neg ? -value : value;
  return layoutDigits(
    neg,
    abs >= 1e-3 && abs < 1e7,
    exp.slice(start, start + 1) + exp.slice(start + 2, e),
    Number(exp.slice(e + 1)),
  );
}

/**
 * Lays out significant `digits` with decimal `exponent` (that of the first digit) as Java does:
 * trailing zeros dropped, `plain` notation (for magnitudes in [1e-3, 1e7)) or computerized
 * scientific notation.
 */
function layoutDigits(neg: boolean, plain: boolean, digits: string, exponent: number): string {
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48 /* 0 */) end--;
  digits = digits.slice(0, end);
  const sign = neg ? '-' : '';
  if (plain) {
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
