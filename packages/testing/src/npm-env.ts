import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache');

/**
 * npm packages that only a test needs (e.g. Confluent's own `@confluentinc/schemaregistry` client,
 * to test against), installed from the npm registry into `.cache/<name>` on first use instead of
 * into the workspace, and reused while `specs` is unchanged. Returns a `require` for them.
 */
export function ensureNpmPackages(name: string, specs: readonly string[]): NodeJS.Require {
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = join(CACHE_DIR, name);
  const lock = join(CACHE_DIR, `${name}.lock`);
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${lock} is held for more than 15 minutes; remove it if no test runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    const stamp = join(dir, '.sluice-specs');
    const wanted = `${specs.join('\n')}\n`;
    if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        `${JSON.stringify({ name: `sluice-test-${name}`, private: true }, null, 2)}\n`,
      );
      execFileSync(
        'npm',
        ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...specs],
        {
          stdio: 'pipe',
          timeout: 600_000,
        },
      );
      writeFileSync(stamp, wanted);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return createRequire(join(dir, 'package.json'));
}
