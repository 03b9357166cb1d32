import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import {
  clientOverridePolicyErrors,
  connectionSettings,
  consumerSettings,
  ignoredClientKeys,
  parseJaasConfig,
  policyName,
  producerSettings,
  sinkConsumerDefaults,
  sourceProducerDefaults,
  taskClientProps,
  validateClientOverrides,
} from '../../src/log/kafka/client-config.ts';

const worker = {
  'bootstrap.servers': 'broker:9092',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'PLAIN',
  'sasl.jaas.config':
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="connect" password="s3cr\\"et";',
  'producer.compression.type': 'lz4',
  'producer.acks': '1',
  'consumer.max.poll.records': '100',
  'consumer.fetch.max.bytes': '1000000',
};

describe('task client properties are layered as Kafka Connect layers them', () => {
  test('producer: Connect defaults < worker connection < producer.* < producer.override.*', () => {
    const props = taskClientProps(
      'producer',
      worker,
      { 'producer.override.acks': 'all', 'consumer.override.x': '1' },
      sourceProducerDefaults('c', 2),
    );
    assert.equal(props['client.id'], 'connector-producer-c-2');
    assert.equal(props['bootstrap.servers'], 'broker:9092');
    assert.equal(props['compression.type'], 'lz4');
    assert.equal(props.acks, 'all');
    assert.equal(props['sasl.mechanism'], 'PLAIN');
    assert.equal(props['key.converter'], undefined, 'converter keys are not client keys');
    assert.equal(props.x, undefined);
    const settings = producerSettings(props);
    assert.equal(settings.acks, 'all');
    assert.equal(settings.compression, 'lz4');
    assert.equal(settings.clientId, 'connector-producer-c-2');
    assert.equal(
      settings.maxBlockMs,
      Number('9223372036854775807'),
      "Connect's max.block.ms: Long.MAX_VALUE",
    );
    assert.equal(settings.deliveryTimeoutMs, 2147483647, "Connect's delivery.timeout.ms: Integer.MAX_VALUE");
    assert.deepEqual(settings.sasl, { mechanism: 'PLAIN', username: 'connect', password: 's3cr"et' });
  });

  test('consumer: group connect-<name>, earliest, then worker consumer.* and consumer.override.*', () => {
    const props = taskClientProps(
      'consumer',
      worker,
      { 'consumer.override.max.poll.records': '7' },
      sinkConsumerDefaults('sink', 0),
    );
    const c = consumerSettings(props);
    assert.equal(c.groupId, 'connect-sink');
    assert.equal(c.autoOffsetReset, 'earliest');
    assert.equal(c.maxPollRecords, 7);
    assert.equal(c.fetchMaxBytes, 1_000_000);
    assert.equal(c.maxPartitionFetchBytes, 4 * 1_048_576);
    assert.equal(c.metadataMaxAgeMs, 300_000);
    assert.equal(c.isolationLevel, 'read_uncommitted');
  });

  test('Java-client tuning Sluice does not use is reported, not rejected', () => {
    assert.deepEqual(
      ignoredClientKeys('producer', {
        acks: 'all',
        'linger.ms': '5',
        'batch.size': '1',
        'ssl.keystore.type': 'PEM',
      }),
      ['batch.size', 'linger.ms'],
    );
    assert.deepEqual(ignoredClientKeys('consumer', { 'max.poll.records': '5', acks: 'all' }), ['acks']);
  });
});

describe('invalid client values are ConfigErrors naming the key', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['acks', () => producerSettings({ 'bootstrap.servers': 'b:1', acks: 'two' }), 'acks'],
    [
      'compression',
      () => producerSettings({ 'bootstrap.servers': 'b:1', 'compression.type': 'brotli' }),
      'compression.type',
    ],
    [
      'max.request.size',
      () => producerSettings({ 'bootstrap.servers': 'b:1', 'max.request.size': 'abc' }),
      'max.request.size',
    ],
    [
      'idempotence',
      () => producerSettings({ 'bootstrap.servers': 'b:1', 'enable.idempotence': 'yes' }),
      'enable.idempotence',
    ],
    [
      'max.poll.records',
      () => consumerSettings({ 'group.id': 'g', 'max.poll.records': '0' }),
      'max.poll.records',
    ],
    [
      'auto.offset.reset',
      () => consumerSettings({ 'group.id': 'g', 'auto.offset.reset': 'oldest' }),
      'auto.offset.reset',
    ],
    [
      'security.protocol',
      () => connectionSettings({ 'bootstrap.servers': 'b:1', 'security.protocol': 'TLS' }),
      'security.protocol',
    ],
    [
      'GSSAPI',
      () =>
        connectionSettings({
          'bootstrap.servers': 'b:1',
          'security.protocol': 'SASL_SSL',
          'sasl.mechanism': 'GSSAPI',
        }),
      'sasl.mechanism',
    ],
    [
      'no jaas',
      () =>
        connectionSettings({
          'bootstrap.servers': 'b:1',
          'security.protocol': 'SASL_PLAINTEXT',
          'sasl.mechanism': 'PLAIN',
        }),
      'sasl.jaas.config',
    ],
    [
      'JKS',
      () =>
        connectionSettings({
          'bootstrap.servers': 'b:1',
          'security.protocol': 'SSL',
          'ssl.truststore.location': '/x.jks',
        }),
      'ssl.truststore.type',
    ],
    ['no servers', () => connectionSettings({}), 'bootstrap.servers'],
  ];
  for (const [name, run, key] of cases) {
    test(name, () => {
      assert.throws(
        run,
        (err: unknown) => err instanceof ConfigError && err.key === key && err.message.includes(key),
      );
    });
  }
});

