#!/usr/bin/env node
// The `sluice` command. Runs on Node >= 20. When this Node is new enough (>= 22.22) the CLI runs
// in this very process, so signals (kill -9 included) reach the worker itself. Otherwise Node 24
// is found or installed (see ensure-node.mjs) and the CLI runs in a child process under it, with
// signals and the exit code forwarded. The built JavaScript (dist/) is used when present, else the
// TypeScript sources with the `sluice-source` export condition.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findNode } from './ensure-node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'main.js');
const src = join(here, '..', 'src', 'main.ts');
const built = existsSync(dist);

let node;
try {
  node = findNode();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

if (node === process.execPath) {
  if (!built) {
    // Resolve the workspaces' TypeScript sources, as --conditions=sluice-source would.
    const { registerHooks } = await import('node:module');
    registerHooks({
      resolve: (specifier, context, nextResolve) =>
        nextResolve(specifier, { ...context, conditions: [...context.conditions, 'sluice-source'] }),
    });
  }
  const { main, endProcess } = await import(pathToFileURL(built ? dist : src).href);
  const argv = process.argv.slice(2);
  // A stopped worker exits even when a plugin left a timer or socket behind (process-exit.ts).
  endProcess(argv, await main(argv));
} else {
  const args = built
    ? [dist, ...process.argv.slice(2)]
    : ['--conditions=sluice-source', src, ...process.argv.slice(2)];
  // The child watches this pid: if the launcher is killed outright (kill -9), the worker must not
  // live on as an orphan holding its files and ports.
  const child = spawn(node, args, {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_LAUNCHER_PID: String(process.pid) },
  });
  // A signal sent to the launcher alone (kill <pid>) is passed on. A terminal's Ctrl-C reaches
  // both processes and the worker gets it twice: the worker stops once however many come.
  const forward = (signal) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal: without these handlers, so that it is not caught again (which
      // would leave the launcher to exit 0 as if the worker had stopped cleanly).
      for (const s of signals) process.off(s, forward);
      process.kill(process.pid, signal);
      setTimeout(() => process.exit(128 + (osConstants.signals[signal] ?? 0)), 1000).unref();
    } else process.exit(code ?? 1);
  });
}
