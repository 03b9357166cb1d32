/**
 * `elastic.security.protocol=SSL` with the `elastic.https.ssl.*` keys and basic authentication,
 * against a real OpenSearch node running OpenSearch's own security plugin: HTTPS with a CA made by
 * the test, client certificates required (mutual TLS), users from the plugin's demo configuration.
 * The right settings index documents; each wrong one is refused with a message that names the
 * problem and never the password.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ConnectError, type StringMap } from '@sluice/api';
import { ElasticsearchSinkConnector } from '@sluice/connector-elasticsearch';
import { type OpenSearchServer, startOpenSearch, uniqueName } from '@sluice/testing';
import { flush, record, startTask } from './harness.ts';

let node: OpenSearchServer;
let tls: NonNullable<OpenSearchServer['tls']>;

before(async () => {
  node = await startOpenSearch({ ownerPid: process.pid, security: { clientAuth: 'REQUIRE' } });
  tls = node.tls!;
});

after(async () => {
  await node?.stop();
});

/** The connector settings that reach the node: its CA, the client's PKCS#12 key store, a user. */
function secure(extra: StringMap = {}): StringMap {
  return {
    'elastic.security.protocol': 'SSL',
    'elastic.https.ssl.truststore.location': tls.caFile,
    'elastic.https.ssl.truststore.type': 'PEM',
    'elastic.https.ssl.keystore.location': tls.clientPkcs12File,
    'elastic.https.ssl.keystore.type': 'PKCS12',
    'elastic.https.ssl.keystore.password': tls.clientPkcs12Password,
    'connection.username': tls.username,
    'connection.password': tls.password,
    'max.retries': '1',
    'retry.backoff.ms': '10',
    ...extra,
  };
}

/** A request of the test's own (not the connector's client): the CA, the client certificate, the user. */
async function search(method: string, path: string): Promise<{ status: number; body: unknown }> {
  const pem = await readFile(tls.clientPemFile);
  const ca = await readFile(tls.caFile);
  return await new Promise((resolve, reject) => {
    const req = https.request(
      `${node.url}${path}`,
      { method, ca, cert: pem, key: pem, auth: `${tls.username}:${tls.password}` },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function sources(index: string): Promise<Array<[string, unknown]>> {
  await search('POST', `/${index}/_refresh`);
  const res = (await search('GET', `/${index}/_search?size=100`)) as {
    status: number;
    body: { hits: { hits: Array<{ _id: string; _source: unknown }> } };
  };
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.hits.hits
    .map((h): [string, unknown] => [h._id, h._source])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** The errors validate reports, by key. */
async function validationErrors(props: StringMap): Promise<Array<[string, string[]]>> {
  const result = await new ElasticsearchSinkConnector().validate({ topics: 't', ...props });
  return result.configValues
    .filter((v) => v.errorMessages.length > 0)
    .map((v): [string, string[]] => [v.name, v.errorMessages]);
}

describe('elastic.security.protocol=SSL against OpenSearch with its security plugin (mutual TLS, basic auth)', () => {
  test('a PEM trust store, a PKCS#12 key store and a user: validate passes and documents are indexed', async () => {
    assert.deepEqual(await validationErrors({ 'connection.url': node.url, ...secure() }), []);
    const topic = uniqueName('es-tls');
    const { task } = await startTask(node.url, secure({ 'key.ignore': 'false', 'schema.ignore': 'true' }));
    try {
      await task.put([record(topic, 0, 'a', { n: 1 }), record(topic, 1, 'b', { n: 2 })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    assert.deepEqual(await sources(topic), [
      ['a', { n: 1 }],
      ['b', { n: 2 }],
    ]);
  });

  test('a PEM key store (certificate and key in one file) works as well', async () => {
    const topic = uniqueName('es-tls-pem');
    const props = secure({
      'elastic.https.ssl.keystore.location': tls.clientPemFile,
      'elastic.https.ssl.keystore.type': 'PEM',
      'elastic.https.ssl.keystore.password': '',
      'key.ignore': 'false',
      'schema.ignore': 'true',
    });
    const { task } = await startTask(node.url, props);
    try {
      await task.put([record(topic, 0, 'k', { pem: true })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    assert.deepEqual(await sources(topic), [['k', { pem: true }]]);
  });

  test('a wrong password: validate reports it on connection.url naming the two keys; the task fails; the password is never shown', async () => {
    const props = secure({ 'connection.password': 'not-the-password' });
    const errors = await validationErrors({ 'connection.url': node.url, ...props });
    assert.deepEqual(
      errors.map(([key]) => key),
      ['connection.url'],
    );
    assert.match(
      errors[0]![1][0]!,
      /Could not authenticate with https:\/\/127\.0\.0\.1:\d+ \(401\): check connection\.username and connection\.password/,
    );
    assert.doesNotMatch(JSON.stringify(errors), /not-the-password/);
    await assert.rejects(startTask(node.url, props), (e: Error) => {
      assert.ok(e instanceof ConnectError, String(e));
      assert.match(e.message, /refused \(401\): check connection\.username and connection\.password/);
      assert.doesNotMatch(e.message, /not-the-password/);
      return true;
    });
  });

  test('no client certificate where the node requires one: refused in the TLS handshake, reported on connection.url', async () => {
    const props = secure();
    delete props['elastic.https.ssl.keystore.location'];
    delete props['elastic.https.ssl.keystore.type'];
    delete props['elastic.https.ssl.keystore.password'];
    const errors = await validationErrors({ 'connection.url': node.url, ...props });
    assert.deepEqual(
      errors.map(([key]) => key),
      ['connection.url'],
    );
    assert.match(errors[0]![1][0]!, /Could not connect to https:\/\/127\.0\.0\.1:\d+: /);
    assert.doesNotMatch(JSON.stringify(errors), new RegExp(tls.password));
  });

  test("a trust store without the node's CA: the certificate is refused, naming why", async () => {
    // The client certificate file holds no CA certificate: the node's certificate cannot be verified.
    const props = secure({ 'elastic.https.ssl.truststore.location': tls.clientPemFile });
    const errors = await validationErrors({ 'connection.url': node.url, ...props });
    assert.deepEqual(
      errors.map(([key]) => key),
      ['connection.url'],
    );
    assert.match(
      errors[0]![1][0]!,
      /Could not connect to https:\/\/127\.0\.0\.1:\d+: .*(certificate|self-signed|issuer)/i,
    );
  });

  test('plain http:// to the HTTPS port: refused, reported on connection.url', async () => {
    const plain = node.url.replace('https://', 'http://');
    const errors = await validationErrors({ 'connection.url': plain, 'max.retries': '0' });
    assert.deepEqual(
      errors.map(([key]) => key),
      ['connection.url'],
    );
    assert.match(errors[0]![1][0]!, /Could not connect to http:\/\/127\.0\.0\.1:\d+: /);
  });
});
