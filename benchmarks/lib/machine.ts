// The facts every RESULTS.md section states about the run: the machine, which Sluice source was
// measured and how it ran, and the Node and Java runtimes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, run } from './bench-util.ts';

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

/** `commit <sha>`, plus a warning when `paths` have uncommitted changes (the numbers then describe no commit). */
export function gitDescribe(paths: string[]): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown commit';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', ...paths], { cwd: root, encoding: 'utf8' });
  const changed = dirty.stdout.trim() === '' ? '' : ` with uncommitted changes in ${paths.join(' or ')}`;
  return `commit ${head.stdout.trim()}${changed}`;
}

/** What `sluice` runs from: the built JavaScript when there is a build, else the TypeScript sources. */
export function sluiceRunFrom(): string {
  return existsSync(path.join(root, 'packages/cli/dist/main.js'))
    ? 'built JavaScript (packages/*/dist)'
    : 'TypeScript sources (type stripping)';
}

export interface NodeInfo {
  /** The Node 24 binary of `scripts/node24.sh`: the one the Sluice workers run on. */
  bin: string;
  node: string;
  v8: string;
  /** Its default heap limit, in MB. */
  heap: number;
}

/** The Node 24 binary the workers run on, and its versions and default heap limit. */
export function node24Info(): NodeInfo {
  const bin = run('bash', [path.join(root, 'scripts/node24.sh')], true).trim();
  const facts = JSON.parse(
    run(
      bin,
      [
        '-p',
        'JSON.stringify({node: process.versions.node, v8: process.versions.v8, heap: Math.round(require("v8").getHeapStatistics().heap_size_limit / 1048576)})',
      ],
      true,
    ),
  ) as Omit<NodeInfo, 'bin'>;
  return { bin, ...facts };
}

export interface JavaInfo {
  /** The first `versionLines` lines of `java -version`, joined with `; `. */
  version: string;
  maxHeapMb: number;
  initialHeapMb: number;
  /** The collector the flags select (`UseG1GC`, ...), or 'unknown GC'. */
  gc: string;
}

/**
 * `java <jvmArgs> -XX:+PrintFlagsFinal -version`: the version and the heap and GC the flags end
 * up with. `versionLines`: how many lines of the version text to keep (a section names either the
 * first line or the first three).
 */
export function javaInfo(jvmArgs: string[], versionLines = 3): JavaInfo {
  const r = spawnSync('java', [...jvmArgs, '-XX:+PrintFlagsFinal', '-version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`java ${jvmArgs.join(' ')} -version failed:\n${r.stderr}`);
  const flag = (name: string) => new RegExp(`\\s${name}\\s+=\\s+(\\S+)`).exec(r.stdout)?.[1];
  return {
    version: r.stderr.trim().split('\n').slice(0, versionLines).join('; '),
    maxHeapMb: Math.round(Number(flag('MaxHeapSize') ?? 0) / 1048576),
    initialHeapMb: Math.round(Number(flag('InitialHeapSize') ?? 0) / 1048576),
    gc:
      ['UseG1GC', 'UseParallelGC', 'UseSerialGC', 'UseZGC', 'UseShenandoahGC'].find(
        (g) => flag(g) === 'true',
      ) ?? 'unknown GC',
  };
}
