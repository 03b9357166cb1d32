/**
 * Reference documentation for configuration keys: a Markdown table with the columns of Kafka's
 * generated configuration docs (Name, Description, Type, Default, Valid Values, Importance).
 */

import type { ConfigKey } from './config-def.ts';
import { convertToString } from './parse.ts';

const MEMORY_UNITS = ['kibibyte', 'mebibyte', 'gibibyte', 'tebibyte'];
const TIME_DIVISORS = [1000n, 60n, 60n, 24n];
const TIME_UNITS = ['second', 'minute', 'hour', 'day'];

/** Kafka's suffix for `*.bytes` defaults, e.g. ` (1 mebibyte)` for 1048576. */
export function niceMemoryUnits(bytes: bigint): string {
  let value = bytes;
  let i = 0;
  while (value !== 0n && i < 4 && value % 1024n === 0n) {
    value /= 1024n;
    i++;
  }
  if (i === 0) return '';
  return ` (${value} ${MEMORY_UNITS[i - 1]}${value === 1n ? ')' : 's)'}`;
}

/** Kafka's suffix for `*.ms` defaults, e.g. ` (5 minutes)` for 300000. */
export function niceTimeUnits(millis: bigint): string {
  let value = millis;
  let i = 0;
  while (value !== 0n && i < 4 && value % TIME_DIVISORS[i]! === 0n) {
    value /= TIME_DIVISORS[i]!;
    i++;
  }
  if (i === 0) return '';
  return ` (${value} ${TIME_UNITS[i - 1]}${value > 1n ? 's)' : ')'}`;
}

/**
 * The "Default" column as Kafka renders it: empty for a required key, `null`, `""` for an empty
 * string, otherwise the string form plus a unit hint for `*.bytes` and `*.ms` numbers.
 */
export function documentedDefault(key: ConfigKey): string {
  if (key.alternativeString !== null) return key.alternativeString;
  if (!key.hasDefault()) return '';
  const value = key.defaultValue;
  if (value === null) return 'null';
  const s = convertToString(value, key.type) ?? 'null';
  if (s === '') return '""';
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : null;
    if (n !== null && key.name.endsWith('.bytes')) return s + niceMemoryUnits(n);
    if (n !== null && key.name.endsWith('.ms')) return s + niceTimeUnits(n);
  }
  return s;
}

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A Markdown table of `keys` in the given order, skipping internal keys. */
export function configKeysToMarkdown(keys: Iterable<ConfigKey>): string {
  const lines = [
    '| Name | Description | Type | Default | Valid Values | Importance |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const key of keys) {
    if (key.internalConfig) continue;
    const columns = [
      `\`${key.name}\``,
      cell(key.documentation),
      key.type.toLowerCase(),
      cell(documentedDefault(key)),
      cell(key.validator === null ? '' : String(key.validator)),
      key.importance.toLowerCase(),
    ];
    lines.push(`| ${columns.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
