/**
 * plugin.path: a plugin package on disk (plain JavaScript importing '@sluice/api', as a published
 * plugin does) is found, registered under its names, shares the runtime's API classes, and runs.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SourceConnector } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { loadPluginPath, StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';

const PLUGIN = `
import { ConfigDef, Schema, SourceConnector, SourceRecord, SourceTask } from '@sluice/api';

const CONFIG = new ConfigDef().define({ name: 'topic', type: 'STRING', importance: 'HIGH', documentation: 'Target topic.' });

export class CountingTask extends SourceTask {
  #n = 0;
  #topic = '';
  version() { return '1.0.0'; }
  start(props) { this.#topic = props.topic; }
  async poll() {
    if (this.#n >= 5) { await new Promise((r) => setTimeout(r, 50)); return null; }
    const records = [];
    for (let i = 0; i < 5; i++) {
      records.push(new SourceRecord({ sourcePartition: { counter: 'c' }, sourceOffset: { n: this.#n }, topic: this.#topic, valueSchema: Schema.STRING_SCHEMA, value: 'n' + this.#n++ }));
    }
    return records;
  }
  stop() {}
}

export class CountingSourceConnector extends SourceConnector {
  static javaClass = 'com.example.CountingSourceConnector';
  #props = {};
  version() { return '1.0.0'; }
  start(props) { this.#props = props; }
  taskClass() { return CountingTask; }
  taskConfigs() { return [this.#props]; }
  stop() {}
  config() { return CONFIG; }
}

export const sluicePlugins = [{ type: 'source', plugin: CountingSourceConnector }];
`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function pluginDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-plugins-'));
  dirs.push(root);
  const pkg = join(root, 'counting-connector');
  await mkdir(pkg);
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'counting-connector', version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  await writeFile(join(pkg, 'index.js'), PLUGIN);
  const broken = join(root, 'broken-plugin');
  await mkdir(broken);
  await writeFile(
    join(broken, 'package.json'),
    JSON.stringify({ name: 'broken', type: 'module', main: 'index.js' }),
  );
  await writeFile(join(broken, 'index.js'), 'export const nothing = 1;');
  return root;
}

test('plugins are loaded from plugin.path and share the runtime API', async () => {
  const root = await pluginDir();
  const registry = builtinPlugins('1');
  const result = await loadPluginPath(registry, [root, join(root, 'missing')], pino({ level: 'silent' }));
  assert.deepEqual(
    result.loaded.map((l) => [l.name, l.plugins]),
    [['counting-connector', 1]],
  );
  assert.deepEqual(
    result.failed.map((f) => f.error),
    ['its entry module does not export sluicePlugins', 'does not exist'],
  );
  const info = registry.resolve('CountingSource', ['source']);
  assert.equal(info.className, 'com.example.CountingSourceConnector');
  assert.equal(info.version, '1.0.0');
  assert.ok(
    new info.plugin() instanceof SourceConnector,
    'the plugin must extend the runtime’s SourceConnector',
  );
});

test('a connector from plugin.path runs in a standalone worker', async () => {
  const root = await pluginDir();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-plugin-run-'));
  dirs.push(dir);
  const out = join(dir, 'out.txt');
  const herder = await StandaloneHerder.create(
    {
      'plugin.path': root,
      'embedded.log.dir': join(dir, 'data'),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
  );
  await herder.start();
  try {
    await herder.putConnectorConfig(
      'counter',
      { 'connector.class': 'com.example.CountingSourceConnector', topic: 'counts' },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'counts-out',
      { 'connector.class': 'FileStreamSink', topics: 'counts', file: out },
      { allowReplace: false },
    );
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      (await stat(out)
        .then((s) => s.size)
        .catch(() => 0)) < 15
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await readFile(out, 'utf8'), 'n0\nn1\nn2\nn3\nn4\n');
    assert.equal((await herder.connectorStatus('counter')).tasks[0]?.state, 'RUNNING');
  } finally {
    await herder.stop();
  }
});
