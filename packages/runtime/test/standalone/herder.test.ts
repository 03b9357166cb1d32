/** StandaloneHerder behaviours not visible through the REST suite: what a config update restarts. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigDef, SourceConnector, type SourceRecord, SourceTask } from '@sluice/api';
import { builtinPlugins, StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';

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

class IdleSourceConnector extends SourceConnector {
  #props: Record<string, string> = {};
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    starts.connector++;
    this.#props = props;
  }
  taskClass() {
    return IdleTask;
  }
  taskConfigs(max: number) {
    return Array.from({ length: max }, () => ({ ...this.#props }));
  }
  stop() {}
  config() {
    return new ConfigDef().define({
      name: 'label',
      type: 'STRING',
      defaultValue: '',
      importance: 'LOW',
      documentation: 'A label.',
    });
  }
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('an identical config restarts nothing; a changed one restarts the connector and its tasks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-herder-'));
  dirs.push(dir);
  const plugins = builtinPlugins('1');
  plugins.register('source', IdleSourceConnector);
  const herder = await StandaloneHerder.create(
    {
      'embedded.log.dir': join(dir, 'data'),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'silent' }), plugins },
  );
  await herder.start();
  try {
    const config = { 'connector.class': 'IdleSource', 'tasks.max': '2', label: 'a' };
    const created = await herder.putConnectorConfig('idle', config, { allowReplace: false });
    assert.equal(created.created, true);
    await waitFor(() => starts.task === 2);
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
    await waitFor(() => starts.task === 3);
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

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; starts=${JSON.stringify(starts)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
