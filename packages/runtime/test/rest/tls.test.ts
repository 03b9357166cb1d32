/**
 * HTTPS on the REST listeners, from Kafka's settings, with certificates made by `openssl` and
 * `curl` as the client: PEM and PKCS12 key stores, mutual TLS required/requested, a client
 * certificate from another CA refused, a plain HTTP request to the HTTPS port, `admin.listeners`,
 * a bad key store path or password naming the key, and forwarding over HTTPS.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { WorkerConfig } from '../../src/config/worker-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { forwardRequest } from '../../src/rest/forwarding.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { restTls, setRestClientTls } from '../../src/rest/tls.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import { workerProps } from './rest-harness.ts';
import { makeCerts, STORE_PASSWORD, type TestCerts } from './tls-certs.ts';

const run = promisify(execFile);

interface Curl {
  code: number;
  status: number;
  body: string;
  stderr: string;
}

/** `curl` against `url`; `code` is curl's exit code (0 = the HTTP exchange happened). */
async function curl(url: string, ...args: string[]): Promise<Curl> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '-m', '10', '-w', '\n%{http_code}', ...args, url]);
    const i = stdout.lastIndexOf('\n');
    return { code: 0, status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i), stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, status: Number(e.stdout.split('\n').pop()), body: '', stderr: e.stderr };
  }
}

interface Started {
  urls: string[];
  close(): Promise<void>;
}

interface StartOptions {
  /** Collects the `msg` of every line the REST server logs at INFO and above. */
  restLog?: string[];
}

