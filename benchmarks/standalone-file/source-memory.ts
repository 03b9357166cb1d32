// Source-only companion of run.ts, for working on the FileStreamSource worker's memory and speed:
// writes the input file once (run.ts's lines), then runs `sluice standalone` with
// FileStreamSourceConnector on it --runs times, each a fresh worker process, topic and offsets file.
// Per run: records/s and worker CPU µs/record after the first record (counted as run.ts counts
// them), the worker's peak RSS (VmHWM), and with --trace the peaks of process.memoryUsage(), the
// V8 new/old space sizes and the GC counts inside the worker (mem-sampler.ts). Prints, never writes
// RESULTS.md. Variants alternate run by run as in sink-memory.ts (';'-separated node args / k=v).
//
//   npm run bench:source-memory -- --runs 10 --trace
//   npm run bench:source-memory -- --runs 5 --trace --variants ";--max-semi-space-size=16"

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { startKafka } from '@sluice/testing';
import { log, sleep, workDir } from '../lib/bench-util.ts';
import { endOffset, sluiceCommand } from '../lib/connect.ts';
import { fmtLoad, fmtRate, mb } from '../lib/format.ts';
import { node24Info } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt, text, words } from '../lib/options.ts';
import { cpuSeconds, procStatusKb, startProc, stopProc, tail } from '../lib/processes.ts';

const opts = parseOptions({
  lines: positiveInt(1_000_000),
  'line-bytes': positiveInt(200),
  runs: positiveInt(3),
  'poll-ms': positiveInt(50),
  'pause-ms': positiveInt(2000),
  'node-args': words(),
  'worker-props': words(),
  variants: text(''),
  trace: flag(),
});
const LINES = opts.lines;
const LINE_BYTES = opts['line-bytes'];
const work = workDir('standalone-file');
const runDir = path.join(work, 'source-memory');
const sampler = path.join(import.meta.dirname, 'mem-sampler.ts');

/** Line i, as run.ts writes it. */
function line(i: number): string {
  const head = `${i} `;
  return (
    head +
    'abcdefghijklmnopqrstuvwxyz0123456789'
      .repeat(Math.ceil(LINE_BYTES / 36) + 1)
      .slice(0, LINE_BYTES - head.length)
  );
}

type Sample = Record<string, number>;
const PEAK_KEYS = [
  'rss',
  'heapTotal',
  'heapUsed',
  'external',
  'arrayBuffers',
  'newSpace',
  'oldSpace',
  'loSpace',
];

