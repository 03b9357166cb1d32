// Preloaded into a worker (`node --import <this file>`) by sink-memory.ts / source-memory.ts
// --trace: every SLUICE_MEM_SAMPLE_MS (default 100) ms appends one JSON line of
// process.memoryUsage() (bytes), the sizes of V8's new and old spaces, the GC counts so far
// (scavenges, mark-compacts; from a PerformanceObserver) and the time to the file named by
// SLUICE_MEM_TRACE. Written synchronously so the last samples are there however the worker ends.
// Not used by the worker otherwise.
import { appendFileSync } from 'node:fs';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const file = process.env.SLUICE_MEM_TRACE;
if (file !== undefined && file !== '') {
  const every = Number(process.env.SLUICE_MEM_SAMPLE_MS ?? '100') || 100;
  const t0 = performance.now();
  const gc = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor++;
        gc.minorMs += e.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major++;
        gc.majorMs += e.duration;
      }
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const spaces: Record<string, number> = {};
    for (const s of v8.getHeapSpaceStatistics()) {
      if (
        s.space_name === 'new_space' ||
        s.space_name === 'old_space' ||
        s.space_name === 'large_object_space'
      )
        spaces[s.space_name] = s.space_size;
    }
    appendFileSync(
      file,
      `${JSON.stringify({ t: Math.round(performance.now() - t0), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, newSpace: spaces.new_space ?? 0, oldSpace: spaces.old_space ?? 0, loSpace: spaces.large_object_space ?? 0, ...gc })}\n`,
    );
  }, every);
  timer.unref();
}
