/**
 * Crash safety of the embedded log: torn and garbage tails are repaired on open with every
 * earlier record kept, and a producer killed with SIGKILL loses none of the records it saw
 * acknowledged.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConnectError } from '@sluice/api';
import { EmbeddedLogClient } from '../../src/log/embedded/embedded-log-client.ts';
import type { LogRecord, ProduceRecord } from '../../src/log/log-client.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-embedded-crash-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function record(i: number): ProduceRecord {
  return {
    topic: 'torn',
    partition: 0,
    key: Buffer.from(`k${i}`),
    value: i % 11 === 0 ? null : Buffer.from(`value-${i}`.repeat(1 + (i % 5))),
    headers: [['i', Buffer.from(String(i))]],
  };
}

async function readPartition(
  client: EmbeddedLogClient,
  topic: string,
  partition: number,
): Promise<LogRecord[]> {
  const [end] = await client.listOffsets([{ topic, partition }], 'latest');
  const out: LogRecord[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [result] = await client.fetch([{ topic, partition, offset }], { maxPartitionBytes: 256 * 1024 });
    assert.equal(result?.error, undefined, JSON.stringify(result?.error));
    out.push(...result!.records);
    offset = result!.nextOffset;
  }
  return out;
}

/** Writes 10 produce calls of 10 records each (10 batches) to `torn`-0 and closes the log. */
async function logOfTenBatches(options: { segmentBytes?: number } = {}): Promise<string> {
  const dir = await tempDir();
  const client = await EmbeddedLogClient.open({ dir, ...options });
  await client.createTopics([{ name: 'torn', partitions: 1 }]);
  for (let b = 0; b < 10; b++) {
    await client.produce(Array.from({ length: 10 }, (_, j) => record(b * 10 + j)));
  }
  await client.close();
  return dir;
}

async function segmentsOf(dir: string): Promise<string[]> {
  const partitionDir = join(dir, 'topics', 'torn', '0');
  return (await readdir(partitionDir))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .map((n) => join(partitionDir, n));
}

/** Reopens, checks that exactly records [0, survivors) are there, and that appends go on. */
async function expectSurvivors(dir: string, survivors: number, repaired: boolean): Promise<void> {
  const client = await EmbeddedLogClient.open({ dir });
  try {
    assert.equal(client.recovery.length > 0, repaired, JSON.stringify(client.recovery));
    const back = await readPartition(client, 'torn', 0);
    assert.equal(back.length, survivors);
    for (let i = 0; i < survivors; i++) {
      const expected = record(i);
      assert.equal(back[i]!.offset, i);
      assert.deepEqual(
        [back[i]!.key, back[i]!.value, back[i]!.headers],
        [expected.key, expected.value, expected.headers],
      );
    }
    const [ack] = await client.produce([record(survivors)]);
    assert.equal(ack?.offset, survivors, 'appends continue right after the survivors');
  } finally {
    await client.close();
  }
  // The repair is permanent: the next open finds nothing to repair.
  const again = await EmbeddedLogClient.open({ dir });
  try {
    assert.deepEqual(again.recovery, []);
    assert.equal((await readPartition(again, 'torn', 0)).length, survivors + 1);
  } finally {
    await again.close();
  }
}

