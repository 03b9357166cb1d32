/**
 * Black-box tests of `sluice standalone` as a process: bad command lines, a pipeline watched over
 * REST, graceful SIGTERM, and `kill -9` mid-pipeline followed by a restart with no line lost.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@sluice/testing';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/sluice.mjs', import.meta.url));
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-e2e-'));
  dirs.push(d);
  return d;
}

after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Worker {
  child: ChildProcess;
  output: () => string;
  url: Promise<string>;
}

function startWorker(args: string[]): Worker {
  const child = spawn(process.execPath, [BIN, 'standalone', ...args], {
    env: { ...process.env, SLUICE_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let resolveUrl: (u: string) => void;
  const url = new Promise<string>((resolve, reject) => {
    resolveUrl = resolve;
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before its REST server started:\n${text}`)),
    );
  });
  url.catch(() => {});
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    const m = /REST API at (http:\/\/[^\s,;]+)/.exec(text);
    if (m) resolveUrl(m[1]!);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return { child, output: () => text, url };
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

async function writeConfigs(dir: string, lines: number): Promise<string[]> {
  const input = join(dir, 'in.txt');
  const body = Array.from({ length: lines }, (_, i) => String(i)).join('\n');
  await writeFile(input, `${body}\n`);
  const worker = join(dir, 'worker.properties');
  await writeFile(
    worker,
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=false',
      'offset.flush.interval.ms=300',
      'listeners=http://127.0.0.1:0',
    ].join('\n'),
  );
  const source = join(dir, 'source.json');
  await writeFile(
    source,
    JSON.stringify({
      name: 'numbers-in',
      config: { 'connector.class': 'FileStreamSource', file: input, topic: 'numbers', 'batch.size': '500' },
    }),
  );
  const sink = join(dir, 'sink.properties');
  await writeFile(
    sink,
    `name=numbers-out\nconnector.class=FileStreamSink\nfile=${join(dir, 'out.txt')}\ntopics=numbers\n`,
  );
  return [worker, source, sink];
}

async function outputLines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1);
}

describe('sluice standalone', () => {
  test('a malformed properties file is reported with file and line, exit 1', async () => {
    const dir = await tempDir();
    const file = join(dir, 'worker.properties');
    await writeFile(file, 'key.converter=x\nbad=\\u12G4\n');
    const w = startWorker([file]);
    assert.equal(await exitOf(w.child), 1);
    assert.match(w.output(), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed`));
  });

  test('a missing worker file and a bad connector file are errors naming the file', async () => {
    const dir = await tempDir();
    const missing = startWorker([join(dir, 'nope.properties')]);
    assert.equal(await exitOf(missing.child), 1);
    assert.match(missing.output(), /nope\.properties/);
    const [worker] = await writeConfigs(dir, 1);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"name": "x",\n "config": {\n');
    const bad = startWorker([worker!, broken]);
    assert.equal(await exitOf(bad.child), 1);
    assert.match(bad.output(), /broken\.json:3:/);
  });

  test('an invalid connector config stops the worker with exit 1 naming the field', async () => {
    const dir = await tempDir();
    const [worker] = await writeConfigs(dir, 1);
    const conn = join(dir, 'bad.properties');
    await writeFile(conn, 'name=bad\nconnector.class=FileStreamSource\ntasks.max=abc\ntopic=t\n');
    const w = startWorker([worker!, conn]);
    assert.equal(await exitOf(w.child), 1);
    assert.match(w.output(), /Invalid value abc for configuration tasks\.max/);
  });

  test('pipeline over REST, then SIGTERM stops gracefully with exit 0', async () => {
    const dir = await tempDir();
    const files = await writeConfigs(dir, 1000);
    const w = startWorker(files);
    const url = await w.url;
    await waitFor('1000 output lines', async () => (await outputLines(dir)).length >= 1000, 60_000);
    assert.deepEqual(
      await outputLines(dir),
      Array.from({ length: 1000 }, (_, i) => String(i)),
    );
    const status = (await (await fetch(`${url}/connectors?expand=status`)).json()) as Record<
      string,
      { status: { connector: { state: string }; type: string } }
    >;
    assert.equal(status['numbers-in']?.status.connector.state, 'RUNNING');
    assert.equal(status['numbers-out']?.status.type, 'sink');
    w.child.kill('SIGTERM');
    assert.equal(await exitOf(w.child), 0);
    assert.match(w.output(), /Worker stopped/);
  });

  test('kill -9 mid-pipeline, then restart: every line arrives; duplicates only as replays', async () => {
    const dir = await tempDir();
    const lines = 400_000;
    const files = await writeConfigs(dir, lines);
    const first = startWorker(files);
    await first.url;
    // Kill once the sink is well under way but not done.
    await waitFor(
      'partial output',
      async () =>
        (await stat(join(dir, 'out.txt'))
          .then((s) => s.size)
          .catch(() => 0)) > 200_000,
      120_000,
    );
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    const before = (await outputLines(dir)).length;
    assert.ok(before < lines, `the kill came too late (${before} lines already out)`);

    const second = startWorker(files);
    await second.url;
    const last = String(lines - 1);
    await waitFor('the last line', async () => (await outputLines(dir)).includes(last), 180_000);
    second.child.kill('SIGTERM');
    assert.equal(await exitOf(second.child), 0);

    const out = (await outputLines(dir)).map(Number);
    const seen = new Set(out);
    for (let i = 0; i < lines; i++) if (!seen.has(i)) assert.fail(`line ${i} was lost`);
    // Each step is the next line or a jump back (a replay after the restart): never a skip forward.
    let jumpsBack = 0;
    for (let i = 1; i < out.length; i++) {
      const prev = out[i - 1]!;
      const cur = out[i]!;
      if (cur === prev + 1) continue;
      assert.ok(cur <= prev, `skipped forward from ${prev} to ${cur} at output line ${i}`);
      jumpsBack++;
    }
    // One replay from the sink's committed offset and one from the source's flushed offset at most.
    assert.ok(jumpsBack <= 2, `${jumpsBack} replays`);
  });
});
