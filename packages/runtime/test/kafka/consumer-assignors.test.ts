/**
 * The partition assignors a sink connector's group leader runs, and the consumer protocol's
 * encodings. The expected assignments follow Kafka's documented behaviour of each assignor
 * (RangeAssignor, RoundRobinAssignor, sticky/cooperative-sticky: keep what is owned, balance,
 * cooperative hand-over in two rounds); the encodings are checked byte by byte against the
 * ConsumerProtocolSubscription/Assignment schemas.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@sluice/api';
import {
  assign,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
  parseAssignors,
} from '../../src/log/consumer-assignors.ts';
import { validateClientOverrides } from '../../src/log/kafka/client-config.ts';
import { groupSettings } from '../../src/log/kafka/consumer-group-config.ts';

const member = (
  memberId: string,
  topics: string[],
  owned: Array<[string, number]> = [],
  generationId = -1,
): MemberSubscription => ({
  memberId,
  groupInstanceId: null,
  topics,
  ownedPartitions: owned.map(([topic, partition]) => ({ topic, partition })),
  generationId,
});

const show = (a: Map<string, Array<{ topic: string; partition: number }>>) =>
  Object.fromEntries([...a].map(([m, tps]) => [m, tps.map((tp) => `${tp.topic}-${tp.partition}`)]));

test('partition.assignment.strategy: Java class names (and protocol names), Kafka Connect default range then cooperative-sticky', () => {
  assert.deepEqual(parseAssignors(undefined), ['range', 'cooperative-sticky']);
  assert.deepEqual(
    parseAssignors(
      'org.apache.kafka.clients.consumer.CooperativeStickyAssignor, org.apache.kafka.clients.consumer.RoundRobinAssignor',
    ),
    ['cooperative-sticky', 'roundrobin'],
  );
  assert.deepEqual(parseAssignors('sticky,StickyAssignor'), ['sticky']);
  assert.throws(
    () => parseAssignors('com.example.MyAssignor'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /partition\.assignment\.strategy/.test(e.message) &&
      /MyAssignor/.test(e.message),
  );
  assert.throws(
    () => groupSettings({ 'session.timeout.ms': '3000', 'heartbeat.interval.ms': '3000' }),
    /heartbeat\.interval\.ms/,
  );
  assert.deepEqual(groupSettings({}), {
    clientId: 'sluice',
    groupInstanceId: null,
    assignors: ['range', 'cooperative-sticky'],
    sessionTimeoutMs: 45_000,
    heartbeatIntervalMs: 3_000,
    maxPollIntervalMs: 300_000,
  });
});

test('range: consecutive slices per topic, the first members one more', () => {
  const counts = new Map([
    ['a', 5],
    ['b', 2],
  ]);
  const result = assign('range', [member('m2', ['a', 'b']), member('m1', ['a', 'b'])], counts);
  assert.deepEqual(show(result), { m2: ['a-3', 'a-4', 'b-1'], m1: ['a-0', 'a-1', 'a-2', 'b-0'] });
});

test('roundrobin: all partitions sorted, dealt over sorted members, skipping members not subscribed', () => {
  const counts = new Map([
    ['a', 3],
    ['b', 2],
  ]);
  const result = assign('roundrobin', [member('m1', ['a', 'b']), member('m2', ['a'])], counts);
  assert.deepEqual(show(result), { m1: ['a-0', 'a-2', 'b-0', 'b-1'], m2: ['a-1'] });
});

test('sticky: owners keep their partitions, a new member gets a fair share from the most loaded', () => {
  const counts = new Map([['t', 4]]);
  const result = assign(
    'sticky',
    [
      member(
        'm1',
        ['t'],
        [
          ['t', 0],
          ['t', 1],
          ['t', 2],
          ['t', 3],
        ],
        5,
      ),
      member('m2', ['t']),
    ],
    counts,
  );
  const s = show(result);
  assert.equal(s.m1!.length, 2);
  assert.equal(s.m2!.length, 2);
  assert.ok(s.m1!.every((p) => ['t-0', 't-1', 't-2', 't-3'].includes(p)));
});

test('cooperative-sticky: a partition moving between members is unassigned in the first round, placed in the next', () => {
  const counts = new Map([['t', 4]]);
  const all: Array<[string, number]> = [
    ['t', 0],
    ['t', 1],
    ['t', 2],
    ['t', 3],
  ];
  const first = assign('cooperative-sticky', [member('m1', ['t'], all, 5), member('m2', ['t'])], counts);
  const s1 = show(first);
  // m1 keeps two, m2 gets nothing yet: the two moving ones are still m1's until it revokes them.
  assert.equal(s1.m1!.length, 2);
  assert.deepEqual(s1.m2, []);
  // Second round: m1 advertises what it kept, m2 nothing: the free partitions go to m2.
  const kept = first.get('m1')!.map((tp) => [tp.topic, tp.partition] as [string, number]);
  const second = assign(
    'cooperative-sticky',
    [member('m1', ['t'], kept, 6), member('m2', ['t'], [], 6)],
    counts,
  );
  const s2 = show(second);
  assert.deepEqual(s2.m1, s1.m1);
  assert.deepEqual(
    s2.m2,
    ['t-0', 't-1', 't-2', 't-3'].filter((p) => !s1.m1!.includes(p)),
  );
});

test('consumer protocol encodings: subscription v3 and assignment, byte for byte', () => {
  const sub = encodeSubscription(['t'], [{ topic: 't', partition: 1 }], 7);
  assert.equal(
    sub.toString('hex'),
    [
      '0003', // version 3
      '00000001',
      '0001',
      '74', // topics: ["t"]
      'ffffffff', // user data: null
      '00000001',
      '0001',
      '74',
      '00000001',
      '00000001', // owned: t [1]
      '00000007', // generation
      'ffff', // rack: null
    ].join(''),
  );
  assert.deepEqual(decodeSubscription('m', null, sub), {
    memberId: 'm',
    groupInstanceId: null,
    topics: ['t'],
    ownedPartitions: [{ topic: 't', partition: 1 }],
    generationId: 7,
  });
  const a = encodeAssignment(
    [
      { topic: 'b', partition: 2 },
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 1 },
    ],
    false,
  );
  assert.equal(
    a.toString('hex'),
    [
      '0000',
      '00000002',
      '0001',
      '61',
      '00000001',
      '00000000',
      '0001',
      '62',
      '00000002',
      '00000001',
      '00000002',
      'ffffffff',
    ].join(''),
  );
  assert.deepEqual(decodeAssignment(a), [
    { topic: 'a', partition: 0 },
    { topic: 'b', partition: 1 },
    { topic: 'b', partition: 2 },
  ]);
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), []);
});

test('a connector naming an unknown assignor is refused at validation, keyed by its override', () => {
  const errors = validateClientOverrides(
    'All',
    { 'bootstrap.servers': '127.0.0.1:9092' },
    { 'consumer.override.partition.assignment.strategy': 'com.example.MyAssignor' },
    true,
    true,
  );
  const message = errors.get('consumer.override.partition.assignment.strategy') ?? '';
  assert.match(message, /MyAssignor/);
  assert.match(message, /CooperativeStickyAssignor/);
  assert.equal(
    validateClientOverrides(
      'All',
      { 'bootstrap.servers': '127.0.0.1:9092' },
      {
        'consumer.override.partition.assignment.strategy':
          'org.apache.kafka.clients.consumer.RoundRobinAssignor',
      },
      true,
      true,
    ).size,
    0,
  );
});
