// Standalone file pipeline benchmark: `sluice standalone` against Apache Kafka Connect's own
// `connect-standalone` (ConnectStandalone 4.1.1), FileStreamSource (file → Kafka) and
// FileStreamSink (Kafka → file), on one real Kafka broker started once for the run, plus the raw
// throughput of the @platformatic/kafka Producer and Consumer (the ceiling) and of Sluice's own
// Kafka client (PlatformaticLogClient) next to them.
//
//   npm run bench:standalone                                  # full run, appends to benchmarks/RESULTS.md
//   npm run bench:standalone -- --lines 100000 --no-results   # quick smoke run
//   npm run bench:standalone -- --profile                     # Sluice workers under --cpu-prof (no RESULTS.md)
//   npm run bench:standalone -- --metrics-ab                  # Sluice with metrics on vs off (metrics.enable), no Kafka Connect
//
// Steps: fetch Kafka Connect's jars once with Maven (skipped when present), write the input file,
// start the broker, then one after the other (never in parallel): the client ceiling (produce,
// fetch), Sluice source, Sluice sink, Kafka Connect source, Kafka Connect sink. Each worker is a
// child process of its own, stopped with SIGTERM when its stage is done. Each sink's output file
// is compared with the input byte for byte. Exit code 1 when a check fails (the section is still
// written, marked FAILED).

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';
import {
  DEFAULT_MAX_PARTITION_FETCH_BYTES,
  PlatformaticLogClient,
  type ProduceRecord,
} from '@sluice/runtime';
import { startKafka } from '@sluice/testing';
import { fetchMavenLibs, jarVersion, log, sleep, workDir } from '../lib/bench-util.ts';
import {
  type Command,
  connectCommand,
  cpuProfArgs,
  endOffset,
  sluiceCommand,
  writeConnectLog4j,
} from '../lib/connect.ts';
import { profileSelfTimes } from '../lib/cpu-profile.ts';
import { fmtLoad, fmtRate, fmtRatio, fmtS, mb } from '../lib/format.ts';
import { gitDescribe, javaInfo, node24Info, sluiceRunFrom } from '../lib/machine.ts';
import { flag, nonNegativeInt, parseOptions, positiveInt, positiveInts, words } from '../lib/options.ts';
import {
  childrenOf,
  cpuSeconds,
  machineBusySeconds,
  type Proc,
  procStatusKb,
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
const work = workDir('standalone-file');
const libs = path.join(work, 'libs');
const runDir = path.join(work, 'run');
const logDir = path.join(work, 'logs');
const profileDir = path.join(work, 'profiles');

const opts = parseOptions({
  lines: positiveInt(1_000_000),
  'line-bytes': positiveInt(200),
  'poll-ms': positiveInt(50),
  'pause-ms': nonNegativeInt(3000),
  'timeout-s': positiveInt(900),
  'ceiling-batches': positiveInts([1000, 2000]),
  'jvm-args': words(),
  profile: flag(),
  'metrics-ab': flag(),
  rounds: positiveInt(5),
  'keep-files': flag(),
  'no-results': flag(),
});
const LINES = opts.lines;
const LINE_BYTES = opts['line-bytes'];
const POLL_MS = opts['poll-ms'];
const PAUSE_MS = opts['pause-ms'];
const TIMEOUT_MS = opts['timeout-s'] * 1000;
const CEILING_BATCHES = opts['ceiling-batches'];
if (LINE_BYTES < 16) throw new Error('--line-bytes must be at least 16');
const jvmArgs = opts['jvm-args'];
const profile = opts.profile;
const writeResults = !opts['no-results'] && !profile;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Line i: its number, then a fixed pattern, LINE_BYTES bytes in all (ASCII), without the newline. */
function line(i: number): string {
  const head = `${i} `;
  return (
    head +
    'abcdefghijklmnopqrstuvwxyz0123456789'
      .repeat(Math.ceil(LINE_BYTES / 36) + 1)
      .slice(0, LINE_BYTES - head.length)
  );
}

function writeInput(file: string): number {
  const fd = openSync(file, 'w');
  try {
    const chunk = 10_000;
    for (let start = 0; start < LINES; start += chunk) {
      let text = '';
      for (let i = start; i < Math.min(LINES, start + chunk); i++) text += `${line(i)}\n`;
      writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return statSync(file).size;
}

/** Byte-for-byte comparison of two files; the offset of the first difference, or -1 when equal. */
function firstDifference(a: string, b: string): number {
  const sizeA = statSync(a).size;
  const sizeB = statSync(b).size;
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = Buffer.allocUnsafe(4 * 1024 * 1024);
    const bb = Buffer.allocUnsafe(4 * 1024 * 1024);
    let pos = 0;
    for (;;) {
      const na = readSync(fa, ba, 0, ba.length, pos);
      const nb = readSync(fb, bb, 0, bb.length, pos);
      const n = Math.min(na, nb);
      if (ba.compare(bb, 0, n, 0, n) !== 0) {
        for (let i = 0; i < n; i++) if (ba[i] !== bb[i]) return pos + i;
      }
      if (na !== nb) return pos + n;
      if (na === 0) return sizeA === sizeB ? -1 : Math.min(sizeA, sizeB);
      pos += na;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

// ---------------------------------------------------------------------------------------------
// Stages

interface StageResult {
  system: 'sluice' | 'kafka';
  role: 'source' | 'sink';
  /** Spawn of the worker process until the first record was seen (topic end offset / file size > 0). */
  startupMs: number;
  /** Records already there at the first observation. */
  firstCount: number;
  /** First observation until all records were there. */
  steadyMs: number;
  /** (records - firstCount) / steadyMs: the headline rate. */
  rate: number;
  /** Spawn until all records were there. */
  totalMs: number;
  /** records / totalMs, start-up included. */
  totalRate: number;
  /** VmHWM of the worker process, read once all records were there (before SIGTERM). */
  peakRssKb: number;
  exitCode: number | null;
  exitSignal: string | null;
  /** Source: the topic's end offset after the worker stopped; sink: the output size in bytes. */
  final: number;
  /** 1-minute load average when the stage started. */
  loadStart: number;
  /** CPU seconds of the worker process from spawn until all records were there. */
  cpuWorkerS: number;
  /** CPU seconds of the worker process from the first observed record until all were there. */
  cpuSteadyS: number;
  /** CPU seconds of the broker over the same window. */
  cpuBrokerS: number;
  /** CPU seconds of everything else on the machine (not worker, broker, driver) over that window. */
  cpuOtherS: number;
}

interface StageSpec extends Command {
  system: 'sluice' | 'kafka';
  /** Added to the stage's log file name (the --metrics-ab runs). */
  tag?: string;
  role: 'source' | 'sink';
  /** Records done so far. */
  progress: () => Promise<number>;
  /** Read after the worker stopped. */
  final: () => Promise<number>;
  /** The process doing the work must have no children (Sluice: no launcher child). */
  noChildren: boolean;
}

let running: Proc | undefined;

async function runStage(spec: StageSpec): Promise<StageResult> {
  const label = `${spec.system}${spec.tag === undefined ? '' : ` ${spec.tag}`} ${spec.role}`;
  const logFile = path.join(
    logDir,
    `${spec.system}${spec.tag === undefined ? '' : `-${spec.tag}`}-${spec.role}.log`,
  );
  log(`${label}: starting (load ${fmtLoad(os.loadavg())})`);
  const loadStart = os.loadavg()[0]!;
  const busy0 = machineBusySeconds();
  const broker0 = cpuSeconds(kafka.pid);
  const driver0 = process.cpuUsage();
  const t0 = performance.now();
  const p = startProc(spec.cmd, spec.args, { cwd: runDir, env: spec.env, logFile });
  running = p;
  let first: { t: number; count: number; cpu: number } | undefined;
  let doneAt: number;
  let lastReport = t0;
  const deadline = t0 + TIMEOUT_MS;
  for (;;) {
    if (p.exited) throw new Error(`${label}: the worker exited early; tail of ${logFile}:\n${tail(logFile)}`);
    if (performance.now() > deadline) {
      await stopProc(p);
      throw new Error(
        `${label}: timed out after ${TIMEOUT_MS / 1000} s; tail of ${logFile}:\n${tail(logFile)}`,
      );
    }
    const count = await spec.progress();
    const t = performance.now();
    if (first === undefined && count > 0) first = { t, count, cpu: cpuSeconds(p.pid) };
    if (count >= LINES) {
      doneAt = t;
      break;
    }
    if (t - lastReport > 5000) {
      log(`${label}: ${count.toLocaleString('en-US')} records after ${((t - t0) / 1000).toFixed(1)} s`);
      lastReport = t;
    }
    await sleep(POLL_MS);
  }
  const peakRssKb = procStatusKb(p.pid, 'VmHWM') ?? 0;
  const cpuWorkerS = cpuSeconds(p.pid);
  const cpuBrokerS = cpuSeconds(kafka.pid) - broker0;
  const driverUsage = process.cpuUsage(driver0);
  const cpuDriverS = (driverUsage.user + driverUsage.system) / 1e6;
  const cpuOtherS = Math.max(0, machineBusySeconds() - busy0 - cpuWorkerS - cpuBrokerS - cpuDriverS);
  const children = childrenOf(p.pid);
  const stopped = await stopProc(p);
  running = undefined;
  if (spec.noChildren && children.length > 0) {
    throw new Error(
      `${label}: the worker process ${p.pid} has child processes (${children.join(', ')}): its RSS is not the worker's`,
    );
  }
  if (!stopped.graceful) log(`${label}: did not stop within 60 s of SIGTERM, killed`);
  const final = await spec.final();
  const f = first!;
  const steadyMs = doneAt - f.t;
  const result: StageResult = {
    system: spec.system,
    role: spec.role,
    startupMs: f.t - t0,
    firstCount: f.count,
    steadyMs,
    rate: steadyMs > 0 ? ((LINES - f.count) * 1000) / steadyMs : Number.NaN,
    totalMs: doneAt - t0,
    totalRate: (LINES * 1000) / (doneAt - t0),
    peakRssKb,
    exitCode: stopped.code,
    exitSignal: stopped.signal,
    final,
    loadStart,
    cpuWorkerS,
    cpuSteadyS: cpuWorkerS - f.cpu,
    cpuBrokerS,
    cpuOtherS,
  };
  log(
    `${label}: ${fmtRate(result.rate)} records/s (first record after ${(result.startupMs / 1000).toFixed(2)} s, ` +
      `all ${LINES.toLocaleString('en-US')} after ${(result.totalMs / 1000).toFixed(2)} s), peak RSS ${mb(peakRssKb)}`,
  );
  return result;
}

interface CeilingRun {
  batch: number;
  /** The library's own Producer (`@platformatic/kafka`), non-idempotent, acks=all. */
  produceRate: number;
  /** PlatformaticLogClient with a source task's producer settings (Sluice's own batch encoding). */
  clientProduceRate: number;
  /** The library's own Consumer (`consume`, from the earliest offset). */
  fetchRate: number;
  /** PlatformaticLogClient's fetch with a sink task's default options (Sluice's own decoder). */
  clientFetchRate: number;
  fetchCalls: number;
  /** Records read back that differ from those produced, or are out of order. */
  mismatches: number;
}

interface CeilingResult {
  runs: CeilingRun[];
  clientProduceRate: number;
  clientFetchRate: number;
  /** The best produce rate over the batch sizes: the upper bound for a source. */
  produceRate: number;
  /** The best fetch rate over the topics: the upper bound for a sink. */
  fetchRate: number;
  fetchedOk: boolean;
  fetchNote: string;
}

/**
 * The ceiling: per batch size, PlatformaticLogClient producing pre-built records into a topic of
 * its own in batches of that size, one produce in flight, then fetching them back with the sink
 * task's fetch options. Each rate is counted from the first acknowledged batch / first fetch
 * response on, like the worker stages.
 */
async function ceiling(bootstrapServers: string): Promise<CeilingResult> {
  // A source task's producer settings: acks=all, not idempotent (Kafka Connect's defaults).
  const client = new PlatformaticLogClient({
    bootstrapServers,
    clientId: 'sluice-bench-ceiling',
    idempotent: false,
  });
  const runs: CeilingRun[] = [];
  try {
    const values: Buffer[] = new Array(LINES);
    for (let i = 0; i < LINES; i++) values[i] = Buffer.from(line(i), 'latin1');
    for (const size of CEILING_BATCHES) {
      const topic = `bench-ceiling-${size}`;
      await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const batches: ProduceRecord[][] = [];
      for (let start = 0; start < LINES; start += size) {
        const batch: ProduceRecord[] = [];
        for (let i = start; i < Math.min(LINES, start + size); i++) {
          batch.push({ topic, key: null, value: values[i]!, headers: [] });
        }
        batches.push(batch);
      }
      log(
        `ceiling: the library's Producer sends ${LINES.toLocaleString('en-US')} records in batches of ${size}`,
      );
      const rawTopic = `bench-ceiling-raw-${size}`;
      await client.createTopics([{ name: rawTopic, partitions: 1, replicationFactor: 1 }]);
      const producer = new Producer({
        clientId: 'sluice-bench-ceiling-raw',
        bootstrapBrokers: [bootstrapServers],
        acks: ProduceAcks.ALL,
        idempotent: false,
        retries: 2,
      });
      const rawBatches = batches.map((batch) =>
        batch.map((r) => ({ topic: rawTopic, partition: 0, key: undefined, value: r.value! })),
      );
      let produceRate: number;
      try {
        await producer.send({ messages: rawBatches[0]! });
        const r0 = performance.now();
        for (let b = 1; b < rawBatches.length; b++) await producer.send({ messages: rawBatches[b]! });
        produceRate = ((LINES - rawBatches[0]!.length) * 1000) / (performance.now() - r0);
      } finally {
        await producer.close();
      }
      rawBatches.length = 0;

      log(
        `ceiling: PlatformaticLogClient produces ${LINES.toLocaleString('en-US')} records in batches of ${size}`,
      );
      await client.produce(batches[0]!);
      const p0 = performance.now();
      for (let b = 1; b < batches.length; b++) await client.produce(batches[b]!);
      const clientProduceRate = ((LINES - batches[0]!.length) * 1000) / (performance.now() - p0);
      batches.length = 0;

      let offset = 0;
      let firstAt = 0;
      let firstCount = 0;
      let calls = 0;
      let mismatches = 0;
      while (offset < LINES) {
        const [part] = await client.fetch([{ topic, partition: 0, offset }], {
          maxWaitMs: 500,
          maxBytes: 50 * 1024 * 1024,
          maxPartitionBytes: DEFAULT_MAX_PARTITION_FETCH_BYTES,
        });
        calls++;
        if (part === undefined) throw new Error('ceiling: empty fetch response');
        if (part.error !== undefined)
          throw new Error(`ceiling: fetch failed: ${part.error.code} ${part.error.message}`);
        for (const r of part.records) {
          if (r.offset !== offset || r.value === null || !values[offset]!.equals(r.value)) mismatches++;
          offset = r.offset + 1;
        }
        offset = Math.max(offset, part.nextOffset);
        if (calls === 1) {
          firstAt = performance.now();
          firstCount = offset;
        }
      }
      if (offset !== LINES) mismatches++;
      const clientFetchRate = ((LINES - firstCount) * 1000) / (performance.now() - firstAt);

      log(`ceiling: the library's Consumer reads ${LINES.toLocaleString('en-US')} records`);
      const consumer = new Consumer({
        clientId: 'sluice-bench-ceiling-consumer',
        groupId: `sluice-bench-ceiling-${size}-${Date.now()}`,
        bootstrapBrokers: [bootstrapServers],
      });
      let fetchRate: number;
      try {
        const stream = await consumer.consume({
          topics: [topic],
          mode: MessagesStreamModes.EARLIEST,
          autocommit: false,
          maxWaitTime: 500,
        });
        let read = 0;
        let consumeStart = 0;
        for await (const message of stream) {
          if (read === 0) consumeStart = performance.now();
          if (!values[read]!.equals(message.value as Buffer)) mismatches++;
          read++;
          if (read >= LINES) break;
        }
        fetchRate = ((LINES - 1) * 1000) / (performance.now() - consumeStart);
        await stream.close();
      } finally {
        await consumer.close(true);
      }
      log(
        `ceiling, batches of ${size}: library produce ${fmtRate(produceRate)} records/s, client produce ${fmtRate(clientProduceRate)} records/s, library consume ${fmtRate(fetchRate)} records/s, client fetch ${fmtRate(clientFetchRate)} records/s`,
      );
      runs.push({
        batch: size,
        produceRate,
        clientProduceRate,
        fetchRate,
        clientFetchRate,
        fetchCalls: calls,
        mismatches,
      });
      await sleep(Math.min(PAUSE_MS, 1000));
    }
  } finally {
    await client.close();
  }
  const mismatches = runs.reduce((n, r) => n + r.mismatches, 0);
  return {
    runs,
    produceRate: Math.max(...runs.map((r) => r.produceRate)),
    clientProduceRate: Math.max(...runs.map((r) => r.clientProduceRate)),
    clientFetchRate: Math.max(...runs.map((r) => r.clientFetchRate)),
    fetchRate: Math.max(...runs.map((r) => r.fetchRate)),
    fetchedOk: mismatches === 0,
    fetchNote:
      mismatches === 0
        ? 'all records read back equal'
        : `${mismatches} records read back differ or are out of order`,
  };
}

// ---------------------------------------------------------------------------------------------
// Profiles

/** Top self-time functions of a V8 .cpuprofile. */
function topFunctions(file: string, n: number): string[] {
  const self = profileSelfTimes(file);
  const total = self.reduce((sum, f) => sum + f.us, 0);
  const idle = self.reduce((sum, f) => sum + (f.functionName === '(idle)' ? f.us : 0), 0);
  const busy = total - idle;
  return [
    `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s not idle`,
    ...self
      .sort((a, b) => b.us - a.us)
      .slice(0, n)
      .map(
        ({ key: k, us }) =>
          `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}% all ${k === '(idle)' ? '      ' : `${((100 * us) / busy).toFixed(1).padStart(5)}% busy`}  ${k}`,
      ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Main

const loadBefore = os.loadavg();
const sluiceSource = gitDescribe(['packages']);
const metricsAb = opts['metrics-ab'];

// 1. Kafka Connect's jars, fetched once (not needed for --metrics-ab).
if (!metricsAb) fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^connect-runtime-.*\.jar$/);
const connectVersion = metricsAb ? 'not run' : jarVersion(libs, 'connect-runtime');

// 2. Versions and settings of both runtimes.
const nodeInfo = node24Info();
const node24 = nodeInfo.bin;
const sluiceFrom = sluiceRunFrom();
const java = javaInfo(jvmArgs);

// 3. Input file and fresh run directory.
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
mkdirSync(logDir, { recursive: true });
const input = path.join(runDir, 'input.txt');
log(`writing ${LINES.toLocaleString('en-US')} lines of ${LINE_BYTES} bytes to ${input}`);
const inputBytes = writeInput(input);
const lineWithNewline = LINE_BYTES + 1;
if (inputBytes !== LINES * lineWithNewline)
  throw new Error(`input is ${inputBytes} bytes, expected ${LINES * lineWithNewline}`);

const log4jFile = path.join(runDir, 'connect-log4j2.properties');
writeConnectLog4j(log4jFile, [
  'Kafka Connect logging for the benchmark: WARN and above to stdout (the stage log file).',
]);

// 4. The broker, once for the whole run.
if (profile) mkdirSync(profileDir, { recursive: true });
const kafka = await startKafka({ ownerPid: process.pid, log });
const monitor = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'sluice-bench-monitor',
});
const results: StageResult[] = [];
let ceil: CeilingResult;
const checks: Check[] = [];

function workerProperties(system: string, extra: string[] = []): string {
  const file = path.join(runDir, `${system}-worker.properties`);
  writeFileSync(
    file,
    [
      `bootstrap.servers=${kafka.bootstrapServers}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${path.join(runDir, `${system}.offsets`)}`,
      'offset.flush.interval.ms=10000',
      'listeners=http://127.0.0.1:0',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

function connectorProperties(system: string, role: 'source' | 'sink', topic: string, output: string): string {
  const file = path.join(runDir, `${system}-${role}.properties`);
  const lines =
    role === 'source'
      ? [
          `name=bench-${system}-source`,
          'connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector',
          'tasks.max=1',
          `file=${input}`,
          `topic=${topic}`,
        ]
      : [
          `name=bench-${system}-sink`,
          'connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector',
          'tasks.max=1',
          `file=${output}`,
          `topics=${topic}`,
        ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const fileSize = (file: string) => (existsSync(file) ? statSync(file).size : 0);

async function runSystem(system: 'sluice' | 'kafka'): Promise<void> {
  const topic = `bench-${system}`;
  const output = path.join(runDir, `${system}-output.txt`);
  await monitor.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const worker = workerProperties(system);
  const command = (role: 'source' | 'sink'): Command & Pick<StageSpec, 'noChildren'> => {
    const conn = connectorProperties(system, role, topic, output);
    if (system === 'sluice') {
      return {
        ...sluiceCommand({
          node: node24,
          nodeArgs: profile ? cpuProfArgs(profileDir, `sluice-${role}.cpuprofile`) : [],
          args: ['standalone', worker, conn],
          logLevel: 'WARN',
        }),
        noChildren: true,
      };
    }
    return {
      ...connectCommand({
        jvmArgs,
        log4jFile,
        libs,
        mainClass: 'org.apache.kafka.connect.cli.ConnectStandalone',
        args: [worker, conn],
      }),
      noChildren: false,
    };
  };

  const source = await runStage({
    system,
    role: 'source',
    ...command('source'),
    progress: () => endOffset(monitor, topic),
    final: () => endOffset(monitor, topic),
  });
  results.push(source);
  checks.push({
    what: `${system} source: topic end offset after the worker stopped`,
    ok: source.final === LINES,
    detail: `${source.final.toLocaleString('en-US')} (expected ${LINES.toLocaleString('en-US')})`,
  });
  await sleep(PAUSE_MS);

  const sink = await runStage({
    system,
    role: 'sink',
    ...command('sink'),
    progress: async () => Math.floor(fileSize(output) / lineWithNewline),
    final: async () => fileSize(output),
  });
  results.push(sink);
  const diff = firstDifference(input, output);
  checks.push({
    what: `${system} sink: output file equals the input byte for byte`,
    ok: diff === -1,
    detail:
      diff === -1
        ? `${inputBytes.toLocaleString('en-US')} bytes equal`
        : `first difference at byte ${diff} (input ${inputBytes} bytes, output ${fileSize(output)} bytes)`,
  });
  log(`${system}: byte check ${diff === -1 ? 'passed' : `FAILED at byte ${diff}`}`);
  if (!opts['keep-files'] && diff === -1) rmSync(output, { force: true });
  await sleep(PAUSE_MS);
}

let abOk = true;
if (metricsAb) {
  try {
    await metricsAbRun();
  } finally {
    if (running !== undefined) await stopProc(running);
    await monitor.close();
    await kafka.stop();
  }
  process.exit(abOk ? 0 : 1);
}

// --metrics-ab: Sluice with metrics.enable=true and =false, alternating, `--rounds` times.
interface AbRun {
  round: number;
  metrics: 'on' | 'off';
  source: StageResult;
  sink: StageResult;
}
async function metricsAbRun(): Promise<void> {
  const runs: AbRun[] = [];
  const abChecks: Check[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Alternate which goes first, so a drift of the machine's load does not favour one side.
    const order: ('on' | 'off')[] = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
    for (const metrics of order) {
      const tag = `metrics-${metrics}-${round}`;
      const system = `sluice-${tag}`;
      const topic = `bench-${tag}`;
      const output = path.join(runDir, `${system}-output.txt`);
      await monitor.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const worker = workerProperties(system, [`metrics.enable=${metrics === 'on'}`]);
      const command = (role: 'source' | 'sink') => ({
        ...sluiceCommand({
          node: node24,
          nodeArgs: profile ? cpuProfArgs(profileDir, `sluice-${tag}-${role}.cpuprofile`) : [],
          args: ['standalone', worker, connectorProperties(system, role, topic, output)],
          logLevel: 'WARN',
        }),
        noChildren: true,
      });
      const source = await runStage({
        system: 'sluice',
        tag,
        role: 'source',
        ...command('source'),
        progress: () => endOffset(monitor, topic),
        final: () => endOffset(monitor, topic),
      });
      abChecks.push({
        what: `${tag} source: topic end offset`,
        ok: source.final === LINES,
        detail: `${source.final.toLocaleString('en-US')} (expected ${LINES.toLocaleString('en-US')})`,
      });
      await sleep(PAUSE_MS);
      const sink = await runStage({
        system: 'sluice',
        tag,
        role: 'sink',
        ...command('sink'),
        progress: async () => Math.floor(fileSize(output) / lineWithNewline),
        final: async () => fileSize(output),
      });
      const diff = firstDifference(input, output);
      abChecks.push({
        what: `${tag} sink: output equals the input`,
        ok: diff === -1,
        detail: diff === -1 ? 'equal' : `first difference at byte ${diff}`,
      });
      rmSync(output, { force: true });
      runs.push({ round, metrics, source, sink });
      await sleep(PAUSE_MS);
    }
  }
  const loadEnd = os.loadavg();
  const median = (xs: number[]): number => {
    const a = [...xs].sort((x, y) => x - y);
    const m = Math.floor(a.length / 2);
    return a.length % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  };
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const roles = ['source', 'sink'] as const;
  const rates = (metrics: 'on' | 'off', role: 'source' | 'sink'): number[] =>
    runs.filter((r) => r.metrics === metrics).map((r) => r[role].rate);
  const perRound = (role: 'source' | 'sink'): number[] =>
    Array.from({ length: opts.rounds }, (_, i) => {
      const on = runs.find((r) => r.round === i + 1 && r.metrics === 'on')![role].rate;
      const off = runs.find((r) => r.round === i + 1 && r.metrics === 'off')![role].rate;
      return on / off - 1;
    });
  const summary = roles.map((role) => {
    const on = rates('on', role);
    const off = rates('off', role);
    const diffs = perRound(role);
    const medianDiff = median(on) / median(off) - 1;
    // Worker CPU per record over the steady part: less sensitive to other work than records/s.
    const cpu = (metrics: 'on' | 'off'): number[] =>
      runs
        .filter((r) => r.metrics === metrics)
        .map((r) => (r[role].cpuSteadyS * 1e6) / (LINES - r[role].firstCount));
    const cpuOn = median(cpu('on'));
    const cpuOff = median(cpu('off'));
    // Per round, on/off − 1 of the CPU per record: the paired differences show the noise.
    const cpuOf = (r: AbRun): number => (r[role].cpuSteadyS * 1e6) / (LINES - r[role].firstCount);
    const cpuDiffs = Array.from({ length: opts.rounds }, (_, i) => {
      const on = runs.find((r) => r.round === i + 1 && r.metrics === 'on')!;
      const off = runs.find((r) => r.round === i + 1 && r.metrics === 'off')!;
      return cpuOf(on) / cpuOf(off) - 1;
    });
    return { role, on, off, diffs, medianDiff, met: medianDiff >= -0.03, cpuOn, cpuOff, cpuDiffs };
  });
  const table = [
    '| Stage | metrics on: median records/s (min–max) | metrics off: median records/s (min–max) | on vs off (medians) | on vs off per round (on/off − 1) | worker CPU µs/record, on / off (medians) |',
    '|---|---:|---:|---:|---|---:|',
    ...summary.map(
      (x) =>
        `| ${x.role === 'source' ? 'source: file → Kafka' : 'sink: Kafka → file'} | ${fmtRate(median(x.on))} (${fmtRate(Math.min(...x.on))}–${fmtRate(Math.max(...x.on))}) | ${fmtRate(median(x.off))} (${fmtRate(Math.min(...x.off))}–${fmtRate(Math.max(...x.off))}) | ${pct(x.medianDiff)} | ${x.diffs.map(pct).join(', ')} | ${x.cpuOn.toFixed(2)} / ${x.cpuOff.toFixed(2)} (${pct(x.cpuOn / x.cpuOff - 1)}) |`,
    ),
  ].join('\n');
  const runLine = (r: AbRun) =>
    `- round ${r.round}, metrics ${r.metrics}: source ${fmtRate(r.source.rate)} records/s (load ${r.source.loadStart.toFixed(2)}, other processes ${r.source.cpuOtherS.toFixed(1)} CPU-s, worker ${r.source.cpuWorkerS.toFixed(1)} CPU-s (${r.source.cpuSteadyS.toFixed(2)} after the first record), peak RSS ${mb(r.source.peakRssKb)}), ` +
    `sink ${fmtRate(r.sink.rate)} records/s (load ${r.sink.loadStart.toFixed(2)}, other processes ${r.sink.cpuOtherS.toFixed(1)} CPU-s, worker ${r.sink.cpuWorkerS.toFixed(1)} CPU-s (${r.sink.cpuSteadyS.toFixed(2)} after the first record), peak RSS ${mb(r.sink.peakRssKb)})`;
  abOk = abChecks.every((c) => c.ok);
  const cpuRounds = `- Worker CPU µs/record per round, on/off − 1 (median of the rounds): ${summary
    .map((x) => `${x.role} ${x.cpuDiffs.map(pct).join(', ')} (${pct(median(x.cpuDiffs))})`)
    .join('; ')}`;
  const target = summary.map(
    (x) =>
      `${x.role} ${x.met ? 'met' : 'NOT met'} (${pct(x.medianDiff)}; per round ${pct(Math.min(...x.diffs))} to ${pct(Math.max(...x.diffs))})`,
  );
  const section = [
    sectionTitle('Metrics cost: standalone file pipeline, metrics.enable=true vs false (Sluice only)', abOk),
    '',
    ...machineLines(loadBefore, loadEnd),
    `- Sluice: ${sluiceSource}, run from ${sluiceFrom}; \`node packages/cli/bin/sluice.mjs standalone\` on Node ${nodeInfo.node}, SLUICE_LOG_LEVEL=WARN; broker: one Apache Kafka ${kafka.version} (KRaft, single node) for the whole run`,
    `- Data and settings: as the standalone file pipeline section (${LINES.toLocaleString('en-US')} lines of ${LINE_BYTES} bytes, StringConverter, FileStreamSource/FileStreamSink, tasks.max=1); the only difference between the two sides is \`metrics.enable\` in the worker properties. Nothing scrapes /metrics during the runs (the recording is what is measured)`,
    `- Method: ${opts.rounds} rounds; each round runs the source stage then the sink stage once with metrics on and once off, each a fresh worker process on a fresh topic, the order alternating between rounds (on first in odd rounds); records/s counted as in the pipeline section (steady rate from the first record, progress polled every ${POLL_MS} ms). Worker CPU µs/record = the worker process's utime + stime (/proc) from the first observed record until all were there, divided by the records in that span: it depends less on other work than records/s does. The machine is shared with other work: the per-round differences show the noise`,
    checksLine(abChecks),
    '',
    table,
    '',
    ...runs.map(runLine),
    cpuRounds,
    `- Issue target (metrics on within 3% of off, medians): ${target.join('; ')}`,
    '',
  ].join('\n');
  console.log('');
  console.log(table);
  console.log('');
  for (const r of runs) console.log(runLine(r));
  console.log(cpuRounds);
  console.log(`Target: ${target.join('; ')}`);
  for (const c of abChecks) console.log(checkLine(c));
  if (profile) {
    // What the recording costs in each worker: self time in the metrics code, beside the total.
    console.log('\nSelf time in packages/runtime/src/metrics/ (the recording) per profiled worker:');
    for (const r of runs) {
      for (const role of roles) {
        const file = path.join(profileDir, `sluice-metrics-${r.metrics}-${r.round}-${role}.cpuprofile`);
        if (!existsSync(file)) continue;
        const self = profileSelfTimes(file);
        const busy = self.reduce((sum, f) => sum + (f.functionName === '(idle)' ? 0 : f.us), 0);
        const inMetrics = self.filter((f) => f.shortUrl.startsWith('packages/runtime/src/metrics/'));
        const us = inMetrics.reduce((sum, f) => sum + f.us, 0);
        const top = inMetrics
          .sort((a, b) => b.us - a.us)
          .slice(0, 3)
          .map((f) => `${f.key} ${(f.us / 1000).toFixed(1)} ms`);
        console.log(
          `- round ${r.round} ${role}, metrics ${r.metrics}: ${(us / 1000).toFixed(1)} ms of ${(busy / 1000).toFixed(0)} ms busy (${((100 * us) / busy).toFixed(3)}%)${top.length > 0 ? `: ${top.join(', ')}` : ''}`,
        );
      }
    }
  }
  appendSection(section, profile ? '--profile' : opts['no-results'] ? '--no-results' : undefined);
}

try {
  ceil = await ceiling(kafka.bootstrapServers);
  checks.push({
    what: 'ceiling: records fetched back equal those produced',
    ok: ceil.fetchedOk,
    detail: ceil.fetchNote,
  });
  await sleep(PAUSE_MS);
  await runSystem('sluice');
  await runSystem('kafka');
} finally {
  if (running !== undefined) await stopProc(running);
  await monitor.close();
  await kafka.stop();
}
const loadAfter = os.loadavg();
if (!opts['keep-files']) rmSync(input, { force: true });

// 5. Report.
const get = (system: 'sluice' | 'kafka', role: 'source' | 'sink') =>
  results.find((r) => r.system === system && r.role === role)!;
const s = { source: get('sluice', 'source'), sink: get('sluice', 'sink') };
const k = { source: get('kafka', 'source'), sink: get('kafka', 'sink') };
const ceilingOf = { source: ceil.produceRate, sink: ceil.fetchRate };
const allOk = checks.every((c) => c.ok);

const table = [
  '| Stage | Sluice (records/s) | Kafka Connect (records/s) | Sluice / Kafka Connect | Sluice peak RSS | Kafka Connect peak RSS | Sluice / Kafka Connect RSS | Sluice / ceiling |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...(['source', 'sink'] as const).map(
    (role) =>
      `| ${role === 'source' ? 'source: file → Kafka' : 'sink: Kafka → file'} | ${fmtRate(s[role].rate)} | ${fmtRate(k[role].rate)} | ${fmtRatio(s[role].rate / k[role].rate)} | ${mb(s[role].peakRssKb)} | ${mb(k[role].peakRssKb)} | ${fmtRatio(s[role].peakRssKb / k[role].peakRssKb)} | ${fmtRatio(s[role].rate / ceilingOf[role])} |`,
  ),
].join('\n');

const target = (['source', 'sink'] as const).map((role) => {
  const speed = s[role].rate / k[role].rate;
  const rss = s[role].peakRssKb / k[role].peakRssKb;
  const met = speed >= 2 && rss <= 1 / 3;
  return `${role} ${met ? 'met' : 'NOT met'} (${fmtRatio(speed)} the records/s, ${fmtRatio(rss)} the peak RSS)`;
});

const detailLine = (r: StageResult) =>
  `- ${r.system === 'sluice' ? 'Sluice' : 'Kafka Connect'} ${r.role}: first record ${fmtS(r.startupMs)} after spawn ` +
  `(${r.firstCount.toLocaleString('en-US')} record${r.firstCount === 1 ? '' : 's'} at the first observation), all ${LINES.toLocaleString('en-US')} ` +
  `${fmtS(r.steadyMs)} later; spawn to done ${fmtS(r.totalMs)} = ${fmtRate(r.totalRate)} records/s start-up included; ` +
  `CPU time over spawn to done: worker ${r.cpuWorkerS.toFixed(1)} s, broker ${r.cpuBrokerS.toFixed(1)} s, ` +
  `other processes ${r.cpuOtherS.toFixed(1)} s (of ${((r.totalMs / 1000) * os.cpus().length).toFixed(1)} core-seconds); ` +
  `1-min load at start ${r.loadStart.toFixed(2)}; ` +
  `SIGTERM then ${r.exitCode === null ? `killed by ${r.exitSignal}` : `exit code ${r.exitCode}${r.system === 'kafka' && r.exitCode === 143 ? " (the JVM's status after SIGTERM, shutdown hooks run)" : ''}`}`;

const jvmArgsText = jvmArgs.length === 0 ? 'none' : jvmArgs.join(' ');

const section = [
  sectionTitle(
    `Standalone file pipeline (FileStreamSource / FileStreamSink on Kafka ${kafka.version})`,
    allOk,
  ),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${sluiceSource}, run from ${sluiceFrom}; \`node packages/cli/bin/sluice.mjs standalone\` on Node ${nodeInfo.node} (V8 ${nodeInfo.v8}, default heap limit ${nodeInfo.heap} MB), in-process (SLUICE_NODE = that node, no child process), SLUICE_LOG_LEVEL=WARN`,
  `- Kafka Connect: \`org.apache.kafka.connect.cli.ConnectStandalone\` ${connectVersion} (connect-runtime, connect-file, connect-json from Maven Central, FileStream connectors on the classpath, no plugin.path) on ${java.version}; JVM args: ${jvmArgsText} (max heap ${java.maxHeapMb} MB, initial ${java.initialHeapMb} MB, ${java.gc}); log4j2 at WARN`,
  `- Broker: one Apache Kafka ${kafka.version} (KRaft, single node, \`startKafka()\` of @sluice/testing, heap 768 MB) for the whole run; each system gets its own fresh 1-partition topic`,
  `- Data: ${LINES.toLocaleString('en-US')} lines of ${LINE_BYTES} ASCII bytes plus \`\\n\` (${(inputBytes / 1e6).toFixed(0)} MB file); worker settings identical for both: StringConverter for key and value, offset.storage.file.filename, offset.flush.interval.ms=10000, listeners=http://127.0.0.1:0; connectors: tasks.max=1, FileStreamSource default batch.size (2000), FileStreamSink defaults`,
  `- Method: each stage is one worker process started for it (\`standalone worker.properties connector.properties\`) and stopped with SIGTERM once done; stages ran one after the other: ceiling, Sluice source, Sluice sink, Kafka Connect source, Kafka Connect sink, ${PAUSE_MS} ms apart. Progress is polled every ${POLL_MS} ms: source = the topic's end offset (ListOffsets latest via PlatformaticLogClient), sink = the output file's size / ${lineWithNewline}. **records/s = (${LINES.toLocaleString('en-US')} − records at the first observation of a non-zero count) / (time of the first observation that all are there − time of that first observation)**: steady throughput from the first record, start-up excluded (start-up is listed below). Peak RSS = VmHWM of the worker process (/proc/<pid>/status), read when all records were there, before SIGTERM. Sink = each system's sink reads the topic its own source filled, from the beginning (new consumer group). CPU times below come from /proc (worker and broker: utime + stime; other processes: the machine's non-idle time minus worker, broker and this driver) and show how much other work shared the ${os.cpus().length} cores during a stage`,
  `- Ceiling (in the driver process, before the workers): ${LINES.toLocaleString('en-US')} pre-built ${LINE_BYTES}-byte records (null key, no headers) produced into a fresh topic per batch size, one produce in flight, acks=all, not idempotent (a source task's producer settings), rate counted from the first acknowledged batch: first by the raw \`@platformatic/kafka\` Producer (\`send\`), then by Sluice's PlatformaticLogClient (its own batch encoding); then read back from offset 0 by Sluice's PlatformaticLogClient (its own Fetch decoding) with a sink task's default fetch options (maxBytes 50 MiB, ${DEFAULT_MAX_PARTITION_FETCH_BYTES / 1048576} MiB per partition, maxWait 500 ms), rate from the first response, and by the raw \`@platformatic/kafka\` Consumer (\`consume\` from the earliest offset, its defaults), rate from the first message. ${ceil.runs.map((r) => `Batches of ${r.batch}: library produce ${fmtRate(r.produceRate)} records/s, client produce ${fmtRate(r.clientProduceRate)} records/s, library consume ${fmtRate(r.fetchRate)} records/s, client fetch ${fmtRate(r.clientFetchRate)} records/s (${r.fetchCalls} fetches)`).join('; ')}. The ceiling is the best of the library's own rates: **produce ${fmtRate(ceil.produceRate)} records/s** (for the source; Sluice's client: ${fmtRate(ceil.clientProduceRate)} records/s), **consume ${fmtRate(ceil.fetchRate)} records/s** (for the sink; Sluice's client: ${fmtRate(ceil.clientFetchRate)} records/s)`,
  checksLine(checks),
  '',
  table,
  '',
  ...results.map(detailLine),
  `- Issue target (Sluice ≥ 2× Kafka Connect's records/s at ≤ 1/3 of its peak RSS): ${target.join('; ')}`,
  '',
].join('\n');

console.log('');
console.log(table);
console.log('');
for (const r of results) console.log(detailLine(r));
console.log(
  `Ceiling: produce ${fmtRate(ceil.produceRate)} records/s, fetch ${fmtRate(ceil.fetchRate)} records/s`,
);
console.log(`Target: ${target.join('; ')}`);
for (const c of checks) console.log(checkLine(c));

if (profile) {
  for (const role of ['source', 'sink']) {
    const file = path.join(profileDir, `sluice-${role}.cpuprofile`);
    if (!existsSync(file)) {
      console.log(`\nno profile at ${file}`);
      continue;
    }
    const top = topFunctions(file, 25);
    writeFileSync(`${file}.top.txt`, `${top.join('\n')}\n`);
    console.log(`\nSluice ${role} worker, top functions by self time:\n${top.join('\n')}`);
  }
}

appendSection(section, writeResults ? undefined : profile ? '--profile' : '--no-results');
exitIfFailed(allOk);
