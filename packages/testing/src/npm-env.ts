import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cacheDir, withCacheLockSync } from './server-process.ts';

/**
 * npm packages that only a test needs (e.g. Confluent's own `@confluentinc/schemaregistry` client,
 * to test against), installed from the npm registry into `.cache/<name>` on first use instead of
 * into the workspace, and reused while `specs` is unchanged. Returns a `require` for them.
 */
export function ensureNpmPackages(name: string, specs: readonly string[]): NodeJS.Require {
  const dir = join(cacheDir(), name);
  withCacheLockSync(name, () => {
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
  });
  return createRequire(join(dir, 'package.json'));
}
