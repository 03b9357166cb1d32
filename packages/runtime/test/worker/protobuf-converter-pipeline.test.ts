/**
 * io.confluent.connect.protobuf.ProtobufConverter in a running worker: a FileStream source → the
 * embedded log → a FileStream sink, both with Confluent's converter config, against Sluice's
 * registry in its own process. FileStreamSource's values are strings: Confluent's converter writes
 * them as google.protobuf.StringValue (schema google/protobuf/wrappers.proto, message index [7]).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-protobuf-pipeline-');
const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
let registry: ChildProcess;
let url: string;

before(async () => {
  registry = spawn(
    process.execPath,
    [
      '--conditions=sluice-source',
      join(root, 'packages/schema-registry/bin/sluice-registry.ts'),
      '--port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(registry.stdout!, 'data')) as [Buffer];
  url = chunk.toString('utf8').trim();
});

after(() => {
  registry?.kill('SIGTERM');
});

test('a file → embedded log → file pipeline with ProtobufConverter keys and values', async () => {
  const dir = await tempDir();
  const topic = uniqueName('protobuf_lines');
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ✓`);
  await writeFile(input, `${lines.join('\n')}\n`);
  const herder = await startTestHerder({
    dir,
    props: {
      'key.converter': 'io.confluent.connect.protobuf.ProtobufConverter',
      'key.converter.schema.registry.url': url,
      'value.converter': 'io.confluent.connect.protobuf.ProtobufConverter',
      'value.converter.schema.registry.url': url,
      'offset.flush.interval.ms': '200',
    },
  });
  try {
    await herder.putConnectorConfig(
      'src',
      { name: 'src', 'connector.class': 'FileStreamSource', file: input, topic, 'tasks.max': '1' },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'sink',
      { name: 'sink', 'connector.class': 'FileStreamSink', file: output, topics: topic, 'tasks.max': '1' },
      { allowReplace: false },
    );
    await waitFor('every line through Protobuf in the sink file', async () => {
      const text = await readFile(output, 'utf8').catch(() => '');
      return text === `${lines.join('\n')}\n`;
    });
    for (const name of ['src', 'sink']) {
      const status = await herder.connectorStatus(name);
      assert.deepEqual(
        status.tasks.map((t) => [t.state, t.trace]),
        [['RUNNING', undefined]],
      );
    }
  } finally {
    await herder.stop();
  }
  // The registry holds the value schema: wrappers.proto, registered as PROTOBUF.
  const latest = (await (await fetch(`${url}/subjects/${topic}-value/versions/latest`)).json()) as {
    id: number;
    schema: string;
    schemaType: string;
  };
  assert.equal(latest.schemaType, 'PROTOBUF');
  assert.match(latest.schema, /message StringValue \{/);
  // The records in the log: magic byte, id, index list [7] (count 1, index 7, zigzag), StringValue.
  const segments = await readLogBytes(join(dir, 'data'));
  const marker = Buffer.from([0, ...int32(latest.id), 2, 14]);
  const first = Buffer.concat([marker, stringValue(lines[0]!)]);
  assert.ok(segments.includes(first), 'the first record value, framed, is in the embedded log');
});

function int32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return [...b];
}

/** google.protobuf.StringValue: field 1, length-delimited (the strings here are short). */
function stringValue(s: string): Buffer {
  const utf8 = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, utf8.length]), utf8]);
}

async function readLogBytes(dir: string): Promise<Buffer> {
  const { readdir } = await import('node:fs/promises');
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(parts);
}
