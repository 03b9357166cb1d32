import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { javaHashMapOrder } from '@sluice/api';
import { pluginVersionError } from '../../src/herder/config-enrichment.ts';
import { javaMap } from '../../src/herder/connector-validation.ts';

describe('pluginVersionError (KIP-891 version requirements)', () => {
  const C = 'org.example.C';
  test('no requirement, or the installed version, or a range holding it: no error', () => {
    assert.equal(pluginVersionError(C, undefined, '1.2.0'), undefined);
    assert.equal(pluginVersionError(C, '', '1.2.0'), undefined);
    assert.equal(pluginVersionError(C, '1.2.0', '1.2.0'), undefined);
    assert.equal(pluginVersionError(C, '[1.0,2.0)', '1.2.0'), undefined);
    assert.equal(pluginVersionError(C, '[1.2.0,]', '1.2.0'), undefined);
    assert.equal(pluginVersionError(C, '(,1.10]', '1.9'), undefined);
    assert.equal(pluginVersionError(C, '[0.1,0.2),[1.0,1.5)', '1.2.0'), undefined);
  });

  test("anything else: Kafka's message, a plain version read as an exact range", () => {
    assert.equal(
      pluginVersionError(C, '9.9.9', '4.1.1'),
      'Plugin org.example.C not found that matches the version range [9.9.9,9.9.9], available versions: [4.1.1]',
    );
    assert.match(pluginVersionError(C, '[1.0,1.2.0)', '1.2.0')!, /version range \[1\.0,1\.2\.0\)/);
    assert.match(pluginVersionError(C, '(1.2.0,]', '1.2.0')!, /available versions: \[1\.2\.0\]/);
    // 1.10 > 1.9: parts compare as numbers.
    assert.notEqual(pluginVersionError(C, '[1.0,1.9]', '1.10'), undefined);
    assert.match(pluginVersionError(C, '1.0', null)!, /available versions: \[\]$/);
  });
});

describe('Java HashMap order (Kafka answers list maps in it)', () => {
  test('the order Kafka Connect 4.1.1 printed and listed (recorded in test/rest/goldens)', () => {
    assert.deepEqual(
      javaHashMapOrder([
        'converter.type',
        'schemas.enable',
        'schemas.cache.size',
        'decimal.format',
        'replace.null.with.default',
      ]),
      [
        'decimal.format',
        'converter.type',
        'schemas.cache.size',
        'replace.null.with.default',
        'schemas.enable',
      ],
    );
    assert.equal(javaMap({ topic: 't', name: 'no-class' }), '{name=no-class, topic=t}');
  });
});
