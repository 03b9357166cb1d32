/**
 * Three distributed workers on a real broker, each serving HTTPS with mutual TLS and requiring a
 * bearer token: a write sent to a follower is forwarded to the leader over HTTPS (with the worker's
 * certificate and the user's token) and succeeds; task configs are written and tasks run; connector
 * and task restarts sent to the workers that do not run them reach the owner over HTTPS; a
 * request without a token, or without a client certificate, gets nowhere.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, uniqueName } from '@sluice/testing';
import {
  accessMessages,
  CLUSTER_TOKEN as TOKEN,
  useSecureCluster,
  type SecureWorker as Worker,
} from '../helpers/secure-cluster.ts';

const cluster = useSecureCluster('sluice-secure-cluster');
const { curl, withCert } = cluster;

describe('three workers, HTTPS + mutual TLS + bearer tokens', { timeout: 240_000 }, () => {
  test('a write sent to a follower is forwarded to the leader and succeeds; tasks run', async () => {
    const group = uniqueName('secure');
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < 3; i++) workers.push(await cluster.startWorker(group));
      await eventually('the three workers agree on an https leader', async () => {
        const leader = workers[0]!.herder.leaderUrl;
        return leader.startsWith('https://') && workers.every((w) => w.herder.leaderUrl === leader)
          ? true
          : undefined;
      });
      const follower = workers.find((w) => !w.herder.isLeader)!;
      const leader = workers.find((w) => w.herder.isLeader)!;
      const name = uniqueName('secure-sink');
      const config = {
        'connector.class': 'FileStreamSink',
        topics: uniqueName('secure-topic'),
        file: join(cluster.dir, `${name}.txt`),
        'tasks.max': '2',
      };
      const body = JSON.stringify({ name, config });
      const auth = ['-H', `Authorization: Bearer ${TOKEN}`];
      // Without a token: 401; without a client certificate: no TLS session at all.
      assert.equal((await curl(`${follower.url}/connectors`, ...withCert())).status, 401);
      assert.notEqual((await curl(`${follower.url}/connectors`, ...auth)).code, 0);

      const created = await curl(
        `${follower.url}/connectors`,
        ...withCert(),
        ...auth,
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-d',
        body,
      );
      assert.equal(created.status, 201, created.body);
      assert.ok(
        accessMessages(leader).some((l) => l.startsWith('POST /connectors?forward=true 201 by deployer')),
        `leader access log: ${accessMessages(leader).join(' | ')}`,
      );
      // Task configs written by the leader, visible and running from every worker.
      await eventually('two tasks running', async () => {
        const r = await curl(`${workers[2]!.url}/connectors/${name}/status`, ...withCert(), ...auth);
        if (r.status !== 200) return undefined;
        const status = JSON.parse(r.body) as { tasks: { state: string }[] };
        return status.tasks.length === 2 && status.tasks.every((t) => t.state === 'RUNNING')
          ? true
          : undefined;
      });
      // Restarts run where the work runs: sent to any other worker they reach the owner over
      // HTTPS, at the URL its JoinGroup metadata advertises (the leader's view; a follower sends
      // them via the leader), never at a plain-HTTP URL made from the worker id.
      const status = JSON.parse(
        (await curl(`${follower.url}/connectors/${name}/status`, ...withCert(), ...auth)).body,
      ) as { connector: { worker_id: string }; tasks: { id: number; worker_id: string }[] };
      const byId = (id: string): Worker => workers.find((w) => w.herder.workerId === id)!;
      const restarts = async (owner: Worker, path: string): Promise<number> => {
        for (const w of workers) {
          if (w === owner) continue;
          const r = await curl(`${w.url}${path}`, ...withCert(), ...auth, '-X', 'POST');
          assert.equal(
            r.status,
            204,
            `POST ${path} on ${w.herder.isLeader ? 'the leader' : 'a follower'}: ${r.body}`,
          );
        }
        return accessMessages(owner).filter(
          (l) => l.startsWith(`POST ${path}?forward=`) && l.includes(' 204 '),
        ).length;
      };
      const connectorOwner = byId(status.connector.worker_id);
      assert.equal(
        await restarts(connectorOwner, `/connectors/${name}/restart`),
        2,
        accessMessages(connectorOwner).join(' | '),
      );
      const task = status.tasks[0]!;
      const taskOwner = byId(task.worker_id);
      assert.equal(
        await restarts(taskOwner, `/connectors/${name}/tasks/${task.id}/restart`),
        2,
        accessMessages(taskOwner).join(' | '),
      );

      // A delete sent to a follower is forwarded too.
      const deleted = await curl(
        `${follower.url}/connectors/${name}`,
        ...withCert(),
        ...auth,
        '-X',
        'DELETE',
      );
      assert.equal(deleted.status, 204, deleted.body);
    } finally {
      await cluster.stopWorkers(workers);
    }
  });
});
