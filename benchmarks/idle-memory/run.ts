// Idle memory of the README's main job: `sluice standalone` with the FileStream source and sink on
// the embedded log (config/connect-standalone.properties and the two connector files, as
// `npm start` runs them), started from a BUILT copy of Sluice (packages/*/dist), left to move the
// demo's lines and then to idle; per start: RSS, RssAnon and RssFile (/proc/<pid>/status), and the
// V8 heap after a forced full GC.
//
//   npm run bench:idle-memory                         # HEAD, 5 starts, appends to RESULTS.md
//   npm run bench:idle-memory -- --refs be1754a,HEAD  # several commits in the same run
//   npm run bench:idle-memory -- --starts 3 --no-results
//   npm run bench:idle-memory -- --source  # also from the TypeScript sources (npm start without dist/)
//   npm run bench:idle-memory -- --kafka   # also on a Kafka broker, and Kafka Connect standalone (the peer)
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
import { startKafka } from '@sluice/testing';
import { fetchMavenLibs, jarVersion, log, root, run, sleep, workDir } from '../lib/bench-util.ts';
import { connectCommand, writeConnectLog4j } from '../lib/connect.ts';
import { median } from '../lib/format.ts';
import { javaInfo, node24Info } from '../lib/machine.ts';
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
  // Also Sluice on a Kafka broker and Kafka Connect's ConnectStandalone (the peer), same job.
  kafka: flag(),
  // Also the embedded-log job from each ref's TypeScript sources (how `npm start` runs in a clone
  // without dist/): source-entry.mjs with --conditions=sluice-source.
  source: flag(),
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
  /** NaN for the Java peer (no probe). */
  heapUsedAfterGcMb: number;
  heapTotalAfterGcMb: number;
  newSpaceMb: number;
  rssAfterGcMb: number;
  readyMs: number;
}

const probe = path.join(import.meta.dirname, 'probe.mjs');
const DEMO_LINES = 'hello from sluice\nline 2\nline 3\nline 4\nline 5\n';

/** One worker start: the command to spawn in `runDir` (which holds sluice-demo/input.txt). */
interface Start {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The Node probe answers SIGUSR2 (not the Java peer). */
  probe: boolean;
}

/**
 * The worker and connector files of the main job in `runDir`: the REST port moved to --port and,
 * with `kafka`, the broker instead of the embedded log and a topic of this start's own.
 */
function writeJob(
  dir: string,
  runDir: string,
  kafka: { servers: string; topic: string } | undefined,
): string[] {
  let worker = readFileSync(path.join(dir, 'config/connect-standalone.properties'), 'utf8').replace(
    /^listeners=.*$/m,
    `listeners=http://127.0.0.1:${opts.port}`,
  );
  let source = readFileSync(path.join(dir, 'config/connect-file-source.properties'), 'utf8');
  let sink = readFileSync(path.join(dir, 'config/connect-file-sink.properties'), 'utf8');
  if (kafka !== undefined) {
    worker = worker
      .replace(/^embedded\.log\.dir=.*$/m, `bootstrap.servers=${kafka.servers}`)
      .replace(
        /^offset\.storage\.file\.filename=.*$/m,
        `offset.storage.file.filename=${runDir}/connect.offsets`,
      );
    source = source.replace(/^topic=.*$/m, `topic=${kafka.topic}`);
    sink = sink.replace(/^topics=.*$/m, `topics=${kafka.topic}`);
  }
  writeFileSync(path.join(runDir, 'worker.properties'), worker);
  writeFileSync(path.join(runDir, 'source.properties'), source);
  writeFileSync(path.join(runDir, 'sink.properties'), sink);
  return ['worker.properties', 'source.properties', 'sink.properties'];
}

