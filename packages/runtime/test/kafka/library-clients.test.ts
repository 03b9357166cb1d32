import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { bootstrapBrokers, connectionOptions } from '../../src/log/kafka/library-clients.ts';

test('bootstrap.servers: a list or a comma-separated string, blanks dropped, none is a ConfigError', () => {
  assert.deepEqual(bootstrapBrokers(' a:9092, b:9093 ,'), ['a:9092', 'b:9093']);
  assert.deepEqual(bootstrapBrokers(['a:9092', ' ']), ['a:9092']);
  assert.throws(
    () => bootstrapBrokers(' , '),
    (e) => e instanceof ConfigError && /bootstrap\.servers/.test(e.message),
  );
});

test('connection options: the config wins, the kind of client tunes the rest', () => {
  const tuning = { role: '-group', retries: 3, marginMs: 5_000 };
  assert.deepEqual(connectionOptions({ bootstrapServers: 'a:1' }, tuning), {
    clientId: 'sluice-group',
    bootstrapBrokers: ['a:1'],
    timeout: 30_000,
    requestTimeout: 35_000,
    connectTimeout: 10_000,
    retries: 3,
    retryDelay: 250,
  });
  const tls = { rejectUnauthorized: false };
  const sasl = { mechanism: 'PLAIN' as const, username: 'u', password: 'p' };
  const o = connectionOptions(
    {
      bootstrapServers: ['a:1'],
      clientId: 'w1',
      requestTimeoutMs: 1_000,
      connectTimeoutMs: 2_000,
      retries: 0,
      retryBackoffMs: 9,
      tls,
      sasl,
    },
    { ...tuning, heldMs: 60_000 },
  );
  assert.equal(o.clientId, 'w1-group');
  assert.equal(o.timeout, 1_000);
  // A request the broker may hold for heldMs (a JoinGroup) is waited for that long plus the margin.
  assert.equal(o.requestTimeout, 65_000);
  assert.equal(o.connectTimeout, 2_000);
  assert.equal(o.retries, 0);
  assert.equal(o.retryDelay, 9);
  assert.equal(o.tls, tls);
  assert.equal(o.sasl, sasl);
});
