import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '@sluice/api';
import {
  type ConfigTopicRecord,
  commitTasksRecord,
  connectorConfigRecord,
  connectorDeletionRecords,
  loggerLevelRecord,
  parseConfigRecord,
  type RawConfig,
  restartRequestRecord,
  sessionKeyRecord,
  type TargetState,
  targetStateRecord,
  taskConfigRecord,
  taskConfigRecords,
  taskCountRecord,
} from '../../src/distributed/config-records.ts';
import { bytesOf, golden, utf8 } from './golden.ts';

interface GoldenConfigRecord {
  case: string;
  key: string;
  value: string | null;
  connector?: string;
  task?: number;
  tasks?: number;
  properties?: RawConfig;
  state?: TargetState;
  includeTasks?: boolean;
  onlyFailed?: boolean;
  taskCount?: number;
  keyBase64?: string;
  algorithm?: string;
  creationTimestamp?: number;
  namespace?: string;
  level?: string;
}

const cases = golden<GoldenConfigRecord>('config-records.golden.json');

/** What Sluice writes for a golden case's inputs. */
function write(g: GoldenConfigRecord): ConfigTopicRecord {
  switch (g.case) {
    case 'connector-config':
      return connectorConfigRecord(g.connector!, g.properties!);
    case 'task-config':
      return taskConfigRecord({ connector: g.connector!, task: g.task! }, g.properties!);
    case 'commit-tasks':
      return commitTasksRecord(g.connector!, g.tasks!);
    case 'target-state':
      return targetStateRecord(g.connector!, g.state!);
    case 'restart-request':
      return restartRequestRecord(g.connector!, { includeTasks: g.includeTasks!, onlyFailed: g.onlyFailed! });
    case 'task-count':
      return taskCountRecord(g.connector!, g.taskCount!);
    case 'session-key':
      return sessionKeyRecord({
        key: new Uint8Array(Buffer.from(g.keyBase64!, 'base64')),
        algorithm: g.algorithm!,
        creationTimestamp: g.creationTimestamp!,
      });
    case 'logger-level':
      return loggerLevelRecord(g.namespace!, g.level!);
    case 'connector-deletion':
      return connectorDeletionRecords(g.connector!).find((r) => r.key === g.key)!;
    default:
      throw new Error(`unknown golden case ${g.case}`);
  }
}

describe('config topic records', () => {
  test('the golden file covers every kind of record', () => {
    const kinds = new Set(cases.map((g) => g.case));
    for (const k of [
      'connector-config',
      'task-config',
      'commit-tasks',
      'target-state',
      'restart-request',
      'task-count',
      'session-key',
      'logger-level',
      'connector-deletion',
    ])
      assert.ok(kinds.has(k), k);
  });

  for (const g of cases) {
    test(`${g.key}: writes the bytes Kafka Connect writes (${g.value ?? 'tombstone'})`, () => {
      const record = write(g);
      assert.equal(record.key, g.key);
      assert.equal(utf8(record.value), g.value);
    });
  }

  test('reads each golden record back to its inputs', () => {
    for (const g of cases) {
      const r = parseConfigRecord(g.key, bytesOf(g.value));
      switch (g.case) {
        case 'connector-config':
          assert.deepEqual(r, { type: 'connector-config', connector: g.connector, properties: g.properties });
          // Key order survives the round trip.
          assert.deepEqual(
            Object.keys(r.type === 'connector-config' ? r.properties : {}),
            Object.keys(g.properties!),
          );
          break;
        case 'task-config':
          assert.deepEqual(r, {
            type: 'task-config',
            id: { connector: g.connector, task: g.task },
            properties: g.properties,
          });
          break;
        case 'commit-tasks':
          assert.deepEqual(r, { type: 'commit-tasks', connector: g.connector, tasks: g.tasks });
          break;
        case 'target-state':
          assert.deepEqual(r, { type: 'target-state', connector: g.connector, state: g.state });
          break;
        case 'restart-request':
          assert.deepEqual(r, {
            type: 'restart-request',
            connector: g.connector,
            includeTasks: true,
            onlyFailed: false,
          });
          break;
        case 'task-count':
          assert.deepEqual(r, { type: 'task-count', connector: g.connector, taskCount: 3 });
          break;
        case 'session-key':
          assert.equal(r.type, 'session-key');
          if (r.type === 'session-key') {
            assert.equal(Buffer.from(r.sessionKey.key).toString('base64'), g.keyBase64);
            assert.equal(r.sessionKey.algorithm, 'HmacSHA256');
            assert.equal(r.sessionKey.creationTimestamp, 1700000000123);
          }
          break;
        case 'logger-level':
          assert.deepEqual(r, { type: 'logger-level', namespace: g.namespace, level: 'DEBUG' });
          break;
        case 'connector-deletion':
          assert.deepEqual(
            r,
            g.key.startsWith('connector-')
              ? { type: 'connector-removed', connector: 'orders-sink' }
              : { type: 'target-state-removed', connector: 'orders-sink' },
          );
          break;
      }
    }
  });

  test('a deletion is the connector tombstone then the target-state tombstone', () => {
    assert.deepEqual(connectorDeletionRecords('x'), [
      { key: 'connector-x', value: null },
      { key: 'target-state-x', value: null },
    ]);
  });

  test('task configs are written from task 0 up, then the commit with the count', () => {
    const records = taskConfigRecords('c', [{ a: '1' }, { a: '2' }, { a: '3' }]);
    assert.deepEqual(
      records.map((r) => [r.key, utf8(r.value)]),
      [
        ['task-c-0', '{"properties":{"a":"1"}}'],
        ['task-c-1', '{"properties":{"a":"2"}}'],
        ['task-c-2', '{"properties":{"a":"3"}}'],
        ['commit-c', '{"tasks":3}'],
      ],
    );
    assert.deepEqual(
      taskConfigRecords('c', []).map((r) => [r.key, utf8(r.value)]),
      [['commit-c', '{"tasks":0}']],
    );
  });

  test('bad inputs are DataErrors naming the problem', () => {
    assert.throws(() => targetStateRecord('c', 'RUNNING' as TargetState), /Invalid target state "RUNNING"/);
    assert.throws(
      () => commitTasksRecord('c', -1),
      (e) => e instanceof DataError && /tasks number/.test(e.message),
    );
    assert.throws(() => taskConfigRecord({ connector: 'c', task: 1.5 }, {}), /task number/);
    assert.throws(
      () => connectorConfigRecord('c', { 'tasks.max': 2 as unknown as string }),
      /Config property "tasks.max" must be a string or null/,
    );
    assert.throws(
      () => sessionKeyRecord({ key: new Uint8Array(1), algorithm: 'HmacSHA256', creationTimestamp: 1.5 }),
      /creation-timestamp/,
    );
  });
});

