/**
 * Installing Debian packages for the test servers: `apt-get update` then `apt-get install` as
 * root, under a lock file in `.cache` (so parallel test processes install once), waiting up to
 * 10 minutes for dpkg's own lock, with a `policy-rc.d` that exits 101 so that no packaged service
 * (postgresql, mariadb, prometheus) starts during the install.
 */

import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock, cacheDir, runTool } from './server-process.ts';

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

export interface AptInstallOptions {
  /** What is installed, for messages (e.g. `mariadb-server`). */
  what: string;
  /** Debian packages to install. */
  packages: readonly string[];
  /** Name of the lock file under `.cache` (e.g. `mariadb-install.lock`). */
  lockName: string;
  /** Checked again once the lock is held: true when another process installed meanwhile. */
  isInstalled: () => boolean;
  log: (message: string) => void;
}

/** Installs `packages` with apt-get (see the module comment); the caller checks it runs as root. */
export async function aptInstall(options: AptInstallOptions): Promise<void> {
  await mkdir(cacheDir(), { recursive: true });
  const release = await acquireLock(join(cacheDir(), options.lockName), options.log);
  let wrotePolicy = false;
  try {
    if (options.isInstalled()) return;
    options.log(`installing ${options.what} with apt-get (first run only)`);
    if (!existsSync(POLICY_RC_D)) {
      await writeFile(
        POLICY_RC_D,
        '#!/bin/sh\n# written by sluice testing: no service starts during apt-get\nexit 101\n',
      );
      await chmod(POLICY_RC_D, 0o755);
      wrotePolicy = true;
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
    const what = `apt-get could not install ${options.what}`;
    await runTool('apt-get', [...lockWait, 'update'], what, env);
    await runTool(
      'apt-get',
      [...lockWait, 'install', '-y', '--no-install-recommends', ...options.packages],
      what,
      env,
    );
  } finally {
    if (wrotePolicy) await rm(POLICY_RC_D, { force: true });
    await release();
  }
}
