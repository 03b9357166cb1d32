/**
 * Kafka's murmur2 hash (`org.apache.kafka.common.utils.Utils.murmur2`), bit for bit: the Java
 * producer puts a keyed record in partition `(murmur2(key) & 0x7fffffff) % partitions`, and the
 * embedded log does the same so a key lands on the partition a Java producer would choose.
 *
 * The Kafka adapter takes its murmur2 from `@platformatic/kafka`; the embedded log has its own
 * copy so that a worker without Kafka does not load the Kafka client library.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** The signed 32-bit murmur2 hash of `data`, as Java's `Utils.murmur2` returns it. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[end + 2]! << 16;
    if (rest >= 2) h ^= data[end + 1]! << 8;
    h ^= data[end]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
