/**
 * A real Apache Kafka broker for tests: a single-node KRaft cluster (combined broker and
 * controller) on loopback, run from the jars of Maven Central.
 *
 * The jars are fetched once into `<repo>/.cache/kafka-<version>/libs` with a generated pom and
 * `mvn dependency:copy-dependencies`; a download happens in a private temporary directory that
 * is renamed into place when complete, under a lock file, so concurrent callers never see (or
 * produce) a half-filled cache. Each started broker gets its own temporary directory holding its
 * `server.properties`, `log4j2.properties`, data (`data/`) and logs (`logs/`).
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { classpathPom, ensureMavenCache } from './maven.ts';
import {
  defaultLog,
  freePorts,
  type RestartableServer,
  removeDir,
  type ServerOwnerOptions,
  ServerStartError,
  sleep,
  spawnGuarded,
  startWithRetries,
  stopRecordedServer,
  stopServer,
  tailFile,
  terminate,
  waitUntilReady,
} from './server-process.ts';

const execFileAsync = promisify(execFile);

/** The Apache Kafka release the tests run against (Maven Central `org.apache.kafka:kafka_2.13`). */
export const KAFKA_VERSION = '4.1.1';
/** log4j2 runtime added by hand: Kafka 4.x ships it in the tarball only, not in its POM. */
const LOG4J_VERSION = '2.24.3';
/** slf4j 2 API, so that the log4j-slf4j2-impl binding is found (Kafka's POM names slf4j-api 1.7). */
const SLF4J_VERSION = '2.0.17';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export interface KafkaServerOptions extends ServerOwnerOptions {
  /** Kafka version to fetch and run; defaults to {@link KAFKA_VERSION}. */
  version?: string;
  /** Maximum JVM heap, e.g. '768m' (the default). */
  heap?: string;
  /** Extra or overriding `server.properties` entries. */
  properties?: Record<string, string | number | boolean>;
}

export interface KafkaServer extends RestartableServer {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  bootstrapServers: string;
  /** The KRaft cluster id the storage was formatted with. */
  clusterId: string;
  /** Directory of the broker's log files (`server.log`, `stdout.log`). */
  logDir: string;
}

/** Starts a fresh single-node Kafka broker and waits until it serves metadata requests. */
export async function startKafka(options: KafkaServerOptions = {}): Promise<KafkaServer> {
  const version = options.version ?? KAFKA_VERSION;
  const log = options.log ?? defaultLog;
  const libs = await ensureKafkaLibs(version, log);
  return await startWithRetries('Kafka', 'its ports', log, () => startOnce(version, libs, options, log));
}

async function startOnce(
  version: string,
  libs: string,
  options: KafkaServerOptions,
  log: (message: string) => void,
): Promise<KafkaServer> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-kafka-'));
  const logDir = join(dir, 'logs');
  const dataDir = join(dir, 'data');
  await mkdir(logDir, { recursive: true });
  const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
  const propsFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j2.properties');
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 5,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Small footprint for a 2-core test machine.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 4,
    'log.segment.bytes': 16 * 1024 * 1024,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    'log.cleaner.io.buffer.size': 512 * 1024,
    ...options.properties,
  };
  await writeFile(
    propsFile,
    `${Object.entries(props)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('\n')}\n`,
  );
  await writeFile(log4jFile, log4jConfig(logDir));

  const clusterId = randomClusterId();
  const classpath = `${libs}/*`;
  const jvmCommon = [
    `-Dlog4j2.configurationFile=${log4jFile}`,
    `-Dkafka.logs.dir=${logDir}`,
    '-Djava.awt.headless=true',
  ];
  try {
    await execFileAsync(
      'java',
      [
        '-Xmx256m',
        ...jvmCommon,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propsFile,
      ],
      { timeout: 120_000 },
    );
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    await removeDir(dir);
    throw new Error(
      `kafka-storage format failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\n` +
        `${await tailFile(join(logDir, 'server.log'))}`,
    );
  }

  const bootstrapServers = `127.0.0.1:${brokerPort}`;
  const launch = (): Promise<number> =>
    spawnGuarded(
      'java',
      [
        '-Xms256m',
        `-Xmx${options.heap ?? '768m'}`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        ...jvmCommon,
        '-cp',
        classpath,
        'kafka.Kafka',
        propsFile,
      ],
      join(logDir, 'stdout.log'),
      { options, signal: 'SIGTERM', dir },
      'could not spawn java for the Kafka broker (is java 17+ on PATH?)',
      (childPid, hasExited) => waitReady(bootstrapServers, childPid, hasExited, READY_TIMEOUT_MS),
      async (err) => {
        const serverLog = await tailFile(join(logDir, 'server.log'));
        const stdoutLog = await tailFile(join(logDir, 'stdout.log'));
        const all = `${serverLog}\n${stdoutLog}`;
        return new ServerStartError(
          `Kafka ${version} did not become ready on ${bootstrapServers}: ${err.message}\n` +
            `--- tail of server.log ---\n${serverLog}\n--- tail of stdout.log ---\n${stdoutLog}`,
          /Address already in use|BindException/.test(all),
        );
      },
    );
  let pid: number;
  try {
    pid = await launch();
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
  log(`Kafka ${version} ready on ${bootstrapServers} in ${Date.now() - started} ms (pid ${pid}, dir ${dir})`);

  let stopping: Promise<void> | undefined;
  return {
    bootstrapServers,
    clusterId,
    get pid() {
      return pid;
    },
    dir,
    logDir,
    version,
    stop() {
      stopping ??= stopServer(pid, 'SIGTERM', STOP_TIMEOUT_MS, dir, options.keepDir);
      return stopping;
    },
    async restart(restartOptions = {}) {
      if (stopping !== undefined) throw new Error('the broker was stopped');
      await terminate(pid, restartOptions.kill === true ? 'SIGKILL' : 'SIGTERM', STOP_TIMEOUT_MS);
      if (restartOptions.downMs !== undefined) await sleep(restartOptions.downMs);
      pid = await launch();
      log(`Kafka ${version} restarted on ${bootstrapServers} (pid ${pid})`);
    },
  };
}

