import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '@sluice/cli';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  err.on('data', (c) => errChunks.push(String(c)));
  const code = await main(args, out, err);
  return { code, out: chunks.join(''), err: errChunks.join('') };
}

test('--version prints the version', async () => {
  const r = await run(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^sluice \d+\.\d+\.\d+ \(Node\.js v\d+/);
});

test('plugins --json has the REST PluginInfo shape', async () => {
  const r = await run(['plugins', '--json']);
  assert.equal(r.code, 0);
  const list = JSON.parse(r.out) as Array<Record<string, string>>;
  assert.ok(
    list.some((p) => p.class === 'org.apache.kafka.connect.json.JsonConverter' && p.type === 'converter'),
  );
  for (const p of list) assert.deepEqual(Object.keys(p), ['class', 'type', 'version']);
});

test('an unknown command or option is an error with usage, exit 2', async () => {
  const r = await run(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command 'frobnicate'/);
  assert.match(r.err, /Usage: sluice/);
  assert.equal((await run(['plugins', '--yaml'])).code, 2);
  const typo = await run(['grups', 'list']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command 'grups' \(did you mean 'groups'\?\)/);
});

test('the bin launcher runs on the current node and forwards the exit code', () => {
  const bin = fileURLToPath(new URL('../bin/sluice.mjs', import.meta.url));
  const ok = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^sluice /);
  const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});
