/**
 * The worker's log format as a user chooses it: `sluice standalone` writes Kafka Connect's text
 * layout by default, JSON lines with `log.format=json` in the worker properties, and
 * `SLUICE_LOG_FORMAT` wins over the key; a bad value stops the worker at start-up naming where it
 * came from. `sluice --help` and the worker commands' usage name the key and the variable.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '@sluice/cli';
import { waitFor } from '@sluice/testing';

const bin = fileURLToPath(new URL('../bin/sluice.mjs', import.meta.url));
const dirs: string[] = [];
const running = new Set<ChildProcess>();
after(async () => {
  for (const child of running) child.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Starts `sluice standalone` with `props` and `env`, waits for its start line, stops it; its stdout. */
async function workerOutput(props: Record<string, string>, env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-log-format-'));
  dirs.push(dir);
  const file = join(dir, 'worker.properties');
  const all: Record<string, string> = {
    'embedded.log.dir': join(dir, 'data'),
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    listeners: 'http://127.0.0.1:0',
    ...props,
  };
  await writeFile(
    file,
    Object.entries(all)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, SLUICE_NODE: process.execPath };
  if (env.SLUICE_LOG_FORMAT === undefined) delete childEnv.SLUICE_LOG_FORMAT;
  const child = spawn(process.execPath, [bin, 'standalone', file], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = once(child, 'exit');
  try {
    await waitFor(
      () => `the worker to start:\n${out}${err}`,
      () => /standalone worker \S+ started/.test(out) || child.exitCode !== null,
      { timeoutMs: 60_000 },
    );
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const [code] = await exited;
  running.delete(child);
  return { code: code as number | null, out, err };
}

test('default: text lines as Kafka Connect writes them, no JSON, no numeric level', async () => {
  const { code, out } = await workerOutput({});
  assert.equal(code, 0, out);
  const lines = out.split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 0);
  for (const l of lines)
    assert.match(l, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \S/, l);
  assert.ok(
    lines.some((l) => / INFO Sluice \S+ standalone worker \S+ started; REST API at http:/.test(l)),
    out,
  );
});

test('log.format=json: one JSON object per line with Kafka level names; SLUICE_LOG_FORMAT wins', async () => {
  const json = await workerOutput({ 'log.format': 'json' });
  assert.equal(json.code, 0, json.out);
  const parsed = json.out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { level: unknown; msg: string; time: number });
  assert.ok(
    parsed.some((l) => l.level === 'INFO' && /standalone worker \S+ started/.test(l.msg)),
    json.out,
  );
  for (const l of parsed)
    assert.ok(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].includes(l.level as string));

  const text = await workerOutput({ 'log.format': 'json' }, { SLUICE_LOG_FORMAT: 'TEXT' });
  assert.equal(text.code, 0, text.out);
  assert.match(text.out, /^\[\d{4}-\d\d-\d\d [\d:,]+\] INFO /);
  assert.ok(!text.out.includes('"level"'), text.out);

  const env = await workerOutput({}, { SLUICE_LOG_FORMAT: 'json' });
  assert.match(env.out, /^\{"level":"INFO",/);
});

test('a bad format stops the worker at start-up, naming the key or the variable', async () => {
  const key = await workerOutput({ 'log.format': 'xml' });
  assert.equal(key.code, 1);
  assert.match(key.err, /Invalid value xml for configuration log\.format: String must be one of: text, json/);
  const env = await workerOutput({}, { SLUICE_LOG_FORMAT: 'yaml' });
  assert.equal(env.code, 1);
  assert.match(env.err, /Invalid value yaml for environment variable SLUICE_LOG_FORMAT/);
});

test('the help names log.format and SLUICE_LOG_FORMAT', async () => {
  for (const args of [['--help'], ['standalone', '--help'], ['distributed', '--help']]) {
    const out = new PassThrough();
    const err = new PassThrough();
    let text = '';
    out.on('data', (c) => (text += String(c)));
    err.on('data', (c) => (text += String(c)));
    assert.equal(await main(args, out, err), 0);
    assert.match(text, /log\.format/, args.join(' '));
    assert.match(text, /SLUICE_LOG_FORMAT/, args.join(' '));
  }
});
