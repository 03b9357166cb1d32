// JsonConverter benchmark: records/s of Sluice's JsonConverter (bench.ts) against Apache Kafka's
// connect-json (java/JsonConverterBench.java), one after the other, with a byte-for-byte
// cross-check of what both encode. See benchmarks/README.md.
//
//   npm run bench:json                                                            # appends to RESULTS.md
//   npm run bench:json -- --warmup-ms 500 --run-ms 500 --runs 1 --no-results      # quick smoke run

import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchMavenLibs, lastJsonLine, root, run, workDir } from '../lib/bench-util.ts';
import { fmtRate, fmtRatio, mb } from '../lib/format.ts';
import { gitDescribe } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt } from '../lib/options.ts';
import { appendSection, exitIfFailed, machineLines, sectionTitle } from '../lib/results.ts';

const CASES = ['encode_schemas_on', 'decode_schemas_on', 'encode_schemas_off', 'decode_schemas_off'] as const;
type CaseName = (typeof CASES)[number];

interface CaseResult {
  runs: number[];
  median: number;
  best: number;
  checksum: number;
}

interface KafkaResult {
  impl: 'kafka';
  kafkaVersion: string;
  javaVersion: string;
  vm: string;
  jvmArgs: string;
  maxHeapMb: number;
  records: number;
  cases: Record<CaseName, CaseResult>;
  peakRssKb: number;
  /** How many of the records decode (schemas.enable=true) to a Struct equal to the one encoded. */
  roundTripEqual: number;
}

interface SluiceResult {
  impl: 'sluice';
  nodeVersion: string;
  v8Version: string;
  heapLimitMb: number;
  records: number;
  cases: Record<CaseName, CaseResult>;
  peakRssKb: number;
  /** How many of the records decode (schemas.enable=true) to a Struct equal to the one encoded. */
  roundTripEqual: number;
}

interface Mismatch {
  mode: string;
  differing: number;
  total: number;
  firstIndex: number;
  firstOffset: number;
  expected: Buffer;
  actual: Buffer;
}

const here = import.meta.dirname;
const work = workDir('json-converter');
const libs = path.join(work, 'libs');
const classes = path.join(work, 'classes');
const out = path.join(work, 'out');

const opts = parseOptions({
  'warmup-ms': positiveInt(3000),
  'run-ms': positiveInt(3000),
  runs: positiveInt(5),
  'no-results': flag(),
});
const warmupMs = opts['warmup-ms'];
const runMs = opts['run-ms'];
const runs = opts.runs;

const loadBefore = os.loadavg();

const sluiceSource = gitDescribe(['packages/api', 'packages/converters']);

// 1. Kafka's jars (connect-json and its runtime dependencies), fetched once.
fetchMavenLibs(path.join(here, 'pom.xml'), libs, /^connect-json-.*\.jar$/);

// 2. Compile the Java side.
mkdirSync(classes, { recursive: true });
mkdirSync(out, { recursive: true });
run(
  'javac',
  ['-d', classes, '-cp', path.join(libs, '*'), path.join(here, 'java/JsonConverterBench.java')],
  false,
);

// 3. Java, then Node; sequentially.
const timing = [String(warmupMs), String(runMs), String(runs)];
const kafka = lastJsonLine<KafkaResult>(
  run('java', ['-cp', `${path.join(libs, '*')}:${classes}`, 'JsonConverterBench', out, ...timing], true),
  'Java',
);
const sluice = lastJsonLine<SluiceResult>(
  run('bash', [path.join(root, 'scripts/run-node.sh'), path.join(here, 'bench.ts'), out, ...timing], true),
  'Node',
);

// 4. Byte-for-byte cross-check of every encoded record in both modes.
function readRecords(file: string): Buffer[] {
  const buf = readFileSync(file);
  const records: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    records.push(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return records;
}

const mismatches: Mismatch[] = [];
for (const mode of ['true', 'false']) {
  const expected = readRecords(path.join(out, `expected-schemas-${mode}.bin`));
  const actual = readRecords(path.join(out, `actual-schemas-${mode}.bin`));
  if (expected.length !== actual.length) {
    throw new Error(
      `schemas.enable=${mode}: Kafka wrote ${expected.length} records, Sluice ${actual.length}`,
    );
  }
  let first: Omit<Mismatch, 'differing' | 'total' | 'mode'> | undefined;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (e.equals(a)) continue;
    differing++;
    if (first === undefined) {
      let off = 0;
      while (off < e.length && off < a.length && e[off] === a[off]) off++;
      first = { firstIndex: i, firstOffset: off, expected: e, actual: a };
    }
  }
  if (first !== undefined) mismatches.push({ mode, differing, total: expected.length, ...first });
}
const crossCheckOk = mismatches.length === 0;

