// Sink-only companion of run.ts, for working on the FileStreamSink worker's memory and speed:
// fills one 1-partition topic once (PlatformaticLogClient, batches of 2000 like FileStreamSource's
// default batch.size), then runs `sluice standalone` with FileStreamSinkConnector on it --runs
// times, each a fresh worker process, connector name (so a new consumer group, reading from the
// beginning) and output file. Per run: records/s (counted as run.ts counts them), the worker's
// peak RSS (VmHWM) and the RSS when the first record was seen, and with --trace the peaks of
// process.memoryUsage() inside the worker (mem-sampler.ts). Prints, never writes RESULTS.md.
//
//   npm run bench:sink-memory -- --lines 1000000 --runs 3
//   npm run bench:sink-memory -- --node-args="--max-semi-space-size=4" --trace
//   npm run bench:sink-memory -- --worker-props "consumer.max.partition.fetch.bytes=262144"
//   # variants alternate run by run on the same topic: ';'-separated, each words of node args
//   # (starting with --), worker properties (k=v) and @<dir>, another checkout of Sluice to run
//   # (its packages/cli/bin/sluice.mjs, e.g. a `git archive` of an older commit with node_modules
//   # linked); an empty variant is the default
//   npm run bench:sink-memory -- --runs 2 --variants ";--max-semi-space-size=4;consumer.fetch.max.bytes=1048576"

import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PlatformaticLogClient, type ProduceRecord } from '@sluice/runtime';
import { startKafka } from '@sluice/testing';
import { log, sleep, sluiceBin, workDir } from '../lib/bench-util.ts';
import { sluiceCommand } from '../lib/connect.ts';
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
const runDir = path.join(work, 'sink-memory');
const sampler = path.join(import.meta.dirname, 'mem-sampler.ts');

/** Line i, as run.ts writes it: its number, then a fixed pattern, LINE_BYTES ASCII bytes. */
function line(i: number): string {
  const head = `${i} `;
  return (
    head +
    'abcdefghijklmnopqrstuvwxyz0123456789'
      .repeat(Math.ceil(LINE_BYTES / 36) + 1)
      .slice(0, LINE_BYTES - head.length)
  );
}

/** Offset of the first byte where the file differs from the expected lines; -1 when equal. */
function firstDifference(file: string): number {
  const fd = openSync(file, 'r');
  try {
    let pos = 0;
    const chunk = 10_000;
    for (let start = 0; start < LINES; start += chunk) {
      let text = '';
      for (let i = start; i < Math.min(LINES, start + chunk); i++) text += `${line(i)}\n`;
      const want = Buffer.from(text, 'latin1');
      const got = Buffer.alloc(want.length);
      const n = readSync(fd, got, 0, got.length, pos);
      if (n !== want.length || !got.equals(want)) {
        for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return pos + i;
      }
      pos += want.length;
    }
    return statSync(file).size === pos ? -1 : pos;
  } finally {
    closeSync(fd);
  }
}

