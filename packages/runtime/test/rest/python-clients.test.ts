/**
 * The Python Kafka Connect clients from PyPI (`kafka-connect-py`, `kafka-connect-api`, installed
 * into a venv under .cache/) against a worker over HTTPS with Kafka's basic-auth extension and
 * Sluice's roles: create, list, status, pause, resume, delete; a wrong password (401), a viewer's
 * write (403) and a client without the CA (TLS verification error).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { builtinPlugins } from '@sluice/cli';
import { ensurePythonVenv } from '@sluice/testing';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { setRestClientTls } from '../../src/rest/tls.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import { workerProps } from './rest-harness.ts';
import { makeCerts, type TestCerts } from './tls-certs.ts';

const run = promisify(execFile);
const VENV = 'python-kafka-connect-clients';
const REQUIREMENTS = ['kafka-connect-py==1.0.0', 'kafka-connect-api==0.5.10'];
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python', 'kafka_connect_clients.py');

let certs: TestCerts;
let dir: string;
before(async () => {
  certs = makeCerts();
  dir = await mkdtemp(join(tmpdir(), 'sluice-py-clients-'));
});
after(async () => {
  setRestClientTls(undefined);
  await rm(certs.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

test('kafka-connect-py and kafka-connect-api drive a worker over HTTPS with basic auth and roles', async () => {
  const python = ensurePythonVenv(VENV, REQUIREMENTS);
  const users = join(dir, 'users.properties');
  await writeFile(users, 'alice=alice-secret\nvic=vic-secret\n');
  const jaas = join(dir, 'connect_jaas.conf');
  await writeFile(
    jaas,
    `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${users}";\n};\n`,
  );
  const source = join(dir, 'source.txt');
  await writeFile(source, 'one\ntwo\n');
  const logger = createLogger({ level: 'WARN' });
  const herder = await StandaloneHerder.create(
    {
      ...workerProps(join(dir, 'worker')),
      listeners: 'https://127.0.0.1:0',
      'listeners.https.ssl.keystore.type': 'PEM',
      'listeners.https.ssl.keystore.location': certs.serverPem,
      'rest.extension.classes':
        'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
      'java.security.auth.login.config': jaas,
      'rest.auth.user.roles': 'alice:admin,vic:viewer',
    },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const server = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    ...restSecurityOptions(herder.config, {}),
  });
  try {
    const { urls } = await server.start();
    const { stdout } = await run(
      python,
      [SCRIPT, urls[0]!, certs.caPem, 'alice:alice-secret', 'vic:vic-secret', source],
      { timeout: 120_000, env: { ...process.env, REQUESTS_CA_BUNDLE: '' } },
    );
    const steps = new Map(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: string; value: unknown })
        .map((s) => [s.step, s.value]),
    );
    assert.equal(typeof (steps.get('cluster') as { version?: string }).version, 'string');
    assert.equal(steps.get('created'), 'py-file-source');
    assert.deepEqual(steps.get('list'), ['py-file-source']);
    assert.equal(steps.get('status'), 'RUNNING');
    assert.equal(steps.get('task'), 'RUNNING');
    assert.equal(steps.get('paused'), 'PAUSED');
    assert.equal(steps.get('resumed'), 'RUNNING');
    assert.equal(typeof steps.get('api-version'), 'string');
    assert.deepEqual(steps.get('api-connectors'), ['py-file-source']);
    assert.equal(steps.get('api-state'), 'RUNNING');
    assert.equal(steps.get('wrong-password'), 401);
    assert.deepEqual(steps.get('viewer-list'), ['py-file-source']);
    assert.equal(steps.get('viewer-pause'), 403);
    assert.equal(steps.get('untrusted'), 'ssl-error');
    assert.deepEqual(steps.get('deleted'), []);
    assert.deepEqual(await herder.connectors(), []);
  } finally {
    await server.stop();
    await herder.stop();
  }
});
