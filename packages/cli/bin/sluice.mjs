#!/usr/bin/env node
// The `sluice` command. Runs on Node >= 20: it finds or installs Node 24 (see ensure-node.mjs),
// then runs the CLI under it: the built JavaScript when present, else the TypeScript sources.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode } from './ensure-node.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist', 'main.js');
let node;
try {
  node = findNode();
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
const args = existsSync(dist)
  ? [dist, ...process.argv.slice(2)]
  : ['--conditions=sluice-source', join(here, '..', 'src', 'main.ts'), ...process.argv.slice(2)];
const child = spawn(node, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
