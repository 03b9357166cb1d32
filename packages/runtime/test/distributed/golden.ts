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
