/**
 * Starts and stops the real test servers shared by a whole test run (see scripts/test.sh).
 *
 *   test-servers.ts start   Starts Kafka, then PostgreSQL, then OpenSearch, detached so they outlive this process,
 *                           records them in <repo>/.cache/test-servers.json, and prints to stdout
 *                           only the environment lines
 *                             SLUICE_TEST_KAFKA_BOOTSTRAP=127.0.0.1:<port>
 *                             SLUICE_TEST_PG_URL=postgres://postgres@127.0.0.1:<port>/postgres
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
  KAFKA_BOOTSTRAP_ENV,
  OPENSEARCH_URL_ENV,
  PG_URL_ENV,
  startKafka,
  startOpenSearch,
  startPostgres,
  stopKafkaProcess,
  stopOpenSearchProcess,
  stopPostgresProcess,
} from '../src/index.ts';
import { cacheDir } from '../src/server-process.ts';

interface ServersState {
  startedAt: string;
  kafka?: { pid: number; dir: string; bootstrapServers: string; version: string };
  postgres?: { pid: number; dir: string; connectionString: string };
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
  // Both at once: they are independent.
  await Promise.all([
    state.kafka === undefined ? undefined : stopKafkaProcess(state.kafka.pid, state.kafka.dir),
    state.postgres === undefined ? undefined : stopPostgresProcess(state.postgres.pid, state.postgres.dir),
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
  const kafka = await startKafka({ log: progress });
  state.kafka = {
    pid: kafka.pid,
    dir: kafka.dir,
    bootstrapServers: kafka.bootstrapServers,
    version: kafka.version,
  };
  await writeState(state); // recorded at once, so `stop` finds Kafka even if PostgreSQL fails
  try {
    const pg = await startPostgres({ log: progress });
    state.postgres = { pid: pg.pid, dir: pg.dir, connectionString: pg.connectionString };
    await writeState(state);
    const os = await startOpenSearch({ log: progress });
    state.opensearch = { pid: os.pid, dir: os.dir, url: os.url };
    await writeState(state);
    process.stdout.write(
      `${KAFKA_BOOTSTRAP_ENV}=${kafka.bootstrapServers}\n${PG_URL_ENV}=${pg.connectionString}\n` +
        `${OPENSEARCH_URL_ENV}=${os.url}\n`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
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
