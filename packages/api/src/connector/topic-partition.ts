/** A topic partition (`org.apache.kafka.common.TopicPartition`). Printed as `topic-partition`, as Kafka does. */
export class TopicPartition {
  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  equals(other: unknown): boolean {
    return (
      other instanceof TopicPartition && other.topic === this.topic && other.partition === this.partition
    );
  }

  toString(): string {
    return `${this.topic}-${this.partition}`;
  }
}

/**
 * A map keyed by topic partition by value (JavaScript `Map`s key objects by identity), the
 * TypeScript stand-in for Java's `Map<TopicPartition, V>`.
 */
export class TopicPartitionMap<V> implements Iterable<[TopicPartition, V]> {
  readonly #entries = new Map<string, [TopicPartition, V]>();

  constructor(entries: Iterable<[TopicPartition, V]> = []) {
    for (const [tp, v] of entries) this.set(tp, v);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(tp: TopicPartition): V | undefined {
    return this.#entries.get(tp.toString())?.[1];
  }

  has(tp: TopicPartition): boolean {
    return this.#entries.has(tp.toString());
  }

  set(tp: TopicPartition, value: V): this {
    this.#entries.set(tp.toString(), [tp, value]);
    return this;
  }

  delete(tp: TopicPartition): boolean {
    return this.#entries.delete(tp.toString());
  }

  clear(): void {
    this.#entries.clear();
  }

  keys(): TopicPartition[] {
    return [...this.#entries.values()].map(([tp]) => tp);
  }

  [Symbol.iterator](): Iterator<[TopicPartition, V]> {
    return this.#entries.values();
  }
}

/** A committed consumer offset: the next offset to read, with optional metadata (`OffsetAndMetadata`). */
export interface OffsetAndMetadata {
  readonly offset: number;
  readonly metadata?: string;
}
