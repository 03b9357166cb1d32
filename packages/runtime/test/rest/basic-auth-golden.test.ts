/**
 * Kafka's basic-auth extension against the real thing: the requests of `goldens/basic-auth/sequence.ts`
 * sent to a Sluice standalone worker configured as the recorded Kafka Connect 4.1.1 was (same JAAS
 * file, same users), answer by answer against `goldens/basic-auth/kafka-connect-4.1.1.json`
 * (written by `goldens/basic-auth/record.ts`, never by hand): status, Content-Type,
 * WWW-Authenticate and body.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import {
  EXTENSION,
  GOLDEN_FILE,
  type GoldenFile,
  type RecordedAnswer,
  runSteps,
  writeJaas,
} from './goldens/basic-auth/sequence.ts';
import { workerProps } from './rest-harness.ts';

let dir: string;
let answers: RecordedAnswer[];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-basic-auth-golden-'));
  const jaas = await writeJaas(dir);
  const logger = createLogger({ level: 'WARN' });
  const herder = await StandaloneHerder.create(
    { ...workerProps(dir), 'rest.extension.classes': EXTENSION },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const server = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    ...restSecurityOptions(herder.config, { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` }),
  });
  const { urls } = await server.start();
  try {
    answers = await runSteps(urls[0]!);
  } finally {
    await server.stop();
    await herder.stop();
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The server info's version, commit and cluster id differ between any two runtimes. */
function normalise(a: RecordedAnswer): RecordedAnswer {
  if (a.label.startsWith('root,') && a.status === 200) return { ...a, body: '<server info>' };
  return a;
}

/**
 * Jersey's own 404/405 carry no Content-Type; Sluice labels them application/json (the deliberate
 * difference of docs/rest-differences.md, checked as exactly that).
 */
function jerseyError(kafka: RecordedAnswer, sluice: RecordedAnswer): RecordedAnswer {
  if ((kafka.status === 404 || kafka.status === 405) && kafka.contentType === null) {
    assert.equal(sluice.contentType, 'application/json');
    return { ...sluice, contentType: null };
  }
  return sluice;
}

const golden = JSON.parse(await readFile(GOLDEN_FILE, 'utf8')) as GoldenFile;
for (const [i, expected] of golden.answers.entries()) {
  test(expected.label, () => {
    const actual = answers[i]!;
    assert.equal(actual.label, expected.label);
    assert.deepEqual(normalise(jerseyError(expected, actual)), normalise(expected));
  });
}
