/**
 * `connect-worker-rebalance-metrics` of a distributed worker on the test broker: after joining,
 * one completed rebalance at the group's generation, with the leader's URL and the protocol; and
 * `connect-coordinator-metrics`' assignment counts (nothing assigned), and the group member's join, sync,
 * heartbeat and rebalance stats advancing over its first join, its heartbeats and a second worker's join.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import {
  distributedTestProps,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';

test('a distributed worker reports its rebalances', async () => {
  const { bootstrapServers } = await useKafka();
  const w = await startDistributedTestWorker(
    distributedTestProps(bootstrapServers, uniqueName('metrics-group')),
  );
  try {
    const text = w.herder.metrics.connectText();
    const value = (name: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      assert.ok(line !== undefined, `${name} missing:\n${text}`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    assert.ok(value('kafka_connect_worker_rebalance_completed_rebalances_total') >= 1);
    assert.equal(value('kafka_connect_worker_rebalance_epoch'), w.herder.generation);
    assert.equal(value('kafka_connect_worker_rebalance_rebalancing'), 0);
    assert.ok(value('kafka_connect_worker_rebalance_time_since_last_rebalance_ms') >= 0);
    assert.ok(value('kafka_connect_worker_rebalance_rebalance_max_time_ms') >= 0);
    assert.ok(
      text.includes(`kafka_connect_worker_rebalance_leader_name{leader_name="${w.herder.leaderUrl}"} 1\n`),
      text,
    );
    assert.ok(
      text.includes('kafka_connect_worker_rebalance_connect_protocol{connect_protocol="SESSIONED"} 1\n'),
    );
    // connect-coordinator-metrics of the group member (client id `connect-<worker id>`, as Kafka's).
    const clientId = `clientid="connect-${w.herder.workerId}"`;
    assert.ok(text.includes(`kafka_connect_coordinator_assigned_connectors{${clientId}} 0\n`), text);
    assert.ok(text.includes(`kafka_connect_coordinator_assigned_tasks{${clientId}} 0\n`), text);
  } finally {
    await stopDistributedTestWorker(w);
  }
});

test("connect-coordinator-metrics: the group member's joins, syncs, heartbeats and rebalances", async () => {
  const { bootstrapServers } = await useKafka();
  const props = distributedTestProps(bootstrapServers, uniqueName('coordinator-metrics-group'));
  const a = await startDistributedTestWorker(props);
  let b: Awaited<ReturnType<typeof startDistributedTestWorker>> | undefined;
  try {
    const clientId = `connect-${a.herder.workerId}`;
    /** A `kafka_connect_coordinator_*` sample of worker a's `GET /metrics`. */
    const sample = (attr: string): number => {
      const text = a.herder.metrics.connectText();
      const prefix = `kafka_connect_coordinator_${attr}{clientid="${clientId}"} `;
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      assert.ok(line !== undefined, `${prefix} missing:\n${text}`);
      return Number(line.slice(prefix.length));
    };
    const stats = () => a.herder.metrics.coordinator!().stats;

    // Joined once, as a lone Kafka Connect 4.1.1 worker shows after its first join (measured over
    // JMX): join-total, sync-total and rebalance-total 1, failed-rebalance-total 1 (a new member's
    // first JoinGroup is answered MEMBER_ID_REQUIRED), and so they stay while it only heartbeats.
    const first = stats();
    const once = { joinTotal: 1, syncTotal: 1, rebalanceTotal: 1, failedRebalanceTotal: 1 };
    const counts = (s: typeof first) => ({
      joinTotal: s.joinTotal,
      syncTotal: s.syncTotal,
      rebalanceTotal: s.rebalanceTotal,
      failedRebalanceTotal: s.failedRebalanceTotal,
    });
    assert.deepEqual(counts(first), once);
    assert.ok(first.joinTimeMax > 0, `join-time-max ${first.joinTimeMax}`);
    assert.ok(first.rebalanceLatencyMax >= first.joinTimeMax, JSON.stringify(first));
    assert.equal(sample('join_total'), first.joinTotal);
    assert.equal(sample('sync_total'), first.syncTotal);
    assert.equal(sample('rebalance_total'), first.rebalanceTotal);
    assert.ok(sample('join_time_avg') > 0);
    assert.ok(sample('sync_time_avg') >= 0);
    assert.ok(sample('rebalance_latency_total') >= first.joinTimeMax);
    assert.ok(sample('last_rebalance_seconds_ago') >= 0);

    // Heartbeats every heartbeat.interval.ms (1 s here).
    await waitFor(
      'three heartbeats answered',
      async () => stats().heartbeatTotal >= first.heartbeatTotal + 3,
    );
    const beating = stats();
    assert.deepEqual(counts(beating), once);
    assert.ok(beating.heartbeatResponseTimeMax > 0, JSON.stringify(beating));
    assert.ok(beating.heartbeatRate > 0, JSON.stringify(beating));
    assert.ok(sample('heartbeat_total') >= first.heartbeatTotal + 3);
    const ago = sample('last_heartbeat_seconds_ago');
    assert.ok(ago >= 0 && ago <= 2, `last-heartbeat-seconds-ago ${ago}`);

    // A second worker joins: worker a rejoins (its heartbeat learns of the rebalance) and syncs again.
    b = await startDistributedTestWorker(props);
    await waitFor('worker a rebalanced with b', async () => {
      const s = stats();
      return s.rebalanceTotal > beating.rebalanceTotal && s.syncTotal > beating.syncTotal;
    });
    const after = stats();
    assert.ok(after.joinTotal > beating.joinTotal, JSON.stringify(after));
    assert.ok(after.joinTimeMax > 0);
    assert.ok(sample('join_total') > first.joinTotal);
    assert.ok(sample('sync_total') > first.syncTotal);
    assert.ok(sample('rebalance_total') > first.rebalanceTotal);
  } finally {
    if (b !== undefined) await stopDistributedTestWorker(b);
    await stopDistributedTestWorker(a);
  }
});
