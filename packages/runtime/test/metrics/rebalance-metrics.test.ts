/**
 * `connect-worker-rebalance-metrics` of a distributed worker on the test broker: after joining,
 * one completed rebalance at the group's generation, with the leader's URL and the protocol; and
 * `connect-coordinator-metrics`' assignment counts (nothing assigned).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueName, useKafka } from '@sluice/testing';
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
