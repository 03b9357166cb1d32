// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConfigData, ConfigError, type ConfigProvider, type ConfigProviderClass } from '@sluice/api';
import pino from 'pino';
import { builtinConfigProviders } from '../../../src/config/providers/config-provider-registry.ts';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';
import {
  configProviderSettings,
  createConfigProviders,
  pluginPathVariableWarning,
  resolveWorkerProperties,
} from '../../../src/config/providers/worker-config-providers.ts';
import { WorkerConfig } from '../../../src/config/worker-config.ts';

/** Records configure/close, to observe the lifecycle the worker drives. */
class LifecycleProvider implements ConfigProvider {
  static readonly javaClass = 'com.example.LifecycleConfigProvider';
  static readonly events: string[] = [];
  configure(configs: Readonly<Record<string, string>>): void {
    LifecycleProvider.events.push(`configure ${JSON.stringify(configs)}`);
    if (configs.fail === 'yes') throw new Error('refusing to start');
  }
  get(): ConfigData {
    return { data: new Map([['k', 'v']]) };
  }
  close(): void {
    LifecycleProvider.events.push('close');
  }
}

function registry() {
  return builtinConfigProviders().register(LifecycleProvider);
}

/** Collects log lines at warn level and above. */
function capture(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-worker-providers-'));
  await mkdir(join(base, 'secrets'));
  await writeFile(
    join(base, 'secrets', 'worker.properties'),
    'bootstrap=localhost:9092\nlog.dir=/var/sluice\n',
  );
  await writeFile(join(base, 'secrets', 'admin_password'), 'adm1n');
  process.env.SLUICE_TEST_WORKER_PORT = '18083';
});
after(async () => {
  delete process.env.SLUICE_TEST_WORKER_PORT;
  await rm(base, { recursive: true, force: true });
});

describe('configProviderSettings', () => {
  test('reads names, classes and params; whitespace around names ignored; duplicates once', () => {
    const settings = configProviderSettings({
      'config.providers': ' file , env,file',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      'config.providers.file.param.allowed.paths': '/a,/b',
      'config.providers.file.param.': 'ignored: empty param name',
      'config.providers.env.class': 'EnvVar',
      'config.providers.unlisted.class': 'File',
      'config.providers.file.paramx': 'not a param',
    });
    assert.deepEqual(settings, [
      {
        name: 'file',
        className: 'org.apache.kafka.common.config.provider.FileConfigProvider',
        params: { 'allowed.paths': '/a,/b' },
      },
      { name: 'env', className: 'EnvVar', params: {} },
    ]);
  });

  test('no config.providers, or an empty one, declares nothing', () => {
    assert.deepEqual(configProviderSettings({}), []);
    assert.deepEqual(configProviderSettings({ 'config.providers': '' }), []);
  });
});

describe('createConfigProviders', () => {
  test('instantiates by class name or alias and configures with the params', async () => {
    LifecycleProvider.events.length = 0;
    const providers = await createConfigProviders(
      {
        'config.providers': 'file,life',
        'config.providers.file.class': 'File',
        'config.providers.file.param.allowed.paths': join(base, 'secrets'),
        'config.providers.life.class': 'com.example.LifecycleConfigProvider',
        'config.providers.life.param.a.b': 'c',
      },
      registry(),
    );
    assert.deepEqual([...providers.keys()], ['file', 'life']);
    assert.ok(providers.get('file') instanceof FileConfigProvider);
    const outside = await providers.get('file')!.get(join(base, 'x.properties'), new Set(['k']));
    assert.equal(outside.data.size, 0, 'allowed.paths was passed to configure');
    assert.deepEqual(LifecycleProvider.events, ['configure {"a.b":"c"}']);
  });

  test('a listed provider without .class is skipped with a warning', async () => {
    const { logger, lines } = capture();
    const providers = await createConfigProviders({ 'config.providers': 'vault' }, registry(), { logger });
    assert.equal(providers.size, 0);
    assert.match(lines[0]!.msg, /config.providers.vault.class is not set/);
  });

  test('an unknown class is a ConfigError naming config.providers.<name>.class; earlier providers are closed', async () => {
    LifecycleProvider.events.length = 0;
    await assert.rejects(
      createConfigProviders(
        {
          'config.providers': 'life,vault',
          'config.providers.life.class': 'com.example.LifecycleConfigProvider',
          'config.providers.vault.class': 'com.example.Vault',
        },
        registry(),
      ),
      (e: unknown) => e instanceof ConfigError && e.key === 'config.providers.vault.class',
    );
    assert.deepEqual(LifecycleProvider.events, ['configure {}', 'close']);
  });

  test('a bad param is a ConfigError naming config.providers.<name>.param.<key>', async () => {
    await assert.rejects(
      createConfigProviders(
        {
          'config.providers': 'file',
          'config.providers.file.class': 'FileConfigProvider',
          'config.providers.file.param.allowed.paths': 'relative',
        },
        registry(),
      ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.file.param.allowed.paths');
        assert.equal(
          e.message,
          "Could not configure config provider 'file' (org.apache.kafka.common.config.provider.FileConfigProvider): Path relative is not absolute",
        );
        return true;
      },
    );
  });

  test('a configure failure without a key names the class key and closes the provider', async () => {
    LifecycleProvider.events.length = 0;
    await assert.rejects(
      createConfigProviders(
        {
          'config.providers': 'life',
          'config.providers.life.class': 'com.example.LifecycleConfigProvider',
          'config.providers.life.param.fail': 'yes',
        },
        registry(),
      ),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.key === 'config.providers.life.class' &&
        /refusing to start/.test(e.message),
    );
    assert.deepEqual(LifecycleProvider.events, ['configure {"fail":"yes"}', 'close']);
  });

  test('a constructor that throws is a ConfigError naming the provider and its class key', async () => {
    class ThrowingConfigProvider implements ConfigProvider {
      static readonly javaClass = 'com.example.ThrowingConfigProvider';
      constructor() {
        throw new Error('no license key found');
      }
      configure(): void {}
      get(): ConfigData {
        return { data: new Map() };
      }
      close(): void {}
    }
    await assert.rejects(
      createConfigProviders(
        { 'config.providers': 't', 'config.providers.t.class': 'Throwing' },
        builtinConfigProviders().register(ThrowingConfigProvider),
      ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.t.class');
        assert.equal(
          e.message,
          "Could not create config provider 't' (com.example.ThrowingConfigProvider): no license key found",
        );
        return true;
      },
    );
  });

  test('a class without the ConfigProvider methods is refused, naming the class key', async () => {
    class HalfConfigProvider {
      static readonly javaClass = 'com.example.HalfConfigProvider';
      configure(): void {}
    }
    await assert.rejects(
      createConfigProviders(
        { 'config.providers': 'h', 'config.providers.h.class': 'com.example.HalfConfigProvider' },
        builtinConfigProviders().register(HalfConfigProvider as unknown as ConfigProviderClass),
      ),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.key, 'config.providers.h.class');
        assert.equal(
          e.message,
          'Invalid value com.example.HalfConfigProvider for configuration config.providers.h.class: ' +
            'com.example.HalfConfigProvider is not a ConfigProvider (no get, close method)',
        );
        return true;
      },
    );
  });
});

