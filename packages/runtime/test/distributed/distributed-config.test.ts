/** DistributedConfig: Kafka's DistributedConfig keys on top of the worker keys (reference §3.2). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { DISTRIBUTED_CONFIG_DEF, DistributedConfig, WORKER_CONFIG_DEF } from '@sluice/runtime';

const BASE: Record<string, string> = {
  'bootstrap.servers': 'localhost:9092',
  'group.id': 'connect-cluster',
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'config.storage.topic': 'connect-configs',
  'offset.storage.topic': 'connect-offsets',
  'status.storage.topic': 'connect-status',
};

function configError(props: Record<string, string>): ConfigError {
  try {
    new DistributedConfig(props);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('DistributedConfig', () => {
  test("Kafka's defaults", () => {
    const c = new DistributedConfig(BASE);
    assert.equal(c.groupId(), 'connect-cluster');
    assert.equal(c.connectProtocol(), 'sessioned');
    assert.equal(c.int('session.timeout.ms'), 10_000);
    assert.equal(c.int('heartbeat.interval.ms'), 3_000);
    assert.equal(c.int('rebalance.timeout.ms'), 60_000);
    assert.equal(c.int('worker.sync.timeout.ms'), 3_000);
    assert.equal(c.int('worker.unsync.backoff.ms'), 300_000);
    assert.equal(c.int('scheduled.rebalance.max.delay.ms'), 300_000);
    assert.equal(c.int('offset.storage.partitions'), 25);
    assert.equal(c.int('status.storage.partitions'), 5);
    for (const k of ['config', 'offset', 'status']) assert.equal(c.int(`${k}.storage.replication.factor`), 3);
    assert.equal(c.getString('exactly.once.source.support'), 'disabled');
    assert.equal(c.getString('inter.worker.key.generation.algorithm'), 'HmacSHA256');
    assert.equal(c.int('inter.worker.key.ttl.ms'), 3_600_000);
    assert.deepEqual(c.getList('inter.worker.verification.algorithms'), ['HmacSHA256']);
    // The worker keys keep their defaults; the standalone offsets file is not asked for.
    assert.equal(c.offsetCommitIntervalMs(), 60_000);
    assert.deepEqual(c.getList('listeners'), ['http://:8083']);
  });

  test('extends every worker key', () => {
    for (const name of WORKER_CONFIG_DEF.names()) assert.ok(DISTRIBUTED_CONFIG_DEF.names().has(name), name);
  });

  test('required keys are named when missing', () => {
    for (const key of ['group.id', 'config.storage.topic', 'offset.storage.topic', 'status.storage.topic']) {
      const { [key]: _removed, ...rest } = BASE;
      const err = configError(rest);
      assert.equal(err.key, key);
      assert.match(err.message, new RegExp(`Missing required configuration "${key.replace(/\./g, '\\.')}"`));
    }
    const { 'bootstrap.servers': _b, ...noKafka } = BASE;
    const err = configError(noKafka);
    assert.equal(err.key, 'bootstrap.servers');
    assert.match(err.message, /always runs on Kafka/);
  });

  test('bad values are refused naming the key', () => {
    assert.equal(
      configError({ ...BASE, 'config.storage.replication.factor': '0' }).key,
      'config.storage.replication.factor',
    );
    assert.equal(
      configError({ ...BASE, 'offset.storage.partitions': '-2' }).key,
      'offset.storage.partitions',
    );
    assert.equal(
      new DistributedConfig({ ...BASE, 'status.storage.partitions': '-1' }).int('status.storage.partitions'),
      -1,
    );
    assert.equal(configError({ ...BASE, 'connect.protocol': 'cooperative' }).key, 'connect.protocol');
    assert.equal(configError({ ...BASE, 'session.timeout.ms': 'soon' }).key, 'session.timeout.ms');
    assert.equal(
      configError({ ...BASE, 'scheduled.rebalance.max.delay.ms': '-1' }).key,
      'scheduled.rebalance.max.delay.ms',
    );
    const eos = configError({ ...BASE, 'exactly.once.source.support': 'always' });
    assert.equal(eos.key, 'exactly.once.source.support');
    assert.equal(
      new DistributedConfig({ ...BASE, 'exactly.once.source.support': 'enabled' }).exactlyOnceSourceEnabled(),
      true,
    );
    assert.equal(
      new DistributedConfig({
        ...BASE,
        'exactly.once.source.support': 'preparing',
      }).exactlyOnceSourceEnabled(),
      false,
    );
    assert.equal(new DistributedConfig(BASE).exactlyOnceSourceEnabled(), false);
    const hb = configError({ ...BASE, 'session.timeout.ms': '3000', 'heartbeat.interval.ms': '3000' });
    assert.equal(hb.key, 'heartbeat.interval.ms');
  });
});
