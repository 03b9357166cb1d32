/**
 * Black-box tests of `sluice distributed`: three workers as separate processes on a real broker,
 * driven over REST. Work spreads over the workers; a pipeline keeps every line while workers are
 * killed with `kill -9` and restarted; killing the leader leaves a cluster whose survivors elect
 * a new leader and keep serving REST writes. Each test uses its own group and internal topics.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import {
  type Json,
  type KafkaServer,
  http as kitHttp,
  eventually as poll,
  startKafka,
  uniqueName,
  useKafka,
  WorkerProcess,
} from '@sluice/testing';
import { checkSinkDuplicates, checkSourceDuplicates, type Kill, lineIndex } from './kill9-checks.ts';

let bootstrapServers: string;
const dirs: string[] = [];

/** The shared broker, for the tests that do not restart it (started on first use). */
async function sharedKafka(): Promise<void> {
  ({ bootstrapServers } = await useKafka());
}

after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-e2e-dist-'));
  dirs.push(d);
  return d;
}

/** A worker properties file for a new cluster (group and internal topics unique to it). */
async function clusterProps(
  dir: string,
  group = uniqueName('e2e_cluster'),
  servers = bootstrapServers,
  overrides: Record<string, string> = {},
): Promise<string> {
  const file = join(dir, 'worker.properties');
  await writeFile(
    file,
    [
      `bootstrap.servers=${servers}`,
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
      ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`),
    ].join('\n'),
  );
  return file;
}

async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await kitHttp(url, method, path, { body, signal: AbortSignal.timeout(30_000) });
  return { status: r.status, body: r.json };
}

/** `eventually` of @sluice/testing, with this file's longer default wait and slower polling. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) =>
  poll(what, probe, { timeoutMs, intervalMs: 250 });

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

/** With `SLUICE_E2E_LOG_DIR` set, keeps each worker's output there (`<test>-<n>.log`) for a post-mortem. */
async function keepLogs(name: string, workers: WorkerProcess[]): Promise<void> {
  const logDir = process.env.SLUICE_E2E_LOG_DIR;
  if (logDir === undefined || logDir === '') return;
  for (const [i, w] of workers.entries()) await writeFile(join(logDir, `${name}-${i}.log`), w.output());
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The consumer group of the pipeline test's sink connector `numbers-out` (Kafka's `connect-<name>`). */
const SINK_GROUP = 'connect-numbers-out';

/** Every record of one partition, read with the runtime's own Kafka client. */
async function readPartition(
  client: PlatformaticLogClient,
  topic: string,
  partition: number,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let offset = 0;
  for (;;) {
    const [fetched] = await client.fetch([{ topic, partition, offset }], { maxWaitMs: 100 });
    if (fetched === undefined) throw new Error(`no answer for ${topic}-${partition}`);
    out.push(...fetched.records);
    offset = fetched.nextOffset;
    if (offset >= fetched.highWatermark) return out;
  }
}

describe('sluice distributed: command line', () => {
  before(sharedKafka);

  test('a missing file and a missing required key are errors naming the file and key, exit 1', async () => {
    const dir = await tempDir();
    const missing = new WorkerProcess(join(dir, 'nope.properties'));
    const { code } = await missing.exit();
    assert.equal(code, 1);
    assert.match(missing.output(), /nope\.properties/);
    const props = join(dir, 'worker.properties');
    await writeFile(props, `bootstrap.servers=${bootstrapServers}\nkey.converter=x\nvalue.converter=y\n`);
    const bad = new WorkerProcess(props);
    const { code: badCode } = await bad.exit();
    assert.equal(badCode, 1);
    assert.match(bad.output(), /worker\.properties: .*Missing required configuration "group\.id"/);
  });
});

describe('sluice distributed: three workers', { timeout: 240_000 }, () => {
  before(sharedKafka);

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
      await workers[leaderIndex]!.kill9();
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

  test('file → topic → file under kill -9 and restarts: every line at least once, duplicates only from the last uncommitted window', async () => {
    const dir = await tempDir();
    const group = uniqueName('e2e_cluster');
    const props = await clusterProps(dir, group);
    const workers = [new WorkerProcess(props), new WorkerProcess(props), new WorkerProcess(props)];
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    await writeFile(input, '');
    const topic = uniqueName('e2e_numbers');
    // One partition: the topic's order is the order the source task produced in.
    const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'e2e-kill9-reader' });
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    let next = 0;
    let running = true;
    const appender = (async () => {
      while (running) {
        const lines = Array.from({ length: 50 }, (_, i) => String(next + i));
        next += 50;
        await appendFile(input, `${lines.join('\n')}\n`);
        await sleep(100);
      }
    })();
    // When the sink file grew: the first time each output line was seen (to within ~100 ms).
    const growth: Array<{ at: number; size: number }> = [];
    const sampler = (async () => {
      while (running) {
        const size = await stat(output).then(
          (st) => st.size,
          () => 0,
        );
        if (size > (growth.at(-1)?.size ?? 0)) growth.push({ at: Date.now(), size });
        await sleep(100);
      }
    })();
    const kills: Kill[] = [];
    // Every worker started, for their logs (SLUICE_E2E_LOG_DIR).
    const everyWorker = [...workers];
    // The sink group's committed offset, sampled until the end. It never goes back: an older
    // commit landing after a newer one, or one from a member whose generation no longer owns the
    // partition, would show as a step back (sampling can miss a step, never invent one).
    const groupOffsets: Array<{ at: number; offset: number }> = [];
    let sampling = true;
    const groupSampler = (async () => {
      while (sampling) {
        const [c] = await client.fetchGroupOffsets(SINK_GROUP).catch(() => []);
        if (c !== undefined && c.offset !== groupOffsets.at(-1)?.offset)
          groupOffsets.push({ at: Date.now(), offset: c.offset });
        await sleep(100);
      }
    })();
    /** With `SLUICE_E2E_LOG_DIR` set: the workers' output and what the checks below read. */
    const keepEvidence = async () => {
      const logDir = process.env.SLUICE_E2E_LOG_DIR;
      if (logDir === undefined || logDir === '') return;
      await keepLogs('kill9', everyWorker);
      const records = await readPartition(client, topic, 0).catch(() => []);
      const evidence = {
        kills,
        groupOffsets,
        growth,
        topic: records.map((r) => r.value?.toString()),
        sink: await readFile(output, 'utf8').catch(() => ''),
      };
      await writeFile(join(logDir, 'kill9-evidence.json'), JSON.stringify(evidence));
    };
    try {
      const urls = await Promise.all(workers.map((w) => w.url));
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

      // Kill the worker running the source task, then the one running the sink task, then the
      // source's again, each time once both tasks run on live workers and records flow (so each
      // kill leaves an uncommitted window behind).
      for (let round = 0; round < 3; round++) {
        const owners = await eventually('both tasks RUNNING on live workers', async () => {
          const live = new Set(urls.map(hostPort));
          const statuses = await allRunning(urls[round % 3]!, ['numbers-in', 'numbers-out'], 1);
          const source = statuses.get('numbers-in')!.tasks[0]!.worker_id;
          const sink = statuses.get('numbers-out')!.tasks[0]!.worker_id;
          return live.has(source) && live.has(sink) ? { source, sink } : undefined;
        });
        await sleep(1000);
        const target = round === 1 ? owners.sink : owners.source;
        const victim = urls.findIndex((u) => hostPort(u) === target);
        const at = Date.now();
        await workers[victim]!.kill9();
        // Read once the victim is dead (see Kill): its task can neither write nor commit any more.
        const sinkLines = (await readFile(output, 'utf8').catch(() => '')).split('\n').length - 1;
        const [committed] = await client.fetchGroupOffsets(SINK_GROUP);
        kills.push({
          victim: target,
          sourceOwner: owners.source,
          sinkOwner: owners.sink,
          sinkCommitted: committed?.offset ?? 0,
          sinkLines,
          at,
        });
        await sleep(1500);
        workers[victim] = new WorkerProcess(props);
        everyWorker.push(workers[victim]!);
        urls[victim] = await workers[victim]!.url;
      }
      // The pipeline runs again everywhere, then every number written arrives at least once.
      const live = await Promise.all(workers.map((w) => w.url));
      await allRunning(live[0]!, ['numbers-in', 'numbers-out'], 1);
      running = false;
      await appender;
      await sampler;
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
      sampling = false;
      await groupSampler;
      assert.deepEqual(
        groupOffsets.filter((c, i) => i > 0 && c.offset < groupOffsets[i - 1]!.offset),
        [],
        `the sink group's committed offset went back: ${JSON.stringify(groupOffsets)}`,
      );

      // Duplicates only within the last uncommitted window, on each side.
      const records = await readPartition(client, topic, 0);
      const commits = (
        await Promise.all([0, 1, 2, 3, 4].map((p) => readPartition(client, `${group}-offsets`, p)))
      )
        .flat()
        .filter((r) => r.key?.toString() === JSON.stringify(['numbers-in', { filename: input }]))
        .map((r) => ({
          at: r.timestamp,
          position: (JSON.parse(r.value!.toString()) as { position: number }).position,
        }));
      const lineAt = lineIndex(await readFile(input, 'utf8'));
      const report = checkSourceDuplicates(records, commits, lineAt, kills);
      const sinkReport = checkSinkDuplicates(
        (await readFile(output, 'utf8')).split('\n').slice(0, -1),
        records,
        growth,
        kills,
      );
      const sourceKills = kills.filter((k) => k.victim === k.sourceOwner).length;
      const sinkKills = kills.filter((k) => k.victim === k.sinkOwner).length;
      console.log(
        `kill -9 pipeline: ${total} lines, ${records.length} records; source re-read ` +
          `${report.map((r) => `${r.duplicates} (oldest produced ${r.oldestMs} ms, last commit ${r.commitMs} ms before the kill)`).join(' + ') || 0} ` +
          `lines after ${sourceKills} kills of its worker; ` +
          `sink re-delivered ${sinkReport.map((r) => r.duplicates).join('+') || 0} records after ${sinkKills} kills of its worker`,
      );
      // The kills hit both tasks (so the checks above had windows to look at), and every kill of
      // a task's worker while records flowed left at most one re-read / re-delivery.
      assert.ok(sourceKills >= 2 && sinkKills >= 1, JSON.stringify(kills));
    } finally {
      running = false;
      await appender;
      await sampler;
      sampling = false;
      await groupSampler;
      await keepEvidence().catch((err) => console.log(`kill -9 pipeline: evidence not kept: ${err}`));
      await client.close();
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});

