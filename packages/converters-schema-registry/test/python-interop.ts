/**
 * The set-up the Python interop tests share: a venv with Confluent's Python client (installed
 * from PyPI into .cache/ once) and Sluice's registry in a process of its own, started before the
 * file's tests and stopped after them; `runPython` runs one job of a script in test/python/.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensurePythonVenv, type Json } from '@sluice/testing';
import { startRegistryProcess } from './registry-process.ts';

const here = dirname(fileURLToPath(import.meta.url));

export type { Json };

export interface PythonInterop {
  /** The registry's URL (set once the file's `before` has run). */
  readonly url: string;
  /** Runs `script` with `{ url, ...job }` on stdin; answers its JSON output. */
  runPython(job: Record<string, unknown>): Json;
}

export function usePythonInterop(opts: {
  readonly venv: string;
  readonly requirements: readonly string[];
  /** The script under test/python/. */
  readonly script: string;
  readonly timeoutMs: number;
  /** Runs in the same `before`, once the registry is up (a file's own checks of it). */
  readonly ready?: (url: string) => void;
}): PythonInterop {
  let python = '';
  let url = '';
  let stopRegistry: (() => void) | undefined;
  before(async () => {
    python = ensurePythonVenv(opts.venv, opts.requirements);
    ({ url, stop: stopRegistry } = await startRegistryProcess());
    opts.ready?.(url);
  });
  after(() => {
    stopRegistry?.();
  });
  return {
    get url() {
      return url;
    },
    runPython(job) {
      return JSON.parse(
        execFileSync(python, [join(here, 'python', opts.script)], {
          input: JSON.stringify({ url, ...job }),
          encoding: 'utf8',
          timeout: opts.timeoutMs,
        }),
      );
    },
  };
}
