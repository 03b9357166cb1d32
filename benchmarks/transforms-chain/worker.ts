import { builtinPlugins } from '@sluice/cli';
// One measured pipeline of the transform-chain benchmark, in a process of its own (so its peak
// RSS and CPU time are the pipeline's): an in-process StandaloneHerder on the embedded log or on
// Kafka, the synthetic BenchRowSourceConnector with one of the chains, JsonConverter with schemas
// for key and value. Usage (run.ts spawns it):
//
//   scripts/run-node.sh benchmarks/transforms-chain/worker.ts '<WorkerArgs as JSON>'
//
// Prints one JSON line (WorkerResult) on stdout; herder warnings go to stderr. Exit code 0 when
// the run finished (its checks may still have failed: see `problems`), 1 when it could not run.

import os from 'node:os';
import path from 'node:path';
import { JsonConverter } from '@sluice/converters';
import { type LogClient, SLUICE_VERSION, StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';
import { sleep } from '../lib/bench-util.ts';
import { endOffset } from '../lib/connect.ts';
import { machineBusySeconds } from '../lib/processes.ts';
import {
  BATCH_SIZE_CONFIG,
  BenchRowSourceConnector,
  CHAIN_LENGTHS,
  type ChainLength,
  canonicalJson,
  chainConfig,
  type Envelope,
  expectedEnvelope,
  POOL_SIZE,
  RECORDS_CONFIG,
  ROW_SCHEMA,
  row,
  TOPIC_CONFIG,
  targetTopic,
} from './pipeline.ts';

export interface WorkerArgs {
  backend: 'embedded' | 'kafka';
  /** Required for `kafka`. */
  bootstrapServers?: string;
  chain: ChainLength;
  records: number;
  batchSize: number;
  /** A fresh private directory: the embedded log and the offsets file go there. */
  dir: string;
  /** The source topic (unique per run); the chains route to `<topic>-v2`. */
  topic: string;
  /** How often the end offset of the target topic is read. */
  pollMs: number;
  timeoutMs: number;
  /** Random offsets to check, on top of the first three and the last. */
  samples: number;
}

export interface WorkerResult {
  backend: WorkerArgs['backend'];
  chain: ChainLength;
  records: number;
  /** putConnectorConfig → first observation of a non-zero end offset. */
  startupMs: number;
  /** Records already there at that first observation. */
  firstCount: number;
  /** First observation → first observation of all records. */
  steadyMs: number;
  /** (records − firstCount) / steadyMs, per second. */
  rate: number;
  /** CPU time (user + system) of this process over the steady window, in ms. */
  cpuSteadyMs: number;
  /** cpuSteadyMs per record of the steady window, in µs. */
  cpuUsPerRecord: number;
  /** CPU time of this process from start to all records landed, in ms. */
  cpuTotalMs: number;
  /**
   * CPU time of every other process on the machine over the steady window (the machine's non-idle
   * time in /proc/stat minus this process), in ms; the broker's share is in it for `kafka`.
   */
  cpuOtherSteadyMs: number;
  /** Largest gap between two observations of the end offset, in ms (the event loop was busy). */
  maxObservationGapMs: number;
  /** Peak RSS of this process (maxRSS), read when all records had landed, in kB. */
  peakRssKb: number;
  /** End offset of the target topic after the connector was deleted. */
  finalEndOffset: number;
  /** Offsets compared with the expected envelope. */
  checkedOffsets: number;
  /** Mean size of the checked values in bytes (JSON envelope with schema). */
  meanValueBytes: number;
  /** Mean size of the checked payloads alone, as compact JSON. */
  meanPayloadBytes: number;
  /** Everything that did not match; empty when all checks passed. */
  problems: string[];
  /** Load average when the run started. */
  loadStart: number[];
}

function parseArgs(text: string | undefined): WorkerArgs {
  if (text === undefined) throw new Error("usage: worker.ts '<WorkerArgs as JSON>'");
  const a = JSON.parse(text) as WorkerArgs;
  if (a.backend !== 'embedded' && a.backend !== 'kafka') throw new Error(`backend: unknown ${a.backend}`);
  if (a.backend === 'kafka' && !a.bootstrapServers) throw new Error('bootstrapServers: required for kafka');
  if (!CHAIN_LENGTHS.includes(a.chain)) throw new Error(`chain: must be one of ${CHAIN_LENGTHS.join(', ')}`);
  for (const k of ['records', 'batchSize', 'pollMs', 'timeoutMs'] as const) {
    if (!Number.isSafeInteger(a[k]) || a[k] <= 0) throw new Error(`${k}: must be a positive integer`);
  }
  if (!Number.isSafeInteger(a.samples) || a.samples < 0) throw new Error('samples: must be an integer >= 0');
  return a;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Non-idle CPU time of the whole machine so far (/proc/stat), in ms; NaN off Linux. */
const machineBusyMs = () => machineBusySeconds() * 1000;

/** Reads the record at `offset` of partition 0. */
async function recordAt(log: LogClient, topic: string, offset: number) {
  const [part] = await log.fetch([{ topic, partition: 0, offset, maxBytes: 64 * 1024 }], {
    maxWaitMs: 100,
    maxBytes: 64 * 1024,
  });
  if (part?.error !== undefined)
    throw new Error(`fetch ${topic}@${offset}: ${part.error.code} ${part.error.message}`);
  return part?.records.find((r) => r.offset === offset);
}

/** Both texts around their first difference. */
function showDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && expected[i] === actual[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  return `  at character ${i}, expected …${around(expected)}…\n  actual …${around(actual)}…\n  expected ${expected}\n  actual   ${actual}`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv[2]);
  const loadStart = os.loadavg();
  const target = targetTopic(a.topic, a.chain);
  const problems: string[] = [];

  const plugins = builtinPlugins(SLUICE_VERSION);
  plugins.register('source', BenchRowSourceConnector);
  const herder = await StandaloneHerder.create(
    {
      ...(a.backend === 'kafka'
        ? { 'bootstrap.servers': a.bootstrapServers! }
        : { 'embedded.log.dir': path.join(a.dir, 'log') }),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'true',
      'offset.storage.file.filename': path.join(a.dir, 'offsets'),
      'offset.flush.interval.ms': '10000',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }, pino.destination(2)), plugins },
  );
  await herder.start();
  const log = herder.log;
  let result: WorkerResult;
  try {
    // One partition, so offset i is record i.
    await log.createTopics([{ name: target, partitions: 1, replicationFactor: 1 }]);
    const cpu0 = cpuMs();
    const t0 = performance.now();
    await herder.putConnectorConfig(
      'bench-source',
      {
        'connector.class': 'BenchRowSourceConnector',
        'tasks.max': '1',
        [TOPIC_CONFIG]: a.topic,
        [RECORDS_CONFIG]: String(a.records),
        [BATCH_SIZE_CONFIG]: String(a.batchSize),
        ...chainConfig(a.chain),
      },
      { allowReplace: false },
    );
    let first: { t: number; count: number; cpu: number; busy: number } | undefined;
    let done: { t: number; cpu: number; busy: number } | undefined;
    let last = performance.now();
    let maxGap = 0;
    const deadline = t0 + a.timeoutMs;
    while (done === undefined) {
      const count = await endOffset(log, target);
      const t = performance.now();
      const cpu = cpuMs();
      const busy = machineBusyMs();
      maxGap = Math.max(maxGap, t - last);
      last = t;
      if (first === undefined && count > 0) first = { t, count, cpu, busy };
      if (count >= a.records) done = { t, cpu, busy };
      else if (t > deadline) {
        const status = await herder.connectorStatus('bench-source');
        throw new Error(
          `timed out after ${a.timeoutMs} ms with ${count} of ${a.records} records in ${target}; status ${JSON.stringify(status)}`,
        );
      } else await sleep(a.pollMs);
    }
    const peakRssKb = process.resourceUsage().maxRSS;
    const f = first!;
    const steadyMs = done.t - f.t;
    const steadyRecords = a.records - f.count;
    const cpuSteadyMs = done.cpu - f.cpu;
    if (f.count > a.records / 10) {
      problems.push(
        `the first observation already saw ${f.count} of ${a.records} records: the monitor did not get to run, the rate is not measured`,
      );
    }

    // Checks, outside the measured window.
    await herder.deleteConnector('bench-source');
    const finalEndOffset = await endOffset(log, target);
    if (finalEndOffset !== a.records) {
      problems.push(
        `${target} ends at offset ${finalEndOffset} after the connector stopped, expected ${a.records}`,
      );
    }
    if (a.chain !== 0 && (await log.listTopics()).includes(a.topic)) {
      const n = await endOffset(log, a.topic);
      if (n > 0)
        problems.push(`${n} records landed in the source topic ${a.topic}: RegexRouter did not route them`);
    }
    const converter = new JsonConverter();
    converter.configure({ 'schemas.enable': 'true' }, false);
    const offsets = new Set([0, 1, 2, a.records - 1].filter((o) => o < a.records));
    while (offsets.size < Math.min(a.records, 4 + a.samples))
      offsets.add(Math.floor(Math.random() * a.records));
    let mismatches = 0;
    let valueBytes = 0;
    let payloadBytes = 0;
    for (const offset of [...offsets].sort((x, y) => x - y)) {
      const record = await recordAt(log, target, offset);
      if (record === undefined) {
        problems.push(`${target}@${offset}: no record`);
        continue;
      }
      if (record.key !== null)
        problems.push(`${target}@${offset}: key is ${record.key.toString()}, expected null`);
      if (record.value === null) {
        problems.push(`${target}@${offset}: value is null`);
        continue;
      }
      valueBytes += record.value.length;
      const actual = JSON.parse(record.value.toString('utf8')) as Envelope;
      payloadBytes += JSON.stringify(actual.payload).length;
      const original = JSON.parse(
        Buffer.from(converter.fromConnectData(a.topic, ROW_SCHEMA, row(offset % POOL_SIZE))!).toString(
          'utf8',
        ),
      ) as Envelope;
      const expected = canonicalJson(expectedEnvelope(original, a.chain));
      const got = canonicalJson(actual);
      if (got !== expected) {
        mismatches++;
        if (mismatches <= 2)
          problems.push(`${target}@${offset}: value differs\n${showDifference(expected, got)}`);
      }
    }
    if (mismatches > 2)
      problems.push(`... ${mismatches - 2} more of the ${offsets.size} checked values differ`);
    if (a.backend === 'kafka') await log.deleteTopics([target]);
    result = {
      backend: a.backend,
      chain: a.chain,
      records: a.records,
      startupMs: f.t - t0,
      firstCount: f.count,
      steadyMs,
      rate: steadyMs > 0 ? (steadyRecords * 1000) / steadyMs : Number.NaN,
      cpuSteadyMs,
      cpuUsPerRecord: steadyRecords > 0 ? (cpuSteadyMs * 1000) / steadyRecords : Number.NaN,
      cpuTotalMs: done.cpu - cpu0,
      cpuOtherSteadyMs: Math.max(0, done.busy - f.busy - cpuSteadyMs),
      maxObservationGapMs: maxGap,
      peakRssKb,
      finalEndOffset,
      checkedOffsets: offsets.size,
      meanValueBytes: valueBytes / offsets.size,
      meanPayloadBytes: payloadBytes / offsets.size,
      problems,
      loadStart,
    };
  } finally {
    await herder.stop();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
