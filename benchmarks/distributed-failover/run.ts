// Distributed-mode failover benchmark: three `sluice distributed` workers against three workers of
// Apache Kafka Connect's own `connect-distributed` (ConnectDistributed 4.1.1 from Maven Central,
// Java 17), on one real Kafka broker started once for the run, with the same worker settings.
//
//   bash scripts/run-node.sh benchmarks/distributed-failover/run.ts                  # full run, appends to RESULTS.md
//   bash scripts/run-node.sh benchmarks/distributed-failover/run.ts --repeats 1 --delays 10000 --no-results
//
// Per system, per repeat, one fresh cluster (its own group.id and internal topics):
//   1. three workers start; 6 FileStreamSource connectors (1 task each, each reading its own small
//      file into its own topic) and 3 FileStreamSink connectors (tasks.max=2, each reading two of
//      those topics) are created: 9 connectors, 12 tasks; wait until all run, spread over the three;
//   2. `kill -9` of one worker that is not the leader: time until the status served by both
//      survivors shows every connector and task RUNNING on a live worker;
//   3. a third worker starts next to the two survivors: time from its spawn, and from its REST
//      server's first answer, until the survivors' status shows a task RUNNING on it;
//   4. once the three share the work again, `kill -9` of the leader: timed as in 2.
// Systems alternate per repeat (Sluice, Kafka Connect, Sluice, ...), never run in parallel.
// Every wait has a timeout; a timeout is a FAILED check (the section is still written, marked
// FAILED, and the script exits 1).

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { startKafka } from '@sluice/testing';
import { fetchMavenLibs, jarVersion, log, sleep, workDir } from '../lib/bench-util.ts';
import { connectCommand, sluiceCommand, writeConnectLog4j } from '../lib/connect.ts';
import { fmtLoad, fmtRatio, fmtS, mb, median } from '../lib/format.ts';
import { gitDescribe, javaInfo, node24Info, sluiceRunFrom } from '../lib/machine.ts';
import { flag, nonNegativeInts, parseOptions, positiveInt, words } from '../lib/options.ts';
import {
  childrenOf,
  type Proc,
  procStatusKb,
  readText,
  startProc,
  stopProc,
  tail,
} from '../lib/processes.ts';
import {
  appendSection,
  type Check,
  checkLine,
  checksLine,
  exitIfFailed,
  machineLines,
  sectionTitle,
} from '../lib/results.ts';

const here = import.meta.dirname;
const work = workDir('distributed-failover');
const libs = path.join(work, 'libs');
const runDir = path.join(work, 'run');
const logDir = path.join(work, 'logs');

const opts = parseOptions({
  repeats: positiveInt(3),
  /** scheduled.rebalance.max.delay.ms values to measure, in this order. */
  delays: nonNegativeInts([10_000, 300_000]),
  /** Repeats for delays of 60 s and more (each kill then waits out the delay). */
  'long-repeats': positiveInt(1),
  'session-timeout-ms': positiveInt(10_000),
  'heartbeat-interval-ms': positiveInt(3000),
  'poll-ms': positiveInt(100),
  'settle-ms': positiveInt(3000),
  'jvm-args': words(),
  'no-results': flag(),
});
const REPEATS = opts.repeats;
const LONG_REPEATS = opts['long-repeats'];
const DELAYS = opts.delays;
const SESSION_MS = opts['session-timeout-ms'];
const HEARTBEAT_MS = opts['heartbeat-interval-ms'];
const POLL_MS = opts['poll-ms'];
const SETTLE_MS = opts['settle-ms'];
const jvmArgs = opts['jvm-args'];
const writeResults = !opts['no-results'];
const repeatsFor = (delay: number) => (delay >= 60_000 ? Math.min(LONG_REPEATS, REPEATS) : REPEATS);

/** The connectors of every cluster: name → task count once running. */
const SOURCES = 6;
const SINKS = 3;
const LINES_PER_FILE = 1000;

type System = 'sluice' | 'kafka';
const systemName = (s: System) => (s === 'sluice' ? 'Sluice' : 'Kafka Connect');

