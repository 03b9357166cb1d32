import type { RebalanceSnapshot } from './connect-metrics.ts';
import { WindowedStat } from './stats.ts';

/**
 * `connect-worker-rebalance-metrics` of a distributed worker: a rebalance starts when the group
 * member begins to join and completes when its assignment has been handled (Kafka's
 * `HerderMetrics.rebalanceStarted` / `rebalanceSucceeded`).
 */
export class RebalanceStats {
  #started: number | null = null;
  #completed = 0;
  #last = 0;
  #epoch = -1;
  readonly #time = new WindowedStat();

  started(now: number = Date.now()): void {
    this.#started ??= now;
  }

  succeeded(generation: number, now: number = Date.now()): void {
    if (this.#started !== null) this.#time.record(now - this.#started, now);
    this.#started = null;
    this.#completed++;
    this.#epoch = generation;
    this.#last = now;
  }

  snapshot(protocol: string, leaderName: string, now: number = Date.now()): RebalanceSnapshot {
    return {
      connectProtocol: protocol,
      leaderName,
      epoch: this.#epoch,
      completedRebalances: this.#completed,
      rebalancing: this.#started !== null,
      rebalanceMaxTimeMs: this.#time.max(now),
      rebalanceAvgTimeMs: this.#time.avg(now),
      // Kafka reports -1 before the first rebalance completed.
      timeSinceLastRebalanceMs: this.#completed === 0 ? -1 : now - this.#last,
    };
  }
}
