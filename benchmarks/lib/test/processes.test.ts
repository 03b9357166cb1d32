import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  childrenOf,
  cpuSeconds,
  machineBusySeconds,
  procStatusKb,
  readText,
  startProc,
  stopProc,
  tail,
} from '../processes.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'bench-procs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('startProc: output into the log file, cwd and env as given; exit is reported', async () => {
  const logFile = path.join(dir, 'echo.log');
  const p = startProc('sh', ['-c', 'pwd; echo "$BENCH_TEST"; echo err >&2; exit 3'], {
    cwd: dir,
    env: { ...process.env, BENCH_TEST: 'from env' },
    logFile,
    echo: false,
  });
  assert.ok(p.pid > 0);
  assert.ok(p.spawnedAt <= performance.now());
  assert.deepEqual(await p.exit, { code: 3, signal: null });
  assert.equal(p.exited, true);
  assert.equal(readFileSync(logFile, 'utf8'), `${dir}\nfrom env\nerr\n`);
  assert.equal(tail(logFile, 2), 'err\n');
  assert.equal(readText(logFile).split('\n')[1], 'from env');
});

test('stopProc: SIGTERM stops a process gracefully; a stopped one stays stopped', async () => {
  const p = startProc('sleep', ['30'], {
    cwd: dir,
    env: process.env,
    logFile: path.join(dir, 's.log'),
    echo: false,
  });
  assert.equal(p.exited, false);
  // A live process: its RSS, its CPU time, and the shell-less child has no children.
  assert.ok((procStatusKb(p.pid, 'VmRSS') ?? 0) > 0);
  assert.ok(cpuSeconds(p.pid) >= 0);
  assert.deepEqual(childrenOf(p.pid), []);
  assert.ok(childrenOf(process.pid).includes(p.pid));
  const r = await stopProc(p);
  assert.deepEqual(r, { code: null, signal: 'SIGTERM', graceful: true });
  assert.deepEqual(await stopProc(p), r);
  // Gone: nothing to read.
  assert.equal(procStatusKb(p.pid, 'VmRSS'), undefined);
  assert.ok(Number.isNaN(cpuSeconds(p.pid)));
  assert.deepEqual(childrenOf(p.pid), []);
});

test('this process: peak RSS; CPU seconds agree with process.cpuUsage(); the machine was busy as long', () => {
  const rss = procStatusKb(process.pid, 'VmRSS');
  const hwm = procStatusKb(process.pid, 'VmHWM');
  assert.ok(rss !== undefined && rss > 0);
  assert.ok(hwm !== undefined && hwm >= rss, `VmHWM ${hwm} kB, VmRSS ${rss} kB`);
  assert.equal(procStatusKb(process.pid, 'NoSuchField'), undefined);
  const cpu0 = cpuSeconds(process.pid);
  const busy0 = machineBusySeconds();
  const usage0 = process.cpuUsage();
  const used = () => {
    const u = process.cpuUsage(usage0);
    return (u.user + u.system) / 1e6;
  };
  let x = 0;
  while (used() < 0.3) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  // /proc counts in ticks of 10 ms: within a few ticks of what Node says this process used.
  const delta = cpuSeconds(process.pid) - cpu0;
  assert.ok(Math.abs(delta - used()) < 0.1, `/proc says ${delta} s, Node ${used()} s`);
  assert.ok(machineBusySeconds() - busy0 >= delta - 0.05);
});

test('missing files: tail says so, readText is empty', () => {
  assert.equal(tail(path.join(dir, 'none.log')), '(no log)');
  assert.equal(readText(path.join(dir, 'none.log')), '');
});
