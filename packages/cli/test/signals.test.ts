/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group: npm, the `sluice`
 * launcher and, when the launcher re-executes Node 24, the worker process too, each of which may
 * also forward it. However many SIGINT/SIGTERM arrive, from whichever process, the worker stops
 * once, gracefully: "Stopping the worker" logged once, source offsets and sink group offsets
 * flushed, exit code 0. Tested as a terminal does it: the worker chain is spawned in a process
 * group of its own and the signal goes to the group (`process.kill(-pid, ...)`). A FileStream
 * source → topic → FileStream sink pipeline runs with periodic offset flushes off, so only the
 * graceful stop writes offsets; a restart that re-emitted lines would duplicate them in the output.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@sluice/testing';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/bin/sluice.mjs');
const LINES = 5000;

const dirs: string[] = [];
const running = new Set<ChildProcess>();
after(async () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** How the worker is started: the command line, as a user would type it. */
type Chain = 'launcher' | 'launcher re-executing Node 24' | 'npm run';

interface Pipeline {
  dir: string;
  input: string;
  output: string;
  port: number;
  /** Extra environment and how to start the chain. */
  start(): ChildProcess;
}

async function pipeline(chain: Chain): Promise<Pipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-signals-'));
  dirs.push(dir);
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  const port = await freePort();
  await writeFile(
    join(dir, 'worker.properties'),
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      // No periodic flush: only the graceful stop writes the offsets.
      'offset.flush.interval.ms=3600000',
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'source.properties'),
    `name=source\nconnector.class=FileStreamSource\nfile=${input}\ntopic=lines\n`,
  );
  await writeFile(
    join(dir, 'sink.properties'),
    `name=sink\nconnector.class=FileStreamSink\nfile=${output}\ntopics=lines\n`,
  );
  await writeFile(input, Array.from({ length: LINES }, (_, i) => `line ${i}\n`).join(''));
  const args = ['standalone', 'worker.properties', 'source.properties', 'sink.properties'];
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_LOG_LEVEL: 'INFO' };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  let command: string;
  let argv: string[];
  if (chain === 'launcher') {
    // This Node is new enough: the launcher runs the worker in its own process.
    env.SLUICE_NODE = process.execPath;
    command = process.execPath;
    argv = [bin, ...args];
  } else if (chain === 'launcher re-executing Node 24') {
    // SLUICE_NODE names another binary than the launcher's: it runs the worker in a child
    // process, as on a system Node older than 22.22.
    const node24 = join(dir, 'node24');
    await symlink(process.execPath, node24);
    env.SLUICE_NODE = node24;
    command = process.execPath;
    argv = [bin, ...args];
  } else {
    // npm runs a package script through a shell, as `npm start` runs scripts/start.sh (which
    // execs the launcher); the script's `node` is the first on PATH, maybe older than 22.22.
    const node24 = join(dir, 'node24');
    await symlink(process.execPath, node24);
    env.SLUICE_NODE = node24;
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'signals-test',
        private: true,
        scripts: { start: `exec node ${JSON.stringify(bin)} ${args.join(' ')}` },
      }),
    );
    command = 'npm';
    argv = ['run', '--silent', 'start'];
  }
  return {
    dir,
    input,
    output,
    port,
    start: () => {
      const child = spawn(command, argv, {
        cwd: dir,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      child.on('exit', () => running.delete(child));
      return child;
    },
  };
}

interface Run {
  child: ChildProcess;
  logs: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(p: Pipeline): Run {
  const child = p.start();
  let text = '';
  child.stdout!.on('data', (c) => (text += String(c)));
  child.stderr!.on('data', (c) => (text += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close': once every process of the chain holding the output pipes has ended.
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, logs: () => text, exited };
}

async function outputLines(p: Pipeline): Promise<string[]> {
  return (await readFile(p.output, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
}

async function bothRunning(p: Pipeline, r: Run): Promise<boolean> {
  if (r.child.exitCode !== null) throw new Error(`the worker exited early:\n${r.logs()}`);
  for (const name of ['source', 'sink']) {
    const res = await fetch(`http://127.0.0.1:${p.port}/connectors/${name}/status`).catch(() => null);
    if (res === null || res.status !== 200) return false;
    const status = (await res.json()) as { tasks: Array<{ state: string }> };
    if (status.tasks[0]?.state !== 'RUNNING') return false;
  }
  return true;
}

/** Sends the signals to the chain's process group, as a terminal does, and checks one graceful stop. */
async function stopWith(r: Run, signals: NodeJS.Signals[], gapMs: number): Promise<void> {
  for (const [i, signal] of signals.entries()) {
    if (i > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    process.kill(-r.child.pid!, signal);
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-r.child.pid!, 'SIGKILL');
    } catch {}
  }, 60_000);
  const { code, signal } = await r.exited;
  clearTimeout(timer);
  const logs = r.logs();
  assert.deepEqual(
    { code, signal },
    { code: 0, signal: null },
    `exit 0 after ${signals.join(', ')}:\n${logs}`,
  );
  assert.equal(logs.match(/Stopping the worker/g)?.length, 1, `"Stopping the worker" once:\n${logs}`);
  assert.match(logs, /Worker stopped/);
}

const cases: Array<{ chain: Chain; signals: NodeJS.Signals[]; gapMs: number }> = [
  { chain: 'launcher', signals: ['SIGINT'], gapMs: 0 },
  { chain: 'launcher', signals: ['SIGINT', 'SIGINT'], gapMs: 0 },
  { chain: 'launcher', signals: ['SIGINT', 'SIGTERM', 'SIGINT'], gapMs: 30 },
  { chain: 'launcher re-executing Node 24', signals: ['SIGINT'], gapMs: 0 },
  { chain: 'launcher re-executing Node 24', signals: ['SIGINT', 'SIGINT'], gapMs: 0 },
  { chain: 'launcher re-executing Node 24', signals: ['SIGTERM', 'SIGINT'], gapMs: 30 },
  { chain: 'npm run', signals: ['SIGINT'], gapMs: 0 },
  { chain: 'npm run', signals: ['SIGINT', 'SIGINT'], gapMs: 50 },
];

describe('SIGINT/SIGTERM to the process group: one graceful stop, offsets flushed, exit 0', () => {
  for (const { chain, signals, gapMs } of cases) {
    test(`${chain}: ${signals.join(', ')}${gapMs > 0 ? ` ${gapMs} ms apart` : ' at once'}`, async () => {
      const p = await pipeline(chain);
      const first = run(p);
      await waitFor('both connectors RUNNING', () => bothRunning(p, first), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await waitFor('every line in the output', async () => (await outputLines(p)).length >= LINES, {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await stopWith(first, signals, gapMs);
      const offsets = await readFile(join(p.dir, 'connect.offsets')).catch(() => Buffer.alloc(0));
      assert.ok(offsets.length > 0, 'the source offsets were flushed');

      // A restart carries on where the stop left off: new lines arrive, none again.
      const second = run(p);
      await waitFor('both connectors RUNNING again', () => bothRunning(p, second), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await appendFile(p.input, Array.from({ length: 10 }, (_, i) => `line ${LINES + i}\n`).join(''));
      await waitFor(
        'the new lines in the output',
        async () => (await outputLines(p)).includes(`line ${LINES + 9}`),
        {
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      await stopWith(second, ['SIGINT'], 0);
      assert.deepEqual(
        await outputLines(p),
        Array.from({ length: LINES + 10 }, (_, i) => `line ${i}`),
        'every line once, in order: nothing re-emitted after the restart',
      );
    });
  }
});
