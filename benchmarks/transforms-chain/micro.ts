// The per-transform breakdown of the transform-chain benchmark: each step of the 6-transform
// chain (which starts with the 3-transform chain) applied alone in a tight loop to the records the
// previous steps produced, and the value converter's encode of the records before and after the
// chains (a transform can change what encoding costs, e.g. a cast to float32). No worker, no log:
// this names where the pipeline's extra CPU goes. Usage (run.ts spawns it):
//
//   scripts/run-node.sh benchmarks/transforms-chain/micro.ts <warmupMs> <runMs> <runs>
//
// Prints one JSON line (MicroResult) on stdout.

import { SourceRecord } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import { buildChain, POOL_SIZE, ROW_SCHEMA, row } from './pipeline.ts';

export interface MicroCase {
  /** `<alias> (<Transform>)` or `encode after <n> transforms`. */
  name: string;
  /** Median ns per record over the timed runs. */
  nsPerRecord: number;
  runs: number[];
}

export interface MicroResult {
  records: number;
  transforms: MicroCase[];
  encode: MicroCase[];
}

const [warmupArg, runArg, runsArg] = process.argv.slice(2);
const warmupMs = Number(warmupArg);
const runMs = Number(runArg);
const runs = Number(runsArg);
for (const [k, v] of [
  ['warmupMs', warmupMs],
  ['runMs', runMs],
  ['runs', runs],
] as const) {
  if (!Number.isSafeInteger(v) || v <= 0) {
    console.error(`usage: micro.ts <warmupMs> <runMs> <runs>; ${k} must be a positive integer`);
    process.exit(2);
  }
}

/** Kept live so the loops cannot be optimized away. */
let sink = 0;

/** Runs `pass` (one pass = `n` records) for warmupMs, then `runs` times for runMs; median ns/record. */
function measure(name: string, n: number, pass: () => void): MicroCase {
  const until = performance.now() + warmupMs;
  while (performance.now() < until) pass();
  const results: number[] = [];
  for (let r = 0; r < runs; r++) {
    let passes = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < runMs) {
      pass();
      passes++;
      t = performance.now();
    }
    results.push(((t - t0) * 1e6) / (passes * n));
  }
  const sorted = [...results].sort((a, b) => a - b);
  return { name, nsPerRecord: sorted[Math.floor(sorted.length / 2)]!, runs: results };
}

const N = 10_000;
const pool = Array.from({ length: POOL_SIZE }, (_, i) => row(i));
let inputs: SourceRecord[] = Array.from(
  { length: N },
  (_, i) =>
    new SourceRecord({
      sourcePartition: { source: 'bench' },
      sourceOffset: { position: i + 1 },
      topic: 'bench-rows',
      valueSchema: ROW_SCHEMA,
      value: pool[i % POOL_SIZE]!,
    }),
);

const converter = new JsonConverter();
converter.configure({ 'schemas.enable': 'true' }, false);
const encode = (label: string, records: readonly SourceRecord[]): MicroCase =>
  measure(label, records.length, () => {
    for (const r of records) sink += converter.fromConnectData(r.topic, r.valueSchema, r.value)?.length ?? 0;
  });

const encodeCases: MicroCase[] = [encode('encode after 0 transforms', inputs)];
// The floor of any transform that changes a record: one newRecord (headers duplicated, as Kafka's).
const first = inputs;
const transformCases: MicroCase[] = [
  measure('newRecord({ topic }) alone (the floor of a record-changing transform)', first.length, () => {
    for (const r of first) sink += r.newRecord({ topic: 'x' }).topic.length;
  }),
];
const steps = buildChain(6);
for (let s = 0; s < steps.length; s++) {
  const { alias, type, transform } = steps[s]!;
  const current = inputs;
  transformCases.push(
    measure(`${alias} (${type.slice(type.lastIndexOf('.') + 1)})`, current.length, () => {
      for (const r of current) if (transform.apply(r) !== null) sink++;
    }),
  );
  inputs = current.map((r) => {
    const out = transform.apply(r);
    if (out === null) throw new Error(`${alias} dropped a record`);
    return out;
  });
  if (s === 2 || s === 5) encodeCases.push(encode(`encode after ${s + 1} transforms`, inputs));
}

const result: MicroResult = { records: N, transforms: transformCases, encode: encodeCases };
process.stdout.write(`${JSON.stringify(result)}\n`);
if (sink === -1) console.error('unreachable');
