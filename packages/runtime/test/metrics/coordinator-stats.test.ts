/**
 * The group member's `connect-coordinator-metrics` stats on a given clock: what a member shows
 * before its first join and heartbeat (Kafka's NaN for windowed avg/max, 0 totals, -1 for the
 * `-seconds-ago` gauges), a rebalance whose latency spans its failed attempts, the 30 s windows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoordinatorStats } from '../../src/metrics/coordinator-stats.ts';

test('before any join or heartbeat: NaN averages and maxima, zero totals and rates, -1 seconds ago', () => {
  const s = new CoordinatorStats(1000).snapshot(5000);
  for (const k of [
    'joinTimeAvg',
    'joinTimeMax',
    'syncTimeAvg',
    'syncTimeMax',
    'heartbeatResponseTimeMax',
    'rebalanceLatencyAvg',
    'rebalanceLatencyMax',
  ] as const)
    assert.ok(Number.isNaN(s[k]), `${k} = ${s[k]}`);
  for (const k of [
    'joinTotal',
    'syncTotal',
    'heartbeatTotal',
    'rebalanceTotal',
    'failedRebalanceTotal',
    'rebalanceLatencyTotal',
    'joinRate',
    'syncRate',
    'heartbeatRate',
    'rebalanceRatePerHour',
    'failedRebalanceRatePerHour',
  ] as const)
    assert.equal(s[k], 0, k);
  assert.equal(s.lastHeartbeatSecondsAgo, -1);
  assert.equal(s.lastRebalanceSecondsAgo, -1);
});

test('a rebalance with a failed JoinGroup first: its latency spans both attempts', () => {
  const stats = new CoordinatorStats(0);
  stats.rebalanceStarted(1000);
  stats.rebalanceFailed(); // e.g. MEMBER_ID_REQUIRED
  stats.rebalanceStarted(1010); // the retry keeps the rebalance's start
  stats.joined(300, 1310);
  stats.synced(20, 1330);
  stats.rebalanceSucceeded(1330);
  let s = stats.snapshot(3400);
  assert.equal(s.joinTotal, 1);
  assert.equal(s.joinTimeAvg, 300);
  assert.equal(s.joinTimeMax, 300);
  assert.equal(s.syncTotal, 1);
  assert.equal(s.syncTimeMax, 20);
  assert.equal(s.failedRebalanceTotal, 1);
  assert.equal(s.rebalanceTotal, 1);
  assert.equal(s.rebalanceLatencyMax, 330);
  assert.equal(s.rebalanceLatencyTotal, 330);
  assert.equal(s.lastRebalanceSecondsAgo, 2); // whole seconds, as Kafka
  assert.ok(s.rebalanceRatePerHour > 0);

  // The next rebalance starts afresh.
  stats.rebalanceStarted(10_000);
  stats.joined(100, 10_100);
  stats.synced(10, 10_110);
  stats.rebalanceSucceeded(10_110);
  s = stats.snapshot(10_110);
  assert.equal(s.rebalanceTotal, 2);
  assert.equal(s.rebalanceLatencyMax, 330);
  assert.equal(s.rebalanceLatencyAvg, (330 + 110) / 2);
  assert.equal(s.rebalanceLatencyTotal, 440);
  assert.equal(s.joinTimeAvg, 200);
  assert.equal(s.lastRebalanceSecondsAgo, 0);
});

test('heartbeats: total, response time max over the window, seconds since the last one sent', () => {
  const stats = new CoordinatorStats(0);
  for (let t = 1000; t <= 10_000; t += 3000) {
    stats.heartbeatSent(t);
    stats.heartbeatAnswered(t === 4000 ? 40 : 5, t + 5);
  }
  let s = stats.snapshot(12_500);
  assert.equal(s.heartbeatTotal, 4);
  assert.equal(s.heartbeatResponseTimeMax, 40);
  assert.equal(s.lastHeartbeatSecondsAgo, 2);
  assert.ok(s.heartbeatRate > 0);
  // Two windows later the maxima are forgotten (NaN, as Kafka); totals stay.
  s = stats.snapshot(100_000);
  assert.ok(Number.isNaN(s.heartbeatResponseTimeMax));
  assert.equal(s.heartbeatTotal, 4);
  assert.equal(s.lastHeartbeatSecondsAgo, 90);
});
