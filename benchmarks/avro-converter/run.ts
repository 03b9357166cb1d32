// AvroConverter benchmark (with a ProtobufConverter row): records/s of Sluice's AvroConverter encoding and decoding the records
// of the JsonConverter benchmark, next to JsonConverter (schemas.enable=true) on the same records
// in the same process, and next to avsc alone on the already-converted Avro values (the ceiling:
// the binary encoding without the Connect mapping or the wire header). The registry is Sluice's,
// served in-process; registry requests are counted (they must not grow with the records).
//
//   npm run bench:avro                                                           # appends to RESULTS.md
//   npm run bench:avro -- --warmup-ms 300 --run-ms 300 --runs 1 --no-results     # quick smoke run

import os from 'node:os';
import { BigDecimal, Decimal, Schema, SchemaBuilder, Struct, Timestamp, valueEquals } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import {
  AvroConverter,
  avscType,
  fromConnectSchema,
  ProtobufConverter,
  toAvroValue,
} from '@sluice/converters-schema-registry';
import { MemoryStorage, SchemaRegistry, startRegistryServer } from '@sluice/schema-registry';
import { fmtRate, fmtRatio, median } from '../lib/format.ts';
import { gitDescribe } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt } from '../lib/options.ts';
import { appendSection, exitIfFailed, machineLines, sectionTitle } from '../lib/results.ts';

const opts = parseOptions({
  'warmup-ms': positiveInt(2000),
  'run-ms': positiveInt(2000),
  runs: positiveInt(5),
  'no-results': flag(),
});
const RECORDS = 1000;
const TOPIC = 'bench';
const PB_TOPIC = 'bench-protobuf';

const schema = SchemaBuilder.struct()
  .name('bench.Row')
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

const loadBefore = os.loadavg();
const server = await startRegistryServer(new SchemaRegistry(new MemoryStorage()));
const records = Array.from({ length: RECORDS }, (_, i) => record(i));

const json = new JsonConverter();
json.configure({ 'schemas.enable': 'true' }, false);
const avro = new AvroConverter();
avro.configure({ 'schema.registry.url': server.url }, false);
const protobuf = new ProtobufConverter();
protobuf.configure({ 'schema.registry.url': server.url }, false);
const avroJson = fromConnectSchema(schema);
const type = avscType(avroJson, false);
const avroValues: unknown[] = records.map((r) => toAvroValue(schema, r));

const jsonBytes = records.map((r) => json.fromConnectData(TOPIC, schema, r)!);
const avroBytes = records.map((r) => avro.fromConnectData(TOPIC, schema, r)!);
const rawBytes = avroValues.map((v) => type.toBuffer(v));
const protobufBytes = records.map((r) => protobuf.fromConnectData(PB_TOPIC, schema, r)!);
const requestsAfterFirstPass = avro.registryRequests;
let requestsAfterChecks = 0;

// Correctness before speed: every Avro record decodes to the Struct it was made from, and the
// Avro payload after the 5-byte header is exactly avsc's encoding of the same value.
let roundTrip = 0;
let sameAsRaw = 0;
for (let i = 0; i < RECORDS; i++) {
  const back = avro.toConnectData(TOPIC, avroBytes[i]!).value as Struct;
  if (schema.fields.every((f) => valueEquals(back.get(f.name), records[i]!.get(f)))) roundTrip++;
  if (Buffer.compare(Buffer.from(avroBytes[i]!.subarray(5)), rawBytes[i]!) === 0) sameAsRaw++;
}
requestsAfterChecks = avro.registryRequests;
// Protobuf reads every field back optional (Confluent's mapping), so values are compared, not schemas;
// a proto3 null string reads as "" (its default), as with Confluent's converter.
let protobufRoundTrip = 0;
for (let i = 0; i < RECORDS; i++) {
  const back = protobuf.toConnectData(PB_TOPIC, protobufBytes[i]!).value as Struct;
  const same = schema.fields.every((f) =>
    valueEquals(back.get(f.name), records[i]!.get(f) ?? (f.name === 'note' ? '' : null)),
  );
  if (same) protobufRoundTrip++;
}
const protobufRequestsAfterChecks = protobuf.registryRequests;

