/**
 * Process and file helpers shared by the real test servers (Kafka, PostgreSQL, MariaDB, OpenSearch): free ports,
 * liveness checks that see through zombies, bounded termination, log tails, the repository root,
 * and a guardian that stops a server when the process that owns it dies.
 */

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, open, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

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

/** What every test server's start options share: who owns it, whether its directory stays, progress. */
export interface ServerOwnerOptions {
  /**
   * Pid of the process that owns the server: when it dies, a guardian stops the server and
   * removes its directory. Leave undefined for a server that must outlive its starter
   * (e.g. `test-servers start`); then only its `stop()` or its `stop…Process` function ends it.
   */
  ownerPid?: number;
  /** Keep the server's directory (data and logs) after stop. Default false. */
  keepDir?: boolean;
  /** Progress messages (to stderr by default; pass () => {} to silence). */
  log?: (message: string) => void;
}

/** A JVM test server (Kafka, OpenSearch) that can be stopped and restarted on the same ports and data. */
export interface RestartableServer {
  /** Pid of the JVM; changes on restart. */
  pid: number;
  /** The server's private directory (config, data, logs), removed by stop() unless keepDir. */
  dir: string;
  version: string;
  /** SIGTERM, up to 30 s for a clean shutdown, then SIGKILL; removes the directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server (SIGTERM, or SIGKILL with `{ kill: true }`), waits `downMs` when given, and
   * starts it again on the same ports with the same data. `pid` changes.
   */
  restart(options?: { kill?: boolean; downMs?: number }): Promise<void>;
}

/** The default progress logger of the test servers: one line to stderr. */
export const defaultLog = (message: string): void => {
  process.stderr.write(`[sluice-testing] ${message}\n`);
};

/** True when this process runs as root (and so may install packages and must drop to a service user). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** A server start that failed; `portClash` when a port picked as free was taken meanwhile. */
export class ServerStartError extends Error {
  readonly portClash: boolean;
  constructor(message: string, portClash: boolean) {
    super(message);
    this.name = 'ServerStartError';
    this.portClash = portClash;
  }
}

/**
 * Runs `attempt` up to three times while it fails with a {@link ServerStartError} whose
 * `portClash` is set (a port picked as free was taken before the server bound it), logging
 * `<what> could not bind <ports> (attempt n), retrying with <new ones>` between tries.
 */
export async function startWithRetries<T>(
  what: string,
  ports: 'its port' | 'its ports',
  log: (message: string) => void,
  attempt: () => Promise<T>,
): Promise<T> {
  let lastError: unknown;
  for (let n = 1; n <= 3; n++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      if (!(err instanceof ServerStartError) || !err.portClash) throw err;
      log(
        `${what} could not bind ${ports} (attempt ${n}), retrying with ${ports === 'its port' ? 'a new one' : 'new ones'}`,
      );
    }
  }
  throw lastError;
}

/** A server process spawned by {@link spawnDetached}. */
export interface DetachedChild {
  pid: number | undefined;
  /** True once the spawned process has exited. */
  exited(): boolean;
}

/**
 * Spawns `command` detached (its own session, outliving this process), stdout and stderr
 * appended to `logFile`, and unreferenced so it does not keep this process alive.
 */
export async function spawnDetached(
  command: string,
  args: string[],
  logFile: string,
): Promise<DetachedChild> {
  const out = await openLog(logFile);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return { pid: child.pid, exited: () => exited };
}

/**
 * Polls `probe` every `intervalMs` until it returns true, for up to `timeoutMs`. Fails with
 * `exitedMessage` as soon as the server process `pid` has exited, and on time-out with the last
 * reason `probe` gave (a string it returned, or the message of what it threw).
 */
