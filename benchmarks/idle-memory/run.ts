// Idle memory of the README's main job: `sluice standalone` with the FileStream source and sink on
// the embedded log (config/connect-standalone.properties and the two connector files, as
// `npm start` runs them), started from a BUILT copy of Sluice (packages/*/dist), left to move the
// demo's lines and then to idle; per start: RSS, RssAnon and RssFile (/proc/<pid>/status), and the
// V8 heap after a forced full GC.
//
//   npm run bench:idle-memory                         # HEAD, 5 starts, appends to RESULTS.md
//   npm run bench:idle-memory -- --refs be1754a,HEAD  # several commits in the same run
//   npm run bench:idle-memory -- --starts 3 --no-results
//   npm run bench:idle-memory -- --node-args=--max-semi-space-size=2   # a V8 flag's effect
//
// Each ref is cloned from this repository (committed state only) under
// .cache/idle-memory/<sha>, its node_modules hard-linked from this checkout's, and built
// with `npm run build` there: the tests of this checkout never see a dist/. The worker runs on
// the Node 24 binary (scripts/node24.sh) as `node --expose-gc --import <probe> sluice.mjs
// standalone ...` (the launcher runs the CLI in its own process on Node 24). The probe
// (probe.mjs) only installs a SIGUSR2 handler that calls gc() and writes process.memoryUsage()
// and the heap spaces to a file: the RSS is read first, before any GC, as the worker idles.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, root, run, sleep, workDir } from '../lib/bench-util.ts';
import { median } from '../lib/format.ts';
import { node24Info } from '../lib/machine.ts';
import { flag, parseOptions, positiveInt, text, words } from '../lib/options.ts';
import { procStatusKb, startProc, stopProc } from '../lib/processes.ts';
import { appendSection, machineLines, sectionTitle } from '../lib/results.ts';

const opts = parseOptions({
  refs: text('HEAD'),
  starts: positiveInt(5),
  'idle-ms': positiveInt(10_000),
  port: positiveInt(18_383),
  // Extra V8/Node flags for the worker (e.g. --max-semi-space-size=2), to measure their effect.
  'node-args': words(),
  'no-results': flag(),
});

// The built clones live under the ignored .cache/ (not benchmarks/.work/, which tsconfig.json
// includes): a clone's sources must not join this checkout's typecheck. Logs go to benchmarks/.work.
const clones = path.join(root, '.cache/idle-memory');
const work = workDir('idle-memory');
const node = node24Info();

/** A built clone of `ref`; returns its directory and full sha. */
function builtTree(ref: string): { dir: string; sha: string } {
  const sha = run('git', ['-C', root, 'rev-parse', ref], true).trim();
  const dir = path.join(clones, sha.slice(0, 12));
  if (existsSync(path.join(dir, 'packages/cli/dist/main.js'))) return { dir, sha };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(clones, { recursive: true });
  log(`cloning ${ref} (${sha.slice(0, 12)}) into ${dir} and building it`);
  run('git', ['clone', '--quiet', '--no-checkout', root, dir], false);
  run('git', ['-C', dir, 'checkout', '--quiet', sha], false);
  // Hard links: instant, and the workspaces' links in node_modules/@sluice are relative.
  run('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')], false);
  const built = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed in ${dir}:\n${built.stdout}${built.stderr}`);
  return { dir, sha };
}

interface Sample {
  rssKb: number;
  rssAnonKb: number;
  rssFileKb: number;
  heapUsedAfterGcMb: number;
  heapTotalAfterGcMb: number;
  newSpaceMb: number;
  rssAfterGcMb: number;
  readyMs: number;
}

const probe = path.join(import.meta.dirname, 'probe.mjs');

async function oneStart(dir: string, i: number): Promise<Sample> {
  mkdirSync(work, { recursive: true });
  const runDir = path.join(dir, 'idle-run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(path.join(runDir, 'sluice-demo'), { recursive: true });
  writeFileSync(
    path.join(runDir, 'sluice-demo/input.txt'),
    'hello from sluice\nline 2\nline 3\nline 4\nline 5\n',
  );
  const worker = readFileSync(path.join(dir, 'config/connect-standalone.properties'), 'utf8').replace(
    /^listeners=.*$/m,
    `listeners=http://127.0.0.1:${opts.port}`,
  );
  writeFileSync(path.join(runDir, 'worker.properties'), worker);
  const memFile = path.join(runDir, 'memory.json');
  const p = startProc(
    node.bin,
    [
      '--expose-gc',
      ...opts['node-args'],
      '--import',
      probe,
      path.join(dir, 'packages/cli/bin/sluice.mjs'),
      'standalone',
      'worker.properties',
      path.join(dir, 'config/connect-file-source.properties'),
      path.join(dir, 'config/connect-file-sink.properties'),
    ],
    {
      cwd: runDir,
      env: { ...process.env, SLUICE_NODE: node.bin, SLUICE_IDLE_PROBE_FILE: memFile },
      logFile: path.join(work, `worker-${i}.log`),
      echo: i === 0,
    },
  );
  try {
    const output = path.join(runDir, 'sluice-demo/output.txt');
    for (;;) {
      if (p.exited) throw new Error(`the worker exited:\n${readFileSync(p.logFile, 'utf8')}`);
      if (existsSync(output) && readFileSync(output, 'utf8').split('\n').length > 5) break;
      if (performance.now() - p.spawnedAt > 60_000) throw new Error('no output after 60 s');
      await sleep(50);
    }
    const readyMs = performance.now() - p.spawnedAt;
    await sleep(opts['idle-ms']);
    const rssKb = procStatusKb(p.pid, 'VmRSS') ?? Number.NaN;
    const rssAnonKb = procStatusKb(p.pid, 'RssAnon') ?? Number.NaN;
    const rssFileKb = procStatusKb(p.pid, 'RssFile') ?? Number.NaN;
    process.kill(p.pid, 'SIGUSR2');
    for (let t = 0; !existsSync(memFile); t++) {
      if (t > 200) throw new Error('the probe wrote no memory file');
      await sleep(25);
    }
    await sleep(50);
    const m = JSON.parse(readFileSync(memFile, 'utf8')) as {
      heapUsed: number;
      heapTotal: number;
      rss: number;
      newSpace: number;
    };
    return {
      rssKb,
      rssAnonKb,
      rssFileKb,
      heapUsedAfterGcMb: m.heapUsed / 1048576,
      heapTotalAfterGcMb: m.heapTotal / 1048576,
      newSpaceMb: m.newSpace / 1048576,
      rssAfterGcMb: m.rss / 1048576,
      readyMs,
    };
  } finally {
    const r = await stopProc(p);
    if (!r.graceful) log(`worker ${i} did not stop gracefully`);
  }
}

