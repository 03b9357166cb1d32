/**
 * Log sequence numbers. PostgreSQL writes them as `X/Y` (two hex halves of a 64-bit position);
 * Debezium stores them in offsets and in `source.lsn` as a plain long (`0/1541C20` → 22289440).
 * Sluice keeps them as `bigint` on the wire and as `number` in offsets and records (a position
 * beyond 2^53 bytes of WAL, 8 PiB, is not reachable in practice; {@link lsnToNumber} refuses it).
 */

import { DataError } from '@sluice/api';

/** Parses `X/Y`. @throws DataError for anything else */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (m === null) throw new DataError(`Not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** Formats as PostgreSQL does (`16/B374D848`, upper-case hex, no padding). */
export function formatLsn(lsn: bigint | number): string {
  const v = BigInt(lsn);
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The LSN as the long Debezium stores. @throws DataError beyond 2^53 */
export function lsnToNumber(lsn: bigint): number {
  if (lsn > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataError(`LSN ${formatLsn(lsn)} is beyond 2^53`);
  return Number(lsn);
}

/** An offset value (a JSON number, or a bigint/string from other stores) as an LSN, or null. */
export function lsnFromOffset(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return null;
}
