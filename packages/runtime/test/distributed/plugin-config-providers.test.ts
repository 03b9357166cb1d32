// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
/**
 * The distributed herder on the real broker: a config provider from plugin.path resolves the worker
 * properties (the group and its internal topics) and a connector config, while the config topic
 * and REST keep the `${...}` text.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { distributedTestProps } from '../helpers/distributed-worker.ts';
import { VAULT_PROVIDER_CLASS, writeProviderPlugins } from '../helpers/provider-plugins.ts';
import { useTempDirs } from '../helpers/standalone-worker.ts';
import { StartRecordingSinkConnector, taskStartConfigs as taskStarts } from '../helpers/test-connectors.ts';

const tempDir = useTempDirs('sluice-dist-providers-');
let herder: DistributedHerder | undefined;
after(async () => herder?.stop());

test('a plugin provider resolves the worker properties and connector configs of a distributed worker', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const root = await writeProviderPlugins(join(dir, 'plugins'));
  await writeFile(join(dir, 'vault.json'), JSON.stringify({ 'secret/db': { password: 'hunter2' } }));
  const group = uniqueName('vault-group');
  const plugins = builtinPlugins('1');
  plugins.register('sink', StartRecordingSinkConnector);
  herder = await DistributedHerder.create(
    distributedTestProps(bootstrapServers, '${vault:group}', {
      'config.storage.topic': '${vault:group}-configs',
      'plugin.path': root,
      'config.providers': 'vault',
      'config.providers.vault.class': VAULT_PROVIDER_CLASS,
      'config.providers.vault.param.token': 't',
      'config.providers.vault.param.value.group': group,
      'config.providers.vault.param.secrets.file': join(dir, 'vault.json'),
    }),
    { logger: pino({ level: 'silent' }), plugins },
  );
  assert.equal(herder.config.groupId(), group);
  assert.equal(herder.config.getString('config.storage.topic'), `${group}-configs`);
  await herder.start();

  const name = uniqueName('db-sink');
  const password = '${vault:secret/db:password}';
  await herder.putConnectorConfig(
    name,
    { 'connector.class': 'StartRecordingSinkConnector', topics: uniqueName('t'), 'db.password': password },
    { allowReplace: false },
  );
  await waitFor('the task to start', () => (taskStarts.get(name)?.length ?? 0) >= 1, { timeoutMs: 30_000 });
  assert.equal(taskStarts.get(name)![0]!['db.password'], 'hunter2');
  assert.equal((await herder.connectorConfig(name))['db.password'], password);
  assert.equal((await herder.taskConfigs(name))[0]?.config['db.password'], password);
  const topics = await herder.client.listTopics();
  assert.ok(topics.includes(`${group}-configs`), 'the config topic is named from the resolved value');
});
