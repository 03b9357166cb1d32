// Many connectors in one standalone worker: N FileStreamSource connectors (default 2,000) created
// one by one over REST with offset.flush.interval.ms=1000, left idle, listed with
// `?expand=status&expand=info`, then deleted one by one, in `sluice standalone` (on its embedded
// log, and on the broker) and in Apache Kafka Connect 4.1.1's ConnectStandalone (on the broker),
// one after the other in the same run.
//
//   npm run bench:many-connectors                                     # full run, appends to RESULTS.md
//   npm run bench:many-connectors -- --connectors 100 --idle-s 5 --no-results   # quick smoke run
//
// Measured per system: RSS of the worker with no connector, and with N idle connectors (after
// --idle-s seconds; its difference / N = memory per idle connector), create latency, the time of
// the listing and its size, delete latency (each must be < 100 ms), "Timed out waiting to flush
// offsets" lines in the worker's log, and whether the worker stayed up throughout.

import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafka } from '@sluice/testing';
import { fetchMavenLibs, jarVersion, log, sleep, workDir } from '../lib/bench-util.ts';
import { type Command, connectCommand, sluiceCommand, writeConnectLog4j } from '../lib/connect.ts';
import { fmtMs, fmtN, mb, median, percentile } from '../lib/format.ts';
import { gitDescribe, javaInfo, node24Info, sluiceRunFrom } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt, words } from '../lib/options.ts';
import { procStatusKb, readText, startProc, stopProc, tail } from '../lib/processes.ts';
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
const work = workDir('many-connectors');
const libs = path.join(work, 'libs');
const runDir = path.join(work, 'run');
const logDir = path.join(work, 'logs');

const SYSTEMS = ['sluice-embedded', 'sluice-kafka', 'kafka-connect'] as const;
type System = (typeof SYSTEMS)[number];

const opts = parseOptions({
  connectors: positiveInt(2000),
  'flush-ms': positiveInt(1000),
  'idle-s': positiveInt(30),
  lines: positiveInt(10),
  topics: positiveInt(10),
  systems: words(SYSTEMS.join(' ')),
  'jvm-args': words(),
  'no-results': flag(),
});
const N = opts.connectors;
const FLUSH_MS = opts['flush-ms'];
const IDLE_MS = opts['idle-s'] * 1000;
const LINES = opts.lines;
const TOPICS = opts.topics;
const jvmArgs = opts['jvm-args'];
const systems = opts.systems as System[];
for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`--systems: unknown system ${s}`);
const DELETE_TARGET_MS = 100;

const LABEL: Record<System, string> = {
  'sluice-embedded': 'Sluice, embedded log',
  'sluice-kafka': 'Sluice, on the broker',
  'kafka-connect': 'Kafka Connect 4.1.1, on the broker',
};

