/**
 * A real PostgreSQL 15 server for tests, with logical replication enabled (`wal_level=logical`),
 * from Debian's `postgresql-15` package (installed with apt when missing and running as root).
 *
 * Each server gets a fresh temporary directory (`data/`, `postgres.log`, and the Unix socket),
 * owned by the `postgres` user because initdb refuses to run as root. Authentication is `trust`
 * for local and loopback connections (including replication), so the connection string needs no
 * password.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { aptInstall } from './apt.ts';
import {
  chownToUser,
  defaultLog,
  freePort,
  guardServer,
  isRoot,
  removeDir,
  type ServerOwnerOptions,
  ServerStartError,
  startWithRetries,
  stopRecordedServer,
  stopServer,
  tailFile,
} from './server-process.ts';

export const POSTGRES_MAJOR = 15;
const PG_BIN = `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
const STOP_TIMEOUT_MS = 30_000;

export interface PostgresServerOptions extends ServerOwnerOptions {
  /** Extra or overriding server settings, passed as `-c key=value`. */
  settings?: Record<string, string | number | boolean>;
}

export interface PostgresServer {
  host: string;
  port: number;
  user: 'postgres';
  /** Database `postgres`; e.g. `postgres://postgres@127.0.0.1:5433/postgres`. */
  database: string;
  /** Works with `pg` (`new pg.Client({ connectionString })`) and with libpq tools. */
  connectionString: string;
  /** Pid of the postmaster. */
  pid: number;
  /** The server's private directory (`data/`, `postgres.log`, socket). */
  dir: string;
  dataDir: string;
  logFile: string;
  /** Fast shutdown (SIGINT, like `pg_ctl stop -m fast`), SIGKILL after 30 s; removes the directory. */
  stop(): Promise<void>;
}

/** Starts a fresh PostgreSQL server on a free loopback port and waits until it accepts connections. */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? defaultLog;
  await ensurePostgresInstalled(log);
  return await startWithRetries('PostgreSQL', 'its port', log, () => startOnce(options, log));
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root). */
async function runPg(
  binary: string,
  args: string[],
  options: { detached?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const [command, argv] = isRoot()
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, binary), ...args]]
    : [join(PG_BIN, binary), args];
  return await new Promise<string>((resolve, reject) => {
    const child = spawn(command, argv as string[], {
      detached: options.detached ?? false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${binary} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

async function startOnce(
  options: PostgresServerOptions,
  log: (message: string) => void,
): Promise<PostgresServer> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (isRoot()) await chownToUser(dir, 'postgres');
  try {
    await runPg('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
  } catch (err) {
    await removeDir(dir);
    throw new Error(`initdb failed: ${(err as Error).message}`);
  }

  const port = await freePort();
  const settings: Record<string, string | number | boolean> = {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    wal_level: 'logical',
    max_wal_senders: 10,
    max_replication_slots: 10,
    fsync: 'off',
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${String(v)}`)
    .join(' ');
  try {
    // Detached: the postmaster lives in its own session, outside the starter's process group.
    await runPg('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '90', '-o', serverOptions, 'start'], {
      detached: true,
    });
  } catch (err) {
    const tail = await tailFile(logFile);
    await removeDir(dir);
    throw new ServerStartError(
      `PostgreSQL did not start on 127.0.0.1:${port}: ${(err as Error).message}\n--- tail of postgres.log ---\n${tail}`,
      /could not bind|Address already in use|could not create any TCP\/IP sockets/.test(tail),
    );
  }
  const pidText = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  const pid = Number.parseInt(pidText.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    await removeDir(dir);
    throw new Error(`cannot read the postmaster pid from ${join(dataDir, 'postmaster.pid')}`);
  }
  guardServer(options, pid, 'SIGINT', dir);
  log(
    `PostgreSQL ${POSTGRES_MAJOR} ready on 127.0.0.1:${port} in ${Date.now() - started} ms (pid ${pid}, dir ${dir})`,
  );

  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    dir,
    dataDir,
    logFile,
    stop() {
      stopping ??= stopServer(pid, 'SIGINT', STOP_TIMEOUT_MS, dir, options.keepDir);
      return stopping;
    },
  };
}

/**
 * Stops a server started by another process (from the postmaster pid and the directory, as
 * recorded by `test-servers start`) and removes the directory. The pid is only signalled when
 * its command line names `dir`.
 */
export async function stopPostgresProcess(pid: number, dir: string): Promise<void> {
  await stopRecordedServer(pid, dir, 'SIGINT', STOP_TIMEOUT_MS);
}

/**
 * Makes sure PostgreSQL 15's server binaries exist, installing Debian's `postgresql-15` with apt
 * when running as root; otherwise fails with a message saying what to install.
 */
export async function ensurePostgresInstalled(log: (message: string) => void = defaultLog): Promise<void> {
  const initdb = join(PG_BIN, 'initdb');
  if (existsSync(initdb)) return;
  if (!isRoot()) {
    throw new Error(
      `PostgreSQL ${POSTGRES_MAJOR} is not installed (${initdb} is missing) and this process is not root ` +
        `(user ${userInfo().username}), so it cannot install it: run \`apt-get install -y postgresql-${POSTGRES_MAJOR}\` as root.`,
    );
  }
  await aptInstall({
    what: `postgresql-${POSTGRES_MAJOR}`,
    packages: [`postgresql-${POSTGRES_MAJOR}`],
    lockName: 'postgresql-install.lock',
    isInstalled: () => existsSync(initdb),
    log,
  });
  if (!existsSync(initdb)) throw new Error(`postgresql-${POSTGRES_MAJOR} installed but ${initdb} is missing`);
}

/** Debian's PostGIS 3 package for the PostgreSQL major the kit runs. */
export const POSTGIS_PACKAGE = `postgresql-${POSTGRES_MAJOR}-postgis-3`;
const POSTGIS_CONTROL = `/usr/share/postgresql/${POSTGRES_MAJOR}/extension/postgis.control`;

/**
 * Makes sure the PostGIS extension can be created (`CREATE EXTENSION postgis`), installing
 * Debian's `postgresql-15-postgis-3` with apt when it is missing and this process is root, the
 * same way {@link ensurePostgresInstalled} installs PostgreSQL. Answers `undefined` when PostGIS
 * is available, otherwise why not (for a test to skip with that reason); never throws.
 */
export async function ensurePostgisInstalled(
  log: (message: string) => void = defaultLog,
): Promise<string | undefined> {
  if (existsSync(POSTGIS_CONTROL)) return undefined;
  if (!isRoot())
    return `PostGIS is not installed (${POSTGIS_CONTROL} is missing) and this process is not root (user ${userInfo().username}): run \`apt-get install -y ${POSTGIS_PACKAGE}\` as root`;
  try {
    await aptInstall({
      what: POSTGIS_PACKAGE,
      packages: [POSTGIS_PACKAGE],
      lockName: 'postgis-install.lock',
      isInstalled: () => existsSync(POSTGIS_CONTROL),
      log,
    });
  } catch (err) {
    return `PostGIS could not be installed: ${(err as Error).message}`;
  }
  return existsSync(POSTGIS_CONTROL)
    ? undefined
    : `${POSTGIS_PACKAGE} installed but ${POSTGIS_CONTROL} is missing`;
}
