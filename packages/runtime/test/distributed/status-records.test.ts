import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  connectorStatusRecord,
  parseStatusRecord,
  type StatusState,
  statusValue,
  taskStatusRecord,
  topicStatusRecord,
} from '../../src/distributed/status-records.ts';
import { bytesOf, golden, utf8 } from './golden.ts';

interface GoldenStatus {
  case: 'connector' | 'task' | 'destroyed' | 'topic';
  key: string;
  value: string | null;
  connector: string;
  task: number | null;
  state?: StatusState;
  trace?: string | null;
  workerId?: string;
  generation?: number;
  topic?: string;
  discoverTimestamp?: number | null;
}

const cases = golden<GoldenStatus>('status-records.golden.json');

function write(g: GoldenStatus): { key: string; value: Uint8Array | null } {
  const status = () => ({
    state: g.state!,
    trace: g.trace ?? null,
    workerId: g.workerId!,
    generation: g.generation!,
  });
  switch (g.case) {
    case 'connector':
    case 'destroyed':
      return connectorStatusRecord(g.connector, status());
    case 'task':
      return taskStatusRecord({ connector: g.connector, task: g.task! }, status());
    case 'topic':
      return topicStatusRecord(
        g.topic!,
        g.connector,
        g.value === null
          ? null
          : {
              topic: g.topic!,
              connector: g.connector,
              task: g.task!,
              discoverTimestamp: g.discoverTimestamp!,
            },
      );
  }
}

describe('status topic records', () => {
  for (const g of cases) {
    test(`${g.key} ${g.state ?? ''}: bytes are Kafka Connect's (${g.value ?? 'tombstone'})`, () => {
      const record = write(g);
      assert.equal(record.key, g.key);
      assert.equal(utf8(record.value), g.value);
    });
  }

  test('every golden record reads back', () => {
    for (const g of cases) {
      const r = parseStatusRecord(g.key, bytesOf(g.value));
      const status =
        g.value === null
          ? null
          : { state: g.state, trace: g.trace ?? null, workerId: g.workerId, generation: g.generation };
      switch (g.case) {
        case 'connector':
        case 'destroyed':
          assert.deepEqual(r, { type: 'connector', connector: g.connector, status });
          break;
        case 'task':
          assert.deepEqual(r, { type: 'task', id: { connector: g.connector, task: g.task }, status });
          break;
        case 'topic':
          assert.deepEqual(r, {
            type: 'topic',
            topic: g.topic,
            connector: g.connector,
            status:
              g.value === null
                ? null
                : {
                    topic: g.topic,
                    connector: g.connector,
                    task: g.task,
                    discoverTimestamp: g.discoverTimestamp,
                  },
          });
          break;
      }
    }
  });

  test('DESTROYED is a tombstone', () => {
    assert.equal(statusValue({ state: 'DESTROYED', trace: null, workerId: 'w', generation: 1 }), null);
  });

  test('bad statuses are refused with the reason', () => {
    assert.throws(
      () => statusValue({ state: 'BROKEN' as StatusState, trace: null, workerId: 'w', generation: 1 }),
      /Invalid status state "BROKEN"/,
    );
    assert.throws(
      () => statusValue({ state: 'RUNNING', trace: null, workerId: 'w', generation: 2 ** 31 }),
      /int32/,
    );
  });

  test('task status keys with dashed connector names, and keys Kafka discards', () => {
    assert.deepEqual(parseStatusRecord('status-task-a-b-c-12', null), {
      type: 'task',
      id: { connector: 'a-b-c', task: 12 },
      status: null,
    });
    for (const key of [
      'status-task-x',
      'status-task-x-y',
      'status-connector-',
      'status-topic-orders',
      'status-topic-:connector-c',
      'status-topic-t:connector-',
      'other',
    ])
      assert.equal(parseStatusRecord(key, null).type, 'ignored', key);
  });

  test('values Kafka cannot parse are ignored', () => {
    const bad = (v: string) => parseStatusRecord('status-connector-c', bytesOf(v)).type;
    assert.equal(bad('{"state":"NOPE","trace":null,"worker_id":"w","generation":1}'), 'ignored');
    assert.equal(bad('{"state":"RUNNING","trace":null,"worker_id":"w"}'), 'ignored');
    assert.equal(bad('[1]'), 'ignored');
    assert.equal(bad('{'), 'ignored');
    assert.equal(parseStatusRecord('status-topic-t:connector-c', bytesOf('{"topic":1}')).type, 'ignored');
  });

  test('a generation written as a long is read as Java intValue', () => {
    const r = parseStatusRecord(
      'status-connector-c',
      bytesOf('{"state":"RUNNING","trace":null,"worker_id":"w","generation":4294967297}'),
    );
    assert.deepEqual(r, {
      type: 'connector',
      connector: 'c',
      status: { state: 'RUNNING', trace: null, workerId: 'w', generation: 1 },
    });
  });

  test('the plugin version (KIP-891, Kafka 4.1) is written when known and read back', () => {
    const value = statusValue({
      state: 'RUNNING',
      trace: null,
      workerId: 'w',
      generation: 1,
      version: '4.1.1',
    });
    assert.equal(
      utf8(value!),
      '{"state":"RUNNING","trace":null,"worker_id":"w","generation":1,"version":"4.1.1"}',
    );
    assert.deepEqual(parseStatusRecord('status-task-c-0', value), {
      type: 'task',
      id: { connector: 'c', task: 0 },
      status: { state: 'RUNNING', trace: null, workerId: 'w', generation: 1, version: '4.1.1' },
    });
    // Unknown: the record Kafka Connect before 4.1 writes, without the field.
    assert.equal(
      utf8(statusValue({ state: 'RUNNING', trace: null, workerId: 'w', generation: 1, version: null })!),
      '{"state":"RUNNING","trace":null,"worker_id":"w","generation":1}',
    );
  });
});
