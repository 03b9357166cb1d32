// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConfigData, ConfigError } from '@sluice/api';
import { builtinConfigProviders } from '../../../src/config/providers/config-provider-registry.ts';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';
import {
  reloadAction,
  WorkerConfigTransformer,
} from '../../../src/config/providers/worker-config-transformer.ts';

/** A file provider whose values expire after `ttl.ms` (a param), as a secrets manager's would. */
class ExpiringFileConfigProvider extends FileConfigProvider {
  static override readonly javaClass = 'com.example.ExpiringFileConfigProvider';
  #ttl = 0;
  closed = false;
  override configure(configs: Readonly<Record<string, string>>): void {
    super.configure({});
    this.#ttl = Number(configs['ttl.ms']);
  }
  override async get(path: string, keys?: ReadonlySet<string>): Promise<ConfigData> {
    return { ...(await super.get(path, keys)), ttl: this.#ttl };
  }
  override close(): void {
    this.closed = true;
  }
}

let base: string;
let file: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-worker-transformer-'));
  file = join(base, 'db.properties');
  await writeFile(file, 'password=first\n');
});
after(() => rm(base, { recursive: true, force: true }));

async function transformer(ttlMs: number, restarts: string[]): Promise<WorkerConfigTransformer> {
  return WorkerConfigTransformer.create(
    {
      'config.providers': 'vault,file',
      'config.providers.vault.class': 'com.example.ExpiringFileConfigProvider',
      'config.providers.vault.param.ttl.ms': String(ttlMs),
      'config.providers.file.class': 'File',
    },
    builtinConfigProviders().register(ExpiringFileConfigProvider),
    { restartConnector: (name) => void restarts.push(name) },
  );
}

describe('WorkerConfigTransformer', () => {
  test('resolves a connector config and restarts the connector when the TTL expires', async () => {
    const restarts: string[] = [];
    const t = await transformer(60, restarts);
    try {
      const raw = { name: 'c1', 'db.password': `\${vault:${file}:password}` };
      const result = await t.transform(raw, 'c1');
      assert.equal(result.data['db.password'], 'first');
      assert.equal(result.minTtl, 60);
      assert.deepEqual(t.pendingReloads('c1'), [file]);
      await sleep(20);
      assert.deepEqual(restarts, []);
      await sleep(120);
      assert.deepEqual(restarts, ['c1']);
      assert.deepEqual(t.pendingReloads('c1'), []);
    } finally {
      await t.close();
    }
  });

  // On mocked timers and clock: with real ones the check between the two deadlines had 30 ms of
  // slack and failed on a loaded machine.
  test('a new resolution replaces the pending restart for the same path', async (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const settle = () => new Promise((r) => setImmediate(r));
    const restarts: string[] = [];
    const t = await transformer(80, restarts);
    try {
      const raw = { 'db.password': `\${vault:${file}:password}` };
      await t.transform(raw, 'c1');
      ctx.mock.timers.tick(50);
      await t.transform(raw, 'c1');
      ctx.mock.timers.tick(50); // the first timer (due at 80) would have fired by now
      await settle();
      assert.deepEqual(restarts, [], 'the first timer was replaced');
      ctx.mock.timers.tick(30); // the second one is due at 130
      await settle();
      assert.deepEqual(restarts, ['c1']);
    } finally {
      await t.close();
    }
  });

  test('no restart without a connector name (validation), with config.action.reload=none, or without TTL', async () => {
    const restarts: string[] = [];
    const t = await transformer(10, restarts);
    try {
      await t.transform({ p: `\${vault:${file}:password}` });
      await t.transform({ p: `\${vault:${file}:password}`, 'config.action.reload': 'none' }, 'c2');
      await t.transform({ p: `\${file:${file}:password}` }, 'c3');
      assert.deepEqual([...['c2', 'c3'].flatMap((c) => t.pendingReloads(c))], []);
      await sleep(60);
      assert.deepEqual(restarts, []);
    } finally {
      await t.close();
    }
  });

  test('cancelReloads and close cancel pending restarts; close closes the providers', async () => {
    const restarts: string[] = [];
    const t = await transformer(40, restarts);
    await t.transform({ p: `\${vault:${file}:password}` }, 'a');
    await t.transform({ p: `\${vault:${file}:password}` }, 'b');
    t.cancelReloads('a');
    assert.deepEqual(t.pendingReloads('a'), []);
    assert.deepEqual(t.pendingReloads('b'), [file]);
    await t.close();
    assert.equal((t.providers().get('vault') as ExpiringFileConfigProvider).closed, true);
    await sleep(80);
    assert.deepEqual(restarts, []);
  });

  test('an invalid config.action.reload is a ConfigError when resolving for a connector', async () => {
    const t = await transformer(10, []);
    try {
      await assert.rejects(
        t.transform({ 'config.action.reload': 'sometimes' }, 'c'),
        (e: unknown) => e instanceof ConfigError && e.key === 'config.action.reload',
      );
    } finally {
      await t.close();
    }
  });
});

describe('reloadAction', () => {
  test('defaults to restart; trimmed and case-insensitive as Kafka reads it', () => {
    assert.equal(reloadAction({}), 'restart');
    assert.equal(reloadAction({ 'config.action.reload': ' NONE ' }), 'none');
    assert.equal(reloadAction({ 'config.action.reload': 'Restart' }), 'restart');
    assert.throws(() => reloadAction({ 'config.action.reload': '' }), ConfigError);
  });
});
