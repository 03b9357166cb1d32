/**
 * The leader config-topic transactions golden (recorded from Kafka Connect 4.1.1 by
 * `record-leader-config-transactions.ts`) and the layout both sides are reduced to.
 */
import { join } from 'node:path';
import type { LogClient } from '@sluice/runtime';

export const LEADER_TXN_GOLDEN = join(import.meta.dirname, 'leader-config-transactions.golden.json');

export interface LeaderTxnGolden {
  recordedWith: string;
  recordedAt: string;
  /** The transactional id the broker describes, the group replaced by `<group>`. */
  transactionalId: string;
  transactionState: string;
  /** The config topic's data records in order: `<key kind> +marker` when a transaction marker follows. */
  layout: string[];
  afterZombie: { status: number; body: unknown };
  retried: { status: number };
}

/** A config-topic key without its connector name: `connector-first` → `connector-<c>`. */
function kind(key: string): string {
  if (key === 'session-key') return key;
  const m = /^(connector|target-state|task|commit|tasks-fencing|restart-connector|logger-cluster)-/.exec(key);
  if (m === null) return key;
  return m[1] === 'task' ? 'task-<c>-<n>' : `${m[1]}-<c>`;
}

/**
 * Every data record of the config topic (read_uncommitted, partition 0) as its key kind, with
 * ` +marker` when the next offset is not the next record's (a transaction marker took it).
 */
export async function configTopicLayout(client: LogClient, topic: string): Promise<string[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  const records: { offset: number; key: string }[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], { maxWaitMs: 100 });
    for (const r of p!.records) records.push({ offset: r.offset, key: r.key!.toString() });
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return records.map((r, i) => {
    const next = records[i + 1]?.offset ?? end!.offset;
    return `${kind(r.key)}${next > r.offset + 1 ? ' +marker' : ''}`;
  });
}
