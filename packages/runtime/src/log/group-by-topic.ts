/**
 * Kafka's requests list partitions topic by topic (OffsetCommit, OffsetFetch, OffsetDelete, the
 * consumer protocol's partition lists): `items` grouped by their topic, in the order each topic
 * first appears, each mapped by `value` (e.g. to its partition number).
 */
export function groupByTopic<T extends { topic: string }, V>(
  items: Iterable<T>,
  value: (item: T) => V,
): Map<string, V[]> {
  const byTopic = new Map<string, V[]>();
  for (const item of items) {
    let list = byTopic.get(item.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(item.topic, list);
    }
    list.push(value(item));
  }
  return byTopic;
}
