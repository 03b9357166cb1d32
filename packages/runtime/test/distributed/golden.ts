import { readFileSync } from 'node:fs';

/**
 * Reads a golden file of this folder. The golden files were written by Apache Kafka Connect
 * 4.1.1's own classes (see `golden/GenerateGolden.java`), so they hold what a Java worker writes.
 */
export function golden<T>(name: string): T[] {
  return JSON.parse(readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8')) as T[];
}

export const utf8 = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString('utf8');

export const bytesOf = (text: string | null): Uint8Array | null =>
  text === null ? null : new Uint8Array(Buffer.from(text, 'utf8'));

/**
 * Kafka's JsonConverter (Jackson) writes characters outside the Basic Multilingual Plane as
 * escaped surrogate pairs (`😀` as `\uD83D\uDE00`); Sluice's JsonConverter writes them as UTF-8.
 * Both read back the same; the bytes differ. Golden texts with such escapes are compared exactly
 * as a `todo` test and, as a regular test, after turning the escapes back into characters.
 */
export const SURROGATE_ESCAPE = /\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/gi;

export function hasSurrogateEscape(text: string | null): boolean {
  return text !== null && new RegExp(SURROGATE_ESCAPE.source, 'i').test(text);
}

export function unescapeSurrogates(text: string | null): string | null {
  return text === null
    ? null
    : text.replace(SURROGATE_ESCAPE, (_, hi: string, lo: string) =>
        String.fromCharCode(Number.parseInt(hi, 16), Number.parseInt(lo, 16)),
      );
}

export const SURROGATE_TODO =
  'Sluice JsonConverter writes non-BMP characters as UTF-8; Kafka 4.1.1 escapes them as \\uD83D\\uDE00 (reported to the converters owner)';
