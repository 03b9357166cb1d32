/**
 * LineEncoder, the FileStreamSink's batch encoding into a buffer reused from batch to batch: every
 * batch comes out whole and exact (multi-byte characters, surrogates, raw bytes, values far larger
 * than the buffer), whatever the batches before it left in the buffer; a buffer grown for one huge
 * batch is not kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Schema, SinkRecord } from '@sluice/api';
import { LineEncoder } from '../src/line-encoder.ts';

let offset = 0;
const record = (value: unknown, valueSchema: SinkRecord['valueSchema'] = null): SinkRecord =>
  new SinkRecord({ topic: 'in', kafkaPartition: 0, kafkaOffset: offset++, value, valueSchema });

const lines = (values: string[]): Buffer => Buffer.from(values.map((v) => `${v}\n`).join(''), 'utf8');

test('consecutive batches each come out exactly, the buffer reused and grown as needed', () => {
  const encoder = new LineEncoder(16);
  const batches: string[][] = [
    ['a', 'bb', 'ccc'],
    ['héllo wörld 😀', '€'.repeat(50), 'x'],
    ['short'],
    [],
    Array.from({ length: 500 }, (_, i) => `${i} ${'é😀z'.repeat(i % 17)}`),
    ['y'.repeat(100_000), '😀'.repeat(30_000)],
    ['after'],
  ];
  const outputs: Buffer[] = [];
  for (const values of batches) {
    const out = encoder.encode(values.map((v) => record(v, Schema.STRING_SCHEMA)));
    assert.deepEqual(out, lines(values), `batch of ${values.length}`);
    outputs.push(out);
  }
  // Each result is a view of the one buffer: valid until the next encode, which overwrites it.
  assert.equal(outputs[6]!.buffer, outputs[5]!.buffer);
  assert.notDeepEqual(outputs[5]!.subarray(0, 6), lines(['y'.repeat(100_000)]).subarray(0, 6));
});

test('raw bytes, Java-printed values and unpaired surrogates in one batch', () => {
  const encoder = new LineEncoder(8);
  const out = encoder.encode([
    record('before'),
    record(new Uint8Array([0x00, 0xff, 0x41]), Schema.BYTES_SCHEMA),
    record(Buffer.alloc(40, 0x62)),
    record('bad \uD800 surrogate \uDC00 pair 😀'),
    record(null),
    record(1.5, Schema.FLOAT64_SCHEMA),
  ]);
  assert.deepEqual(
    out,
    Buffer.concat([
      Buffer.from('before\n'),
      Buffer.from([0x00, 0xff, 0x41, 0x0a]),
      Buffer.from(`${'b'.repeat(40)}\n`),
      Buffer.from('bad ? surrogate ? pair 😀\nnull\n1.5\n'),
    ]),
  );
});

test('a buffer grown past 4 MiB for one batch is not kept for the next', () => {
  const encoder = new LineEncoder();
  const big = encoder.encode([record('z'.repeat(6 * 1024 * 1024))]);
  assert.equal(big.length, 6 * 1024 * 1024 + 1);
  assert.ok(big.buffer.byteLength >= big.length);
  const small = encoder.encode([record('small')]);
  assert.deepEqual(small, Buffer.from('small\n'));
  assert.ok(small.buffer.byteLength <= 1024 * 1024, `kept ${small.buffer.byteLength} bytes`);
});
