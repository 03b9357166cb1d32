/**
 * Starts and stops the real test servers shared by a whole test run (see scripts/test.sh).
 *
 *   test-servers.ts start   Starts Kafka, PostgreSQL, MariaDB and OpenSearch side by side, detached so
 *                           they outlive this process,
 *                           records them in <repo>/.cache/test-servers.json, and prints to stdout
 *                           only the environment lines
 *                             SLUICE_TEST_KAFKA_BOOTSTRAP=127.0.0.1:<port>
 *                             SLUICE_TEST_PG_URL=postgres://postgres@127.0.0.1:<port>/postgres
 *                             SLUICE_TEST_MARIADB_URL=mysql://root@127.0.0.1:<port>/
 *                             SLUICE_TEST_OPENSEARCH_URL=http://127.0.0.1:<port>
 *                           (progress goes to stderr). If servers recorded by an earlier `start`
 *                           are still there, they are stopped first: every `start` gives fresh,
 *                           empty servers.
 *   test-servers.ts stop    Stops the recorded servers (SIGTERM / fast shutdown, SIGKILL after
 *                           30 s), removes their directories and the state file. Succeeds when
 *                           nothing is recorded.
 */

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureMariaDbInstalled,
  ensurePostgresInstalled,
  KAFKA_BOOTSTRAP_ENV,
  MARIADB_URL_ENV,
  OPENSEARCH_URL_ENV,
  PG_URL_ENV,
  startKafka,
  startMariaDb,
  startOpenSearch,
  startPostgres,
  stopKafkaProcess,
  stopMariaDbProcess,
  stopOpenSearchProcess,
  stopPostgresProcess,
} from '../src/index.ts';
import { cacheDir } from '../src/server-process.ts';

interface ServersState {
  startedAt: string;
  kafka?: { pid: number; dir: string; bootstrapServers: string; version: string };
  postgres?: { pid: number; dir: string; connectionString: string };
  mariadb?: { pid: number; dir: string; url: string };
  opensearch?: { pid: number; dir: string; url: string };
}

const stateFile = join(cacheDir(), 'test-servers.json');
const progress = (message: string): void => {
  process.stderr.write(`[test-servers] ${message}\n`);
};

async function readState(): Promise<ServersState | undefined> {
  if (!existsSync(stateFile)) return undefined;
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as ServersState;
  } catch (err) {
    progress(`ignoring unreadable ${stateFile}: ${(err as Error).message}`);
    return undefined;
  }
}

async function writeState(state: ServersState): Promise<void> {
  await mkdir(cacheDir(), { recursive: true });
  const tmp = `${stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, stateFile);
}

async function stop(): Promise<void> {
  const state = await readState();
  if (state === undefined) {
    progress('no test servers recorded; nothing to stop');
    return;
  }
  const started = Date.now();
  // All at once: they are independent.
  await Promise.all([
    state.kafka === undefined ? undefined : stopKafkaProcess(state.kafka.pid, state.kafka.dir),
    state.postgres === undefined ? undefined : stopPostgresProcess(state.postgres.pid, state.postgres.dir),
    state.mariadb === undefined ? undefined : stopMariaDbProcess(state.mariadb.pid, state.mariadb.dir),
    state.opensearch === undefined
      ? undefined
      : stopOpenSearchProcess(state.opensearch.pid, state.opensearch.dir),
  ]);
  await rm(stateFile, { force: true });
  progress(`stopped test servers in ${Date.now() - started} ms`);
}

async function start(): Promise<void> {
  if ((await readState()) !== undefined) {
    progress('servers from an earlier start are recorded: stopping them first');
    await stop();
  }
  const state: ServersState = { startedAt: new Date().toISOString() };
  // Each server is recorded as soon as it is up, so `stop` finds it even if another one fails;
  // the writes are chained so that two servers coming up together do not write at once.
  let writes: Promise<void> = Promise.resolve();
  const record = (): Promise<void> => {
    writes = writes.then(() => writeState(state));
    return writes;
  };
  // Side by side: the JVMs' start-up dominates and the servers are independent. Only the two apt
  // installs (first run on a new machine) go one after the other, since dpkg allows one at a time.
  const installed = ensurePostgresInstalled(progress).then(() => ensureMariaDbInstalled(progress));
  const started = await Promise.allSettled([
    (async () => {
      const kafka = await startKafka({ log: progress });
      state.kafka = {
        pid: kafka.pid,
        dir: kafka.dir,
        bootstrapServers: kafka.bootstrapServers,
        version: kafka.version,
      };
      await record();
      return `${KAFKA_BOOTSTRAP_ENV}=${kafka.bootstrapServers}\n`;
    })(),
    (async () => {
      await installed;
      const pg = await startPostgres({ log: progress });
      state.postgres = { pid: pg.pid, dir: pg.dir, connectionString: pg.connectionString };
      await record();
      return `${PG_URL_ENV}=${pg.connectionString}\n`;
    })(),
    (async () => {
      await installed;
      const mariadb = await startMariaDb({ log: progress });
      state.mariadb = { pid: mariadb.pid, dir: mariadb.dir, url: mariadb.url };
      await record();
      return `${MARIADB_URL_ENV}=${mariadb.url}\n`;
    })(),
    (async () => {
      const os = await startOpenSearch({ log: progress });
      state.opensearch = { pid: os.pid, dir: os.dir, url: os.url };
      await record();
      return `${OPENSEARCH_URL_ENV}=${os.url}\n`;
    })(),
  ]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await writes;
    await stop();
    throw failed.reason;
  }
  process.stdout.write(started.map((r) => (r.status === 'fulfilled' ? r.value : '')).join(''));
}

const command = process.argv[2];
try {
  if (command === 'start') await start();
  else if (command === 'stop') await stop();
  else {
    process.stderr.write('usage: test-servers.ts start|stop\n');
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`[test-servers] ${command} failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
