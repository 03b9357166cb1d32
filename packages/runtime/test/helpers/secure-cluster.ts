/**
 * The secure cluster of the distributed REST security tests: in-process distributed workers on the
 * shared broker, each serving HTTPS with mutual TLS (a test CA, server and client certificates)
 * and requiring a bearer token from a tokens file; and curl, to talk to them as a user would.
 * `useSecureCluster(prefix)` registers the file's `before`/`after` hooks (broker, certificates, a
 * temporary directory with the tokens file) and returns what the tests use.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { builtinPlugins } from '@sluice/cli';
import { useKafka } from '@sluice/testing';
import { pino } from 'pino';
import { DistributedHerder } from '../../src/distributed/assemble.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { setRestClientTls } from '../../src/rest/tls.ts';
import { makeCerts, type TestCerts } from '../rest/tls-certs.ts';
import { distributedTestProps } from './distributed-worker.ts';

const run = promisify(execFile);

/** The admin token of the tokens file (principal `deployer`). */
export const CLUSTER_TOKEN = 'cluster-admin-token-0123456789';

/** An in-process worker of the secure cluster. */
export interface SecureWorker {
  herder: DistributedHerder;
  rest: RestServer;
  url: string;
  /** The REST server's log lines (access log and errors), as JSON text. */
  log: string[];
}

export interface SecureCluster {
  readonly bootstrapServers: string;
  readonly certs: TestCerts;
  /** A temporary directory for the test's files (holds `tokens.json`). */
  readonly dir: string;
  /** The cluster's worker properties for the REST listener; `trusted: false` leaves the trust store out. */
  tlsProps(trusted?: boolean): Record<string, string>;
  /** Starts a trusted worker of `group` (REST first, then the herder on its bound port). */
  startWorker(group: string): Promise<SecureWorker>;
  /** Stops workers, last started first. */
  stopWorkers(workers: SecureWorker[]): Promise<void>;
  /** curl's arguments for the test CA's client certificate. */
  withCert(): string[];
  /** curl's arguments for the client certificate and the admin token. */
  withCertAndToken(): string[];
  /**
   * `curl -sS -m 30 --cacert <CA> ...args url`: the exit code, the HTTP status (0 when curl
   * failed) and the body.
   */
  curl(url: string, ...args: string[]): Promise<{ code: number; status: number; body: string }>;
}

export function useSecureCluster(prefix: string): SecureCluster {
  let bootstrapServers: string | undefined;
  let certs: TestCerts | undefined;
  let dir: string | undefined;
  before(async () => {
    ({ bootstrapServers } = await useKafka());
    certs = makeCerts();
    dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    await writeFile(
      join(dir, 'tokens.json'),
      JSON.stringify([{ principal: 'deployer', role: 'admin', token: CLUSTER_TOKEN }]),
    );
  });
  after(async () => {
    setRestClientTls(undefined);
    if (certs !== undefined) await rm(certs.dir, { recursive: true, force: true });
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the secure cluster's ${what} is set up in before()`);
    return value;
  };

  const cluster: SecureCluster = {
    get bootstrapServers() {
      return ready(bootstrapServers, 'broker');
    },
    get certs() {
      return ready(certs, 'certificates');
    },
    get dir() {
      return ready(dir, 'directory');
    },
    tlsProps(trusted = true) {
      return {
        listeners: 'https://127.0.0.1:0',
        'listeners.https.ssl.keystore.type': 'PEM',
        'listeners.https.ssl.keystore.location': cluster.certs.serverPem,
        ...(trusted
          ? {
              'listeners.https.ssl.truststore.type': 'PEM',
              'listeners.https.ssl.truststore.location': cluster.certs.caPem,
            }
          : {}),
        'listeners.https.ssl.client.auth': 'required',
        'rest.auth.tokens.file': join(cluster.dir, 'tokens.json'),
      };
    },
    async startWorker(group) {
      const herder = await DistributedHerder.create(
        distributedTestProps(cluster.bootstrapServers, group, cluster.tlsProps(true)),
        { logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }), plugins: builtinPlugins() },
      );
      const log: string[] = [];
      const restLogger = pino({ level: 'info' }, { write: (line: string) => log.push(line) });
      const rest = new RestServer({
        herder,
        loggers: new LoggerRegistry(restLogger),
        ...restSecurityOptions(herder.config, {}),
      });
      const { urls } = await rest.start();
      herder.setBoundPort(Number(new URL(urls[0]!).port));
      await herder.start();
      return { herder, rest, url: urls[0]!, log };
    },
    async stopWorkers(workers) {
      for (const w of [...workers].reverse()) {
        await w.rest.stop();
        await w.herder.stop();
      }
    },
    withCert() {
      return ['--cert', cluster.certs.clientCert, '--key', cluster.certs.clientKey];
    },
    withCertAndToken() {
      return [...cluster.withCert(), '-H', `Authorization: Bearer ${CLUSTER_TOKEN}`];
    },
    async curl(url, ...args) {
      try {
        const { stdout } = await run('curl', [
          '-sS',
          '-m',
          '30',
          '-w',
          '\n%{http_code}',
          '--cacert',
          cluster.certs.caPem,
          ...args,
          url,
        ]);
        const i = stdout.lastIndexOf('\n');
        return { code: 0, status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
      } catch (err) {
        return { code: (err as { code: number }).code, status: 0, body: '' };
      }
    },
  };
  return cluster;
}

/** The access-log messages (`msg`) of a worker's REST log lines. */
export function accessMessages(worker: SecureWorker): string[] {
  return worker.log.map((line) => (JSON.parse(line) as { msg: string }).msg);
}
