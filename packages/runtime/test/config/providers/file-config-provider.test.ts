import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError } from '@sluice/api';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-file-provider-'));
  await mkdir(join(base, 'sec'));
  await writeFile(join(base, 'p.properties'), 'a=1\nb = two\n# comment\nc: x\\\n  y\n');
  await writeFile(join(base, 'sec', 'db.properties'), 'password=s3cr3t\nuser=app\n');
  await writeFile(join(base, 'sec', 'utf8.properties'), 'name=Zürich ☃\n');
  await writeFile(join(base, 'sec', 'latin1.properties'), Buffer.from([0x6e, 0x3d, 0xfc, 0x0a]));
  await symlink(join(base, 'p.properties'), join(base, 'sec', 'link.properties'));
});
after(() => rm(base, { recursive: true, force: true }));

async function configured(params: Record<string, string> = {}): Promise<FileConfigProvider> {
  const provider = new FileConfigProvider();
  provider.configure(params);
  return provider;
}

async function rejectsWith(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message, message);
    return true;
  });
}

describe('FileConfigProvider', () => {
  test('carries the Kafka class name', () => {
    assert.equal(FileConfigProvider.javaClass, 'org.apache.kafka.common.config.provider.FileConfigProvider');
    assert.ok(FileConfigProvider.configDef.configKeys().has('allowed.paths'));
  });

  test('returns every property of a properties file without keys, Java properties syntax', async () => {
    const provider = await configured();
    const { data, ttl } = await provider.get(join(base, 'p.properties'));
    assert.deepEqual(Object.fromEntries(data), { a: '1', b: 'two', c: 'xy' });
    assert.equal(ttl, undefined);
  });

  test('returns only the requested keys that exist', async () => {
    const provider = await configured();
    const { data } = await provider.get(join(base, 'p.properties'), new Set(['b', 'zz']));
    assert.deepEqual(Object.fromEntries(data), { b: 'two' });
  });

  test('a key named like an Object.prototype member is not found by accident', async () => {
    const provider = await configured();
    const { data } = await provider.get(join(base, 'p.properties'), new Set(['constructor', 'toString']));
    assert.equal(data.size, 0);
  });

  test('reads the file as UTF-8, as Kafka does', async () => {
    const provider = await configured();
    const { data } = await provider.get(join(base, 'sec', 'utf8.properties'), new Set(['name']));
    assert.equal(data.get('name'), 'Zürich ☃');
  });

  test('an empty path gives no data', async () => {
    const provider = await configured();
    assert.equal((await provider.get('', new Set(['a']))).data.size, 0);
  });

  test('a missing file, a directory or a non-UTF-8 file is a ConfigError', async () => {
    const provider = await configured();
    const missing = join(base, 'nope.properties');
    await rejectsWith(
      provider.get(missing, new Set(['a'])),
      `Could not read properties from file ${missing}`,
    );
    await rejectsWith(
      provider.get(join(base, 'sec')),
      `Could not read properties from file ${join(base, 'sec')}`,
    );
    const latin1 = join(base, 'sec', 'latin1.properties');
    await rejectsWith(provider.get(latin1), `Could not read properties from file ${latin1}`);
  });

  test('allowed.paths: files inside are read, files outside give no data (no error)', async () => {
    const provider = await configured({ 'allowed.paths': join(base, 'sec') });
    const inside = await provider.get(join(base, 'sec', 'db.properties'), new Set(['password']));
    assert.equal(inside.data.get('password'), 's3cr3t');
    assert.equal((await provider.get(join(base, 'p.properties'), new Set(['a']))).data.size, 0);
    const escaping = `${base}/sec/../p.properties`;
    assert.equal((await provider.get(escaping, new Set(['a']))).data.size, 0);
  });

  test('allowed.paths: a missing file inside is still an error; a link inside is followed, as in Kafka', async () => {
    const provider = await configured({ 'allowed.paths': join(base, 'sec') });
    const missing = join(base, 'sec', 'nope');
    await rejectsWith(
      provider.get(missing, new Set(['a'])),
      `Could not read properties from file ${missing}`,
    );
    const { data } = await provider.get(join(base, 'sec', 'link.properties'), new Set(['a']));
    assert.equal(data.get('a'), '1');
  });

  test('an invalid allowed.paths fails configure', () => {
    assert.throws(
      () => new FileConfigProvider().configure({ 'allowed.paths': 'relative/dir' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'allowed.paths',
    );
  });

  test('get before configure is an error', async () => {
    await assert.rejects(new FileConfigProvider().get(join(base, 'p.properties')), (e: unknown) => {
      assert.ok(e instanceof ConnectError);
      assert.equal(e.message, 'The provider has not been configured yet.');
      return true;
    });
  });
});
