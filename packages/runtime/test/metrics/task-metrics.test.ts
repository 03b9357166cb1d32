/**
 * The task loops' recording (TaskMetrics) and what a scrape makes of it: `polled` and `put` take
 * the loop's own clock readings (no clock read of their own), windows roll on that monotonic
 * clock, and the per-partition lag of several topics and partitions is written with its labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectMetrics } from '../../src/metrics/connect-metrics.ts';
import { SAMPLE_WINDOW_MS } from '../../src/metrics/stats.ts';
import { TaskMetrics } from '../../src/metrics/task-metrics.ts';

/** The value of one sample line of `text`, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

test('polled and put record the loop readings: durations, batch sizes and active counts per window', () => {
  const t0 = 1_000;
  const source = new TaskMetrics('src', 0, 'source', t0);
  source.polled(100, t0 + 10, t0 + 14);
  source.polled(300, t0 + 20, t0 + 30);
  source.sourceAcked(100, 90);
  assert.equal(source.pollTotal, 400);
  assert.equal(source.writeTotal, 90);
  assert.equal(source.sourceActive, 300);
  const now = t0 + 100;
  assert.equal(source.pollBatchTime.max(now), 10);
  assert.equal(source.pollBatchTime.avg(now), 7);
  assert.equal(source.batchSize.max(now), 300);
  assert.equal(source.batchSize.avg(now), 200);
  assert.equal(source.sourceActiveStat.max(now), 400);
  // Two windows later, what was recorded is forgotten (NaN, as Kafka), the totals stay.
  const later = now + 2 * SAMPLE_WINDOW_MS;
  assert.ok(Number.isNaN(source.pollBatchTime.max(later)));
  assert.ok(Number.isNaN(source.batchSize.avg(later)));
  assert.equal(source.pollTotal, 400);

  const sink = new TaskMetrics('snk', 0, 'sink', t0);
  sink.read(500, t0 + 1);
  sink.put(200, t0 + 2, t0 + 7);
  sink.put(300, t0 + 8, t0 + 9);
  assert.equal(sink.readTotal, 500);
  assert.equal(sink.sendTotal, 500);
  assert.equal(sink.putBatchTime.max(now), 5);
  assert.equal(sink.putBatchTime.avg(now), 3);
  assert.equal(sink.batchSize.avg(now), 250);
  assert.equal(sink.sinkActiveStat.max(now), 500);
  sink.sinkCommitted(false, 0);
  assert.equal(sink.sinkActive, 0);
  assert.equal(sink.offsetCommitCompletions, 1);
});

test('a scrape writes what the loops recorded, with the lag of every topic and partition', () => {
  const metrics = new ConnectMetrics();
  const source = metrics.task('src', 0, 'source');
  const start = performance.now();
  source.polled(2000, start, start + 3);
  source.sourceAcked(2000, 2000);
  const sink = metrics.task('snk', 1, 'sink');
  sink.read(700);
  sink.partitionLag('a', 0, 5);
  sink.partitionLag('a', 1, 0);
  sink.partitionLag('b', 0, 12);
  sink.partitionLag('a', 0, 3);
  sink.put(700, start, start + 2);
  const text = metrics.connectText();
  const s = '{connector="src",task="0"}';
  const k = '{connector="snk",task="1"}';
  assert.equal(sample(text, `kafka_connect_source_task_source_record_poll_total${s}`), 2000);
  assert.equal(sample(text, `kafka_connect_source_task_source_record_write_total${s}`), 2000);
  assert.equal(sample(text, `kafka_connect_source_task_poll_batch_max_time_ms${s}`), 3);
  assert.equal(sample(text, `kafka_connect_connector_task_batch_size_max${s}`), 2000);
  assert.equal(sample(text, `kafka_connect_source_task_source_record_active_count${s}`), 0);
  assert.equal(sample(text, `kafka_connect_source_task_source_record_active_count_max${s}`), 2000);
  assert.equal(sample(text, `kafka_connect_sink_task_sink_record_read_total${k}`), 700);
  assert.equal(sample(text, `kafka_connect_sink_task_sink_record_send_total${k}`), 700);
  assert.equal(sample(text, `kafka_connect_sink_task_put_batch_max_time_ms${k}`), 2);
  assert.equal(sample(text, `kafka_connect_sink_task_sink_record_lag_max${k}`), 12);
  const lag = (topic: string, partition: number) =>
    sample(
      text,
      `kafka_consumer_fetch_manager_records_lag{clientid="connector-consumer-snk-1",topic="${topic}",partition="${partition}"}`,
    );
  assert.equal(lag('a', 0), 3);
  assert.equal(lag('a', 1), 0);
  assert.equal(lag('b', 0), 12);
  assert.equal(text.match(/^kafka_consumer_fetch_manager_records_lag\{/gm)?.length, 3);
});