interface Result {
  system: System;
  up: boolean;
  rssEmptyKb: number;
  rssIdleKb: number;
  hwmKb: number;
  create: number[];
  createFailures: number;
  runningAfterMs: number;
  listMs: number;
  listBytes: number;
  listStatus: number;
  listed: number;
  remove: number[];
  deleteFailures: number;
  flushTimeouts: number;
  abandoned: number;
  exit: string;
  error?: string;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function request(base: string, method: string, p: string, body?: unknown) {
  const started = performance.now();
  const res = await fetch(`${base}${p}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  alive: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the worker died while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------

const loadBefore = os.loadavg();
const sluiceSource = gitDescribe(['packages']);
fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^connect-runtime-.*\.jar$/);
const connectVersion = jarVersion(libs, 'connect-runtime');
const nodeInfo = node24Info();
// Its real path: the launcher compares it with process.execPath to run the worker in-process.
const node24 = realpathSync(nodeInfo.bin);
const sluiceFrom = sluiceRunFrom();
const java = javaInfo(jvmArgs);

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
mkdirSync(logDir, { recursive: true });
const inputs = path.join(runDir, 'inputs');
mkdirSync(inputs, { recursive: true });
for (let i = 0; i < N; i++) {
  writeFileSync(
    path.join(inputs, `in-${i}.txt`),
    Array.from({ length: LINES }, (_, l) => `connector ${i} line ${l}\n`).join(''),
  );
}
const log4jFile = path.join(runDir, 'connect-log4j2.properties');
writeConnectLog4j(log4jFile, ['Kafka Connect logging for the benchmark: WARN and above to stdout.']);
const needsBroker = systems.some((s) => s !== 'sluice-embedded');
const kafka = needsBroker ? await startKafka({ ownerPid: process.pid, log }) : undefined;

async function runSystem(system: System): Promise<Result> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dir = path.join(runDir, system);
  mkdirSync(dir, { recursive: true });
  const worker = path.join(dir, 'worker.properties');
  writeFileSync(
    worker,
    [
      ...(system === 'sluice-embedded'
        ? [`embedded.log.dir=${path.join(dir, 'log')}`]
        : [`bootstrap.servers=${kafka!.bootstrapServers}`]),
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${path.join(dir, 'offsets')}`,
      `offset.flush.interval.ms=${FLUSH_MS}`,
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const command: Command =
    system === 'kafka-connect'
      ? connectCommand({
          jvmArgs,
          log4jFile,
          libs,
          mainClass: 'org.apache.kafka.connect.cli.ConnectStandalone',
          args: [worker],
        })
      : sluiceCommand({ node: node24, args: ['standalone', worker], logLevel: 'WARN' });
  const logFile = path.join(logDir, `${system}.log`);
  const proc = startProc(command.cmd, command.args, { cwd: dir, env: command.env, logFile });
  const alive = () => !proc.exited;
  const r: Result = {
    system,
    up: false,
    rssEmptyKb: Number.NaN,
    rssIdleKb: Number.NaN,
    hwmKb: Number.NaN,
    create: [],
    createFailures: 0,
    runningAfterMs: Number.NaN,
    listMs: Number.NaN,
    listBytes: 0,
    listStatus: 0,
    listed: 0,
    remove: [],
    deleteFailures: 0,
    flushTimeouts: 0,
    abandoned: 0,
    exit: '',
  };
  const prefix = `mc-${system}`;
  try {
    await waitUntil(
      'the REST API',
      async () => (await request(base, 'GET', '/')).status === 200,
      120_000,
      alive,
    );
    await sleep(3000);
    r.rssEmptyKb = procStatusKb(proc.pid, 'VmRSS') ?? Number.NaN;
    log(`${system}: up, RSS ${mb(r.rssEmptyKb)}; creating ${fmtN(N)} connectors`);

    const createStart = performance.now();
    for (let i = 0; i < N; i++) {
      const res = await request(base, 'POST', '/connectors', {
        name: `${prefix}-${i}`,
        config: {
          'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
          'tasks.max': '1',
          file: path.join(inputs, `in-${i}.txt`),
          topic: `${prefix}-t${i % TOPICS}`,
        },
      });
      r.create.push(res.ms);
      if (res.status !== 201) {
        r.createFailures++;
        if (r.createFailures <= 3)
          log(`${system}: create ${i} answered ${res.status}: ${res.text.slice(0, 200)}`);
      }
      if (!alive()) throw new Error(`the worker died after ${i + 1} creates`);
      if ((i + 1) % 500 === 0) log(`${system}: ${i + 1} created`);
    }
    await waitUntil(
      'every task RUNNING',
      async () => {
        const res = await request(base, 'GET', '/connectors?expand=status');
        if (res.status !== 200) return false;
        const all = JSON.parse(res.text) as Record<string, { status: { tasks: Array<{ state: string }> } }>;
        const running = Object.values(all).filter((c) => c.status.tasks[0]?.state === 'RUNNING').length;
        return running === N;
      },
      300_000,
      alive,
    );
    r.runningAfterMs = performance.now() - createStart;
    log(`${system}: all RUNNING after ${fmtMs(r.runningAfterMs)}; idle for ${IDLE_MS / 1000} s`);
    await sleep(IDLE_MS);
    r.rssIdleKb = procStatusKb(proc.pid, 'VmRSS') ?? Number.NaN;

    const list = await request(base, 'GET', '/connectors?expand=status&expand=info');
    r.listMs = list.ms;
    r.listStatus = list.status;
    r.listBytes = Buffer.byteLength(list.text);
    if (list.status === 200) r.listed = Object.keys(JSON.parse(list.text) as object).length;
    log(`${system}: RSS ${mb(r.rssIdleKb)} idle; listing ${list.status} in ${fmtMs(list.ms)}; deleting`);

    for (let i = 0; i < N; i++) {
      const res = await request(base, 'DELETE', `/connectors/${prefix}-${i}`);
      r.remove.push(res.ms);
      if (res.status !== 204) {
        r.deleteFailures++;
        if (r.deleteFailures <= 3)
          log(`${system}: delete ${i} answered ${res.status}: ${res.text.slice(0, 200)}`);
      }
      if (!alive()) throw new Error(`the worker died after ${i + 1} deletes`);
    }
    const left = await request(base, 'GET', '/connectors');
    r.up = alive() && left.status === 200 && left.text.trim() === '[]';
    r.hwmKb = procStatusKb(proc.pid, 'VmHWM') ?? Number.NaN;
  } catch (err) {
    r.error = (err as Error).message;
    log(`${system}: ${r.error}\n${tail(logFile)}`);
  } finally {
    const stopped = await stopProc(proc);
    r.exit = stopped.code === null ? `killed by ${stopped.signal}` : `exit code ${stopped.code}`;
    const text = readText(logFile);
    r.flushTimeouts = text.match(/Timed out waiting to flush offsets/g)?.length ?? 0;
    r.abandoned = text.match(/Graceful stop of tasks.*timed out|abandon/gi)?.length ?? 0;
  }
  return r;
}

const results: Result[] = [];
try {
  for (const system of systems) {
    results.push(await runSystem(system));
    await sleep(3000);
  }
} finally {
  await kafka?.stop();
}
const loadAfter = os.loadavg();

const checks: Check[] = [];
for (const r of results) {
  const sorted = [...r.remove].sort((a, b) => a - b);
  const slow = sorted.filter((ms) => ms >= DELETE_TARGET_MS).length;
  checks.push({
    what: `${LABEL[r.system]}: every connector created, listed and deleted with the worker up`,
    ok:
      r.error === undefined &&
      r.up &&
      r.createFailures === 0 &&
      r.deleteFailures === 0 &&
      r.listStatus === 200 &&
      r.listed === N,
    detail:
      r.error ??
      `${fmtN(r.create.length - r.createFailures)} created, ${fmtN(r.listed)} listed (HTTP ${r.listStatus}), ${fmtN(r.remove.length - r.deleteFailures)} deleted`,
  });
  if (r.system !== 'kafka-connect') {
    checks.push({
      what: `${LABEL[r.system]}: no flush time-out, each delete < ${DELETE_TARGET_MS} ms`,
      ok: r.flushTimeouts === 0 && slow === 0 && r.remove.length === N,
      detail: `${fmtN(r.flushTimeouts)} flush time-outs, ${fmtN(slow)} deletes ≥ ${DELETE_TARGET_MS} ms, slowest ${fmtMs(sorted.at(-1) ?? Number.NaN)}`,
    });
  }
}
const allOk = checks.every((c) => c.ok);

const perConnectorKb = (r: Result) => (r.rssIdleKb - r.rssEmptyKb) / N;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${fmtMs(median(s))} / ${fmtMs(percentile(s, 99))} / ${fmtMs(s.at(-1) ?? Number.NaN)}`;
};
const table = [
  '| System | RSS, no connector | RSS, N idle connectors | per idle connector | create median / p99 / max | all RUNNING after | list `?expand=status&expand=info` | delete median / p99 / max | deletes ≥ 100 ms | flush time-outs | stop |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${LABEL[r.system]} | ${mb(r.rssEmptyKb)} | ${mb(r.rssIdleKb)} | ${Number.isFinite(perConnectorKb(r)) ? `${perConnectorKb(r).toFixed(0)} kB` : 'n/a'} | ${stats(r.create)} | ${(r.runningAfterMs / 1000).toFixed(1)} s | ${fmtMs(r.listMs)}, ${(r.listBytes / 1e6).toFixed(1)} MB | ${stats(r.remove)} | ${fmtN(r.remove.filter((ms) => ms >= DELETE_TARGET_MS).length)} | ${fmtN(r.flushTimeouts)} | ${r.exit} |`,
  ),
].join('\n');

