/**
 * Kafka's `ConfigDef.parseType` and `ConfigDef.convertToString`: from a raw (string) or already typed
 * value to the typed value of a {@link ConfigType}, and back to the string Kafka would print.
 */

import { formatJavaDouble } from '../data/java-format.ts';
import { invalidValue, javaClassName, javaEqualsIgnoreCase, javaToString, javaTrim } from './java-format.ts';
import { Password } from './password.ts';
import type { ConfigType, ParsedValue } from './types.ts';

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const SHORT_MIN = -(2n ** 15n);
const SHORT_MAX = 2n ** 15n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Java's `Integer/Short/Long.parseLong` syntax: optional sign, ASCII decimal digits. */
const INTEGER = /^[+-]?[0-9]+$/;
/** Java's `Double.parseDouble` decimal syntax, with the optional `f`/`d` suffix. */
const DECIMAL = /^[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)$/;
/** Java's hexadecimal floating-point syntax, e.g. `0x1.8p1`. */
const HEX_FLOAT =
  /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))[pP]([+-]?[0-9]+)[fFdD]?$/;
/** Java's `\s*,\s*` (Java's `\s` is ASCII whitespace only). */
const COMMA_WITH_WHITESPACE = /[ \t\n\v\f\r]*,[ \t\n\v\f\r]*/;

class NumberFormat extends Error {}

function parseInteger(s: string, min: bigint, max: bigint): bigint {
  if (!INTEGER.test(s)) throw new NumberFormat();
  const n = BigInt(s);
  if (n < min || n > max) throw new NumberFormat();
  return n;
}

/** A LONG as a number when it is a safe integer, else as a bigint. */
function longValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function scaleByPowerOfTwo(x: number, exp: number): number {
  let result = x;
  let e = exp;
  while (e > 1000) {
    result *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    result *= 2 ** -1000;
    e += 1000;
  }
  return result * 2 ** e;
}

function parseDouble(s: string): number {
  if (DECIMAL.test(s)) {
    const body = /[fFdD]$/.test(s) ? s.slice(0, -1) : s;
    if (body.endsWith('NaN')) return Number.NaN;
    return Number(body);
  }
  const hex = HEX_FLOAT.exec(s);
  if (hex === null) throw new NumberFormat();
  const [, sign, intDigits = '', fracDigits = '', onlyFrac = '', exp = '0'] = hex;
  const fraction = onlyFrac === '' ? fracDigits : onlyFrac;
  const mantissa = BigInt(`0x${intDigits}${fraction}`);
  const value = scaleByPowerOfTwo(Number(mantissa), Number(exp) - 4 * fraction.length);
  return sign === '-' ? -value : value;
}

function integral(value: number | bigint, min: bigint, max: bigint): bigint | null {
  if (typeof value === 'bigint') return value >= min && value <= max ? value : null;
  if (!Number.isInteger(value)) return null;
  const n = BigInt(value);
  return n >= min && n <= max ? n : null;
}

/**
 * Parses `value` as `type` exactly as Kafka's `ConfigDef.parseType`; `null`/`undefined` give `null`.
 *
 * Strings are trimmed (Java `trim()`), then: `BOOLEAN` accepts `true`/`false` in any case; `INT`,
 * `SHORT`, `LONG` accept a signed decimal within 32/16/64 bits (`LONG` is a number when it is a safe
 * integer, else a bigint); `DOUBLE` accepts Java's `Double.parseDouble` syntax; `LIST` splits on commas
 * and surrounding whitespace (empty string ⇒ empty list); `CLASS` keeps the class name (no class is
 * loaded); `PASSWORD` wraps the string in a {@link Password}. Already typed values (boolean, number,
 * bigint, string array, Password) are accepted for their types.
 *
 * @throws ConfigError with Kafka's message, e.g. `Invalid value abc for configuration tasks.max: Not a number of type INT`
 */
