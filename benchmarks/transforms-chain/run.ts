// Transform-chain benchmark: records/s of one source pipeline with 0, 3 and 6 transforms, so the
// cost of a transform is visible (issue 4's target: a 3-transform chain costs < 15% throughput).
//
//   bash scripts/run-node.sh benchmarks/transforms-chain/run.ts                      # full run, appends to RESULTS.md
//   bash scripts/run-node.sh benchmarks/transforms-chain/run.ts --records 50000 --no-results
//   bash scripts/run-node.sh benchmarks/transforms-chain/run.ts --no-kafka          # embedded log only
//   bash scripts/run-node.sh benchmarks/transforms-chain/run.ts --profile           # --cpu-prof, top functions
//
// Each measured run is a worker process of its own (worker.ts): an in-process StandaloneHerder,
// the synthetic BenchRowSourceConnector (pipeline.ts) emitting pre-built 10-field Structs in
// batches, one of the chains, JsonConverter with schemas for key and value, into the embedded log
// and (unless --no-kafka) into one real Kafka broker started once the embedded runs are done. Runs
// go one after the other, never in parallel, the chain order rotated from repeat to repeat. Each run
// checks where and how its records landed (see worker.ts); a failed check exits 1 and marks the
// RESULTS.md section CHECK FAILED.

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafka } from '@sluice/testing';
import { findJsonLine, lastJsonLine, log, root, run, sleep, workDir } from '../lib/bench-util.ts';
import { cpuProfArgs } from '../lib/connect.ts';
import { profileSelfTimes } from '../lib/cpu-profile.ts';
import { fmtLoad, fmtPct, fmtRate, fmtUs, mb, median } from '../lib/format.ts';
import { gitDescribe, node24Info } from '../lib/machine.ts';
import { flag, nonNegativeInt, parseOptions, positiveInt } from '../lib/options.ts';
import { appendSection, exitIfFailed, machineLines, sectionTitle } from '../lib/results.ts';
import type { MicroCase, MicroResult } from './micro.ts';
import { CHAIN_LENGTHS, type ChainLength, describeChain, POOL_SIZE } from './pipeline.ts';
import type { WorkerArgs, WorkerResult } from './worker.ts';

const here = import.meta.dirname;
const work = workDir('transforms-chain');
const profileDir = path.join(work, 'profiles');
const runNode = path.join(root, 'scripts/run-node.sh');

const opts = parseOptions({
  records: positiveInt(1_000_000),
  'batch-size': positiveInt(2000),
  repeats: positiveInt(5),
  samples: nonNegativeInt(50),
  'poll-ms': positiveInt(50),
  'pause-ms': nonNegativeInt(1000),
  'timeout-s': positiveInt(600),
  'micro-ms': positiveInt(1000),
  'micro-runs': positiveInt(5),
  'no-kafka': flag(),
  profile: flag(),
  'no-results': flag(),
});
const RECORDS = opts.records;
const BATCH_SIZE = opts['batch-size'];
const REPEATS = opts.repeats;
const SAMPLES = opts.samples;
const POLL_MS = opts['poll-ms'];
const PAUSE_MS = opts['pause-ms'];
const TIMEOUT_MS = opts['timeout-s'] * 1000;
const MICRO_MS = opts['micro-ms'];
const MICRO_RUNS = opts['micro-runs'];
const profile = opts.profile;
const useKafka = !opts['no-kafka'] && !profile;
const writeResults = !opts['no-results'] && !profile;
const BACKENDS: WorkerArgs['backend'][] = useKafka ? ['embedded', 'kafka'] : ['embedded'];

// ---------------------------------------------------------------------------------------------
// One run

let seq = 0;