interface Peaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function tracePeaks(file: string): Peaks | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const peaks: Peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  for (const l of text.split('\n')) {
    if (l === '') continue;
    const s = JSON.parse(l) as Peaks;
    for (const k of Object.keys(peaks) as (keyof Peaks)[]) peaks[k] = Math.max(peaks[k], s[k]);
  }
  return peaks;
}

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
const node = node24Info();
const kafka = await startKafka({ ownerPid: process.pid, log });
const client = new PlatformaticLogClient({
  bootstrapServers: kafka.bootstrapServers,
  clientId: 'sluice-bench-sink-memory',
  idempotent: false,
});
const topic = 'bench-sink-memory';
const mbOf = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
try {
  await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  log(`producing ${LINES.toLocaleString('en-US')} records of ${LINE_BYTES} bytes into ${topic}`);
  for (let start = 0; start < LINES; start += 2000) {
    const batch: ProduceRecord[] = [];
    for (let i = start; i < Math.min(LINES, start + 2000); i++)
      batch.push({ topic, key: null, value: Buffer.from(line(i), 'latin1'), headers: [] });
    await client.produce(batch);
  }
  const variants = opts.variants.split(';').map((v) => {
    const w = v.split(/\s+/).filter((x) => x !== '');
    const root = w.find((x) => x.startsWith('@'))?.slice(1);
    return {
      name: v.trim() === '' ? 'default' : v.trim(),
      nodeArgs: [...opts['node-args'], ...w.filter((x) => x.startsWith('--'))],
      props: [...opts['worker-props'], ...w.filter((x) => !x.startsWith('--') && !x.startsWith('@'))],
      bin: root === undefined ? undefined : path.resolve(root, 'packages/cli/bin/sluice.mjs'),
    };
  });
  const workerFile = (props: string[], n: number): string => {
    const file = path.join(runDir, `worker-${n}.properties`);
    writeFileSync(
      file,
      [
        `bootstrap.servers=${kafka.bootstrapServers}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${path.join(runDir, 'worker.offsets')}`,
        'offset.flush.interval.ms=10000',
        'listeners=http://127.0.0.1:0',
        ...props,
        '',
      ].join('\n'),
    );
    return file;
  };
  const lineBytes = LINE_BYTES + 1;
  const rows: string[] = [];
  for (let n = 1; n <= opts.runs * variants.length; n++) {
    const run = n;
    const variant = variants[(n - 1) % variants.length]!;
    const worker = workerFile(variant.props, n);
    await sleep(opts['pause-ms']);
    const output = path.join(runDir, `output-${run}.txt`);
    const connector = path.join(runDir, `sink-${run}.properties`);
    writeFileSync(
      connector,
      [
        `name=bench-sink-memory-${run}-${Date.now()}`,
        'connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector',
        'tasks.max=1',
        `file=${output}`,
        `topics=${topic}`,
        '',
      ].join('\n'),
    );
    const trace = path.join(runDir, `trace-${run}.jsonl`);
    const cmd = sluiceCommand({
      node: node.bin,
      nodeArgs: [...variant.nodeArgs, ...(opts.trace ? ['--import', sampler] : [])],
      args: ['standalone', worker, connector],
      logLevel: 'WARN',
    });
    if (opts.trace) cmd.env.SLUICE_MEM_TRACE = trace;
    if (variant.bin !== undefined) cmd.args = cmd.args.map((a) => (a === sluiceBin ? variant.bin! : a));
    const load = os.loadavg();
    const logFile = path.join(runDir, `worker-${run}.log`);
    const p = startProc(cmd.cmd, cmd.args, { cwd: runDir, env: cmd.env, logFile, echo: run === 1 });
    const t0 = performance.now();
    let first: { t: number; count: number; rssKb: number; cpu: number } | undefined;
    let count = 0;
    for (;;) {
      if (p.exited) throw new Error(`the worker exited early; tail of ${logFile}:\n${tail(logFile)}`);
      if (performance.now() - t0 > 300_000) {
        await stopProc(p);
        throw new Error(`timed out; tail of ${logFile}:\n${tail(logFile)}`);
      }
      let size = 0;
      try {
        size = statSync(output).size;
      } catch {}
      count = Math.floor(size / lineBytes);
      if (first === undefined && count > 0)
        first = {
          t: performance.now(),
          count,
          rssKb: procStatusKb(p.pid, 'VmRSS') ?? 0,
          cpu: cpuSeconds(p.pid),
        };
      if (count >= LINES) break;
      await sleep(opts['poll-ms']);
    }
    const done = performance.now();
    const hwm = procStatusKb(p.pid, 'VmHWM') ?? 0;
    const cpu = cpuSeconds(p.pid);
    await stopProc(p);
    const f = first!;
    const rate = ((LINES - f.count) * 1000) / (done - f.t);
    const diff = firstDifference(output);
    rmSync(output, { force: true });
    const peaks = opts.trace ? tracePeaks(trace) : undefined;
    const row =
      `run ${run} [${variant.name}]: ${fmtRate(rate)} records/s, peak RSS ${mb(hwm)} (RSS at the first record ${mb(f.rssKb)}), ` +
      `worker CPU ${cpu.toFixed(1)} s (${(cpu - f.cpu).toFixed(1)} s after the first record), load ${fmtLoad(load)}, ` +
      `output ${diff === -1 ? 'equal' : `DIFFERS at byte ${diff}`}` +
      (peaks === undefined
        ? ''
        : `; in-process peaks: rss ${mbOf(peaks.rss)}, heapTotal ${mbOf(peaks.heapTotal)}, heapUsed ${mbOf(peaks.heapUsed)}, external ${mbOf(peaks.external)}, arrayBuffers ${mbOf(peaks.arrayBuffers)}`);
    log(row);
    rows.push(row);
  }
  console.log(
    `\nnode args: ${opts['node-args'].join(' ') || 'none'}; worker props: ${opts['worker-props'].join(' ') || 'none'}`,
  );
  for (const v of variants) for (const r of rows) if (r.includes(`[${v.name}]`)) console.log(r);
} finally {
  await client.close();
  await kafka.stop();
}
