/**
 * The shared body of the Schema Registry converter pipeline tests: Sluice's registry in its own
 * process (so the converter's requests go over real HTTP), then a FileStream source → the embedded
 * log → a FileStream sink with the converter for keys and values. Each test checks what the
 * registry holds and how the records are framed in the log.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from './standalone-worker.ts';

export interface LatestSchema {
  id: number;
  schema: string;
  schemaType?: string;
}

export interface ConverterPipelineOptions {
  /** Short name for temp dirs and topics (`avro`, `protobuf`). */
  readonly name: string;
  /** The converter's label in the test title and wait message (`Avro`, `Protobuf`). */
  readonly label: string;
  readonly converterClass: string;
  /** Checks the latest value schema of the topic and the bytes of the embedded log. */
  readonly check: (latest: LatestSchema, log: Buffer, lines: readonly string[]) => void;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

export function converterPipelineTest(opts: ConverterPipelineOptions): void {
  const tempDir = useTempDirs(`sluice-${opts.name}-pipeline-`);
  const shortClass = opts.converterClass.slice(opts.converterClass.lastIndexOf('.') + 1);
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

  test(`a file → embedded log → file pipeline with ${shortClass} keys and values`, async () => {
    const dir = await tempDir();
    const topic = uniqueName(`${opts.name}_lines`);
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ✓`);
    await writeFile(input, `${lines.join('\n')}\n`);
    const herder = await startTestHerder({
      dir,
      props: {
        'key.converter': opts.converterClass,
        'key.converter.schema.registry.url': url,
        'value.converter': opts.converterClass,
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
      await waitFor(`every line through ${opts.label} in the sink file`, async () => {
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
    const latest = (await (
      await fetch(`${url}/subjects/${topic}-value/versions/latest`)
    ).json()) as LatestSchema;
    opts.check(latest, await readLogBytes(join(dir, 'data')), lines);
  });
}

export function int32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return [...b];
}

async function readLogBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(parts);
}