describe('sluice distributed: broker restart', { timeout: 180_000 }, () => {
  // This describe's own broker, since its tests restart it.
  let kafka: KafkaServer | undefined;
  before(async () => {
    kafka = await startKafka({ ownerPid: process.pid, log: () => {} });
  });
  after(async () => {
    await kafka?.stop();
  });

  test('an outage longer than the session: workers drop their work, rejoin, and every task runs again', async () => {
    // The sink tasks' consumers lose their group sessions too; their new members wait for the old
    // ones to expire (the consumer's session.timeout.ms, 45 s by default, as in Kafka Connect).
    await brokerRestart(kafka!, 'session-lost', {
      'session.timeout.ms': '6000',
      'consumer.session.timeout.ms': '10000',
      'consumer.heartbeat.interval.ms': '1000',
    });
  });

  // Here the source task keeps its producer through the outage: its sends (and the metadata
  // refreshes between their retries) must fail as retriable, not fail the task.
  test('an outage shorter than the session: workers keep their membership and work', async () => {
    await brokerRestart(kafka!, 'session-kept', {
      'session.timeout.ms': '60000',
      'rebalance.timeout.ms': '60000',
    });
  });
});

/**
 * Two workers (processes) run file → topic → file; the broker is killed (SIGKILL) and started
 * again on the same port and data while lines keep coming. Afterwards every task is RUNNING on
 * the two workers, every line arrived (at least once), and REST writes work.
 */