async function startWorker(extra: Record<string, string>, options: StartOptions = {}): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tls-worker-'));
  const logger = createLogger({ level: 'WARN' });
  const herder = await StandaloneHerder.create(
    { ...workerProps(dir), ...extra },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const restLog = options.restLog;
  const restLogger =
    restLog === undefined
      ? logger
      : pino(
          { level: 'info' },
          { write: (l: string) => restLog.push((JSON.parse(l) as { msg: string }).msg) },
        );
  try {
    const server = new RestServer({
      herder,
      loggers: new LoggerRegistry(restLogger),
      ...restSecurityOptions(herder.config),
    });
    const { urls } = await server.start();
    return {
      urls,
      async close() {
        await server.stop();
        await herder.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await herder.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The CA as a trust store made by Java's keytool, or undefined without a JDK. */
function keytoolTrustStore(): string | undefined {
  const out = join(certs.dir, 'ca-keytool.p12');
  try {
    execFileSync(
      'keytool',
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'ca',
        '-file',
        certs.caPem,
        '-keystore',
        out,
        '-storetype',
        'PKCS12',
        '-storepass',
        STORE_PASSWORD,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return out;
}

let certs: TestCerts;
before(() => {
  certs = makeCerts();
});
after(async () => {
  setRestClientTls(undefined);
  await rm(certs.dir, { recursive: true, force: true });
});

/** curl's arguments: trust the test CA, and present a client certificate it signed. */
const clientCert = (): string[] => [
  '--cacert',
  certs.caPem,
  '--cert',
  certs.clientCert,
  '--key',
  certs.clientKey,
];
/** curl's arguments: trust the test CA, and present a client certificate of another CA. */
const otherCaCert = (): string[] => [
  '--cacert',
  certs.caPem,
  '--cert',
  certs.otherClientCert,
  '--key',
  certs.otherClientKey,
];
/** An HTTPS listener with the PEM server certificate (`listeners.https.ssl.*`). */
const pemHttps = (): Record<string, string> => ({
  listeners: 'https://127.0.0.1:0',
  'listeners.https.ssl.keystore.type': 'PEM',
  'listeners.https.ssl.keystore.location': certs.serverPem,
});
/** {@link pemHttps} with mutual TLS: a client certificate of the test CA is required. */
const pemMutualTls = (): Record<string, string> => ({
  ...pemHttps(),
  'listeners.https.ssl.truststore.type': 'PEM',
  'listeners.https.ssl.truststore.location': certs.caPem,
  'listeners.https.ssl.client.auth': 'required',
});

/** Runs `body` against a worker started with `extra`, and stops the worker whatever happens. */
async function withWorker(
  extra: Record<string, string>,
  body: (w: Started) => Promise<void>,
  options: StartOptions = {},
): Promise<void> {
  const w = await startWorker(extra, options);
  try {
    await body(w);
  } finally {
    await w.close();
  }
}

describe('HTTPS listeners', () => {
  test('PEM key store (listeners.https.ssl.*): curl with the CA gets the answer; without it, a verification failure', async () => {
    await withWorker(
      {
        ...pemHttps(),
      },
      async (w) => {
        assert.match(w.urls[0]!, /^https:\/\/127\.0\.0\.1:\d+$/);
        const ok = await curl(`${w.urls[0]}/connectors`, '--cacert', certs.caPem);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.status, 200);
        assert.equal(ok.body, '[]');
        const untrusted = await curl(`${w.urls[0]}/connectors`);
        assert.equal(untrusted.code, 60, untrusted.stderr); // CURLE_PEER_FAILED_VERIFICATION
        // A plain HTTP request to the HTTPS port gets no HTTP answer.
        const plain = await curl(`${w.urls[0]!.replace('https:', 'http:')}/connectors`);
        assert.notEqual(plain.status, 200);
        assert.ok(plain.code !== 0 || plain.status === 0 || plain.status >= 400, JSON.stringify(plain));
      },
    );
  });

  test('PKCS12 key store from the plain ssl.* keys, TLS 1.3 only', async () => {
    await withWorker(
      {
        listeners: 'HTTPS://127.0.0.1:0',
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': certs.serverP12,
        'ssl.keystore.password': STORE_PASSWORD,
        'ssl.enabled.protocols': 'TLSv1.3',
      },
      async (w) => {
        const ok = await curl(`${w.urls[0]}/`, '--cacert', certs.caPem);
        assert.equal(ok.status, 200, ok.stderr);
        assert.equal((JSON.parse(ok.body) as { version: string }).version !== undefined, true);
        const v12 = await curl(`${w.urls[0]}/`, '--cacert', certs.caPem, '--tls-max', '1.2');
        assert.notEqual(v12.code, 0, 'a TLS 1.2 client is refused when only TLSv1.3 is enabled');
      },
    );
  });

  test('ssl.client.auth=required: a client certificate of the CA is accepted; none, or one of another CA, is refused', async () => {
    await withWorker(
      {
        ...pemMutualTls(),
      },
      async (w) => {
        const ok = await curl(`${w.urls[0]}/connectors`, ...clientCert());
        assert.equal(ok.status, 200, ok.stderr);
        const none = await curl(`${w.urls[0]}/connectors`, '--cacert', certs.caPem);
        assert.notEqual(none.code, 0);
        assert.notEqual(none.status, 200);
        const other = await curl(`${w.urls[0]}/connectors`, ...otherCaCert());
        assert.notEqual(other.code, 0);
        assert.notEqual(other.status, 200);
      },
    );
  });

  test('each refused TLS client gets one WARN line: no certificate, another CA, plain HTTP', async () => {
    const lines: string[] = [];
    const tls = {
      listeners: 'https://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverPem,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPem,
      'ssl.client.auth': 'required',
    };
    await withWorker(
      tls,
      async (w) => {
        const url = w.urls[0]!;
        const refusals = (): string[] => lines.filter((l) => l.startsWith('REST TLS: '));
        const ok = await curl(`${url}/`, ...clientCert());
        assert.equal(ok.status, 200, ok.stderr);
        assert.deepEqual(refusals(), []);
        for (const tlsMax of ['1.2', '1.3']) {
          const none = await curl(`${url}/connectors`, '--cacert', certs.caPem, '--tls-max', tlsMax);
          assert.notEqual(none.status, 200);
          const other = await curl(`${url}/connectors`, ...otherCaCert(), '--tls-max', tlsMax);
          assert.notEqual(other.status, 200, `TLS ${tlsMax}: another CA's certificate is refused`);
        }
        const plain = await curl(`${url.replace('https:', 'http:')}/connectors`);
        assert.notEqual(plain.status, 200);
        await waitFor('five refused TLS clients logged', async () => refusals().length >= 5);
        const r = refusals();
        assert.equal(r.length, 5, r.join('\n'));
        assert.equal(
          r.filter((l) => /refused the client certificate of 127\.0\.0\.1:\d+: .*trust store/.test(l))
            .length >= 2,
          true,
          r.join('\n'),
        );
        assert.ok(
          r.some((l) =>
            /refused the client certificate of .*UNABLE_TO_VERIFY_LEAF_SIGNATURE|refused the client certificate of .*unable to verify/i.test(
              l,
            ),
          ),
          r.join('\n'),
        );
        assert.ok(
          r.some((l) => /the handshake with 127\.0\.0\.1:\d+ failed: http request$/.test(l)),
          r.join('\n'),
        );
      },
      { restLog: lines },
    );
  });

  test('ssl.client.auth=requested: with or without a certificate', async () => {
    await withWorker(
      {
        listeners: 'https://127.0.0.1:0',
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': certs.serverP12,
        'ssl.keystore.password': STORE_PASSWORD,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': certs.caPem,
        'ssl.client.auth': 'requested',
      },
      async (w) => {
        const withCert = await curl(`${w.urls[0]}/`, ...clientCert());
        assert.equal(withCert.status, 200, withCert.stderr);
        const without = await curl(`${w.urls[0]}/`, '--cacert', certs.caPem);
        assert.equal(without.status, 200, without.stderr);
      },
    );
  });

  test('admin.listeners serves /admin on its own listener only', async () => {
    await withWorker(
      {
        listeners: 'http://127.0.0.1:0',
        'admin.listeners': 'https://127.0.0.1:0',
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
      },
      async (w) => {
        assert.equal(w.urls.length, 2);
        const [api, admin] = w.urls as [string, string];
        assert.match(admin, /^https:/);
        assert.equal((await curl(`${api}/connectors`)).status, 200);
        assert.equal((await curl(`${api}/admin/loggers`)).status, 404);
        assert.equal((await curl(`${admin}/admin/loggers`, '--cacert', certs.caPem)).status, 200);
        assert.equal((await curl(`${admin}/connectors`, '--cacert', certs.caPem)).status, 404);
      },
    );
  });

  // Trust stores made by OpenSSL 3 (PBES2/AES), OpenSSL's legacy scheme (RC2-40/3DES) and, where a
  // JDK is installed, Java's keytool: all hold certificates only, no key.
  const trustStores: [string, () => string | undefined][] = [
    ['openssl pkcs12 -export -nokeys', () => certs.caP12],
    ['openssl pkcs12 -export -legacy -nokeys', () => certs.caLegacyP12],
    ['keytool -importcert -storetype PKCS12', () => keytoolTrustStore()],
  ];
  for (const [made, store] of trustStores) {
    test(`ssl.client.auth=required with a PKCS12 trust store (${made})`, async (t) => {
      const location = store();
      if (location === undefined) {
        t.skip('keytool is not installed');
        return;
      }
      await withWorker(
        {
          listeners: 'https://127.0.0.1:0',
          'listeners.https.ssl.keystore.type': 'PKCS12',
          'listeners.https.ssl.keystore.location': certs.serverP12,
          'listeners.https.ssl.keystore.password': STORE_PASSWORD,
          'listeners.https.ssl.truststore.type': 'PKCS12',
          'listeners.https.ssl.truststore.location': location,
          'listeners.https.ssl.truststore.password': STORE_PASSWORD,
          'listeners.https.ssl.client.auth': 'required',
        },
        async (w) => {
          const ok = await curl(`${w.urls[0]}/connectors`, ...clientCert());
          assert.equal(ok.status, 200, ok.stderr);
          assert.equal(ok.body, '[]');
          const none = await curl(`${w.urls[0]}/connectors`, '--cacert', certs.caPem);
          assert.notEqual(none.code, 0);
          const other = await curl(`${w.urls[0]}/connectors`, ...otherCaCert());
          assert.notEqual(other.code, 0, 'a client certificate of another CA is refused');
          assert.notEqual(other.status, 200);
        },
      );
    });
  }

  test('admin.listeners.https.ssl.*: the admin listener has TLS of its own (mutual TLS there only)', async () => {
    await withWorker(
      {
        ...pemHttps(),
        'admin.listeners': 'https://127.0.0.1:0',
        'admin.listeners.https.ssl.keystore.type': 'PKCS12',
        'admin.listeners.https.ssl.keystore.location': certs.serverP12,
        'admin.listeners.https.ssl.keystore.password': STORE_PASSWORD,
        'admin.listeners.https.ssl.truststore.type': 'PKCS12',
        'admin.listeners.https.ssl.truststore.location': certs.caP12,
        'admin.listeners.https.ssl.truststore.password': STORE_PASSWORD,
        'admin.listeners.https.ssl.client.auth': 'required',
      },
      async (w) => {
        const [api, admin] = w.urls as [string, string];
        assert.match(api, /^https:/);
        assert.match(admin, /^https:/);
        // The API listener: no client certificate needed.
        assert.equal((await curl(`${api}/connectors`, '--cacert', certs.caPem)).status, 200);
        assert.equal((await curl(`${api}/admin/loggers`, '--cacert', certs.caPem)).status, 404);
        // The admin listener: a client certificate of the CA in its own trust store.
        const withCert = await curl(`${admin}/admin/loggers`, ...clientCert());
        assert.equal(withCert.status, 200, withCert.stderr);
        const without = await curl(`${admin}/admin/loggers`, '--cacert', certs.caPem);
        assert.notEqual(without.code, 0, 'the admin listener requires a client certificate');
        assert.notEqual(without.status, 200);
      },
    );
  });

  test('admin.listeners without admin.listeners.https.ssl.*: the plain ssl.* keys, not listeners.https.ssl.* (as Kafka)', async () => {
    await withWorker(
      {
        ...pemMutualTls(),
        'admin.listeners': 'https://127.0.0.1:0',
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': certs.serverP12,
        'ssl.keystore.password': STORE_PASSWORD,
      },
      async (w) => {
        const [api, admin] = w.urls as [string, string];
        // listeners.https.ssl.client.auth=required does not reach the admin listener.
        assert.equal((await curl(`${admin}/admin/loggers`, '--cacert', certs.caPem)).status, 200);
        assert.notEqual((await curl(`${api}/connectors`, '--cacert', certs.caPem)).code, 0);
      },
    );
  });

  test('admin.listeners set empty: /admin is served nowhere', async () => {
    await withWorker({ listeners: 'http://127.0.0.1:0', 'admin.listeners': '' }, async (w) => {
      assert.equal((await curl(`${w.urls[0]}/admin/loggers`)).status, 404);
      assert.equal((await curl(`${w.urls[0]}/connectors`)).status, 200);
    });
  });
});

describe('REST TLS settings refused at start, naming the key', () => {
  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['no key store', () => ({}), /listeners\.https\.ssl\.keystore\.location|ssl\.keystore\.location/],
    [
      'a missing PEM key store file',
      () => ({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent/server.pem' }),
      /ssl\.keystore\.location.*Failed to load the file/,
    ],
    [
      'a missing PKCS12 file (prefixed key)',
      () => ({
        'listeners.https.ssl.keystore.type': 'PKCS12',
        'listeners.https.ssl.keystore.location': '/nonexistent/server.p12',
      }),
      /listeners\.https\.ssl\.keystore\.location/,
    ],
    [
      'a wrong PKCS12 password',
      () => ({
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': certs.serverP12,
        'ssl.keystore.password': 'wrong',
      }),
      /ssl\.keystore\.password/,
    ],
    [
      'a JKS key store (the default type)',
      () => ({ 'ssl.keystore.location': certs.serverP12 }),
      /ssl\.keystore\.type.*keytool -importkeystore -deststoretype PKCS12/,
    ],
    [
      'a PKCS12 trust store with a wrong password (prefixed key)',
      () => ({
        'listeners.https.ssl.keystore.type': 'PEM',
        'listeners.https.ssl.keystore.location': certs.serverPem,
        'listeners.https.ssl.truststore.type': 'PKCS12',
        'listeners.https.ssl.truststore.location': certs.caP12,
        'listeners.https.ssl.truststore.password': 'wrong',
      }),
      /listeners\.https\.ssl\.truststore\.password.*PKCS12 trust store/,
    ],
    [
      'a missing PKCS12 trust store',
      () => ({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
        'ssl.truststore.type': 'PKCS12',
        'ssl.truststore.location': '/nonexistent/trust.p12',
      }),
      /ssl\.truststore\.location.*\/nonexistent\/trust\.p12/,
    ],
    [
      'a PEM file given as a PKCS12 trust store',
      () => ({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
        'ssl.truststore.type': 'PKCS12',
        'ssl.truststore.location': certs.caPem,
        'ssl.truststore.password': STORE_PASSWORD,
      }),
      /ssl\.truststore\.location.*cannot read the PKCS12 trust store/,
    ],
    [
      'a broken admin.listeners.https key store names the admin key',
      () => ({
        listeners: 'http://127.0.0.1:0',
        'admin.listeners': 'https://127.0.0.1:0',
        'admin.listeners.https.ssl.keystore.type': 'PKCS12',
        'admin.listeners.https.ssl.keystore.location': certs.serverP12,
        'admin.listeners.https.ssl.keystore.password': 'wrong',
      }),
      /admin\.listeners\.https\.ssl\.keystore\.password/,
    ],
    [
      'an unknown ssl.client.auth',
      () => ({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
        'ssl.client.auth': 'always',
      }),
      /ssl\.client\.auth.*required, requested, none/,
    ],
    [
      'an unknown protocol',
      () => ({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
        'ssl.enabled.protocols': 'SSLv3',
      }),
      /ssl\.enabled\.protocols/,
    ],
    [
      'no known cipher suite',
      () => ({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.serverPem,
        'ssl.cipher.suites': 'NOT-A-CIPHER',
      }),
      /ssl\.cipher\.suites/,
    ],
  ];
  for (const [what, props, message] of cases) {
    test(what, () => {
      const config = new WorkerConfig({
        ...workerProps('/tmp/unused'),
        listeners: 'https://127.0.0.1:0',
        ...props(),
      });
      assert.throws(
        () => restSecurityOptions(config),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  test('an http-only worker needs no TLS settings', () => {
    const config = new WorkerConfig({ ...workerProps('/tmp/unused') });
    assert.equal(restSecurityOptions(config).tls, undefined);
  });
});

describe('forwarding to an https worker', () => {
  test('uses the worker TLS settings: its trust store and its certificate for mutual TLS', async () => {
    const server = restTls({
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.serverPem,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caPem,
      'ssl.client.auth': 'required',
    });
    const seen: string[] = [];
    const https = createServer(server.server, (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      seen.push(`${req.method} ${req.url} ${peer.subject?.CN}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const port = (https.address() as { port: number }).port;
    try {
      // Without this worker's TLS settings the leader's certificate is not trusted.
      setRestClientTls(undefined);
      await assert.rejects(
        forwardRequest(`https://127.0.0.1:${port}/`, 'POST', '/connectors', { body: {} }),
        /IO Error/,
      );
      const client = restTls({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': certs.clientPem,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': certs.caPem,
      }).client;
      setRestClientTls(client);
      const r = await forwardRequest(`https://127.0.0.1:${port}/`, 'POST', '/connectors', {
        body: { name: 'x' },
      });
      assert.deepEqual(r, { status: 201, body: { ok: true } });
      assert.deepEqual(seen, ['POST /connectors?forward=true client']);
    } finally {
      setRestClientTls(undefined);
      https.close();
    }
  });
});