const loadBefore = os.loadavg();
const rows: string[] = [];
const details: string[] = [];
for (const ref of opts.refs.split(',').filter((r) => r !== '')) {
  const { dir, sha } = builtTree(ref);
  const samples: Sample[] = [];
  for (let i = 0; i < opts.starts; i++) {
    const s = await oneStart(dir, i);
    log(
      `${ref}: start ${i + 1}: RSS ${(s.rssKb / 1024).toFixed(1)} MB (anon ${(s.rssAnonKb / 1024).toFixed(1)}, file ${(s.rssFileKb / 1024).toFixed(1)}), heap after GC ${s.heapUsedAfterGcMb.toFixed(1)} MB`,
    );
    samples.push(s);
  }
  const med = (f: (s: Sample) => number) => median(samples.map(f));
  rows.push(
    `| ${ref} (${sha.slice(0, 7)}) | ${(med((s) => s.rssKb) / 1024).toFixed(1)} MB | ${(med((s) => s.rssAnonKb) / 1024).toFixed(1)} MB | ${(med((s) => s.rssFileKb) / 1024).toFixed(1)} MB | ${med((s) => s.heapUsedAfterGcMb).toFixed(1)} MB | ${med((s) => s.heapTotalAfterGcMb).toFixed(1)} MB | ${med((s) => s.newSpaceMb).toFixed(1)} MB | ${med((s) => s.rssAfterGcMb).toFixed(1)} MB | ${Math.round(med((s) => s.readyMs))} ms |`,
  );
  details.push(
    `- ${ref}: RSS per start ${samples.map((s) => (s.rssKb / 1024).toFixed(1)).join(' / ')} MB; heap used after GC ${samples.map((s) => s.heapUsedAfterGcMb.toFixed(1)).join(' / ')} MB`,
  );
}
const loadAfter = os.loadavg();

const table = [
  '| Sluice | RSS idle | RssAnon | RssFile | Heap used after GC | Heap total after GC | New space after GC | RSS after GC | Lines through |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
];
console.log(table.join('\n'));
console.log(details.join('\n'));

const section = [
  sectionTitle('Idle memory of the main job (standalone, FileStream source and sink, embedded log)', true),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: each ref's committed tree, built (packages/*/dist); Node ${node.node} (V8 ${node.v8}), default heap limit ${node.heap} MB, no V8 flags but --expose-gc${opts['node-args'].length > 0 ? ` and ${opts['node-args'].join(' ')}` : ''}`,
  `- Method: see benchmarks/idle-memory/run.ts; per ref ${opts.starts} starts of \`sluice standalone\` with config/connect-standalone.properties (REST on another port) and the FileStream source and sink files; once the 5 demo lines are in the output file, ${opts['idle-ms']} ms idle, then VmRSS/RssAnon/RssFile from /proc/<pid>/status, then a forced full GC in the worker (SIGUSR2 to a probe loaded with --import) and process.memoryUsage(); medians of the starts`,
  '',
  ...table,
  '',
  ...details,
].join('\n');
appendSection(section, opts['no-results'] ? '--no-results' : undefined);
