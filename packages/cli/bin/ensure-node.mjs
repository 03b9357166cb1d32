#!/usr/bin/env node
// Finds a Node.js binary that is at least 22.22, installing Node 24 from the npm registry
// (package node-<platform>-<arch>) when the running one is older. Plain JavaScript that runs
// on Node 20, since it is what gets a machine with Node 20 onto Node 24.
// One cache per user, shared by the repository's scripts (`npm start`, `npm test`) and every
// `npx sluice`: $SLUICE_NODE_CACHE, else $XDG_CACHE_HOME/sluice/node24, else ~/.cache/sluice/node24.
// $SLUICE_NODE picks a binary. `ensure-node.mjs --cache-dir` prints the cache folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function isNewEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 22);
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The folder Node 24 is installed into when the running Node is too old. */
export function nodeCacheDir(env = process.env) {
  if (env.SLUICE_NODE_CACHE) return env.SLUICE_NODE_CACHE;
  const cache = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'sluice', 'node24');
}

export function findNode() {
  const chosen = process.env.SLUICE_NODE;
  if (chosen) {
    const v = versionOf(chosen);
    if (v && isNewEnough(v)) return chosen;
  }
  if (isNewEnough(process.versions.node)) return process.execPath;

  const platform = { linux: 'linux', darwin: 'darwin' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!platform || !arch)
    throw new Error(
      `sluice: no Node 24 package for ${process.platform}/${process.arch}; install Node >= 22.22`,
    );
  const dir = nodeCacheDir();
  const pkg = `node-${platform}-${arch}`;
  const bin = join(dir, 'node_modules', pkg, 'bin', 'node');
  const have = existsSync(bin) ? versionOf(bin) : null;
  if (have && isNewEnough(have)) return bin;

  process.stderr.write(
    `sluice: Node ${process.version} is older than 22.22; installing Node 24 from the npm registry into ${dir}\n`,
  );
  // Install beside the target and rename, so concurrent first runs never see a half-installed tree.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--silent',
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--prefix',
      tmp,
      `${pkg}@24`,
    ],
    { stdio: ['ignore', 2, 2] },
  );
  if (npm.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `sluice: installing ${pkg}@24 with npm failed (exit ${npm.status}); install Node >= 22.22 by hand`,
    );
  }
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(bin)) throw err;
  }
  return bin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.stdout.write(`${process.argv[2] === '--cache-dir' ? nodeCacheDir() : findNode()}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
