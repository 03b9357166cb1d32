import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, ConnectHeaders } from '@sluice/api';
import { HasHeaderKey, RecordIsTombstone, TopicNameMatches } from '../../src/index.ts';
import { configured, sourceRecord } from '../helpers.ts';

describe('predicates', () => {
  test('TopicNameMatches: the whole topic must match', () => {
    const p = configured(TopicNameMatches, { pattern: 'orders-.*' });
    assert.equal(p.test(sourceRecord({ topic: 'orders-eu' })), true);
    assert.equal(p.test(sourceRecord({ topic: 'old-orders-eu' })), false);
    assert.equal(
      configured(TopicNameMatches, { pattern: 'orders' }).test(sourceRecord({ topic: 'orders-eu' })),
      false,
    );
  });

  test('TopicNameMatches: pattern required, non-empty and a valid Java regex', () => {
    assert.throws(
      () => configured(TopicNameMatches, {}),
      (e: unknown) => e instanceof ConfigError && e.key === 'pattern',
    );
    assert.throws(() => configured(TopicNameMatches, { pattern: '' }), /String must be non-empty/);
    assert.throws(
      () => configured(TopicNameMatches, { pattern: '(' }),
      /entry must be a Java-compatible regular expression/,
    );
  });

  test('HasHeaderKey', () => {
    const p = configured(HasHeaderKey, { name: 'h2' });
    assert.equal(
      p.test(sourceRecord({ headers: new ConnectHeaders().addString('h1', 'x').addString('h2', null) })),
      true,
    );
    assert.equal(p.test(sourceRecord({ headers: new ConnectHeaders().addString('h1', 'x') })), false);
    assert.throws(
      () => configured(HasHeaderKey, {}),
      (e: unknown) => e instanceof ConfigError && e.key === 'name',
    );
  });

  test('RecordIsTombstone', () => {
    const p = configured(RecordIsTombstone, {});
    assert.equal(p.test(sourceRecord({ value: null })), true);
    assert.equal(p.test(sourceRecord({ value: 'x' })), false);
  });
});
