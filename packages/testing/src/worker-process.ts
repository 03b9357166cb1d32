/**
 * A `sluice standalone|distributed` worker run as a child process, the way a user runs it: its
 * REST URL read from the start-up line, its output kept for assertions and failure messages, and
 * bounded ways to end it (`kill -9`, or SIGTERM with a SIGKILL fallback). Every worker still
 * running when the test process exits is killed, so a failed test leaves no worker behind.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from './server-process.ts';

/** How a {@link WorkerProcess} is started. */
export interface WorkerProcessOptions {
  /** `distributed` (the default) or `standalone`. */
  mode?: 'distributed' | 'standalone';
  /** Arguments after the worker properties file (a standalone worker's connector files). */
  args?: string[];
  /** Environment added to this process's own (`SLUICE_NODE` is set to this Node). */
  env?: Record<string, string>;
  /** Options for Node before the script, e.g. `--max-old-space-size=256`. */
  nodeArgs?: string[];
  /** `SLUICE_LOG_LEVEL` of the worker (e.g. `WARN`: no start-up line, so `url` never resolves). */
  logLevel?: string;
  /** `SLUICE_LOG_FORMAT` of the worker (`text` or `json`). */
  logFormat?: 'text' | 'json';
  /** Standard input: ignored unless `'pipe'`. */
  stdin?: 'ignore' | 'pipe';
}

/** The line a worker prints once its REST server listens: `... started[ in group G]; REST API at URL`. */
const STARTED = / started(?: in group \S+)?; REST API at (https?:\/\/[^\s,;"]+)/;
const LEADER = /Finished rebalance: generation \d+, leader (\S+?)[, ]/g;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills (SIGKILL, synchronously) every worker still running; for `process.on('exit')`. */
function killLiveSync(): void {
  for (const child of live) {
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The `sluice` command-line script of this repository. */
export function sluiceBin(): string {
  return join(repoRoot(), 'packages', 'cli', 'bin', 'sluice.mjs');
}

export class WorkerProcess {
  readonly child: ChildProcess;
  /** The REST URL (no trailing slash), once the start-up line is printed; rejects if it exits first. */
  readonly url: Promise<string>;
  readonly mode: 'distributed' | 'standalone';
  #text = '';
  /** Settles once the process has exited and its output is read to the end. */
  readonly #closed: Promise<unknown>;

  /**
   * Kills every worker of this process that is still running (SIGKILL, after SIGCONT for a frozen
   * one) and waits for them to exit: for a test file's `after` hook.
   */
  static async killAll(): Promise<void> {
    const all = [...live];
    for (const child of all) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await Promise.all(all.map((c) => (exited(c) ? undefined : once(c, 'exit'))));
  }

  /** `sluice standalone <worker.properties> <connector files...>`. */
  static standalone(
    [props, ...connectors]: string[],
    options: Omit<WorkerProcessOptions, 'mode' | 'args'> = {},
  ): WorkerProcess {
    if (props === undefined) throw new Error('sluice standalone needs a worker properties file');
    return new WorkerProcess(props, { ...options, mode: 'standalone', args: connectors });
  }

  constructor(props: string, options: WorkerProcessOptions = {}) {
    this.mode = options.mode ?? 'distributed';
    this.child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), sluiceBin(), this.mode, props, ...(options.args ?? [])],
      {
        env: {
          ...process.env,
          SLUICE_NODE: process.execPath,
          ...(options.logLevel === undefined ? {} : { SLUICE_LOG_LEVEL: options.logLevel }),
          ...(options.logFormat === undefined ? {} : { SLUICE_LOG_FORMAT: options.logFormat }),
          ...options.env,
        },
        stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      },
    );
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', killLiveSync);
    }
    this.#closed = once(this.child, 'close').catch(() => undefined);
    live.add(this.child);
    this.child.once('exit', () => live.delete(this.child));
    let resolveUrl: (u: string) => void;
    this.url = new Promise<string>((resolve, reject) => {
      resolveUrl = resolve;
      this.child.once('exit', (code, signal) =>
        reject(
          new Error(
            `sluice ${this.mode} exited (${code ?? signal}) before it printed its REST URL:\n${this.#text.slice(-4000)}`,
          ),
        ),
      );
      this.child.once('error', reject);
    });
    this.url.catch(() => {});
    const onData = (chunk: Buffer): void => {
      this.#text += chunk.toString();
      const m = STARTED.exec(this.#text);
      if (m) resolveUrl(m[1]!.replace(/\/$/, ''));
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  /** Everything the worker printed so far (stdout and stderr, interleaved as received). */
  output(): string {
    return this.#text;
  }

  /** The last `chars` characters the worker printed (for a failure message). */
  outputTail(chars = 4000): string {
    return this.#text.slice(-chars);
  }

  /** The leader URL of the latest rebalance this (distributed) worker finished. */
  lastLeaderUrl(): string | undefined {
    return [...this.#text.matchAll(LEADER)].at(-1)?.[1];
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return !exited(this.child);
  }

  /** Resolves when the process has exited (its output read to the end), with its code or signal. */
  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.#closed;
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  /** `kill -9`, and waits for the exit. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exit();
  }

  /** Freezes the process (SIGSTOP) until {@link thaw}. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** Resumes a frozen process (SIGCONT). */
  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /**
   * A graceful stop: SIGTERM (after SIGCONT, in case it is frozen), then SIGKILL if it has not
   * exited within `graceMs`. Resolves once it has exited.
   */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.exit();
    } finally {
      clearTimeout(timer);
    }
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
