/**
 * Plugins that never return do not hang the worker: a source task whose `poll()` never returns, a
 * sink task whose `put()` or `stop()` never returns, and a connector whose `stop()` never returns.
 * A connector delete and the worker's stop give up on them after `task.shutdown.graceful.timeout.ms`
 * (tasks) or Kafka's fixed 5 s (connectors), log that they did, and go on. On the embedded log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SinkRecord, SourceRecord, StringMap } from '@sluice/api';
import { ConfigDef, SinkTask, SourceConnector, SourceTask } from '@sluice/api';
import type { StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { startTestHerder, useTempDirs, within } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSinkConnector, ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

const never = (): Promise<never> => new Promise(() => {});
/** Calls of the hanging methods, by connector name: a test waits until its plugin is stuck. */
const stuck = new Set<string>();

class NeverPollingTask extends SourceTask {
  #name = '';
  version() {
    return '1';
  }
  start(props: StringMap) {
    this.#name = props.name ?? '';
  }
  poll(): Promise<SourceRecord[] | null> {
    stuck.add(this.#name);
    return never();
  }
  stop() {}
}
class NeverPollingSource extends ConfigCopyingSourceConnector {
  taskClass() {
    return NeverPollingTask;
  }
}

/** A sink task that hangs in `put` (config `hang=put`) or in `stop` (`hang=stop`). */
class HangingSinkTask extends SinkTask {
  #name = '';
  #hang = '';
  version() {
    return '1';
  }
  start(props: StringMap) {
    this.#name = props.name ?? '';
    this.#hang = props.hang ?? '';
    if (this.#hang === 'stop') stuck.add(this.#name);
  }
  put(records: SinkRecord[]): Promise<void> | void {
    if (this.#hang === 'put' && records.length > 0) {
      stuck.add(this.#name);
      return never();
    }
  }
  stop(): Promise<void> | void {
    if (this.#hang === 'stop') return never();
  }
}
class HangingSink extends ConfigCopyingSinkConnector {
  taskClass() {
    return HangingSinkTask;
  }
}

/** A source connector whose `stop()` never returns (its one task polls nothing). */
class IdleTask extends SourceTask {
  version() {
    return '1';
  }
  start() {}
  async poll(): Promise<SourceRecord[] | null> {
    await new Promise((r) => setTimeout(r, 50));
    return null;
  }
  stop() {}
}
class NeverStoppingSource extends SourceConnector {
  #props: StringMap = {};
  version() {
    return '1';
  }
  start(props: StringMap) {
    this.#props = props;
    stuck.add(props.name ?? '');
  }
  taskClass() {
    return IdleTask;
  }
  taskConfigs(): StringMap[] {
    return [{ ...this.#props }];
  }
  stop(): Promise<void> {
    return never();
  }
  config() {
    return new ConfigDef();
  }
}

const TASK_SHUTDOWN_MS = 500;
const tempDir = useTempDirs('sluice-hung-');

describe('plugins that never return', { timeout: 120_000 }, () => {
  let herder: StandaloneHerder;
  const logs: { level: number; msg: string }[] = [];
  const logged = (pattern: RegExp) => logs.some((l) => l.level >= 40 && pattern.test(l.msg));

  async function startHerder(): Promise<StandaloneHerder> {
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    return startTestHerder({
      dir: await tempDir(),
      connectors: [NeverPollingSource, NeverStoppingSource, HangingSink],
      logger,
      props: {
        'task.shutdown.graceful.timeout.ms': String(TASK_SHUTDOWN_MS),
        'offset.flush.interval.ms': '100',
      },
    });
  }

  before(async () => {
    herder = await startHerder();
  });
  after(async () => herder.stop());

  async function create(name: string, config: Record<string, string>): Promise<void> {
    await herder.putConnectorConfig(name, { name, ...config }, { allowReplace: false });
    await waitFor(`${name} stuck in its plugin`, () => stuck.has(name));
  }

  async function deleted(name: string, limitMs: number): Promise<number> {
    const ms = await within(`DELETE ${name}`, limitMs, herder.deleteConnector(name));
    await assert.rejects(herder.connectorStatus(name), /No status found for connector/);
    return ms;
  }

  test('a source task whose poll() never returns: the delete gives up after the graceful timeout', async () => {
    const name = uniqueName('never-polls');
    await create(name, { 'connector.class': NeverPollingSource.name });
    const ms = await deleted(name, 30_000);
    assert.ok(
      ms >= TASK_SHUTDOWN_MS - 50,
      `the delete waited ${ms} ms, the graceful timeout is ${TASK_SHUTDOWN_MS}`,
    );
    assert.ok(logged(new RegExp(`Graceful stop of task ${name}-0 failed\\.`)));
  });

  test('a sink task whose put() never returns, or whose stop() never returns', async () => {
    for (const hang of ['put', 'stop']) {
      const name = uniqueName(`never-${hang}`);
      const topic = uniqueName('hung-input');
      await herder.log.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      await herder.log.produce([{ topic, partition: 0, key: null, value: Buffer.from('x'), headers: [] }]);
      await create(name, { 'connector.class': HangingSink.name, topics: topic, hang });
      await deleted(name, 30_000);
      assert.ok(logged(new RegExp(`Graceful stop of task ${name}-0 failed`)), `hang=${hang}`);
    }
  });

  test("a connector whose stop() never returns: the delete gives up after Kafka's 5 s", async () => {
    const name = uniqueName('never-stops');
    await create(name, { 'connector.class': NeverStoppingSource.name });
    const ms = await deleted(name, 30_000);
    assert.ok(ms >= 4_900, `the delete waited ${ms} ms, not the connector shutdown timeout`);
    assert.ok(
      logged(new RegExp(`Connector '${name}' failed to properly shut down, has become unresponsive`)),
    );
  });

  test('the worker stops with every kind of hung plugin running', async () => {
    const h = await startHerder();
    const names = [uniqueName('w-never-polls'), uniqueName('w-never-stops'), uniqueName('w-never-put')];
    const previous = herder;
    herder = h;
    try {
      const topic = uniqueName('hung-input');
      await h.log.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      await h.log.produce([{ topic, partition: 0, key: null, value: Buffer.from('x'), headers: [] }]);
      await create(names[0]!, { 'connector.class': NeverPollingSource.name });
      await create(names[1]!, { 'connector.class': NeverStoppingSource.name });
      await create(names[2]!, { 'connector.class': HangingSink.name, topics: topic, hang: 'put' });
    } finally {
      herder = previous;
    }
    // Tasks (0.5 s) then connectors side by side (5 s): well under the limit.
    const ms = await within('the worker stop', 30_000, h.stop());
    assert.ok(ms < 20_000, `stop took ${ms} ms`);
  });
});
