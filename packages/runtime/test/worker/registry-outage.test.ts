/**
 * A schema registry outage under Kafka Connect's error handling (behaviour digest §9), with a real
 * registry process (`sluice registry`, its schemas in a file) stopped and started again on the
 * same port, and AvroConverter tasks whose converters must reach it (each new task has an empty
 * cache). The converter tries the registry `max.retries` more times, then throws a Connect
 * RetriableException; the task then retries the conversion within `errors.retry.timeout`:
 * - `errors.retry.timeout=-1`: the tasks keep retrying, stay RUNNING, and once the registry is
 *   back every line arrives, none lost and none twice;
 * - the default `errors.retry.timeout=0` with `errors.tolerance=none`: the task FAILS with a
 *   message naming the registry; restarted after the outage, it writes every line (the failed
 *   record's offset was never committed).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const BIN = fileURLToPath(new URL('../../../cli/bin/sluice.mjs', import.meta.url));
const tempDir = useTempDirs('sluice-registry-outage-');
const running = new Set<ChildProcess>();
after(() => {
  for (const c of running) c.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `sluice registry` on `port` with its schemas in `data`; resolves once it listens. */
async function startRegistry(port: number, data: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'registry', '--port', String(port), '--data', data], {
    env: { ...process.env, SLUICE_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let text = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('listening at')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sluice registry exited (${code}): ${text}`)));
  });
  return child;
}

async function stopRegistry(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setup() {
  const dir = await tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const data = join(dir, 'schemas.log');
  const registry = await startRegistry(port, data);
  const herder = await startTestHerder({
    dir,
    props: {
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': url,
      // Short converter retries: the task's retry policy is what is under test.
      'value.converter.max.retries': '1',
      'value.converter.retries.wait.ms': '100',
      'offset.flush.interval.ms': '200',
    },
  });
  return { dir, port, url, data, registry, herder };
}

test('errors.retry.timeout=-1: tasks wait out a registry outage, and every line arrives once it is back', async () => {
  const { dir, port, data, registry, herder } = await setup();
  try {
    await stopRegistry(registry);
    const topic = uniqueName('outage_lines');
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    await writeFile(input, `${lines.join('\n')}\n`);
    const errors = { 'errors.retry.timeout': '-1', 'errors.retry.delay.max.ms': '500' };
    await herder.putConnectorConfig(
      'src',
      { name: 'src', 'connector.class': 'FileStreamSource', file: input, topic, ...errors },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'sink',
      { name: 'sink', 'connector.class': 'FileStreamSink', file: output, topics: topic, ...errors },
      { allowReplace: false },
    );
    // The registry is down: nothing gets through, and the tasks do not fail.
    await sleep(3000);
    assert.equal(await readFile(output, 'utf8').catch(() => ''), '');
    for (const name of ['src', 'sink']) {
      assert.deepEqual(
        (await herder.connectorStatus(name)).tasks.map((t) => t.state),
        ['RUNNING'],
      );
    }
    await startRegistry(port, data);
    await waitFor('every line once the registry is back', async () => {
      return (await readFile(output, 'utf8').catch(() => '')) === `${lines.join('\n')}\n`;
    });
    for (const name of ['src', 'sink']) {
      assert.deepEqual(
        (await herder.connectorStatus(name)).tasks.map((t) => [t.state, t.trace]),
        [['RUNNING', undefined]],
      );
    }
  } finally {
    await herder.stop();
  }
});

test('the default errors.retry.timeout=0: the task fails naming the registry; restarted after the outage, no line is lost', async () => {
  const { dir, port, data, registry, herder } = await setup();
  try {
    await stopRegistry(registry);
    const topic = uniqueName('outage_fail');
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    const lines = Array.from({ length: 20 }, (_, i) => `row ${i}`);
    await writeFile(input, `${lines.join('\n')}\n`);
    await herder.putConnectorConfig(
      'src',
      { name: 'src', 'connector.class': 'FileStreamSource', file: input, topic },
      { allowReplace: false },
    );
    let trace = '';
    await waitFor('the source task to fail', async () => {
      const [task] = (await herder.connectorStatus('src')).tasks;
      trace = task?.trace ?? '';
      return task?.state === 'FAILED';
    });
    assert.match(trace, /Tolerance exceeded in error handler/);
    assert.match(trace, /schema registry could not be reached.*127\.0\.0\.1/s);

    await startRegistry(port, data);
    await herder.restartTask('src', 0);
    await herder.putConnectorConfig(
      'sink',
      { name: 'sink', 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: false },
    );
    await waitFor('every line after the restart', async () => {
      return (await readFile(output, 'utf8').catch(() => '')) === `${lines.join('\n')}\n`;
    });
  } finally {
    await herder.stop();
  }
});
