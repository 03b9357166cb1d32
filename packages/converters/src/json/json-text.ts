import { DataError } from '@sluice/api';

/**
 * JSON text helpers shared by the JsonConverter encoder and decoder: string quoting identical
 * to Jackson's, base64, and a JSON parser that keeps integers beyond 2^53 and long decimals exact.
 */

const HEX = '0123456789ABCDEF';

/**
 * Quotes a string as Jackson writes it. `JSON.stringify` agrees with Jackson except for two rare
 * cases, which take a slower path: Jackson writes control characters as `\u00XX` with upper-case
 * hex, and it writes every UTF-16 surrogate as an escape of its own (`😀` is `\uD83D\uDE00`, as
 * Kafka Connect's JsonConverter and its internal topics have it) where `JSON.stringify` keeps a
 * pair as the character.
 */
export function quote(s: string): string {
  // Most strings need no escaping at all: quote them by concatenation, without a scan-and-copy.
  if (isPlain(s)) return `"${s}"`;
  const q = JSON.stringify(s);
  return q.includes('\\u') || SURROGATE.test(s) ? requote(s) : q;
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * True when `s` can be written between quotes as it is: no quote, backslash, control character
 * or surrogate. Short strings are checked by a loop the JIT compiles; long ones by a regex.
 */
export function isPlain(s: string): boolean {
  const n = s.length;
  if (n > 64) return !NEEDS_ESCAPE.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function requote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) {
      // Each surrogate, paired or not, as an escape with upper-case hex (Jackson's UTF-8 writer).
      if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16).toUpperCase()}`;
      else out += s[i];
    } else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return `${out}"`;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding. Short inputs (decimals, small keys) are encoded inline, without a Buffer. */
export function base64(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n > 24) return Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('base64');
  let out = '';
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
  }
  if (i + 1 === n) {
    const v = bytes[i]! << 16;
    out += `${B64[v >> 18]}${B64[(v >> 12) & 63]}==`;
  } else if (i + 2 === n) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[v >> 18]}${B64[(v >> 12) & 63]}${B64[(v >> 6) & 63]}=`;
  }
  return out;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

export function fromBase64(text: string, what: string): Uint8Array {
  if (!BASE64_RE.test(text)) throw new DataError(`Invalid ${what}: not valid base64 text`);
  return Buffer.from(text, 'base64');
}

/** A JSON number whose text has more precision than a double keeps; `source` is its exact text. */
export class LosslessNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
  get isIntegral(): boolean {
    return /^-?\d+$/.test(this.source);
  }
  toNumber(): number {
    return Number(this.source);
  }
}

function losslessReviver(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  const src = context.source;
  if (Number.isSafeInteger(value) && !src.includes('.') && !src.includes('e') && !src.includes('E'))
    return value;
  let digits = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 101 || c === 69) break; // e E
    if (c >= 48 && c <= 57) digits++;
  }
  return digits > 15 || (Number.isInteger(value) && !Number.isSafeInteger(value))
    ? new LosslessNumber(src)
    : value;
}

/**
 * True when `text` has a run of 16+ digits (or digits and points): a number JSON.parse might
 * round. Only then is the slower exact parse needed. Any 16 consecutive positions include exactly
 * one index ≡ 15 (mod 16), so only those are probed, and a run is measured around a probe that
 * hits a digit: about a sixteenth of the text is read.
 */
export function mayLosePrecision(text: string): boolean {
  const n = text.length;
  for (let i = 15; i < n; i += 16) {
    if (!isNumberChar(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && end - start < 16 && isNumberChar(text.charCodeAt(end))) end++;
    if (end - start >= 16) return true;
  }
  return false;
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46;
}

/**
 * Parses JSON text, throwing DataError on bad input. With `lossless` (default: when
 * {@link mayLosePrecision}), numbers with more than 15 significant digits come back as
 * {@link LosslessNumber}.
 */
export function parseJson(text: string, lossless: boolean = mayLosePrecision(text)): unknown {
  try {
    return lossless ? JSON.parse(text, losslessReviver as never) : JSON.parse(text);
  } catch (err) {
    throw new DataError(
      `Converting byte[] to Kafka Connect data failed due to serialization error: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** A short description of a parsed JSON value, for error messages (Jackson's node type names). */
export function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return 'ARRAY';
  if (value instanceof LosslessNumber || typeof value === 'number') return 'NUMBER';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOLEAN';
  return 'OBJECT';
}
