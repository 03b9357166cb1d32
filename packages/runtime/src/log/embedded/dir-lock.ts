/**
 * The embedded log's directory lock: one process owns a log directory. The lock is the file
 * `<dir>/.lock` holding the owner's pid, created atomically (written under a temporary name,
 * then hard-linked into place, so it is never seen half-written).
 *
 * A lock left by a process that is gone (after `kill -9` or a power cut) is taken over. Within
 * one process a directory can be open once: a second open fails too. The pid test cannot see
 * processes on other hosts: do not share one directory between machines.
 */

import { randomBytes } from 'node:crypto';
import { link, open, readFile, realpath, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectError } from '@sluice/api';

export const LOCK_FILE = '.lock';

/** Directories (real paths) this process holds, so a lock naming our own pid is told apart. */
const heldHere = new Set<string>();

export interface DirLock {
  readonly path: string;
  /** Removes the lock file. Idempotent. */
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' && Number.isInteger(parsed.pid)
      ? (parsed as LockContent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `path` with `content`, failing with EEXIST when it exists. */
async function createExclusive(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw err;
    // No hard links on this file system: an exclusive create is the next best thing.
    const direct = await open(path, 'wx');
    try {
      await direct.writeFile(content);
    } finally {
      await direct.close();
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Takes the lock of directory `dir` (an absolute path). Throws a ConnectError naming the
 * directory and the owning process when another live process, or this one, holds it.
 */
export async function lockDirectory(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  // The real path: one directory reached through a symbolic link is still one directory.
  const key = await realpath(dir);
  if (heldHere.has(key)) {
    throw new ConnectError(
      `The embedded log directory ${dir} is already open in this process (pid ${process.pid})`,
    );
  }
  heldHere.add(key);
  const content = JSON.stringify({
    pid: process.pid,
    startedAt: new Date().toISOString(),
  } satisfies LockContent);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await createExclusive(path, content);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      // A lock naming this pid is stale: this process does not hold the directory (checked
      // above), so an earlier process with the same pid left it (common in containers).
      if (owner !== undefined && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new ConnectError(
          `The embedded log directory ${dir} is in use by process ${owner.pid} (lock file ${path}). ` +
            'Stop that process, or point this worker at another directory; remove the lock file only if no process uses the directory.',
        );
      }
      if (attempt >= 2) {
        throw new ConnectError(
          `Could not take the lock of the embedded log directory ${dir} (lock file ${path})`,
        );
      }
      // Stale: left by a process that has gone. Take it over.
      await rm(path, { force: true });
    }
  } catch (err) {
    heldHere.delete(key);
    throw err;
  }
  let released = false;
  return {
    path,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      try {
        await unlink(path);
      } catch {
        // already gone
      } finally {
        heldHere.delete(key);
      }
    },
  };
}
