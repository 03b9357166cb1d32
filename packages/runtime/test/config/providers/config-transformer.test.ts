// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConfigData, ConfigError, type ConfigProvider, ConnectError } from '@sluice/api';
import {
  ConfigTransformer,
  configVariables,
  hasConfigVariables,
  keysWithVariableValues,
  reverseTransform,
} from '../../../src/config/providers/config-transformer.ts';
import { DirectoryConfigProvider } from '../../../src/config/providers/directory-config-provider.ts';
import { EnvVarConfigProvider } from '../../../src/config/providers/env-var-config-provider.ts';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';

/**
 * A provider answering `[path|key]` for every key not starting with `missing`, with a TTL for the
 * paths named `ttl<n>`; it records its calls. Used to pin the variable grammar against the output of
 * Kafka 4.1.1's ConfigTransformer run on the same inputs with an equivalent provider.
 */
class EchoProvider implements ConfigProvider {
  readonly calls: { path: string; keys: string[] }[] = [];
  configure(): void {}
  get(path: string, keys?: ReadonlySet<string>): ConfigData {
    const requested = [...(keys ?? [])].sort();
    this.calls.push({ path, keys: requested });
    const data = new Map<string, string>();
    for (const key of requested) if (!key.startsWith('missing')) data.set(key, `[${path}|${key}]`);
    const ttl = /^ttl(-?\d+)$/.exec(path);
    return ttl === null ? { data } : { data, ttl: Number(ttl[1]) };
  }
  close(): void {}
}

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-transformer-'));
  await mkdir(join(base, 'secrets'));
  await writeFile(join(base, 'db.properties'), 'user=app\npassword=s3cr3t\n');
  await writeFile(join(base, 'secrets', 'token'), 'tok-123');
  process.env.SLUICE_TEST_TRANSFORMER_HOST = 'db.example';
});
after(async () => {
  delete process.env.SLUICE_TEST_TRANSFORMER_HOST;
  await rm(base, { recursive: true, force: true });
});

