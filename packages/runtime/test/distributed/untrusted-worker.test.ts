/**
 * A worker without the cluster's TLS trust cannot join the REST traffic. Two workers serve HTTPS
 * with mutual TLS and bearer tokens (the secure-cluster test's settings); a third, started as its
 * own `sluice distributed` process with the same settings but no trust store, joins the group over
 * Kafka. Then:
 * - its forwarding to the leader fails (it cannot verify the leader's certificate): the task
 *   configs of the connector it runs are never published, and its log says why, naming the key;
 * - forwarding to it fails (it cannot verify the others' client certificates): a restart sent to
 *   another worker for its connector is a 500 whose message and log line say why;
 * - a user cannot reach it either (curl's client certificate is refused);
 * - the two trusted workers keep working: their connectors' tasks run, a connector is created and
 *   deleted through them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, uniqueName, WorkerProcess } from '@sluice/testing';
import { distributedTestProps } from '../helpers/distributed-worker.ts';
import { useSecureCluster, type SecureWorker as Worker } from '../helpers/secure-cluster.ts';

const cluster = useSecureCluster('sluice-untrusted-worker');
const { curl, withCertAndToken: auth } = cluster;

/** A worker with the cluster's settings but no trust store, as its own `sluice distributed` process. */
async function startUntrusted(group: string): Promise<WorkerProcess> {
  const props = join(cluster.dir, `${group}-untrusted.properties`);
  const lines = Object.entries(
    distributedTestProps(cluster.bootstrapServers, group, cluster.tlsProps(false)),
  ).map(([k, v]) => `${k}=${v.replaceAll('\\', '\\\\')}`);
  await writeFile(props, `${lines.join('\n')}\n`);
  return new WorkerProcess(props);
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: { state: string; worker_id: string }[];
}

describe('a worker without the cluster’s TLS trust', { timeout: 300_000 }, () => {
  test('cannot forward nor be forwarded to, with clear log lines; the trusted workers keep working', async () => {
    const group = uniqueName('untrusted');
    const workers: Worker[] = [];
    let untrusted: WorkerProcess | undefined;
    try {
      for (let i = 0; i < 2; i++) workers.push(await cluster.startWorker(group));
      await eventually('the two trusted workers agree on an https leader', async () => {
        const leader = workers[0]!.herder.leaderUrl;
        return leader.startsWith('https://') && workers.every((w) => w.herder.leaderUrl === leader)
          ? true
          : undefined;
      });
      const [a, b] = workers as [Worker, Worker];
      untrusted = await startUntrusted(group);
      const u = untrusted;
      const untrustedId = await eventually(
        'the untrusted worker joined the group',
        async () => /distributed worker (\S+) started in group/.exec(u.output())?.[1],
        90_000,
      );
      const untrustedUrl = `https://${untrustedId}`;
      assert.ok(
        !untrustedUrl.startsWith(a.herder.leaderUrl.replace(/\/$/, '')),
        'the untrusted worker is not the leader',
      );

      // Connectors created through a trusted worker until one is assigned to the untrusted one.
      const names: string[] = [];
      const statusOf = async (name: string): Promise<Status | undefined> => {
        const r = await curl(`${a.url}/connectors/${name}/status`, ...auth());
        return r.status === 200 ? (JSON.parse(r.body) as Status) : undefined;
      };
      let onUntrusted: string | undefined;
      for (let i = 0; i < 6 && onUntrusted === undefined; i++) {
        const name = uniqueName('sink');
        const created = await curl(
          `${a.url}/connectors`,
          ...auth(),
          '-X',
          'POST',
          '-H',
          'content-type: application/json',
          '-d',
          JSON.stringify({
            name,
            config: {
              'connector.class': 'FileStreamSink',
              topics: uniqueName('topic'),
              file: join(cluster.dir, `${name}.txt`),
              'tasks.max': '1',
            },
          }),
        );
        assert.equal(created.status, 201, created.body);
        names.push(name);
        onUntrusted = await eventually(
          `the connectors are assigned (${names.length})`,
          async () => {
            const statuses = await Promise.all(names.map(statusOf));
            if (statuses.some((s) => s === undefined || s.connector.state !== 'RUNNING')) return undefined;
            return { name: names.find((_, j) => statuses[j]!.connector.worker_id === untrustedId) };
          },
          60_000,
        ).then((r) => r.name);
      }
      assert.ok(onUntrusted !== undefined, 'one connector was assigned to the untrusted worker');

      // Forwarding from it: its task configs never reach the leader, and its log says why.
      const fromLine = await eventually(
        'the untrusted worker logs the failed forwarding',
        async () =>
          u
            .output()
            .split('\n')
            .find((l) => l.includes(`Publishing the task configs of ${onUntrusted} failed`)),
        60_000,
      );
      assert.match(fromLine, /IO Error trying to forward REST request to https:\/\/127\.0\.0\.1:\d+/);
      assert.match(fromLine, /does not trust the other worker's certificate/);
      assert.match(fromLine, /ssl\.truststore\.location/);
      assert.deepEqual((await statusOf(onUntrusted))?.tasks, []);

      // The trusted workers' connectors run their tasks.
      const trusted = names.filter((n) => n !== onUntrusted);
      if (trusted.length > 0) {
        await eventually(
          'the tasks of the trusted workers’ connectors run',
          async () => {
            const statuses = await Promise.all(trusted.map(statusOf));
            return statuses.every((s) => s?.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING')
              ? true
              : undefined;
          },
          60_000,
        );
      }

      // Forwarding to it: a restart of its connector sent to a trusted worker fails, saying why.
      const restart = await curl(`${b.url}/connectors/${onUntrusted}/restart`, ...auth(), '-X', 'POST');
      assert.equal(restart.status, 500, restart.body);
      const message = (JSON.parse(restart.body) as { message: string }).message;
      assert.match(
        message,
        new RegExp(`IO Error trying to forward REST request to ${untrustedUrl.replaceAll('.', '\\.')}`),
      );
      assert.match(message, /refuses this worker's client certificate|refused this worker's TLS certificate/);
      assert.ok(
        [...a.log, ...b.log].some(
          (l) => l.includes('Uncaught exception in REST call') && l.includes('IO Error trying to forward'),
        ),
        'the trusted worker logs the failed forwarding',
      );

      // ...and the untrusted worker says, on its side, whom it refused and why.
      await eventually(
        'the untrusted worker logs the refused client certificate',
        async () =>
          /REST TLS: refused the client certificate of 127\.0\.0\.1:\d+: \w+/.test(u.output())
            ? true
            : undefined,
        10_000,
      );

      // A user cannot reach it: it cannot verify any client certificate.
      assert.notEqual((await curl(`${untrustedUrl}/connectors`, ...auth())).code, 0);

      // The trusted workers keep serving writes, forwarded between them.
      const name = uniqueName('after');
      const created = await curl(
        `${b.url}/connectors`,
        ...auth(),
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-d',
        JSON.stringify({
          name,
          config: {
            'connector.class': 'FileStreamSink',
            topics: uniqueName('t'),
            file: join(cluster.dir, `${name}.txt`),
          },
        }),
      );
      assert.equal(created.status, 201, created.body);
      assert.equal((await curl(`${a.url}/connectors/${name}`, ...auth(), '-X', 'DELETE')).status, 204);
    } finally {
      await untrusted?.stop();
      await cluster.stopWorkers(workers);
    }
  });
});
