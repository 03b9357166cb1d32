import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ClusterConfigState, ConfigTopicState } from '../../src/distributed/cluster-config-state.ts';
import {
  commitTasksRecord,
  connectorConfigRecord,
  taskConfigRecord,
} from '../../src/distributed/config-records.ts';
import {
  ASSIGNMENT_CONFIG_MISMATCH,
  type ConnectAssignment,
  decodeAssignment,
  encodeWorkerMetadata,
} from '../../src/distributed/connect-protocol.ts';
import { IncrementalCooperativeAssignor } from '../../src/distributed/incremental-cooperative-assignor.ts';
import { eagerAssignment, performLeaderAssignment } from '../../src/distributed/leader-assignment.ts';

/** A config topic with connectors a (2 tasks) and b (1 task): 7 records, offset 7; or its first `n` records. */
function configState(n = 7): ConfigTopicState {
  const state = new ConfigTopicState();
  const records = [
    connectorConfigRecord('a', { name: 'a' }),
    taskConfigRecord({ connector: 'a', task: 0 }, {}),
    taskConfigRecord({ connector: 'a', task: 1 }, {}),
    commitTasksRecord('a', 2),
    connectorConfigRecord('b', { name: 'b' }),
    taskConfigRecord({ connector: 'b', task: 0 }, {}),
    commitTasksRecord('b', 1),
  ].slice(0, n);
  for (const [offset, r] of records.entries()) state.apply({ key: r.key, value: r.value, offset });
  return state;
}

const member = (memberId: string, configOffset: number, version: number) => ({
  memberId,
  metadata: encodeWorkerMetadata(
    { url: `http://${memberId}:8083/`, configOffset, allocation: null },
    version,
  ),
});

function run(
  protocol: string,
  snapshot: ClusterConfigState,
  fresh: ClusterConfigState,
  offsets: [number, number],
) {
  const version = protocol === 'default' ? 0 : protocol === 'compatible' ? 1 : 2;
  return performLeaderAssignment({
    leaderId: 'w1',
    protocol,
    members: [member('w1', offsets[0], version), member('w2', offsets[1], version)],
    snapshot,
    freshSnapshot: () => fresh,
    lastCompletedGenerationId: -1,
    currentGenerationId: 1,
    now: 0,
    assignor: new IncrementalCooperativeAssignor({ maxDelayMs: 300000 }),
  });
}

describe('performLeaderAssignment', () => {
  test('sessioned: every member gets an encoded v2 delta with the leader and config offset', () => {
    const snapshot = configState().snapshot();
    const result = run('sessioned', snapshot, snapshot, [7, 7]);
    assert.deepEqual([...result.assignments.keys()], ['w1', 'w2']);
    const decoded = [...result.assignments.values()].map(decodeAssignment);
    for (const a of decoded) {
      assert.equal(a.version, 2);
      assert.equal(a.leader, 'w1');
      assert.equal(a.leaderUrl, 'http://w1:8083/');
      assert.equal(a.configOffset, 7);
      assert.equal(a.error, 0);
    }
    assert.deepEqual(decoded.flatMap((a) => a.connectors).sort(), ['a', 'b']);
    assert.equal(decoded.flatMap((a) => a.tasks).length, 3);
    assert.deepEqual(decoded, [...result.decoded.values()]);
  });

  test('a leader behind a member takes a fresh snapshot and assigns at its offset', () => {
    const state = configState();
    const stale = configState(4).snapshot();
    const result = run('compatible', stale, state.snapshot(), [4, 7]);
    assert.equal(result.snapshot.offset, 7);
    for (const a of result.decoded.values()) {
      assert.equal(a.error, 0);
      assert.equal(a.configOffset, 7);
      assert.equal(a.version, 1);
    }
  });

  test('a leader still behind after a fresh snapshot answers CONFIG_MISMATCH with the max offset', () => {
    const stale = configState(4).snapshot();
    const result = run('sessioned', stale, stale, [4, 7]);
    for (const a of result.decoded.values()) {
      assert.deepEqual<Partial<ConnectAssignment>>(
        { error: a.error, configOffset: a.configOffset, connectors: a.connectors, tasks: a.tasks },
        { error: ASSIGNMENT_CONFIG_MISMATCH, configOffset: 7, connectors: [], tasks: [] },
      );
    }
    assert.equal(result.allAssigned.size, 0);
  });

  test('eager (default): full round-robin assignment, connectors first, in v0', () => {
    const snapshot = configState().snapshot();
    const result = run('default', snapshot, snapshot, [7, 7]);
    const w1 = result.decoded.get('w1')!;
    const w2 = result.decoded.get('w2')!;
    assert.equal(w1.version, 0);
    assert.deepEqual([w1.connectors, w2.connectors], [['a'], ['b']]);
    assert.deepEqual(w1.tasks, [
      { connector: 'a', task: 0 },
      { connector: 'b', task: 0 },
    ]);
    assert.deepEqual(w2.tasks, [{ connector: 'a', task: 1 }]);
  });

  test('eagerAssignment with no members assigns nothing', () => {
    assert.deepEqual(eagerAssignment(configState().snapshot(), []), new Map());
  });
});
