import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError } from '@sluice/api';
import { EnvVarConfigProvider } from '../../../src/config/providers/env-var-config-provider.ts';

const VARS = {
  SLUICE_TEST_PROVIDER_A: 'alpha',
  SLUICE_TEST_PROVIDER_B: 'beta',
  OTHER_SLUICE_TEST_PROVIDER: 'other',
};

before(() => Object.assign(process.env, VARS));
after(() => {
  for (const name of Object.keys(VARS)) delete process.env[name];
});

function configured(params: Record<string, string> = {}): EnvVarConfigProvider {
  const provider = new EnvVarConfigProvider();
  provider.configure(params);
  return provider;
}

describe('EnvVarConfigProvider', () => {
  test('carries the Kafka class name', () => {
    assert.equal(
      EnvVarConfigProvider.javaClass,
      'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    );
    assert.equal(EnvVarConfigProvider.configDef.configKeys().get('allowlist.pattern')?.defaultValue, '.*');
  });

  test('serves the process environment by default', () => {
    const { data } = configured().get('', new Set(['SLUICE_TEST_PROVIDER_A', 'SLUICE_TEST_PROVIDER_NOPE']));
    assert.deepEqual(Object.fromEntries(data), { SLUICE_TEST_PROVIDER_A: 'alpha' });
    assert.equal(configured().get('').data.get('SLUICE_TEST_PROVIDER_B'), 'beta');
  });

  test('allowlist.pattern must match the whole name', () => {
    const provider = configured({ 'allowlist.pattern': 'SLUICE_TEST_PROVIDER_.*' });
    const { data } = provider.get(
      '',
      new Set(['SLUICE_TEST_PROVIDER_A', 'OTHER_SLUICE_TEST_PROVIDER', 'PATH']),
    );
    assert.deepEqual(Object.fromEntries(data), { SLUICE_TEST_PROVIDER_A: 'alpha' });
    const partial = configured({ 'allowlist.pattern': 'SLUICE_TEST_PROVIDER' });
    assert.equal(partial.get('', new Set(['SLUICE_TEST_PROVIDER_A'])).data.size, 0);
    const alternation = configured({ 'allowlist.pattern': 'SLUICE_TEST_PROVIDER_A|OTHER_.*' });
    assert.deepEqual([...alternation.get('').data.keys()].filter((k) => k.includes('SLUICE_TEST')).sort(), [
      'OTHER_SLUICE_TEST_PROVIDER',
      'SLUICE_TEST_PROVIDER_A',
    ]);
  });

  test('variables are read when configured', () => {
    const provider = configured();
    process.env.SLUICE_TEST_PROVIDER_LATE = 'late';
    try {
      assert.equal(provider.get('', new Set(['SLUICE_TEST_PROVIDER_LATE'])).data.size, 0);
      assert.equal(
        configured()
          .get('', new Set(['SLUICE_TEST_PROVIDER_LATE']))
          .data.get('SLUICE_TEST_PROVIDER_LATE'),
        'late',
      );
    } finally {
      delete process.env.SLUICE_TEST_PROVIDER_LATE;
    }
  });

  test('a path is an error', () => {
    assert.throws(
      () => configured().get('some/path', new Set(['SLUICE_TEST_PROVIDER_A'])),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message === "Path is not supported for EnvVarConfigProvider, invalid value 'some/path'",
    );
  });

  test('an invalid pattern fails configure naming the key; get before configure is an error', () => {
    assert.throws(
      () => configured({ 'allowlist.pattern': '(' }),
      (e: unknown) =>
        e instanceof ConfigError && e.key === 'allowlist.pattern' && /allowlist\.pattern/.test(e.message),
    );
    assert.throws(() => new EnvVarConfigProvider().get(''), ConnectError);
  });
});