/** Spawns worker.ts for one configuration and returns its result line; throws when it could not run. */
function runWorker(
  backend: WorkerArgs['backend'],
  chain: ChainLength,
  bootstrapServers: string | undefined,
): Promise<WorkerResult> {
  seq++;
  const dir = path.join(work, `run-${seq}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args: WorkerArgs = {
    backend,
    ...(bootstrapServers === undefined ? {} : { bootstrapServers }),
    chain,
    records: RECORDS,
    batchSize: BATCH_SIZE,
    dir,
    topic: `bench-rows-${process.pid}-${seq}`,
    pollMs: POLL_MS,
    timeoutMs: TIMEOUT_MS,
    samples: SAMPLES,
  };
  const prof = profile ? cpuProfArgs(profileDir, `${backend}-chain-${chain}.cpuprofile`) : [];
  const argv = [runNode, ...prof, path.join(here, 'worker.ts'), JSON.stringify(args)];
  log(`${backend}, ${chain} transforms: starting (load ${fmtLoad(os.loadavg())})`);
  return new Promise<WorkerResult>((resolve, reject) => {
    const child = spawn('bash', argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    // The worker has its own timeout; this one is for a worker that hangs outright.
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS + 120_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const line = findJsonLine(stdout);
      if (code !== 0 || line === undefined) {
        reject(
          new Error(`worker (${backend}, ${chain} transforms) exited with ${code ?? signal}:\n${stdout}`),
        );
        return;
      }
      resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Profiles

/** Self time per function and per transform file of a V8 .cpuprofile. */
function summarizeProfile(file: string, top: number): string[] {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const { key, functionName, shortUrl, us: dt } of profileSelfTimes(file)) {
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += dt;
    byFunction.set(key, dt);
    const fileKey = /^packages\/[^/]+\/src\//.test(shortUrl)
      ? shortUrl
      : shortUrl.startsWith('node:') || shortUrl === ''
        ? '(node internals, GC, native)'
        : '(other)';
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + dt);
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${fmtPct(us / busy).padStart(6)}  ${k}`);
  const transformFiles = new Map([...byFile].filter(([k]) => k.startsWith('packages/transforms/')));
  const transformTotal = [...transformFiles.values()].reduce((a, b) => a + b, 0);
  return [
    `${path.basename(file)}: ${(busy / 1e6).toFixed(2)} s of samples not idle; packages/transforms self time ${(transformTotal / 1000).toFixed(0)} ms (${fmtPct(transformTotal / busy)})`,
    ' by file (self time):',
    ...rows(byFile, 15),
    ' by function (self time):',
    ...rows(byFunction, top),
  ];
}

// ---------------------------------------------------------------------------------------------
// Main

const loadBefore = os.loadavg();
const sluiceSource = gitDescribe(['packages', 'benchmarks/transforms-chain']);
const nodeInfo = node24Info();
mkdirSync(work, { recursive: true });
if (profile) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
}

const results: WorkerResult[] = [];
const repeats = profile ? 1 : REPEATS;
let kafkaVersion = '';
// One backend after the other, the embedded log first and before the broker starts: a broker
// beside an embedded run is a JVM doing its own work (deleting the last run's topic files,
// collecting garbage) on one of the machine's two cores. With the backends interleaved, the
// embedded runs that had most of it beside them were the slowest (93,422 records/s with 4.8 CPU-s
// of other processes, against 147,040 with 0.2, for the same 3-transform chain in one run).
for (const backend of BACKENDS) {
  let kafka: Awaited<ReturnType<typeof startKafka>> | undefined;
  try {
    if (backend === 'kafka') {
      kafka = await startKafka({ ownerPid: process.pid, log });
      kafkaVersion = kafka.version;
    }
    for (let rep = 0; rep < repeats; rep++) {
      // Rotate the chain order so no chain always runs first (or right after the broker started).
      const order = CHAIN_LENGTHS.map((_, i) => CHAIN_LENGTHS[(i + rep) % CHAIN_LENGTHS.length]!);
      for (const chain of order) {
        const r = await runWorker(backend, chain, kafka?.bootstrapServers);
        results.push(r);
        log(
          `${backend}, ${chain} transforms (repeat ${rep + 1}/${repeats}): ${fmtRate(r.rate)} records/s, ` +
            `${fmtUs(r.cpuUsPerRecord)} CPU/record, peak RSS ${mb(r.peakRssKb)}, ` +
            `other processes ${(r.cpuOtherSteadyMs / 1000).toFixed(1)} CPU-s over ${(r.steadyMs / 1000).toFixed(1)} s` +
            (r.problems.length === 0 ? ', checks passed' : `, CHECK FAILED:\n${r.problems.join('\n')}`),
        );
        await sleep(PAUSE_MS);
      }
    }
  } finally {
    await kafka?.stop();
  }
}

// The per-transform breakdown, in a process of its own after the pipelines.
log(`per-transform breakdown: ${MICRO_MS} ms warm-up, ${MICRO_RUNS} runs of ${MICRO_MS} ms per case`);
const microOut = run(
  'bash',
  [runNode, path.join(here, 'micro.ts'), String(MICRO_MS), String(MICRO_MS), String(MICRO_RUNS)],
  true,
);
const micro = lastJsonLine<MicroResult>(microOut, 'micro.ts');
const loadAfter = os.loadavg();

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  backend: WorkerArgs['backend'];
  chain: ChainLength;
  runs: WorkerResult[];
  rate: number;
  cpuUs: number;
  rssKb: number;
}
const rows: Row[] = [];
for (const backend of BACKENDS) {
  for (const chain of CHAIN_LENGTHS) {
    const runs = results.filter((r) => r.backend === backend && r.chain === chain);
    rows.push({
      backend,
      chain,
      runs,
      rate: median(runs.map((r) => r.rate)),
      cpuUs: median(runs.map((r) => r.cpuUsPerRecord)),
      rssKb: median(runs.map((r) => r.peakRssKb)),
    });
  }
}
const rowOf = (backend: WorkerArgs['backend'], chain: ChainLength) =>
  rows.find((r) => r.backend === backend && r.chain === chain)!;
