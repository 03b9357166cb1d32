// What the task loops pay for metrics: the recording calls a source and a sink task make per batch,
// with metrics on (TaskMetrics) and off (DisabledTaskMetrics, `metrics.enable=false`), in a tight
// loop, and what one `/metrics` scrape of those tasks costs. No worker, no log: this isolates the
// recording from everything else a pipeline does, so its cost per record can be compared with the
// worker CPU per record that `bench:standalone -- --metrics-ab` measures (about 0.8 µs). Run on
// demand (not a test):
//
//   scripts/run-node.sh benchmarks/metrics-recording/micro.ts [--warmup-ms 1000] [--run-ms 1000] [--runs 5]
//
// Prints a table, then one JSON line with the medians.

import { ConnectMetrics, DisabledTaskMetrics, TaskMetrics } from '@sluice/runtime';
import { parseOptions, positiveInt } from '../lib/options.ts';

const opts = parseOptions({
  'warmup-ms': positiveInt(1000),
  'run-ms': positiveInt(1000),
  runs: positiveInt(5),
  /** FileStreamSource's default batch.size: records per poll. */
  'source-batch': positiveInt(2000),
  /** The sink's max.poll.records default: records per put. */
  'sink-batch': positiveInt(500),
  /** Records per fetched partition (a sink fetch of 4 MiB of 200-byte records is ~20,000). */
  'fetch-records': positiveInt(20_000),
});

/** Kept live so the loops cannot be optimized away. */
let keep = 0;

interface Case {
  name: string;
  /** Median ns per call of `pass`. */
  nsPerPass: number;
  /** Records one pass stands for. */
  records: number;
}

/** Runs `pass` for the warm-up, then `runs` times for `run-ms`; the median ns per pass. */
function measure(name: string, records: number, pass: () => void): Case {
  const until = performance.now() + opts['warmup-ms'];
  while (performance.now() < until) for (let i = 0; i < 1000; i++) pass();
  const results: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    let passes = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < opts['run-ms']) {
      for (let i = 0; i < 1000; i++) pass();
      passes += 1000;
      t = performance.now();
    }
    results.push(((t - t0) * 1e6) / passes);
  }
  results.sort((a, b) => a - b);
  return { name, nsPerPass: results[Math.floor(results.length / 2)]!, records };
}

const SRC = opts['source-batch'];
const PUT = opts['sink-batch'];
const FETCH = opts['fetch-records'];

/** A source task's recording per poll (worker-source-task.ts): timing, polled, acked. */
function sourcePass(m: TaskMetrics): () => void {
  return () => {
    const start = performance.now();
    m.polled(SRC, start, performance.now());
    m.sourceAcked(SRC, SRC);
    keep += m.pollTotal;
  };
}

/** A sink task's recording per fetched partition (worker-sink-task.ts #fill): read and lag. */
function fetchPass(m: TaskMetrics): () => void {
  let lag = 0;
  return () => {
    m.read(FETCH);
    m.partitionLag('bench-topic', 0, lag++ & 1023);
    keep += m.readTotal;
  };
}

/** A sink task's recording per put (worker-sink-task.ts #deliver): timing and put. */
function putPass(m: TaskMetrics): () => void {
  return () => {
    const start = performance.now();
    m.put(PUT, start, performance.now());
    keep += m.sendTotal;
  };
}

/** The two performance.now() calls around poll/put alone (paid with metrics on and off). */
function timingPass(): () => void {
  return () => {
    const start = performance.now();
    keep += performance.now() - start;
  };
}

const on = (kind: 'source' | 'sink') => new TaskMetrics('bench', 0, kind);
const off = (kind: 'source' | 'sink') => new DisabledTaskMetrics('bench', 0, kind);

const cases: Case[] = [
  measure('source poll: timing + polled + sourceAcked, metrics on', SRC, sourcePass(on('source'))),
  measure('source poll: timing + polled + sourceAcked, metrics off', SRC, sourcePass(off('source'))),
  measure('sink fetch: read + partitionLag, metrics on', FETCH, fetchPass(on('sink'))),
  measure('sink fetch: read + partitionLag, metrics off', FETCH, fetchPass(off('sink'))),
  measure('sink put: timing + put, metrics on', PUT, putPass(on('sink'))),
  measure('sink put: timing + put, metrics off', PUT, putPass(off('sink'))),
  measure('timing alone: two performance.now()', 1, timingPass()),
];

// One scrape of a worker with a source and a sink task (at /metrics, not in the task loops).
const registry = new ConnectMetrics();
const src = registry.task('bench-source', 0, 'source');
const snk = registry.task('bench-sink', 0, 'sink');
src.polled(SRC, 0, 1);
src.sourceAcked(SRC, SRC);
snk.read(FETCH);
snk.partitionLag('bench-topic', 0, 0);
snk.put(PUT, 0, 1);
const scrape = measure('scrape: connectText() of 2 tasks', 1, () => {
  keep += registry.connectText().length;
});

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad('case', 60)} ${'ns/call'.padStart(10)} ${'ns/record'.padStart(10)}`);
for (const c of [...cases, scrape]) {
  console.log(
    `${pad(c.name, 60)} ${c.nsPerPass.toFixed(1).padStart(10)} ${(c.nsPerPass / c.records).toFixed(4).padStart(10)}`,
  );
}
console.log(
  JSON.stringify({
    sourceBatch: SRC,
    sinkBatch: PUT,
    fetchRecords: FETCH,
    cases: [...cases, scrape].map((c) => ({ name: c.name, nsPerCall: c.nsPerPass, records: c.records })),
    keep: keep > 0,
  }),
);
