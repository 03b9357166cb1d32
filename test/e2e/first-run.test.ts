/**
 * The first run, as a new user does it: a fresh `git clone` of this repository, `npm start`, the
 * pipeline running, Ctrl-C. Checks that Ctrl-C through npm exits 0, that the source offsets show
 * in GET /connectors/<name>/offsets after the first offset flush (offset.flush.interval.ms, 10 s
 * in config/connect-standalone.properties, as the README says), and that the clone is left
 * clean: `git status --porcelain` empty (npm ci never rewrites package-lock.json; the pipeline's
 * files go to ignored folders). The clone is of the committed HEAD; the port comes from
 * SLUICE_PORT so the test does not need 8083.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@sluice/testing';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
let child: ChildProcess | undefined;
after(async () => {
  if (child?.exitCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a fresh clone: npm start runs the pipeline, Ctrl-C exits 0, the tree stays clean', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-fresh-clone-'));
  dirs.push(dir);
  const clone = join(dir, 'sluice');
  // The commit checked out here (a worktree's clone would otherwise get the main branch).
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', repo, clone]);
  execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_PORT: String(port) };
  for (const k of ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'SLUICE_NODE', 'npm_config_prefix', 'CI'])
    delete env[k];
  // Its own process group, so the signal reaches npm, the script and the worker as a terminal's
  // Ctrl-C does.
  child = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (c) => (logs += String(c)));
  child.stderr!.on('data', (c) => (logs += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child!.on('close', (code, signal) => resolve({ code, signal })),
  );
  const base = `http://127.0.0.1:${port}`;
  const begin = Date.now();
  await waitFor(
    'both connectors RUNNING',
    async () => {
      if (child!.exitCode !== null) throw new Error(`npm start exited early:\n${logs}`);
      if (Date.now() - begin > 230_000) throw new Error(`not RUNNING in time:\n${logs}`);
      const res = await fetch(`${base}/connectors?expand=status`).catch(() => null);
      if (res?.status !== 200) return false;
      const all = (await res.json()) as Record<string, { status: { tasks: Array<{ state: string }> } }>;
      const names = ['local-file-source', 'local-file-sink'];
      return names.every((n) => all[n]?.status.tasks[0]?.state === 'RUNNING');
    },
    { timeoutMs: 240_000, intervalMs: 250 },
  );
  const output = join(clone, 'sluice-demo/output.txt');
  await waitFor(
    'the sample lines in sluice-demo/output.txt',
    async () => (await readFile(output, 'utf8').catch(() => '')).includes('line 5'),
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  // Offsets show once the worker has flushed them: within offset.flush.interval.ms (10 s).
  const started = Date.now();
  await waitFor(
    'the source offsets in GET /offsets',
    async () => {
      const res = await fetch(`${base}/connectors/local-file-source/offsets`);
      const body = (await res.json()) as { offsets: unknown[] };
      return body.offsets.length > 0;
    },
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  assert.ok(Date.now() - started <= 15_000, 'offsets within one flush interval');

  process.kill(-child.pid!, 'SIGINT');
  const timer = setTimeout(() => {
    try {
      process.kill(-child!.pid!, 'SIGKILL');
    } catch {}
  }, 60_000);
  const { code, signal } = await exited;
  clearTimeout(timer);
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, `npm start exits 0 on Ctrl-C:\n${logs}`);
  assert.match(logs, /Worker stopped/);

  const status = execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' });
  assert.equal(status, '', 'git status --porcelain is empty after npm start');
});
