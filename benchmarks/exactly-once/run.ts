// Exactly-once source throughput (KIP-618): a FileStreamSource copying a file of N lines into a
// one-partition topic, on one distributed worker, with `exactly.once.source.support=disabled`
// (at-least-once) and `enabled` (exactly-once, `exactly.once.support=required`, transaction per
// poll), for `sluice distributed` and Apache Kafka Connect's ConnectDistributed 4.1.1 (Maven
// Central) in the same run, on one Kafka broker started for the run.
//
//   bash scripts/run-node.sh benchmarks/exactly-once/run.ts                     # appends to RESULTS.md
//   bash scripts/run-node.sh benchmarks/exactly-once/run.ts --lines 50000 --repeats 1 --no-results
//
// Per repeat the four runs alternate (Sluice ALO, Kafka Connect ALO, Sluice EOS, Kafka Connect
// EOS), never in parallel; each has a fresh worker, group, internal topics and topic. Timed: from
// the first record a read_committed reader can see to the last line visible to it. Checked: the
// topic holds the N lines exactly once, in order, for a read_committed reader.

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { startKafka } from '@sluice/testing';
import { fetchMavenLibs, jarVersion, log, sleep, workDir } from '../lib/bench-util.ts';
import { connectCommand, sluiceCommand, writeConnectLog4j } from '../lib/connect.ts';
import { fmtN, fmtRate, fmtRatio, median } from '../lib/format.ts';
import { gitDescribe, javaInfo, node24Info, sluiceRunFrom } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt, words } from '../lib/options.ts';
import { cpuSeconds, type Proc, startProc, stopProc, tail } from '../lib/processes.ts';
import {
  appendSection,
  type Check,
  checksLine,
  exitIfFailed,
  machineLines,
  sectionTitle,
} from '../lib/results.ts';

const here = import.meta.dirname;
const work = workDir('exactly-once');
const libs = path.join(work, 'libs');
const runDir = path.join(work, 'run');

const opts = parseOptions({
  lines: positiveInt(200_000),
  repeats: positiveInt(2),
  'jvm-args': words(),
  'no-results': flag(),
});
const LINES = opts.lines;
const jvmArgs = opts['jvm-args'];

