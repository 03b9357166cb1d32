// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
/**
 * A config provider brought by a plugin package under plugin.path, in a standalone worker on the
 * embedded log: it resolves the worker properties and connector configs (the task sees the value,
 * REST keeps the `${...}` text), and its failures name it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BadRequestError, ConfigError, ConnectError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder as Herder, type StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import {
  VAULT_PROVIDER_CLASS,
  vaultProviderEvents,
  writeProviderPlugins,
} from '../helpers/provider-plugins.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { StartRecordingSinkConnector, taskStartConfigs as taskStarts } from '../helpers/test-connectors.ts';

const WAIT = { timeoutMs: 15_000 };
const tempDir = useTempDirs('sluice-plugin-providers-');

describe('a config provider from plugin.path in a standalone worker', () => {
  let dir: string;
  let root: string;
  let herder: StandaloneHerder;

  before(async () => {
    dir = await tempDir();
    root = await writeProviderPlugins(join(dir, 'plugins'));
    await writeFile(
      join(dir, 'vault.json'),
      JSON.stringify({ 'secret/db': { password: 'hunter2', user: 'app' } }),
    );
    await writeFile(join(dir, 'builtin.properties'), 'topic.suffix=from-file\n');
    herder = await startTestHerder({
      dir,
      props: {
        'plugin.path': root,
        'config.providers': 'vault,file',
        'config.providers.vault.class': VAULT_PROVIDER_CLASS,
        'config.providers.vault.param.token': 's.abc',
        'config.providers.vault.param.secrets.file': join(dir, 'vault.json'),
        'config.providers.vault.param.value.offsets': join(dir, 'offsets-from-vault'),
        'config.providers.file.class': 'File',
        // Resolved through the plugin provider before the worker config is built.
        'offset.storage.file.filename': '${vault:offsets}',
      },
      connectors: [StartRecordingSinkConnector],
    });
  });
  after(async () => herder?.stop());

  test('worker properties are resolved through it', () => {
    assert.equal(herder.config.offsetStorageFileName(), join(dir, 'offsets-from-vault'));
    assert.equal(
      herder.config.originalsStrings()['offset.storage.file.filename'],
      join(dir, 'offsets-from-vault'),
    );
  });

  test('the task sees the resolved values; the stored and returned configs keep the variables', async () => {
    const name = uniqueName('db-sink');
    const password = '${vault:secret/db:password}';
    const user = '${vault:secret/db:user}';
    const suffix = `\${file:${join(dir, 'builtin.properties')}:topic.suffix}`;
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'StartRecordingSinkConnector',
        topics: uniqueName('t'),
        'db.password': password,
        'db.user': user,
        'db.url': `jdbc:postgresql://db/${suffix}`,
        'db.unknown': '${vault:secret/db:nope}',
      },
      { allowReplace: false },
    );
    await waitFor('the task to start', () => (taskStarts.get(name)?.length ?? 0) >= 1, WAIT);
    const started = taskStarts.get(name)![0]!;
    assert.equal(started['db.password'], 'hunter2');
    assert.equal(started['db.user'], 'app');
    assert.equal(started['db.url'], 'jdbc:postgresql://db/from-file', 'the built-in provider still works');
    assert.equal(started['db.unknown'], '${vault:secret/db:nope}', 'a missing key is left as written');

    const stored = await herder.connectorConfig(name);
    assert.equal(stored['db.password'], password);
    assert.equal(stored['db.user'], user);
    assert.equal((await herder.connectorInfo(name)).config['db.password'], password);
    const tasks = await herder.taskConfigs(name);
    assert.equal(tasks[0]?.config['db.password'], password, 'task configs are stored with the variable');
    await herder.deleteConnector(name);
  });

  test('a provider that cannot read its store fails the connector, not the worker', async () => {
    const name = uniqueName('bad-read');
    // A second worker whose vault points at a file that does not exist.
    const other = await startTestHerder({
      dir: await tempDir(),
      props: {
        'plugin.path': root,
        'config.providers': 'vault',
        'config.providers.vault.class': 'Vault',
        'config.providers.vault.param.token': 't',
        'config.providers.vault.param.secrets.file': join(dir, 'missing.json'),
      },
      connectors: [StartRecordingSinkConnector],
    });
    try {
      await assert.rejects(
        other.putConnectorConfig(
          name,
          {
            'connector.class': 'StartRecordingSinkConnector',
            topics: uniqueName('t'),
            'db.password': '${vault:secret/db:password}',
          },
          { allowReplace: false },
        ),
        (e: unknown) =>
          e instanceof ConnectError &&
          e.message.startsWith("Config provider 'vault' could not get path 'secret/db': ENOENT") &&
          e.message.includes('missing.json'),
      );
      assert.equal(taskStarts.has(name), false);
    } finally {
      await other.stop();
    }
  });

  test('GET /connector-plugins/{provider}/config is a 400, as Kafka', async () => {
    await assert.rejects(
      herder.connectorPluginConfig('VaultConfigProvider'),
      (e: unknown) =>
        e instanceof BadRequestError &&
        e.message ===
          'Invalid plugin class VaultConfigProvider. Valid types are sink, source, converter, header_converter, transformation, predicate.',
    );
  });
});

describe('config provider plugin errors at worker start', () => {
  let root: string;
  before(async () => {
    root = await writeProviderPlugins(join(await tempDir(), 'plugins'));
  });

  async function create(props: Record<string, string>): Promise<StandaloneHerder> {
    const dir = await tempDir();
    return Herder.create(
      {
        'embedded.log.dir': join(dir, 'data'),
        'offset.storage.file.filename': join(dir, 'offsets'),
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        listeners: 'http://127.0.0.1:0',
        'plugin.path': root,
        ...props,
      },
      { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
    );
  }

  test('an unknown class names config.providers.<name>.class and lists the plugin provider', async () => {
    await assert.rejects(
      create({ 'config.providers': 'secrets', 'config.providers.secrets.class': 'AwsSecretsManager' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.secrets.class');
        assert.equal(
          e.message,
          'Invalid value AwsSecretsManager for configuration config.providers.secrets.class: ' +
            'Failed to find any class that implements ConfigProvider and which name matches AwsSecretsManager, ' +
            'available ConfigProviders are: org.apache.kafka.common.config.provider.FileConfigProvider, ' +
            'org.apache.kafka.common.config.provider.DirectoryConfigProvider, ' +
            'org.apache.kafka.common.config.provider.EnvVarConfigProvider, com.example.vault.VaultConfigProvider',
        );
        return true;
      },
    );
  });

  test('a configure that throws is an error naming the provider; the instance is closed', async () => {
    vaultProviderEvents().length = 0;
    await assert.rejects(
      create({ 'config.providers': 'vault', 'config.providers.vault.class': 'VaultConfigProvider' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.vault.class');
        assert.equal(
          e.message,
          "Could not configure config provider 'vault' (com.example.vault.VaultConfigProvider): " +
            'Missing required configuration "token" which has no default value.',
        );
        return true;
      },
    );
    assert.deepEqual(vaultProviderEvents(), ['new', 'configure', 'close']);
  });

  test('broken plugin packages beside it do not stop the built-in providers', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'w.properties'), `offsets=${join(dir, 'offsets-from-file')}\n`);
    const herder = await create({
      'config.providers': 'file',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      'offset.storage.file.filename': `\${file:${join(dir, 'w.properties')}:offsets}`,
    });
    try {
      assert.equal(herder.config.offsetStorageFileName(), join(dir, 'offsets-from-file'));
      assert.equal(herder.plugins.find('exploding-plugin', ['source', 'sink']), undefined);
    } finally {
      await herder.stop();
    }
  });
});
