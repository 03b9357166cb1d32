// Shared by the benchmark drivers: running commands, fetching jars with Maven, and the facts
// every RESULTS.md section states (machine, load, which Sluice source was measured).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root. */
export const root = path.resolve(import.meta.dirname, '../..');

/** Runs a command in the repository root (echoed to stderr); returns its stdout when `capture`. */
export function run(cmd: string, args: string[], capture: boolean): string {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited with status ${r.status ?? r.signal}`);
  return capture ? r.stdout : '';
}

/** Copies the runtime dependencies of `pom` into `libs` once (skipped when a jar matching `marker` is there). */
export function fetchMavenLibs(pom: string, libs: string, marker: RegExp): void {
  if (existsSync(libs) && readdirSync(libs).some((f) => marker.test(f))) return;
  mkdirSync(libs, { recursive: true });
  run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    false,
  );
}

/** `commit <sha>`, plus a warning when `paths` have uncommitted changes (the numbers then describe no commit). */
export function gitDescribe(paths: string[]): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown commit';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', ...paths], { cwd: root, encoding: 'utf8' });
  const changed = dirty.stdout.trim() === '' ? '' : ` with uncommitted changes in ${paths.join(' or ')}`;
  return `commit ${head.stdout.trim()}${changed}`;
}

/** `<cpu model>, <n> cores, <mem> GiB memory, <os>`. */
export function machineDescription(): string {
  const cpuModel =
    /^model name\s*:\s*(.*)$/m.exec(
      existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '',
    )?.[1] ??
    os.cpus()[0]?.model ??
    'unknown';
  return `${cpuModel}, ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`;
}

export const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