const ratio = (() => {
  const s =
    results.find((r) => r.system === 'sluice-kafka') ?? results.find((r) => r.system === 'sluice-embedded');
  const k = results.find((r) => r.system === 'kafka-connect');
  if (s === undefined || k === undefined) return undefined;
  return `memory per idle connector, ${LABEL[s.system]} / Kafka Connect: ${(perConnectorKb(s) / perConnectorKb(k)).toFixed(2)}×`;
})();

const section = [
  sectionTitle(`Many connectors: ${fmtN(N)} FileStreamSource connectors in one standalone worker`, allOk),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${sluiceSource}, run from ${sluiceFrom}; \`node packages/cli/bin/sluice.mjs standalone worker.properties\` on Node ${nodeInfo.node} (V8 ${nodeInfo.v8}, default heap limit ${nodeInfo.heap} MB), in-process, SLUICE_LOG_LEVEL=WARN`,
  `- Kafka Connect: \`org.apache.kafka.connect.cli.ConnectStandalone\` ${connectVersion} (Maven Central, FileStream connectors on the classpath) on ${java.version.split('; ')[0]}; JVM args: ${jvmArgs.length === 0 ? 'none' : jvmArgs.join(' ')} (max heap ${java.maxHeapMb} MB, ${java.gc}); log4j2 at WARN`,
  kafka === undefined
    ? '- Broker: none (embedded log only)'
    : `- Broker: one Apache Kafka ${kafka.version} (KRaft, single node, \`startKafka()\` of @sluice/testing) for the run`,
  `- Workload: ${fmtN(N)} connectors \`FileStreamSourceConnector\`, tasks.max=1, each on its own file of ${LINES} lines, writing to ${TOPICS} topics per system; worker settings identical: StringConverter key and value, offset.storage.file.filename, offset.flush.interval.ms=${FLUSH_MS}`,
  `- Method: per system one worker process started with no connector; RSS (VmRSS, /proc) 3 s after its REST API answers; connectors created one by one (POST /connectors, one request at a time); once every task is RUNNING (GET /connectors?expand=status), ${IDLE_MS / 1000} s idle, then RSS again: **per idle connector = (RSS with N idle − RSS with none) / N**; then one GET /connectors?expand=status&expand=info; then DELETE of each connector one by one, timed from the client; the worker log counted for "Timed out waiting to flush offsets"; SIGTERM at the end. Systems ran one after the other`,
  checksLine(checks),
  '',
  table,
  '',
  ...(ratio === undefined ? [] : [`- ${ratio}`]),
  ...results.map(
    (r) =>
      `- ${LABEL[r.system]}: peak RSS (VmHWM) ${mb(r.hwmKb)}; ${fmtN(r.abandoned)} abandoned-task warnings; ${fmtN(r.createFailures)} failed creates, ${fmtN(r.deleteFailures)} failed deletes${r.error === undefined ? '' : `; error: ${r.error}`}`,
  ),
  '',
].join('\n');

console.log('');
console.log(table);
if (ratio !== undefined) console.log(ratio);
for (const c of checks) console.log(checkLine(c));
if (!existsSync(logDir)) mkdirSync(logDir);
writeFileSync(path.join(logDir, 'results.json'), JSON.stringify(results, null, 2));
appendSection(section, opts['no-results'] ? '--no-results' : undefined);
exitIfFailed(allOk);
