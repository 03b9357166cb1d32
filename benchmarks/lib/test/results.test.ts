import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resultsFile } from '../bench-util.ts';
import {
  appendSection,
  type Check,
  checkLine,
  checksLine,
  machineLines,
  RESULTS_HEADER,
  sectionTitle,
} from '../results.ts';

// RESULTS.md is only read here: the lines the drivers wrote before the shared module existed.
const recorded = readFileSync(resultsFile, 'utf8').split('\n');

test('RESULTS.md starts with the header a driver writes when it creates the file', () => {
  assert.ok(readFileSync(resultsFile, 'utf8').startsWith(RESULTS_HEADER));
});

test('checks with details: the line the standalone and CDC drivers wrote', () => {
  const n = (x: number) => x.toLocaleString('en-US');
  const checks: Check[] = [
    {
      what: 'ceiling: records fetched back equal those produced',
      ok: true,
      detail: 'all records read back equal',
    },
  ];
  for (const system of ['sluice', 'kafka']) {
    checks.push(
      {
        what: `${system} source: topic end offset after the worker stopped`,
        ok: true,
        detail: `${n(1_000_000)} (expected ${n(1_000_000)})`,
      },
      {
        what: `${system} sink: output file equals the input byte for byte`,
        ok: true,
        detail: `${n(201_000_000)} bytes equal`,
      },
    );
  }
  assert.ok(recorded.includes(checksLine(checks)), checksLine(checks));
  assert.equal(
    checkLine(checks[0]!),
    'Check passed: ceiling: records fetched back equal those produced (all records read back equal)',
  );
  assert.equal(checkLine({ what: 'x', ok: false, detail: 'y' }), 'Check FAILED: x (y)');
  assert.equal(checksLine([{ what: 'x', ok: false, detail: 'y' }]), '- Checks: x: FAILED (y)');
});

test('checks without details: the line the distributed driver wrote (each text says its outcome)', () => {
  const checks: Check[] = ['Sluice', 'Kafka Connect'].map((system) => ({
    what: `${system}, delay 10000 ms, repeat 1: every step recovered within its timeout`,
    ok: true,
  }));
  assert.ok(recorded.includes(checksLine(checks)), checksLine(checks));
  assert.equal(
    checkLine(checks[0]!),
    'Check passed: Sluice, delay 10000 ms, repeat 1: every step recovered within its timeout',
  );
});

test('machine and load lines', () => {
  const [machine, load] = machineLines([0.14, 0.81, 1.89], [1.83, 1.54, 2.0]);
  assert.match(machine!, /^- Machine: .+, \d+ cores, \d+\.\d GiB memory, \S+ \S+$/);
  assert.ok(recorded.includes(load!), load);
});

test('section title: UTC date to the second, the failure mark only when a check failed', () => {
  assert.match(sectionTitle('JsonConverter', true), /^## \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ — JsonConverter$/);
  assert.match(sectionTitle('X (y)', false), /^## \S+ — X \(y\) — CHECK FAILED$/);
  assert.match(
    sectionTitle('JsonConverter', false, 'BYTE CROSS-CHECK FAILED'),
    / — JsonConverter — BYTE CROSS-CHECK FAILED$/,
  );
});

test('appendSection creates the file with the header, then only appends; a skip writes nothing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-results-'));
  try {
    const file = path.join(dir, 'RESULTS.md');
    appendSection('## one\n', '--no-results', file);
    assert.equal(existsSync(file), false);
    appendSection('## one\n', undefined, file);
    assert.equal(readFileSync(file, 'utf8'), `${RESULTS_HEADER}\n## one\n`);
    appendSection('## two\n', undefined, file);
    assert.equal(readFileSync(file, 'utf8'), `${RESULTS_HEADER}\n## one\n\n## two\n`);
    writeFileSync(file, 'kept\n');
    appendSection('## three\n', undefined, file);
    assert.equal(readFileSync(file, 'utf8'), 'kept\n\n## three\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exitIfFailed: nothing when ok, else FAILED on stderr and exit code 1', () => {
  const script = (ok: boolean) =>
    `import { exitIfFailed } from ${JSON.stringify(path.join(import.meta.dirname, '../results.ts'))};` +
    `exitIfFailed(${ok}, 'the reason'); console.log('went on');`;
  const passed = spawnSync(process.execPath, ['--input-type=module', '-e', script(true)], {
    encoding: 'utf8',
  });
  assert.equal(passed.status, 0, passed.stderr);
  assert.equal(passed.stdout, 'went on\n');
  const failed = spawnSync(process.execPath, ['--input-type=module', '-e', script(false)], {
    encoding: 'utf8',
  });
  assert.equal(failed.status, 1);
  assert.equal(failed.stdout, '');
  assert.equal(failed.stderr, '\nFAILED: the reason\n');
});
