/**
 * Three distributed workers on a real broker, each serving HTTPS with mutual TLS and requiring a
 * bearer token: a write sent to a follower is forwarded to the leader over HTTPS (with the worker's
 * certificate and the user's token) and succeeds; task configs are written and tasks run; connector
 * and task restarts sent to the workers that do not run them reach the owner over HTTPS; a
 * request without a token, or without a client certificate, gets nowhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { builtinPlugins } from '@sluice/cli';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import { pino } from 'pino';
import { DistributedHerder } from '../../src/distributed/assemble.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { setRestClientTls } from '../../src/rest/tls.ts';
import { distributedTestProps } from '../helpers/distributed-worker.ts';
import { makeCerts, type TestCerts } from '../rest/tls-certs.ts';

const run = promisify(execFile);
const TOKEN = 'cluster-admin-token-0123456789';

interface Worker {
  herder: DistributedHerder;
  rest: RestServer;
  url: string;
  access: string[];
}

let bootstrapServers: string;
let certs: TestCerts;
let dir: string;
before(async () => {
  ({ bootstrapServers } = await useKafka());
  certs = makeCerts();
  dir = await mkdtemp(join(tmpdir(), 'sluice-secure-cluster-'));
  await writeFile(
    join(dir, 'tokens.json'),
    JSON.stringify([{ principal: 'deployer', role: 'admin', token: TOKEN }]),
  );
});
after(async () => {
  setRestClientTls(undefined);
  await rm(certs.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

async function startWorker(group: string): Promise<Worker> {
  const herder = await DistributedHerder.create(
    distributedTestProps(bootstrapServers, group, {
      listeners: 'https://127.0.0.1:0',
      'listeners.https.ssl.keystore.type': 'PEM',
      'listeners.https.ssl.keystore.location': certs.serverPem,
      'listeners.https.ssl.truststore.type': 'PEM',
      'listeners.https.ssl.truststore.location': certs.caPem,
      'listeners.https.ssl.client.auth': 'required',
      'rest.auth.tokens.file': join(dir, 'tokens.json'),
    }),
    { logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }), plugins: builtinPlugins() },
  );
  const access: string[] = [];
  const restLogger = pino(
    { level: 'info' },
    { write: (line: string) => access.push((JSON.parse(line) as { msg: string }).msg) },
  );
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(restLogger),
    ...restSecurityOptions(herder.config, {}),
  });
  const { urls } = await rest.start();
  herder.setBoundPort(Number(new URL(urls[0]!).port));
  await herder.start();
  return { herder, rest, url: urls[0]!, access };
}

async function curl(url: string, ...args: string[]): Promise<{ code: number; status: number; body: string }> {
  try {
    const { stdout } = await run('curl', [
      '-sS',
      '-m',
      '30',
      '-w',
      '\n%{http_code}',
      '--cacert',
      certs.caPem,
      ...args,
      url,
    ]);
    const i = stdout.lastIndexOf('\n');
    return { code: 0, status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
  } catch (err) {
    return { code: (err as { code: number }).code, status: 0, body: '' };
  }
}

const withCert = (): string[] => ['--cert', certs.clientCert, '--key', certs.clientKey];

describe('three workers, HTTPS + mutual TLS + bearer tokens', { timeout: 240_000 }, () => {
  test('a write sent to a follower is forwarded to the leader and succeeds; tasks run', async () => {
    const group = uniqueName('secure');
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < 3; i++) workers.push(await startWorker(group));
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
        file: join(dir, `${name}.txt`),
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
        leader.access.some((l) => l.startsWith('POST /connectors?forward=true 201 by deployer')),
        `leader access log: ${leader.access.join(' | ')}`,
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
        return owner.access.filter((l) => l.startsWith(`POST ${path}?forward=`) && l.includes(' 204 '))
          .length;
      };
      const connectorOwner = byId(status.connector.worker_id);
      assert.equal(
        await restarts(connectorOwner, `/connectors/${name}/restart`),
        2,
        connectorOwner.access.join(' | '),
      );
      const task = status.tasks[0]!;
      const taskOwner = byId(task.worker_id);
      assert.equal(
        await restarts(taskOwner, `/connectors/${name}/tasks/${task.id}/restart`),
        2,
        taskOwner.access.join(' | '),
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
      for (const w of workers.reverse()) {
        await w.rest.stop();
        await w.herder.stop();
      }
    }
  });
});
