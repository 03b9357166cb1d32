import { monotonicNow, ScrapeRate, WindowedStat } from './stats.ts';

/**
 * The group member's stats of `connect-coordinator-metrics` (Kafka's common group coordinator
 * metrics), every attribute Kafka Connect 4.1.1 registers there but the assignment counts.
 * Times in ms; `-avg`/`-max` over Kafka's default window (two 30 s samples, NaN when nothing was
 * recorded in it); `-rate` per second and `-rate-per-hour` per hour, from the totals at scrape time.
 */
export interface CoordinatorStatsSnapshot {
  joinTimeAvg: number;
  joinTimeMax: number;
  joinRate: number;
  joinTotal: number;
  syncTimeAvg: number;
  syncTimeMax: number;
  syncRate: number;
  syncTotal: number;
  heartbeatResponseTimeMax: number;
  heartbeatRate: number;
  heartbeatTotal: number;
  /** Whole seconds since the last heartbeat was sent; -1 before the first one (as Kafka). */
  lastHeartbeatSecondsAgo: number;
  rebalanceLatencyAvg: number;
  rebalanceLatencyMax: number;
  rebalanceLatencyTotal: number;
  rebalanceRatePerHour: number;
  rebalanceTotal: number;
  failedRebalanceRatePerHour: number;
  failedRebalanceTotal: number;
  /** Whole seconds since the last successful rebalance ended; -1 before the first one (as Kafka). */
  lastRebalanceSecondsAgo: number;
}

/**
 * Recorded by the distributed worker's group member, once per group request (never per record):
 *  - `joined` / `synced`: a JoinGroup / SyncGroup answered without error, with its round trip
 *    (a JoinGroup is held by the coordinator until the group has formed, so this is the time to
 *    rejoin the group);
 *  - `heartbeatSent` when a Heartbeat goes out, `heartbeatAnswered` when the coordinator answers it
 *    (with or without an error code; a lost connection is no answer);
 *  - a rebalance event starts with the member's first JoinGroup of it (`rebalanceStarted`) and ends
 *    with a successful SyncGroup (`rebalanceSucceeded`: its latency spans the failed attempts
 *    before) or one failed attempt each (`rebalanceFailed`: a JoinGroup or SyncGroup that failed).
 * The clock is monotonic milliseconds, as the task metrics'.
 */
export class CoordinatorStats {
  readonly #joinTime = new WindowedStat();
  readonly #syncTime = new WindowedStat();
  readonly #heartbeatTime = new WindowedStat();
  readonly #rebalanceLatency = new WindowedStat();
  readonly #joinRate: ScrapeRate;
  readonly #syncRate: ScrapeRate;
  readonly #heartbeatRate: ScrapeRate;
  readonly #rebalanceRate: ScrapeRate;
  readonly #failedRebalanceRate: ScrapeRate;
  #joins = 0;
  #syncs = 0;
  #heartbeats = 0;
  #rebalances = 0;
  #failedRebalances = 0;
  #rebalanceLatencyTotal = 0;
  #rebalanceStart: number | null = null;
  #lastRebalanceEnd: number | null = null;
  #lastHeartbeatSent: number | null = null;

  constructor(now: number = monotonicNow()) {
    this.#joinRate = new ScrapeRate(now);
    this.#syncRate = new ScrapeRate(now);
    this.#heartbeatRate = new ScrapeRate(now);
    this.#rebalanceRate = new ScrapeRate(now);
    this.#failedRebalanceRate = new ScrapeRate(now);
  }

  /** The member sends the first JoinGroup of a rebalance (later attempts keep its start). */
  rebalanceStarted(now: number = monotonicNow()): void {
    this.#rebalanceStart ??= now;
  }

  joined(latencyMs: number, now: number = monotonicNow()): void {
    this.#joins++;
    this.#joinTime.record(latencyMs, now);
  }

  synced(latencyMs: number, now: number = monotonicNow()): void {
    this.#syncs++;
    this.#syncTime.record(latencyMs, now);
  }

  /** The SyncGroup of the rebalance succeeded: the member has its assignment. */
  rebalanceSucceeded(now: number = monotonicNow()): void {
    const latency = this.#rebalanceStart === null ? 0 : now - this.#rebalanceStart;
    this.#rebalanceLatency.record(latency, now);
    this.#rebalanceLatencyTotal += latency;
    this.#rebalances++;
    this.#rebalanceStart = null;
    this.#lastRebalanceEnd = now;
  }

  /** A JoinGroup or SyncGroup of the rebalance failed; the member will try again. */
  rebalanceFailed(): void {
    this.#failedRebalances++;
  }

  heartbeatSent(now: number = monotonicNow()): void {
    this.#lastHeartbeatSent = now;
  }

  heartbeatAnswered(latencyMs: number, now: number = monotonicNow()): void {
    this.#heartbeats++;
    this.#heartbeatTime.record(latencyMs, now);
  }

  snapshot(now: number = monotonicNow()): CoordinatorStatsSnapshot {
    const secondsSince = (t: number | null): number => (t === null ? -1 : Math.floor((now - t) / 1000));
    return {
      joinTimeAvg: this.#joinTime.avg(now),
      joinTimeMax: this.#joinTime.max(now),
      joinRate: this.#joinRate.rate(this.#joins, now),
      joinTotal: this.#joins,
      syncTimeAvg: this.#syncTime.avg(now),
      syncTimeMax: this.#syncTime.max(now),
      syncRate: this.#syncRate.rate(this.#syncs, now),
      syncTotal: this.#syncs,
      heartbeatResponseTimeMax: this.#heartbeatTime.max(now),
      heartbeatRate: this.#heartbeatRate.rate(this.#heartbeats, now),
      heartbeatTotal: this.#heartbeats,
      lastHeartbeatSecondsAgo: secondsSince(this.#lastHeartbeatSent),
      rebalanceLatencyAvg: this.#rebalanceLatency.avg(now),
      rebalanceLatencyMax: this.#rebalanceLatency.max(now),
      rebalanceLatencyTotal: this.#rebalanceLatencyTotal,
      rebalanceRatePerHour: this.#rebalanceRate.rate(this.#rebalances, now) * 3600,
      rebalanceTotal: this.#rebalances,
      failedRebalanceRatePerHour: this.#failedRebalanceRate.rate(this.#failedRebalances, now) * 3600,
      failedRebalanceTotal: this.#failedRebalances,
      lastRebalanceSecondsAgo: secondsSince(this.#lastRebalanceEnd),
    };
  }
}
