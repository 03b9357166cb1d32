/**
 * DistributedHerder against a real broker: two workers in one process, each with its own REST
 * server (followers forward writes to the leader's URL over HTTP), sharing a group and three
 * internal topics.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import { signatureHeaders } from '../../src/distributed/request-signing.ts';
import {
  distributedTestProps,
  http,
  leaderAndFollower,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';

/** A parsed JSON answer of the REST API, read field by field in assertions. */

let bootstrapServers: string;
let dir: string;

before(async () => {
  ({ bootstrapServers } = await useKafka());
  dir = await mkdtemp(join(tmpdir(), 'sluice-dh-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const workerProps = (group: string) =>
  distributedTestProps(bootstrapServers, group, {
    'offset.storage.partitions': '3',
    'offset.flush.interval.ms': '200',
  });
const startWorker = (group: string) => startDistributedTestWorker(workerProps(group));
const stopWorker = stopDistributedTestWorker;

const CONFLICT = 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)';

/** The connector's status once it and `tasks` tasks are all in `state`. */
function statusIs(url: string, name: string, state: string, tasks: number) {
  return eventually(`${name} ${state} with ${tasks} tasks`, async () => {
    const r = await http(url, 'GET', `/connectors/${name}/status`);
    if (r.status !== 200) return undefined;
    const s = r.body;
    if (s.connector.state !== state || s.tasks.length !== tasks) return undefined;
    return s.tasks.every((t: { state: string }) => t.state === state) ? s : undefined;
  });
}

describe('DistributedHerder', { timeout: 180_000 }, () => {
  test('two workers: forwarding, spread of tasks, pause/resume/stop/delete, pipeline', async () => {
    const group = uniqueName('dh');
    const a = await startWorker(group);
    const b = await startWorker(group);
    try {
      const [leader, follower] = await leaderAndFollower(a, b);
      assert.equal(leader.herder.isLeader, true);
      assert.equal(follower.herder.isLeader, false);

      // A create sent to the follower is forwarded to the leader (201, config echoed).
      const input = join(dir, 'in.txt');
      const output = join(dir, 'out.txt');
      await writeFile(input, `${Array.from({ length: 200 }, (_, i) => `line-${i}`).join('\n')}\n`);
      const topic = uniqueName('dh_topic');
      const created = await http(follower.url, 'POST', '/connectors', {
        name: 'src',
        config: {
          'connector.class': 'FileStreamSource',
          file: input,
          topic,
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.name, 'src');
      assert.deepEqual(created.body.tasks, []);
      const again = await http(follower.url, 'POST', '/connectors', {
        name: 'src',
        config: { 'connector.class': 'FileStreamSource', file: input, topic },
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.message, 'Connector src already exists');

      const sink = await http(follower.url, 'PUT', '/connectors/sink/config', {
        'connector.class': 'FileStreamSink',
        file: output,
        topics: topic,
        'tasks.max': '4',
      });
      assert.equal(sink.status, 201, JSON.stringify(sink.body));

      await statusIs(a.url, 'src', 'RUNNING', 1);
      const sinkStatus = await statusIs(b.url, 'sink', 'RUNNING', 4);
      // The four sink tasks (plus two connectors and the source task) are spread over both workers.
      const owners = new Set(sinkStatus.tasks.map((t: { worker_id: string }) => t.worker_id));
      assert.equal(owners.size, 2, JSON.stringify(sinkStatus));
      assert.deepEqual(new Set(owners), new Set([a.herder.workerId, b.herder.workerId]));

      // Every line goes file → topic → file.
      await eventually('all lines in the sink file', async () => {
        const text = await readFile(output, 'utf8').catch(() => '');
        const lines = new Set(text.split('\n').filter((l) => l !== ''));
        return lines.size === 200 ? true : undefined;
      });

      // Reads on either worker: info with the committed tasks, task configs.
      const info = await http(follower.url, 'GET', '/connectors/sink');
      assert.equal(info.status, 200);
      assert.equal(info.body.tasks.length, 4);
      assert.equal(info.body.type, 'sink');
      const tasks = await http(leader.url, 'GET', '/connectors/sink/tasks');
      assert.equal(tasks.body.length, 4);
      assert.match(tasks.body[0].config['task.class'], /FileStreamSinkTask$/);

      // Pause and resume (any worker writes the target state).
      assert.equal((await http(follower.url, 'PUT', '/connectors/sink/pause')).status, 202);
      await statusIs(leader.url, 'sink', 'PAUSED', 4);
      assert.equal((await http(follower.url, 'PUT', '/connectors/sink/resume')).status, 202);
      await statusIs(leader.url, 'sink', 'RUNNING', 4);

      // Reconfiguration: fewer tasks after a config update.
      const updated = await http(follower.url, 'PUT', '/connectors/sink/config', {
        'connector.class': 'FileStreamSink',
        file: output,
        topics: topic,
        'tasks.max': '2',
      });
      assert.equal(updated.status, 200);
      await statusIs(follower.url, 'sink', 'RUNNING', 2);

      // Stop: no tasks, connector STOPPED; offsets can then be read and reset.
      assert.equal((await http(follower.url, 'PUT', '/connectors/src/stop')).status, 204);
      await statusIs(follower.url, 'src', 'STOPPED', 0);
      const offsets = await http(follower.url, 'GET', '/connectors/src/offsets');
      assert.equal(offsets.status, 200);
      assert.equal(offsets.body.offsets.length, 1);
      assert.deepEqual(offsets.body.offsets[0].partition, { filename: input });
      assert.equal(offsets.body.offsets[0].offset.position, (await readFile(input)).length);
      const reset = await http(follower.url, 'DELETE', '/connectors/src/offsets');
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal((await http(leader.url, 'GET', '/connectors/src/offsets')).body.offsets.length, 0);
      // Offsets of a running connector cannot be changed.
      const refused = await http(follower.url, 'DELETE', '/connectors/sink/offsets');
      assert.equal(refused.status, 400);
      assert.match(refused.body.message, /must be in the STOPPED state/);

      // Delete through the follower: gone everywhere, statuses tombstoned.
      assert.equal((await http(follower.url, 'DELETE', '/connectors/src')).status, 204);
      await eventually('src gone', async () =>
        (await http(a.url, 'GET', '/connectors/src')).status === 404 &&
        (await http(b.url, 'GET', '/connectors/src/status')).status === 404
          ? true
          : undefined,
      );
      assert.deepEqual((await http(b.url, 'GET', '/connectors')).body, ['sink']);
      assert.equal((await http(b.url, 'DELETE', '/connectors/nope')).status, 404);
    } finally {
      await stopWorker(a);
      await stopWorker(b);
    }
  });

  test("forwarding stops after two hops: forward=false that cannot be served here is Kafka's 409", async () => {
    const group = uniqueName('dh_hops');
    const a = await startWorker(group);
    const b = await startWorker(group);
    try {
      const [leader, follower] = await leaderAndFollower(a, b);
      const sinkConfig = (name: string) => ({
        name,
        config: {
          'connector.class': 'FileStreamSink',
          file: join(dir, `${group}-${name}.txt`),
          topics: uniqueName('dh_hops_topic'),
        },
      });

      // forward=false reaches a follower: it may not forward again, so 409 and nothing written.
      const refused = await http(follower.url, 'POST', '/connectors?forward=false', sinkConfig('refused'));
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.deepEqual(refused.body, { error_code: 409, message: CONFLICT });
      for (const [method, path] of [
        ['PUT', '/connectors/refused/config?forward=false'],
        ['DELETE', '/connectors/refused?forward=false'],
        ['PUT', '/connectors/refused/stop?forward=false'],
        ['DELETE', '/connectors/refused/offsets?forward=false'],
        ['POST', '/connectors/refused/tasks?forward=false'],
      ] as const) {
        const body =
          method === 'PUT' && path.endsWith('config?forward=false')
            ? sinkConfig('refused').config
            : path.includes('/tasks')
              ? []
              : undefined;
        // The internal endpoint checks its signature first (KIP-507): sign it as a worker would.
        const key = await eventually('a session key', async () => follower.herder.sessionKey ?? undefined);
        const signature = path.includes('/tasks')
          ? signatureHeaders(key.key, 'HmacSHA256', Buffer.from(JSON.stringify(body)))
          : {};
        const r = await http(follower.url, method, path, body, signature);
        assert.equal(r.status, 409, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.message, CONFLICT, `${method} ${path}`);
      }
      assert.equal((await http(leader.url, 'GET', '/connectors/refused')).status, 404);
      // ... and nothing reached the leader but the read above.
      assert.deepEqual(
        leader.access.filter((l) => !l.startsWith('GET ')),
        [],
      );

      // forward=true reaches a follower: one more hop, to the leader, with forward=false.
      const once = await http(follower.url, 'POST', '/connectors?forward=true', sinkConfig('once'));
      assert.equal(once.status, 201, JSON.stringify(once.body));
      assert.ok(leader.access.includes('POST /connectors?forward=false 201'), leader.access.join('\n'));
      // A user's request (no forward) goes to the leader with forward=true.
      const user = await http(follower.url, 'POST', '/connectors', sinkConfig('user'));
      assert.equal(user.status, 201, JSON.stringify(user.body));
      assert.ok(leader.access.includes('POST /connectors?forward=true 201'), leader.access.join('\n'));
      // The leader serves forward=false itself.
      const direct = await http(leader.url, 'POST', '/connectors?forward=false', sinkConfig('direct'));
      assert.equal(direct.status, 201, JSON.stringify(direct.body));
      assert.deepEqual((await http(follower.url, 'GET', '/connectors')).body, ['direct', 'once', 'user']);

      // PATCH on a follower travels as a PATCH: the leader merges into the config it has.
      const patched = await http(follower.url, 'PATCH', '/connectors/user/config', {
        'errors.log.enable': 'true',
        file: null,
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.ok(
        leader.access.includes('PATCH /connectors/user/config?forward=true 200'),
        leader.access.join('\n'),
      );
      assert.equal(patched.body.config['errors.log.enable'], 'true');
      assert.equal(patched.body.config.file, undefined, 'a null in the patch removes the key');
      assert.equal(patched.body.config.topics, user.body.config.topics, 'the other keys are kept');
      const unknown = await http(follower.url, 'PATCH', '/connectors/nobody/config', { file: 'x' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
      assert.equal(unknown.body.message, 'Connector nobody not found');
      const refusedPatch = await http(follower.url, 'PATCH', '/connectors/user/config?forward=false', {
        a: 'b',
      });
      assert.equal(refusedPatch.status, 409, JSON.stringify(refusedPatch.body));
      await eventually('the follower reads the patched config', async () => {
        const r = await http(follower.url, 'GET', '/connectors/user/config');
        return r.body['errors.log.enable'] === 'true' && r.body.file === undefined ? true : undefined;
      });

      // Owner-routed writes follow the same limit: a plain restart sent with forward=false to the
      // worker that does not run the connector is a 409; forward=true goes on to the owner.
      const status = await statusIs(leader.url, 'once', 'RUNNING', 1);
      const other = status.connector.worker_id === a.herder.workerId ? b : a;
      const owner = other === a ? b : a;
      const stuck = await http(other.url, 'POST', '/connectors/once/restart?forward=false');
      assert.equal(stuck.status, 409, JSON.stringify(stuck.body));
      assert.equal(stuck.body.message, CONFLICT);
      const taskOwner = status.tasks[0].worker_id === a.herder.workerId ? a : b;
      const taskOther = taskOwner === a ? b : a;
      const taskStuck = await http(taskOther.url, 'POST', '/connectors/once/tasks/0/restart?forward=false');
      assert.equal(taskStuck.status, 409, JSON.stringify(taskStuck.body));
      const restarted = await http(other.url, 'POST', '/connectors/once/restart?forward=true');
      assert.equal(restarted.status, 204, JSON.stringify(restarted.body));
      assert.ok(
        owner.access.includes('POST /connectors/once/restart?forward=false 204'),
        owner.access.join('\n'),
      );
    } finally {
      await stopWorker(a);
      await stopWorker(b);
    }
  });

  test('a worker that leaves gracefully hands its work over at once; the survivor leads', async () => {
    const group = uniqueName('dh_leave');
    const a = await startWorker(group);
    const b = await startWorker(group);
    let bStopped = false;
    try {
      const output = join(dir, `${group}.txt`);
      const created = await http(a.url, 'POST', '/connectors', {
        name: 'sink',
        config: {
          'connector.class': 'FileStreamSink',
          file: output,
          topics: uniqueName('dh_leave_topic'),
          'tasks.max': '4',
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const before = await statusIs(a.url, 'sink', 'RUNNING', 4);
      assert.equal(new Set(before.tasks.map((t: { worker_id: string }) => t.worker_id)).size, 2);
      await stopWorker(b);
      bStopped = true;
      const afterLeave = await eventually('every task on the survivor', async () => {
        const s = await statusIs(a.url, 'sink', 'RUNNING', 4);
        const owners = new Set([
          s.connector.worker_id,
          ...s.tasks.map((t: { worker_id: string }) => t.worker_id),
        ]);
        return owners.size === 1 && owners.has(a.herder.workerId) ? s : undefined;
      });
      assert.equal(afterLeave.connector.worker_id, a.herder.workerId);
      assert.equal(a.herder.isLeader, true);
      // The survivor, now leader, serves writes.
      const restarted = await http(a.url, 'POST', '/connectors/sink/restart?includeTasks=true');
      assert.equal(restarted.status, 202);
      assert.equal(restarted.body.connector.state, 'RESTARTING');
      assert.equal(restarted.body.tasks.length, 4);
      await statusIs(a.url, 'sink', 'RUNNING', 4);
    } finally {
      await stopWorker(a);
      if (!bStopped) await stopWorker(b);
    }
  });
});