export async function waitUntilReady(
  pid: number,
  hasExited: () => boolean,
  timeoutMs: number,
  intervalMs: number,
  exitedMessage: string,
  probe: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited() || !isAlive(pid)) throw new Error(exitedMessage);
    try {
      const answer = await probe();
      if (answer === true) return;
      lastError = answer;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms (${lastError})`);
}

/**
 * Starts the guardian of a server owned by `ownerPid` (when given): it stops the server when the
 * owner dies and removes `dir` unless `keepDir`.
 */
export function guardServer(
  options: { ownerPid?: number; keepDir?: boolean },
  pid: number,
  signal: NodeJS.Signals,
  dir: string,
): void {
  if (options.ownerPid !== undefined)
    startGuardian(options.ownerPid, pid, signal, options.keepDir === true ? '' : dir);
}

/** Stops the server `pid` with `signal` (SIGKILL after `timeoutMs`) and removes `dir` unless `keepDir`. */
export async function stopServer(
  pid: number,
  signal: NodeJS.Signals,
  timeoutMs: number,
  dir: string,
  keepDir: boolean | undefined,
): Promise<void> {
  await terminate(pid, signal, timeoutMs);
  if (keepDir !== true) await removeDir(dir);
}

/**
 * Stops a server started by another process (from its pid and directory, as recorded by
 * `test-servers start`) and removes the directory. The pid is only signalled when its command
 * line names `dir`, so a reused pid is left alone.
 */
export async function stopRecordedServer(
  pid: number,
  dir: string,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (isOurProcess(pid, dir)) await terminate(pid, signal, timeoutMs);
  await removeDir(dir);
}

/** Gives `dir` to the system user `user` (uid and gid from `id`). */
export async function chownToUser(dir: string, user: string): Promise<void> {
  const { stdout: uid } = await execFileAsync('id', ['-u', user]);
  const { stdout: gid } = await execFileAsync('id', ['-g', user]);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
}

/** Runs `command` to check a needed tool is there; fails with `message` and the cause otherwise. */
export async function checkTool(command: string, args: string[], message: string): Promise<void> {
  try {
    await execFileAsync(command, args, { timeout: 60_000 });
  } catch (err) {
    throw new Error(`${message}: ${(err as Error).message}`);
  }
}

/**
 * Runs a long command (up to 20 minutes); on failure throws `<what>: <cause>` followed by the
 * last 4000 characters of its stdout and of its stderr.
 */
export async function runTool(
  command: string,
  args: string[],
  what: string,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  try {
    await execFileAsync(command, args, {
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
      ...(env === undefined ? {} : { env }),
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${what}: ${e.message}\n${(e.stdout ?? '').slice(-4000)}${(e.stderr ?? '').slice(-4000)}`,
    );
  }
}

/**
 * Runs `fn` holding `<cache>/<name>.lock`, a lock directory, from synchronous code (test helpers
 * run at module load): waits up to 15 minutes for another process to release it.
 */
export function withCacheLockSync<T>(name: string, fn: () => T): T {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, `${name}.lock`);
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${lock} is held for more than 15 minutes; remove it if no test runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Spawns a server with {@link spawnDetached}, puts it under a guardian ({@link guardServer}) and
 * waits with `waitReady`. When it does not become ready it is killed and `failure(err)` is thrown
 * (the caller adds its log tails and says whether a port clashed). Returns the server's pid.
 */
export async function spawnGuarded(
  command: string,
  args: string[],
  logFile: string,
  guard: { options: { ownerPid?: number; keepDir?: boolean }; signal: NodeJS.Signals; dir: string },
  spawnError: string,
  waitReady: (pid: number, hasExited: () => boolean) => Promise<void>,
  failure: (err: Error) => Promise<Error>,
): Promise<number> {
  const child = await spawnDetached(command, args, logFile);
  const pid = child.pid;
  if (pid === undefined) throw new Error(spawnError);
  guardServer(guard.options, pid, guard.signal, guard.dir);
  try {
    await waitReady(pid, child.exited);
  } catch (err) {
    await terminate(pid, 'SIGKILL', 5_000);
    throw await failure(err as Error);
  }
  return pid;
}
