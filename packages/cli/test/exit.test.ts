/**
 * A stopped worker process exits although a plugin left work on Node's event loop: a task that
 * starts an interval and never clears it, and one whose poll() never returns, so that its graceful
 * stop is abandoned after `task.shutdown.graceful.timeout.ms`. Without the explicit exit, Node
 * would wait for an empty event loop and `sluice standalone` would run on after SIGTERM/SIGINT.
 * The worker runs from the `sluice` launcher, as a user starts it; a signal-requested stop exits 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@sluice/testing';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/bin/sluice.mjs');

const PLUGIN = `
import { ConfigDef, SourceConnector, SourceTask } from '@sluice/api';

export class LingeringTask extends SourceTask {
  #hang = false;
  version() { return '1.0.0'; }
  start(props) {
    this.#hang = props['hang.poll'] === 'true';
    // Left running on purpose: stop() never clears it.
    setInterval(() => {}, 1_000);
  }
  async poll() {
    // A poll that never returns (a pending promise alone does not keep Node running).
    if (this.#hang) return new Promise(() => {});
    await new Promise((r) => setTimeout(r, 100));
    return null;
  }
  stop() {}
}

export class LingeringSourceConnector extends SourceConnector {
  static javaClass = 'com.example.LingeringSourceConnector';
  #props = {};
  version() { return '1.0.0'; }
  start(props) { this.#props = props; }
  taskClass() { return LingeringTask; }
  taskConfigs() { return [this.#props]; }
  stop() {}
  config() { return new ConfigDef(); }
}

export const sluicePlugins = [{ type: 'source', plugin: LingeringSourceConnector }];
`;

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

async function worker(hangPoll: boolean, reexec: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-exit-'));
  dirs.push(dir);
  const pkg = join(dir, 'plugins', 'lingering-connector');
  await mkdir(pkg, { recursive: true });
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'lingering-connector', version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  await writeFile(join(pkg, 'index.js'), PLUGIN);
  const port = await freePort();
  await writeFile(
    join(dir, 'worker.properties'),
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      `plugin.path=${join(dir, 'plugins')}`,
      'task.shutdown.graceful.timeout.ms=1000',
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'lingering.properties'),
    `name=lingering\nconnector.class=com.example.LingeringSourceConnector\ntopic=t\nhang.poll=${hangPoll}\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_LOG_LEVEL: 'INFO', SLUICE_NODE: process.execPath };
  if (reexec) {
    // Another binary than the launcher's: the worker runs in a child process (a Node older than 22.22).
    env.SLUICE_NODE = join(dir, 'node24');
    await symlink(process.execPath, env.SLUICE_NODE);
  }
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [bin, 'standalone', 'worker.properties', 'lingering.properties'], {
    cwd: dir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let logs = '';
  child.stdout!.on('data', (c) => (logs += String(c)));
  child.stderr!.on('data', (c) => (logs += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  await waitFor(
    'the lingering task RUNNING',
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited early:\n${logs}`);
      const res = await fetch(`http://127.0.0.1:${port}/connectors/lingering/status`).catch(() => null);
      if (res === null || res.status !== 200) return false;
      const status = (await res.json()) as { tasks: Array<{ state: string }> };
      return status.tasks[0]?.state === 'RUNNING';
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return { child, exited, logs: () => logs };
}

describe('a stopped worker exits whatever its plugins left on the event loop', () => {
  for (const { name, hang, reexec, signal } of [
    {
      name: 'a task that leaves an interval running after stop',
      hang: false,
      reexec: false,
      signal: 'SIGTERM',
    },
    {
      name: 'a task whose graceful stop is abandoned (poll never returns)',
      hang: true,
      reexec: false,
      signal: 'SIGINT',
    },
    {
      name: 'launcher re-executing Node 24, a task that leaves an interval running',
      hang: false,
      reexec: true,
      signal: 'SIGINT',
    },
  ] as const) {
    test(`${name}: ${signal} → exit 0 within seconds`, async () => {
      const w = await worker(hang, reexec);
      const sent = Date.now();
      process.kill(-w.child.pid!, signal);
      // Long enough for the graceful stop (1 s here) and the exit grace; far shorter than forever.
      const limit = setTimeout(() => {
        try {
          process.kill(-w.child.pid!, 'SIGKILL');
        } catch {}
      }, 20_000);
      const { code, signal: killedBy } = await w.exited;
      clearTimeout(limit);
      const logs = w.logs();
      assert.deepEqual(
        { code, signal: killedBy },
        { code: 0, signal: null },
        `exit 0 after ${signal}:\n${logs}`,
      );
      assert.match(logs, /Worker stopped/);
      assert.ok(Date.now() - sent < 15_000, `exited ${Date.now() - sent} ms after ${signal}`);
    });
  }
});