describe('parseConfigRecord: reading like KafkaConfigBackingStore', () => {
  const json = (v: unknown) => bytesOf(JSON.stringify(v));

  test('connector names and task keys containing dashes', () => {
    assert.deepEqual(parseConfigRecord('task-my-conn-2-11', json({ properties: {} })), {
      type: 'task-config',
      id: { connector: 'my-conn-2', task: 11 },
      properties: {},
    });
    assert.deepEqual(parseConfigRecord('commit-my-conn-2', json({ tasks: 4 })), {
      type: 'commit-tasks',
      connector: 'my-conn-2',
      tasks: 4,
    });
  });

  test('task keys Java cannot parse are ignored', () => {
    for (const key of ['task-foo', 'task-foo-x', 'task-foo-99999999999'])
      assert.equal(parseConfigRecord(key, json({ properties: {} })).type, 'ignored', key);
    // Java's split drops trailing empty segments and Integer.parseInt takes a '+' sign.
    assert.deepEqual(parseConfigRecord('task-foo-+7', json({ properties: {} })), {
      type: 'task-config',
      id: { connector: 'foo', task: 7 },
      properties: {},
    });
  });

  test('target state prefers state.v2 and falls back on state', () => {
    assert.deepEqual(parseConfigRecord('target-state-c', json({ state: 'PAUSED', 'state.v2': 'STOPPED' })), {
      type: 'target-state',
      connector: 'c',
      state: 'STOPPED',
    });
    assert.deepEqual(parseConfigRecord('target-state-c', json({ state: 'PAUSED' })), {
      type: 'target-state',
      connector: 'c',
      state: 'PAUSED',
    });
    // A non-string state.v2 is skipped in favour of the legacy field.
    assert.deepEqual(parseConfigRecord('target-state-c', json({ state: 'STARTED', 'state.v2': 5 })), {
      type: 'target-state',
      connector: 'c',
      state: 'STARTED',
    });
    assert.equal(parseConfigRecord('target-state-c', json({ 'state.v2': 'BOGUS' })).type, 'ignored');
    assert.equal(parseConfigRecord('target-state-c', json({})).type, 'ignored');
  });

  test('restart requests default missing or invalid flags to false', () => {
    assert.deepEqual(parseConfigRecord('restart-connector-c', json({ 'include-tasks': 'yes' })), {
      type: 'restart-request',
      connector: 'c',
      includeTasks: false,
      onlyFailed: false,
    });
  });

  test('malformed values are ignored with a reason; non-JSON is flagged unreadable', () => {
    const bad = parseConfigRecord('connector-c', bytesOf('{not json'));
    assert.equal(bad.type, 'ignored');
    assert.equal(bad.type === 'ignored' && bad.unreadable, true);
    const wrong = parseConfigRecord('connector-c', json({ properties: 'x' }));
    assert.equal(wrong.type, 'ignored');
    assert.match(wrong.type === 'ignored' ? wrong.reason : '', /'properties' field should be a Map/);
    assert.equal(wrong.type === 'ignored' && wrong.unreadable, false);
    assert.equal(parseConfigRecord('connector-c', json([1])).type, 'ignored');
    assert.equal(parseConfigRecord('task-c-0', null).type, 'ignored');
    assert.equal(parseConfigRecord('commit-c', json({ tasks: 'two' })).type, 'ignored');
    assert.equal(parseConfigRecord('session-key', json({ key: 'AAAA', algorithm: 'x' })).type, 'ignored');
    assert.equal(parseConfigRecord('session-key', null).type, 'ignored');
    assert.equal(parseConfigRecord('logger-cluster-x', json({ level: 3 })).type, 'ignored');
    const unknown = parseConfigRecord('something-else', json({}));
    assert.match(
      unknown.type === 'ignored' ? unknown.reason : '',
      /Discarding config update record with invalid key/,
    );
  });

  test('a commit count written as a long beyond int32 is truncated like Java intValue', () => {
    assert.deepEqual(parseConfigRecord('commit-c', bytesOf('{"tasks":4294967298}')), {
      type: 'commit-tasks',
      connector: 'c',
      tasks: 2,
    });
  });

  test('an unusual property key such as __proto__ is kept as data', () => {
    const r = parseConfigRecord('connector-c', bytesOf('{"properties":{"__proto__":"x","a":null}}'));
    assert.equal(r.type, 'connector-config');
    if (r.type === 'connector-config') {
      assert.deepEqual(Object.keys(r.properties), ['__proto__', 'a']);
      assert.equal(Object.getOwnPropertyDescriptor(r.properties, '__proto__')?.value, 'x');
      assert.equal(r.properties.a, null);
    }
  });
});
