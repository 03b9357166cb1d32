// Sluice side of the JsonConverter benchmark (the Kafka side is java/JsonConverterBench.java;
// both are driven by run.ts). Usage:
//
//   scripts/run-node.sh benchmarks/json-converter/bench.ts <outDir> <warmupMs> <runMs> <runs>
//
// Writes the encoded bytes of all records in both modes to outDir/actual-schemas-{true,false}.bin
// (a sequence of [u32 big-endian length][bytes], the same layout the Java side writes) for the
// byte-for-byte cross-check, then measures the four cases and prints one JSON line to stdout.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { BigDecimal, Decimal, Schema, SchemaBuilder, Struct, Timestamp } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import { median } from '../lib/format.ts';

const RECORDS = 1000;
const TOPIC = 'bench';

const [outDir, warmupArg, runArg, runsArg] = process.argv.slice(2);
if (outDir === undefined || warmupArg === undefined || runArg === undefined || runsArg === undefined) {
  console.error('usage: bench.ts <outDir> <warmupMs> <runMs> <runs>');
  process.exit(2);
}
const warmupMs = Number(warmupArg);
const runMs = Number(runArg);
const runs = Number(runsArg);

const schema = SchemaBuilder.struct()
  .field('id', Schema.INT64_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('email', Schema.STRING_SCHEMA)
  .field('age', Schema.INT32_SCHEMA)
  .field('score', Schema.FLOAT64_SCHEMA)
  .field('active', Schema.BOOLEAN_SCHEMA)
  .field('created_at', Timestamp.SCHEMA)
  .field('balance', Decimal.schema(2))
  .field('note', Schema.OPTIONAL_STRING_SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .build();

function record(i: number): Struct {
  return new Struct(schema)
    .put('id', i * 7919)
    .put('name', `user-${i}`)
    .put('email', `user${i}@example.com`)
    .put('age', 18 + (i % 60))
    .put('score', i * 0.25 + 0.5)
    .put('active', i % 2 === 0)
    .put('created_at', new Date(1700000000000 + i * 1000))
    .put('balance', new BigDecimal(BigInt(i * 12345), 2))
    .put('note', i % 2 === 0 ? null : `note ${i}`)
    .put('tags', [`t${i % 5}`, 'x']);
}

function converter(schemasEnable: boolean): JsonConverter {
  const c = new JsonConverter();
  c.configure({ 'schemas.enable': String(schemasEnable) }, false);
  return c;
}

function writeRecords(file: string, records: Uint8Array[]): void {
  let size = 0;
  for (const r of records) size += 4 + r.length;
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const r of records) {
    buf.writeUInt32BE(r.length, pos);
    buf.set(r, pos + 4);
    pos += 4 + r.length;
  }
  writeFileSync(file, buf);
}

/** Written at the end so the decoded values are observably used. */
let sink: unknown;

/** Repeats whole passes for at least durationMs; returns records per second. */
function timed(pass: () => number, durationMs: number, checksum: { value: number }): number {
  let passes = 0;
  let acc = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now: number;
  do {
    acc += pass();
    passes++;
    now = performance.now();
  } while (now < end);
  checksum.value += acc;
  return (passes * RECORDS) / ((now - start) / 1000);
}

interface CaseResult {
  runs: number[];
  median: number;
  best: number;
  checksum: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function measure(pass: () => number): CaseResult {
  const checksum = { value: 0 };
  timed(pass, warmupMs, checksum);
  const results: number[] = [];
  for (let r = 0; r < runs; r++) results.push(timed(pass, runMs, checksum));
  return {
    runs: results.map(round1),
    median: round1(median(results)),
    best: round1(Math.max(...results)),
    checksum: checksum.value,
  };
}

const structs: Struct[] = [];
for (let i = 0; i < RECORDS; i++) {
  const s = record(i);
  s.validate();
  structs.push(s);
}

const cases: Record<string, CaseResult> = {};
let roundTripEqual = 0;
for (const schemasEnable of [true, false]) {
  const mode = schemasEnable ? 'on' : 'off';
  const conv = converter(schemasEnable);
  const encoded: Uint8Array[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const bytes = conv.fromConnectData(TOPIC, schema, structs[i]!);
    if (bytes === null) throw new Error(`record ${i} encoded to null`);
    encoded.push(bytes);
  }
  writeRecords(path.join(outDir, `actual-schemas-${schemasEnable}.bin`), encoded);
  if (schemasEnable) {
    // Sanity check outside the timed loops: decoding gives back the records that were encoded.
    for (let i = 0; i < RECORDS; i++) {
      if (structs[i]!.equals(conv.toConnectData(TOPIC, encoded[i]!).value)) roundTripEqual++;
    }
  }

  cases[`encode_schemas_${mode}`] = measure(() => {
    let bytes = 0;
    for (let i = 0; i < RECORDS; i++) bytes += conv.fromConnectData(TOPIC, schema, structs[i]!)!.length;
    return bytes;
  });

  cases[`decode_schemas_${mode}`] = measure(() => {
    let nonNull = 0;
    let last: unknown = null;
    for (let i = 0; i < RECORDS; i++) {
      last = conv.toConnectData(TOPIC, encoded[i]!).value;
      if (last !== null && last !== undefined) nonNull++;
    }
    sink = last;
    return nonNull;
  });
}

console.log(
  JSON.stringify({
    impl: 'sluice',
    nodeVersion: process.versions.node,
    v8Version: process.versions.v8,
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024)),
    records: RECORDS,
    cases,
    peakRssKb: process.resourceUsage().maxRSS,
    roundTripEqual,
    sinkIsSet: sink !== null && sink !== undefined,
  }),
);