// ---------------------------------------------------------------------------------------------
// Helpers

class TimeoutError extends Error {}

/** Polls `probe` every POLL_MS until it returns a value; throws TimeoutError after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      throw new TimeoutError(
        `timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`,
      );
    }
    await sleep(POLL_MS);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Workers

interface Worker extends Proc {
  system: System;
  label: string;
  port: number;
  /** host:port, the worker_id both systems report in status. */
  id: string;
  url: string;
}

/** Every worker not yet stopped, so that a failure or Ctrl-C never leaves one running. */
const live = new Set<Worker>();

function startWorker(system: System, label: string, props: string, port: number): Worker {
  const { cmd, args, env } =
    system === 'sluice'
      ? // The spawned process is the worker itself, so kill -9 reaches it. INFO: the driver reads
        // the leader from the log.
        sluiceCommand({ node: node24, args: ['distributed', props], logLevel: 'INFO' })
      : connectCommand({
          jvmArgs,
          log4jFile,
          libs,
          mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
          args: [props],
        });
  const proc = startProc(cmd, args, {
    cwd: runDir,
    env,
    logFile: path.join(logDir, `${label}.log`),
    echo: false,
  });
  const w: Worker = Object.assign(proc, {
    system,
    label,
    port,
    id: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
  });
  live.add(w);
  void w.exit.then(() => live.delete(w));
  log(`${label}: spawned pid ${w.pid}, REST ${w.url}`);
  return w;
}