async function oneStart(label: string, runDir: string, i: number, start: Start): Promise<Sample> {
  const memFile = path.join(runDir, 'memory.json');
  const p = startProc(start.cmd, start.args, {
    cwd: runDir,
    env: { ...start.env, SLUICE_IDLE_PROBE_FILE: memFile },
    logFile: path.join(work, `${label.replace(/\W+/g, '-')}-${i}.log`),
    echo: i === 0,
  });
  try {
    const output = path.join(runDir, 'sluice-demo/output.txt');
    for (;;) {
      if (p.exited) throw new Error(`the worker exited:\n${readFileSync(p.logFile, 'utf8')}`);
      if (existsSync(output) && readFileSync(output, 'utf8').split('\n').length > 5) break;
      if (performance.now() - p.spawnedAt > 120_000)
        throw new Error(`no output after 120 s: see ${p.logFile}`);
      await sleep(50);
    }
    const readyMs = performance.now() - p.spawnedAt;
    await sleep(opts['idle-ms']);
    const sample: Sample = {
      rssKb: procStatusKb(p.pid, 'VmRSS') ?? Number.NaN,
      rssAnonKb: procStatusKb(p.pid, 'RssAnon') ?? Number.NaN,
      rssFileKb: procStatusKb(p.pid, 'RssFile') ?? Number.NaN,
      heapUsedAfterGcMb: Number.NaN,
      heapTotalAfterGcMb: Number.NaN,
      newSpaceMb: Number.NaN,
      rssAfterGcMb: Number.NaN,
      readyMs,
    };
    if (!start.probe) return sample;
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
    sample.heapUsedAfterGcMb = m.heapUsed / 1048576;
    sample.heapTotalAfterGcMb = m.heapTotal / 1048576;
    sample.newSpaceMb = m.newSpace / 1048576;
    sample.rssAfterGcMb = m.rss / 1048576;
    return sample;
  } finally {
    const r = await stopProc(p);
    if (!r.graceful) log(`${label}: start ${i + 1} did not stop gracefully`);
  }
}

