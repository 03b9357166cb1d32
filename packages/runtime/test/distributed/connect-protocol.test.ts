import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, DataError } from '@sluice/api';
import {
  ASSIGNMENT_CONFIG_MISMATCH,
  type ConnectAssignment,
  decodeAssignment,
  decodeWorkerMetadata,
  encodeAssignment,
  encodeWorkerMetadata,
  joinGroupProtocols,
  protocolVersion,
  type WorkerMetadata,
} from '../../src/distributed/connect-protocol.ts';
import { golden } from './golden.ts';

const hexCases = new Map(
  golden<{ case: string; hex: string }>('connect-protocol.golden.json').map((g) => [g.case, g.hex]),
);
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const t = (connector: string, task: number) => ({ connector, task });

const owned: ConnectAssignment = {
  version: 2,
  error: 0,
  leader: 'connect-1-6f1a',
  leaderUrl: 'http://w1:8083/',
  configOffset: 17,
  connectors: ['orders-sink'],
  tasks: [t('orders-sink', 0), t('orders-sink', 1), t('pg-src', 0)],
  revokedConnectors: [],
  revokedTasks: [],
  delay: 0,
};

/** The inputs GenerateGolden.java serialised with Kafka's ConnectProtocol classes. */
const metadata: Record<string, WorkerMetadata> = {
  'metadata-v0': { version: 0, url: 'http://10.0.0.7:8083/', configOffset: 42, allocation: null },
  'metadata-v1-no-allocation': { version: 1, url: 'http://w1:8083/', configOffset: -1, allocation: null },
  'metadata-v2-allocation': { version: 2, url: 'http://w2:8083/', configOffset: 17, allocation: owned },
  // The allocation blob carries the metadata's version, whatever the assignment's own was.
  'metadata-v1-allocation': {
    version: 1,
    url: 'http://w2:8083/',
    configOffset: 17,
    allocation: { ...owned, version: 1 },
  },
};

const assignments: Record<string, ConnectAssignment> = {
  'assignment-v0': {
    version: 0,
    error: 0,
    leader: 'connect-1-6f1a',
    leaderUrl: 'http://w1:8083/',
    configOffset: 42,
    connectors: ['a'],
    tasks: [t('a', 0), t('a', 1), t('b', 0)],
    revokedConnectors: [],
    revokedTasks: [],
    delay: 0,
  },
  'assignment-v1-revocations': {
    version: 1,
    error: 0,
    leader: 'connect-1-6f1a',
    leaderUrl: 'http://w1:8083/',
    configOffset: 42,
    connectors: ['a'],
    tasks: [t('a', 2), t('b', 1)],
    revokedConnectors: ['c'],
    revokedTasks: [t('c', 0), t('d', 3)],
    delay: 0,
  },
  'assignment-v2-delay': {
    version: 2,
    error: 0,
    leader: 'connect-2-9b',
    leaderUrl: 'https://w2:8443/',
    configOffset: 1234567890123,
    connectors: [],
    tasks: [],
    revokedConnectors: [],
    revokedTasks: [],
    delay: 300000,
  },
  'assignment-v2-config-mismatch': {
    version: 2,
    error: ASSIGNMENT_CONFIG_MISMATCH,
    leader: 'connect-1-6f1a',
    leaderUrl: 'http://w1:8083/',
    configOffset: 99,
    connectors: [],
    tasks: [],
    revokedConnectors: [],
    revokedTasks: [],
    delay: 0,
  },
};

