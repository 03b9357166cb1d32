/**
 * `metrics.enable=false` (Sluice's off switch): a file pipeline still moves every line, nothing is
 * recorded (the task metrics stay at zero and plugin metrics are not written), and `GET /metrics`
 * answers 404 saying why. With the default (`true`) the same pipeline is counted.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type PluginCounter, type SourceRecord, SourceTask, type StringMap } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

const tempDir = useTempDirs('sluice-metrics-off-');

let lastCounter: PluginCounter | undefined;
class CountingTask extends SourceTask {
  version(): string {
    return '1';
  }
  start(_props: StringMap): void {
    lastCounter = this.context.pluginMetrics?.().counter('demo_polls_total', 'Polls');
  }
  async poll(): Promise<SourceRecord[] | null> {
    lastCounter?.inc();
    await new Promise((r) => setTimeout(r, 10));
    return null;
  }
  stop(): void {}
}
class CountingConnector extends ConfigCopyingSourceConnector {
  taskClass() {
    return CountingTask;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const enabled of [false, true]) {
  test(`metrics.enable=${enabled}: a file pipeline, its counters and GET /metrics`, async () => {
    const dir = await tempDir();
    const herder = await startTestHerder({
      dir,
      connectors: [CountingConnector],
      props: enabled ? {} : { 'metrics.enable': 'false' },
    });
    const server = new RestServer({
      herder,
      loggers: new LoggerRegistry(createLogger({ level: 'WARN' })),
      listeners: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
      metrics: herder.metrics,
    });
    try {
      const url = (await server.start()).urls[0]!;
      const lines = Array.from({ length: 500 }, (_, i) => `line-${i}`);
      await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
      const topic = uniqueName('off');
      await herder.putConnectorConfig(
        'src',
        {
          'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
          file: join(dir, 'in.txt'),
          topic,
        },
        { allowReplace: false },
      );
      await herder.putConnectorConfig(
        'sink',
        {
          'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
          file: join(dir, 'out.txt'),
          topics: topic,
        },
        { allowReplace: false },
      );
      await herder.putConnectorConfig(
        'counting',
        { 'connector.class': 'CountingConnector' },
        { allowReplace: false },
      );
      await waitFor('every line copied', async () => {
        const out = await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '');
        return out.split('\n').filter((l) => l !== '').length === lines.length;
      });
      await waitFor('the plugin counted polls', async () => (lastCounter?.value ?? 0) >= 3);
      const res = await fetch(`${url}/metrics`);
      const text = await res.text();
      if (enabled) {
        assert.equal(res.status, 200);
        assert.match(
          text,
          /^kafka_connect_source_task_source_record_poll_total\{connector="src",task="0"\} 500$/m,
        );
        assert.match(
          text,
          /^kafka_connect_sink_task_sink_record_send_total\{connector="sink",task="0"\} 500$/m,
        );
        assert.match(text, /^demo_polls_total\{connector="counting",task="0"\} \d+$/m);
      } else {
        assert.equal(res.status, 404);
        assert.deepEqual(JSON.parse(text), {
          error_code: 404,
          message: 'Metrics are off on this worker (metrics.enable=false)',
        });
        assert.equal(herder.metrics.enabled, false);
        // Nothing was recorded, and the plugin's own metric is not written (it still counts for the plugin).
        const inside = herder.metrics.connectText();
        assert.match(
          inside,
          /^kafka_connect_source_task_source_record_poll_total\{connector="src",task="0"\} 0$/m,
        );
        assert.match(
          inside,
          /^kafka_connect_sink_task_sink_record_send_total\{connector="sink",task="0"\} 0$/m,
        );
        assert.doesNotMatch(inside, /demo_polls_total/);
      }
    } finally {
      await server.stop();
      await herder.stop();
    }
  });
}
