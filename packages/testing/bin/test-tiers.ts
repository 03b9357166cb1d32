/**
 * Lists and runs the test tiers of `src/test-tiers.ts` (unit: in-process only; integration: the
 * rest):
 *
 *   test-tiers.ts list unit|integration [--why]   prints the files of a tier (with --why, the
 *                                                 reason each integration file is there)
 *   test-tiers.ts run unit|integration [args...]  runs the tier with `node --test` (args are
 *                                                 passed on, e.g. --test-reporter=dot)
 *
 * `npm run test:unit` is `test-tiers.ts run unit`: it needs no server, no Java and no network
 * beyond loopback sockets opened by the tests themselves. The unit files run in one process
 * (`--test-isolation=none`), so a unit test must leave no global state behind (environment
 * variables, process listeners, open handles).
 */

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integrationReason, repoRoot, type TestTier, tier } from '../src/test-tiers.ts';

/** `node --test` options a tier always runs with. */
const TIER_OPTIONS: Record<TestTier, string[]> = {
  // One process for all unit files: no per-file start-up (most of the tier's time otherwise).
  unit: ['--test-isolation=none'],
  integration: [],
};

function main(args: string[]): void {
  const [command, name, ...rest] = args;
  if ((command !== 'list' && command !== 'run') || (name !== 'unit' && name !== 'integration')) {
    process.stderr.write('usage: test-tiers.ts list|run unit|integration [--why | node --test args...]\n');
    process.exitCode = 2;
    return;
  }
  if (command === 'list') {
    for (const f of tier(name)) {
      const why = rest.includes('--why') ? integrationReason(f) : undefined;
      process.stdout.write(why === undefined ? `${f}\n` : `${f}\t${why}\n`);
    }
    return;
  }
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--test', ...TIER_OPTIONS[name], ...rest, ...tier(name)],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128);
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