type System = 'sluice' | 'kafka';
type Mode = 'alo' | 'eos';
const systemName = (s: System) => (s === 'sluice' ? 'Sluice' : 'Kafka Connect');
const modeName = (m: Mode) => (m === 'eos' ? 'exactly-once' : 'at-least-once');

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
    if (performance.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`,
      );
    await sleep(50);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field
type Json = any;

async function http(
  url: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${url}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  let parsed: Json = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON while starting
  }
  return { status: r.status, body: parsed };
}

// ---------------------------------------------------------------------------------------------

const loadBefore = os.loadavg();
fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^connect-runtime-.*\.jar$/);
const connectVersion = jarVersion(libs, 'connect-runtime');
const nodeInfo = node24Info();
const java = javaInfo(jvmArgs);
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
const log4jFile = path.join(runDir, 'connect-log4j2.properties');
writeConnectLog4j(log4jFile, ['Kafka Connect logging for the benchmark: WARN and above, to stdout.']);

// The input: LINES lines of 100 bytes, each starting with its number.
const input = path.join(runDir, 'input.txt');
const pad = 'x'.repeat(91);
writeFileSync(
  input,
  Array.from({ length: LINES }, (_, i) => `${String(i).padStart(8, '0')} ${pad}\n`).join(''),
);
const lastLine = `${String(LINES - 1).padStart(8, '0')} ${pad}`;

const kafka = await startKafka({ ownerPid: process.pid, log });
const reader = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'bench-eos-reader',
});
let current: Proc | undefined;
process.once('SIGINT', () => {
  current?.child.kill('SIGKILL');
  process.exit(130);
});

interface Run {
  system: System;
  mode: Mode;
  repeat: number;
  recordsPerS: number;
  /** Worker CPU seconds from connector creation to the last line. */
  cpuS: number;
  committed: number;
  inOrder: boolean;
  transactions: number;
}

/** The records a read_committed reader sees, counted and checked in order; and the number of transaction markers. */
async function verify(topic: string): Promise<{ count: number; inOrder: boolean; markers: number }> {
  const [end] = await reader.listOffsets([{ topic, partition: 0 }], 'latest', {
    isolationLevel: 'read_committed',
  });
  let offset = 0;
  let count = 0;
  let inOrder = true;
  let markers = 0;
  let previous = -1;
  while (offset < end!.offset) {
    const [p] = await reader.fetch([{ topic, partition: 0, offset }], {
      isolationLevel: 'read_committed',
      maxWaitMs: 100,
      maxPartitionBytes: 8 * 1024 * 1024,
    });
    for (const r of p!.records) {
      if (Number(r.value!.subarray(0, 8).toString()) !== count) inOrder = false;
      if (previous >= 0 && r.offset !== previous + 1) markers++;
      previous = r.offset;
      count++;
    }
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return { count, inOrder, markers };
}

async function runOnce(system: System, mode: Mode, repeat: number): Promise<Run> {
  const group = `bench-eos-${system}-${mode}-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const props = path.join(runDir, `${group}.properties`);
  writeFileSync(
    props,
    [
      `bootstrap.servers=${kafka.bootstrapServers}`,
      `group.id=${group}`,
      `config.storage.topic=${group}-configs`,
      `offset.storage.topic=${group}-offsets`,
      `status.storage.topic=${group}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `exactly.once.source.support=${mode === 'eos' ? 'enabled' : 'disabled'}`,
      'offset.flush.interval.ms=10000',
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const topic = `${group}-lines`;
  await reader.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const { cmd, args, env } =
    system === 'sluice'
      ? sluiceCommand({ node: nodeInfo.bin, args: ['distributed', props], logLevel: 'warn' })
      : connectCommand({
          jvmArgs,
          log4jFile,
          libs,
          mainClass: 'org.apache.kafka.connect.cli.ConnectDistributed',
          args: [props],
        });
  const logFile = path.join(runDir, `${group}.log`);
  const proc = startProc(cmd, args, { cwd: runDir, env, logFile, echo: false });
  current = proc;
  try {
    await waitFor(
      `${systemName(system)} REST`,
      async () => ((await http(url, 'GET', '/connectors')).status === 200 ? true : undefined),
      180_000,
    );
    const cpuStart = cpuSeconds(proc.pid);
    const config: Record<string, string> = { 'connector.class': 'FileStreamSource', file: input, topic };
    if (mode === 'eos') config['exactly.once.support'] = 'required';
    await waitFor(
      'connector created',
      async () => {
        const r = await http(url, 'PUT', '/connectors/lines/config', config);
        if (r.status === 201 || r.status === 200) return true;
        if (r.status === 409 || r.status >= 500) return undefined;
        throw new Error(`PUT config: ${r.status} ${JSON.stringify(r.body)}`);
      },
      120_000,
    );
    const lso = async () =>
      (
        await reader.listOffsets([{ topic, partition: 0 }], 'latest', { isolationLevel: 'read_committed' })
      )[0]!.offset;
    await waitFor('the first record', async () => ((await lso()) > 0 ? true : undefined), 120_000);
    const first = performance.now();
    await waitFor(
      'the last line',
      async () => {
        const end = await lso();
        const [p] = await reader.fetch([{ topic, partition: 0, offset: Math.max(0, end - 4) }], {
          isolationLevel: 'read_committed',
          maxWaitMs: 10,
        });
        return p!.records.at(-1)?.value?.toString() === lastLine ? true : undefined;
      },
      600_000,
    );
    const seconds = (performance.now() - first) / 1000;
    const cpuS = cpuSeconds(proc.pid) - cpuStart;
    const v = await verify(topic);
    const r: Run = {
      system,
      mode,
      repeat,
      recordsPerS: LINES / seconds,
      cpuS,
      committed: v.count,
      inOrder: v.inOrder,
      transactions: v.markers + 1,
    };
    log(
      `${systemName(system)} ${modeName(mode)} #${repeat}: ${fmtRate(r.recordsPerS)} records/s, ${cpuS.toFixed(1)} CPU s, ${v.count} committed, in order ${v.inOrder}, ${mode === 'eos' ? `${r.transactions} transactions` : ''}`,
    );
    return r;
  } catch (err) {
    console.error(tail(logFile, 40));
    throw err;
  } finally {
    await stopProc(proc);
    current = undefined;
  }
}

