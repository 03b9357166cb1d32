/**
 * Small helpers that reproduce how Java prints and compares values, so that messages, REST values and
 * documentation read exactly as Kafka's. Internal to the config package.
 */

import { formatJavaDouble } from '../data/java-format.ts';
import { ConfigError } from '../errors.ts';
import { Password } from './password.ts';

/**
 * Kafka's `new ConfigException(name, value, reason)`: `Invalid value <v> for configuration <name>: <reason>`,
 * with the value printed as Java would (lists as `[a, b]`, passwords as `[hidden]`, `null`).
 */
export function invalidValue(name: string, value: unknown, reason?: string): ConfigError {
  const tail = reason === undefined ? '' : `: ${reason}`;
  return new ConfigError(`Invalid value ${javaToString(value)} for configuration ${name}${tail}`, {
    key: name,
    value,
  });
}

/** Java's `String.trim()`: strips every leading and trailing char at or below U+0020. */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Java's `String.valueOf(value)` for the values a config can hold: `null`, lists as `[a, b]`,
 * passwords as `[hidden]`, non-integral numbers as Java doubles.
 */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatJavaDouble(value);
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  return String(value);
}

/** The Java class name Kafka would print for a value of this JavaScript type. */
export function javaClassName(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'bigint':
      return 'java.lang.Long';
    case 'number':
      if (Number.isInteger(value)) {
        return value >= -2147483648 && value <= 2147483647 ? 'java.lang.Integer' : 'java.lang.Long';
      }
      return 'java.lang.Double';
    case 'function':
      return 'java.lang.Class';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'java.util.ArrayList';
      if (value instanceof Password) return 'org.apache.kafka.common.config.types.Password';
      return value.constructor?.name ?? 'java.lang.Object';
    default:
      return typeof value;
  }
}

/** Java's `Character.toUpperCase(char)`: a one-char mapping (no expansions such as `ß` → `SS`). */
function upperChar(c: string): string {
  const u = c.toUpperCase();
  return u.length === 1 ? u : c;
}

function lowerChar(c: string): string {
  const l = c.toLowerCase();
  return l.length === 1 ? l : c;
}

/** Java's `String.equalsIgnoreCase`: per char, equal as is, upper-cased, or lower-cased after that. */
export function javaEqualsIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const ux = upperChar(x);
    const uy = upperChar(y);
    if (ux === uy || lowerChar(ux) === lowerChar(uy)) continue;
    return false;
  }
  return true;
}

/** Java's `String.hashCode()`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, in int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
