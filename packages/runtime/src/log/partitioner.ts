import { ConnectError } from '@sluice/api';
import { partitionForKey } from './murmur2.ts';

/**
 * Chooses partitions as Kafka's Java producer does, for both log clients: an explicit partition
 * must exist; a keyed record goes to `murmur2(key) % partitions` (so it lands where a Java
 * producer would put it); null-key records of one batch share one partition, chosen round-robin
 * per batch (like the sticky partitioner). One instance per client: it keeps the round-robin state.
 */
export class ProducerPartitioner {
  readonly #next = new Map<string, number>();

  /** A chooser for one produce batch. */
  batch(): (
    topic: string,
    partition: number | undefined,
    key: Uint8Array | null,
    partitionCount: number,
  ) => number {
    const sticky = new Map<string, number>();
    return (topic, partition, key, partitionCount) => {
      if (partition !== undefined) {
        if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
          throw new ConnectError(
            `Invalid partition given with record: ${partition} is not in the range [0...${partitionCount - 1}] of topic ${topic}`,
          );
        }
        return partition;
      }
      if (key !== null) return partitionForKey(key, partitionCount);
      let chosen = sticky.get(topic);
      if (chosen === undefined) {
        const next = this.#next.get(topic) ?? Math.floor(Math.random() * partitionCount);
        this.#next.set(topic, (next + 1) % 0x7fffffff);
        chosen = next % partitionCount;
        sticky.set(topic, chosen);
      }
      return chosen;
    };
  }

  /** Forgets a deleted topic's round-robin position. */
  forget(topic: string): void {
    this.#next.delete(topic);
  }
}
