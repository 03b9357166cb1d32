import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectError,
  Decimal,
  type OffsetAndMetadata,
  Schema,
  SchemaBuilder,
  SinkRecord,
  Struct,
  Timestamp,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { TestSinkTaskContext } from '@sluice/testing';
import { FileStreamSinkTask } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
let offset = 0;

function newPath(): string {
  return join(dir, `output-${++fileCount}.txt`);
}

function record(value: unknown, valueSchema: SinkRecord['valueSchema'] = null): SinkRecord {
  return new SinkRecord({ topic: 'in', kafkaPartition: 0, kafkaOffset: offset++, value, valueSchema });
}

async function startTask(props: Record<string, string>, task = new FileStreamSinkTask()) {
  task.initialize(new TestSinkTaskContext(props));
  await task.start(props);
  return task;
}

const OFFSETS = new TopicPartitionMap<OffsetAndMetadata>([[new TopicPartition('in', 0), { offset: 1 }]]);

/** A stand-in for standard output that records each write call. */
class CapturingStream extends Writable {
  readonly writes: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(Buffer.from(chunk));
    callback();
  }
  text(): string {
    return Buffer.concat(this.writes).toString('utf8');
  }
}

describe('FileStreamSinkTask', () => {
  test('writes exactly value + \\n per record and appends across puts (and to existing content)', async () => {
    const file = newPath();
    writeFileSync(file, 'existing\n');
    const task = await startTask({ file, topics: 'in' });
    await task.put([record('a'), record('b')]);
    await task.put([]);
    await task.put([record('c')]);
    await task.flush(OFFSETS);
    assert.equal(readFileSync(file, 'utf8'), 'existing\na\nb\nc\n');
    await task.stop();

    // A new task appends rather than truncating.
    const again = await startTask({ file });
    await again.put([record('d')]);
    await again.flush(OFFSETS);
    await again.stop();
    assert.equal(readFileSync(file, 'utf8'), 'existing\na\nb\nc\nd\n');
  });

  test('creates a missing file; the bytes are in the file when put returns', async () => {
    const file = newPath();
    const task = await startTask({ file });
    await task.put([record('héllo wörld 😀')]);
    assert.equal(readFileSync(file, 'utf8'), 'héllo wörld 😀\n');
    await task.stop();
  });

  test("prints values as Java's String.valueOf", async () => {
    const stdout = new CapturingStream();
    const task = await startTask({}, new FileStreamSinkTask({ stdout }));
    const schema = SchemaBuilder.struct()
      .name('Person')
      .field('name', Schema.STRING_SCHEMA)
      .field('age', Schema.OPTIONAL_INT32_SCHEMA)
      .build();
    const struct = new Struct(schema).put('name', 'Ann').put('age', 42);
    const expected = [
      'null',
      'text',
      '42',
      '1.0',
      '1.5',
      '3.25',
      '1.0E10',
      '10000000000',
      '9007199254740993',
      'true',
      'Struct{name=Ann,age=42}',
      '[1, two, null]',
      '{a=1, b=2}',
      '[1.0, 2.5]',
      '12.50',
    ];
    await task.put([
      record(null),
      record('text', Schema.STRING_SCHEMA),
      record(42, Schema.INT32_SCHEMA),
      record(1, Schema.FLOAT64_SCHEMA),
      record(1.5, Schema.FLOAT32_SCHEMA),
      record(3.25),
      record(1e10, Schema.FLOAT64_SCHEMA),
      record(1e10),
      record(9007199254740993n, Schema.INT64_SCHEMA),
      record(true),
      record(struct, schema),
      record([1, 'two', null]),
      record({ a: 1, b: 2 }),
      record([1, 2.5], SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build()),
      record(new BigDecimal(1250n, 2), Decimal.schema(2)),
    ]);
    assert.equal(stdout.text(), `${expected.join('\n')}\n`);
    await task.stop();
  });

  test('a Date prints as java.util.Date.toString()', async () => {
    const stdout = new CapturingStream();
    const task = await startTask({}, new FileStreamSinkTask({ stdout }));
    const date = new Date(Date.UTC(2024, 0, 5, 7, 8, 9));
    await task.put([record(date, Timestamp.SCHEMA)]);
    const line = stdout.text();
    assert.match(line, /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \S+ \d{4}\n$/);
    if (new Date(0).getTimezoneOffset() === 0 && Intl.DateTimeFormat().resolvedOptions().timeZone === 'UTC') {
      assert.equal(line, 'Fri Jan 05 07:08:09 UTC 2024\n');
    }
    await task.stop();
  });

  test('bytes are written raw; unpaired surrogates become ? as in Java', async () => {
    const file = newPath();
    const task = await startTask({ file });
    await task.put([
      record('before'),
      record(new Uint8Array([0x00, 0xff, 0x41]), Schema.BYTES_SCHEMA),
      record(Buffer.from('bytes text')),
      record('bad \uD800 surrogate'),
    ]);
    await task.stop();
    assert.deepEqual(
      readFileSync(file),
      Buffer.concat([
        Buffer.from('before\n'),
        Buffer.from([0x00, 0xff, 0x41, 0x0a]),
        Buffer.from('bytes text\nbad ? surrogate\n'),
      ]),
    );
  });

  test('standard output when no file is set, with one write call per put', async () => {
    const stdout = new CapturingStream();
    const task = await startTask({ topics: 'in' }, new FileStreamSinkTask({ stdout }));
    const batch: SinkRecord[] = [];
    for (let i = 0; i < 1000; i++) batch.push(record(`line ${i}`));
    await task.put(batch);
    await task.put([record('x'), record(new Uint8Array([0x62])), record('y')]);
    await task.flush(OFFSETS);
    assert.equal(stdout.writes.length, 2);
    assert.equal(stdout.writes[1]!.toString(), 'x\nb\ny\n');
    assert.equal(stdout.text().split('\n').length, 1004);
    await task.stop();
    assert.equal(stdout.destroyed, false, 'standard output is not closed');
  });

  test('on standard output put returns only once the stream has taken the write; the next put waits', async () => {
    // A slow stream: each write completes when the test says so.
    const done: Array<() => void> = [];
    const chunks: Buffer[] = [];
    const written = () => chunks.map((c) => c.toString());
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk); // kept as given, as a stream may
        done.push(() => callback());
      },
    });
    const task = await startTask({}, new FileStreamSinkTask({ stdout: slow }));
    let first = false;
    const put1 = task.put([record('one'), record('two')]).then(() => {
      first = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(first, false, 'put waits for the write');
    assert.deepEqual(written(), ['one\ntwo\n']);
    done.shift()!();
    await put1;
    const put2 = task.put([record('three')]);
    await new Promise((resolve) => setImmediate(resolve));
    // The task reuses its encoding buffer: the chunk the stream kept from the first put is intact.
    assert.deepEqual(written(), ['one\ntwo\n', 'three\n']);
    let flushed = false;
    const flush = task.flush(OFFSETS).then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(flushed, false, 'flush waits for the write in flight');
    done.shift()!();
    await Promise.all([put2, flush]);
    await task.stop();
  });

  test('an empty file setting means standard output, as Kafka', async () => {
    const stdout = new CapturingStream();
    const task = await startTask({ file: '' }, new FileStreamSinkTask({ stdout }));
    await task.put([record('out')]);
    assert.equal(stdout.text(), 'out\n');
    await task.stop();
  });

  test('preCommit flushes and returns the offsets', async () => {
    const file = newPath();
    const task = await startTask({ file });
    await task.put([record('z')]);
    assert.equal(await task.preCommit(OFFSETS), OFFSETS);
    assert.equal(readFileSync(file, 'utf8'), 'z\n');
    await task.stop();
  });

  test("a file that cannot be created fails start with Kafka's message", async () => {
    const file = join(dir, 'no-such-dir', 'out.txt');
    const task = new FileStreamSinkTask();
    await assert.rejects(task.start({ file }), (e: unknown) => {
      assert.ok(e instanceof ConnectError);
      assert.equal(e.message, `Couldn't find or create file '${file}' for FileStreamSinkTask`);
      return true;
    });
  });
});