describe('resolveWorkerProperties', () => {
  test('resolves variables in worker properties, then closes its providers', async () => {
    LifecycleProvider.events.length = 0;
    const raw = {
      'config.providers': 'file,env,dir,life',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
      'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'config.providers.env.param.allowlist.pattern': 'SLUICE_TEST_.*',
      'config.providers.dir.class': 'DirectoryConfigProvider',
      'config.providers.life.class': 'com.example.LifecycleConfigProvider',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'embedded.log.dir': `\${file:${base}/secrets/worker.properties:log.dir}`,
      listeners: 'http://localhost:${env:SLUICE_TEST_WORKER_PORT}',
      'producer.sasl.password': `\${dir:${base}/secrets:admin_password}`,
      'producer.client.id': '${life:k}',
      'unresolved.example': '${env:HOME}',
    };
    const result = await resolveWorkerProperties(raw, registry());
    assert.equal(result.data['embedded.log.dir'], '/var/sluice');
    assert.equal(result.data.listeners, 'http://localhost:18083');
    assert.equal(result.data['producer.sasl.password'], 'adm1n');
    assert.equal(result.data['producer.client.id'], 'v');
    assert.equal(result.data['unresolved.example'], '${env:HOME}', 'HOME is not in the allowlist');
    assert.equal(raw.listeners, 'http://localhost:${env:SLUICE_TEST_WORKER_PORT}');
    assert.deepEqual(LifecycleProvider.events, ['configure {}', 'close']);

    const config = new WorkerConfig(result.data);
    assert.equal(config.embeddedLogDir(), '/var/sluice');
    assert.deepEqual(config.listeners(), [{ protocol: 'http', host: 'localhost', port: 18083 }]);
  });

  test('without config.providers nothing is resolved', async () => {
    const raw = { a: '${env:SLUICE_TEST_WORKER_PORT}' };
    const result = await resolveWorkerProperties(raw, registry());
    assert.deepEqual(result.data, raw);
    assert.equal(result.unresolved[0]?.reason, 'unknown-provider');
  });

  test('a provider error fails the resolution (and still closes the providers)', async () => {
    LifecycleProvider.events.length = 0;
    await assert.rejects(
      resolveWorkerProperties(
        {
          'config.providers': 'life,file',
          'config.providers.life.class': 'com.example.LifecycleConfigProvider',
          'config.providers.file.class': 'File',
          x: `\${file:${base}/missing.properties:k}`,
        },
        registry(),
      ),
      /Could not read properties from file/,
    );
    assert.deepEqual(LifecycleProvider.events, ['configure {}', 'close']);
  });

  test('a variable in plugin.path is resolved but warned about, as in Kafka', async () => {
    const { logger, lines } = capture();
    const raw = {
      'config.providers': 'env',
      'config.providers.env.class': 'EnvVar',
      'plugin.path': '/opt/${env:SLUICE_TEST_WORKER_PORT}',
    };
    const result = await resolveWorkerProperties(raw, registry(), { logger });
    assert.equal(result.data['plugin.path'], '/opt/18083');
    const warning = pluginPathVariableWarning(raw, result.data);
    assert.match(
      warning ?? '',
      /The raw value '\/opt\/\$\{env:SLUICE_TEST_WORKER_PORT\}' was used for plugin scanning/,
    );
    assert.ok(lines.some((l) => l.msg === warning));
    assert.equal(pluginPathVariableWarning({ 'plugin.path': '/a' }, { 'plugin.path': '/a' }), undefined);
  });
});