describe('variable grammar (Kafka ConfigTransformer.DEFAULT_PATTERN)', () => {
  // Expected values: Kafka 4.1.1's ConfigTransformer with providers "e" and "" answering as EchoProvider.
  const cases: [string, string][] = [
    ['${e:k}', '[|k]'],
    ['${e:p:k}', '[p|k]'],
    ['${e:p:k:x}', '[p|k:x]'],
    ['x${e:a}y${e:b}z', 'x[|a]y[|b]z'],
    ['${e}', '${e}'],
    ['${e:missing}', '${e:missing}'],
    ['${u:k}', '${u:k}'],
    ['${e:${e:k}}', '[${e|k]}'],
    ['${e:k}}', '[|k]}'],
    ['${:k}', '[|k]'],
    ['${e:}', '[|]'],
    ['${e::k}', '[|k]'],
    ['$${e:k}', '$[|k]'],
    ['${e:p:missingk} and ${e:p:k}', '${e:p:missingk} and [p|k]'],
    ['{e:k}', '{e:k}'],
    ['${ e : k }', '${ e : k }'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} => ${expected}`, async () => {
      const providers = new Map<string, ConfigProvider>([
        ['e', new EchoProvider()],
        ['', new EchoProvider()],
      ]);
      const { data } = await new ConfigTransformer(providers).transform({ k: input });
      assert.equal(data.k, expected);
    });
  }

  test('configVariables splits provider, path and key', () => {
    assert.deepEqual(configVariables('a ${file:/x/y.properties:pw} b ${env:HOME}'), [
      { text: '${file:/x/y.properties:pw}', provider: 'file', path: '/x/y.properties', key: 'pw', index: 2 },
      { text: '${env:HOME}', provider: 'env', path: '', key: 'HOME', index: 31 },
    ]);
    assert.equal(hasConfigVariables('${env:X}'), true);
    assert.equal(hasConfigVariables('${env}'), false);
    assert.equal(hasConfigVariables(null), false);
  });
});

describe('ConfigTransformer with the real providers', () => {
  async function providers(): Promise<Map<string, ConfigProvider>> {
    const file = new FileConfigProvider();
    file.configure({});
    const dir = new DirectoryConfigProvider();
    dir.configure({});
    const env = new EnvVarConfigProvider();
    env.configure({});
    return new Map<string, ConfigProvider>([
      ['file', file],
      ['dir', dir],
      ['env', env],
    ]);
  }

  test('resolves file, directory and env variables, several in one value, into a new map', async () => {
    const raw = Object.freeze({
      'connection.url': `jdbc:postgresql://\${env:SLUICE_TEST_TRANSFORMER_HOST}/db?user=\${file:${base}/db.properties:user}`,
      'connection.password': `\${file:${base}/db.properties:password}`,
      token: `\${dir:${base}/secrets:token}`,
      plain: 'no variables',
    });
    const result = await new ConfigTransformer(await providers()).transform(raw);
    assert.deepEqual(result.data, {
      'connection.url': 'jdbc:postgresql://db.example/db?user=app',
      'connection.password': 's3cr3t',
      token: 'tok-123',
      plain: 'no variables',
    });
    assert.notEqual(result.data, raw);
    assert.equal(raw['connection.password'], `\${file:${base}/db.properties:password}`);
    assert.deepEqual([...result.resolvedKeys].sort(), ['connection.password', 'connection.url', 'token']);
    assert.deepEqual([...result.substitutedValues].sort(), ['app', 'db.example', 's3cr3t', 'tok-123']);
    assert.deepEqual(result.unresolved, []);
    assert.equal(result.minTtl, undefined);
    assert.equal(result.ttls.size, 0);
  });

  test('unknown providers, missing keys, missing directories and paths outside allowed.paths stay as written', async () => {
    const file = new FileConfigProvider();
    file.configure({ 'allowed.paths': join(base, 'secrets') });
    const map = await providers();
    map.set('file', file);
    const raw = {
      unknown: '${vault:secret/db:password}',
      missingKey: `\${dir:${base}/secrets:nope}`,
      missingDir: `\${dir:${base}/zzz:token}`,
      notAllowed: `\${file:${base}/db.properties:password}`,
      missingEnv: '${env:SLUICE_TEST_TRANSFORMER_UNSET}',
      mixed: `\${env:SLUICE_TEST_TRANSFORMER_HOST}:\${vault:x}`,
    };
    const result = await new ConfigTransformer(map).transform(raw);
    assert.deepEqual(result.data, { ...raw, mixed: 'db.example:${vault:x}' });
    assert.deepEqual([...result.resolvedKeys], ['mixed']);
    assert.deepEqual(
      result.unresolved.map((u) => [u.configKey, u.variable.text, u.reason]),
      [
        ['unknown', '${vault:secret/db:password}', 'unknown-provider'],
        ['missingKey', `\${dir:${base}/secrets:nope}`, 'no-value'],
        ['missingDir', `\${dir:${base}/zzz:token}`, 'no-value'],
        ['notAllowed', `\${file:${base}/db.properties:password}`, 'no-value'],
        ['missingEnv', '${env:SLUICE_TEST_TRANSFORMER_UNSET}', 'no-value'],
        ['mixed', '${vault:x}', 'unknown-provider'],
      ],
    );
  });

  test('a provider error (missing properties file, env path) rejects the transformation', async () => {
    const transformer = new ConfigTransformer(await providers());
    const missing = join(base, 'nope.properties');
    await assert.rejects(
      transformer.transform({ a: `\${file:${missing}:x}` }),
      (e: unknown) =>
        e instanceof ConfigError && e.message === `Could not read properties from file ${missing}`,
    );
    await assert.rejects(transformer.transform({ a: '${env:some/path:X}' }), ConfigError);
  });

  test('null values are kept; a key named __proto__ stays an own key', async () => {
    const raw: Record<string, string | null> = { a: null, b: '${env:SLUICE_TEST_TRANSFORMER_HOST}' };
    Object.defineProperty(raw, '__proto__', {
      value: '${env:SLUICE_TEST_TRANSFORMER_HOST}',
      enumerable: true,
    });
    const { data } = await new ConfigTransformer(await providers()).transform(raw);
    assert.equal(data.a, null);
    assert.equal(data.b, 'db.example');
    assert.ok(Object.hasOwn(data, '__proto__'));
    assert.equal(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, 'db.example');
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
  });

  test('a resolved value is not resolved again', async () => {
    process.env.SLUICE_TEST_TRANSFORMER_NESTED = '${env:SLUICE_TEST_TRANSFORMER_HOST}';
    try {
      const { data } = await new ConfigTransformer(await providers()).transform({
        a: '${env:SLUICE_TEST_TRANSFORMER_NESTED}',
      });
      assert.equal(data.a, '${env:SLUICE_TEST_TRANSFORMER_HOST}');
    } finally {
      delete process.env.SLUICE_TEST_TRANSFORMER_NESTED;
    }
  });
});

