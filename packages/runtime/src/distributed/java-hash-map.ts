/**
 * The iteration order Java's `HashMap<String, ?>` gives its keys, for writing maps exactly as a
 * Java worker would. Kafka Connect reads JSON objects into HashMaps (JsonConverter) and connectors
 * mostly build their source partitions as HashMaps, so a partition Java serialises comes out in
 * hash order, not insertion order; the offsets topic is compacted and partitioned by key bytes, so
 * the order matters.
 *
 * Models a `new HashMap<>()` filled by `put` in the given order: 16 buckets to start, doubling
 * when the size passes 3/4 of the buckets or when a bucket would exceed 8 entries while the table
 * is under 64 buckets; iteration goes bucket by bucket, insertion order within a bucket.
 * Not modelled: tree bins (9+ colliding keys in a table of 64+ buckets), which reorder a bucket.
 */
import { javaStringHash } from '@sluice/api';
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const hashes = keys.map((k) => spread(javaStringHash(k)));
  let capacity = 16;
  const bucketOf = (i: number): number => hashes[i]! & (capacity - 1);
  for (let size = 0; size < keys.length; size++) {
    // Entries already in the bucket this key lands in.
    let before = 0;
    for (let j = 0; j < size; j++) if (bucketOf(j) === bucketOf(size)) before++;
    if (before >= 8 && capacity < 64) capacity *= 2; // treeifyBin resizes small tables instead
    if (size + 1 > capacity * 0.75) capacity *= 2;
  }
  return keys
    .map((key, index) => ({ key, index, bucket: bucketOf(index) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.key);
}

/** `HashMap.hash`: folds the high bits into the low ones. */
function spread(h: number): number {
  return h ^ (h >>> 16);
}
