import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { ConfigDef, Password } from '@sluice/api';
import { currentLogContext, withLogContext } from '../../src/logging/log-context.ts';
import { createLogger, parseLog4jLevel } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { HIDDEN, looksLikeSecretKey, redactConfig } from '../../src/logging/redact.ts';

/** A logger writing JSON lines into an array. */
function capture(level = 'INFO') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ level, destination, base: null });
  return { logger, lines };
}

describe('log context', () => {
  test('every line logged inside withLogContext names its connector and task, across awaits', async () => {
    const { logger, lines } = capture();
    const child = logger.child({ logger: 'org.example.Task' });
    logger.info('outside');
    await withLogContext({ connector: 'orders' }, async () => {
      logger.info('connector');
      await withLogContext({ task: 2 }, async () => {
        await new Promise((r) => setTimeout(r, 1));
        child.info('task');
        setImmediate(() => child.info('later'));
        await new Promise((r) => setImmediate(r));
      });
      assert.deepEqual(currentLogContext(), { connector: 'orders' });
    });
    assert.equal(currentLogContext(), undefined);
    const by = (msg: string) => lines.find((l) => l.msg === msg)!;
    assert.equal(by('outside').connector, undefined);
    assert.equal(by('outside').task, undefined);
    assert.equal(by('connector').connector, 'orders');
    assert.equal(by('connector').task, undefined);
    assert.equal(by('task').connector, 'orders');
    assert.equal(by('task').task, 2);
    assert.equal(by('task').logger, 'org.example.Task');
    assert.equal(by('later').task, 2);
  });

  test('contexts of concurrent work do not leak into each other', async () => {
    const { logger, lines } = capture();
    await Promise.all(
      [0, 1, 2].map((task) =>
        withLogContext({ connector: 'c', task }, async () => {
          for (let i = 0; i < 3; i++) {
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            logger.info({ expected: task }, 'tick');
          }
        }),
      ),
    );
    assert.equal(lines.length, 9);
    for (const line of lines) assert.equal(line.task, line.expected);
  });

  test('fields passed explicitly win over the context', () => {
    const { logger, lines } = capture();
    withLogContext({ connector: 'a', task: 0 }, () => logger.info({ task: 7 }, 'x'));
    assert.equal(lines[0]!.task, 7);
    assert.equal(lines[0]!.connector, 'a');
  });
});

describe('createLogger', () => {
  test('takes log4j or pino level names, case-insensitive', () => {
    assert.equal(capture('DEBUG').logger.level, 'debug');
    assert.equal(capture('warn').logger.level, 'warn');
    assert.equal(capture('Off').logger.level, 'silent');
    assert.throws(() => createLogger({ level: 'LOUD' }), /Unknown log level 'LOUD'/);
  });

  test('parseLog4jLevel maps every log4j name', () => {
    const expected = {
      trace: 'TRACE',
      Debug: 'DEBUG',
      INFO: 'INFO',
      warn: 'WARN',
      error: 'ERROR',
      FATAL: 'FATAL',
      off: 'OFF',
      ALL: 'TRACE',
    };
    for (const [name, level] of Object.entries(expected)) assert.equal(parseLog4jLevel(name), level);
    assert.equal(parseLog4jLevel('VERBOSE'), undefined);
    assert.equal(parseLog4jLevel(''), undefined);
  });
});