const scratch = Buffer.alloc(64 * 1024);
type Case = { name: string; fn: () => number };
let sink = 0;
const cases: Case[] = [
  {
    name: 'JsonConverter encode',
    fn: () => records.reduce((n, r) => n + json.fromConnectData(TOPIC, schema, r)!.length, 0),
  },
  {
    name: 'AvroConverter encode',
    fn: () => records.reduce((n, r) => n + avro.fromConnectData(TOPIC, schema, r)!.length, 0),
  },
  {
    name: 'avsc alone encode',
    fn: () =>
      avroValues.reduce<number>((n, v) => {
        const end = type.encode(v, scratch, 0);
        const out = Buffer.allocUnsafe(end);
        scratch.copy(out, 0, 0, end);
        return n + out.length;
      }, 0),
  },
  {
    name: 'JsonConverter decode',
    fn: () => jsonBytes.reduce((n, b) => n + (json.toConnectData(TOPIC, b).value ? 1 : 0), 0),
  },
  {
    name: 'AvroConverter decode',
    fn: () => avroBytes.reduce((n, b) => n + (avro.toConnectData(TOPIC, b).value ? 1 : 0), 0),
  },
  { name: 'avsc alone decode', fn: () => rawBytes.reduce((n, b) => n + (type.fromBuffer(b) ? 1 : 0), 0) },
  {
    name: 'ProtobufConverter encode',
    fn: () => records.reduce((n, r) => n + protobuf.fromConnectData(PB_TOPIC, schema, r)!.length, 0),
  },
  {
    name: 'ProtobufConverter decode',
    fn: () => protobufBytes.reduce((n, b) => n + (protobuf.toConnectData(PB_TOPIC, b).value ? 1 : 0), 0),
  },
];

function measure(c: Case): number[] {
  const until = performance.now() + opts['warmup-ms'];
  while (performance.now() < until) sink += c.fn();
  const rates: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < opts['run-ms']) {
      sink += c.fn();
      n += RECORDS;
      now = performance.now();
    }
    rates.push((n * 1000) / (now - start));
  }
  return rates;
}

const results = new Map<string, number[]>();
for (const c of cases) {
  const rates = measure(c);
  results.set(c.name, rates);
  console.error(`${c.name}: ${fmtRate(median(rates))} records/s (${rates.map(fmtRate).join(' / ')})`);
}
const requestsAtEnd = avro.registryRequests;
const protobufRequestsAtEnd = protobuf.registryRequests;
await server.close();
avro.close();
protobuf.close();
const loadAfter = os.loadavg();

const med = (n: string) => median(results.get(n)!);
const ok =
  roundTrip === RECORDS &&
  sameAsRaw === RECORDS &&
  requestsAtEnd === requestsAfterChecks &&
  protobufRoundTrip === RECORDS &&
  protobufRequestsAtEnd === protobufRequestsAfterChecks;
const avgSize = (xs: Uint8Array[]) => (xs.reduce((n, b) => n + b.length, 0) / xs.length).toFixed(0);
const lines = [
  sectionTitle(
    'AvroConverter and ProtobufConverter vs JsonConverter and avsc alone (benchmarks/avro-converter)',
    ok,
  ),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice ${gitDescribe(['packages/converters-schema-registry', 'packages/converters', 'packages/schema-registry'])}, Node ${process.version}, avsc 5.7.9, protobufjs 8.8.1; ${RECORDS} records of 10 fields (the JsonConverter benchmark's), ${opts['warmup-ms']} ms warm-up then ${opts.runs} runs of ${opts['run-ms']} ms per case, one process`,
  `- Sizes: JsonConverter ${avgSize(jsonBytes)} bytes/record, AvroConverter ${avgSize(avroBytes)} bytes/record (5 of them the wire header), ProtobufConverter ${avgSize(protobufBytes)} bytes/record (6 of them the header)`,
  '',
  '| Case | records/s (median) | vs JsonConverter | runs |',
  '|---|---:|---:|---:|',
  ...cases.map((c) => {
    const base = c.name.endsWith('encode') ? med('JsonConverter encode') : med('JsonConverter decode');
    return `| ${c.name} | ${fmtRate(med(c.name))} | ${fmtRatio(med(c.name) / base)} | ${results.get(c.name)!.map(fmtRate).join(' / ')} |`;
  }),
  '',
  `- Registry requests: ${requestsAfterFirstPass} for the first ${RECORDS} encodes (the registration), ${requestsAfterChecks - requestsAfterFirstPass} for the first ${RECORDS} decodes (the schema's version under the subject), ${requestsAtEnd - requestsAfterChecks} during the timed runs`,
  `- Checks: round trip: ${roundTrip}/${RECORDS} records decode to the Struct encoded; wire payload = avsc's encoding: ${sameAsRaw}/${RECORDS}; no registry request in the timed runs: ${requestsAtEnd === requestsAfterChecks ? 'passed' : 'FAILED'}`,
  `- ProtobufConverter: round trip ${protobufRoundTrip}/${RECORDS}; registry requests during the timed runs: ${protobufRequestsAtEnd - protobufRequestsAfterChecks} (${protobufRequestsAfterChecks} before the timed runs)`,
  `- Issue target (Avro at least as fast as JsonConverter): encode ${med('AvroConverter encode') >= med('JsonConverter encode') ? 'met' : 'not met'} (${fmtRatio(med('AvroConverter encode') / med('JsonConverter encode'))}), decode ${med('AvroConverter decode') >= med('JsonConverter decode') ? 'met' : 'not met'} (${fmtRatio(med('AvroConverter decode') / med('JsonConverter decode'))})`,
  '',
];
console.log(lines.join('\n'));
appendSection(lines.join('\n'), opts['no-results'] ? '--no-results' : undefined);
if (sink === -1) console.log(sink);
exitIfFailed(ok);
