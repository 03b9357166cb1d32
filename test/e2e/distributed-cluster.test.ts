/**
 * Black-box tests of `sluice distributed`: three workers as separate processes on a real broker,
 * driven over REST. Work spreads over the workers; a pipeline keeps every line while workers are
 * killed with `kill -9` and restarted; killing the leader leaves a cluster whose survivors elect
 * a new leader and keep serving REST writes. Each test uses its own group and internal topics.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniqueName, useKafka } from '@sluice/testing';

/** A parsed JSON answer of the REST API, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: REST answers are checked by assertions, not by types
type Json = any;

const BIN = fileURLToPath(new URL('../../packages/cli/bin/sluice.mjs', import.meta.url));
let bootstrapServers: string;
const dirs: string[] = [];
const children = new Set<ChildProcess>();

before(async () => {
  ({ bootstrapServers } = await useKafka());
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-e2e-dist-'));
  dirs.push(d);
  return d;
}

/** A worker properties file for a new cluster (group and internal topics unique to it). */
async function clusterProps(dir: string): Promise<string> {
  const group = uniqueName('e2e_cluster');
  const file = join(dir, 'worker.properties');
  await writeFile(
    file,
    [
      `bootstrap.servers=${bootstrapServers}`,
      `group.id=${group}`,
      `config.storage.topic=${group}-configs`,
      `offset.storage.topic=${group}-offsets`,
      `status.storage.topic=${group}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'offset.storage.partitions=5',
      'status.storage.partitions=3',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      'offset.flush.interval.ms=500',
      'session.timeout.ms=6000',
      'heartbeat.interval.ms=1000',
      'scheduled.rebalance.max.delay.ms=3000',
      'task.shutdown.graceful.timeout.ms=2000',
      'listeners=http://127.0.0.1:0',
    ].join('\n'),
  );
  return file;
}

class WorkerProcess {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  #text = '';

  constructor(props: string) {
    this.child = spawn(process.execPath, [BIN, 'distributed', props], {
      env: { ...process.env, SLUICE_NODE: process.execPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(this.child);
    this.child.once('exit', () => children.delete(this.child));
    let resolveUrl: (u: string) => void;
    this.url = new Promise<string>((resolve, reject) => {
      resolveUrl = resolve;
      this.child.once('exit', (code) =>
        reject(new Error(`worker exited (${code}) before it joined:\n${this.#text.slice(-4000)}`)),
      );
    });
    this.url.catch(() => {});
    const onData = (chunk: Buffer) => {
      this.#text += chunk.toString();
      const m = /started in group \S+; REST API at (http:\/\/[^\s,;"]+)/.exec(this.#text);
      if (m) resolveUrl(m[1]!);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  output(): string {
    return this.#text;
  }

  /** The leader URL of the latest rebalance this worker finished. */
  lastLeaderUrl(): string | undefined {
    const all = [...this.#text.matchAll(/Finished rebalance: generation \d+, leader (\S+?)[, ]/g)];
    return all.at(-1)?.[1];
  }

  kill9(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await once(this.child, 'exit');
  }
}

async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}

/** Sends a write until it is accepted (409 is Kafka's answer while a rebalance is in progress). */
async function write(
  url: string,
  method: string,
  path: string,
  body: unknown,
  expected: number,
): Promise<Json> {
  return eventually(`${method} ${path} answered ${expected}`, async () => {
    const r = await http(url, method, path, body);
    // 409 while a rebalance is in progress; 500 while the leader this worker knows is gone.
    if (r.status === 409 && expected !== 409) return undefined;
    if (r.status === 500 && String(r.body?.message).startsWith('IO Error trying to forward'))
      return undefined;
    assert.equal(r.status, expected, JSON.stringify(r.body));
    return r.body ?? true;
  });
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string; worker_id: string }>;
}

async function allRunning(url: string, names: string[], tasks: number): Promise<Map<string, Status>> {
  return eventually(`${names.length} connectors RUNNING with ${tasks} tasks each`, async () => {
    const out = new Map<string, Status>();
    for (const name of names) {
      const r = await http(url, 'GET', `/connectors/${name}/status`);
      if (r.status !== 200) return undefined;
      const s = r.body as Status;
      if (s.connector.state !== 'RUNNING' || s.tasks.length !== tasks) return undefined;
      if (!s.tasks.every((t) => t.state === 'RUNNING')) return undefined;
      out.set(name, s);
    }
    return out;
  });
}

function hostPort(url: string): string {
  return new URL(url).host;
}

describe('sluice distributed: command line', () => {
  test('a missing file and a missing required key are errors naming the file and key, exit 1', async () => {
    const dir = await tempDir();
    const missing = new WorkerProcess(join(dir, 'nope.properties'));
    const [code] = await once(missing.child, 'exit');
    assert.equal(code, 1);
    assert.match(missing.output(), /nope\.properties/);
    const props = join(dir, 'worker.properties');
    await writeFile(props, `bootstrap.servers=${bootstrapServers}\nkey.converter=x\nvalue.converter=y\n`);
    const bad = new WorkerProcess(props);
    const [badCode] = await once(bad.child, 'exit');
    assert.equal(badCode, 1);
    assert.match(bad.output(), /worker\.properties: .*Missing required configuration "group\.id"/);
  });
});

describe('sluice distributed: three workers', { timeout: 240_000 }, () => {
  test('six connectors spread over three workers; killing the leader leaves a working cluster', async () => {
    const dir = await tempDir();
    const props = await clusterProps(dir);
    const workers = [new WorkerProcess(props), new WorkerProcess(props), new WorkerProcess(props)];
    try {
      const urls = await Promise.all(workers.map((w) => w.url));
      const names = Array.from({ length: 6 }, (_, i) => `sink-${i}`);
      for (const [i, name] of names.entries()) {
        await write(
          urls[i % 3]!,
          'PUT',
          `/connectors/${name}/config`,
          {
            'connector.class': 'FileStreamSink',
            file: join(dir, `${name}.txt`),
            topics: uniqueName(`e2e_${i}`),
            'tasks.max': '3',
          },
          201,
        );
      }
      // 6 connectors and 18 tasks: two connectors and six tasks per worker once balanced.
      const balanced = await eventually('a balanced spread', async () => {
        const statuses = await allRunning(urls[0]!, names, 3);
        const connectors = new Map<string, number>();
        const tasks = new Map<string, number>();
        for (const s of statuses.values()) {
          connectors.set(s.connector.worker_id, (connectors.get(s.connector.worker_id) ?? 0) + 1);
          for (const t of s.tasks) tasks.set(t.worker_id, (tasks.get(t.worker_id) ?? 0) + 1);
        }
        const ok =
          tasks.size === 3 &&
          [...tasks.values()].every((n) => n === 6) &&
          [...connectors.values()].every((n) => n === 2);
        return ok ? tasks : undefined;
      });
      assert.deepEqual(new Set(balanced.keys()), new Set(urls.map(hostPort)));

      // Kill the leader.
      const leaderUrl = await eventually('a leader', async () => {
        const seen = new Set(workers.map((w) => w.lastLeaderUrl()));
        const [only] = seen;
        return seen.size === 1 && only !== undefined ? only : undefined;
      }).catch((err) => {
        throw new Error(
          `${err.message}: ${workers.map((w) => w.lastLeaderUrl()).join(' ')}\n${workers[0]!.output().slice(-3000)}`,
        );
      });
      const leaderIndex = urls.findIndex((u) => hostPort(u) === hostPort(leaderUrl));
      assert.notEqual(leaderIndex, -1, `leader ${leaderUrl} is one of ${urls.join(', ')}`);
      workers[leaderIndex]!.kill9();
      const survivors = [0, 1, 2].filter((i) => i !== leaderIndex);
      const [s1, s2] = survivors.map((i) => urls[i]!) as [string, string];

      // REST writes keep working on the survivors (after the new leader is elected).
      await write(
        s1,
        'POST',
        '/connectors',
        {
          name: 'after-leader-died',
          config: {
            'connector.class': 'FileStreamSink',
            file: join(dir, 'after.txt'),
            topics: uniqueName('e2e_after'),
            'tasks.max': '2',
          },
        },
        201,
      );
      await write(s2, 'PUT', '/connectors/sink-0/pause', undefined, 202);
      await write(s2, 'DELETE', '/connectors/sink-5', undefined, 204);
      const newLeader = await eventually('a new leader among the survivors', async () => {
        const seen = new Set(survivors.map((i) => workers[i]!.lastLeaderUrl()));
        const [only] = seen;
        return seen.size === 1 && only !== undefined && hostPort(only) !== hostPort(leaderUrl)
          ? only
          : undefined;
      });
      assert.ok(
        survivors.some((i) => hostPort(urls[i]!) === hostPort(newLeader)),
        `new leader ${newLeader} is a survivor`,
      );
      // Every connector and task runs on the survivors.
      const remaining = ['sink-1', 'sink-2', 'sink-3', 'sink-4'];
      const after = await eventually('all work on the survivors', async () => {
        const statuses = await allRunning(s2, remaining, 3);
        const owners = new Set<string>();
        for (const s of statuses.values()) {
          owners.add(s.connector.worker_id);
          for (const t of s.tasks) owners.add(t.worker_id);
        }
        return owners.has(hostPort(urls[leaderIndex]!)) ? undefined : owners;
      });
      assert.deepEqual(after, new Set(survivors.map((i) => hostPort(urls[i]!))));
      await allRunning(s1, ['after-leader-died'], 2);
      const paused = await eventually('sink-0 PAUSED', async () => {
        const r = await http(s1, 'GET', '/connectors/sink-0/status');
        return r.body?.connector?.state === 'PAUSED' &&
          r.body.tasks.every((t: { state: string }) => t.state === 'PAUSED')
          ? r.body
          : undefined;
      });
      assert.equal(paused.tasks.length, 3);
      assert.equal((await http(s1, 'GET', '/connectors/sink-5')).status, 404);
      assert.deepEqual((await http(s2, 'GET', '/connectors')).body, [
        'after-leader-died',
        'sink-0',
        'sink-1',
        'sink-2',
        'sink-3',
        'sink-4',
      ]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  test('file → topic → file: every line arrives while workers are killed with kill -9 and restarted', async () => {
    const dir = await tempDir();
    const props = await clusterProps(dir);
    const workers = [new WorkerProcess(props), new WorkerProcess(props), new WorkerProcess(props)];
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    await writeFile(input, '');
    let next = 0;
    let appending = true;
    const appender = (async () => {
      while (appending) {
        const lines = Array.from({ length: 50 }, (_, i) => String(next + i));
        next += 50;
        await appendFile(input, `${lines.join('\n')}\n`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const urls = await Promise.all(workers.map((w) => w.url));
      const topic = uniqueName('e2e_numbers');
      await write(
        urls[0]!,
        'POST',
        '/connectors',
        { name: 'numbers-in', config: { 'connector.class': 'FileStreamSource', file: input, topic } },
        201,
      );
      await write(
        urls[1]!,
        'POST',
        '/connectors',
        { name: 'numbers-out', config: { 'connector.class': 'FileStreamSink', file: output, topics: topic } },
        201,
      );
      await allRunning(urls[2]!, ['numbers-in', 'numbers-out'], 1);

      for (let round = 0; round < 3; round++) {
        const victim = round % 3;
        workers[victim]!.kill9();
        await new Promise((r) => setTimeout(r, 1500));
        workers[victim] = new WorkerProcess(props);
        urls[victim] = await workers[victim]!.url;
        await new Promise((r) => setTimeout(r, 2000));
      }
      // The pipeline runs again everywhere, then every number written arrives at least once.
      const live = await Promise.all(workers.map((w) => w.url));
      await allRunning(live[0]!, ['numbers-in', 'numbers-out'], 1);
      appending = false;
      await appender;
      const total = next;
      assert.ok(total > 1000, `${total} lines written`);
      const missing = await eventually(
        'every number in the sink file',
        async () => {
          const text = await readFile(output, 'utf8').catch(() => '');
          const seen = new Set(text.split('\n'));
          const absent: number[] = [];
          for (let i = 0; i < total; i++) if (!seen.has(String(i))) absent.push(i);
          return absent.length === 0 ? absent : undefined;
        },
        60_000,
      ).catch(async (err) => {
        const text = await readFile(output, 'utf8').catch(() => '');
        const seen = new Set(text.split('\n'));
        const absent = Array.from({ length: total }, (_, i) => i).filter((i) => !seen.has(String(i)));
        throw new Error(
          `${(err as Error).message}; ${absent.length} of ${total} missing, e.g. ${absent.slice(0, 10)}`,
        );
      });
      assert.deepEqual(missing, []);
    } finally {
      appending = false;
      await appender;
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
