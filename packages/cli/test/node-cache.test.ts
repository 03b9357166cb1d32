/**
 * Node 24 is fetched once per user, into one cache that the repository's scripts (`npm start`,
 * `npm test`, through scripts/node24.sh) and the `sluice` command (`npx sluice`, through its
 * launcher) share. Both resolve the same folder under every environment, and when the system
 * Node is older than 22.22 both run the very same cached binary (seen through a wrapper placed
 * in a temporary cache that records each call).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(repo, 'scripts/node24.sh');
const ensureNode = join(repo, 'packages/cli/bin/ensure-node.mjs');
const launcher = join(repo, 'packages/cli/bin/sluice.mjs');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['SLUICE_NODE', 'SLUICE_NODE_CACHE', 'XDG_CACHE_HOME', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT'])
    if (!(k in extra)) delete env[k];
  return env;
}

test('scripts/node24.sh and the sluice launcher name the same cache folder', () => {
  const home = '/home/someone';
  const cases: Array<[Record<string, string>, string]> = [
    [{ HOME: home }, '/home/someone/.cache/sluice/node24'],
    [{ HOME: home, XDG_CACHE_HOME: '/var/cache/u' }, '/var/cache/u/sluice/node24'],
    [{ HOME: home, SLUICE_NODE_CACHE: '/opt/n24' }, '/opt/n24'],
  ];
  for (const [extra, expected] of cases) {
    const env = cleanEnv(extra);
    const fromScript = execFileSync('bash', [script, '--cache-dir'], { env, encoding: 'utf8' }).trim();
    const fromLauncher = execFileSync('node', [ensureNode, '--cache-dir'], { env, encoding: 'utf8' }).trim();
    assert.equal(fromScript, expected, JSON.stringify(extra));
    assert.equal(fromLauncher, expected, JSON.stringify(extra));
  }
  // Not inside the repository: a second clone, or `npx sluice` elsewhere, finds it too.
  const real = execFileSync('bash', [script, '--cache-dir'], { env: cleanEnv({}), encoding: 'utf8' }).trim();
  assert.ok(!real.startsWith(repo), `${real} is outside ${repo}`);
});

test('with a system Node older than 22.22, npm start and npx sluice run the one cached Node', async (t) => {
  const systemVersion = spawnSync('node', ['--version'], { encoding: 'utf8' }).stdout.trim();
  const [major, minor] = systemVersion.replace(/^v/, '').split('.').map(Number) as [number, number];
  if (major > 22 || (major === 22 && minor >= 22)) {
    t.skip(`the node on PATH is ${systemVersion}: nothing is fetched on this machine`);
    return;
  }
  const cache = await mkdtemp(join(tmpdir(), 'sluice-node-cache-'));
  dirs.push(cache);
  const pkg = `node-${process.platform}-${process.arch}`;
  const binDir = join(cache, 'sluice', 'node24', 'node_modules', pkg, 'bin');
  await mkdir(binDir, { recursive: true });
  const calls = join(cache, 'calls.txt');
  // A Node 24 that records who ran it: the cache is found, so nothing is downloaded.
  await writeFile(
    join(binDir, 'node'),
    `#!/bin/sh\necho "$0" >> ${JSON.stringify(calls)}\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
  );
  await chmod(join(binDir, 'node'), 0o755);
  const env = cleanEnv({ XDG_CACHE_HOME: cache });

  const fromScript = execFileSync('bash', [script], { env, encoding: 'utf8' }).trim();
  assert.equal(fromScript, join(binDir, 'node'));
  await rm(calls, { force: true });
  const version = execFileSync('node', [launcher, '--version'], { env, encoding: 'utf8' });
  assert.match(version, new RegExp(`Node.js ${process.version.replace(/\./g, '\\.')}`));
  const ran = (await readFile(calls, 'utf8')).trim().split('\n');
  assert.ok(ran.length >= 1 && ran.every((p) => p === join(binDir, 'node')), ran.join('\n'));
});
