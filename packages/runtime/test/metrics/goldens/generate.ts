/**
 * Records the MBean goldens from the real thing: Apache Kafka Connect 4.1.1 (from
 * Maven Central) on a real Kafka broker runs a FileStream source and a FileStream sink, each with
 * one transform guarded by one predicate; once the sink has copied every line,
 * `ListConnectMBeans.java` (next to this file) attaches over JMX and lists every MBean under
 * `kafka.connect:*` with each attribute's name, value class and (for strings) value. Writes
 * `kafka-connect-4.1.1-mbeans.txt`; `../jmx-golden.test.ts` runs the same pipeline on Sluice and
 * compares its `GET /metrics` with the names the JMX exporter's Kafka Connect rules give them.
 *
 * Run on demand (needs Java 17+ and Maven; ~2 minutes, plus the first download):
 *
 *   scripts/run-node.sh packages/runtime/test/metrics/goldens/generate.ts [standalone|distributed]
 *
 * once with ConnectStandalone (`kafka-connect-4.1.1-mbeans.txt`) and once with one
 * ConnectDistributed worker (`kafka-connect-4.1.1-distributed-mbeans.txt`: its group's own MBeans
 * besides), or only the mode named.
 *
 * With SLUICE_TEST_KAFKA_BOOTSTRAP set the broker named there is used, else one is started and
 * stopped. The jars are those of the REST goldens (`../../rest/goldens/pom.xml`, copied once into
 * `<repo>/.cache/kafka-connect-4.1.1-rest/libs`). The worker's log goes to
 * `<repo>/.cache/kafka-connect-4.1.1-mbeans/<mode>.log`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startKafka, uniqueName } from '@sluice/testing';
import {
  distributedProps,
  GOLDEN_FILES,
  goldenConnectors,
  goldenWorkerProps,
  PIPELINE_LINES,
  type WorkerMode,
} from './pipeline.ts';

const CONNECT_VERSION = '4.1.1';
const repo = join(import.meta.dirname, '../../../../..');
const restCache = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`);
const libs = join(restCache, 'libs');
const runDir = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-mbeans`);
const log = (m: string) => console.error(`[mbeans] ${m}`);

function fetchLibs(): void {
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('connect-runtime-'))) return;
  const tmp = `${libs}.tmp-${process.pid}`;
  mkdirSync(restCache, { recursive: true });
  log(`fetching Kafka Connect ${CONNECT_VERSION} jars from Maven Central into ${libs}`);
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(import.meta.dirname, '../../rest/goldens/pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error(`mvn failed (${r.status ?? r.signal})`);
  renameSync(tmp, libs);
}

async function until(what: string, worker: ChildProcess, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`Kafka Connect exited (${worker.exitCode}); see ${runDir}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; see ${runDir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the pipeline on a `mode` worker and writes its golden. */
async function record(mode: WorkerMode, bootstrap: string, brokerVersion: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mbeans-golden-'));
  let worker: ChildProcess | undefined;
  try {
    const port = await freePort();
    const jmxPort = await freePort();
    const propsFile = join(runDir, `${mode}.properties`);
    const group = uniqueName('mbeans-group');
    const workerProps: Record<string, string> = {
      'bootstrap.servers': bootstrap,
      ...goldenWorkerProps,
      ...(mode === 'standalone'
        ? { 'offset.storage.file.filename': join(dir, 'offsets') }
        : distributedProps(group)),
      listeners: `http://127.0.0.1:${port}`,
    };
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
    const out = openSync(join(runDir, `${mode}.log`), 'w');
    worker = spawn(
      'java',
      [
        `-Dcom.sun.management.jmxremote.port=${jmxPort}`,
        `-Dcom.sun.management.jmxremote.rmi.port=${jmxPort}`,
        '-Dcom.sun.management.jmxremote.host=127.0.0.1',
        '-Djava.rmi.server.hostname=127.0.0.1',
        '-Dcom.sun.management.jmxremote.authenticate=false',
        '-Dcom.sun.management.jmxremote.ssl=false',
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        `${libs}/*`,
        mode === 'standalone'
          ? 'org.apache.kafka.connect.cli.ConnectStandalone'
          : 'org.apache.kafka.connect.cli.ConnectDistributed',
        propsFile,
      ],
      { stdio: ['ignore', out, out] },
    );
    const w = worker;
    const base = `http://127.0.0.1:${port}`;
    await until('the REST API', w, async () => (await fetch(`${base}/health`)).status === 200);
    log(`Kafka Connect ${CONNECT_VERSION} (${mode}) up at ${base}, JMX on ${jmxPort}`);

    const lines = Array.from({ length: PIPELINE_LINES }, (_, i) => `line-${i}`);
    await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
    const topic = uniqueName('mbeans');
    for (const [name, config] of Object.entries(goldenConnectors(dir, topic))) {
      // A distributed worker answers 409 while it rebalances: retried.
      await until(`the creation of ${name}`, w, async () => {
        const res = await fetch(`${base}/connectors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, config }),
        });
        if (res.status === 201) return true;
        if (res.status === 409) return false;
        throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
      });
    }
    await until('the sink to copy every line', w, async () => {
      const copied = readFileSync(join(dir, 'out.txt'), 'utf8');
      return copied.split('\n').filter((l) => l !== '').length === lines.length;
    });
    // Let an offset commit of each task happen (offset.flush.interval.ms is 500).
    await new Promise((r) => setTimeout(r, 3000));

    // Connect's jars on the lister's classpath: some values are Connect's own types (an enum).
    const lister = join(import.meta.dirname, 'ListConnectMBeans.java');
    const listed = spawnSync('java', ['-cp', `${libs}/*`, lister, String(jmxPort)], { encoding: 'utf8' });
    if (listed.status !== 0) throw new Error(`ListConnectMBeans failed: ${listed.stderr}`);
    const rows = listed.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [name, attr, type, value] = l.split('\t') as [string, string, string, string];
        // Numbers change from run to run; strings and enums (classes, versions, states, types)
        // are kept, with the run's names, directory and port replaced by placeholders.
        const shown = /^java\.lang\.(Double|Long|Integer)$/.test(type) ? '' : value;
        return [name, attr, type, shown]
          .join('\t')
          .replaceAll(group, '<group>')
          .replaceAll(topic, '<topic>')
          .replaceAll(dir, '<dir>')
          .replaceAll(String(port), '<port>')
          .trimEnd();
      });
    const header = [
      `# Every attribute of every MBean under kafka.connect:* of Apache Kafka Connect ${CONNECT_VERSION}`,
      `# (${mode === 'standalone' ? 'ConnectStandalone' : 'ConnectDistributed, one worker'}, Maven Central) running the pipeline of pipeline.ts; recorded by generate.ts.`,
      `# Broker: ${brokerVersion}. Columns: ObjectName, attribute, class of the value, value (all but numbers).`,
    ];
    writeFileSync(GOLDEN_FILES[mode], `${[...header, ...rows].join('\n')}\n`);
    log(`wrote ${rows.length} attributes to ${GOLDEN_FILES[mode]}`);
  } finally {
    if (worker !== undefined && worker.exitCode === null) {
      const w = worker;
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      const timer = setTimeout(() => w.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

fetchLibs();
mkdirSync(runDir, { recursive: true });
const fromEnv = process.env.SLUICE_TEST_KAFKA_BOOTSTRAP?.trim();
const broker = fromEnv ? undefined : await startKafka({ ownerPid: process.pid, log });
try {
  const bootstrap = fromEnv || broker!.bootstrapServers;
  const version = broker?.version ?? 'from SLUICE_TEST_KAFKA_BOOTSTRAP';
  const only = process.argv[2] as WorkerMode | undefined;
  for (const mode of ['standalone', 'distributed'] as const)
    if (only === undefined || only === mode) await record(mode, bootstrap, version);
} finally {
  await broker?.stop();
}