async function brokerRestart(
  kafka: KafkaServer,
  name: string,
  overrides: Record<string, string>,
): Promise<void> {
  const dir = await tempDir();
  const props = await clusterProps(dir, uniqueName('e2e_restart'), kafka.bootstrapServers, overrides);
  const workers = [new WorkerProcess(props), new WorkerProcess(props)];
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  await writeFile(input, '');
  let next = 0;
  const writeLines = async (count: number) => {
    const lines = Array.from({ length: count }, (_, i) => String(next + i));
    next += count;
    await appendFile(input, `${lines.join('\n')}\n`);
  };
  const received = async () =>
    new Set((await readFile(output, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''));
  const allReceived = (what: string, timeoutMs: number) =>
    eventually(
      what,
      async () => {
        const got = await received();
        for (let i = 0; i < next; i++) if (!got.has(String(i))) return undefined;
        return true;
      },
      timeoutMs,
    ).catch(async (err) => {
      const statuses = await Promise.all(
        ['numbers-in', 'numbers-out'].map(
          async (n) => (await http(urls[0]!, 'GET', `/connectors/${n}/status`)).body,
        ),
      ).catch((e) => String(e));
      throw new Error(
        `${(err as Error).message}: ${(await received()).size} of ${next} lines; ${JSON.stringify(statuses)}\n` +
          workers.map((w) => w.output().slice(-3000)).join('\n----\n'),
      );
    });
  const urls = await Promise.all(workers.map((w) => w.url));
  try {
    const topic = uniqueName('e2e_restart_numbers');
    await write(
      urls[0]!,
      'POST',
      '/connectors',
      { name: 'numbers-in', config: { 'connector.class': 'FileStreamSource', file: input, topic } },
      201,
    );
    await write(
      urls[1]!,
      'PUT',
      '/connectors/numbers-out/config',
      { 'connector.class': 'FileStreamSink', file: output, topics: topic, 'tasks.max': '2' },
      201,
    );
    await allRunning(urls[0]!, ['numbers-in'], 1);
    await allRunning(urls[0]!, ['numbers-out'], 2);
    await writeLines(1000);
    await allReceived('the first lines', 30_000);

    const down = Date.now();
    const restarted = kafka.restart({ kill: true, downMs: 3000 });
    await sleep(1000);
    await writeLines(1000); // written while the broker is down
    await restarted;
    const back = Date.now() - down;
    await allReceived('every line after the restart', 45_000);
    const recovered = Date.now() - down;

    // Every task RUNNING again, on the two workers, read through either worker.
    for (const url of urls) await allRunning(url, ['numbers-in'], 1);
    const statuses = await allRunning(urls[1]!, ['numbers-out'], 2);
    for (const s of statuses.values())
      for (const t of s.tasks) assert.ok(urls.map(hostPort).includes(t.worker_id), JSON.stringify(s));

    // A REST write after the restart (on the follower and the leader alike) and its work runs.
    const extra = join(dir, 'extra.txt');
    await write(
      urls[1]!,
      'POST',
      '/connectors',
      {
        name: 'after-restart',
        config: { 'connector.class': 'FileStreamSink', file: extra, topics: topic },
      },
      201,
    );
    await write(urls[0]!, 'PUT', '/connectors/after-restart/pause', undefined, 202);
    await write(urls[0]!, 'PUT', '/connectors/after-restart/resume', undefined, 202);
    await allRunning(urls[0]!, ['after-restart'], 1);
    await writeLines(500);
    await allReceived('lines written after the restart', 30_000);
    await eventually('the new sink has every line', async () => {
      const got = new Set((await readFile(extra, 'utf8').catch(() => '')).split('\n'));
      for (let i = 0; i < next; i++) if (!got.has(String(i))) return undefined;
      return true;
    });
    console.log(
      `broker restart (${name}): ${next} lines; broker back after ${back} ms, every line delivered after ${recovered} ms`,
    );
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await keepLogs(`broker-restart-${name}`, workers);
  }
}