const runs: Run[] = [];
try {
  for (let repeat = 1; repeat <= opts.repeats; repeat++)
    for (const mode of ['alo', 'eos'] as const)
      for (const system of ['sluice', 'kafka'] as const) runs.push(await runOnce(system, mode, repeat));
} finally {
  await reader.close();
  await kafka.stop();
}

const of = (s: System, m: Mode) => runs.filter((r) => r.system === s && r.mode === m);
const rate = (s: System, m: Mode) => median(of(s, m).map((r) => r.recordsPerS));
const cpu = (s: System, m: Mode) => median(of(s, m).map((r) => r.cpuS));
const checks: Check[] = [
  {
    what: 'every run: the N lines exactly once and in order for a read_committed reader',
    ok: runs.every((r) => r.committed === LINES && r.inOrder),
    detail: runs
      .map((r) => `${r.system}/${r.mode}: ${r.committed}${r.inOrder ? '' : ' OUT OF ORDER'}`)
      .join(', '),
  },
];
const ok = checks.every((c) => c.ok);
const lines = [
  sectionTitle('Exactly-once source throughput (FileStreamSource, one distributed worker, Kafka 4.1.1)', ok),
  '',
  ...machineLines(loadBefore, os.loadavg()),
  `- Sluice: ${gitDescribe(['packages'])}, run from ${sluiceRunFrom()}, Node ${nodeInfo.node} (V8 ${nodeInfo.v8}, heap limit ${nodeInfo.heap} MB)`,
  `- Kafka Connect: ConnectDistributed ${connectVersion} (Maven Central) on ${java.version}; JVM args: ${jvmArgs.length === 0 ? 'none' : jvmArgs.join(' ')} (max heap ${java.maxHeapMb} MB, ${java.gc})`,
  `- Workload: ${fmtN(LINES)} lines of 100 bytes in a file, FileStreamSource (batch.size 2000) into a one-partition topic, String converters; one worker per run; at-least-once = exactly.once.source.support=disabled, exactly-once = enabled with exactly.once.support=required and transaction.boundary=poll; ${opts.repeats} repeats, runs alternating, medians below`,
  '- Timed: from the first record visible to a read_committed reader to the last line visible to it; CPU: the worker process from connector creation to the last line',
  '',
  '| | at-least-once records/s | exactly-once records/s | exactly-once / at-least-once | CPU s (ALO / EOS) | transactions (EOS) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...(['sluice', 'kafka'] as const).map(
    (s) =>
      `| ${systemName(s)} | ${fmtRate(rate(s, 'alo'))} | ${fmtRate(rate(s, 'eos'))} | ${fmtRatio(rate(s, 'eos') / rate(s, 'alo'))} | ${cpu(s, 'alo').toFixed(1)} / ${cpu(s, 'eos').toFixed(1)} | ${median(of(s, 'eos').map((r) => r.transactions))} |`,
  ),
  `| Sluice / Kafka Connect | ${fmtRatio(rate('sluice', 'alo') / rate('kafka', 'alo'))} | ${fmtRatio(rate('sluice', 'eos') / rate('kafka', 'eos'))} | | | |`,
  '',
  `- Every run: ${runs.map((r) => `${r.system}/${r.mode}#${r.repeat} ${fmtRate(r.recordsPerS)}`).join(', ')}`,
  checksLine(checks),
  '',
];
const section = lines.join('\n');
console.log(section);
appendSection(section, opts['no-results'] ? '--no-results' : undefined);
exitIfFailed(ok);
