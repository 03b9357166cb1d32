/**
 * KIP-877 plugin metrics: a connector and its task register their own metrics through
 * `context.pluginMetrics()`; `/metrics` writes them with the `connector` and `task` labels, and
 * they go away with the connector. Bad names are refused with a clear error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PluginCounter, type SourceRecord, SourceTask, type StringMap } from '@sluice/api';
import { Exposition, PluginMetricsRegistry } from '@sluice/runtime';
import { uniqueName } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

const tempDir = useTempDirs('sluice-plugin-metrics-');

class CountingSourceTask extends SourceTask {
  #polls: PluginCounter | null = null;
  version(): string {
    return '1';
  }
  start(_props: StringMap): void {
    const metrics = this.context.pluginMetrics?.();
    assert.ok(metrics !== undefined, 'the worker gives tasks pluginMetrics()');
    this.#polls = metrics.counter('demo_polls_total', 'Polls of the demo task', { table: 'public.t' });
    metrics.gaugeFn('demo_queue_size', 'A measured gauge', () => 42);
  }
  async poll(): Promise<SourceRecord[] | null> {
    this.#polls?.inc();
    await new Promise((r) => setTimeout(r, 20));
    return null;
  }
  stop(): void {}
}

class CountingSourceConnector extends ConfigCopyingSourceConnector {
  override start(props: StringMap): void {
    super.start(props);
    this.context.pluginMetrics?.().gauge('demo_connector_up', 'Set by the connector').set(1);
  }
  taskClass() {
    return CountingSourceTask;
  }
}

test('connectors and tasks register their own metrics through the context', async () => {
  const herder = await startTestHerder({ dir: await tempDir(), connectors: [CountingSourceConnector] });
  try {
    const name = uniqueName('counting');
    await herder.putConnectorConfig(
      name,
      { 'connector.class': 'CountingSourceConnector', 'tasks.max': '1' },
      { allowReplace: false },
    );
    const deadline = Date.now() + 30_000;
    let polls = 0;
    let text = '';
    while (polls < 3) {
      assert.ok(Date.now() < deadline, `the task polled ${polls} times:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
      text = herder.metrics.connectText();
      const m = /^demo_polls_total\{connector="([^"]+)",task="0",table="public\.t"\} (\d+)$/m.exec(text);
      if (m !== null) {
        assert.equal(m[1], name);
        polls = Number(m[2]);
      }
    }
    assert.match(text, /^# TYPE demo_polls_total counter$/m);
    assert.ok(text.includes(`demo_queue_size{connector="${name}",task="0"} 42\n`));
    assert.ok(text.includes(`demo_connector_up{connector="${name}"} 1\n`));
    await herder.deleteConnector(name);
    const after = herder.metrics.connectText();
    assert.ok(!after.includes('demo_'), 'plugin metrics are removed with the connector');
  } finally {
    await herder.stop();
  }
});

test('bad plugin metric names and tags are refused with the reason', () => {
  const m = new PluginMetricsRegistry('c', 0);
  assert.throws(() => m.counter('9lives', 'x'), /Invalid plugin metric name '9lives'/);
  assert.throws(() => m.gauge('kafka_connect_mine', 'x'), /kafka_connect_ prefix is the worker's own/);
  assert.throws(() => m.gauge('ok', 'x', { task: '1' }), /the worker sets 'task' itself/);
  m.counter('dash-name-total', 'x');
  assert.throws(() => m.gauge('dash_name_total', 'x'), /already registered as a counter/);
  const out = new Exposition();
  m.gaugeFn('broken', 'throws', () => {
    throw new Error('no');
  });
  m.write(out);
  assert.match(out.toString(), /^broken\{connector="c",task="0"\} NaN$/m);
  assert.match(out.toString(), /^dash_name_total\{connector="c",task="0"\} 0$/m);
});

test('label values are escaped', () => {
  const out = new Exposition();
  out.add('x', 'gauge', 'h', { connector: 'a"b\\c\nd' }, 1);
  assert.ok(out.toString().includes('x{connector="a\\"b\\\\c\\nd"} 1\n'));
});
