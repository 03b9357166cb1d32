import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { root } from '../bench-util.ts';
import { profileSelfTimes } from '../cpu-profile.ts';

test('self time per function: each sample’s delta (the next timeDeltas entry) to its function', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-prof-'));
  try {
    const file = path.join(dir, 'x.cpuprofile');
    const frame = (functionName: string, url: string, lineNumber: number) => ({
      functionName,
      url,
      lineNumber,
    });
    writeFileSync(
      file,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: frame('(root)', '', -1) },
          { id: 2, callFrame: frame('(idle)', '', -1) },
          { id: 3, callFrame: frame('poll', `file://${root}/packages/runtime/src/a.ts`, 9) },
          { id: 4, callFrame: frame('', 'node:internal/x', 0) },
          // Another node of the same function: one entry.
          { id: 5, callFrame: frame('poll', `file://${root}/packages/runtime/src/a.ts`, 9) },
        ],
        samples: [3, 2, 4, 5, 99, 3],
        timeDeltas: [0, 100, 200, 300, 400, 500, 600],
      }),
    );
    assert.deepEqual(profileSelfTimes(file), [
      {
        key: 'poll packages/runtime/src/a.ts:10',
        functionName: 'poll',
        shortUrl: 'packages/runtime/src/a.ts',
        us: 100 + 400 + 600,
      },
      { key: '(idle)', functionName: '(idle)', shortUrl: '', us: 200 },
      { key: '(anonymous) node:internal/x:1', functionName: '', shortUrl: 'node:internal/x', us: 300 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
