/**
 * The `sluice` command with a secured REST API, as a user starts it: `listeners=https://...` with
 * Kafka's TLS keys and Kafka's basic-auth extension from `KAFKA_OPTS` serve HTTPS with a password
 * (curl as the client); a wrong key store password stops the worker with a message naming the key.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '@sluice/cli';
import { eventually } from '@sluice/testing';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/bin/sluice.mjs');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-security-'));
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  );
  await openssl(
    'pkcs12',
    '-export',
    '-inkey',
    'server.key',
    '-in',
    'server.pem',
    '-passout',
    'pass:store-pw',
    '-out',
    'server.p12',
  );
  await writeFile(join(dir, 'users.properties'), 'admin=admin-pw\n');
  await writeFile(
    join(dir, 'jaas.conf'),
    `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${join(dir, 'users.properties')}";\n};\n`,
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function workerProperties(name: string, password: string): string {
  return [
    'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.storage.StringConverter',
    `embedded.log.dir=${join(dir, `${name}-log`)}`,
    'listeners=https://127.0.0.1:0',
    'listeners.https.ssl.keystore.type=PKCS12',
    `listeners.https.ssl.keystore.location=${join(dir, 'server.p12')}`,
    `listeners.https.ssl.keystore.password=${password}`,
    'rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
    '',
  ].join('\n');
}

test('sluice standalone serves HTTPS with Kafka basic auth from KAFKA_OPTS', {
  timeout: 60_000,
}, async () => {
  const props = join(dir, 'ok.properties');
  await writeFile(props, workerProperties('ok', 'store-pw'));
  const child = spawn(process.execPath, [bin, 'standalone', props], {
    env: { ...process.env, KAFKA_OPTS: `-Djava.security.auth.login.config=${join(dir, 'jaas.conf')}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.on('data', (c) => (logs += String(c)));
  child.stderr.on('data', (c) => (logs += String(c)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const url = await eventually(
      'the REST server listening',
      async () => /REST server listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(logs)?.[1],
      40_000,
    );
    const curl = async (...args: string[]) =>
      (
        await run('curl', [
          '-sS',
          '-w',
          '\n%{http_code}',
          '--cacert',
          join(dir, 'ca.pem'),
          ...args,
          `${url}/connectors`,
        ])
      ).stdout;
    assert.equal(await curl('-u', 'admin:admin-pw'), '[]\n200');
    assert.equal(await curl('-u', 'admin:wrong'), 'User cannot access the resource.\n401');
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, logs);
  }
});

test('a wrong key store password: the worker does not start, the message names the key', async () => {
  const props = join(dir, 'bad.properties');
  await writeFile(props, workerProperties('bad', 'not-the-password'));
  const err = new PassThrough();
  let text = '';
  err.on('data', (c) => (text += String(c)));
  const previous = process.env.KAFKA_OPTS;
  process.env.KAFKA_OPTS = `-Djava.security.auth.login.config=${join(dir, 'jaas.conf')}`;
  try {
    const code = await main(['standalone', props], new PassThrough(), err);
    assert.notEqual(code, 0);
    assert.match(text, /cannot start the REST server: .*listeners\.https\.ssl\.keystore\.password/);
  } finally {
    if (previous === undefined) delete process.env.KAFKA_OPTS;
    else process.env.KAFKA_OPTS = previous;
  }
});
