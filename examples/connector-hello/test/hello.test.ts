/**
 * The example connector as a user runs it: loaded by a standalone worker from `plugin.path` (the
 * example's folder), its greetings go through the embedded log to a FileStream sink; after a
 * worker restart it carries on from its committed offset, so no greeting is written twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { waitFor } from '@sluice/testing';
import pino from 'pino';

const example = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('loaded from plugin.path, writes numbered greetings and resumes after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-hello-'));
  dirs.push(dir);
  const output = join(dir, 'out.txt');
  const worker = {
    'embedded.log.dir': join(dir, 'data'),
    'offset.storage.file.filename': join(dir, 'offsets'),
    'offset.flush.interval.ms': '100',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'plugin.path': example,
  };
  const lines = async () => (await readFile(output, 'utf8').catch(() => '')).split('\n').filter((l) => l);
  const run = async (until: number) => {
    const herder = await StandaloneHerder.create(worker, {
      logger: pino({ level: 'warn' }),
      plugins: builtinPlugins(),
    });
    await herder.start();
    await herder.putConnectorConfig(
      'hello',
      { 'connector.class': 'HelloSource', topic: 'greetings', greeting: 'hi', 'interval.ms': '20' },
      { allowReplace: true },
    );
    await herder.putConnectorConfig(
      'out',
      { 'connector.class': 'FileStreamSink', topics: 'greetings', file: output },
      { allowReplace: true },
    );
    await waitFor(`${until} greetings`, async () => (await lines()).length >= until, { timeoutMs: 30_000 });
    await herder.stop();
  };
  await run(5);
  const first = (await lines()).length;
  await run(first + 5);
  const all = await lines();
  assert.deepEqual(
    all,
    all.map((_, i) => `hi ${i}`),
    'hi 0, hi 1, ... each once, in order, across the restart',
  );
});