describe('ConfigTransformer: calls and TTLs', () => {
  test('each provider is asked once per path with all the keys wanted there', async () => {
    const echo = new EchoProvider();
    await new ConfigTransformer(new Map([['e', echo]])).transform({
      a: '${e:p1:x} ${e:p1:y}',
      b: '${e:p1:x} ${e:p2:z} ${e:w}',
    });
    assert.deepEqual(
      echo.calls.sort((l, r) => l.path.localeCompare(r.path)),
      [
        { path: '', keys: ['w'] },
        { path: 'p1', keys: ['x', 'y'] },
        { path: 'p2', keys: ['z'] },
      ],
    );
  });

  test('reports non-negative TTLs by path and their minimum; negative TTLs are ignored', async () => {
    const echo = new EchoProvider();
    const result = await new ConfigTransformer(new Map([['e', echo]])).transform({
      a: '${e:ttl500:k}',
      b: '${e:ttl200:k} ${e:ttl-1:k} ${e:plain:k}',
    });
    assert.deepEqual(Object.fromEntries(result.ttls), { ttl500: 500, ttl200: 200 });
    assert.equal(result.minTtl, 200);
  });

  test('a provider answering without a Map is a clear error naming it', async () => {
    const sloppy: ConfigProvider = {
      configure() {},
      get: () => ({ data: { k: 'v' } }) as unknown as ConfigData,
      close() {},
    };
    await assert.rejects(
      new ConfigTransformer(new Map([['sloppy', sloppy]])).transform({ a: '${sloppy:p:k}' }),
      (e: unknown) =>
        e instanceof ConnectError &&
        e.message ===
          "Config provider 'sloppy' answered get('p') without a Map of data (ConfigData.data must be a Map)",
    );
  });

  test('a provider failing with a plain error is a ConnectError naming it; its ConnectErrors pass as they are', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:8200'), { code: 'ECONNREFUSED' });
    const failing = (err: Error): ConfigProvider => ({
      configure() {},
      get: async () => {
        throw err;
      },
      close() {},
    });
    await assert.rejects(
      new ConfigTransformer(new Map([['vault', failing(cause)]])).transform({ a: '${vault:secret/db:pw}' }),
      (e: unknown) =>
        e instanceof ConnectError &&
        !(e instanceof ConfigError) &&
        e.cause === cause &&
        e.message ===
          "Config provider 'vault' could not get path 'secret/db': connect ECONNREFUSED 10.0.0.9:8200",
    );
    const own = new ConfigError('Could not read properties from file /x');
    await assert.rejects(
      new ConfigTransformer(new Map([['file', failing(own)]])).transform({ a: '${file:/x:k}' }),
      (e: unknown) => e === own,
    );
  });

  test('a TTL of 0 counts', async () => {
    const result = await new ConfigTransformer(new Map([['e', new EchoProvider()]])).transform({
      a: '${e:ttl0:k}',
    });
    assert.equal(result.minTtl, 0);
  });
});

describe('keysWithVariableValues and reverseTransform', () => {
  test('task configs get the raw value back for keys whose raw connector value had a variable', () => {
    const raw = {
      'connector.class': 'X',
      password: '${file:/s/db.properties:password}',
      url: 'jdbc:x://${env:HOST}/db',
      literal: '${unknown}',
    };
    assert.deepEqual([...keysWithVariableValues(raw)].sort(), ['password', 'url']);
    const tasks: Record<string, string>[] = [
      { password: 's3cr3t', url: 'jdbc:x://h/db', 'task.id': '0' },
      { 'task.id': '1' },
    ];
    assert.deepEqual(reverseTransform(raw, tasks), [
      { password: '${file:/s/db.properties:password}', url: 'jdbc:x://${env:HOST}/db', 'task.id': '0' },
      { 'task.id': '1' },
    ]);
    assert.equal(tasks[0]!.password, 's3cr3t');
  });
});
