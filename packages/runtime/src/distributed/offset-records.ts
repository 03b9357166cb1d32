import { DataError, javaHashMapOrder, type SourceMap } from '@sluice/api';
import { decodeSchemaless, encodeSchemaless, isRecord, javaClassName } from './internal-json.ts';

/**
 * Records of the offsets topic (`offset.storage.topic`), as Kafka Connect writes source offsets:
 * key = JSON `["<connector>",{<source partition>}]`, value = JSON of the offset map, both
 * written by JsonConverter with schemas disabled; a null value is a tombstone (the partition's
 * offset was reset). Records go to the partition chosen by hashing the key bytes, so the bytes
 * must be exactly what a Java worker writes for the same partition.
 */

/**
 * How the keys of the partition map (and of the offset map) are ordered in the JSON:
 * - `java-hash-map` (default): as Java's HashMap iterates them, which is what a Java worker
 *   writes for partitions built as HashMaps and for every partition it has read back from the
 *   topic (offset resets write tombstones from those). Insertion order then matters only between
 *   keys that share a hash bucket, which is rare for the few keys of a partition.
 * - `insertion`: the object's own key order.
 * Single-key partitions (the common case: `{"filename":...}`, `{"server":...}`) are identical.
 */
export type PartitionKeyOrder = 'java-hash-map' | 'insertion';

export interface OffsetRecordOptions {
  keyOrder?: PartitionKeyOrder;
}

/** The key bytes `["<connector>",{partition}]`. */
export function offsetKey(
  connector: string,
  partition: SourceMap,
  options: OffsetRecordOptions = {},
): Uint8Array {
  validateOffsetMap(partition, 'partition');
  const bytes = encodeSchemaless([connector, ordered(partition, options)], true);
  if (bytes === null) throw new DataError('An offset key encoded to null');
  return bytes;
}

/**
 * The value bytes: the offset map as JSON (its keys ordered as `keyOrder` says, like the
 * partition's), or null (a tombstone) for a null offset.
 */
export function offsetValue(offset: SourceMap | null, options: OffsetRecordOptions = {}): Uint8Array | null {
  if (offset === null) return null;
  validateOffsetMap(offset, 'offset');
  return encodeSchemaless(ordered(offset, options));
}

/** One record for the offsets topic. */
export function offsetRecord(
  connector: string,
  partition: SourceMap,
  offset: SourceMap | null,
  options: OffsetRecordOptions = {},
): { key: Uint8Array; value: Uint8Array | null } {
  return { key: offsetKey(connector, partition, options), value: offsetValue(offset, options) };
}

/** An offsets-topic record read back. */
export interface OffsetEntry {
  readonly connector: string;
  readonly partition: SourceMap;
  /** Null for a tombstone. */
  readonly offset: SourceMap | null;
  /**
   * The key bytes as read. Write a tombstone for this partition with these bytes, not with a
   * re-encoded key: Java may have written, say, `1.0` where JSON re-encoding gives `1`.
   */
  readonly key: Uint8Array;
}

/**
 * Reads an offsets-topic record; null for a key that is not `[string, object]` (Kafka ignores
 * those) or an offset value that is not a JSON object. Integers come back as numbers, or bigints
 * beyond 2^53 (Java longs).
 */
export function parseOffsetRecord(key: Uint8Array | null, value: Uint8Array | null): OffsetEntry | null {
  if (key === null) return null;
  let decodedKey: unknown;
  try {
    decodedKey = decodeSchemaless(key, true);
  } catch {
    return null;
  }
  if (!Array.isArray(decodedKey) || decodedKey.length !== 2) return null;
  const [connector, partition] = decodedKey as [unknown, unknown];
  if (typeof connector !== 'string' || !isRecord(partition)) return null;
  let offset: unknown;
  try {
    offset = decodeSchemaless(value);
  } catch {
    return null;
  }
  if (offset !== null && !isRecord(offset)) return null;
  return { connector, partition, offset: offset as SourceMap | null, key };
}

/**
 * Kafka's rule (`OffsetUtils.validateFormat`): partition and offset maps have string keys and
 * primitive values (numbers, booleans, strings, bytes) or null.
 */
export function validateOffsetMap(map: SourceMap, what: 'partition' | 'offset'): void {
  if (!isRecord(map)) throw new DataError(`A source ${what} must be a map, got ${javaClassName(map)}`);
  for (const [field, value] of Object.entries(map)) {
    if (value === null) continue;
    const t = typeof value;
    if (
      t === 'string' ||
      t === 'number' ||
      t === 'bigint' ||
      t === 'boolean' ||
      value instanceof Uint8Array
    ) {
      if (t === 'number' && !Number.isFinite(value))
        throw new DataError(`Source ${what} field ${field} is ${String(value)}, which JSON cannot hold`);
      continue;
    }
    throw new DataError(
      `Offsets may only contain primitive types as values, but field ${field} of the source ${what} contains ${javaClassName(value)}`,
    );
  }
}

function ordered(map: SourceMap, options: OffsetRecordOptions): Map<string, unknown> {
  if ((options.keyOrder ?? 'java-hash-map') === 'insertion') return new Map(Object.entries(map));
  const out = new Map<string, unknown>();
  for (const k of javaHashMapOrder(Object.keys(map))) out.set(k, map[k]);
  return out;
}
