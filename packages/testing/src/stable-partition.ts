/**
 * Waiting for a partition's open transactions to settle before a read_committed read.
 *
 * A transaction's commit (or abort) markers are written by the coordinator after EndTxn has
 * answered, so right after `commit()` the last stable offset can still stop short of the
 * transaction's records and a read_committed reader sees nothing of them yet. Tests that compare
 * what such a reader sees wait here first.
 */
import type { LogClient } from '@sluice/runtime';
import { eventually, type WaitTiming } from './wait-for.ts';

/**
 * Resolves once no transaction is open on `topic`/`partition`: its last stable offset has reached
 * its high watermark. Times out (as {@link eventually}) while a transaction stays open.
 */
export async function untilStable(
  client: LogClient,
  topic: string,
  partition = 0,
  timing: WaitTiming = {},
): Promise<void> {
  await eventually(
    `${topic}-${partition} stable to its end (no open transaction)`,
    async () => {
      const [p] = await client.fetch([{ topic, partition, offset: 0 }], {
        maxWaitMs: 50,
        maxPartitionBytes: 1,
        isolationLevel: 'read_committed',
      });
      return p !== undefined && p.lastStableOffset === p.highWatermark ? true : undefined;
    },
    timing,
  );
}
