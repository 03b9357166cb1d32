import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ConfigData, ConfigError, type ConfigProvider } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { PluginRegistry } from '@sluice/runtime';
import {
  builtinConfigProviders,
  ConfigProviderRegistry,
  configProvidersOf,
} from '../../../src/config/providers/config-provider-registry.ts';
import { DirectoryConfigProvider } from '../../../src/config/providers/directory-config-provider.ts';
import { EnvVarConfigProvider } from '../../../src/config/providers/env-var-config-provider.ts';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';

class NoData implements ConfigProvider {
  configure(): void {}
  get(): ConfigData {
    return { data: new Map() };
  }
  close(): void {}
}

describe('ConfigProviderRegistry', () => {
  test('built-ins resolve by Kafka class name, simple name and name without the ConfigProvider suffix', () => {
    const registry = builtinConfigProviders();
    const expected = [
      [
        FileConfigProvider,
        'org.apache.kafka.common.config.provider.FileConfigProvider',
        'FileConfigProvider',
        'File',
      ],
      [
        DirectoryConfigProvider,
        'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        'DirectoryConfigProvider',
        'Directory',
      ],
      [
        EnvVarConfigProvider,
        'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        'EnvVarConfigProvider',
        'EnvVar',
      ],
    ] as const;
    for (const [cls, ...names] of expected) {
      for (const name of names) assert.equal(registry.resolve(name, 'k'), cls, name);
    }
    assert.equal(registry.resolve('  File ', 'k'), FileConfigProvider);
    assert.deepEqual(registry.list(), [FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider]);
  });

  test('an unknown name is a ConfigError naming the key and listing the available classes', () => {
    assert.throws(
      () =>
        builtinConfigProviders().resolve('com.example.VaultConfigProvider', 'config.providers.vault.class'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.vault.class');
        assert.equal(
          e.message,
          'Invalid value com.example.VaultConfigProvider for configuration config.providers.vault.class: ' +
            'Failed to find any class that implements ConfigProvider and which name matches com.example.VaultConfigProvider, ' +
            'available ConfigProviders are: org.apache.kafka.common.config.provider.FileConfigProvider, ' +
            'org.apache.kafka.common.config.provider.DirectoryConfigProvider, ' +
            'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        );
        return true;
      },
    );
  });

  test('a short name claimed by two classes is ambiguous; full names and aliases still work', () => {
    class OtherFile extends NoData {
      static readonly javaClass = 'com.example.FileConfigProvider';
      static readonly aliases = ['example-file'];
    }
    const registry = builtinConfigProviders().register(OtherFile);
    assert.equal(registry.find('File'), undefined);
    assert.throws(() => registry.resolve('FileConfigProvider', 'k'), /more than one config provider matches/);
    assert.equal(registry.resolve('com.example.FileConfigProvider', 'k'), OtherFile);
    assert.equal(registry.resolve('example-file', 'k'), OtherFile);
    assert.equal(
      registry.resolve('org.apache.kafka.common.config.provider.FileConfigProvider', 'k'),
      FileConfigProvider,
    );
  });

  test('a class without javaClass resolves by its TypeScript name', () => {
    class VaultConfigProvider extends NoData {}
    const registry = new ConfigProviderRegistry().register(VaultConfigProvider);
    assert.equal(registry.resolve('VaultConfigProvider', 'k'), VaultConfigProvider);
    assert.equal(registry.resolve('Vault', 'k'), VaultConfigProvider);
  });

  test('a class registered twice is kept once', () => {
    const registry = builtinConfigProviders().register(FileConfigProvider);
    assert.deepEqual(registry.list(), [FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider]);
    assert.equal(registry.resolve('File', 'k'), FileConfigProvider);
  });
});

describe('configProvidersOf', () => {
  class VaultConfigProvider extends NoData {
    static readonly javaClass = 'com.example.vault.VaultConfigProvider';
  }

  test('the built-ins, then the configprovider plugins of the plugin registry', () => {
    const plugins = builtinPlugins('1');
    plugins.register('configprovider', VaultConfigProvider);
    const registry = configProvidersOf(plugins);
    assert.deepEqual(registry.list(), [
      FileConfigProvider,
      DirectoryConfigProvider,
      EnvVarConfigProvider,
      VaultConfigProvider,
    ]);
    for (const name of ['com.example.vault.VaultConfigProvider', 'VaultConfigProvider', 'Vault']) {
      assert.equal(registry.resolve(name, 'k'), VaultConfigProvider, name);
    }
    assert.throws(
      () => registry.resolve('Nope', 'config.providers.x.class'),
      /available ConfigProviders are: .*EnvVarConfigProvider, com\.example\.vault\.VaultConfigProvider$/,
    );
  });

  test('a plugin registry without the built-ins still offers them; other plugin types are ignored', () => {
    const plugins = new PluginRegistry('1');
    plugins.register('converter', VaultConfigProvider);
    assert.deepEqual(configProvidersOf(plugins).list(), [
      FileConfigProvider,
      DirectoryConfigProvider,
      EnvVarConfigProvider,
    ]);
  });
});
