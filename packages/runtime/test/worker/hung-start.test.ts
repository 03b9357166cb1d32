/**
 * A connector whose `start()` never returns (or returns late) does not block the herder. Kafka runs
 * `Connector.start()` on the connector's own thread; Sluice waits for it at most 5 s, then goes on:
 * the connector shows UNASSIGNED with no tasks, other connectors can be created and deleted, the
 * hung one can be deleted (the stop waits Kafka's 5 s connector shutdown timeout, then gives up as
 * for a hung stop()), and a start() that returns late brings the connector and its tasks up.
 * Standalone, on the embedded log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SourceRecord, StringMap } from '@sluice/api';
import { SourceTask } from '@sluice/api';
import type { StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { startTestHerder, useTempDirs, within } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

/** Connectors inside their start(), by name. */
const inStart = new Set<string>();

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

/** `start()` never returns with `start.ms=never`, else returns after `start.ms` (default at once). */
class SlowStartingSource extends ConfigCopyingSourceConnector {
  override start(props: StringMap): Promise<void> {
    this.props = props;
    inStart.add(props.name ?? '');
    const ms = props['start.ms'] ?? '0';
    if (ms === 'never') return new Promise(() => {});
    return new Promise((r) => setTimeout(r, Number(ms)));
  }
  taskClass() {
    return IdleTask;
  }
}

const tempDir = useTempDirs('sluice-hung-start-');

describe('a connector whose start() never returns', { timeout: 120_000 }, () => {
  let herder: StandaloneHerder;
  const logs: { level: number; msg: string }[] = [];
  const logged = (pattern: RegExp) => logs.some((l) => l.level >= 40 && pattern.test(l.msg));

  before(async () => {
    herder = await startTestHerder({
      dir: await tempDir(),
      connectors: [SlowStartingSource],
      logger: pino(
        { level: 'warn' },
        { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) },
      ),
    });
  });
  after(async () => herder.stop());

  const create = (name: string, startMs: string) =>
    herder.putConnectorConfig(
      name,
      { name, 'connector.class': SlowStartingSource.name, 'start.ms': startMs },
      { allowReplace: false },
    );

  test('the herder goes on: UNASSIGNED, other connectors operable, the hung one deletable', async () => {
    const hung = uniqueName('never-starts');
    const ms = await within(`creating ${hung}`, 20_000, create(hung, 'never'));
    assert.ok(inStart.has(hung));
    assert.ok(ms < 10_000, `the create waited ${ms} ms`);
    const status = await herder.connectorStatus(hung);
    assert.equal(status.connector.state, 'UNASSIGNED');
    assert.deepEqual(status.tasks, []);
    assert.ok(logged(new RegExp(`Connector ${hung} has not returned from start\\(\\)`)));

    // Another connector is created, runs its task and is deleted, without waiting for the hung one.
    const other = uniqueName('other');
    await within(`creating ${other}`, 3_000, create(other, '0'));
    await waitFor(`${other} RUNNING with its task`, async () => {
      const s = await herder.connectorStatus(other);
      return s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING';
    });
    await within(`deleting ${other}`, 3_000, herder.deleteConnector(other));
    await within('listing connectors', 1_000, herder.connectors());

    // The hung connector is deleted: its stop waits Kafka's 5 s for start() and stop(), then gives up.
    await within(`deleting ${hung}`, 20_000, herder.deleteConnector(hung));
    await assert.rejects(herder.connectorStatus(hung), /No status found for connector/);
    assert.ok(!(await herder.connectors()).includes(hung));
    assert.ok(
      logged(new RegExp(`Connector '${hung}' failed to properly shut down, has become unresponsive`)),
    );
  });

  test('a start() that returns late brings the connector and its tasks up', async () => {
    const slow = uniqueName('slow-start');
    await within(`creating ${slow}`, 20_000, create(slow, '6500'));
    assert.equal((await herder.connectorStatus(slow)).connector.state, 'UNASSIGNED');
    await waitFor(
      `${slow} RUNNING with its task`,
      async () => {
        const s = await herder.connectorStatus(slow);
        return s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING';
      },
      { timeoutMs: 20_000 },
    );
    await within(`deleting ${slow}`, 5_000, herder.deleteConnector(slow));
  });
});
