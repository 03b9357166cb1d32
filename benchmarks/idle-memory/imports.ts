// What each module costs a process when imported: per module, a fresh Node 24 process in the
// built clone of a ref (as run.ts makes it) imports it and reports RSS and V8 heap after a full
// GC, less a process that imported nothing. Printed as a table (not written to RESULTS.md: a
// finding aid for where the idle worker's memory goes, not a claim).
//
//   npm run bench:idle-memory:imports -- --refs HEAD
//   npm run bench:idle-memory:imports -- --modules @sluice/runtime,fastify
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { log, root, run } from '../lib/bench-util.ts';
import { median } from '../lib/format.ts';
import { node24Info } from '../lib/machine.ts';
import { parseOptions, positiveInt, text } from '../lib/options.ts';

const opts = parseOptions({
  refs: text('HEAD'),
  modules: text(
    [
      '@sluice/api',
      '@sluice/runtime',
      './dist/builtins.js',
      './dist/main.js',
      '@platformatic/kafka',
      'fastify',
      'prom-client',
      'pino',
      'node-forge',
      'jose',
      '@sluice/schema-registry',
      '@sluice/converters',
      '@sluice/converters-schema-registry',
      '@sluice/transforms',
      '@sluice/connector-file',
      '@sluice/connector-postgres',
      '@sluice/connector-jdbc',
      '@sluice/connector-elasticsearch',
    ].join(','),
  ),
  runs: positiveInt(3),
});

const node = node24Info();
const CODE = `
const mods = JSON.parse(process.env.IMPORTS);
for (const m of mods) await import(m);
globalThis.gc(); globalThis.gc();
const m = process.memoryUsage();
console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal }));
`;

interface Cost {
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

function measure(cwd: string, modules: string[]): Cost {
  const costs: Cost[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = spawnSync(node.bin, ['--expose-gc', '--input-type=module', '-e', CODE], {
      cwd,
      env: { ...process.env, IMPORTS: JSON.stringify(modules) },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`importing ${modules.join(', ')} failed:\n${r.stderr}`);
    costs.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Cost);
  }
  return {
    rss: median(costs.map((c) => c.rss)),
    heapUsed: median(costs.map((c) => c.heapUsed)),
    heapTotal: median(costs.map((c) => c.heapTotal)),
  };
}

const mb = (n: number): string => (n / 1048576).toFixed(1);
for (const ref of opts.refs.split(',').filter((r) => r !== '')) {
  const sha = run('git', ['-C', root, 'rev-parse', '--short=12', ref], true).trim();
  // The clone and build of run.ts (bench:idle-memory builds it when missing).
  const cli = path.join(root, '.cache/idle-memory', sha, 'packages/cli');
  log(`${ref} (${sha}): ${cli}`);
  const base = measure(cli, []);
  console.log(`\n${ref} (${sha}): Node alone RSS ${mb(base.rss)} MB, heap used ${mb(base.heapUsed)} MB`);
  console.log('| Module | RSS + | Heap used + | Heap total + |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const m of opts.modules.split(',').filter((x) => x !== '')) {
    const c = measure(cli, [m]);
    console.log(
      `| ${m} | ${mb(c.rss - base.rss)} MB | ${mb(c.heapUsed - base.heapUsed)} MB | ${mb(c.heapTotal - base.heapTotal)} MB |`,
    );
  }
}
