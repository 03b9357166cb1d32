// Child processes of the drivers (a worker, a peer, a tool, each with its output in a log file)
// and what /proc says about processes and the machine: peak RSS, CPU seconds, children.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/** A child process started by startProc(). */
export interface Proc {
  child: ChildProcess;
  pid: number;
  /** Its stdout and stderr. */
  logFile: string;
  /** performance.now() right before the spawn. */
  spawnedAt: number;
  /** Set when it has exited (before `exit` resolves). */
  exited: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Truncated, then receives the process's stdout and stderr. */
  logFile: string;
  /** Echo `$ cmd args` to stderr first (default true). */
  echo?: boolean;
}

/** Spawns `cmd` with stdin closed and stdout and stderr into `logFile`. */
export function startProc(cmd: string, args: string[], options: StartOptions): Proc {
  if (options.echo !== false) console.error(`$ ${cmd} ${args.join(' ')}`);
  const fd = openSync(options.logFile, 'w');
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  const proc: Proc = {
    child,
    pid: child.pid,
    logFile: options.logFile,
    spawnedAt,
    exited: false,
    exit: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exited = true;
        resolve({ code, signal });
      });
    }),
  };
  return proc;
}

/** SIGTERM, up to 60 s for a graceful stop, then SIGKILL. `graceful`: it was not SIGKILLed. */
export async function stopProc(
  p: Proc,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; graceful: boolean }> {
  if (!p.exited) p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!p.exited) p.child.kill('SIGKILL');
  }, 60_000);
  const r = await p.exit;
  clearTimeout(timer);
  return { ...r, graceful: r.signal !== 'SIGKILL' };
}

/** A file's text; '' when it cannot be read (not there yet). */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The last `lines` lines of a log file, or `(no log)`. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A `kB` field of /proc/<pid>/status (`VmHWM`, `VmRSS`, ...); undefined when the process is gone. */
export function procStatusKb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Pids of the direct children of a process (all its threads). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // process gone
  }
  return out;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system) a process has used so far, in seconds; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU time all processes of the machine have used so far (non-idle time of /proc/stat), in seconds; NaN off Linux. */
export function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    const busy =
      (cpu[0] ?? 0) + (cpu[1] ?? 0) + (cpu[2] ?? 0) + (cpu[5] ?? 0) + (cpu[6] ?? 0) + (cpu[7] ?? 0);
    return busy / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}
