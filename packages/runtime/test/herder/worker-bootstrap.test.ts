// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
/**
 * bootstrapWorker: plugin.path is scanned from the RAW worker properties before any provider
 * exists, so a provider from a plugin package resolves the worker properties; a variable in
 * plugin.path itself is not used for scanning, with Kafka's warning.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import pino from 'pino';
import { bootstrapWorker, rawPluginPath } from '../../src/herder/worker-bootstrap.ts';
import { VAULT_PROVIDER_CLASS, writeProviderPlugins } from '../helpers/provider-plugins.ts';
import { useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-bootstrap-');

/** A logger whose lines (warn and above) are kept. */
function capture(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

describe('rawPluginPath', () => {
  test('splits the raw value on commas, trimming entries and dropping empty ones', () => {
    assert.deepEqual(rawPluginPath({}), []);
    assert.deepEqual(rawPluginPath({ 'plugin.path': '' }), []);
    assert.deepEqual(rawPluginPath({ 'plugin.path': ' /a , /b,,' }), ['/a', '/b']);
    assert.deepEqual(rawPluginPath({ 'plugin.path': '${file:/p:dir}' }), ['${file:/p:dir}']);
  });
});

describe('bootstrapWorker', () => {
  test('a provider from plugin.path resolves the worker properties; broken packages are skipped', async () => {
    const dir = await tempDir();
    const root = await writeProviderPlugins(join(dir, 'plugins'));
    await writeFile(join(dir, 'worker-secrets.properties'), 'group=from-file\n');
    const { logger, lines } = capture();
    const { plugins, pluginPath, providers, resolved } = await bootstrapWorker(
      {
        'plugin.path': root,
        'config.providers': 'vault,file',
        'config.providers.vault.class': 'Vault',
        'config.providers.vault.param.token': 's.abc',
        'config.providers.vault.param.value.id': 'worker-7',
        'config.providers.file.class': 'FileConfigProvider',
        'client.id': '${vault:id}',
        'group.id': `\${file:${join(dir, 'worker-secrets.properties')}:group}`,
        'offset.storage.topic': 'offsets-${vault:id}-${vault:missing}',
      },
      { logger, plugins: builtinPlugins() },
    );
    assert.deepEqual(
      pluginPath.loaded.map((l) => [l.name, l.plugins]),
      [['vault-config-provider', 1]],
    );
    assert.deepEqual(pluginPath.failed.map((f) => f.error).sort(), [
      'its entry module does not export sluicePlugins',
      'this plugin cannot be loaded',
    ]);
    assert.equal(plugins.resolve('VaultConfigProvider', ['configprovider']).version, '2.1.0');
    assert.equal(providers.resolve('Vault', 'k').javaClass, VAULT_PROVIDER_CLASS);
    assert.equal(resolved.data['client.id'], 'worker-7');
    assert.equal(resolved.data['group.id'], 'from-file');
    assert.equal(resolved.data['offset.storage.topic'], 'offsets-worker-7-${vault:missing}');
    assert.equal(resolved.data['plugin.path'], root);
    assert.equal(
      lines.some((l) => l.msg.includes('Variables cannot be used')),
      false,
    );
  });

  test('a variable in plugin.path: the raw value is scanned, with Kafka warning', async () => {
    const dir = await tempDir();
    const root = await writeProviderPlugins(join(dir, 'plugins'));
    const props = join(dir, 'paths.properties');
    await writeFile(props, `plugins=${root}\n`);
    const raw = `\${file:${props}:plugins}`;
    const { logger, lines } = capture();
    const { plugins, pluginPath, resolved } = await bootstrapWorker(
      {
        'plugin.path': raw,
        'config.providers': 'file',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      },
      { logger, plugins: builtinPlugins() },
    );
    assert.equal(resolved.data['plugin.path'], root);
    assert.deepEqual(pluginPath.loaded, [], 'the resolved directory is not scanned');
    assert.deepEqual(
      pluginPath.failed.map((f) => f.error),
      ['does not exist'],
    );
    assert.equal(plugins.find('Vault', ['configprovider']), undefined);
    assert.ok(
      lines.some(
        (l) =>
          l.level === 40 &&
          l.msg.startsWith("Variables cannot be used in the 'plugin.path' property") &&
          l.msg.includes(`The raw value '${raw}' was used for plugin scanning`),
      ),
      JSON.stringify(lines),
    );
  });

  test('naming a plugin provider without its package on plugin.path lists what is available', async () => {
    const dir = await tempDir();
    const root = await writeProviderPlugins(join(dir, 'plugins'));
    const declared = {
      'config.providers': 'vault',
      'config.providers.vault.class': 'com.example.vault.HashiCorpConfigProvider',
      'config.providers.vault.param.token': 't',
    };
    await assert.rejects(
      bootstrapWorker(
        { ...declared, 'plugin.path': root },
        { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
      ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.vault.class');
        assert.match(
          e.message,
          /^Invalid value com\.example\.vault\.HashiCorpConfigProvider for configuration config\.providers\.vault\.class: Failed to find any class that implements ConfigProvider and which name matches com\.example\.vault\.HashiCorpConfigProvider, available ConfigProviders are: /,
        );
        assert.match(e.message, /org\.apache\.kafka\.common\.config\.provider\.FileConfigProvider/);
        assert.match(e.message, /com\.example\.vault\.VaultConfigProvider$/);
        return true;
      },
    );
    // Without plugin.path the plugin class is unknown too, and not listed.
    await assert.rejects(
      bootstrapWorker(
        { ...declared, 'config.providers.vault.class': VAULT_PROVIDER_CLASS },
        { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
      ),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.key === 'config.providers.vault.class' &&
        !/available ConfigProviders are: .*VaultConfigProvider/.test(e.message),
    );
  });
});