const logName = (backend: WorkerArgs['backend']) =>
  backend === 'embedded' ? 'embedded log' : `Kafka ${kafkaVersion}`.trim();

const problems = results.flatMap((r) => r.problems.map((p) => `${r.backend}, ${r.chain} transforms: ${p}`));
const allOk = problems.length === 0;

const table = [
  '| Log | Transforms | records/s (median) | vs 0 transforms | throughput cost per transform | CPU per record (median) | extra CPU per transform | peak RSS (median) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const base = rowOf(r.backend, 0);
    const ratio = r.rate / base.rate;
    const perTransform = r.chain === 0 ? '—' : fmtPct((1 - ratio) / r.chain);
    const extraCpu = r.chain === 0 ? '—' : fmtUs((r.cpuUs - base.cpuUs) / r.chain);
    return `| ${logName(r.backend)} | ${r.chain} | ${fmtRate(r.rate)} | ${r.chain === 0 ? '1.00×' : `${ratio.toFixed(2)}×`} | ${perTransform} | ${fmtUs(r.cpuUs)} | ${extraCpu} | ${mb(r.rssKb)} |`;
  }),
].join('\n');

const verdicts = BACKENDS.map((backend) => {
  const cost = 1 - rowOf(backend, 3).rate / rowOf(backend, 0).rate;
  const cpuCost = 1 - rowOf(backend, 0).cpuUs / rowOf(backend, 3).cpuUs;
  return {
    backend,
    met: cost < 0.15,
    text: `${logName(backend)}: ${cost < 0.15 ? 'met' : 'NOT met'} (the 3-transform chain costs ${fmtPct(cost)} of the records/s; by CPU per record it would cost ${fmtPct(cpuCost)} when CPU-bound)`,
  };
});

const runLine = (r: Row) =>
  `- ${logName(r.backend)}, ${r.chain} transforms, runs in order: ${r.runs
    .map(
      (x) =>
        `${fmtRate(x.rate)} records/s (${fmtUs(x.cpuUsPerRecord)} CPU/record, ${(x.steadyMs / 1000).toFixed(2)} s steady after ${(x.startupMs / 1000).toFixed(2)} s start-up, ${mb(x.peakRssKb)}, other processes ${(x.cpuOtherSteadyMs / 1000).toFixed(1)} CPU-s, 1-min load ${x.loadStart[0]?.toFixed(2)})`,
    )
    .join('; ')}`;

const microRow = (c: MicroCase) =>
  `| ${c.name} | ${fmtUs(c.nsPerRecord / 1000)} | ${c.runs.map((x) => (x / 1000).toFixed(2)).join(' / ')} |`;
const microTable = [
  '| Step (in-process loop over 10,000 records, no worker, no log) | CPU per record (median) | runs (µs) |',
  '|---|---:|---:|',
  ...micro.transforms.map(microRow),
  ...micro.encode.map(microRow),
].join('\n');
const sumOf = (n: number) =>
  micro.transforms
    .filter((c) => !c.name.startsWith('newRecord'))
    .slice(0, n)
    .reduce((a, c) => a + c.nsPerRecord / 1000, 0);
const microSummary = `sum of the transforms alone: 3-transform chain ${fmtUs(sumOf(3))}, 6-transform chain ${fmtUs(sumOf(6))} per record; JSON encode of the value ${micro.encode.map((c) => `${c.name.replace('encode after ', 'after ')} ${fmtUs(c.nsPerRecord / 1000)}`).join(', ')}`;

const meanValue = median(results.map((r) => r.meanValueBytes).filter((x) => x > 0));
const meanPayload0 = median(results.filter((r) => r.chain === 0).map((r) => r.meanPayloadBytes));
const checkedPerRun = median(results.map((r) => r.checkedOffsets));

