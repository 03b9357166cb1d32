import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError } from '@sluice/api';
import { DirectoryConfigProvider } from '../../../src/config/providers/directory-config-provider.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-dir-provider-'));
  const sec = join(base, 'sec');
  await mkdir(join(sec, 'sub'), { recursive: true });
  await mkdir(join(base, 'other'));
  await writeFile(join(sec, 'pw'), 'hunter2\n');
  await writeFile(join(sec, 'user'), 'app');
  await writeFile(join(sec, 'sub', 'deep'), 'no');
  await writeFile(join(base, 'outside'), 'out');
  // As a Kubernetes secret volume: entries are links to files in a hidden data directory.
  await mkdir(join(sec, '..2024_01_01'));
  await writeFile(join(sec, '..2024_01_01', 'token'), 'tok');
  await symlink('..2024_01_01', join(sec, '..data'));
  await symlink(join('..data', 'token'), join(sec, 'token'));
  await symlink(join(base, 'nowhere'), join(sec, 'dangling'));
});
after(() => rm(base, { recursive: true, force: true }));

function configured(params: Record<string, string> = {}): DirectoryConfigProvider {
  const provider = new DirectoryConfigProvider();
  provider.configure(params);
  return provider;
}

describe('DirectoryConfigProvider', () => {
  test('carries the Kafka class name', () => {
    assert.equal(
      DirectoryConfigProvider.javaClass,
      'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
    );
  });

  test('without keys: every regular file (links followed), not sub-directories nor dangling links', async () => {
    const { data } = await configured().get(join(base, 'sec'));
    assert.deepEqual(Object.fromEntries([...data].sort()), { pw: 'hunter2\n', token: 'tok', user: 'app' });
  });

  test('with keys: the content of the named files, kept as is (trailing newline included)', async () => {
    const { data } = await configured().get(join(base, 'sec'), new Set(['pw', 'sub', 'nope']));
    assert.deepEqual(Object.fromEntries(data), { pw: 'hunter2\n' });
  });

  test('a key cannot reach outside the directory', async () => {
    const { data } = await configured().get(join(base, 'sec'), new Set(['../outside', 'sub/deep']));
    assert.equal(data.size, 0);
  });

  test('an empty path, a missing directory or a file path give no data', async () => {
    const provider = configured();
    assert.equal((await provider.get('', new Set(['pw']))).data.size, 0);
    assert.equal((await provider.get(join(base, 'zzz'), new Set(['pw']))).data.size, 0);
    assert.equal((await provider.get(join(base, 'outside'), new Set(['pw']))).data.size, 0);
  });

  test('allowed.paths: a directory outside gives no data, one inside is read', async () => {
    const provider = configured({ 'allowed.paths': join(base, 'other') });
    assert.equal((await provider.get(join(base, 'sec'), new Set(['pw']))).data.size, 0);
    const allowed = configured({ 'allowed.paths': base });
    assert.equal((await allowed.get(join(base, 'sec'), new Set(['pw']))).data.get('pw'), 'hunter2\n');
  });

  test('an unreadable matching file is a ConfigError naming it', {
    skip: process.getuid?.() === 0,
  }, async () => {
    const dir = join(base, 'locked');
    await mkdir(dir);
    await writeFile(join(dir, 'k'), 'v', { mode: 0o000 });
    await assert.rejects(configured().get(dir, new Set(['k'])), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `Could not read file ${join(dir, 'k')} for property k`);
      return true;
    });
  });

  test('an invalid allowed.paths fails configure; get before configure is an error', async () => {
    assert.throws(() => configured({ 'allowed.paths': join(base, 'zzz') }), ConfigError);
    await assert.rejects(new DirectoryConfigProvider().get(base), ConnectError);
  });
});
