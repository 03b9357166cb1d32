/**
 * The checks of the distributed-cluster kill -9 pipeline test (`distributed-cluster.test.ts`):
 * what the source topic and the sink file may hold after workers running the tasks were killed.
 * Pure functions of what the test recorded, so their unit test can feed them the shapes seen in
 * real runs (`kill9-checks.test.ts`).
 */
import assert from 'node:assert/strict';
import type { LogRecord } from '@sluice/runtime';

/** A `kill -9` of the pipeline test and what the cluster said just before and just after it. */
export interface Kill {
  /** The killed worker's id (`host:port`). */
  victim: string;
  /** worker_id of `numbers-in` task 0 and of `numbers-out` task 0 in the status just before. */
  sourceOwner: string | undefined;
  sinkOwner: string | undefined;
  /**
   * The sink group's committed offset once the victim is dead, read from the broker: when the
   * victim ran the sink task, nothing commits to the group until the task's successor holds the
   * partition, which takes a worker rebalance (seconds) and then the dead consumer's session.
   */
  sinkCommitted: number;
  /**
   * Complete lines in the sink file once the victim is dead. When the victim ran the sink task,
   * nothing writes the file until the successor does, so the successor's first line (a
   * re-delivery, if any) is line number `sinkLines`.
   */
  sinkLines: number;
  /** Epoch ms of the kill. */
  at: number;
}

/** `offset.flush.interval.ms` of the test's worker properties, and what a busy 2-core machine may add to it. */
export const FLUSH_INTERVAL_MS = 500;
export const FLUSH_SLACK_MS = 1500;

/** For a file of lines `0\n1\n…`: the number of the line that starts at a byte position. */
export function lineIndex(text: string): (position: number) => number {
  return (position) => {
    let lines = 0;
    for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
    return lines;
  };
}

/** The latest kill, before `at`, of the worker that ran the task (per the status just before it). */
function killBefore(kills: Kill[], at: number, owner: (k: Kill) => string | undefined): Kill | undefined {
  return kills.filter((k) => k.at < at && owner(k) === k.victim).at(-1);
}

/**
 * Source side. A source task re-reads from the last source offset committed to the offsets topic,
 * so the topic (one partition, in produce order) is runs of consecutive numbers where each break
 * is a rewind: it restarts exactly at the line of the latest committed position, it follows a
 * kill of the worker that ran the task (one rewind per such kill), and every re-read line was
 * first produced within one offset-flush interval (plus slack) before that kill. Here timing a
 * rewind is sound: its records' timestamps are taken by the task that produced them, which was
 * alive then, so the latest kill of the source's worker before them is the one it followed (the
 * sink's re-deliveries are timed by the test's file sampler, which can be late: see below).
 */
export function checkSourceDuplicates(
  records: LogRecord[],
  commits: Array<{ at: number; position: number }>,
  lineAt: (position: number) => number,
  kills: Kill[],
): Array<{ kill: number; duplicates: number; oldestMs: number; commitMs: number }> {
  const values = records.map((r) => Number(r.value!.toString()));
  assert.equal(values[0], 0, 'the topic starts with line 0');
  const used = new Set<Kill>();
  const out: Array<{ kill: number; duplicates: number; oldestMs: number; commitMs: number }> = [];
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1]!;
    const value = values[i]!;
    if (value === prev + 1) continue;
    const at = records[i]!.timestamp;
    assert.ok(value <= prev, `topic offset ${i}: ${value} after ${prev}, lines skipped or reordered`);
    const committed = commits.filter((c) => c.at < at).at(-1);
    assert.equal(
      value,
      committed === undefined ? 0 : lineAt(committed.position),
      `the source re-read from line ${value} at ${at}, not from the last committed position ${JSON.stringify(committed)}`,
    );
    const kill = killBefore(kills, at, (k) => k.sourceOwner);
    assert.ok(kill !== undefined, `source re-read of lines ${value}..${prev} without a kill of its worker`);
    assert.ok(!used.has(kill), `two source re-reads after one kill (${JSON.stringify(kill)})`);
    used.add(kill);
    const window = kill.at - FLUSH_INTERVAL_MS - FLUSH_SLACK_MS;
    for (let j = 0; j < i; j++) {
      if (values[j]! < value || values[j]! > prev) continue;
      assert.ok(
        records[j]!.timestamp >= window,
        `line ${values[j]} was produced ${kill.at - records[j]!.timestamp} ms before the kill and re-read: ` +
          'older than the last uncommitted window',
      );
    }
    out.push({
      kill: kills.indexOf(kill),
      duplicates: prev - value + 1,
      oldestMs:
        kill.at -
        Math.min(
          ...records
            .slice(0, i)
            .filter((_, j) => values[j]! >= value)
            .map((r) => r.timestamp),
        ),
      commitMs: committed === undefined ? -1 : kill.at - committed.at,
    });
  }
  return out;
}

