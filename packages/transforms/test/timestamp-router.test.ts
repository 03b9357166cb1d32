/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Kafka's and Java's ${...} syntax is tested literally */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, DataError, type SourceRecord } from '@sluice/api';
import { TimestampRouter } from '../src/index.ts';
import { applied, configured, sourceRecord } from './helpers.ts';

describe('TimestampRouter', () => {
  test('default ${topic}-${timestamp} with yyyyMMdd in UTC', () => {
    const t = configured(TimestampRouter<SourceRecord>, {});
    assert.equal(
      applied(t, sourceRecord({ topic: 'logs', timestamp: Date.UTC(2024, 11, 31, 23, 59) })).topic,
      'logs-20241231',
    );
  });

  test('custom formats', () => {
    const t = configured(TimestampRouter<SourceRecord>, {
      'topic.format': 'idx_${timestamp}_${topic}',
      'timestamp.format': 'yyyy.MM',
    });
    assert.equal(
      applied(t, sourceRecord({ topic: 'a', timestamp: Date.UTC(2020, 1, 1) })).topic,
      'idx_2020.02_a',
    );
  });

  test('a record without timestamp is a DataError; a bad pattern a ConfigError', () => {
    const t = configured(TimestampRouter<SourceRecord>, {});
    assert.throws(
      () => t.apply(sourceRecord({ timestamp: null })),
      (e: unknown) => e instanceof DataError && /Timestamp missing on record/.test(e.message),
    );
    assert.throws(
      () => configured(TimestampRouter, { 'timestamp.format': 'yyyy-bb' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'timestamp.format',
    );
  });
});