function describeMismatch(m: Mismatch): string {
  const ctx = (b: Buffer) =>
    JSON.stringify(b.subarray(Math.max(0, m.firstOffset - 30), m.firstOffset + 30).toString());
  return [
    `schemas.enable=${m.mode}: ${m.differing} of ${m.total} records differ; first is record ${m.firstIndex}, at byte ${m.firstOffset}`,
    `  around it, Kafka:  ${ctx(m.expected)}`,
    `  around it, Sluice: ${ctx(m.actual)}`,
    `  Kafka  (${m.expected.length} bytes): ${m.expected.toString()}`,
    `  Sluice (${m.actual.length} bytes): ${m.actual.toString()}`,
  ].join('\n');
}

// Decode sanity check (each side, outside the timed loops): decode(encode(struct)) equals struct.
const roundTripNotes: string[] = [];
for (const r of [sluice, kafka]) {
  if (r.roundTripEqual !== r.records) {
    roundTripNotes.push(
      `WARNING: ${r.impl === 'sluice' ? 'Sluice' : 'Kafka'} decoded only ${r.roundTripEqual} of ${r.records} records (schemas.enable=true) back to a Struct equal to the one encoded`,
    );
  }
}

// 5. Report.

const rows = CASES.map((c) => {
  const s = sluice.cases[c];
  const k = kafka.cases[c];
  return { c, s: s.median, k: k.median, ratio: s.median / k.median };
});

const table = [
  '| Case | Sluice (records/s) | Kafka (records/s) | Sluice / Kafka |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.c} | ${fmtRate(r.s)} | ${fmtRate(r.k)} | ${fmtRatio(r.ratio)} |`),
  `| peak RSS (whole process) | ${mb(sluice.peakRssKb)} | ${mb(kafka.peakRssKb)} | ${fmtRatio(sluice.peakRssKb / kafka.peakRssKb)} |`,
].join('\n');

const runsLine = (impl: string, r: KafkaResult | SluiceResult) =>
  `- ${impl} runs (records/s): ${CASES.map((c) => `${c} ${r.cases[c].runs.map(fmtRate).join(' / ')}`).join('; ')}`;

const section = [
  sectionTitle('JsonConverter', crossCheckOk, 'BYTE CROSS-CHECK FAILED'),
  '',
  ...machineLines(loadBefore, os.loadavg()),
  `- Sluice: ${sluiceSource}; Node ${sluice.nodeVersion} (V8 ${sluice.v8Version}, heap limit ${sluice.heapLimitMb} MB)`,
  `- Kafka: connect-json ${kafka.kafkaVersion} on Java ${kafka.javaVersion} (${kafka.vm}, max heap ${kafka.maxHeapMb} MB, JVM args: ${kafka.jvmArgs || 'none'})`,
  `- Method: ${sluice.records} records looped; per case ${warmupMs} ms warm-up then ${runs} timed runs of ${runMs} ms; the table shows the median run. Java ran first, then Node.`,
  `- Byte cross-check (encoded bytes of all ${sluice.records} records, both modes, Sluice vs Kafka): ${crossCheckOk ? 'passed' : 'FAILED'}`,
  '',
  table,
  '',
  runsLine('Sluice', sluice),
  runsLine('Kafka', kafka),
  ...roundTripNotes.map((n) => `- ${n}`),
  ...(crossCheckOk ? [] : ['', '```', ...mismatches.map(describeMismatch), '```']),
  '',
].join('\n');

console.log('');
console.log(table);
console.log('');
console.log(`Byte cross-check: ${crossCheckOk ? 'passed' : 'FAILED'}`);
for (const m of mismatches) console.error(`\n${describeMismatch(m)}`);
for (const n of roundTripNotes) console.error(n);

appendSection(section, opts['no-results'] ? '--no-results' : undefined);
exitIfFailed(
  crossCheckOk,
  'Sluice JsonConverter output differs from Kafka JsonConverter output (see above).',
);
