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

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import {
  acquireLock,
  cacheDir,
  freePorts,
  isAlive,
  isOurProcess,
  openLog,
  removeDir,
  sleep,
  startGuardian,
  tailFile,
  terminate,
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

export interface KafkaServerOptions {
  /** Kafka version to fetch and run; defaults to {@link KAFKA_VERSION}. */
  version?: string;
  /** Maximum JVM heap, e.g. '768m' (the default). */
  heap?: string;
  /** Extra or overriding `server.properties` entries. */
  properties?: Record<string, string | number | boolean>;
  /**
   * Pid of the process that owns the broker: when it dies, a guardian stops the broker and
   * removes its directory. Leave undefined for a broker that must outlive its starter
   * (e.g. `test-servers start`); then only {@link KafkaServer.stop} or {@link stopKafkaProcess} ends it.
   */
  ownerPid?: number;
  /** Keep the broker directory (data and logs) after stop. Default false. */
  keepDir?: boolean;
  /** Progress messages (to stderr by default; pass () => {} to silence). */
  log?: (message: string) => void;
}

export interface KafkaServer {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  bootstrapServers: string;
  /** The KRaft cluster id the storage was formatted with. */
  clusterId: string;
  /** Pid of the broker JVM. */
  pid: number;
  /** The broker's private directory (config, `data/`, `logs/`), removed by stop() unless keepDir. */
  dir: string;
  /** Directory of the broker's log files (`server.log`, `stdout.log`). */
  logDir: string;
  version: string;
  /** SIGTERM, up to 30 s for a clean shutdown, then SIGKILL; removes the directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the broker (SIGTERM, or SIGKILL with `{ kill: true }`) and starts it again on the same
   * ports with the same data, for tests of clients riding out a broker restart. `pid` changes.
   */
  restart(options?: { kill?: boolean; downMs?: number }): Promise<void>;
}

const defaultLog = (message: string): void => {
  process.stderr.write(`[sluice-testing] ${message}\n`);
};

/** Starts a fresh single-node Kafka broker and waits until it serves metadata requests. */
export async function startKafka(options: KafkaServerOptions = {}): Promise<KafkaServer> {
  const version = options.version ?? KAFKA_VERSION;
  const log = options.log ?? defaultLog;
  const libs = await ensureKafkaLibs(version, log);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(version, libs, options, log);
    } catch (err) {
      lastError = err;
      // A port picked as free may have been taken before the broker bound it: try new ports.
      if (!(err instanceof KafkaStartError) || !err.portClash) throw err;
      log(`Kafka could not bind its ports (attempt ${attempt}), retrying with new ones`);
    }
  }
  throw lastError;
}