function traceSummary(file: string): string {
  let textIn: string;
  try {
    textIn = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const peaks: Sample = {};
  let last: Sample = {};
  let newSpaceGrewAt: number | undefined;
  for (const l of textIn.split('\n')) {
    if (l === '') continue;
    const s = JSON.parse(l) as Sample;
    for (const k of PEAK_KEYS) peaks[k] = Math.max(peaks[k] ?? 0, s[k] ?? 0);
    if (newSpaceGrewAt === undefined && last.newSpace !== undefined && s.newSpace! > last.newSpace)
      newSpaceGrewAt = s.t;
    last = s;
  }
  const m = (b: number | undefined) => `${((b ?? 0) / 1048576).toFixed(0)}`;
  return (
    `; peaks MB: rss ${m(peaks.rss)} heapTotal ${m(peaks.heapTotal)} heapUsed ${m(peaks.heapUsed)} new ${m(peaks.newSpace)} old ${m(peaks.oldSpace)} lo ${m(peaks.loSpace)} ext ${m(peaks.external)} ab ${m(peaks.arrayBuffers)}` +
    `; GCs: ${last.minor ?? 0} scavenges (${(last.minorMs ?? 0).toFixed(0)} ms), ${last.major ?? 0} mark-compacts (${(last.majorMs ?? 0).toFixed(0)} ms)` +
    (newSpaceGrewAt === undefined ? '' : `; new space first grew at ${newSpaceGrewAt} ms`)
  );
}

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
const input = path.join(runDir, 'input.txt');
{
  const parts: string[] = [];
  for (let i = 0; i < LINES; i++) parts.push(`${line(i)}\n`);
  writeFileSync(input, parts.join(''));
}
const node = node24Info();
const kafka = await startKafka({ ownerPid: process.pid, log });
const client = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'sluice-bench-source-memory',
});
try {
  const variants = opts.variants.split(';').map((v) => {
    const w = v.split(/\s+/).filter((x) => x !== '');
    return {
      name: v.trim() === '' ? 'default' : v.trim(),
      nodeArgs: [...opts['node-args'], ...w.filter((x) => x.startsWith('--'))],
      props: [...opts['worker-props'], ...w.filter((x) => !x.startsWith('--'))],
    };
  });
  const rows: string[] = [];
  for (let run = 1; run <= opts.runs * variants.length; run++) {
    const variant = variants[(run - 1) % variants.length]!;
    const topic = `bench-source-memory-${run}`;
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const worker = path.join(runDir, `worker-${run}.properties`);
    writeFileSync(
      worker,
      [
        `bootstrap.servers=${kafka.bootstrapServers}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${path.join(runDir, `worker-${run}.offsets`)}`,
        'offset.flush.interval.ms=10000',
        'listeners=http://127.0.0.1:0',
        ...variant.props,
        '',
      ].join('\n'),
    );
    const connector = path.join(runDir, `source-${run}.properties`);
    writeFileSync(
      connector,
      [
        `name=bench-source-memory-${run}`,
        'connector.class=org.apache.kafka.connect.file.FileStreamSourceConnector',
        'tasks.max=1',
        `file=${input}`,
        `topic=${topic}`,
        '',
      ].join('\n'),
    );
    await sleep(opts['pause-ms']);
    const trace = path.join(runDir, `trace-${run}.jsonl`);
    const cmd = sluiceCommand({
      node: node.bin,
      nodeArgs: [...variant.nodeArgs, ...(opts.trace ? ['--import', sampler] : [])],
      args: ['standalone', worker, connector],
      logLevel: 'WARN',
    });
    if (opts.trace) cmd.env.SLUICE_MEM_TRACE = trace;
    const load = os.loadavg();
    const logFile = path.join(runDir, `worker-${run}.log`);
    const p = startProc(cmd.cmd, cmd.args, { cwd: runDir, env: cmd.env, logFile });
    const t0 = performance.now();
    let first: { t: number; count: number; cpu: number } | undefined;
    for (;;) {
      if (p.exited) throw new Error(`the worker exited early; tail of ${logFile}:\n${tail(logFile)}`);
      if (performance.now() - t0 > 300_000) {
        await stopProc(p);
        throw new Error(`timed out; tail of ${logFile}:\n${tail(logFile)}`);
      }
      const count = await endOffset(client, topic);
      if (first === undefined && count > 0) first = { t: performance.now(), count, cpu: cpuSeconds(p.pid) };
      if (count >= LINES) break;
      await sleep(opts['poll-ms']);
    }
    const done = performance.now();
    const hwm = procStatusKb(p.pid, 'VmHWM') ?? 0;
    const cpu = cpuSeconds(p.pid);
    await stopProc(p);
    const f = first!;
    const rate = ((LINES - f.count) * 1000) / (done - f.t);
    const usPerRecord = ((cpu - f.cpu) * 1e6) / (LINES - f.count);
    const row =
      `run ${run} [${variant.name}]: ${fmtRate(rate)} records/s, ${usPerRecord.toFixed(2)} µs CPU/record, peak RSS ${mb(hwm)}, ` +
      `worker CPU ${cpu.toFixed(1)} s, load ${fmtLoad(load)}` +
      (opts.trace ? traceSummary(trace) : '');
    log(row);
    rows.push(row);
  }
  for (const v of variants) for (const r of rows) if (r.includes(`[${v.name}]`)) console.log(r);
} finally {
  await client.close();
  await kafka.stop();
}