/**
 * Stops a broker started by another process (from its pid and directory, as recorded by
 * `test-servers start`): SIGTERM, 30 s, SIGKILL, then removes the directory. The pid is only
 * signalled when its command line names `dir`, so a reused pid is left alone.
 */
export async function stopKafkaProcess(pid: number, dir: string): Promise<void> {
  await stopRecordedServer(pid, dir, 'SIGTERM', STOP_TIMEOUT_MS);
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, not starting with '-'. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function log4jConfig(logDir: string): string {
  return [
    '# Written by @sluice/testing: WARN and above to logs/server.log.',
    'status = warn',
    'name = SluiceTestKafka',
    'appender.file.type = RollingFile',
    'appender.file.name = FILE',
    `appender.file.fileName = ${join(logDir, 'server.log')}`,
    `appender.file.filePattern = ${join(logDir, 'server.log')}.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 20MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 2',
    'rootLogger.level = WARN',
    'rootLogger.appenderRef.file.ref = FILE',
    '',
  ].join('\n');
}

/** Polls until the broker answers a metadata request that lists itself, or fails. */
async function waitReady(
  bootstrapServers: string,
  pid: number,
  hasExited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const [host, portText] = bootstrapServers.split(':') as [string, string];
  const port = Number(portText);
  await waitUntilReady(pid, hasExited, timeoutMs, 250, 'the broker process exited', async () => {
    if (!(await portAccepts(host, port))) return `port ${port} does not accept connections`;
    const admin = new Admin({
      clientId: 'sluice-testing-readiness',
      bootstrapBrokers: [bootstrapServers],
      retries: 0,
      timeout: 5_000,
      connectTimeout: 2_000,
    });
    try {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true });
      return metadata.brokers.size > 0 ? true : 'metadata lists no broker';
    } finally {
      await admin.close().catch(() => {});
    }
  });
}

function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------------
// The jar cache

/**
 * Returns the directory holding Kafka `version`'s jars, fetching them on first use.
 * Concurrent callers (threads of one test run, several test processes) wait on a lock file; a
 * lock left by a dead process is taken over.
 */
export async function ensureKafkaLibs(
  version: string = KAFKA_VERSION,
  log: (message: string) => void = defaultLog,
): Promise<string> {
  const target = await ensureMavenCache({
    name: `kafka-${version}`,
    readyPath: 'libs',
    pom: classpathPom('kafka-broker-classpath', version, 'the classpath of an Apache Kafka broker.', [
      ['org.apache.kafka', 'kafka_2.13', version],
      ['org.slf4j', 'slf4j-api', SLF4J_VERSION],
      ['org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION],
      ['org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION],
      ['org.apache.logging.log4j', 'log4j-slf4j2-impl', LOG4J_VERSION],
    ]),
    what: `Apache Kafka ${version} jars`,
    tools: [
      ['java', ['-version'], 'Java 17+ (`java` on PATH) is needed to run the Kafka broker'],
      ['mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch Kafka from Maven Central'],
    ],
    log,
  });
  return join(target, 'libs');
}
