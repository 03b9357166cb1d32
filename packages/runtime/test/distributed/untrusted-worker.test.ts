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
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
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
const BIN = fileURLToPath(new URL('../../../cli/bin/sluice.mjs', import.meta.url));

interface Worker {
  herder: DistributedHerder;
  rest: RestServer;
  url: string;
  /** The REST server's log lines (access log and errors), as JSON text. */
  log: string[];
}

let bootstrapServers: string;
let certs: TestCerts;
let dir: string;
before(async () => {
  ({ bootstrapServers } = await useKafka());
  certs = makeCerts();
  dir = await mkdtemp(join(tmpdir(), 'sluice-untrusted-worker-'));
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

/** The cluster's REST settings; `trusted: false` leaves the trust store out. */
function tlsProps(trusted: boolean): Record<string, string> {
  return {
    listeners: 'https://127.0.0.1:0',
    'listeners.https.ssl.keystore.type': 'PEM',
    'listeners.https.ssl.keystore.location': certs.serverPem,
    ...(trusted
      ? {
          'listeners.https.ssl.truststore.type': 'PEM',
          'listeners.https.ssl.truststore.location': certs.caPem,
        }
      : {}),
    'listeners.https.ssl.client.auth': 'required',
    'rest.auth.tokens.file': join(dir, 'tokens.json'),
  };
}

async function startWorker(group: string): Promise<Worker> {
  const herder = await DistributedHerder.create(
    distributedTestProps(bootstrapServers, group, tlsProps(true)),
    {
      logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }),
      plugins: builtinPlugins(),
    },
  );
  const log: string[] = [];
  const restLogger = pino({ level: 'info' }, { write: (line: string) => log.push(line) });
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(restLogger),
    ...restSecurityOptions(herder.config, {}),
  });
  const { urls } = await rest.start();
  herder.setBoundPort(Number(new URL(urls[0]!).port));
  await herder.start();
  return { herder, rest, url: urls[0]!, log };
}

interface Untrusted {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function startUntrusted(group: string): Promise<Untrusted> {
  const props = join(dir, `${group}-untrusted.properties`);
  const lines = Object.entries(distributedTestProps(bootstrapServers, group, tlsProps(false))).map(
    ([k, v]) => `${k}=${v.replaceAll('\\', '\\\\')}`,
  );
  await writeFile(props, `${lines.join('\n')}\n`);
  const child = spawn(process.execPath, [BIN, 'distributed', props], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c) => (text += String(c)));
  child.stderr!.on('data', (c) => (text += String(c)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => text, exited };
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

const auth = (): string[] => [
  '--cert',
  certs.clientCert,
  '--key',
  certs.clientKey,
  '-H',
  `Authorization: Bearer ${TOKEN}`,
];

interface Status {
  connector: { state: string; worker_id: string };
  tasks: { state: string; worker_id: string }[];
}

describe('a worker without the cluster’s TLS trust', { timeout: 300_000 }, () => {
  test('cannot forward nor be forwarded to, with clear log lines; the trusted workers keep working', async () => {
    const group = uniqueName('untrusted');
    const workers: Worker[] = [];
    let untrusted: Untrusted | undefined;
    try {
      for (let i = 0; i < 2; i++) workers.push(await startWorker(group));
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
              file: join(dir, `${name}.txt`),
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
            file: join(dir, `${name}.txt`),
          },
        }),
      );
      assert.equal(created.status, 201, created.body);
      assert.equal((await curl(`${a.url}/connectors/${name}`, ...auth(), '-X', 'DELETE')).status, 204);
    } finally {
      if (untrusted !== undefined) {
        untrusted.child.kill('SIGTERM');
        await untrusted.exited;
      }
      for (const w of workers.reverse()) {
        await w.rest.stop();
        await w.herder.stop();
      }
    }
  });
});