test('a jaas line: module, flag, quoted and bare options; a malformed line is refused without echoing it', () => {
  assert.deepEqual(
    parseJaasConfig(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username=alice password="a b";',
    ),
    {
      loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule',
      options: { username: 'alice', password: 'a b' },
    },
  );
  assert.throws(
    () => parseJaasConfig('username="x" password="topsecret"'),
    (err: unknown) => err instanceof ConfigError && !err.message.includes('topsecret'),
  );
});

test('PEM trust and key stores are read from files; endpoint identification can be turned off', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tls-'));
  try {
    await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
    const s = connectionSettings({
      'bootstrap.servers': 'b:1',
      'security.protocol': 'SSL',
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': join(dir, 'ca.pem'),
      'ssl.endpoint.identification.algorithm': '',
    });
    assert.match(String(s.tls?.ca), /BEGIN CERTIFICATE/);
    assert.equal(s.tls?.checkServerIdentity?.('h', {} as never), undefined);
    assert.throws(
      () =>
        connectionSettings({
          'bootstrap.servers': 'b:1',
          'security.protocol': 'SSL',
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.location': join(dir, 'missing.pem'),
        }),
      (err: unknown) => err instanceof ConfigError && err.key === 'ssl.truststore.location',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('connector.client.config.override.policy', () => {
  const connector = {
    'producer.override.acks': '1',
    'consumer.override.sasl.jaas.config': 'x',
    'admin.override.security.protocol': 'SSL',
    'tasks.max': '1',
  };
  test('All allows everything', () => {
    assert.equal(clientOverridePolicyErrors('All', connector).size, 0);
  });
  test('None refuses every override with Kafka message', () => {
    const errors = clientOverridePolicyErrors('None', connector);
    assert.deepEqual([...errors.keys()].sort(), [
      'admin.override.security.protocol',
      'consumer.override.sasl.jaas.config',
      'producer.override.acks',
    ]);
    assert.equal(
      errors.get('producer.override.acks'),
      "The 'None' policy does not allow 'acks' to be overridden in the connector configuration.",
    );
  });
  test('Principal allows only the principal keys', () => {
    const errors = clientOverridePolicyErrors(
      'org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy',
      connector,
    );
    assert.deepEqual([...errors.keys()], ['producer.override.acks']);
  });
  test('an unknown policy is a ConfigError on the worker key', () => {
    assert.throws(
      () => policyName('Some'),
      (err: unknown) => err instanceof ConfigError && err.key === 'connector.client.config.override.policy',
    );
  });
  test('validateClientOverrides names the connector key of a bad value', () => {
    const errors = validateClientOverrides(
      'All',
      { 'bootstrap.servers': 'b:1' },
      { 'consumer.override.max.poll.records': '-1' },
      true,
      true,
    );
    assert.match(errors.get('consumer.override.max.poll.records') ?? '', /max\.poll\.records/);
    const ok = validateClientOverrides(
      'All',
      {},
      { 'consumer.override.max.poll.records': '10' },
      true,
      false,
    );
    assert.equal(ok.size, 0);
  });
  test("a key Sluice's client ignores is still type-checked as the Java client checks it", () => {
    const errors = validateClientOverrides(
      'All',
      {},
      {
        'producer.override.linger.ms': 'soon',
        'producer.override.batch.size': '16384',
        'admin.override.retries': 'x',
      },
      false,
      true,
    );
    assert.deepEqual(Object.fromEntries(errors), {
      'producer.override.linger.ms':
        'Invalid value soon for configuration producer.override.linger.ms: Not a number of type LONG',
      'admin.override.retries':
        'Invalid value x for configuration admin.override.retries: Not a number of type INT',
    });
    // Unknown to the Java clients too: left alone (reported as ignored when the task starts).
    assert.equal(
      validateClientOverrides(
        'All',
        { 'bootstrap.servers': 'b:1' },
        { 'producer.override.no.such.key': 'x' },
        false,
        true,
      ).size,
      0,
    );
  });
});
