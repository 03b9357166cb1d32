/**
 * The worker's log as an operator reads it, through a standalone herder on the embedded log: every
 * line written while a connector or task works names it (Kafka's `[name|task-0]` context), whether
 * the runtime or the plugin (through `context.logger()`) wrote it; the lifecycle lines are
 * Kafka's; a task failure is one ERROR line with the stack trace, not two; `/admin/loggers`
 * levels reach the plugin's named logger.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  ConfigDef,
  pluginLogger,
  type SinkRecord,
  SinkTask,
  SourceConnector,
  SourceRecord,
  SourceTask,
  type StringMap,
} from '@sluice/api';
import { createLogger, type LogFormat, loggerRegistryFor } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSinkConnector } from '../helpers/test-connectors.ts';

const tempDir = useTempDirs('sluice-task-logs-');

/** A source whose task logs through its context, sends two records, then throws from poll(). */
class ExplodingSourceTask extends SourceTask {
  #polls = 0;
  version() {
    return '1.2.3';
  }
  start(props: StringMap): void {
    if (props['explode.on.start'] === 'true') throw new Error('start exploded');
    pluginLogger(this.context, 'com.example.ExplodingSourceTask').info('opening the source');
    // A callback that runs later, outside start(): its line still names the task.
    setTimeout(() => this.context.logger?.('com.example.timer').debug('a timer fired'), 1);
  }
  async poll(): Promise<SourceRecord[] | null> {
    this.#polls++;
    await new Promise((r) => setTimeout(r, 20));
    if (this.#polls === 1) {
      return [
        new SourceRecord({
          sourcePartition: { p: 0 },
          sourceOffset: { o: 1 },
          topic: this.context.configs().topic ?? 'exploding',
          value: 'one',
        }),
      ];
    }
    if (this.#polls < 4) return null;
    throw new Error('poll exploded');
  }
  stop(): void {}
}

class ExplodingSourceConnector extends SourceConnector {
  #props: StringMap = {};
  version() {
    return '1.2.3';
  }
  start(props: StringMap): void {
    this.#props = props;
    this.context.logger?.().info('connector starting');
  }
  taskClass() {
    return ExplodingSourceTask;
  }
  taskConfigs(): StringMap[] {
    return [{ ...this.#props }];
  }
  stop(): void {}
  config() {
    return new ConfigDef()
      .define('topic', 'STRING', 'exploding', 'HIGH', 'Where the records go.')
      .define('explode.on.start', 'BOOLEAN', false, 'LOW', 'Whether the task fails in start().');
  }
}

class ExplodingSinkTask extends SinkTask {
  version() {
    return '1.0';
  }
  start(): void {}
  put(records: SinkRecord[]): void {
    if (records.length > 0) {
      this.context.logger?.('com.example.ExplodingSinkTask').warn(`refusing ${records.length} records`);
      throw new Error('put exploded');
    }
  }
  stop(): void {}
}

class ExplodingSinkConnector extends ConfigCopyingSinkConnector {
  taskClass() {
    return ExplodingSinkTask;
  }
}

/** A worker logger in `format` whose lines are collected. */
function capture(format: LogFormat, level = 'INFO') {
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      text.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level, destination, format, base: null });
  return { logger, output: () => text.join('') };
}

/** A JSON log line. */
interface Line {
  level: string;
  msg: string;
  connector?: string;
  task?: number;
  logger?: string;
  err?: { message: string; stack: string };
}

describe('the logs of connectors and tasks', () => {
  test('text: a failing source task, every line of it in [name|task-0], the failure once', async () => {
    const { logger, output } = capture('text', 'DEBUG');
    // The plugin's DEBUG line shows only once /admin/loggers says so (the root is at INFO).
    loggerRegistryFor(logger).setLevel('root', 'INFO');
    loggerRegistryFor(logger).setLevel('com.example', 'DEBUG');
    const dir = await tempDir();
    const herder = await startTestHerder({ dir, logger, connectors: [ExplodingSourceConnector] });
    const name = uniqueName('exploding-source');
    try {
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': ExplodingSourceConnector.name,
          'tasks.max': '1',
          topic: `${name}-topic`,
        },
        { allowReplace: false },
      );
      await waitFor('the task to fail', async () => {
        const s = await herder.connectorStatus(name);
        return s.tasks[0]?.state === 'FAILED';
      });
      await herder.deleteConnector(name);
    } finally {
      await herder.stop();
    }
    const log = output();
    const stamp = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]`;
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const line = (level: string, context: string, message: string, loggerName: string) =>
      new RegExp(`^${stamp} ${level} ${esc(context)}${esc(message)} \\(${esc(loggerName)}\\)$`, 'm');
    const worker = 'org.apache.kafka.connect.runtime.Worker';
    const c = `[${name}|worker] `;
    const t = `[${name}|task-0] `;
    const expected = [
      line('INFO', c, `Creating connector ${name} of type ExplodingSourceConnector`, worker),
      line(
        'INFO',
        c,
        `Instantiated connector ${name} with version 1.2.3 of type ExplodingSourceConnector`,
        worker,
      ),
      line('INFO', c, 'connector starting', 'ExplodingSourceConnector'),
      line('INFO', c, `Finished creating connector ${name}`, worker),
      line('INFO', t, `Creating task ${name}-0`, worker),
      line('INFO', t, `Instantiated task ${name}-0 with version 1.2.3 of type ExplodingSourceTask`, worker),
      line(
        'INFO',
        t,
        `Set up the value converter class org.apache.kafka.connect.storage.StringConverter for task ${name}-0 using the worker config`,
        worker,
      ),
      line('INFO', t, 'opening the source', 'com.example.ExplodingSourceTask'),
      line(
        'INFO',
        t,
        `WorkerSourceTask{id=${name}-0} Source task finished initialization and start`,
        'org.apache.kafka.connect.runtime.WorkerSourceTask',
      ),
      line(
        'ERROR',
        t,
        `WorkerSourceTask{id=${name}-0} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted`,
        'org.apache.kafka.connect.runtime.WorkerSourceTask',
      ),
      line('INFO', t, `Stopping task ${name}-0`, worker),
      line('INFO', c, `Stopping connector ${name}`, worker),
      line(
        'INFO',
        c,
        `Completed shutdown for WorkerConnector{id=${name}}`,
        'org.apache.kafka.connect.runtime.WorkerConnector',
      ),
    ];
    let at = 0;
    for (const re of expected) {
      const m = re.exec(log.slice(at));
      assert.ok(m, `${re} after offset ${at} in:\n${log}`);
      at += m.index + m[0].length;
    }
    // A line from a timer the task set: still in the task's context; DEBUG as /admin/loggers set.
    assert.match(log, line('DEBUG', t, 'a timer fired', 'com.example.timer'));
    // The stack trace follows the failure line, and the failure is written once.
    assert.match(log, /unrecoverable exception.*\nError: poll exploded\n {4}at /);
    assert.equal(log.match(/poll exploded/g)?.length, 1, log);
    // No numeric levels, and nothing this connector did is written without its context.
    for (const l of log.split('\n')) {
      if (!l.startsWith('[')) continue;
      assert.match(l, new RegExp(`^${stamp} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) `), l);
      if (l.includes(name)) assert.ok(l.includes(c) || l.includes(t), `no context: ${l}`);
    }
  });

  test('json: a failing sink task, connector and task fields, the failure once', async () => {
    const { logger, output } = capture('json');
    const dir = await tempDir();
    const herder = await startTestHerder({ dir, logger, connectors: [ExplodingSinkConnector] });
    const name = uniqueName('exploding-sink');
    const topic = `${name}-in`;
    try {
      await herder.log.createTopics([{ name: topic, partitions: 1 }]);
      await herder.log.produce([{ topic, key: null, value: Buffer.from('x'), headers: [] }]);
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': ExplodingSinkConnector.name,
          'tasks.max': '1',
          topics: topic,
        },
        { allowReplace: false },
      );
      await waitFor('the task to fail', async () => {
        const s = await herder.connectorStatus(name);
        return s.tasks[0]?.state === 'FAILED';
      });
    } finally {
      await herder.stop();
    }
    const lines = output()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line);
    const find = (pred: (l: Line) => boolean, what: string) => {
      const found = lines.find(pred);
      assert.ok(found, `${what} in:\n${output()}`);
      return found;
    };
    const started = find((l) => l.msg.endsWith('Sink task finished initialization and start'), 'start');
    assert.deepEqual([started.level, started.connector, started.task], ['INFO', name, 0]);
    const refused = find((l) => l.msg === 'refusing 1 records', 'the plugin line');
    assert.deepEqual(
      [refused.level, refused.connector, refused.task, refused.logger],
      ['WARN', name, 0, 'com.example.ExplodingSinkTask'],
    );
    const failures = lines.filter((l) => l.level === 'ERROR');
    assert.equal(failures.length, 1, output());
    assert.equal(
      failures[0]!.msg,
      `WorkerSinkTask{id=${name}-0} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted`,
    );
    assert.deepEqual([failures[0]!.connector, failures[0]!.task], [name, 0]);
    assert.match(failures[0]!.err!.stack, /put exploded/);
  });

  test('errors.log.enable under errors.tolerance=none: the record and the stack in the one failure line', async () => {
    const { logger, output } = capture('text');
    const dir = await tempDir();
    const herder = await startTestHerder({ dir, logger });
    const name = uniqueName('poisoned-sink');
    const topic = `${name}-in`;
    try {
      await herder.log.createTopics([{ name: topic, partitions: 1 }]);
      await herder.log.produce([{ topic, key: null, value: Buffer.from('not json'), headers: [] }]);
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
          file: `${dir}/out.txt`,
          'tasks.max': '1',
          topics: topic,
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'errors.log.enable': 'true',
        },
        { allowReplace: false },
      );
      await waitFor('the task to fail', async () => {
        const s = await herder.connectorStatus(name);
        return s.tasks[0]?.state === 'FAILED';
      });
    } finally {
      await herder.stop();
    }
    const log = output();
    const errors = log.split('\n').filter((l) => / ERROR /.test(l));
    assert.equal(errors.length, 1, log);
    assert.ok(
      errors[0]!.includes(
        `[${name}|task-0] WorkerSinkTask{id=${name}-0} Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted. ` +
          `Error encountered in task ${name}-0. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic '${topic}', partition 0, offset 0}.`,
      ),
      log,
    );
    assert.equal(log.match(/is not valid JSON/g)?.length, 2, log); // the cause chain, once: DataError, SyntaxError
  });

  test("a transform's line (no context of its own) names the task it is configured for", async () => {
    const { logger, output } = capture('json');
    const dir = await tempDir();
    const herder = await startTestHerder({ dir, logger, connectors: [ExplodingSourceConnector] });
    const name = uniqueName('transformed');
    try {
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': ExplodingSourceConnector.name,
          'tasks.max': '1',
          transforms: 'unwrap',
          'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
          'transforms.unwrap.delete.handling.mode': 'rewrite',
        },
        { allowReplace: false },
      );
      await waitFor('the task to start', () => output().includes('Source task finished initialization'));
    } finally {
      await herder.stop();
    }
    const warnings = output()
      .split('\n')
      .filter((l) => l.includes('delete.handling.mode'))
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.task !== undefined);
    assert.ok(warnings.length >= 1, output());
    assert.deepEqual(
      [warnings[0]!.level, warnings[0]!.connector, warnings[0]!.task, warnings[0]!.logger],
      ['WARN', name, 0, 'io.debezium.transforms.ExtractNewRecordState'],
    );
  });

  test("a task whose start() throws: Kafka's initialization failure line, once", async () => {
    const { logger, output } = capture('json');
    const dir = await tempDir();
    const herder = await startTestHerder({ dir, logger, connectors: [ExplodingSourceConnector] });
    const name = uniqueName('failing-start');
    try {
      await herder.putConnectorConfig(
        name,
        { 'connector.class': ExplodingSourceConnector.name, 'tasks.max': '1', 'explode.on.start': 'true' },
        { allowReplace: false },
      );
      await waitFor('the task to fail', async () => {
        const s = await herder.connectorStatus(name);
        return s.tasks[0]?.state === 'FAILED';
      });
    } finally {
      await herder.stop();
    }
    const errors = output()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.level === 'ERROR');
    assert.equal(errors.length, 1, output());
    assert.deepEqual(
      [errors[0]!.msg, errors[0]!.connector, errors[0]!.task],
      [`WorkerSourceTask{id=${name}-0} Task failed initialization and will not be started.`, name, 0],
    );
    assert.match(errors[0]!.err!.stack, /start exploded/);
  });
});
