/**
 * Records the basic-auth golden from the real thing: Apache Kafka Connect 4.1.1 (ConnectStandalone
 * with connect-basic-auth-extension, from Maven Central) on a real broker (@sluice/testing), the
 * JAAS file given as -Djava.security.auth.login.config (what KAFKA_OPTS carries), answering `sequence.ts`.
 * Writes `kafka-connect-4.1.1.json` next to this file.
 *
 *   scripts/run-node.sh packages/runtime/test/rest/goldens/basic-auth/record.ts
 *
 * Needs Java 17+ and Maven; the jars are copied once into `<repo>/.cache/kafka-connect-4.1.1-basic-auth/libs`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from '@sluice/testing';
import { EXTENSION, GOLDEN_FILE, type GoldenFile, runSteps, writeJaas } from './sequence.ts';

const VERSION = '4.1.1';
const repo = join(import.meta.dirname, '../../../../../..');
const cache = join(repo, '.cache', `kafka-connect-${VERSION}-basic-auth`);
const libs = join(cache, 'libs');
const log = (m: string) => console.error(`[record] ${m}`);

if (!(existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('connect-basic-auth-extension-')))) {
  const tmp = `${libs}.tmp-${process.pid}`;
  mkdirSync(cache, { recursive: true });
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(import.meta.dirname, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`mvn failed (${r.status ?? r.signal})`);
  renameSync(tmp, libs);
}

const port = await new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const fromEnv = process.env.SLUICE_TEST_KAFKA_BOOTSTRAP?.trim();
const broker = fromEnv ? undefined : await startKafka({ ownerPid: process.pid, log });
const dir = await mkdtemp(join(tmpdir(), 'basic-auth-golden-'));
let worker: ChildProcess | undefined;
try {
  const jaas = await writeJaas(dir);
  const props = join(dir, 'worker.properties');
  await writeFile(
    props,
    [
      `bootstrap.servers=${fromEnv || broker!.bootstrapServers}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      `offset.storage.file.filename=${join(dir, 'offsets')}`,
      `listeners=http://127.0.0.1:${port}`,
      `rest.extension.classes=${EXTENSION}`,
      '',
    ].join('\n'),
  );
  const log4j = join(dir, 'log4j2.properties');
  await writeFile(
    log4j,
    'status = warn\nappender.o.type = Console\nappender.o.name = O\nappender.o.layout.type = PatternLayout\nappender.o.layout.pattern = %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.o.ref = O\n',
  );
  const out = openSync(join(cache, 'connect.log'), 'w');
  // Kafka's shell scripts pass KAFKA_OPTS to the JVM: here the same system property, given directly.
  worker = spawn(
    'java',
    [
      `-Djava.security.auth.login.config=${jaas}`,
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      props,
    ],
    {
      stdio: ['ignore', out, out],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`Kafka Connect exited; see ${join(cache, 'connect.log')}`);
    const ok = await fetch(`${base}/`).then(
      (r) => r.status === 401,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('Kafka Connect did not answer within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const answers = await runSteps(base);
  const golden: GoldenFile = {
    recordedWith: `Apache Kafka Connect ${VERSION} (ConnectStandalone with connect-basic-auth-extension, Maven Central)`,
    recordedAt: new Date().toISOString().slice(0, 10),
    answers,
  };
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
  log(`wrote ${answers.length} answers to ${GOLDEN_FILE}`);
} finally {
  if (worker !== undefined && worker.exitCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    await exited;
  }
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
}
