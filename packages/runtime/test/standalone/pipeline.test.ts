/**
 * File → topic → file through a standalone herder with Kafka's FileStream connectors, on a real
 * Kafka broker and on the embedded log: every line arrives byte-exact and in order.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { StandaloneHerder } from '@sluice/runtime';
import { throwIfFailed, uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const LINES = Number(process.env.SLUICE_PIPELINE_LINES ?? 1_000_000);
const LINE_BYTES = 200;

/** Line i: its number, padded with a pattern to LINE_BYTES bytes (plus the newline). */
function line(i: number): string {
  const head = `${i} `;
  return head + 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(6).slice(0, LINE_BYTES - head.length);
}

async function writeInput(file: string, count: number): Promise<number> {
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) chunks.push(line(i));
  const text = `${chunks.join('\n')}\n`;
  await writeFile(file, text);
  return Buffer.byteLength(text);
}

/** Waits for the output to reach `size` bytes; fails at once when a connector or task FAILED. */
async function waitForSize(
  herder: StandaloneHerder,
  file: string,
  size: number,
  timeoutMs: number,
): Promise<void> {
  let last = -1;
  await waitFor(
    () => `${file} to reach ${size} bytes (at ${last})`,
    async () => {
      last = await stat(file).then(
        (s) => s.size,
        () => -1,
      );
      return last >= size;
    },
    { timeoutMs, intervalMs: 200, failFast: () => throwIfFailed(herder) },
  );
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const read = async (f: string) => {
    const parts: Buffer[] = [];
    for await (const chunk of createReadStream(f)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  };
  return (await read(a)).equals(await read(b));
}

async function runPipeline(log: 'embedded' | 'kafka', dir: string): Promise<void> {
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  const size = await writeInput(input, LINES);
  const herder = await startTestHerder({
    dir,
    log,
    props: {
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '1000',
    },
    logLevel: 'warn',
  });
  try {
    const topic = uniqueName('lines');
    const source = await herder.putConnectorConfig(
      uniqueName('file-source'),
      { 'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector', file: input, topic },
      { allowReplace: false },
    );
    assert.equal(source.created, true);
    assert.equal(source.info.type, 'source');
    const sink = await herder.putConnectorConfig(
      uniqueName('file-sink'),
      { 'connector.class': 'FileStreamSink', file: output, topics: topic, 'tasks.max': '1' },
      { allowReplace: false },
    );
    assert.equal(sink.info.type, 'sink');
    await waitForSize(herder, output, size, 300_000);
    assert.ok(await sameBytes(input, output), 'output differs from input');
    const status = await herder.connectorStatus(source.info.name);
    assert.equal(status.connector.state, 'RUNNING');
    assert.deepEqual(
      status.tasks.map((t) => t.state),
      ['RUNNING'],
    );
    assert.deepEqual(await herder.connectorActiveTopics(source.info.name), [topic]);
  } finally {
    await herder.stop();
  }
}

describe(`file → topic → file, ${LINES} lines`, () => {
  const tempDir = useTempDirs('sluice-pipeline-');

  test('on the embedded log', async () => {
    await runPipeline('embedded', await tempDir());
  });

  test('on Kafka', async () => {
    await runPipeline('kafka', await tempDir());
  });
});
