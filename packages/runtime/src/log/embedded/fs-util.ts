/** Small file-system helpers of the embedded log. */

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes a directory's entries (files created, renamed or removed in it) durable. Some platforms
 * and file systems cannot fsync a directory (Windows); there the call does nothing.
 */
export async function syncDir(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') {
      throw err;
    }
  } finally {
    await handle?.close();
  }
}

/**
 * Replaces a file atomically: writes a temporary file beside it, optionally fsyncs it, renames
 * it over the target and (when durable) fsyncs the directory. A crash leaves either the old or
 * the new content, never a mix; a leftover `*.tmp-*` file is removed by the next open.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, durable: boolean): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await open(tmp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await syncDir(dirname(path));
}

/** True for names that {@link writeFileAtomic} leaves behind when interrupted. */
export function isTempFileName(name: string): boolean {
  return /\.tmp-[0-9a-f]{12}$/.test(name);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
