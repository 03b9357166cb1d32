/**
 * Records the REST goldens from the real thing: Apache Kafka Connect 4.1.1 (ConnectStandalone, from
 * Maven Central) on a real Kafka broker (@sluice/testing), answering the request sequence of
 * `sequence.ts`. Writes `kafka-connect-4.1.1.json` next to this file; `../golden.test.ts` sends
 * the same sequence to Sluice and compares.
 *
 * Run on demand (needs Java 17+ and Maven; ~1 minute, plus the first download):
 *
 *   scripts/run-node.sh packages/runtime/test/rest/goldens/record.ts
 *
 * With SLUICE_TEST_KAFKA_BOOTSTRAP set the broker named there is used, else one is started and
 * stopped. Kafka Connect's jars (connect-runtime, -file, -json, -transforms and a log4j2 binding,
 * listed in `pom.xml` here) are copied once into `<repo>/.cache/kafka-connect-4.1.1-rest/libs`.
 * The worker's log goes to `<repo>/.cache/kafka-connect-4.1.1-rest/last-run/connect.log`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startKafka, uniqueName } from '@sluice/testing';
import {
  GOLDEN_FILE,
  type GoldenFile,
  goldenWorkerProps,
  prepareFiles,
  runSequence,
  type SequenceContext,
} from './sequence.ts';

const CONNECT_VERSION = '4.1.1';
const repo = join(import.meta.dirname, '../../../../..');
const cache = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`);
const libs = join(cache, 'libs');
const runDir = join(cache, 'last-run');
const log = (m: string) => console.error(`[record] ${m}`);

function fetchLibs(): void {
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('connect-runtime-'))) return;
  const tmp = `${libs}.tmp-${process.pid}`;
  mkdirSync(cache, { recursive: true });
  log(`fetching Kafka Connect ${CONNECT_VERSION} jars from Maven Central into ${libs}`);
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

async function waitForRest(base: string, worker: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`Kafka Connect exited (${worker.exitCode}); see ${runDir}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Kafka Connect did not become healthy within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

fetchLibs();
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

const fromEnv = process.env.SLUICE_TEST_KAFKA_BOOTSTRAP?.trim();
const broker = fromEnv ? undefined : await startKafka({ ownerPid: process.pid, log });
const bootstrap = fromEnv || broker!.bootstrapServers;
const dir = await mkdtemp(join(tmpdir(), 'rest-golden-'));
let worker: ChildProcess | undefined;
try {
  const port = await freePort();
  const workerProps: Record<string, string> = {
    'bootstrap.servers': bootstrap,
    ...goldenWorkerProps,
    'offset.storage.file.filename': join(dir, 'offsets'),
    listeners: `http://127.0.0.1:${port}`,
  };
  const propsFile = join(runDir, 'worker.properties');
  await writeFile(
    propsFile,
    Object.entries(workerProps)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const log4j = join(runDir, 'log4j2.properties');
  await writeFile(
    log4j,
    [
      'status = warn',
      'appender.stdout.type = Console',
      'appender.stdout.name = STDOUT',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      '',
    ].join('\n'),
  );
  const out = openSync(join(runDir, 'connect.log'), 'w');
  worker = spawn(
    'java',
    [
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      `${libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      propsFile,
    ],
    { stdio: ['ignore', out, out] },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForRest(base, worker);
  log(`Kafka Connect ${CONNECT_VERSION} up at ${base}`);
  const ctx: SequenceContext = {
    base,
    dir,
    topic: uniqueName('golden'),
    source: uniqueName('golden-source'),
    sink: uniqueName('golden-sink'),
    paused: uniqueName('golden-paused'),
    stopped: uniqueName('golden-stopped'),
    created: uniqueName('golden-created'),
  };
  await prepareFiles(ctx);
  const answers = await runSequence(ctx, log);
  const golden: GoldenFile = {
    recordedWith: `Apache Kafka Connect ${CONNECT_VERSION} (ConnectStandalone, Maven Central), broker ${broker?.version ?? 'from SLUICE_TEST_KAFKA_BOOTSTRAP'}`,
    recordedAt: new Date().toISOString().slice(0, 10),
    workerProps: { ...goldenWorkerProps },
    answers,
  };
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
  log(`wrote ${answers.length} answers to ${GOLDEN_FILE}`);
} finally {
  if (worker !== undefined && worker.exitCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    const timer = setTimeout(() => worker!.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
}
