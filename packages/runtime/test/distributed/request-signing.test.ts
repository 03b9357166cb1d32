import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { BadRequestError, ConfigError } from '@sluice/api';
import { DistributedConfig } from '../../src/config/distributed-config.ts';
import {
  generateSessionKey,
  keyMismatch,
  macAlgorithm,
  SIGNATURE_ALGORITHM_HEADER,
  SIGNATURE_HEADER,
  signatureHeaders,
  signingSettings,
  verifyInternalRequest,
} from '../../src/distributed/request-signing.ts';
import { RestError } from '../../src/rest/errors.ts';

function config(extra: Record<string, string> = {}): DistributedConfig {
  return new DistributedConfig({
    'bootstrap.servers': 'localhost:9092',
    'group.id': 'g',
    'config.storage.topic': 'c',
    'offset.storage.topic': 'o',
    'status.storage.topic': 's',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    ...extra,
  });
}

function configError(fn: () => unknown, key: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.key, key);
    assert.match(err.message, pattern);
    return true;
  });
}

function headersOf(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

describe('signingSettings', () => {
  test("Kafka's defaults: HmacSHA256, 32-byte keys, 1 h TTL, verification [HmacSHA256]", () => {
    const s = signingSettings(config());
    assert.deepEqual(s, {
      keyAlgorithm: 'HmacSHA256',
      keyBytes: 32,
      keyTtlMs: 3_600_000,
      signatureAlgorithm: 'HmacSHA256',
      verificationAlgorithms: ['HmacSHA256'],
    });
  });

  test('key size in bits, other algorithms', () => {
    const s = signingSettings(
      config({
        'inter.worker.key.generation.algorithm': 'HmacSHA512',
        'inter.worker.key.size': '100',
        'inter.worker.signature.algorithm': 'HmacSHA384',
        'inter.worker.verification.algorithms': 'HmacSHA256,HmacSHA384',
      }),
    );
    assert.equal(s.keyBytes, 13);
    assert.equal(s.keyAlgorithm, 'HmacSHA512');
    assert.equal(
      signingSettings(config({ 'inter.worker.key.generation.algorithm': 'HmacSHA1' })).keyBytes,
      64,
    );
  });

  test('unknown algorithms are refused naming the key', () => {
    configError(
      () => signingSettings(config({ 'inter.worker.key.generation.algorithm': 'AES' })),
      'inter.worker.key.generation.algorithm',
      /Invalid value AES for configuration inter\.worker\.key\.generation\.algorithm: the algorithm is not supported.*HmacSHA256/,
    );
    configError(
      () =>
        signingSettings(
          config({
            'inter.worker.signature.algorithm': 'HmacFoo',
            'inter.worker.verification.algorithms': 'HmacFoo',
          }),
        ),
      'inter.worker.signature.algorithm',
      /HmacFoo.*not supported/,
    );
    configError(
      () => signingSettings(config({ 'inter.worker.verification.algorithms': 'HmacSHA256,Nope' })),
      'inter.worker.verification.algorithms',
      /Invalid value Nope .*not supported/,
    );
  });

  test('the signature algorithm must be among the verification algorithms; the list not empty', () => {
    configError(
      () =>
        signingSettings(
          config({
            'inter.worker.signature.algorithm': 'HmacSHA512',
            'inter.worker.verification.algorithms': 'HmacSHA256',
          }),
        ),
      'inter.worker.signature.algorithm',
      /Signature algorithm must be present in inter\.worker\.verification\.algorithms list/,
    );
    configError(
      () => signingSettings(config({ 'inter.worker.verification.algorithms': '' })),
      'inter.worker.verification.algorithms',
      /At least one signature verification algorithm must be provided/,
    );
  });

  test('a key shorter than 40 bits is refused', () => {
    configError(
      () => signingSettings(config({ 'inter.worker.key.size': '32' })),
      'inter.worker.key.size',
      /Unable to create key generator with algorithm HmacSHA256 and key size 32: Key length must be at least 40 bits/,
    );
  });

  test('JCA names are looked up ignoring case', () => {
    assert.equal(macAlgorithm('hmacsha256')?.digest, 'sha256');
    assert.equal(macAlgorithm('HmacSHA3-512')?.digest, 'sha3-512');
    assert.equal(macAlgorithm('SHA256'), undefined);
  });
});

describe('signing and verification', () => {
  const settings = signingSettings(config());
  const key = generateSessionKey(settings, 1_700_000_000_000);
  const body = Buffer.from('[{"file":"a.txt","topic":"t"}]', 'utf8');

  test('generated keys: random, configured length and algorithm', () => {
    assert.equal(key.key.length, 32);
    assert.equal(key.algorithm, 'HmacSHA256');
    assert.equal(key.creationTimestamp, 1_700_000_000_000);
    assert.notDeepEqual(generateSessionKey(settings, 0).key, key.key);
    assert.equal(keyMismatch(key, settings), false);
    assert.equal(keyMismatch({ ...key, algorithm: 'HmacSHA512' }, settings), true);
    assert.equal(keyMismatch({ ...key, key: key.key.subarray(1) }, settings), true);
  });

  test('the signature is base64(HMAC(key, body bytes)) with the algorithm header', () => {
    const h = signatureHeaders(key.key, 'HmacSHA256', body);
    assert.deepEqual(Object.keys(h).sort(), [SIGNATURE_HEADER, SIGNATURE_ALGORITHM_HEADER].sort());
    assert.equal(h[SIGNATURE_HEADER], createHmac('sha256', key.key).update(body).digest('base64'));
    assert.equal(h[SIGNATURE_ALGORITHM_HEADER], 'HmacSHA256');
    // A known vector (RFC 4231 test case 2).
    const rfc = signatureHeaders(
      Buffer.from('Jefe'),
      'HmacSHA256',
      Buffer.from('what do ya want for nothing?'),
    );
    assert.equal(
      Buffer.from(rfc[SIGNATURE_HEADER]!, 'base64').toString('hex'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('a valid signature passes', () => {
    const headers = headersOf(signatureHeaders(key.key, 'HmacSHA256', body));
    verifyInternalRequest({ headers, body }, ['HmacSHA256'], key);
  });

  function rejects(fn: () => void, status: number, message: string | RegExp): void {
    assert.throws(fn, (err: unknown) => {
      const actual = err instanceof RestError ? err.status : err instanceof BadRequestError ? 400 : -1;
      assert.equal(actual, status, String(err));
      if (typeof message === 'string') assert.equal((err as Error).message, message);
      else assert.match((err as Error).message, message);
      return true;
    });
  }

  test("Kafka's answers, in Kafka's order", () => {
    const headers = headersOf(signatureHeaders(key.key, 'HmacSHA256', body));
    const missing = 'Internal request missing required signature';
    rejects(() => verifyInternalRequest(undefined, ['HmacSHA256'], key), 400, missing);
    rejects(() => verifyInternalRequest({ headers: {}, body }, ['HmacSHA256'], key), 400, missing);
    const onlySig = { 'x-connect-authorization': headers['x-connect-authorization'] };
    rejects(() => verifyInternalRequest({ headers: onlySig, body }, ['HmacSHA256'], key), 400, missing);
    rejects(
      () =>
        verifyInternalRequest(
          { headers: { ...headers, 'x-connect-request-signature-algorithm': 'HmacNope' }, body },
          ['HmacSHA256'],
          key,
        ),
      400,
      'Algorithm HmacNope not available',
    );
    const sha512 = headersOf(signatureHeaders(key.key, 'HmacSHA512', body));
    rejects(
      () => verifyInternalRequest({ headers: sha512, body }, ['HmacSHA256'], key),
      400,
      "This worker does not support the 'HmacSHA512' key signing algorithm used by other workers. " +
        'This worker is currently configured to use: [HmacSHA256]. ' +
        "Check that all workers' configuration files permit the same set of signature algorithms, " +
        'and correct any misconfigured worker and restart it.',
    );
    rejects(
      () => verifyInternalRequest({ headers, body }, ['HmacSHA256'], null),
      503,
      'This worker is still starting up and has not been able to read a session key from the config topic yet',
    );
    const invalid = 'Internal request contained invalid signature.';
    const otherKey = generateSessionKey(settings, 0);
    rejects(() => verifyInternalRequest({ headers, body }, ['HmacSHA256'], otherKey), 403, invalid);
    rejects(
      () => verifyInternalRequest({ headers, body: Buffer.from('[]') }, ['HmacSHA256'], key),
      403,
      invalid,
    );
    rejects(
      () =>
        verifyInternalRequest(
          { headers: { ...headers, 'x-connect-authorization': 'bm90IGl0' }, body },
          ['HmacSHA256'],
          key,
        ),
      403,
      invalid,
    );
    // Verified with the algorithm the sender names, when allowed here.
    verifyInternalRequest({ headers: sha512, body }, ['HmacSHA256', 'HmacSHA512'], key);
  });
});
