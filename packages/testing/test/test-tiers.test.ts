import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { integrationReason, testFiles, tier } from '../src/test-tiers.ts';

test('every test file is in exactly one tier', () => {
  const all = testFiles();
  const unit = tier('unit');
  const integration = tier('integration');
  assert.ok(all.length > 100, `${all.length} test files found`);
  assert.deepEqual([...unit, ...integration].sort(), all);
  assert.ok(all.includes('packages/testing/test/test-tiers.test.ts'));
});

test('a test on the Kafka test broker is an integration test; a codec test is a unit test', () => {
  assert.match(
    integrationReason('packages/runtime/test/kafka/platformatic-client.test.ts') ?? '',
    /test server/,
  );
  assert.equal(integrationReason('packages/runtime/test/kafka/record-batch-codec.test.ts'), undefined);
  assert.ok(tier('unit').includes('packages/runtime/test/kafka/record-batch-codec.test.ts'));
});

test('a server reached through a test helper counts; comments and src/ imports do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tiers-'));
  // Written in pieces, so that this file itself does not carry the markers it checks.
  const childProcess = `'node:child${'_'}process'`;
  const server = `use${'Kafka'}`;
  try {
    writeFileSync(join(dir, 'helper.ts'), `import { spawn } from ${childProcess};\nexport { spawn };\n`);
    writeFileSync(join(dir, 'uses-helper.test.ts'), "import { spawn } from './helper.ts';\nvoid spawn;\n");
    writeFileSync(join(dir, 'comment.test.ts'), `// not ${server}(): only a comment\n/* ${server} */\n`);
    writeFileSync(join(dir, 'marked.test.ts'), '// test-tier: integration\nexport {};\n');
    writeFileSync(join(dir, 'server.test.ts'), `const k = await ${server}();\nconsole.log(k);\n`);
    assert.match(
      integrationReason(join(dir, 'uses-helper.test.ts')) ?? '',
      /child process \(in .*helper\.ts\)/,
    );
    assert.equal(integrationReason(join(dir, 'comment.test.ts')), undefined);
    assert.match(integrationReason(join(dir, 'marked.test.ts')) ?? '', /test-tier: integration/);
    assert.match(integrationReason(join(dir, 'server.test.ts')) ?? '', /test server/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
