// Shared by the benchmark drivers: where things are, logging, running commands, and fetching
// jars with Maven. The other modules of this folder: options.ts (command-line options),
// machine.ts (machine, runtime and source facts), processes.ts (child processes and /proc
// accounting), connect.ts (Kafka Connect and Sluice worker commands), format.ts (numbers as
// RESULTS.md prints them), results.ts (checks and RESULTS.md sections), cpu-profile.ts (V8
// .cpuprofile self times).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const root = path.resolve(import.meta.dirname, '../..');

/** The append-only record of real runs (results.ts writes to it). */
export const resultsFile = path.join(root, 'benchmarks/RESULTS.md');

/** The `sluice` command's entry point. */
export const sluiceBin = path.join(root, 'packages/cli/bin/sluice.mjs');

/** `benchmarks/.work/<name>`: a benchmark's generated and downloaded files (gitignored). */
export const workDir = (name: string): string => path.join(root, 'benchmarks/.work', name);

/** A progress line of a driver, on stderr. */
export const log = (message: string): void => console.error(`[bench] ${message}`);

export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** The last line of `stdout` that starts with `{` (a child's JSON result line), if any. */
export function findJsonLine(stdout: string): string | undefined {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
}

/** The last JSON line of `stdout`, parsed; throws naming `who` when there is none. */
export function lastJsonLine<T>(stdout: string, who: string): T {
  const line = findJsonLine(stdout);
  if (line === undefined) throw new Error(`${who} printed no JSON result line:\n${stdout}`);
  return JSON.parse(line) as T;
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

/** The version of `<artifact>-<version>.jar` in `libs` (the version starts with a digit), or 'unknown'. */
export function jarVersion(libs: string, artifact: string): string {
  const jar = readdirSync(libs).find((f) => new RegExp(`^${artifact}-\\d.*\\.jar$`).test(f)) ?? '';
  return new RegExp(`^${artifact}-(.+)\\.jar$`).exec(jar)?.[1] ?? 'unknown';
}
