/**
 * `schema.registry.ssl.*` against `sluice registry` served over HTTPS (a process of its own, so
 * every request crosses a real TLS connection), with a CA, server and client certificates made
 * by openssl for this run: trust and key stores as PEM files, PKCS12 files (including a trust
 * store with no key, which Node cannot load itself) and PEM text in the properties; client
 * certificates required by the registry; host name checking and its opt-out; clear errors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError, Schema, SchemaBuilder, Struct } from '@sluice/api';
import { AvroConverter } from '../src/index.ts';
import { type SluiceRegistryProcess, startSluiceRegistry } from './sluice-registry-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-tls-'));
const f = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A key and a certificate signed by the test CA, with the given subject alternative names. */
function signed(name: string, san: string, usage: 'serverAuth' | 'clientAuth'): void {
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f(`${name}.key`),
    '-out',
    f(`${name}.csr`),
    '-subj',
    `/CN=${name}`,
  );
  writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    f(`${name}.pem`),
    '-extfile',
    f(`${name}.ext`),
  );
}

function hasKeytool(): boolean {
  try {
    execFileSync('keytool', ['-help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let registry: SluiceRegistryProcess;
let otherName: SluiceRegistryProcess;

before(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Sluice test CA',
  );
  signed('server', 'IP:127.0.0.1', 'serverAuth');
  signed('other', 'DNS:registry.invalid', 'serverAuth');
  signed('client', 'DNS:client', 'clientAuth');
  // Stores as users have them: a PKCS12 trust store without keys, a PKCS12 key store, a PEM key store.
  openssl(
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    f('ca.pem'),
    '-out',
    f('truststore.p12'),
    '-passout',
    'pass:trustpass',
  );
  openssl(
    'pkcs12',
    '-export',
    '-inkey',
    f('client.key'),
    '-in',
    f('client.pem'),
    '-out',
    f('client.p12'),
    '-passout',
    'pass:keypass',
  );
  writeFileSync(
    f('client-keystore.pem'),
    readFileSync(f('client.key'), 'utf8') + readFileSync(f('client.pem'), 'utf8'),
  );
  registry = await startSluiceRegistry([
    '--port',
    '0',
    '--tls-cert',
    f('server.pem'),
    '--tls-key',
    f('server.key'),
    '--tls-client-ca',
    f('ca.pem'),
  ]);
  otherName = await startSluiceRegistry([
    '--port',
    '0',
    '--tls-cert',
    f('other.pem'),
    '--tls-key',
    f('other.key'),
  ]);
});

after(async () => {
  await registry?.stop();
  await otherName?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const schema = SchemaBuilder.struct()
  .name('com.example.Reading')
  .field('id', Schema.INT64_SCHEMA)
  .field('where', Schema.STRING_SCHEMA)
  .build();

/** Writes a record through a converter with `ssl`, reads it back with a second one. */
function roundTrip(url: string, topic: string, ssl: Record<string, string>): void {
  const writer = new AvroConverter();
  writer.configure({ 'schema.registry.url': url, 'max.retries': '0', ...ssl }, false);
  const value = new Struct(schema).put('id', 42n).put('where', topic);
  const bytes = writer.fromConnectData(topic, schema, value)!;
  assert.equal(bytes[0], 0);
  const reader = new AvroConverter();
  reader.configure({ 'schema.registry.url': url, 'max.retries': '0', ...ssl }, false);
  const back = reader.toConnectData(topic, bytes);
  assert.equal((back.value as Struct).get('where'), topic);
}

describe('schema.registry.ssl.* against an HTTPS registry requiring client certificates', () => {
  test('PEM trust store file, PKCS12 key store', () => {
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    roundTrip(registry.url, 'tls-pem-p12', {
      'schema.registry.ssl.truststore.type': 'PEM',
      'schema.registry.ssl.truststore.location': f('ca.pem'),
      'schema.registry.ssl.keystore.type': 'PKCS12',
      'schema.registry.ssl.keystore.location': f('client.p12'),
      'schema.registry.ssl.keystore.password': 'keypass',
    });
  });

  test('PKCS12 trust store (certificates only), PEM key store', () => {
    roundTrip(registry.url, 'tls-p12-pem', {
      'schema.registry.ssl.truststore.type': 'PKCS12',
      'schema.registry.ssl.truststore.location': f('truststore.p12'),
      'schema.registry.ssl.truststore.password': 'trustpass',
      'schema.registry.ssl.keystore.type': 'PEM',
      'schema.registry.ssl.keystore.location': f('client-keystore.pem'),
    });
  });

  test("a PKCS12 trust store made by Java's keytool", {
    skip: !hasKeytool() && 'keytool is not installed',
  }, () => {
    execFileSync(
      'keytool',
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'ca',
        '-file',
        f('ca.pem'),
        '-keystore',
        f('java-truststore.p12'),
        '-storetype',
        'PKCS12',
        '-storepass',
        'changeit',
      ],
      { stdio: 'ignore' },
    );
    roundTrip(registry.url, 'tls-keytool', {
      'schema.registry.ssl.truststore.type': 'PKCS12',
      'schema.registry.ssl.truststore.location': f('java-truststore.p12'),
      'schema.registry.ssl.truststore.password': 'changeit',
      'schema.registry.ssl.keystore.type': 'PKCS12',
      'schema.registry.ssl.keystore.location': f('client.p12'),
      'schema.registry.ssl.keystore.password': 'keypass',
    });
  });

  test('PEM text in the properties', () => {
    roundTrip(registry.url, 'tls-inline', {
      'schema.registry.ssl.truststore.type': 'PEM',
      'schema.registry.ssl.truststore.certificates': readFileSync(f('ca.pem'), 'utf8'),
      'schema.registry.ssl.keystore.type': 'PEM',
      'schema.registry.ssl.keystore.key': readFileSync(f('client.key'), 'utf8'),
      'schema.registry.ssl.keystore.certificate.chain': readFileSync(f('client.pem'), 'utf8'),
    });
  });

  test('without the trust store the server is not trusted; without a client certificate the registry refuses', () => {
    const untrusted = new AvroConverter();
    untrusted.configure({ 'schema.registry.url': registry.url, 'max.retries': '0' }, false);
    assert.throws(
      () =>
        untrusted.fromConnectData(
          'tls-untrusted',
          schema,
          new Struct(schema).put('id', 1n).put('where', 'x'),
        ),
      (err: Error) => err instanceof ConnectError && /certificate/i.test(err.message),
    );
    const anonymous = new AvroConverter();
    anonymous.configure(
      {
        'schema.registry.url': registry.url,
        'max.retries': '0',
        'schema.registry.ssl.truststore.type': 'PEM',
        'schema.registry.ssl.truststore.location': f('ca.pem'),
      },
      false,
    );
    assert.throws(
      () =>
        anonymous.fromConnectData(
          'tls-anonymous',
          schema,
          new Struct(schema).put('id', 1n).put('where', 'x'),
        ),
      (err: Error) => err instanceof ConnectError && /could not be reached/.test(err.message),
    );
  });
});

describe('host name checking', () => {
  const trust = {
    'schema.registry.ssl.truststore.type': 'PEM',
    'schema.registry.ssl.truststore.location': f('ca.pem'),
  };
  test("a certificate for another name is refused (Kafka's default https identification)", () => {
    const c = new AvroConverter();
    c.configure({ 'schema.registry.url': otherName.url, 'max.retries': '0', ...trust }, false);
    assert.throws(
      () => c.fromConnectData('tls-name', schema, new Struct(schema).put('id', 1n).put('where', 'x')),
      /altnames|does not match|Hostname\/IP/i,
    );
  });
  test('schema.registry.ssl.endpoint.identification.algorithm= (empty) turns the check off', () => {
    roundTrip(otherName.url, 'tls-no-name-check', {
      ...trust,
      'schema.registry.ssl.endpoint.identification.algorithm': '',
    });
  });
});

describe('bad TLS settings are configuration errors naming the key', () => {
  const url = 'https://127.0.0.1:1';
  const configure = (ssl: Record<string, string>) =>
    new AvroConverter().configure({ 'schema.registry.url': url, ...ssl }, false);
  test('a missing file', () => {
    assert.throws(
      () =>
        configure({
          'schema.registry.ssl.truststore.type': 'PEM',
          'schema.registry.ssl.truststore.location': f('nope.pem'),
        }),
      (err: Error) =>
        err instanceof ConfigError &&
        /schema\.registry\.ssl\.truststore\.location.*Failed to load the file/.test(err.message),
    );
  });
  test('a JKS store (the default type) says how to convert it', () => {
    assert.throws(
      () => configure({ 'schema.registry.ssl.truststore.location': f('truststore.p12') }),
      /Invalid value JKS for configuration schema\.registry\.ssl\.truststore\.type: .*keytool -importkeystore/,
    );
  });
  test('a wrong PKCS12 password, without showing it', () => {
    assert.throws(
      () =>
        configure({
          'schema.registry.ssl.keystore.type': 'PKCS12',
          'schema.registry.ssl.keystore.location': f('client.p12'),
          'schema.registry.ssl.keystore.password': 'not-the-password',
        }),
      (err: Error) =>
        err instanceof ConfigError &&
        /schema\.registry\.ssl\.keystore\.password/.test(err.message) &&
        !err.message.includes('not-the-password'),
    );
    assert.throws(
      () =>
        configure({
          'schema.registry.ssl.truststore.type': 'PKCS12',
          'schema.registry.ssl.truststore.location': f('truststore.p12'),
          'schema.registry.ssl.truststore.password': 'not-the-password',
        }),
      (err: Error) =>
        err instanceof ConfigError &&
        /password right/.test(err.message) &&
        !err.message.includes('not-the-password'),
    );
  });
});
