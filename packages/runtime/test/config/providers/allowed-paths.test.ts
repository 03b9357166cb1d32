// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { AllowedPaths, normalizePath } from '../../../src/config/providers/allowed-paths.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-allowed-'));
  await mkdir(join(base, 'sec'));
  await mkdir(join(base, 'se'));
});
after(() => rm(base, { recursive: true, force: true }));

function configError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.key, 'allowed.paths');
    return true;
  });
}

describe('normalizePath (Java Paths.get(p).normalize())', () => {
  test('resolves . and .. lexically and drops repeated and trailing separators', () => {
    assert.equal(normalizePath('/a/./b/../c'), '/a/c');
    assert.equal(normalizePath('/a//b/'), '/a/b');
    assert.equal(normalizePath('/..'), '/');
    assert.equal(normalizePath('a/../../b'), '../b');
    assert.equal(normalizePath(''), '');
    assert.equal(normalizePath('./'), '');
  });
});

describe('AllowedPaths', () => {
  test('without a value every path is allowed and returned unchanged', () => {
    for (const value of [null, undefined, '']) {
      const allowed = new AllowedPaths(value);
      assert.equal(allowed.paths(), null);
      assert.equal(allowed.parseUntrustedPath('relative/../x'), 'relative/../x');
    }
  });

  test('a path inside an allowed directory is allowed, normalised', () => {
    const allowed = new AllowedPaths(join(base, 'sec'));
    assert.equal(
      allowed.parseUntrustedPath(join(base, 'sec', 'db.properties')),
      join(base, 'sec', 'db.properties'),
    );
    assert.equal(allowed.parseUntrustedPath(`${base}/sec/./x/../db`), join(base, 'sec', 'db'));
    assert.equal(allowed.parseUntrustedPath(join(base, 'sec')), join(base, 'sec'));
  });

  test('.. that leaves the allowed directory is refused', () => {
    const allowed = new AllowedPaths(join(base, 'sec'));
    assert.equal(allowed.parseUntrustedPath(`${base}/sec/../other`), null);
    assert.equal(allowed.parseUntrustedPath('/etc/passwd'), null);
  });

  test('paths are compared by whole segments, not by string prefix', () => {
    const allowed = new AllowedPaths(join(base, 'se'));
    assert.equal(allowed.parseUntrustedPath(join(base, 'sec', 'pw')), null);
    assert.equal(allowed.parseUntrustedPath(join(base, 'se', 'pw')), join(base, 'se', 'pw'));
  });

  test('a relative untrusted path never matches an absolute allowed path', () => {
    const allowed = new AllowedPaths(join(base, 'sec'));
    assert.equal(allowed.parseUntrustedPath('sec/pw'), null);
  });

  test('several allowed paths, a trailing slash and a trailing comma are accepted', () => {
    const allowed = new AllowedPaths(`${join(base, 'sec')}/,${join(base, 'se')},`);
    assert.deepEqual(allowed.paths(), [join(base, 'sec'), join(base, 'se')]);
    assert.equal(allowed.parseUntrustedPath(join(base, 'se', 'x')), join(base, 'se', 'x'));
  });

  test('entries are not trimmed: a space after the comma is an error, as in Kafka', () => {
    configError(
      () => new AllowedPaths(`${join(base, 'sec')}, ${base}`),
      `Path  ${base} is not absolute (entries are not trimmed: remove the spaces around the comma)`,
    );
  });

  test('relative, empty and missing allowed paths are errors with Kafka messages', () => {
    configError(() => new AllowedPaths('d/sec'), 'Path d/sec is not absolute');
    configError(() => new AllowedPaths(`,${base}`), 'Path  is not absolute');
    configError(() => new AllowedPaths(join(base, 'zzz')), `Path ${join(base, 'zzz')} does not exist`);
  });
});
