import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, type SinkRecord, type SourceRecord } from '@sluice/api';
import { RegexRouter } from '../src/index.ts';
import { applied, configured, sinkRecord, sourceRecord } from './helpers.ts';

describe('RegexRouter', () => {
  test('whole-topic match, replaceFirst with groups', () => {
    const t = configured(RegexRouter<SourceRecord>, { regex: '(.*)-events', replacement: 'events.$1' });
    assert.equal(applied(t, sourceRecord({ topic: 'article-events' })).topic, 'events.article');
    const untouched = sourceRecord({ topic: 'article-events-x' });
    assert.equal(t.apply(untouched), untouched);
  });

  test('sink records keep their original topic for offset commits', () => {
    const t = configured(RegexRouter<SinkRecord>, { regex: 'a', replacement: 'b' });
    const out = t.apply(sinkRecord({ topic: 'a' }))!;
    assert.equal(out.topic, 'b');
    assert.equal(out.originalTopic, 'a');
    assert.equal(out.kafkaOffset, 42);
  });

  test('config errors name the key', () => {
    assert.throws(
      () => configured(RegexRouter, { replacement: 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'regex',
    );
    assert.throws(
      () => configured(RegexRouter, { regex: 'a' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'replacement',
    );
    assert.throws(
      () => configured(RegexRouter, { regex: '(a', replacement: 'x' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'regex' && /Invalid regex/.test(e.message),
    );
    assert.deepEqual(
      new RegexRouter().config().validate({ regex: '[', replacement: 'x' })[0]!.errorMessages.length,
      1,
    );
  });
});