describe('Connect group protocol: member metadata', () => {
  for (const [name, m] of Object.entries(metadata)) {
    test(`${name}: the bytes Kafka's ConnectProtocol writes, and back`, () => {
      const golden = hexCases.get(name);
      assert.ok(golden, name);
      assert.equal(hexOf(encodeWorkerMetadata(m, m.version)), golden);
      assert.deepEqual(decodeWorkerMetadata(fromHex(golden)), m);
    });
  }

  test('v0 carries no allocation even when the worker has one', () => {
    const bytes = encodeWorkerMetadata(
      { url: 'http://10.0.0.7:8083/', configOffset: 42, allocation: owned },
      0,
    );
    assert.equal(hexOf(bytes), hexCases.get('metadata-v0'));
  });

  test('a v1 blob missing its trailing allocation reads as no allocation', () => {
    const full = fromHex(hexCases.get('metadata-v1-no-allocation')!);
    const truncated = full.subarray(0, full.length - 4);
    assert.deepEqual(decodeWorkerMetadata(truncated).allocation, null);
  });

  test('a newer version is read as far as the fields we know (Kafka reads any version >= 0)', () => {
    const v3 = fromHex(hexCases.get('metadata-v2-allocation')!);
    v3[1] = 3;
    assert.equal(decodeWorkerMetadata(v3).version, 3);
    assert.equal(decodeWorkerMetadata(v3).url, 'http://w2:8083/');
  });

  test('JoinGroup offers sub-protocols in preference order per connect.protocol', () => {
    const state = { url: 'http://w:8083/', configOffset: 5, allocation: null };
    assert.deepEqual(
      joinGroupProtocols('sessioned', state).map((p) => [p.name, decodeWorkerMetadata(p.metadata).version]),
      [
        ['sessioned', 2],
        ['compatible', 1],
        ['default', 0],
      ],
    );
    assert.deepEqual(
      joinGroupProtocols('compatible', state).map((p) => p.name),
      ['compatible', 'default'],
    );
    assert.deepEqual(
      joinGroupProtocols('eager', state).map((p) => p.name),
      ['default'],
    );
    assert.throws(() => joinGroupProtocols('fancy' as 'eager', state), ConfigError);
    assert.equal(protocolVersion('sessioned'), 2);
    assert.throws(() => protocolVersion('cooperative'), DataError);
  });
});

describe('Connect group protocol: assignments', () => {
  for (const [name, a] of Object.entries(assignments)) {
    test(`${name}: the bytes Kafka's ConnectProtocol writes, and back`, () => {
      const golden = hexCases.get(name);
      assert.ok(golden, name);
      assert.equal(hexOf(encodeAssignment(a)), golden);
      assert.deepEqual(decodeAssignment(fromHex(golden)), a);
    });
  }

  test('a v1 assignment without revoked/delay (trailing fields missing) takes the defaults', () => {
    const full = encodeAssignment(assignments['assignment-v1-revocations']!);
    // Cut after the assignment array: header(2) error(2) leader(2+14) url(2+15) offset(8) + entries.
    const assignedOnly = encodeAssignment({
      ...assignments['assignment-v1-revocations']!,
      revokedConnectors: [],
      revokedTasks: [],
    });
    const cut = assignedOnly.subarray(0, assignedOnly.length - 8); // drop empty revoked (4) + delay (4)
    const decoded = decodeAssignment(cut);
    assert.deepEqual(decoded.tasks, [t('a', 2), t('b', 1)]);
    assert.deepEqual(decoded.revokedTasks, []);
    assert.equal(decoded.delay, 0);
    assert.ok(full.length > cut.length);
  });

  test('null assignment arrays (count -1) read as empty in v1', () => {
    const a = assignments['assignment-v2-delay']!;
    const bytes = encodeAssignment(a);
    const view = Buffer.from(bytes);
    const arraysAt = bytes.length - 12; // assignment count, revoked count, delay
    view.writeInt32BE(-1, arraysAt);
    view.writeInt32BE(-1, arraysAt + 4);
    assert.deepEqual(decodeAssignment(new Uint8Array(view)), a);
  });

  test('connectors are listed once with their tasks, the instance (-1) first', () => {
    const bytes = encodeAssignment({
      ...assignments['assignment-v0']!,
      connectors: ['b', 'a', 'b'],
      tasks: [t('a', 1), t('c', 0), t('b', 2)],
    });
    const decoded = decodeAssignment(bytes);
    assert.deepEqual(decoded.connectors, ['b', 'a']);
    assert.deepEqual(decoded.tasks, [t('b', 2), t('a', 1), t('c', 0)]);
  });

  test('malformed blobs are DataErrors naming the field', () => {
    const good = fromHex(hexCases.get('assignment-v1-revocations')!);
    assert.throws(() => decodeAssignment(good.subarray(0, 10)), /Error reading field 'leader'/);
    assert.throws(() => decodeAssignment(fromHex('ffff')), /Unsupported subscription version: -1/);
    assert.throws(() => decodeWorkerMetadata(fromHex('0000')), /Error reading field 'url'/);
    const hugeArray = fromHex('0000000000016100016200000000000000000fffffff');
    assert.throws(() => decodeAssignment(hugeArray), DataError);
    assert.throws(
      () => encodeAssignment({ ...assignments['assignment-v0']!, tasks: [t('a', -1)] }),
      /non-negative/,
    );
    assert.throws(() => encodeAssignment(assignments['assignment-v0']!, 7), /version must be 0, 1 or 2/);
  });
});
