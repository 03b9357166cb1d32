/**
 * WorkerProcess against a real `sluice standalone` worker on the embedded log (no server needed):
 * the REST URL from the start-up line, the output, a graceful stop, kill -9, and a worker that
 * exits before it starts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WorkerProcess } from '../src/index.ts';

const dirs: string[] = [];
after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function workerProps(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-worker-process-'));
  dirs.push(dir);
  const file = join(dir, 'worker.properties');
  await writeFile(
    file,
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      'listeners=http://127.0.0.1:0',
      '',
    ].join('\n'),
  );
  return file;
}

test('a standalone worker: its REST URL answers; stop() ends it with exit code 0', async () => {
  const w = WorkerProcess.standalone([await workerProps()]);
  const url = await w.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${url}/connectors`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  assert.match(w.output(), /standalone worker \S+ started; REST API at http:/);
  assert.equal(w.outputTail(10), w.output().slice(-10));
  assert.equal(w.alive, true);
  await w.stop();
  assert.equal(w.alive, false);
  assert.deepEqual(await w.exit(), { code: 0, signal: null });
});

test('kill9() ends a worker with SIGKILL; killAll() ends every worker still running', async () => {
  const a = WorkerProcess.standalone([await workerProps()]);
  const b = WorkerProcess.standalone([await workerProps()]);
  await Promise.all([a.url, b.url]);
  await a.kill9();
  assert.deepEqual(await a.exit(), { code: null, signal: 'SIGKILL' });
  await WorkerProcess.killAll();
  assert.equal(b.alive, false);
  assert.equal((await b.exit()).signal, 'SIGKILL');
});

test('a worker that exits before it starts: url rejects with its exit code and output', async () => {
  const w = new WorkerProcess(join(tmpdir(), 'no-such-dir', 'nope.properties'));
  await assert.rejects(w.url, (err: Error) => {
    assert.match(err.message, /^sluice distributed exited \(1\) before it printed its REST URL:/);
    assert.match(err.message, /nope\.properties/);
    return true;
  });
  assert.equal((await w.exit()).code, 1);
});