/** The REST port of the leader of the last rebalance this worker finished, from its log. */
function leaderPortOf(w: Worker): number | undefined {
  const text = readText(w.logFile);
  // Sluice: "Finished rebalance: generation 4, leader http://127.0.0.1:1234/ ..."
  // Kafka Connect (DistributedHerder at INFO): "Joined group at generation 4 ... Assignment{..., leaderUrl='http://127.0.0.1:1234/', ...}"
  const re =
    w.system === 'sluice'
      ? /Finished rebalance: generation \d+, leader (http:\/\/[^\s,"]+)/g
      : /Joined group at generation \d+ .*?leaderUrl='([^']+)'/g;
  const last = [...text.matchAll(re)].at(-1)?.[1];
  if (last === undefined) return undefined;
  const port = Number(new URL(last).port);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** Number of rebalances this worker finished, from its log. */
function rebalancesOf(w: Worker): number {
  const re = w.system === 'sluice' ? /Finished rebalance: generation/g : /Joined group at generation/g;
  return [...readText(w.logFile).matchAll(re)].length;
}

// ---------------------------------------------------------------------------------------------
// REST

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field
type Json = any;

async function http(
  url: string,
  method: string,
  urlPath: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${url}${urlPath}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let parsed: Json = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (e.g. Jetty's HTML error page while starting)
  }
  return { status: r.status, body: parsed };
}

async function restUp(w: Worker): Promise<boolean> {
  try {
    return (await http(w.url, 'GET', '/')).status === 200;
  } catch {
    return false;
  }
}

interface StatusView {
  /** Every expected connector and task RUNNING on a worker of the live set. */
  allRunning: boolean;
  /** RUNNING tasks per worker id. */
  tasksByWorker: Map<string, number>;
  connectorsByWorker: Map<string, number>;
}

/** One worker's view of every connector's status (`GET /connectors?expand=status`). */
async function statusView(
  w: Worker,
  expected: Map<string, number>,
  liveIds: Set<string>,
): Promise<StatusView> {
  const r = await http(w.url, 'GET', '/connectors?expand=status');
  if (r.status !== 200 || typeof r.body !== 'object' || r.body === null)
    throw new Error(`${w.label}: GET /connectors?expand=status answered ${r.status}`);
  const tasksByWorker = new Map<string, number>();
  const connectorsByWorker = new Map<string, number>();
  let allRunning = true;
  for (const [name, taskCount] of expected) {
    const s = r.body[name]?.status;
    if (s === undefined) {
      allRunning = false;
      continue;
    }
    const c = s.connector as { state: string; worker_id: string };
    if (c.state === 'RUNNING')
      connectorsByWorker.set(c.worker_id, (connectorsByWorker.get(c.worker_id) ?? 0) + 1);
    if (c.state !== 'RUNNING' || !liveIds.has(c.worker_id)) allRunning = false;
    const tasks = s.tasks as { id: number; state: string; worker_id: string }[];
    if (tasks.length !== taskCount) allRunning = false;
    for (const t of tasks) {
      if (t.state === 'RUNNING') tasksByWorker.set(t.worker_id, (tasksByWorker.get(t.worker_id) ?? 0) + 1);
      if (t.state !== 'RUNNING' || !liveIds.has(t.worker_id)) allRunning = false;
    }
  }
  return { allRunning, tasksByWorker, connectorsByWorker };
}

/**
 * Sends a write until it is accepted (409 while a rebalance is in progress, 5xx while forwarding
 * fails). `accepted`: the statuses that mean done; a PUT of a connector config that was applied
 * by an earlier attempt whose answer was lost answers 200 (updated) instead of 201 (created).
 */
async function write(
  w: Worker,
  method: string,
  urlPath: string,
  body: unknown,
  accepted: readonly number[],
): Promise<void> {
  await waitFor(
    `${method} ${urlPath} on ${w.label} answered ${accepted.join(' or ')}`,
    async () => {
      const r = await http(w.url, method, urlPath, body, 30_000);
      if (accepted.includes(r.status)) return true;
      if (r.status === 409 || r.status >= 500) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      throw new Error(
        `${method} ${urlPath}: ${r.status} ${JSON.stringify(r.body)} (expected ${accepted.join(' or ')})`,
      );
    },
    120_000,
  );
}

const distText = (v: StatusView, workers: Worker[]) =>
  workers
    .map((w) => `${w.label} ${v.connectorsByWorker.get(w.id) ?? 0}c/${v.tasksByWorker.get(w.id) ?? 0}t`)
    .join(', ');

// ---------------------------------------------------------------------------------------------
// One cluster: set-up, kill of a follower, join, kill of the leader

interface RepeatResult {
  system: System;
  delay: number;
  repeat: number;
  /** 1-min load average when the cluster started. */
  load: number;
  followerKillMs?: number;
  joinSpawnToRestMs?: number;
  joinSpawnToTaskMs?: number;
  joinRestToTaskMs?: number;
  leaderKillMs?: number;
  /** Rebalances the survivors finished between a kill and the recovery (max over survivors). */
  followerKillRebalances?: number;
  leaderKillRebalances?: number;
  /** Connectors/tasks per worker before each kill, and after the join. */
  spreads: string[];
  rssKb: number[];
  /** The 9 PUT /connectors/{name}/config, one after the other, round-robin over the three workers. */
  createMs?: number;
  failure?: string;
}

let kafkaBootstrap = '';
let monitor: PlatformaticLogClient;

function workerProps(dir: string, group: string, delay: number, port: number): string {
  const file = path.join(dir, `worker-${port}.properties`);
  writeFileSync(
    file,
    [
      `bootstrap.servers=${kafkaBootstrap}`,
      `group.id=${group}`,
      `config.storage.topic=${group}-configs`,
      `offset.storage.topic=${group}-offsets`,
      `status.storage.topic=${group}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      'offset.flush.interval.ms=10000',
      `session.timeout.ms=${SESSION_MS}`,
      `heartbeat.interval.ms=${HEARTBEAT_MS}`,
      `scheduled.rebalance.max.delay.ms=${delay}`,
      `listeners=http://127.0.0.1:${port}`,
      'rest.advertised.host.name=127.0.0.1',
      `rest.advertised.port=${port}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function runCluster(system: System, delay: number, repeat: number): Promise<RepeatResult> {
  const tag = `${system}-d${delay}-r${repeat}`;
  const group = `bench-dist-${tag}-${randomBytes(3).toString('hex')}`;
  const dir = path.join(runDir, tag);
  mkdirSync(dir, { recursive: true });
  const result: RepeatResult = { system, delay, repeat, load: os.loadavg()[0]!, spreads: [], rssKb: [] };
  log(
    `${systemName(system)}, scheduled.rebalance.max.delay.ms=${delay}, repeat ${repeat}: group ${group} (load ${fmtLoad(os.loadavg())})`,
  );

  // Topics and input files of the connectors.
  const topics = Array.from({ length: SOURCES }, (_, i) => `${group}-t${i}`);
  await monitor.createTopics(topics.map((name) => ({ name, partitions: 1, replicationFactor: 1 })));
  const expected = new Map<string, number>();
  const configs = new Map<string, Record<string, string>>();
  // Connector names unique per cluster: a sink's consumer group is connect-<name>, and a group
  // left with members by the previous cluster's killed workers must not be this cluster's.
  for (let i = 0; i < SOURCES; i++) {
    const file = path.join(dir, `in-${i}.txt`);
    writeFileSync(file, Array.from({ length: LINES_PER_FILE }, (_, n) => `${i}:${n}\n`).join(''));
    configs.set(`${group}-source-${i}`, {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
      'tasks.max': '1',
      file,
      topic: topics[i]!,
    });
    expected.set(`${group}-source-${i}`, 1);
  }
  for (let i = 0; i < SINKS; i++) {
    configs.set(`${group}-sink-${i}`, {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
      'tasks.max': '2',
      file: path.join(dir, `out-${i}.txt`),
      topics: `${topics[2 * i]!},${topics[2 * i + 1]!}`,
    });
    expected.set(`${group}-sink-${i}`, 2);
  }

  const workers: Worker[] = [];
  const newWorker = async (n: number) => {
    const port = await freePort();
    const w = startWorker(system, `${tag}-w${n}`, workerProps(dir, group, delay, port), port);
    workers.push(w);
    return w;
  };
  const alive = () => workers.filter((w) => !w.exited);
  const ids = (ws: Worker[]) => new Set(ws.map((w) => w.id));

  /** Every live worker's view: all running on live workers, each live worker owning a task. */
  const steady = async (what: string) => {
    const ws = alive();
    await waitFor(
      what,
      async () => {
        const vs = await Promise.all(ws.map((w) => statusView(w, expected, ids(ws))));
        return vs.every((v) => v.allRunning && ws.every((w) => (v.tasksByWorker.get(w.id) ?? 0) > 0))
          ? true
          : undefined;
      },
      180_000,
    );
    await sleep(SETTLE_MS);
    const again = await waitFor(
      `${what} (after ${SETTLE_MS} ms settling)`,
      async () => {
        const v = await statusView(ws[0]!, expected, ids(ws));
        return v.allRunning ? v : undefined;
      },
      60_000,
    );
    return again;
  };

  /** The leader all live workers agree on, from their logs. */
  const agreedLeader = () =>
    waitFor(
      'the live workers to agree on a leader',
      async () => {
        const ws = alive();
        const ports = new Set(ws.map(leaderPortOf));
        const [only] = ports;
        return ports.size === 1 && only !== undefined ? ws.find((w) => w.port === only) : undefined;
      },
      120_000,
    );

  /** kill -9 `victim`; ms until both survivors' status shows everything RUNNING on a live worker. */
  const killAndMeasure = async (victim: Worker): Promise<{ ms: number; rebalances: number }> => {
    const survivors = alive().filter((w) => w !== victim);
    const before = survivors.map(rebalancesOf);
    const survivorIds = ids(survivors);
    log(`${tag}: kill -9 ${victim.label} (pid ${victim.pid})`);
    const t0 = performance.now();
    victim.child.kill('SIGKILL');
    const ms = await waitFor(
      `every connector and task RUNNING on the survivors after kill -9 of ${victim.label}`,
      async () => {
        const vs = await Promise.all(survivors.map((w) => statusView(w, expected, survivorIds)));
        return vs.every((v) => v.allRunning) ? performance.now() - t0 : undefined;
      },
      SESSION_MS + delay + 120_000,
    );
    const exit = await victim.exit;
    if (exit.signal !== 'SIGKILL')
      throw new Error(`${victim.label} ended with ${exit.signal ?? exit.code}, not SIGKILL`);
    const rebalances = Math.max(...survivors.map((w, i) => rebalancesOf(w) - before[i]!));
    log(
      `${tag}: all RUNNING on the survivors ${(ms / 1000).toFixed(2)} s after the kill (${rebalances} rebalances)`,
    );
    return { ms, rebalances };
  };

  try {
    // 1. Three workers, the connectors, all running.
    for (let n = 1; n <= 3; n++) await newWorker(n);
    await waitFor(
      'three REST servers answering',
      async () => ((await Promise.all(workers.map(restUp))).every(Boolean) ? true : undefined),
      180_000,
    );
    if (system === 'sluice') {
      for (const w of workers) {
        const children = childrenOf(w.pid);
        if (children.length > 0)
          throw new Error(
            `${w.label}: the worker process has children (${children.join(', ')}): kill -9 would not reach the worker`,
          );
      }
    }
    await agreedLeader();
    const created0 = performance.now();
    for (const [i, [name, config]] of [...configs].entries()) {
      await write(workers[i % 3]!, 'PUT', `/connectors/${name}/config`, config, [201, 200]);
    }
    result.createMs = performance.now() - created0;
    const initial = await steady('all 9 connectors and 12 tasks RUNNING, spread over the three workers');
    result.spreads.push(`start: ${distText(initial, workers)}`);
    result.rssKb = workers.map((w) => procStatusKb(w.pid, 'VmRSS') ?? 0);

    // 2. kill -9 of a follower.
    const leader1 = await agreedLeader();
    const follower = [...workers].reverse().find((w) => w !== leader1)!;
    const k1 = await killAndMeasure(follower);
    result.followerKillMs = k1.ms;
    result.followerKillRebalances = k1.rebalances;

    // 3. A third worker joins the two survivors.
    const established = alive();
    const establishedIds = ids(established);
    const joiner = await newWorker(4);
    let restAt: number | undefined;
    const taskAt = await waitFor(
      `${joiner.label} to own a RUNNING task`,
      async () => {
        if (restAt === undefined && (await restUp(joiner))) restAt = performance.now();
        if (joiner.exited)
          throw new Error(`${joiner.label} exited; tail of ${joiner.logFile}:\n${tail(joiner.logFile)}`);
        const withJoiner = new Set([...establishedIds, joiner.id]);
        const vs = await Promise.all(established.map((w) => statusView(w, expected, withJoiner)));
        return vs.every((v) => (v.tasksByWorker.get(joiner.id) ?? 0) > 0) ? performance.now() : undefined;
      },
      180_000,
    );
    restAt ??= (await restUp(joiner)) ? performance.now() : undefined;
    result.joinSpawnToTaskMs = taskAt - joiner.spawnedAt;
    if (restAt !== undefined) {
      result.joinSpawnToRestMs = restAt - joiner.spawnedAt;
      result.joinRestToTaskMs = taskAt - restAt;
    }
    log(
      `${tag}: ${joiner.label} owns a task ${(result.joinSpawnToTaskMs / 1000).toFixed(2)} s after spawn` +
        (restAt === undefined
          ? ''
          : `, ${((taskAt - restAt) / 1000).toFixed(2)} s after its REST server answered`),
    );

    // 4. kill -9 of the leader, once the three share the work again.
    const rejoined = await steady('all RUNNING with work on each of the three workers after the join');
    result.spreads.push(`after the join: ${distText(rejoined, alive())}`);
    const leader2 = await agreedLeader();
    const k2 = await killAndMeasure(leader2);
    result.leaderKillMs = k2.ms;
    result.leaderKillRebalances = k2.rebalances;
    const end = await statusView(alive()[0]!, expected, ids(alive()));
    result.spreads.push(`after the leader's kill: ${distText(end, alive())}`);
  } catch (err) {
    result.failure = `${(err as Error).message}`;
    log(`${tag}: FAILED: ${result.failure}`);
    for (const w of alive()) log(`tail of ${w.logFile}:\n${tail(w.logFile, 15)}`);
  } finally {
    for (const w of alive()) await stopProc(w);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Main

const loadBefore = os.loadavg();
const sluiceSource = gitDescribe(['packages']);

fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^connect-runtime-.*\.jar$/);
const connectVersion = jarVersion(libs, 'connect-runtime');

const nodeInfo = node24Info();
const node24 = nodeInfo.bin;
const sluiceFrom = sluiceRunFrom();
const java = javaInfo(jvmArgs);

rmSync(runDir, { recursive: true, force: true });
rmSync(logDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
mkdirSync(logDir, { recursive: true });
const log4jFile = path.join(runDir, 'connect-log4j2.properties');
writeConnectLog4j(
  log4jFile,
  [
    'Kafka Connect logging for the benchmark: WARN and above, plus the herder at INFO (its',
    '"Joined group at generation ... leaderUrl=..." lines name the leader), to stdout.',
  ],
  [
    'logger.herder.name = org.apache.kafka.connect.runtime.distributed.DistributedHerder',
    'logger.herder.level = INFO',
  ],
);

const kafka = await startKafka({ ownerPid: process.pid, log });
kafkaBootstrap = kafka.bootstrapServers;
monitor = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'sluice-bench-dist-monitor',
});
const onSignal = () => {
  for (const w of live) w.child.kill('SIGKILL');
  process.exit(130);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

const results: RepeatResult[] = [];
try {
  for (const delay of DELAYS) {
    for (let repeat = 1; repeat <= repeatsFor(delay); repeat++) {
      for (const system of ['sluice', 'kafka'] as const) {
        results.push(await runCluster(system, delay, repeat));
        await sleep(2000);
      }
    }
  }
} finally {
  for (const w of live) await stopProc(w);
  await monitor.close();
  await kafka.stop();
}
const loadAfter = os.loadavg();

// ---------------------------------------------------------------------------------------------
// Report

const metrics = [
  ['followerKillMs', '`kill -9` of a follower → every task RUNNING on the survivors'],
  ['leaderKillMs', '`kill -9` of the leader → every task RUNNING on the survivors'],
  ['joinSpawnToTaskMs', 'joining worker: process spawn → owns a RUNNING task'],
  ['joinRestToTaskMs', 'joining worker: REST server answering → owns a RUNNING task'],
  ['joinSpawnToRestMs', 'joining worker: process spawn → REST server answering'],
] as const;

// No detail: each check's text says how its cluster ended.
const checks: Check[] = results.map((r) => ({
  what: `${systemName(r.system)}, delay ${r.delay} ms, repeat ${r.repeat}: ${r.failure === undefined ? 'every step recovered within its timeout' : `FAILED: ${r.failure.split('\n')[0]}`}`,
  ok: r.failure === undefined,
}));
const allOk = checks.every((c) => c.ok);

const tables: string[] = [];
for (const delay of DELAYS) {
  const of = (system: System) => results.filter((r) => r.delay === delay && r.system === system);
  const rows = metrics.map(([key, label]) => {
    const s = median(of('sluice').flatMap((r) => (r[key] === undefined ? [] : [r[key]])));
    const k = median(of('kafka').flatMap((r) => (r[key] === undefined ? [] : [r[key]])));
    return `| ${label} | ${fmtS(s)} | ${fmtS(k)} | ${fmtRatio(s / k)} |`;
  });
  tables.push(
    [
      `**scheduled.rebalance.max.delay.ms=${delay}** (median of ${repeatsFor(delay)} run${repeatsFor(delay) === 1 ? '' : 's'} per system)`,
      '',
      '| Time | Sluice | Kafka Connect | Sluice / Kafka Connect |',
      '|---|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n'),
  );
}

const runLine = (r: RepeatResult) =>
  `- ${systemName(r.system)}, delay ${r.delay} ms, repeat ${r.repeat} (1-min load ${r.load.toFixed(2)}): ` +
  `follower kill ${fmtS(r.followerKillMs)}${r.followerKillRebalances === undefined ? '' : ` (${r.followerKillRebalances} rebalances)`}, ` +
  `leader kill ${fmtS(r.leaderKillMs)}${r.leaderKillRebalances === undefined ? '' : ` (${r.leaderKillRebalances} rebalances)`}, ` +
  `join: spawn → REST ${fmtS(r.joinSpawnToRestMs)}, REST → task ${fmtS(r.joinRestToTaskMs)}, spawn → task ${fmtS(r.joinSpawnToTaskMs)}; ` +
  `9 connector PUTs ${fmtS(r.createMs)}; worker RSS before the first kill ${r.rssKb.map(mb).join(' / ') || 'n/a'}; spread ${r.spreads.join('; ') || 'n/a'}` +
  (r.failure === undefined ? '' : `; **FAILED**: ${r.failure.split('\n')[0]}`);

const section = [
  sectionTitle(
    `Distributed failover and join (3 workers, 9 connectors / 12 tasks, Kafka ${kafka.version})`,
    allOk,
  ),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${sluiceSource}, run from ${sluiceFrom}; \`node packages/cli/bin/sluice.mjs distributed\` on Node ${nodeInfo.node} (V8 ${nodeInfo.v8}), SLUICE_NODE = that node (the worker is the spawned process), SLUICE_LOG_LEVEL=INFO`,
  `- Kafka Connect: \`org.apache.kafka.connect.cli.ConnectDistributed\` ${connectVersion} (connect-runtime, connect-file, connect-json from Maven Central, no plugin.path) on ${java.version}; JVM args: ${jvmArgs.length === 0 ? 'none' : jvmArgs.join(' ')} (max heap ${java.maxHeapMb} MB); log4j2 at WARN, DistributedHerder at INFO`,
  `- Broker: one Apache Kafka ${kafka.version} (KRaft, single node, \`startKafka()\` of @sluice/testing) for the whole run`,
  `- Worker settings, identical for both: a fresh group.id and config/offset/status topics per cluster (replication factor 1, default partitions), StringConverter key and value, offset.flush.interval.ms=10000, session.timeout.ms=${SESSION_MS}, heartbeat.interval.ms=${HEARTBEAT_MS}, scheduled.rebalance.max.delay.ms as in each table, default connect.protocol, listeners=http://127.0.0.1:<free port> with rest.advertised.host.name/port set to it`,
  `- Connectors per cluster: ${SOURCES} FileStreamSource (1 task each, its own ${LINES_PER_FILE}-line file into its own 1-partition topic) and ${SINKS} FileStreamSink (tasks.max=2, two of those topics each): 9 connectors, 12 tasks`,
  `- Method: per system and repeat one fresh cluster; systems alternate (Sluice, then Kafka Connect) and never run at the same time. (1) three workers start, the connectors are created over REST (9 PUTs one after the other, round-robin over the workers, retried on 409/5xx; their total time is listed per run), and the driver waits until every worker's \`GET /connectors?expand=status\` shows every connector and task RUNNING with each worker owning a task, then ${SETTLE_MS} ms more. (2) \`kill -9\` of a worker that is not the leader (the leader is read from the workers' logs); **time until both survivors' status shows every connector and task RUNNING with a live worker_id**, polled every ${POLL_MS} ms. (3) a new worker starts next to the two survivors; **time from its spawn (and from its REST server's first 200 on \`GET /\`) until both survivors' status shows a task RUNNING on it**. (4) once the three workers share the work again (as in 1), \`kill -9\` of the leader, timed as in 2. Each wait times out (kill: session.timeout.ms + delay + 120 s; others 120-180 s) and a timeout is a FAILED check. "rebalances" = rebalances the busiest survivor finished between the kill and the recovery. Ratios are Sluice / Kafka Connect times: below 1× means Sluice is faster`,
  checksLine(checks),
  '',
  ...tables,
  ...results.map(runLine),
  '',
].join('\n');

console.log('');
for (const t of tables) console.log(t);
for (const r of results) console.log(runLine(r));
for (const c of checks) console.log(checkLine(c));

appendSection(section, writeResults ? undefined : '--no-results');
exitIfFailed(allOk, 'a check failed (see above).');