export function parseType(name: string, value: unknown, type: ConfigType): ParsedValue {
  if (value === null || value === undefined) return null;
  const trimmed = typeof value === 'string' ? javaTrim(value) : null;
  try {
    switch (type) {
      case 'BOOLEAN':
        if (trimmed !== null) {
          if (javaEqualsIgnoreCase(trimmed, 'true')) return true;
          if (javaEqualsIgnoreCase(trimmed, 'false')) return false;
        } else if (typeof value === 'boolean') {
          return value;
        }
        throw invalidValue(name, value, 'Expected value to be either true or false');
      case 'PASSWORD':
        if (value instanceof Password) return value;
        if (trimmed !== null) return new Password(trimmed);
        throw invalidValue(
          name,
          value,
          `Expected value to be a string, but it was a ${javaClassName(value)}`,
        );
      case 'STRING':
        if (trimmed !== null) return trimmed;
        throw invalidValue(
          name,
          value,
          `Expected value to be a string, but it was a ${javaClassName(value)}`,
        );
      case 'CLASS':
        if (trimmed !== null) return trimmed;
        throw invalidValue(name, value, 'Expected a Class instance or class name.');
      case 'INT':
      case 'SHORT': {
        const [min, max] = type === 'INT' ? [INT_MIN, INT_MAX] : [SHORT_MIN, SHORT_MAX];
        if (trimmed !== null) return Number(parseInteger(trimmed, min, max));
        const n = typeof value === 'number' || typeof value === 'bigint' ? integral(value, min, max) : null;
        if (n !== null) return Number(n);
        const expected = type === 'INT' ? 'a 32-bit integer' : 'a 16-bit integer (short)';
        throw invalidValue(
          name,
          value,
          `Expected value to be ${expected}, but it was a ${javaClassName(value)}`,
        );
      }
      case 'LONG': {
        if (trimmed !== null) return longValue(parseInteger(trimmed, LONG_MIN, LONG_MAX));
        const n =
          typeof value === 'number' || typeof value === 'bigint' ? integral(value, LONG_MIN, LONG_MAX) : null;
        if (n !== null) return longValue(n);
        throw invalidValue(
          name,
          value,
          `Expected value to be a 64-bit integer (long), but it was a ${javaClassName(value)}`,
        );
      }
      case 'DOUBLE':
        if (typeof value === 'number') return value;
        if (typeof value === 'bigint') return Number(value);
        if (trimmed !== null) return parseDouble(trimmed);
        throw invalidValue(
          name,
          value,
          `Expected value to be a double, but it was a ${javaClassName(value)}`,
        );
      case 'LIST':
        if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return [...value];
        if (trimmed !== null) return trimmed === '' ? [] : trimmed.split(COMMA_WITH_WHITESPACE);
        throw invalidValue(name, value, 'Expected a comma separated list.');
      default:
        throw new Error(`Unknown type: ${String(type)}`);
    }
  } catch (e) {
    if (e instanceof NumberFormat) throw invalidValue(name, value, `Not a number of type ${type}`);
    throw e;
  }
}

/**
 * The string form of a parsed value (`ConfigDef.convertToString`), as the REST API and documentation
 * show it: lists comma-joined, passwords `[hidden]`, doubles as Java prints them (`1.0`), `null` ⇒ `null`.
 * With `type` `null` the value is printed as Java's `toString()` would.
 */
export function convertToString(parsedValue: unknown, type: ConfigType | null): string | null {
  if (parsedValue === null || parsedValue === undefined) return null;
  if (type === null) return javaToString(parsedValue);
  switch (type) {
    case 'DOUBLE':
      return typeof parsedValue === 'number' ? formatJavaDouble(parsedValue) : javaToString(parsedValue);
    case 'LIST':
      return Array.isArray(parsedValue)
        ? parsedValue.map((v) => javaToString(v)).join(',')
        : javaToString(parsedValue);
    default:
      return javaToString(parsedValue);
  }
}

/**
 * Every value as a string, passwords revealed (`ConfigDef.convertToStringMapWithPasswordValues`); entries
 * whose value is `null` are left out. For handing configs to code that expects strings; never log the result.
 */
export function convertToStringMapWithPasswordValues(
  configs: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(configs)) {
    let s: string | null;
    if (value instanceof Password) s = value.value();
    else if (Array.isArray(value)) s = convertToString(value, 'LIST');
    else s = convertToString(value, null);
    if (s !== null) entries.push([key, s]);
  }
  return Object.fromEntries(entries);
}