/** A fresh run directory under `dir` with the demo's input file. */
function freshRunDir(dir: string): string {
  mkdirSync(work, { recursive: true });
  const runDir = path.join(dir, 'idle-run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(path.join(runDir, 'sluice-demo'), { recursive: true });
  writeFileSync(path.join(runDir, 'sluice-demo/input.txt'), DEMO_LINES);
  return runDir;
}

const mbText = (mb: number): string => (Number.isFinite(mb) ? `${mb.toFixed(1)} MB` : 'n/a');
const rows: string[] = [];
const details: string[] = [];
const medians = new Map<string, number>();

async function measure(
  label: string,
  dir: string,
  makeStart: (runDir: string, i: number) => Start,
): Promise<void> {
  const samples: Sample[] = [];
  for (let i = 0; i < opts.starts; i++) {
    const runDir = freshRunDir(dir);
    const s = await oneStart(label, runDir, i, makeStart(runDir, i));
    log(
      `${label}: start ${i + 1}: RSS ${(s.rssKb / 1024).toFixed(1)} MB (anon ${(s.rssAnonKb / 1024).toFixed(1)}, file ${(s.rssFileKb / 1024).toFixed(1)}), heap after GC ${mbText(s.heapUsedAfterGcMb)}`,
    );
    samples.push(s);
  }
  const med = (f: (s: Sample) => number) => median(samples.map(f));
  medians.set(label, med((s) => s.rssKb) / 1024);
  rows.push(
    `| ${label} | ${mbText(med((s) => s.rssKb) / 1024)} | ${mbText(med((s) => s.rssAnonKb) / 1024)} | ${mbText(med((s) => s.rssFileKb) / 1024)} | ${mbText(med((s) => s.heapUsedAfterGcMb))} | ${mbText(med((s) => s.heapTotalAfterGcMb))} | ${mbText(med((s) => s.newSpaceMb))} | ${mbText(med((s) => s.rssAfterGcMb))} | ${Math.round(med((s) => s.readyMs))} ms |`,
  );
  details.push(
    `- ${label}: RSS per start ${samples.map((s) => (s.rssKb / 1024).toFixed(1)).join(' / ')} MB; heap used after GC ${samples.map((s) => mbText(s.heapUsedAfterGcMb)).join(' / ')}`,
  );
}

const sluiceStart =
  (dir: string, kafka: string | undefined, tag: string, fromSource = false) =>
  (runDir: string, i: number): Start => ({
    cmd: node.bin,
    args: [
      '--expose-gc',
      ...opts['node-args'],
      '--import',
      probe,
      ...(fromSource
        ? ['--conditions=sluice-source', path.join(import.meta.dirname, 'source-entry.mjs'), dir]
        : [path.join(dir, 'packages/cli/bin/sluice.mjs')]),
      'standalone',
      ...writeJob(
        dir,
        runDir,
        kafka === undefined ? undefined : { servers: kafka, topic: `idle-${tag}-${i}` },
      ),
    ],
    env: { ...process.env, SLUICE_NODE: node.bin },
    probe: true,
  });

const loadBefore = os.loadavg();
const trees = opts.refs
  .split(',')
  .filter((r) => r !== '')
  .map((ref) => ({ ref, ...builtTree(ref) }));
for (const { ref, dir, sha } of trees) {
  await measure(`Sluice ${ref} (${sha.slice(0, 7)}), embedded log`, dir, sluiceStart(dir, undefined, ''));
}
if (opts.source) {
  for (const { ref, dir, sha } of trees) {
    await measure(
      `Sluice ${ref} (${sha.slice(0, 7)}), embedded log, TypeScript sources`,
      dir,
      sluiceStart(dir, undefined, '', true),
    );
  }
}
let peerLine: string | undefined;
if (opts.kafka) {
  // Kafka Connect's jars (those of bench:standalone), and the broker once for every Kafka case.
  const libs = workDir('standalone-file/libs');
  fetchMavenLibs(
    path.join(import.meta.dirname, '../standalone-file/pom.xml'),
    libs,
    /^connect-runtime-.*\.jar$/,
  );
  const connectVersion = jarVersion(libs, 'connect-runtime');
  const java = javaInfo([]);
  const kafka = await startKafka({ ownerPid: process.pid, log });
  try {
    for (const { ref, dir, sha } of trees) {
      await measure(
        `Sluice ${ref} (${sha.slice(0, 7)}), Kafka ${kafka.version}`,
        dir,
        sluiceStart(dir, kafka.bootstrapServers, sha.slice(0, 7)),
      );
    }
    mkdirSync(work, { recursive: true });
    const log4jFile = path.join(work, 'connect-log4j2.properties');
    writeConnectLog4j(log4jFile, ['Kafka Connect logging for bench:idle-memory: WARN and above.']);
    const { dir } = trees[trees.length - 1]!;
    await measure(`Kafka Connect ${connectVersion} standalone, Kafka ${kafka.version}`, dir, (runDir, i) => ({
      ...connectCommand({
        jvmArgs: [],
        log4jFile,
        libs,
        mainClass: 'org.apache.kafka.connect.cli.ConnectStandalone',
        args: writeJob(dir, runDir, { servers: kafka.bootstrapServers, topic: `idle-connect-${i}` }),
      }),
      probe: false,
    }));
    peerLine = `- Kafka Connect: \`ConnectStandalone\` ${connectVersion} (connect-runtime, connect-file, connect-json from Maven Central, FileStream on the classpath) on ${java.version}; JVM defaults (max heap ${java.maxHeapMb} MB, initial ${java.initialHeapMb} MB, ${java.gc}); log4j2 at WARN; the same worker and connector files (JsonConverter with schemas) with bootstrap.servers. Broker: Apache Kafka ${kafka.version} (\`startKafka()\` of @sluice/testing), one topic per start`;
  } finally {
    await kafka.stop();
  }
}
const loadAfter = os.loadavg();

const table = [
  '| Worker | RSS idle | RssAnon | RssFile | Heap used after GC | Heap total after GC | New space after GC | RSS after GC | Lines through |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
];
console.log(table.join('\n'));
console.log(details.join('\n'));

const section = [
  sectionTitle(
    `Idle memory of the main job (standalone, FileStream source and sink, embedded log${opts.kafka ? ', and on Kafka vs Kafka Connect' : ''})`,
    true,
  ),
  '',
  ...machineLines(loadBefore, loadAfter),
  `- Sluice: each ref's committed tree, built (packages/*/dist); Node ${node.node} (V8 ${node.v8}), default heap limit ${node.heap} MB, no V8 flags but --expose-gc${opts['node-args'].length > 0 ? ` and ${opts['node-args'].join(' ')}` : ''}`,
  `- Method: see benchmarks/idle-memory/run.ts; per ref ${opts.starts} starts of \`sluice standalone\` with config/connect-standalone.properties (REST on another port) and the FileStream source and sink files; once the 5 demo lines are in the output file, ${opts['idle-ms']} ms idle, then VmRSS/RssAnon/RssFile from /proc/<pid>/status, then a forced full GC in the worker (SIGUSR2 to a probe loaded with --import) and process.memoryUsage(); medians of the starts`,
  '',
  ...(peerLine === undefined ? [] : [peerLine]),
  '',
  ...table,
  '',
  ...details,
  ...[...medians]
    .filter(([label]) => label.startsWith('Sluice') && label.includes(', Kafka '))
    .flatMap(([label, rss]) => {
      const peer = [...medians].find(([l]) => l.startsWith('Kafka Connect'));
      return peer === undefined
        ? []
        : [`- ${label}: idle RSS ${(rss / peer[1]).toFixed(2)}× Kafka Connect's`];
    }),
].join('\n');
appendSection(section, opts['no-results'] ? '--no-results' : undefined);
