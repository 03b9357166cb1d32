import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findJsonLine, jarVersion, lastJsonLine, root, workDir } from '../bench-util.ts';
import { connectCommand, cpuProfArgs, sluiceCommand } from '../connect.ts';

test('the last JSON line of a child’s output', () => {
  const out = 'warming up\n{"a":1}\nnoise\n{"a":2}\ndone\n';
  assert.equal(findJsonLine(out), '{"a":2}');
  assert.deepEqual(lastJsonLine<{ a: number }>(out, 'Java'), { a: 2 });
  assert.equal(findJsonLine('no result\n'), undefined);
  assert.throws(() => lastJsonLine('no result\n', 'micro.ts'), {
    message: 'micro.ts printed no JSON result line:\nno result\n',
  });
});

test('jarVersion: the version of the artifact’s jar, not of a longer artifact name', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-jars-'));
  try {
    for (const jar of ['postgresql-42.7.11.jar', 'postgresql-extras-1.0.jar', 'connect-runtime-4.1.1.jar'])
      writeFileSync(path.join(dir, jar), '');
    assert.equal(jarVersion(dir, 'postgresql'), '42.7.11');
    assert.equal(jarVersion(dir, 'connect-runtime'), '4.1.1');
    assert.equal(jarVersion(dir, 'debezium-connector-postgres'), 'unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('work directories live under benchmarks/.work', () => {
  assert.equal(workDir('x'), path.join(root, 'benchmarks/.work/x'));
});

test('worker commands: Kafka Connect on the Maven classpath, sluice on the given node', () => {
  const java = connectCommand({
    jvmArgs: ['-Xmx1G'],
    log4jFile: '/run/log4j2.properties',
    libs: '/libs',
    mainClass: 'org.apache.kafka.connect.cli.ConnectStandalone',
    args: ['w.properties', 'c.properties'],
  });
  assert.equal(java.cmd, 'java');
  assert.deepEqual(java.args, [
    '-Xmx1G',
    '-Dlog4j2.configurationFile=/run/log4j2.properties',
    '-cp',
    '/libs/*',
    'org.apache.kafka.connect.cli.ConnectStandalone',
    'w.properties',
    'c.properties',
  ]);
  const sluice = sluiceCommand({
    node: '/bin/node24',
    nodeArgs: cpuProfArgs('/prof', 'sluice-source.cpuprofile'),
    args: ['standalone', 'w.properties'],
    logLevel: 'WARN',
  });
  assert.equal(sluice.cmd, '/bin/node24');
  assert.deepEqual(sluice.args, [
    '--cpu-prof',
    '--cpu-prof-dir=/prof',
    '--cpu-prof-name=sluice-source.cpuprofile',
    path.join(root, 'packages/cli/bin/sluice.mjs'),
    'standalone',
    'w.properties',
  ]);
  assert.equal(sluice.env.SLUICE_NODE, '/bin/node24');
  assert.equal(sluice.env.SLUICE_LOG_LEVEL, 'WARN');
  assert.equal(sluice.env.SLUICE_LOG_FORMAT, 'json');
  assert.deepEqual(cpuProfArgs('/prof'), ['--cpu-prof', '--cpu-prof-dir=/prof']);
});
