/** StandaloneHerder behaviours not visible through the REST suite: what a config update restarts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigDef, type SourceRecord, SourceTask } from '@sluice/api';
import { waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

const starts = { connector: 0, task: 0 };

class IdleTask extends SourceTask {
  version() {
    return '1';
  }
  start() {
    starts.task++;
  }
  async poll(): Promise<SourceRecord[] | null> {
    await new Promise((r) => setTimeout(r, 20));
    return null;
  }
  stop() {}
}

class IdleSourceConnector extends ConfigCopyingSourceConnector {
  override start(props: Record<string, string>) {
    starts.connector++;
    super.start(props);
  }
  taskClass() {
    return IdleTask;
  }
  override config() {
    return new ConfigDef().define({
      name: 'label',
      type: 'STRING',
      defaultValue: '',
      importance: 'LOW',
      documentation: 'A label.',
    });
  }
}

const tempDir = useTempDirs('sluice-herder-');
const startsNow = () => `the starts; starts=${JSON.stringify(starts)}`;
const POLL = { timeoutMs: 10_000, intervalMs: 20 };

test('an identical config restarts nothing; a changed one restarts the connector and its tasks', async () => {
  const herder = await startTestHerder({ dir: await tempDir(), connectors: [IdleSourceConnector] });
  try {
    const config = { 'connector.class': 'IdleSource', 'tasks.max': '2', label: 'a' };
    const created = await herder.putConnectorConfig('idle', config, { allowReplace: false });
    assert.equal(created.created, true);
    await waitFor(startsNow, () => starts.task === 2, POLL);
    assert.deepEqual(starts, { connector: 1, task: 2 });

    const same = await herder.putConnectorConfig('idle', config, { allowReplace: true });
    assert.equal(same.created, false);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(starts, { connector: 1, task: 2 });

    await herder.putConnectorConfig(
      'idle',
      { ...config, 'tasks.max': '1', label: 'b' },
      { allowReplace: true },
    );
    await waitFor(startsNow, () => starts.task === 3, POLL);
    assert.deepEqual(starts, { connector: 2, task: 3 });
    const status = await herder.connectorStatus('idle');
    assert.deepEqual(
      status.tasks.map((t) => [t.id, t.state]),
      [[0, 'RUNNING']],
    );
    assert.equal((await herder.taskConfigs('idle'))[0]?.config.label, 'b');
  } finally {
    await herder.stop();
  }
});