class KafkaStartError extends Error {
  readonly portClash: boolean;
  constructor(message: string, portClash: boolean) {
    super(message);
    this.name = 'KafkaStartError';
    this.portClash = portClash;
  }
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
  const launch = async (): Promise<number> => {
    const out = await openLog(join(logDir, 'stdout.log'));
    const child = spawn(
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
      { detached: true, stdio: ['ignore', out.fd, out.fd] },
    );
    await out.close();
    const childPid = child.pid;
    if (childPid === undefined)
      throw new Error('could not spawn java for the Kafka broker (is java 17+ on PATH?)');
    child.unref();
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    if (options.ownerPid !== undefined) {
      startGuardian(options.ownerPid, childPid, 'SIGTERM', options.keepDir === true ? '' : dir);
    }
    try {
      await waitReady(bootstrapServers, childPid, () => exited, READY_TIMEOUT_MS);
    } catch (err) {
      await terminate(childPid, 'SIGKILL', 5_000);
      const serverLog = await tailFile(join(logDir, 'server.log'));
      const stdoutLog = await tailFile(join(logDir, 'stdout.log'));
      const all = `${serverLog}\n${stdoutLog}`;
      throw new KafkaStartError(
        `Kafka ${version} did not become ready on ${bootstrapServers}: ${(err as Error).message}\n` +
          `--- tail of server.log ---\n${serverLog}\n--- tail of stdout.log ---\n${stdoutLog}`,
        /Address already in use|BindException/.test(all),
      );
    }
    return childPid;
  };
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
      stopping ??= (async () => {
        await terminate(pid, 'SIGTERM', STOP_TIMEOUT_MS);
        if (options.keepDir !== true) await removeDir(dir);
      })();
      return stopping;
    },
    async restart(restartOptions = {}) {
      if (stopping !== undefined) throw new Error('the broker was stopped');
      await terminate(pid, restartOptions.kill === true ? 'SIGKILL' : 'SIGTERM', STOP_TIMEOUT_MS);
      if (restartOptions.downMs !== undefined) await new Promise((r) => setTimeout(r, restartOptions.downMs));
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
  if (isOurProcess(pid, dir)) await terminate(pid, 'SIGTERM', STOP_TIMEOUT_MS);
  await removeDir(dir);
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
  const deadline = Date.now() + timeoutMs;
  const [host, portText] = bootstrapServers.split(':') as [string, string];
  const port = Number(portText);
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited() || !isAlive(pid)) throw new Error('the broker process exited');
    if (await portAccepts(host, port)) {
      const admin = new Admin({
        clientId: 'sluice-testing-readiness',
        bootstrapBrokers: [bootstrapServers],
        retries: 0,
        timeout: 5_000,
        connectTimeout: 2_000,
      });
      try {
        const metadata = await admin.metadata({ topics: [], forceUpdate: true });
        if (metadata.brokers.size > 0) return;
        lastError = 'metadata lists no broker';
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await admin.close().catch(() => {});
      }
    } else {
      lastError = `port ${port} does not accept connections`;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms (${lastError})`);
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
  const base = cacheDir();
  const target = join(base, `kafka-${version}`);
  const libs = join(target, 'libs');
  if (existsSync(libs)) return libs;
  await mkdir(base, { recursive: true });
  const lockPath = join(base, `kafka-${version}.lock`);
  const release = await acquireLock(lockPath, log);
  try {
    if (existsSync(libs)) return libs; // fetched by whoever held the lock before us
    await checkTool('java', ['-version'], 'Java 17+ (`java` on PATH) is needed to run the Kafka broker');
    await checkTool('mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch Kafka from Maven Central');
    const started = Date.now();
    log(`fetching Apache Kafka ${version} jars from Maven Central into ${target} (first run only)`);
    const work = join(base, `kafka-${version}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    try {
      await writeFile(join(work, 'pom.xml'), kafkaPom(version));
      try {
        await execFileAsync(
          'mvn',
          [
            '-q',
            '-B',
            '-f',
            join(work, 'pom.xml'),
            'dependency:copy-dependencies',
            `-DoutputDirectory=${join(work, 'libs')}`,
            '-DincludeScope=runtime',
          ],
          { timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 },
        );
      } catch (err) {
        const e = err as Error & { stdout?: string; stderr?: string };
        throw new Error(
          `mvn could not fetch Apache Kafka ${version}: ${e.message}\n${(e.stdout ?? '').slice(-4000)}${(e.stderr ?? '').slice(-4000)}`,
        );
      }
      if (!existsSync(join(work, 'libs'))) throw new Error(`mvn produced no ${join(work, 'libs')}`);
      await rename(work, target);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    log(`fetched Apache Kafka ${version} in ${Date.now() - started} ms`);
    return libs;
  } finally {
    await release();
  }
}

function kafkaPom(version: string): string {
  const dep = (groupId: string, artifactId: string, v: string): string =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <!-- Generated by @sluice/testing: the classpath of an Apache Kafka broker. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.testing</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${dep('org.apache.kafka', 'kafka_2.13', version)}
${dep('org.slf4j', 'slf4j-api', SLF4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION)}
${dep('org.apache.logging.log4j', 'log4j-slf4j2-impl', LOG4J_VERSION)}
  </dependencies>
</project>
`;
}

async function checkTool(command: string, args: string[], message: string): Promise<void> {
  try {
    await execFileAsync(command, args, { timeout: 60_000 });
  } catch (err) {
    throw new Error(`${message}: ${(err as Error).message}`);
  }
}