/**
 * Sink side. A sink task re-delivers from its group's last committed offset, so the sink file is
 * runs of consecutive topic records where each break goes back to an earlier record. A break is
 * placed by where it is in the file, not by when it was seen: it must be the first line written
 * after a kill of the worker that ran the task (the file's length then, {@link Kill.sinkLines};
 * one break per such kill), and it must go back no further than the offset the group had
 * committed once that worker was dead. The successor of a killed sink task starts only after the
 * dead consumer's session expires, and the next kill comes as soon as it runs, so a re-delivery
 * can be written a moment before the next kill: timing it by sampling the file's growth blamed
 * such a re-delivery on the next kill under load. Every re-delivered record must also have been
 * first seen in the file within one offset-flush interval (plus slack, plus the ~100 ms of the
 * file sampler) before the kill; a late sample only moves that time later, never earlier.
 */
export function checkSinkDuplicates(
  lines: string[],
  records: LogRecord[],
  growth: Array<{ at: number; size: number }>,
  kills: Kill[],
): Array<{ kill: number; duplicates: number }> {
  const values = records.map((r) => r.value!.toString());
  const ends: number[] = [];
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    ends.push(bytes);
  }
  /** When the sampler first saw line `i` complete in the file (no earlier than it was written). */
  const seenAt = (i: number) => growth.find((g) => g.size >= ends[i]!)?.at ?? Number.POSITIVE_INFINITY;
  const matching = (from: number, line: number) => {
    let n = 0;
    while (from + n < values.length && line + n < lines.length && values[from + n] === lines[line + n]) n++;
    return n;
  };
  const sinkKills = kills.filter((k) => k.victim === k.sinkOwner);
  const lastWrite = new Map<number, number>();
  const used = new Set<Kill>();
  const out: Array<{ kill: number; duplicates: number }> = [];
  let next = 0;
  for (let i = 0; i < lines.length; i++) {
    if (values[next] === lines[i]) {
      lastWrite.set(next++, i);
      continue;
    }
    // A re-delivery: back to the earlier record that explains the most of what follows.
    let from = -1;
    let best = 0;
    for (let s = next - 1; s >= 0; s--) {
      if (values[s] !== lines[i]) continue;
      const n = matching(s, i);
      if (n > best) [from, best] = [s, n];
    }
    assert.ok(
      from >= 0,
      `sink file line ${i} (${lines[i]}) is neither topic record ${next} nor a re-delivery`,
    );
    // Kills of the sink's worker with nothing written between them leave the file at one length;
    // the latest of them is the one whose successor wrote this line.
    const kill = sinkKills.filter((k) => k.sinkLines === i).at(-1);
    assert.ok(
      kill !== undefined,
      `sink re-delivery of records ${from}..${next - 1} at file line ${i}, which is not where a kill of ` +
        `its worker left the file (${JSON.stringify(sinkKills.map((k) => k.sinkLines))})`,
    );
    assert.ok(!used.has(kill), `two sink re-deliveries after one kill (${JSON.stringify(kill)})`);
    used.add(kill);
    assert.ok(
      from >= kill.sinkCommitted,
      `the sink re-delivered from offset ${from}, before the offset ${kill.sinkCommitted} its group had committed when its worker was killed`,
    );
    const window = kill.at - FLUSH_INTERVAL_MS - FLUSH_SLACK_MS;
    for (let s = from; s < next; s++) {
      const written = seenAt(lastWrite.get(s)!);
      assert.ok(
        written >= window,
        `record ${s} (${values[s]}) was written ${kill.at - written} ms before the kill and re-delivered: ` +
          'older than the last uncommitted window',
      );
    }
    out.push({ kill: kills.indexOf(kill), duplicates: next - from });
    next = from;
    i--;
  }
  return out;
}
