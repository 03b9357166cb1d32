/**
 * The text layout (Kafka Connect's `[%d] %p %X{connector.context}%m (%c)%n`), the choice of format
 * (`log.format`, `SLUICE_LOG_FORMAT`), the `[name|task-0]` prefix, and the plugin logger's levels
 * under `/admin/loggers`.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { logContextPrefix, withLogContext } from '../../src/logging/log-context.ts';
import { formatLogTime, formatTextLine, resolveLogFormat } from '../../src/logging/log-format.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { loggerRegistryFor } from '../../src/logging/logger-registry.ts';
import { contextLoggers } from '../../src/logging/plugin-logger.ts';

function capture(format: 'text' | 'json', level = 'INFO') {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return { logger: createLogger({ level, destination, format, base: null }), output: () => text };
}

describe('text layout', () => {
  test('time, Kafka level name, context, message, fields, logger; the stack on the next lines', () => {
    const time = new Date(2026, 11, 6, 14, 31, 2, 123).getTime();
    const line = formatTextLine(
      JSON.stringify({
        level: 'WARN',
        time,
        connector: 'pg-source',
        task: 0,
        logger: 'io.debezium.X',
        topic: 'a b',
        n: 3,
        msg: 'Snapshot step 3',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' },
      }),
    );
    assert.equal(
      line,
      '[2026-12-06 14:31:02,123] WARN [pg-source|task-0] Snapshot step 3 topic="a b" n=3 (io.debezium.X)\nError: boom\n    at here\n',
    );
    assert.equal(formatLogTime(time), '2026-12-06 14:31:02,123');
  });

  test('connector scope, offsets scope, no context', () => {
    assert.equal(logContextPrefix({ connector: 'c' }), '[c|worker] ');
    assert.equal(logContextPrefix({ connector: 'c', task: 2, scope: 'offsets' }), '[c|task-2|offsets] ');
    assert.equal(logContextPrefix(undefined), '');
    assert.match(formatTextLine('{"level":"INFO","time":0,"msg":"hi"}'), /^\[[\d\- :,]+\] INFO hi\n$/);
  });

  test('an error given as text stays on the line', () => {
    assert.match(
      formatTextLine('{"level":"INFO","time":0,"msg":"Heartbeat failed","err":"socket hang up","code":7}'),
      /\] INFO Heartbeat failed err="socket hang up" code=7\n$/,
    );
  });

  test('a line that is not JSON is written as it is', () => {
    assert.equal(formatTextLine('plain'), 'plain\n');
  });

  test('through the logger: level names, never numbers; context from withLogContext', () => {
    const { logger, output } = capture('text', 'DEBUG');
    withLogContext({ connector: 'orders', task: 1 }, () => logger.debug('polled 3 records'));
    logger.error({ err: new Error('bad') }, 'outside');
    const lines = output().split('\n');
    assert.match(lines[0]!, /^\[[\d\- :,]+\] DEBUG \[orders\|task-1\] polled 3 records$/);
    assert.match(lines[1]!, /^\[[\d\- :,]+\] ERROR outside$/);
    assert.equal(lines[2], 'Error: bad');
  });

  test('json: "level" is the Kafka name', () => {
    const { logger, output } = capture('json');
    withLogContext({ connector: 'orders', task: 1 }, () => logger.warn('careful'));
    assert.deepEqual(JSON.parse(output()), {
      level: 'WARN',
      time: (JSON.parse(output()) as { time: number }).time,
      connector: 'orders',
      task: 1,
      msg: 'careful',
    });
  });
});

describe('log.format and SLUICE_LOG_FORMAT', () => {
  test('text by default; the key; the variable wins; case-insensitive', () => {
    assert.equal(resolveLogFormat({}, {}), 'text');
    assert.equal(resolveLogFormat({ 'log.format': 'JSON' }, {}), 'json');
    assert.equal(resolveLogFormat({ 'log.format': 'json' }, { SLUICE_LOG_FORMAT: 'text' }), 'text');
    assert.equal(resolveLogFormat({}, { SLUICE_LOG_FORMAT: ' json ' }), 'json');
    assert.equal(resolveLogFormat({ 'log.format': 'json' }, { SLUICE_LOG_FORMAT: '' }), 'json');
  });

  test('other values are refused, naming where they came from', () => {
    assert.throws(
      () => resolveLogFormat({ 'log.format': 'xml' }, {}),
      /Invalid value xml for configuration log\.format: String must be one of: text, json/,
    );
    assert.throws(
      () => resolveLogFormat({}, { SLUICE_LOG_FORMAT: 'pretty' }),
      /Invalid value pretty for environment variable SLUICE_LOG_FORMAT/,
    );
  });
});

describe('plugin loggers', () => {
  test('named loggers follow /admin/loggers and always carry their connector and task', () => {
    const { logger, output } = capture('json');
    const loggers = contextLoggers(logger, { connector: 'c', task: 0 }, 'com.example.MyTask');
    const own = loggers();
    own.debug('hidden at INFO');
    assert.equal(own.isEnabled('DEBUG'), false);
    loggerRegistryFor(logger).setLevel('com.example', 'DEBUG');
    const named = loggers('com.example.Other');
    assert.equal(named.isEnabled('DEBUG'), true);
    named.debug('shown');
    own.info('own', new Error('with a cause'));
    loggers('org.elsewhere').debug('still hidden');
    const lines = output()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.logger !== 'org.apache.kafka.connect.runtime.Loggers');
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.logger, l.connector, l.task]),
      [
        ['DEBUG', 'shown', 'com.example.Other', 'c', 0],
        ['INFO', 'own', 'com.example.MyTask', 'c', 0],
      ],
    );
    assert.match((lines[1]!.err as { stack: string }).stack, /with a cause/);
  });
});
