/**
 * `GET /metrics` scraped by a real Prometheus (Debian's package): a standalone worker runs a
 * FileStream source → sink pipeline on the embedded log; the scraped counters equal the lines in
 * the files, the names and labels are those the JMX exporter's Kafka Connect rules give, and
 * `promtool check metrics` finds no parse error and only the lint Kafka's own names cause.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LoggerRegistry, RestServer } from '@sluice/runtime';
import { promtoolCheckMetrics, startPrometheus, uniqueName } from '@sluice/testing';
import { pino } from 'pino';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const LINES = 5000;
const tempDir = useTempDirs('sluice-metrics-');

/**
 * The lint promtool prints for Kafka Connect's own names (kept so dashboards keep working), and
 * for three of prom-client's default process metrics; every other lint line fails the test.
 */
const ACCEPTED_LINT = [
  // `*-time-ms`: Kafka's attributes carry milliseconds.
  /^kafka_connect_\S+_ms metric names should not contain abbreviated units$/,
  // `connector-count`, `task-count`, `connector-*-task-count`, `*-active-count`, `partition-count`.
  /^kafka_connect_\S+_count non-histogram and non-summary metrics should not have "_count" suffix$/,
  // prom-client's default gauges nodejs_active_{handles,requests,resources}_total.
  /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/,
];

test('a real Prometheus scrapes Kafka Connect metrics of a FileStream pipeline', async () => {
  const dir = await tempDir();
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) lines.push(`line ${i}`);
  await writeFile(input, `${lines.join('\n')}\n`);
  const herder = await startTestHerder({ dir, props: { 'offset.flush.interval.ms': '500' } });
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(pino({ level: 'silent' })),
    listeners: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
    metrics: herder.metrics,
  });
  const { urls } = await rest.start();
  const base = urls[0]!;
  const prometheus = await startPrometheus([new URL(base).host]);
  after(async () => {
    await prometheus.stop();
    await rest.stop();
    await herder.stop();
  });
  const topic = uniqueName('lines');
  const source = uniqueName('file-source');
  const sink = uniqueName('file-sink');
  await herder.putConnectorConfig(
    source,
    { 'connector.class': 'FileStreamSource', file: input, topic },
    { allowReplace: false },
  );
  await herder.putConnectorConfig(
    sink,
    { 'connector.class': 'FileStreamSink', file: output, topics: topic },
    { allowReplace: false },
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    const out = await readFile(output, 'utf8').catch(() => '');
    if (out.split('\n').length - 1 >= LINES) break;
    assert.ok(Date.now() < deadline, `sink wrote ${out.split('\n').length - 1} of ${LINES} lines`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const written = (await readFile(output, 'utf8')).split('\n').length - 1;
  assert.equal(written, LINES);

  // What Prometheus scraped (it scrapes every second): wait until it saw the final counts.
  const one = async (expr: string): Promise<number> => {
    const r = await prometheus.query(expr);
    assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
    return r[0]!.value;
  };
  const until = Date.now() + 60_000;
  for (;;) {
    const r = await prometheus.query(
      `kafka_connect_sink_task_sink_record_send_total{connector="${sink}",task="0"}`,
    );
    if (r.length === 1 && r[0]!.value === LINES) break;
    assert.ok(Date.now() < until, `Prometheus did not see the sink's ${LINES} records: ${JSON.stringify(r)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const s = `connector="${source}",task="0"`;
  const k = `connector="${sink}",task="0"`;
  assert.equal(await one(`kafka_connect_source_task_source_record_poll_total{${s}}`), LINES);
  assert.equal(await one(`kafka_connect_source_task_source_record_write_total{${s}}`), LINES);
  assert.equal(await one(`kafka_connect_sink_task_sink_record_read_total{${k}}`), LINES);
  assert.equal(await one(`kafka_connect_sink_task_sink_record_send_total{${k}}`), LINES);
  assert.equal(await one(`kafka_connect_sink_task_partition_count{${k}}`), 1);
  assert.equal(await one(`kafka_connect_connector_task_status{${s},status="running"}`), 1);
  assert.equal(await one(`kafka_connect_connector_status{connector="${sink}",status="running"}`), 1);
  assert.equal(
    await one(`kafka_connect_connector_connector_type{connector="${source}",connector_type="source"}`),
    1,
  );
  assert.equal(
    await one(
      `kafka_connect_connector_connector_class{connector="${sink}",connector_class="org.apache.kafka.connect.file.FileStreamSinkConnector"}`,
    ),
    1,
  );
  assert.equal(await one('kafka_connect_worker_connector_count'), 2);
  assert.equal(await one('kafka_connect_worker_task_count'), 2);
  assert.equal(await one(`kafka_connect_worker_connector_running_task_count{connector="${sink}"}`), 1);
  assert.equal(await one(`kafka_connect_task_error_total_record_errors{${k}}`), 0);
  assert.equal(
    await one(
      `kafka_consumer_fetch_manager_records_lag{clientid="connector-consumer-${sink}-0",topic="${topic}",partition="0"}`,
    ),
    0,
  );
  assert.ok((await one(`kafka_connect_connector_task_offset_commit_success_percentage{${s}}`)) > 0);
  assert.ok((await one('process_resident_memory_bytes')) > 0);

  // The exposition itself: no parse error, and only the lint Kafka's names cause.
  const res = await fetch(`${base}/metrics`, { headers: { accept: 'text/plain' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const check = await promtoolCheckMetrics(text);
  const lint = check.output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .filter((l) => !ACCEPTED_LINT.some((re) => re.test(l)));
  assert.deepEqual(lint, [], `promtool check metrics:\n${check.output}`);
  // promtool exits 3 for lint only, 1 for a parse error.
  assert.ok(check.code === 0 || check.code === 3, `promtool exit ${check.code}: ${check.output}`);
});
