import { DataError } from '../errors.ts';

/**
 * An arbitrary-precision decimal: `unscaled × 10^-scale`, the value of Kafka Connect's
 * `Decimal` logical type (Java's `java.math.BigDecimal`). Immutable.
 */
export class BigDecimal {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < -2147483648 || scale > 2147483647) {
      throw new DataError(`BigDecimal scale must be a 32-bit integer, got ${scale}`);
    }
    this.unscaled = unscaled;
    this.scale = scale;
  }

  /** Parses decimal text as Java's `new BigDecimal(String)` does: `-12.340`, `1E+3`, `.5`. */
  static parse(text: string): BigDecimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
      throw new DataError(`Not a decimal number: ${JSON.stringify(text)}`);
    }
    const intPart = m[2] ?? '';
    const fracPart = m[3] ?? '';
    const exponent = m[4] === undefined ? 0 : Number.parseInt(m[4], 10);
    const digits = `${intPart}${fracPart}` || '0';
    const unscaled = BigInt(digits);
    return new BigDecimal(m[1] === '-' ? -unscaled : unscaled, fracPart.length - exponent);
  }

  /** The exact value of a finite number, using its shortest round-trip decimal form (as `BigDecimal.valueOf(double)`). */
  static fromNumber(value: number): BigDecimal {
    if (!Number.isFinite(value)) throw new DataError(`Cannot represent ${value} as a decimal`);
    return BigDecimal.parse(String(value));
  }

  /** The same value with another scale; throws DataError if that would drop non-zero digits. */
  setScale(scale: number): BigDecimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new BigDecimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    if (this.unscaled % divisor !== 0n) {
      throw new DataError(
        `Decimal ${this.toString()} cannot be represented with scale ${scale} without rounding`,
      );
    }
    return new BigDecimal(this.unscaled / divisor, scale);
  }

  /** Numeric equality regardless of scale (Java's `compareTo(...) == 0`). */
  compareTo(other: BigDecimal): number {
    const s = Math.max(this.scale, other.scale);
    const a = this.unscaled * 10n ** BigInt(s - this.scale);
    const b = other.unscaled * 10n ** BigInt(s - other.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Java's `BigDecimal.equals`: same unscaled value and same scale. */
  equals(other: unknown): boolean {
    return other instanceof BigDecimal && other.unscaled === this.unscaled && other.scale === this.scale;
  }

  toNumber(): number {
    return Number(this.toPlainString());
  }

  /** Without an exponent, as Java's `toPlainString()`. */
  toPlainString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return `${neg ? '-' : ''}${digits}${'0'.repeat(-this.scale)}`;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const point = digits.length - this.scale;
    return `${neg ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  /**
   * Java's `BigDecimal.toString()`: plain notation when the scale is non-negative and the
   * adjusted exponent is at least -6, otherwise scientific notation (`1.23E+5`, `1E-10`).
   */
  toString(): string {
    const neg = this.unscaled < 0n;
    const digits = (neg ? -this.unscaled : this.unscaled).toString();
    const adjusted = digits.length - 1 - this.scale;
    if (this.scale >= 0 && adjusted >= -6) return this.toPlainString();
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${neg ? '-' : ''}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** Big-endian two's-complement bytes of the unscaled value, minimal length (Java's `BigInteger.toByteArray`). */
  unscaledBytes(): Uint8Array {
    return bigIntToTwosComplement(this.unscaled);
  }

  /** Inverse of {@link unscaledBytes}. */
  static fromUnscaledBytes(bytes: Uint8Array, scale: number): BigDecimal {
    return new BigDecimal(twosComplementToBigInt(bytes), scale);
  }
}

export function bigIntToTwosComplement(value: bigint): Uint8Array {
  const n = Number(value);
  if (n > -SMALL_LIMIT && n < SMALL_LIMIT) return smallTwosComplement(n);
  // Number of bytes: enough bits for the magnitude plus a sign bit.
  let hex = (value < 0n ? -value - 1n : value).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let len = hex === '00' ? 1 : hex.length / 2;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) len += 1;
  const out = new Uint8Array(len);
  let v = BigInt.asUintN(len * 8, value);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function twosComplementToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new DataError('Decimal bytes must not be empty');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(bytes.length * 8, v);
}

/** Magnitudes below 2^47 convert through numbers exactly, and fit in six bytes. */
const SMALL_LIMIT = 2 ** 47;
/** LIMITS[k]: the smallest magnitude that needs more than k+1 bytes. */
const LIMITS = [2 ** 7, 2 ** 15, 2 ** 23, 2 ** 31, 2 ** 39, 2 ** 47];

/** The minimal two's-complement bytes of an integer of magnitude below 2^47, with number arithmetic only. */
function smallTwosComplement(n: number): Uint8Array {
  let len = 1;
  while (n < -LIMITS[len - 1]! || n >= LIMITS[len - 1]!) len++;
  const out = new Uint8Array(len);
  // The unsigned value modulo 2^(8·len), written byte by byte from the end.
  let u = n < 0 ? n + LIMITS[len - 1]! * 2 : n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = u % 256;
    u = Math.floor(u / 256);
  }
  return out;
}