console.log('');
console.log(table);
console.log('');
for (const r of rows) console.log(runLine(r));
console.log('');
console.log(microTable);
console.log(`Breakdown: ${microSummary}`);
console.log('');
for (const v of verdicts) console.log(`Target (3-transform chain costs < 15% throughput): ${v.text}`);
console.log(allOk ? 'Checks: all passed' : `Checks FAILED:\n${problems.join('\n')}`);

if (profile) {
  for (const f of readdirSync(profileDir)
    .filter((x) => x.endsWith('.cpuprofile'))
    .sort()) {
    const summary = summarizeProfile(path.join(profileDir, f), 30);
    writeFileSync(path.join(profileDir, `${f}.top.txt`), `${summary.join('\n')}\n`);
    console.log(`\n${summary.join('\n')}`);
  }
}

const section = [
  sectionTitle('Transform chain (source pipeline with 0, 3 and 6 SMTs)', allOk),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${sluiceSource}, TypeScript sources (type stripping); Node ${nodeInfo.node} (V8 ${nodeInfo.v8}, default heap limit ${nodeInfo.heap} MB)`,
  `- Pipeline: an in-process \`StandaloneHerder\` in a worker process of its own per run; a synthetic source connector (benchmarks/transforms-chain/pipeline.ts) whose one task returns ${BATCH_SIZE.toLocaleString('en-US')} SourceRecords per poll, each holding one of ${POOL_SIZE} pre-built Structs (schema \`bench.Row\`: int64, 2 strings, int32, float64, boolean, Timestamp, Decimal(2), optional string, string), null key; JsonConverter with \`schemas.enable=true\` for key and value (values ${Math.round(meanValue)} bytes with the schema envelope, payload ${Math.round(meanPayload0)} bytes as compact JSON); offset.flush.interval.ms=10000; into ${BACKENDS.map(logName).join(' and ')} (one 1-partition target topic per run, created before the connector${useKafka ? `; one broker from \`startKafka()\` of @sluice/testing for all the Kafka runs, started after the embedded ones, topics deleted after each run` : ''})`,
  ...CHAIN_LENGTHS.filter((c) => c > 0).map((c) => `- ${c} transforms: ${describeChain(c)}`),
  `- Method: ${RECORDS.toLocaleString('en-US')} records per run; ${REPEATS} repeat${REPEATS === 1 ? '' : 's'} of each configuration, one run at a time, the embedded log's runs first with no broker running, ${useKafka ? 'then the broker started and the Kafka runs' : 'no Kafka runs'}, the chain order rotated per repeat, ${PAUSE_MS} ms apart. The worker reads the end offset of the target topic every ${POLL_MS} ms: **records/s = (records − records at the first non-zero observation) / (time all records were seen − time of that first observation)**, start-up excluded. CPU per record = the worker process's user+system CPU time over that same window / those records (the herder, the task, transforms, converters and, for the embedded log, the log writes; not the broker). Peak RSS = maxRSS of the worker process when all records had landed. The table shows medians over the repeats; "vs 0 transforms" divides the medians; cost per transform = (1 − that ratio) / transforms; extra CPU per transform = (CPU per record − the 0-transform CPU per record) / transforms`,
  `- Checks per run (a failure exits 1): the target topic ends at exactly ${RECORDS.toLocaleString('en-US')} after the connector stopped; for 3 and 6 transforms nothing landed in the source topic (RegexRouter routed everything); ${checkedPerRun} landed values per run (the first three, the last, the rest random) equal, as JSON, the expected envelope computed by hand from the untransformed row (field dropped, static field appended as an optional string, email masked, age/score cast in schema and value, schema name and version set); null keys; the first observation saw under 10% of the records (else the rate is not measured). Result: ${allOk ? 'all passed' : `FAILED: ${problems.length} problems (first: ${problems[0]!.split('\n')[0]})`}`,
  '',
  table,
  '',
  ...rows.map(runLine),
  '',
  `Per-transform breakdown (benchmarks/transforms-chain/micro.ts, a process of its own after the pipelines): each step of the 6-transform chain applied alone to the records the previous steps produced, ${MICRO_MS} ms warm-up then ${MICRO_RUNS} timed runs of ${MICRO_MS} ms; and the value JsonConverter's encode of the records before and after the chains.`,
  '',
  microTable,
  '',
  `- ${microSummary}`,
  `- Issue target (a 3-transform chain costs < 15% throughput): ${verdicts.map((v) => v.text).join('; ')}`,
  '',
].join('\n');

// Always kept for review, also when RESULTS.md is not written.
writeFileSync(path.join(work, 'last-section.md'), section);

appendSection(section, writeResults ? undefined : profile ? '--profile' : '--no-results');
exitIfFailed(allOk);
