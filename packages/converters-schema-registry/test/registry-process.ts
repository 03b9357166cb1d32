import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Sluice's registry in a process of its own (`sluice-registry`, in memory), for tests over real HTTP. */
export async function startRegistryProcess(): Promise<{
  url: string;
  child: ChildProcess;
  stop: () => void;
}> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=sluice-source',
      join(root, 'packages/schema-registry/bin/sluice-registry.ts'),
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const url = chunk.toString('utf8').trim();
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`sluice-registry printed ${url}`);
  return { url, child, stop: () => child.kill('SIGTERM') };
}
