import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ClusterConfigState,
  ConfigTopicState,
  NO_OFFSET,
} from '../../src/distributed/cluster-config-state.ts';
import {
  type ConfigTopicRecord,
  commitTasksRecord,
  connectorConfigRecord,
  connectorDeletionRecords,
  restartRequestRecord,
  sessionKeyRecord,
  targetStateRecord,
  taskConfigRecord,
  taskCountRecord,
} from '../../src/distributed/config-records.ts';
import { bytesOf } from './golden.ts';

/** Feeds records at consecutive offsets from `start`; returns the changes reported. */
function feed(state: ConfigTopicState, records: ConfigTopicRecord[], start = 0) {
  return records.map((r, i) => state.apply({ key: r.key, value: r.value, offset: start + i }).change);
}

const conn = (name: string, extra: Record<string, string> = {}) =>
  connectorConfigRecord(name, { 'connector.class': 'X', name, ...extra });
const task = (connector: string, n: number, v = `v${n}`) =>
  taskConfigRecord({ connector, task: n }, { t: v });

describe('ConfigTopicState', () => {
  test('starts empty at NO_OFFSET', () => {
    const s = new ConfigTopicState().snapshot();
    assert.equal(s.offset, NO_OFFSET);
    assert.deepEqual(s.connectors(), []);
    assert.equal(ClusterConfigState.EMPTY.offset, -1);
  });

  test('a connector with committed tasks; the offset is the next one to read', () => {
    const state = new ConfigTopicState();
    const changes = feed(state, [conn('a'), task('a', 0), task('a', 1), commitTasksRecord('a', 2)], 10);
    assert.deepEqual(changes, [
      { type: 'connector-config-updated', connector: 'a' },
      null,
      null,
      {
        type: 'task-configs-committed',
        connector: 'a',
        tasks: [
          { connector: 'a', task: 0 },
          { connector: 'a', task: 1 },
        ],
      },
    ]);
    const s = state.snapshot();
    assert.equal(s.offset, 14);
    assert.deepEqual(s.connectors(), ['a']);
    assert.equal(s.targetState('a'), 'STARTED');
    assert.equal(s.taskCount('a'), 2);
    assert.deepEqual(s.tasks('a'), [
      { connector: 'a', task: 0 },
      { connector: 'a', task: 1 },
    ]);
    assert.deepEqual(s.rawTaskConfig({ connector: 'a', task: 1 }), { t: 'v1' });
    assert.deepEqual(s.rawConnectorConfig('a'), { 'connector.class': 'X', name: 'a' });
    assert.deepEqual(s.appliedConnectorConfig('a'), { 'connector.class': 'X', name: 'a' });
    assert.equal(s.taskConfigGeneration('a'), 0);
    assert.equal(s.pendingFencing('a'), true);
    assert.deepEqual(s.inconsistentConnectors(), []);
  });

  test('task configs take effect only at the commit', () => {
    const state = new ConfigTopicState();
    feed(state, [conn('a'), task('a', 0, 'old'), commitTasksRecord('a', 1), task('a', 0, 'new')]);
    assert.deepEqual(state.snapshot().rawTaskConfig({ connector: 'a', task: 0 }), { t: 'old' });
    feed(state, [commitTasksRecord('a', 1)], 4);
    assert.deepEqual(state.snapshot().rawTaskConfig({ connector: 'a', task: 0 }), { t: 'new' });
    assert.equal(state.snapshot().taskConfigGeneration('a'), 1);
  });

  test('a commit missing a task config (compaction) marks the connector inconsistent and keeps old configs', () => {
    // Written: conn, t0, t1, commit 2, t0', t1', commit 2 — compaction removed the first t1.
    const state = new ConfigTopicState();
    const changes = feed(state, [conn('foo'), task('foo', 0, 'a'), commitTasksRecord('foo', 2)]);
    assert.deepEqual(changes[2], { type: 'task-configs-committed', connector: 'foo', tasks: [] });
    let s = state.snapshot();
    assert.deepEqual(s.inconsistentConnectors(), ['foo']);
    assert.deepEqual(s.tasks('foo'), [], 'no tasks while inconsistent');
    assert.equal(s.taskCount('foo'), 2);
    assert.equal(
      s.rawTaskConfig({ connector: 'foo', task: 0 }),
      undefined,
      'the incomplete set was not applied',
    );
    assert.equal(s.appliedConnectorConfig('foo'), undefined);
    // The buffered t0 was dropped: the next complete write must stand on its own.
    feed(state, [task('foo', 1, 'b'), commitTasksRecord('foo', 2)], 3);
    assert.deepEqual(state.snapshot().inconsistentConnectors(), ['foo']);
    feed(state, [task('foo', 0, 'c'), task('foo', 1, 'd'), commitTasksRecord('foo', 2)], 5);
    s = state.snapshot();
    assert.deepEqual(s.inconsistentConnectors(), []);
    assert.equal(s.tasks('foo').length, 2);
    assert.deepEqual(s.rawTaskConfig({ connector: 'foo', task: 0 }), { t: 'c' });
  });

  test('extra buffered task configs beyond the committed count are fine (shrinking after compaction)', () => {
    // Compacted log: conn, t1 (from the old 2-task set), t0 (new), commit 1.
    const state = new ConfigTopicState();
    feed(state, [conn('foo'), task('foo', 1), task('foo', 0), commitTasksRecord('foo', 1)]);
    const s = state.snapshot();
    assert.deepEqual(s.inconsistentConnectors(), []);
    assert.deepEqual(s.tasks('foo'), [{ connector: 'foo', task: 0 }]);
  });

  test('a commit for a connector with no config is ignored and drops its buffered tasks', () => {
    const state = new ConfigTopicState();
    const changes = feed(state, [task('ghost', 0), commitTasksRecord('ghost', 1)]);
    assert.deepEqual(changes, [null, null]);
    const s = state.snapshot();
    assert.equal(s.taskCount('ghost'), 0);
    assert.deepEqual(s.tasks('ghost'), []);
    assert.equal(s.offset, 2);
    // A later connector with that name does not inherit the dropped task config.
    feed(state, [conn('ghost'), commitTasksRecord('ghost', 1)], 2);
    assert.deepEqual(state.snapshot().inconsistentConnectors(), ['ghost']);
  });

  test('deleting a connector removes configs, tasks and buffered tasks; the target state goes with it', () => {
    const state = new ConfigTopicState();
    feed(state, [conn('a'), task('a', 0), commitTasksRecord('a', 1), task('a', 0, 'pending'), conn('ab')]);
    const changes = feed(state, connectorDeletionRecords('a'), 5);
    assert.deepEqual(changes, [{ type: 'connector-config-removed', connector: 'a' }, null]);
    const s = state.snapshot();
    assert.deepEqual(s.connectors(), ['ab']);
    assert.equal(s.taskCount('a'), 0);
    assert.equal(s.rawTaskConfig({ connector: 'a', task: 0 }), undefined);
    assert.equal(s.targetState('a'), undefined);
    assert.equal(s.targetState('ab'), 'STARTED');
    // Re-created, it does not see the old buffered config.
    feed(state, [conn('a'), commitTasksRecord('a', 1)], 7);
    assert.deepEqual(state.snapshot().inconsistentConnectors(), ['a']);
  });

  test('target states: notified only on change for an existing connector; a tombstone resets to STARTED', () => {
    const state = new ConfigTopicState();
    // An initial state written before the connector (POST /connectors with initial_state).
    const [early] = feed(state, [targetStateRecord('a', 'STOPPED')]);
    assert.equal(early, null);
    feed(state, [conn('a')], 1);
    assert.equal(
      state.snapshot().targetState('a'),
      'STOPPED',
      'the config does not override the initial state',
    );
    assert.deepEqual(feed(state, [targetStateRecord('a', 'PAUSED')], 2), [
      { type: 'target-state-changed', connector: 'a', state: 'PAUSED' },
    ]);
    assert.deepEqual(feed(state, [targetStateRecord('a', 'PAUSED')], 3), [null]);
    assert.deepEqual(feed(state, [{ key: 'target-state-a', value: null }], 4), [null]);
    assert.equal(state.snapshot().targetState('a'), 'STARTED');
  });

  test('legacy target state records (state only) are read', () => {
    const state = new ConfigTopicState();
    feed(state, [conn('a'), { key: 'target-state-a', value: bytesOf('{"state":"PAUSED"}') }]);
    assert.equal(state.snapshot().targetState('a'), 'PAUSED');
  });

  test('restart requests, session keys and logger levels are reported', () => {
    const state = new ConfigTopicState();
    const key = { key: new Uint8Array([1, 2, 3]), algorithm: 'HmacSHA256', creationTimestamp: 5 };
    const changes = feed(state, [
      restartRequestRecord('a', { includeTasks: true, onlyFailed: true }),
      sessionKeyRecord(key),
      { key: 'logger-cluster-org.foo', value: bytesOf('{"level":"WARN"}') },
    ]);
    assert.deepEqual(changes, [
      { type: 'restart-requested', connector: 'a', includeTasks: true, onlyFailed: true },
      { type: 'session-key-updated', sessionKey: key },
      { type: 'logger-level-updated', namespace: 'org.foo', level: 'WARN' },
    ]);
    assert.deepEqual(state.snapshot().sessionKey, key);
  });

  test('task-count records clear pending fencing; later task configs set it again', () => {
    const state = new ConfigTopicState();
    feed(state, [conn('a'), task('a', 0), commitTasksRecord('a', 1), taskCountRecord('a', 1)]);
    assert.equal(state.snapshot().pendingFencing('a'), false);
    assert.equal(state.snapshot().taskCountRecord('a'), 1);
    feed(state, [task('a', 0), commitTasksRecord('a', 1)], 4);
    assert.equal(state.snapshot().pendingFencing('a'), true);
  });

  test('an unreadable value does not advance the offset; a malformed but readable one does', () => {
    const state = new ConfigTopicState();
    state.apply({ key: 'connector-a', value: bytesOf('not json'), offset: 0 });
    assert.equal(state.offset, NO_OFFSET);
    state.apply({ key: 'connector-a', value: bytesOf('{"properties":3}'), offset: 1 });
    assert.equal(state.offset, 2);
    assert.deepEqual(state.snapshot().connectors(), []);
  });

  test('snapshots are not affected by later records', () => {
    const state = new ConfigTopicState();
    feed(state, [conn('a'), task('a', 0, 'one'), commitTasksRecord('a', 1)]);
    const before = state.snapshot();
    feed(state, [task('a', 0, 'two'), commitTasksRecord('a', 1), conn('b')], 3);
    assert.deepEqual(before.connectors(), ['a']);
    assert.deepEqual(before.rawTaskConfig({ connector: 'a', task: 0 }), { t: 'one' });
    assert.deepEqual(state.snapshot().rawTaskConfig({ connector: 'a', task: 0 }), { t: 'two' });
  });

  test('connector names containing dashes do not mix up tasks', () => {
    const state = new ConfigTopicState();
    feed(state, [
      conn('a'),
      conn('a-1'),
      task('a-1', 0, 'x'),
      commitTasksRecord('a-1', 1),
      task('a', 10, 'y'),
      ...Array.from({ length: 10 }, (_, i) => task('a', i)),
      commitTasksRecord('a', 11),
    ]);
    let s = state.snapshot();
    assert.deepEqual(s.rawTaskConfig({ connector: 'a-1', task: 0 }), { t: 'x' });
    assert.deepEqual(s.rawTaskConfig({ connector: 'a', task: 10 }), { t: 'y' });
    feed(state, connectorDeletionRecords('a'), 20);
    s = state.snapshot();
    assert.deepEqual(s.rawTaskConfig({ connector: 'a-1', task: 0 }), { t: 'x' });
    assert.equal(s.rawTaskConfig({ connector: 'a', task: 10 }), undefined);
  });
});
