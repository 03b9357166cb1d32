import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { ConnectError, Schema, type SourceRecord } from '@sluice/api';
import { MapOffsetReader, TestSourceTaskContext } from '@sluice/testing';
import { FileStreamSourceTask, type FileStreamSourceTaskOptions } from '../src/index.ts';

const TOPIC = 'lines';
const dir = mkdtempSync(join(tmpdir(), 'sluice-file-source-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

function newFile(content?: string | Uint8Array): string {
  const path = join(dir, `input-${++fileCount}.txt`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

async function startTask(
  file: string | null,
  options: FileStreamSourceTaskOptions & { batchSize?: number; reader?: MapOffsetReader } = {},
): Promise<FileStreamSourceTask> {
  const props: Record<string, string> = { topic: TOPIC };
  if (file !== null) props.file = file;
  if (options.batchSize !== undefined) props['batch.size'] = String(options.batchSize);
  const task = new FileStreamSourceTask(options);
  task.initialize(new TestSourceTaskContext(props, options.reader));
  await task.start(props);
  return task;
}

/** Polls until `count` records arrived or a poll returns nothing. */
async function drain(task: FileStreamSourceTask, count = Number.POSITIVE_INFINITY): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  while (out.length < count) {
    const batch = await task.poll();
    if (batch === null || batch.length === 0) break;
    out.push(...batch);
  }
  return out;
}

function values(records: readonly SourceRecord[]): unknown[] {
  return records.map((r) => r.value);
}

function positions(records: readonly SourceRecord[]): unknown[] {
  return records.map((r) => r.sourceOffset?.position);
}

/** The expected lines and end positions, computed over the whole byte string the simple way. */
function referenceSplit(bytes: Uint8Array): Array<{ line: string; position: number }> {
  const out: Array<{ line: string; position: number }> = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 10) {
      out.push({ line: Buffer.from(bytes.subarray(start, i)).toString('utf8'), position: i + 1 });
      start = i + 1;
    } else if (b === 13) {
      if (i + 1 >= bytes.length) break;
      const next = bytes[i + 1] === 10 ? i + 2 : i + 1;
      out.push({ line: Buffer.from(bytes.subarray(start, i)).toString('utf8'), position: next });
      start = next;
      i = next - 1;
    }
  }
  return out;
}

describe('FileStreamSourceTask', () => {
  test('records: STRING value, no key, {filename} partition, {position} offset in bytes, wall-clock time', async () => {
    const file = newFile('hello\nwörld\n');
    const task = await startTask(file, { waitMs: 10 });
    const before = Date.now();
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['hello', 'wörld']);
    // 'ö' is two bytes in UTF-8: positions count bytes, not characters.
    assert.deepEqual(positions(records), [6, 13]);
    for (const r of records) {
      assert.equal(r.topic, TOPIC);
      assert.equal(r.kafkaPartition, null);
      assert.equal(r.key, null);
      assert.equal(r.keySchema, null);
      assert.equal(r.valueSchema, Schema.STRING_SCHEMA);
      assert.deepEqual(r.sourcePartition, { filename: file });
      assert.ok(r.timestamp !== null && r.timestamp >= before && r.timestamp <= Date.now());
    }
  });

  test('lines end at \\n, \\r\\n or a lone \\r; empty lines are records', async () => {
    const task = await startTask(newFile('a\nb\r\nc\rd\n\n\r\ne\r\rf\n'), { waitMs: 10 });
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['a', 'b', 'c', 'd', '', '', 'e', '', 'f']);
    assert.deepEqual(positions(records), [2, 5, 7, 9, 10, 12, 14, 15, 17]);
  });

  test('a \\r at the end of one read and \\n at the start of the next is one \\r\\n', async () => {
    // With a 4-byte buffer the first read ends right after the \r.
    const task = await startTask(newFile('abc\r\nd\n'), { bufferSize: 4, waitMs: 10 });
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['abc', 'd']);
    assert.deepEqual(positions(records), [5, 7]);
  });

  test('a trailing \\r waits for the next byte: \\n completes \\r\\n, anything else ends the line', async () => {
    const crlf = newFile('abc\r');
    const task = await startTask(crlf, { waitMs: 10 });
    assert.equal(await task.poll(), null);
    appendFileSync(crlf, '\nxyz\n');
    const records = await drain(task);
    assert.deepEqual(values(records), ['abc', 'xyz']);
    assert.deepEqual(positions(records), [5, 9]);
    await task.stop();

    const lone = newFile('abc\r');
    const task2 = await startTask(lone, { waitMs: 10 });
    assert.equal(await task2.poll(), null);
    appendFileSync(lone, 'q\n');
    const records2 = await drain(task2);
    assert.deepEqual(values(records2), ['abc', 'q']);
    assert.deepEqual(positions(records2), [4, 6]);
    await task2.stop();
  });

  test('multi-byte UTF-8 split across reads decodes correctly, for every small buffer size', async () => {
    const text =
      'aé\n€b\r\n😀😀\rx\n' +
      'ñandú 🦙 llama\r\n\n' +
      '日本語のテキスト\r' +
      '\u0000nul and \uFEFFbom\n' +
      `${'ß'.repeat(37)}\n` +
      'last line\r\n';
    const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
    const expected = referenceSplit(bytes);
    assert.equal(expected.length, 10);
    const file = newFile(bytes);
    for (let bufferSize = 1; bufferSize <= 20; bufferSize++) {
      const task = await startTask(file, { bufferSize, waitMs: 1 });
      const records = await drain(task);
      await task.stop();
      assert.deepEqual(
        records.map((r) => ({ line: r.value, position: r.sourceOffset?.position })),
        expected,
        `buffer size ${bufferSize}`,
      );
      for (const r of records) assert.ok(!String(r.value).includes('\uFFFD'), `buffer size ${bufferSize}`);
    }
  });

  test('malformed UTF-8 becomes U+FFFD, positions stay in bytes', async () => {
    const task = await startTask(newFile(new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0x63, 0x0a])), {
      waitMs: 1,
    });
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['a\uFFFDb', 'c']);
    assert.deepEqual(positions(records), [4, 6]);
  });

  test('resumes from the stored offset of its {filename} partition', async () => {
    const file = newFile('one\ntwo\nthree\n');
    const reader = new MapOffsetReader().set({ filename: file }, { position: 4 });
    const task = await startTask(file, { reader, waitMs: 1 });
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['two', 'three']);
    assert.deepEqual(positions(records), [8, 14]);

    // An offset stored for another file is not used.
    const other = new MapOffsetReader().set({ filename: `${file}.old` }, { position: 8 });
    const task2 = await startTask(file, { reader: other, waitMs: 1 });
    assert.deepEqual(values(await drain(task2)), ['one', 'two', 'three']);
    await task2.stop();

    // A stored offset without a position starts at the beginning.
    const empty = new MapOffsetReader().set({ filename: file }, {});
    const task3 = await startTask(file, { reader: empty, waitMs: 1 });
    assert.deepEqual(positions(await drain(task3)), [4, 8, 14]);
    await task3.stop();
  });

  test('a stored position past the end of the file waits until the file has grown that far', async () => {
    const file = newFile('short\n');
    const reader = new MapOffsetReader().set({ filename: file }, { position: 10 });
    const task = await startTask(file, { reader, waitMs: 1 });
    assert.equal(await task.poll(), null);
    appendFileSync(file, 'abcdXYZ\nnext\n'); // bytes 6..9 are skipped
    const records = await drain(task);
    await task.stop();
    assert.deepEqual(values(records), ['XYZ', 'next']);
    assert.deepEqual(positions(records), [14, 19]);
  });

  test('a stored position that is not an integer fails the poll', async () => {
    const file = newFile('x\n');
    for (const position of ['4', 1.5]) {
      const reader = new MapOffsetReader().set({ filename: file }, { position });
      const task = await startTask(file, { reader, waitMs: 1 });
      await assert.rejects(task.poll(), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.message, 'Offset position is the incorrect type');
        return true;
      });
      await task.stop();
    }
  });

  test('a partial last line is held back until it is completed', async () => {
    const file = newFile('first\nsec');
    const task = await startTask(file, { waitMs: 10 });
    assert.deepEqual(values(await drain(task)), ['first']);
    assert.equal(await task.poll(), null);
    appendFileSync(file, 'ond');
    assert.equal(await task.poll(), null);
    appendFileSync(file, '\nthird');
    const records = await drain(task);
    assert.deepEqual(values(records), ['second']);
    assert.deepEqual(positions(records), [13]);
    await task.stop();
  });

  test('at most batch.size records per poll; buffered lines come out without new data', async () => {
    const file = newFile('1\n2\n3\n4\n5\n');
    const task = await startTask(file, { batchSize: 2, waitMs: 10 });
    assert.deepEqual(values((await task.poll()) ?? []), ['1', '2']);
    assert.deepEqual(values((await task.poll()) ?? []), ['3', '4']);
    assert.deepEqual(values((await task.poll()) ?? []), ['5']);
    assert.equal(await task.poll(), null);
    await task.stop();

    // batch.size below 1 behaves as 1, as Kafka's check after each added record does.
    const one = await startTask(file, { batchSize: 0, waitMs: 10 });
    assert.deepEqual(values((await one.poll()) ?? []), ['1']);
    await one.stop();
  });

  test('a missing file is waited for, then read once it exists', async () => {
    const file = newFile();
    const task = await startTask(file, { waitMs: 30 });
    const started = Date.now();
    assert.equal(await task.poll(), null);
    assert.ok(Date.now() - started >= 25, 'waited before returning');
    writeFileSync(file, 'now\nhere\n');
    assert.deepEqual(values(await drain(task)), ['now', 'here']);
    await task.stop();
  });

  test('a missing file is logged as a warning naming it, as Kafka, once while it stays missing', async () => {
    const file = newFile();
    const warnings: string[] = [];
    const task = await startTask(file, { waitMs: 5, logger: { warn: (m) => warnings.push(m) } });
    assert.equal(await task.poll(), null);
    assert.equal(await task.poll(), null);
    assert.deepEqual(warnings, [
      `Couldn't find file ${file} for FileStreamSourceTask, sleeping to wait for it to be created`,
    ]);
    writeFileSync(file, 'a\n');
    assert.deepEqual(values(await drain(task)), ['a']);
    assert.equal(warnings.length, 1, 'no warning once the file is there');
    await task.stop();
  });

  test('waits up to about a second when there is no data, as Kafka', async () => {
    const task = await startTask(newFile(''), {});
    const started = Date.now();
    assert.equal(await task.poll(), null);
    const waited = Date.now() - started;
    assert.ok(waited >= 900 && waited < 3000, `waited ${waited} ms`);
    await task.stop();
  });

  test('stop() ends a waiting poll promptly (no data, and no file yet)', async () => {
    for (const content of ['done\n', undefined]) {
      const task = await startTask(newFile(content), { waitMs: 10_000 });
      if (content !== undefined) assert.deepEqual(values(await drain(task, 1)), ['done']);
      const started = Date.now();
      const poll = task.poll();
      await new Promise((resolve) => setTimeout(resolve, 30));
      await task.stop();
      assert.equal(await poll, null);
      assert.ok(Date.now() - started < 1000, `poll returned after ${Date.now() - started} ms`);
      assert.equal(await task.poll(), null, 'polls after stop return nothing');
    }
  });

  test('standard input: null partition and offset, woken by new data', async () => {
    const stdin = new PassThrough();
    const task = await startTask(null, { stdin, waitMs: 10_000 });
    stdin.write('from\r\nstdin\npart');
    const records = await drain(task, 2);
    assert.deepEqual(values(records), ['from', 'stdin']);
    for (const r of records) {
      assert.equal(r.sourcePartition, null);
      assert.equal(r.sourceOffset, null);
    }
    const started = Date.now();
    const poll = task.poll();
    setTimeout(() => stdin.write('ial\n'), 20);
    await poll; // woken by the data rather than waiting 10 s
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(values(await drain(task, 1)), ['partial']);
    await task.stop();
    assert.equal(stdin.listenerCount('readable'), 0);
  });

  test('an empty file setting means standard input, as Kafka', async () => {
    const stdin = new PassThrough();
    const task = new FileStreamSourceTask({ stdin, waitMs: 1 });
    const props = { topic: TOPIC, file: '' };
    task.initialize(new TestSourceTaskContext(props));
    task.start(props);
    stdin.write('x\n');
    assert.deepEqual(values(await drain(task)), ['x']);
    await task.stop();
  });

  test('start() needs a topic', () => {
    const task = new FileStreamSourceTask();
    assert.throws(() => task.start({ file: '/tmp/x' }), {
      name: 'ConfigError',
      message: 'Missing required configuration "topic" which has no default value.',
    });
  });

  test('reads 200,000 lines of 200 bytes in order', async (t) => {
    const count = 200_000;
    const pad = 'x'.repeat(200 - 1 - 7);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(`${String(i).padStart(7, '0')}${pad}\n`);
    const file = newFile(parts.join(''));
    const task = await startTask(file, { waitMs: 1 });
    const started = performance.now();
    let n = 0;
    let lastPosition = 0;
    for (;;) {
      const batch = await task.poll();
      if (batch === null) break;
      assert.ok(batch.length <= 2000);
      for (const r of batch) {
        const v = r.value as string;
        if (v.length !== 199 || Number(v.slice(0, 7)) !== n) assert.fail(`line ${n} is ${v.slice(0, 20)}`);
        n++;
        lastPosition = r.sourceOffset?.position as number;
      }
    }
    const ms = performance.now() - started;
    await task.stop();
    assert.equal(n, count);
    assert.equal(lastPosition, count * 200);
    t.diagnostic(`read ${count} lines of 200 bytes in ${ms.toFixed(0)} ms`);
  });
});
