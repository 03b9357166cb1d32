/**
 * The iteration order of Java's `HashMap<String, ?>` and `HashSet<String>`, for writing keys
 * exactly as a Java worker or connector would. Kafka prints maps and sets in this order (REST
 * answers, `CaseInsensitiveValidString` messages), Kafka Connect reads JSON objects into HashMaps,
 * connectors build source partitions as HashMaps (the offsets topic is compacted and partitioned by
 * key bytes, so the order matters) and PgJDBC hands Debezium hstore values as a HashMap.
 *
 * Models a `new HashMap<>()` filled by `put` in the given order (a `HashSet` is one underneath):
 * 16 buckets to start, doubling when the size passes 3/4 of the buckets or when a bucket would
 * exceed 8 entries while the table is under 64 buckets; iteration goes bucket by bucket, insertion
 * order within a bucket (a resize keeps that order). A key put again keeps its first place.
 * Not modelled: tree bins (9+ colliding keys in a table of 64+ buckets), which reorder a bucket.
 */
import { javaStringHash } from './java-format.ts';

/** `keys` in the order a `java.util.HashMap` they were put into one by one iterates them. */
export function javaHashMapOrder(keys: Iterable<string>): string[] {
  const unique = [...new Set(keys)];
  const hashes = unique.map((k) => spread(javaStringHash(k)));
  let capacity = 16;
  const bucketOf = (i: number): number => hashes[i]! & (capacity - 1);
  for (let size = 0; size < unique.length; size++) {
    // Entries already in the bucket this key lands in.
    let before = 0;
    for (let j = 0; j < size; j++) if (bucketOf(j) === bucketOf(size)) before++;
    if (before >= 8 && capacity < 64) capacity *= 2; // treeifyBin resizes small tables instead
    if (size + 1 > capacity * 0.75) capacity *= 2;
  }
  return unique
    .map((key, index) => ({ key, index, bucket: bucketOf(index) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.key);
}

/** The iteration order of a `java.util.HashSet<String>` built by adding `items` in order. */
export function javaHashSetOrder(items: Iterable<string>): string[] {
  return javaHashMapOrder(items);
}

/**
 * `entries` put one by one into a `java.util.HashMap`, in its iteration order: a key put again keeps
 * its first place and takes the last value, as `put` does.
 */
export function javaHashMapEntries<V>(entries: Iterable<readonly [string, V]>): Array<[string, V]> {
  const map = new Map<string, V>(entries);
  return javaHashMapOrder(map.keys()).map((k) => [k, map.get(k) as V]);
}

/** `HashMap.hash`: folds the high bits into the low ones. */
function spread(h: number): number {
  return h ^ (h >>> 16);
}
