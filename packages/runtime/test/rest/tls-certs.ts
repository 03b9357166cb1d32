/**
 * Certificates for the REST TLS tests, made with the `openssl` command: a CA, a server
 * certificate for 127.0.0.1/localhost, a client certificate, and another CA with a client
 * certificate of its own; the server's key store as PEM (key + chain in one file) and PKCS12.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caPem: string;
  /** Server key + certificate in one PEM file (Kafka's PEM key store). */
  serverPem: string;
  serverKey: string;
  serverCert: string;
  /** The server's PKCS12 key store, password {@link STORE_PASSWORD}. */
  serverP12: string;
  /** The CA certificate as a PKCS12 trust store, password {@link STORE_PASSWORD} (OpenSSL 3's default PBES2/AES). */
  caP12: string;
  /** The same, with OpenSSL's legacy encryption (`-legacy`: RC2-40 certificate bag, 3DES). */
  caLegacyP12: string;
  /** The other CA's client certificate with its key, as a PKCS12 key store (password {@link STORE_PASSWORD}). */
  otherClientP12: string;
  clientKey: string;
  clientCert: string;
  /** PEM key store (key + chain) of the client, for a worker that forwards. */
  clientPem: string;
  otherCaPem: string;
  otherClientKey: string;
  otherClientCert: string;
}

export const STORE_PASSWORD = 'store-secret';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
}

function makeLeaf(dir: string, ca: string, name: string, ext: string): void {
  openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'otherca');
  makeLeaf(
    dir,
    'ca',
    'server',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'otherca', 'otherclient', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  writeFileSync(join(dir, 'server-store.pem'), read('server.key') + read('server.pem'));
  writeFileSync(join(dir, 'client-store.pem'), read('client.key') + read('client.pem'));
  openssl(
    dir,
    'pkcs12',
    '-export',
    '-inkey',
    'server.key',
    '-in',
    'server.pem',
    '-certfile',
    'ca.pem',
    '-passout',
    `pass:${STORE_PASSWORD}`,
    '-out',
    'server.p12',
  );
  openssl(
    dir,
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    'ca.pem',
    '-passout',
    `pass:${STORE_PASSWORD}`,
    '-out',
    'ca.p12',
  );
  openssl(
    dir,
    'pkcs12',
    '-export',
    '-legacy',
    '-nokeys',
    '-in',
    'ca.pem',
    '-passout',
    `pass:${STORE_PASSWORD}`,
    '-out',
    'ca-legacy.p12',
  );
  openssl(
    dir,
    'pkcs12',
    '-export',
    '-inkey',
    'otherclient.key',
    '-in',
    'otherclient.pem',
    '-passout',
    `pass:${STORE_PASSWORD}`,
    '-out',
    'otherclient.p12',
  );
  const p = (f: string): string => join(dir, f);
  return {
    caLegacyP12: p('ca-legacy.p12'),
    otherClientP12: p('otherclient.p12'),
    dir,
    caPem: p('ca.pem'),
    serverPem: p('server-store.pem'),
    serverKey: p('server.key'),
    serverCert: p('server.pem'),
    serverP12: p('server.p12'),
    caP12: p('ca.p12'),
    clientKey: p('client.key'),
    clientCert: p('client.pem'),
    clientPem: p('client-store.pem'),
    otherCaPem: p('otherca.pem'),
    otherClientKey: p('otherclient.key'),
    otherClientCert: p('otherclient.pem'),
  };
}
