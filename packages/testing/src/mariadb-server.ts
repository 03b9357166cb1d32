/**
 * A real MariaDB server for tests (the MySQL-compatible server Debian ships), from Debian's
 * `mariadb-server` package, installed with apt when `mariadbd` is missing and running as root.
 * A `policy-rc.d` that exits 101 keeps Debian's own service from starting during the install.
 *
 * Each server gets a fresh temporary directory (`data/`, `error.log`, socket, pid file) owned by
 * the `mysql` user, a free loopback port, and ROW binlog (so CDC readers can use it too). `root`
 * has no password over TCP from 127.0.0.1; tests create their own users and databases.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aptInstall } from './apt.ts';
import {
  chownToUser,
  defaultLog,
  freePort,
  guardServer,
  isAlive,
  isRoot,
  removeDir,
  type ServerOwnerOptions,
  ServerStartError,
  sleep,
  spawnDetached,
  startWithRetries,
  stopRecordedServer,
  stopServer,
  tailFile,
  terminate,
} from './server-process.ts';

const execFileAsync = promisify(execFile);

const MARIADBD_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'];
const STOP_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 60_000;

/** Start options of a MariaDB server: only who owns it, whether its directory stays, and progress. */
export type MariaDbServerOptions = ServerOwnerOptions;

export interface MariaDbServer {
  host: string;
  port: number;
  /** `root`, no password over TCP. */
  user: 'root';
  /** e.g. `mysql://root@127.0.0.1:33306/` (mysql2 accepts it as `uri`). */
  url: string;
  pid: number;
  dir: string;
  dataDir: string;
  logFile: string;
  /** SIGTERM (clean shutdown), SIGKILL after 30 s; removes the directory. */
  stop(): Promise<void>;
}

function mariadbd(): string | undefined {
  return MARIADBD_CANDIDATES.find((p) => existsSync(p));
}

/** Starts a fresh MariaDB server on a free loopback port and waits until it accepts connections. */
export async function startMariaDb(options: MariaDbServerOptions = {}): Promise<MariaDbServer> {
  const log = options.log ?? defaultLog;
  await ensureMariaDbInstalled(log);
  return await startWithRetries('MariaDB', 'its port', log, () => startOnce(options, log));
}

async function startOnce(
  options: MariaDbServerOptions,
  log: (message: string) => void,
): Promise<MariaDbServer> {
  const started = Date.now();
  const binary = mariadbd();
  if (binary === undefined) throw new Error('mariadbd is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'sluice-mariadb-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'error.log');
  const pidFile = join(dir, 'mariadb.pid');
  const runAs: string[] = [];
  if (isRoot()) {
    await chownToUser(dir, 'mysql');
    runAs.push('runuser', '-u', 'mysql', '--');
  }
  try {
    const installDb = existsSync('/usr/bin/mariadb-install-db') ? 'mariadb-install-db' : 'mysql_install_db';
    const args = [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ];
    if (isRoot()) await execFileAsync(installDb, ['--user=mysql', ...args], { timeout: 120_000 });
    else await execFileAsync(installDb, args, { timeout: 120_000 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    await removeDir(dir);
    throw new Error(`mariadb-install-db failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }

  const port = await freePort();
  const serverArgs = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${join(dir, 'mariadb.sock')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${pidFile}`,
    `--log-error=${logFile}`,
    `--log-bin=${join(dir, 'binlog')}`,
    '--server-id=1',
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=128M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--max-connections=500',
  ];
  const command = runAs.length > 0 ? runAs[0]! : binary;
  const argv = runAs.length > 0 ? [...runAs.slice(1), binary, ...serverArgs] : serverArgs;
  const child = await spawnDetached(command, argv, join(dir, 'stdout.log'));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pid: number | undefined;
  while (Date.now() < deadline && !child.exited()) {
    if (pid === undefined && existsSync(pidFile)) {
      const n = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(n) && n > 0) pid = n;
    }
    if (pid !== undefined && (await accepts(port))) break;
    await sleep(100);
  }
  if (pid === undefined || child.exited() || !(await accepts(port))) {
    if (pid !== undefined) await terminate(pid, 'SIGKILL', 5_000);
    else if (child.pid !== undefined && isAlive(child.pid)) await terminate(child.pid, 'SIGKILL', 5_000);
    const tail = await tailFile(logFile);
    await removeDir(dir);
    throw new ServerStartError(
      `MariaDB did not start on 127.0.0.1:${port}\n--- tail of error.log ---\n${tail}`,
      /Address already in use|Can't start server: Bind/.test(tail),
    );
  }
  guardServer(options, pid, 'SIGTERM', dir);
  log(`MariaDB ready on 127.0.0.1:${port} in ${Date.now() - started} ms (pid ${pid}, dir ${dir})`);
  const serverPid = pid;
  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    url: `mysql://root@127.0.0.1:${port}/`,
    pid: serverPid,
    dir,
    dataDir,
    logFile,
    stop() {
      stopping ??= stopServer(serverPid, 'SIGTERM', STOP_TIMEOUT_MS, dir, options.keepDir);
      return stopping;
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Stops a server started by another process (pid and directory as recorded by
 * `test-servers start`) and removes the directory; the pid is only signalled when its command
 * line names `dir`.
 */
export async function stopMariaDbProcess(pid: number, dir: string): Promise<void> {
  await stopRecordedServer(pid, dir, 'SIGTERM', STOP_TIMEOUT_MS);
}

/**
 * Makes sure `mariadbd` exists, installing Debian's `mariadb-server` with apt when running as
 * root (with a `policy-rc.d` that forbids starting services while it installs); otherwise fails
 * with a message saying what to install.
 */
export async function ensureMariaDbInstalled(log: (message: string) => void = defaultLog): Promise<void> {
  if (mariadbd() !== undefined) return;
  if (!isRoot()) {
    throw new Error(
      `MariaDB is not installed (no ${MARIADBD_CANDIDATES.join(' or ')}) and this process is not root ` +
        `(user ${userInfo().username}), so it cannot install it: run \`apt-get install -y mariadb-server\` as root.`,
    );
  }
  await aptInstall({
    what: 'mariadb-server',
    packages: ['mariadb-server', 'mariadb-client'],
    lockName: 'mariadb-install.lock',
    isInstalled: () => mariadbd() !== undefined,
    log,
  });
  if (mariadbd() === undefined) throw new Error('mariadb-server installed but mariadbd is missing');
}
