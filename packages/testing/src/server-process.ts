/**
 * Process and file helpers shared by the real test servers (Kafka, PostgreSQL): free ports,
 * liveness checks that see through zombies, bounded termination, log tails, the repository root,
 * and a guardian that stops a server when the process that owns it dies.
 */

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this module whose package.json declares workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The ignored cache directory of the repository (`<root>/.cache`). */
export function cacheDir(): string {
  return join(repoRoot(), '.cache');
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not pick a free port'));
      });
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * True while `pid` is a running process. A zombie (exited, not yet reaped: this machine's init
 * does not reap orphans) counts as dead.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // vanished between the two checks, or no /proc: kill(0) said alive
  }
}

/** The command line of `pid` joined by spaces, or undefined when it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` is alive and its command line contains `marker` (a path unique to one server
 * instance), so a stale pid reused by an unrelated process is never signalled.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined ? true : cmd.includes(marker);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `pid` is dead, up to `timeoutMs`. Resolves true when it died. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Sends `signal` to `pid`, waits up to `timeoutMs` for it to exit, then sends SIGKILL and waits
 * a little more. Does nothing when the process is already gone.
 */
export async function terminate(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitForExit(pid, timeoutMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitForExit(pid, 10_000);
}

/** The last `lines` lines of a text file, or a note when it cannot be read. */
export async function tailFile(path: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch (err) {
    return `(no ${path}: ${(err as Error).message})`;
  }
}

/** Opens `path` for appending and returns its descriptor, to hand to a child's stdio. */
export async function openLog(path: string): Promise<{ fd: number; close(): Promise<void> }> {
  const handle = await open(path, 'a');
  return { fd: handle.fd, close: () => handle.close() };
}

/** Removes a directory tree, ignoring errors. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
}

const GUARDIAN_SCRIPT = `
owner=$1; pid=$2; sig=$3; dir=$4
alive() {
  s=$(sed -n 's/^.*) \\(.\\).*$/\\1/p' "/proc/$1/stat" 2>/dev/null)
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
while alive "$owner"; do alive "$pid" || exit 0; sleep 1; done
if alive "$pid"; then
  kill -s "$sig" "$pid" 2>/dev/null
  i=0
  while alive "$pid" && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
  alive "$pid" && kill -s KILL "$pid" 2>/dev/null
fi
[ -n "$dir" ] && rm -rf "$dir"
`;

/**
 * Starts a small detached shell that watches `ownerPid`: when the owner dies (normally or not),
 * it sends `signal` to the server `pid`, escalates to SIGKILL after 30 s, and removes `dir`
 * (pass '' to keep it). When the server stops first (an explicit stop, or a crash whose log
 * the owner still wants to read) the guardian just ends, leaving the directory alone.
 */
export function startGuardian(ownerPid: number, pid: number, signal: NodeJS.Signals, dir: string): void {
  const child = spawn(
    'sh',
    [
      '-c',
      GUARDIAN_SCRIPT,
      'sluice-test-server-guardian',
      String(ownerPid),
      String(pid),
      signal.replace(/^SIG/, ''),
      dir,
    ],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
}

/** An exclusive lock file holding the owner's pid; stale locks (dead owner) are broken. */
export async function acquireLock(
  path: string,
  log: (message: string) => void,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    const emptyAndOld =
      !Number.isInteger(owner) &&
      Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) > 10_000;
    if ((Number.isInteger(owner) && owner > 0 && !isAlive(owner)) || emptyAndOld) {
      log(`breaking stale lock ${path} of dead process ${owner}`);
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${path} (held by pid ${owner})`);
    if (!announced) {
      log(`waiting for process ${owner}, which holds ${path}`);
      announced = true;
    }
    await sleep(500);
  }
}
