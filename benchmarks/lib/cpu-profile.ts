// Self time per function of a V8 .cpuprofile (what `node --cpu-prof` writes), for the drivers'
// --profile summaries.
import { readFileSync } from 'node:fs';
import { root } from './bench-util.ts';

export interface SelfTime {
  /** `<function> <file relative to the repository>:<line>`, or the function alone (`(idle)`, ...). */
  key: string;
  functionName: string;
  /** The script's path relative to the repository root ('' for none, `node:...` for Node's own). */
  shortUrl: string;
  /** Self time in microseconds. */
  us: number;
}

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * Self time per function of a profile: every sample's time delta goes to the function it was
 * taken in. One entry per key, in the order the keys were first sampled; `(idle)`, `(program)`
 * and `(garbage collector)` are entries too.
 */
export function profileSelfTimes(file: string): SelfTime[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: CpuNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const byKey = new Map<string, SelfTime>();
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const node = byId.get(prof.samples[i]!);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const shortUrl = url.replace(/^file:\/\//, '').replace(`${root}/`, '');
    const key = `${functionName || '(anonymous)'}${shortUrl === '' ? '' : ` ${shortUrl}:${lineNumber + 1}`}`;
    const entry = byKey.get(key);
    if (entry === undefined) byKey.set(key, { key, functionName, shortUrl, us: dt });
    else entry.us += dt;
  }
  return [...byKey.values()];
}
