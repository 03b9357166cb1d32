// Loaded with `node --expose-gc --import <this file>` by run.ts. It only waits for SIGUSR2, then
// forces a full GC and writes process.memoryUsage() (and the new space's size) as JSON to the file
// named by SLUICE_IDLE_PROBE_FILE. Plain JavaScript, so it loads nothing but node:fs and node:v8.
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.SLUICE_IDLE_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), newSpace }));
  });
}
