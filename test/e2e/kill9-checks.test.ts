/**
 * The sink-side check of the kill -9 pipeline test, fed the shape of a run where it once blamed a
 * re-delivery on the wrong kill ("the sink re-delivered from offset 8200, before the offset 34850
 * committed before the kill", at machine load ~18), and runs where the sink really re-delivered
 * what it must not.
 *
 * The shape: the sink's worker is killed with offset 8200 committed and 400 records written past
 * it; the task's successor starts only once the dead consumer's session expires (~45 s) and
 * re-delivers from 8200, catching up to 35000 and committing 34850 within a second; the test's
 * next round starts as soon as the successor runs and kills its worker 1.3 s later. The file
 * sampler of the test process, starved for 1.65 s, first saw the re-delivered lines after that
 * second kill, so timing them blamed the second kill (and its committed offset 34850).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogRecord } from '@sluice/runtime';
import { checkSinkDuplicates, type Kill } from './kill9-checks.ts';

const T0 = 1_000_000;
const TOPIC_RECORDS = 40_000;

const records: LogRecord[] = Array.from({ length: TOPIC_RECORDS }, (_, offset) => ({
  topic: 'numbers',
  partition: 0,
  offset,
  timestamp: T0 + offset * 2,
  timestampType: 'CreateTime',
  key: null,
  value: Buffer.from(String(offset)),
  headers: [],
  leaderEpoch: -1,
}));

/** Records `from` (inclusive) to `to` (exclusive) written to the sink file from `at`, `perMs` a millisecond. */
interface Run {
  from: number;
  to: number;
  at: number;
  perMs: number;
}

/** The sink file of `runs` and its growth as a 100 ms sampler saw it, blind from `stall[0]` to `stall[1]`. */
function sinkFile(runs: Run[], stall: [number, number] = [0, 0]) {
  const lines: string[] = [];
  const written: number[] = [];
  for (const r of runs) {
    for (let o = r.from; o < r.to; o++) {
      lines.push(String(o));
      written.push(r.at + Math.floor((o - r.from) / r.perMs));
    }
  }
  const ends: number[] = [];
  let bytes = 0;
  for (const line of lines) {
    bytes += line.length + 1;
    ends.push(bytes);
  }
  const growth: Array<{ at: number; size: number }> = [];
  let n = 0;
  for (let at = T0; at <= written.at(-1)! + 100; at += 100) {
    if (at > stall[0] && at < stall[1]) continue;
    while (n < lines.length && written[n]! <= at) n++;
    const size = n === 0 ? 0 : ends[n - 1]!;
    if (size > (growth.at(-1)?.size ?? 0)) growth.push({ at, size });
  }
  return { lines, growth };
}

const A = '127.0.0.1:1001';
const B = '127.0.0.1:1002';
const C = '127.0.0.1:1003';

/** Kill 0: the source's worker (the sink runs elsewhere); kill 1: the sink's; kill 2: both tasks'. */
function kills(secondCommitted = 34_850, secondLines = 35_400): Kill[] {
  return [
    { victim: A, sourceOwner: A, sinkOwner: B, sinkCommitted: 2_600, sinkLines: 2_650, at: T0 + 5_000 },
    { victim: B, sourceOwner: C, sinkOwner: B, sinkCommitted: 8_200, sinkLines: 8_600, at: T0 + 17_500 },
    {
      victim: C,
      sourceOwner: C,
      sinkOwner: C,
      sinkCommitted: secondCommitted,
      sinkLines: secondLines,
      at: T0 + 65_300,
    },
  ];
}

/** Before kill 1 (500 records a second), the successor's catch-up, then the next successor's. */
const afterKill1: Run = { from: 8_200, to: 35_000, at: T0 + 64_000, perMs: 50 };
const afterKill2: Run = { from: 34_850, to: TOPIC_RECORDS, at: T0 + 112_000, perMs: 5 };
const beforeKill1: Run = { from: 0, to: 8_600, at: T0, perMs: 0.5 };

describe('kill -9 pipeline: sink re-deliveries', () => {
  test('a re-delivery first seen after the next kill is still the earlier kill’s (the failed run’s shape)', () => {
    const { lines, growth } = sinkFile([beforeKill1, afterKill1, afterKill2], [T0 + 63_950, T0 + 65_600]);
    // The sampler saw the first re-delivered line only after the second kill: what timing blamed.
    assert.ok(growth.find((g) => g.size > 8_600 * 5)!.at > T0 + 65_300);
    assert.deepEqual(checkSinkDuplicates(lines, records, growth, kills()), [
      { kill: 1, duplicates: 400 },
      { kill: 2, duplicates: 150 },
    ]);
  });

  test('a successor that resumes before the offset committed when its worker died fails', () => {
    // After kill 2 the task goes back to 8200, though 34850 was committed (a stale seek or an
    // older commit landing last).
    const stale: Run = { from: 8_200, to: TOPIC_RECORDS, at: T0 + 112_000, perMs: 5 };
    const { lines, growth } = sinkFile([beforeKill1, afterKill1, stale]);
    assert.throws(
      () => checkSinkDuplicates(lines, records, growth, kills()),
      /the sink re-delivered from offset 8200, before the offset 34850 its group had committed when its worker was killed/,
    );
  });

  test('a re-delivery where no kill of the sink’s worker left the file fails', () => {
    // The sink rewinds in the middle of the successor's run (no kill there).
    const first: Run = { ...afterKill1, to: 20_000 };
    const rewind: Run = { from: 19_500, to: 35_000, at: T0 + 64_400, perMs: 50 };
    const { lines, growth } = sinkFile([beforeKill1, first, rewind, afterKill2]);
    assert.throws(
      () => checkSinkDuplicates(lines, records, growth, kills(34_850, 35_900)),
      /sink re-delivery of records 19500\.\.19999 at file line 20400, which is not where a kill of its worker left the file/,
    );
  });

  test('a re-delivery after a kill of a worker that did not run the sink fails', () => {
    // Kill 0 hit the source's worker only; the sink rewinds right where the file was then.
    const rewind: Run = { from: 2_600, to: 8_600, at: T0 + 6_000, perMs: 0.5 };
    const { lines, growth } = sinkFile([{ ...beforeKill1, to: 2_650 }, rewind, afterKill1, afterKill2]);
    assert.throws(
      () => checkSinkDuplicates(lines, records, growth, kills()),
      /sink re-delivery of records 2600\.\.2649 at file line 2650, which is not where a kill/,
    );
  });

  test('a re-delivery of records written long before the kill fails (commits stopped)', () => {
    // The group committed 8200 at kill 1 although the task had written 8200..16000 by 1.9 s later.
    const longer: Run = { from: 0, to: 16_000, at: T0, perMs: 0.5 };
    const { lines, growth } = sinkFile([longer, { ...afterKill1, at: T0 + 64_000 }, afterKill2]);
    const k = kills(34_850, 16_000 + 35_000 - 8_200);
    k[1] = { ...k[1]!, sinkLines: 16_000, at: T0 + 32_100 };
    assert.throws(
      () => checkSinkDuplicates(lines, records, growth, k),
      /record 8200 \(8200\) was written \d+ ms before the kill and re-delivered/,
    );
  });
});