describe('torn writes are repaired on open', () => {
  test('a last batch cut short is dropped, the rest survives', async () => {
    const dir = await logOfTenBatches();
    const [segment] = await segmentsOf(dir);
    await truncate(segment!, (await stat(segment!)).size - 3);
    await expectSurvivors(dir, 90, true);
  });

  test('a partial batch header at the end is dropped', async () => {
    const dir = await logOfTenBatches();
    const [segment] = await segmentsOf(dir);
    await appendFile(segment!, Buffer.from([0x30, 0, 0, 0, 1, 2, 3]));
    await expectSurvivors(dir, 100, true);
  });

  test('garbage appended after the last batch is cut off', async () => {
    const dir = await logOfTenBatches();
    const [segment] = await segmentsOf(dir);
    await appendFile(segment!, randomBytes(777));
    await expectSurvivors(dir, 100, true);
  });

  test('zeros after the last batch (an OS crash extending the file) are cut off', async () => {
    const dir = await logOfTenBatches();
    const [segment] = await segmentsOf(dir);
    await appendFile(segment!, Buffer.alloc(4096));
    await expectSurvivors(dir, 100, true);
  });

  test('a last batch with a flipped byte fails its CRC and is dropped', async () => {
    const dir = await logOfTenBatches();
    const [segment] = await segmentsOf(dir);
    const size = (await stat(segment!)).size;
    const handle = await open(segment!, 'r+');
    await handle.write(Buffer.from([0xff]), 0, 1, size - 5);
    await handle.close();
    await expectSurvivors(dir, 90, true);
  });

  test('a broken batch in an earlier segment truncates there and removes the later segments', async () => {
    const dir = await logOfTenBatches({ segmentBytes: 1024 });
    const segments = await segmentsOf(dir);
    assert.ok(segments.length >= 4, `segments: ${segments.length}`);
    // Break the length of the second batch of the second segment.
    const victim = segments[1]!;
    const baseOffset = Number(victim.slice(-24, -4));
    const handle = await open(victim, 'r+');
    const length = Buffer.alloc(4);
    await handle.read(length, 0, 4, 0);
    const secondBatchAt = length.readUInt32LE(0) + 4;
    await handle.write(Buffer.from([0xff, 0xff, 0xff, 0x7f]), 0, 4, secondBatchAt);
    await handle.close();
    await expectSurvivors(dir, baseOffset + 10, true);
    assert.equal((await segmentsOf(dir)).length, 2);
  });
});

describe('kill -9 of a producing process', () => {
  const fixture = fileURLToPath(new URL('./fixtures/produce-until-killed.ts', import.meta.url));

  /** Starts the child, waits for READY, and collects its acknowledgements. */
  function startProducer(dir: string, fsync: string, firstSeq: number) {
    const child = spawn(
      process.execPath,
      ['--conditions=sluice-source', fixture, dir, fsync, String(firstSeq)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    const acked: Array<[seq: number, partition: number, offset: number]> = [];
    let buffered = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const ready = new Promise<number>((resolve, reject) => {
      child.on('exit', (code, signal) =>
        reject(new Error(`child exited (${code ?? signal}) early: ${stderr}`)),
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const [kind, a, b, c] = line.split(' ');
          if (kind === 'READY') resolve(Number(a));
          else if (kind === 'ACK') acked.push([Number(a), Number(b), Number(c)]);
        }
      });
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    return { child, acked, ready, exited };
  }

  test('every record acknowledged before the kill is readable after reopening', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const acked = new Map<number, [partition: number, offset: number]>();
    let nextSeq = 0;
    for (const [round, fsync] of ['interval', 'never', 'always', 'interval'].entries()) {
      const producer = startProducer(dir, fsync, nextSeq);
      const pid = await producer.ready;
      if (round === 0) {
        // The directory is taken: a second process gets a clear error.
        await assert.rejects(
          EmbeddedLogClient.open({ dir }),
          (err: unknown) =>
            err instanceof ConnectError &&
            err.message.includes(dir) &&
            err.message.includes(`process ${pid}`),
        );
      }
      const target = 2000 + Math.floor(Math.random() * 3000);
      const deadline = Date.now() + 10_000;
      while (producer.acked.length < target && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      producer.child.kill('SIGKILL');
      await producer.exited;
      assert.ok(producer.acked.length > 0, 'the child acknowledged records');
      for (const [seq, partition, offset] of producer.acked) acked.set(seq, [partition, offset]);
      nextSeq = 1_000_000 * (round + 1);

      const client = await EmbeddedLogClient.open({ dir });
      try {
        const partitions = [await readPartition(client, 'crash', 0), await readPartition(client, 'crash', 1)];
        for (const records of partitions) {
          for (let i = 0; i < records.length; i++) assert.equal(records[i]!.offset, i, 'offsets are dense');
        }
        for (const [seq, [partition, offset]] of acked) {
          const got = partitions[partition]![offset];
          assert.ok(
            got !== undefined,
            `acknowledged record ${seq} at ${partition}/${offset} is missing (${fsync})`,
          );
          assert.equal(got.key?.toString(), `k${seq}`);
          assert.equal(got.value?.toString(), `value-${seq}-${'x'.repeat(seq % 300)}`);
          assert.deepEqual(got.headers, [['seq', Buffer.from(String(seq))]]);
        }
        console.log(
          `# round ${round} (${fsync}): ${producer.acked.length} acked, ${partitions[0]!.length + partitions[1]!.length} in the log, ${client.recovery.length} repairs`,
        );
      } finally {
        await client.close();
      }
    }
  });
});
