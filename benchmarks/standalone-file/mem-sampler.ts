// Preloaded into a worker (`node --import <this file>`) by sink-memory.ts --trace: every
// SLUICE_MEM_SAMPLE_MS (default 100) ms appends one JSON line of process.memoryUsage() (bytes) and
// the time to the file named by SLUICE_MEM_TRACE. Written synchronously so the last samples are
// there however the worker ends. Not used by the worker otherwise.
import { appendFileSync } from 'node:fs';

const file = process.env.SLUICE_MEM_TRACE;
if (file !== undefined && file !== '') {
  const every = Number(process.env.SLUICE_MEM_SAMPLE_MS ?? '100') || 100;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ t: Math.round(performance.now() - t0), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`,
    );
  }, every);
  timer.unref();
}
