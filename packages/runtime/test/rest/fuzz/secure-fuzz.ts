/**
 * A bounded REST fuzz run with authentication on: schemathesis (PyPI) generates requests from the
 * worker's OpenAPI document against a standalone Sluice worker on 127.0.0.1 that requires bearer
 * tokens. Two runs: with an admin token (no answer may be a 5xx), and without credentials (no
 * request may get anything but 401, or a 404/405 for paths and methods that do not exist).
 * Exits non-zero when either rule is broken; prints a status count of each run.
 *
 *   scripts/run-node.sh packages/runtime/test/rest/fuzz/secure-fuzz.ts [max-examples, default 15]
 *
 * schemathesis is installed once into `<repo>/.cache/schemathesis-venv` (python3 -m venv + pip).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from '@sluice/cli';
import { createLogger } from '../../../src/logging/logger.ts';
import { LoggerRegistry } from '../../../src/logging/logger-registry.ts';
import { RestServer } from '../../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../../src/rest/security-options.ts';
import { StandaloneHerder } from '../../../src/standalone/assemble.ts';
import { workerProps } from '../rest-harness.ts';

const SCHEMATHESIS = '4.32.5';
const repo = join(import.meta.dirname, '../../../../..');
const venv = join(repo, '.cache', 'schemathesis-venv');
const st = join(venv, 'bin', 'st');
const maxExamples = process.argv[2] ?? '15';
const ADMIN = 'fuzz-admin-token-0123456789';

if (!existsSync(st)) {
  for (const [cmd, args] of [
    ['python3', ['-m', 'venv', venv]],
    [join(venv, 'bin', 'pip'), ['install', '-q', `schemathesis==${SCHEMATHESIS}`]],
  ] as const) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} failed`);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'sluice-secure-fuzz-'));
await writeFile(
  join(dir, 'tokens.json'),
  JSON.stringify([{ principal: 'fuzzer', role: 'admin', token: ADMIN }]),
);
const access: { status: number; line: string }[] = [];
const logger = createLogger({
  level: 'INFO',
  destination: {
    write: (s: string) => {
      const m = /"msg":"([A-Z]+ \S+ (\d{3})[^"]*)"/.exec(s);
      if (m !== null) access.push({ status: Number(m[2]), line: m[1]! });
    },
  } as never,
});
const herder = await StandaloneHerder.create(
  {
    ...workerProps(dir),
    'rest.auth.tokens.file': join(dir, 'tokens.json'),
    'plugin.path': '',
  },
  { logger, plugins: builtinPlugins() },
);
await herder.start();
const server = new RestServer({
  herder,
  loggers: new LoggerRegistry(logger),
  ...restSecurityOptions(herder.config, {}),
});
const { urls } = await server.start();
const url = urls[0]!;
const openapi = join(repo, 'docs', 'openapi.json');

/** Runs schemathesis (asynchronously: the worker answers in this same process). */
async function fuzz(label: string, headers: string[]): Promise<{ status: number; line: string }[]> {
  const from = access.length;
  const child = spawn(
    st,
    [
      'run',
      openapi,
      '--url',
      url,
      ...headers.flatMap((h) => ['-H', h]),
      '--checks',
      'not_a_server_error',
      '-n',
      maxExamples,
      '--phases',
      'examples,fuzzing',
      '--seed',
      '1',
      '--workers',
      '1',
    ],
    // In the run's temporary directory: schemathesis writes a .schemathesis/ cache where it runs.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stdout += String(c)));
  const timer = setTimeout(() => child.kill('SIGTERM'), 600_000);
  const r = await new Promise<{ status: number | null }>((resolve) =>
    child.on('close', (status) => resolve({ status })),
  );
  clearTimeout(timer);
  const lines = access.slice(from);
  const counts = new Map<number, number>();
  for (const a of lines) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  console.log(
    `${label}: ${lines.length} requests, statuses ${JSON.stringify(Object.fromEntries(counts))}, st exit ${r.status}`,
  );
  if (r.status !== 0) console.log(stdout.split('\n').slice(-40).join('\n'));
  return lines;
}

let failed = false;
try {
  const withToken = await fuzz('admin token', [`Authorization: Bearer ${ADMIN}`]);
  const errors = withToken.filter((a) => a.status >= 500);
  if (errors.length > 0) {
    failed = true;
    console.log(`5xx answers:\n${errors.map((e) => `  ${e.line}`).join('\n')}`);
  }
  const anonymous = await fuzz('no credentials', []);
  const through = anonymous.filter((a) => ![401, 404, 405].includes(a.status));
  // Internal endpoints need no user credentials (they are signed): standalone answers them itself.
  const notInternal = through.filter(
    (a) => !/^(POST \/connectors\/[^/]+\/tasks|PUT \/connectors\/[^/]+\/fence)[?\s]/.test(a.line),
  );
  if (notInternal.length > 0) {
    failed = true;
    console.log(`answered without credentials:\n${notInternal.map((e) => `  ${e.line}`).join('\n')}`);
  }
  if (anonymous.length === 0 || withToken.length === 0) {
    failed = true;
    console.log('schemathesis sent no request');
  }
} finally {
  await server.stop();
  await herder.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