describe('LoggerRegistry', () => {
  function registry(level = 'INFO') {
    let now = 1_000;
    const { logger, lines } = capture(level);
    const loggers = new LoggerRegistry(logger, { now: () => now });
    return { loggers, lines, tick: (ms = 1) => (now += ms), root: logger };
  }

  test('root is always listed; named loggers inherit the nearest ancestor level', () => {
    const { loggers } = registry();
    assert.deepEqual(loggers.allLevels(), { root: { level: 'INFO', last_modified: null } });
    loggers.logger('org.apache.kafka.connect.runtime.Worker');
    loggers.logger('org.apache.kafka.connect.runtime.WorkerSourceTask');
    loggers.logger('io.sluice.Other');
    assert.deepEqual(Object.keys(loggers.allLevels()), [
      'io.sluice.Other',
      'org.apache.kafka.connect.runtime.Worker',
      'org.apache.kafka.connect.runtime.WorkerSourceTask',
      'root',
    ]);
    assert.deepEqual(loggers.level('org.apache.kafka.connect.runtime.Worker'), {
      level: 'INFO',
      last_modified: null,
    });
    assert.equal(loggers.level('org.unknown'), null);
    assert.deepEqual(loggers.level('ROOT'), { level: 'INFO', last_modified: null });
    assert.equal(loggers.logger('root'), loggers.root);
  });

  test('setting a namespace sets every logger under it and reports those that changed', () => {
    const { loggers, tick } = registry();
    const worker = loggers.logger('org.apache.kafka.connect.runtime.Worker');
    const task = loggers.logger('org.apache.kafka.connect.runtime.WorkerSourceTask');
    const other = loggers.logger('io.sluice.Other');
    tick();
    assert.deepEqual(loggers.setLevel('org.apache.kafka.connect', 'debug'), [
      'org.apache.kafka.connect',
      'org.apache.kafka.connect.runtime.Worker',
      'org.apache.kafka.connect.runtime.WorkerSourceTask',
    ]);
    assert.equal(worker.level, 'debug');
    assert.equal(task.level, 'debug');
    assert.equal(other.level, 'info');
    assert.deepEqual(loggers.level('org.apache.kafka.connect'), { level: 'DEBUG', last_modified: 1001 });
    assert.deepEqual(loggers.level('io.sluice.Other'), { level: 'INFO', last_modified: null });
    // A logger created later under the namespace inherits its level.
    const later = loggers.logger('org.apache.kafka.connect.runtime.rest.RestServer');
    assert.equal(later.level, 'debug');
    assert.deepEqual(loggers.level('org.apache.kafka.connect.runtime.rest.RestServer'), {
      level: 'DEBUG',
      last_modified: null,
    });
    // Setting the same level again changes nothing and reports nothing.
    tick();
    assert.deepEqual(loggers.setLevel('org.apache.kafka.connect.runtime.Worker', 'DEBUG'), []);
    assert.equal(loggers.level('org.apache.kafka.connect.runtime.Worker')!.last_modified, 1001);
    // A narrower namespace changes only its loggers.
    assert.deepEqual(loggers.setLevel('org.apache.kafka.connect.runtime.Worker', 'ERROR'), [
      'org.apache.kafka.connect.runtime.Worker',
      'org.apache.kafka.connect.runtime.WorkerSourceTask',
    ]);
    assert.equal(worker.level, 'error');
  });

  test('setting root sets every logger; OFF silences', () => {
    const { loggers, lines, root } = registry();
    const a = loggers.logger('a.b');
    const c = loggers.logger('c');
    loggers.setLevel('a', 'TRACE');
    const changed = loggers.setLevel('root', 'off');
    assert.deepEqual(changed, ['a', 'a.b', 'c', 'root']);
    assert.equal(root.level, 'silent');
    assert.equal(a.level, 'silent');
    assert.equal(c.level, 'silent');
    const before = lines.length;
    a.error('dropped');
    root.fatal('dropped');
    assert.equal(lines.length, before);
    assert.equal(loggers.allLevels().root!.level, 'OFF');
  });

  test('named logger levels really filter lines', () => {
    const { loggers, lines } = registry();
    const quiet = loggers.logger('quiet');
    const chatty = loggers.logger('chatty');
    loggers.setLevel('quiet', 'WARN');
    loggers.setLevel('chatty', 'DEBUG');
    quiet.info('no');
    quiet.warn('yes-quiet');
    chatty.debug('yes-chatty');
    assert.deepEqual(
      lines.filter((l) => l.logger !== 'org.apache.kafka.connect.runtime.Loggers').map((l) => l.msg),
      ['yes-quiet', 'yes-chatty'],
    );
  });

  test('unknown level names are refused', () => {
    const { loggers } = registry();
    assert.equal(LoggerRegistry.isValidLevel('warn'), true);
    assert.equal(LoggerRegistry.isValidLevel('NOPE'), false);
    assert.throws(() => loggers.setLevel('x', 'NOPE'), /invalid log level 'NOPE'/);
    assert.equal(loggers.level('x'), null);
  });
});

describe('redactConfig', () => {
  const def = new ConfigDef()
    .define('connection.password', 'PASSWORD', 'HIGH', 'db password')
    .define('connection.user', 'STRING', 'HIGH', 'db user')
    .define('my.secret', 'STRING', 'LOW', 'not typed PASSWORD');

  test('with a ConfigDef only PASSWORD-typed keys are hidden', () => {
    const config = {
      'connection.password': 's3cr3t',
      'connection.user': 'bob',
      'my.secret': 'visible',
      'undeclared.password': 'visible too',
    };
    assert.deepEqual(redactConfig(config, def), {
      'connection.password': HIDDEN,
      'connection.user': 'bob',
      'my.secret': 'visible',
      'undeclared.password': 'visible too',
    });
    assert.equal(config['connection.password'], 's3cr3t', 'the input is not changed');
  });

  test('without a ConfigDef keys named like secrets are hidden, *.key is not', () => {
    assert.deepEqual(
      redactConfig({
        'ssl.key.password': 'a',
        'sasl.jaas.config': 'b',
        'aws.secret': 'c',
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'ssl.key': 'kept',
        'basic.auth.user.info': 'u:p',
        topic: 't',
      }),
      {
        'ssl.key.password': HIDDEN,
        'sasl.jaas.config': HIDDEN,
        'aws.secret': HIDDEN,
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'ssl.key': 'kept',
        'basic.auth.user.info': HIDDEN,
        topic: 't',
      },
    );
    assert.equal(looksLikeSecretKey('value.converter'), false);
  });

  test('Password values are always hidden; null stays null', () => {
    assert.deepEqual(redactConfig({ a: new Password('x'), 'db.password': null }), {
      a: HIDDEN,
      'db.password': null,
    });
  });

  test('a redacted config logged as a field shows no secret', () => {
    const { logger, lines } = capture();
    logger.info({ config: redactConfig({ 'connection.password': 'hunter2' }, def) }, 'Creating connector');
    assert.ok(!JSON.stringify(lines).includes('hunter2'));
  });
});
