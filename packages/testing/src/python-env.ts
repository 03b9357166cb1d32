import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, withCacheLockSync } from './server-process.ts';

/**
 * A Python virtual environment under `.cache/<name>` with `requirements` installed from PyPI
 * (e.g. `confluent-kafka[avro,schemaregistry]` to test against Confluent's own client code).
 * Created on first use, reused while the requirement list is unchanged; returns the path of its
 * `python`. When `python3 -m venv` is missing, Debian's python3-venv is installed first.
 */
export function ensurePythonVenv(name: string, requirements: readonly string[]): string {
  // Test files run in parallel: one process installs while the others wait on a lock directory.
  return withCacheLockSync(name, () => install(name, requirements));
}

function install(name: string, requirements: readonly string[]): string {
  const dir = join(cacheDir(), name);
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, '.sluice-requirements');
  const wanted = `${requirements.join('\n')}\n`;
  if (existsSync(python) && existsSync(stamp)) {
    try {
      if (readFileSync(stamp, 'utf8') === wanted) return python;
    } catch {
      // reinstall below
    }
  }
  mkdirSync(cacheDir(), { recursive: true });
  if (!existsSync(python)) {
    try {
      execFileSync('python3', ['-m', 'venv', dir], { stdio: 'pipe' });
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'pipe' });
      execFileSync('apt-get', ['install', '-y', 'python3-venv'], {
        stdio: 'pipe',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      execFileSync('python3', ['-m', 'venv', '--clear', dir], { stdio: 'pipe' });
    }
  }
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements], {
    stdio: 'pipe',
    timeout: 600_000,
  });
  writeFileSync(stamp, wanted);
  return python;
}
