/**
 * EmbeddedLogClient: the scenarios of the Kafka adapter's integration test that apply to a
 * one-process log, then what is particular to the embedded log (reopening, long polls, the
 * directory lock, many records through the sparse index).
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError, NotFoundError } from '@sluice/api';
import { EmbeddedLogClient } from '../../src/embedded/embedded-log-client.ts';
import type { LogHeader, LogRecord, ProduceRecord, RecordAck } from '../../src/kafka/log-client.ts';

const PARTITIONS = 3;
const COUNT = 500;

/** Kafka's murmur2 test vectors (UtilsTest.testMurmur2): key bytes and the Java hash. */
const JAVA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Reads a partition from `from` up to `end` (exclusive) with small fetches. */
async function readAll(
  client: EmbeddedLogClient,
  topic: string,
  partition: number,
  from: number,
  end: number,
  maxPartitionBytes = 4096,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let offset = from;
  let rounds = 0;
  while (offset < end) {
    assert.ok(++rounds < 1_000_000, `no progress reading ${topic}-${partition} at ${offset}`);
    const [result] = await client.fetch([{ topic, partition, offset }], {
      maxPartitionBytes,
      maxWaitMs: 200,
    });
    assert.ok(result !== undefined);
    assert.equal(result.error, undefined, `fetch error ${JSON.stringify(result.error)}`);
    assert.ok(result.nextOffset > offset, 'every fetch below the end makes progress');
    for (const r of result.records) out.push(r);
    offset = result.nextOffset;
  }
  return out;
}

describe('EmbeddedLogClient: the Kafka adapter scenarios', () => {
  let client: EmbeddedLogClient;
  let dir: string;
  const topic = 'emb_compacted';
  const group = 'emb_group';
  const produced: ProduceRecord[] = [];
  let acks: RecordAck[] = [];
  const baseTimestamp = Date.UTC(2024, 0, 1);
  let produceStart = 0;
  let produceEnd = 0;

  before(async () => {
    dir = await tempDir();
    client = await EmbeddedLogClient.open({ dir });
  });

  after(async () => {
    await client?.close();
  });

  test('clusterId is stable, Kafka-shaped and persisted', async () => {
    const a = await client.clusterId();
    assert.match(a, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(await client.clusterId(), a);
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { clusterId: string };
    assert.equal(meta.clusterId, a);
    assert.equal(client.kind, 'embedded');
  });

  test('creates a compacted topic whose configs read back', async () => {
    const [result] = await client.createTopics([
      {
        name: topic,
        partitions: PARTITIONS,
        replicationFactor: 1,
        configs: {
          'cleanup.policy': 'compact',
          'segment.bytes': '1048576',
          'min.compaction.lag.ms': '60000',
        },
      },
    ]);
    assert.deepEqual(result, { name: topic, created: true });

    const description = (await client.describeTopics([topic])).get(topic);
    assert.ok(description !== undefined);
    assert.equal(description.name, topic);
    assert.deepEqual(
      description.partitions,
      [0, 1, 2].map((partition) => ({ partition, leader: 0, replicas: [0], isr: [0] })),
    );
    assert.equal(description.replicationFactor, 1);
    assert.match(description.topicId, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(description.configs['cleanup.policy'], {
      value: 'compact',
      source: 'topic',
      sensitive: false,
      readOnly: false,
    });
    assert.equal(description.configs['segment.bytes']?.value, '1048576');
    assert.equal(description.configs['segment.bytes']?.source, 'topic');
    assert.equal(description.configs['min.compaction.lag.ms']?.value, '60000');
    assert.deepEqual(description.configs['retention.ms'], {
      value: '604800000',
      source: 'default',
      sensitive: false,
      readOnly: false,
    });
    // The same config names as a Kafka 4.1 broker reports.
    assert.equal(Object.keys(description.configs).length, 33);
    assert.ok((await client.listTopics()).includes(topic));
  });

  test('creating an existing topic reports created: false, per topic', async () => {
    const results = await client.createTopics([
      { name: topic, partitions: 1, configs: { 'cleanup.policy': 'delete' } },
      { name: 'emb_other', partitions: 1 },
    ]);
    assert.deepEqual(results, [
      { name: topic, created: false },
      { name: 'emb_other', created: true },
    ]);
    const description = (await client.describeTopics([topic])).get(topic);
    assert.equal(description?.partitions.length, PARTITIONS);
    assert.equal(description?.configs['cleanup.policy']?.value, 'compact');
    await client.deleteTopics(['emb_other']);
  });

  test('invalid topic settings and names are a ConfigError, and nothing is created', async () => {
    const cases: Array<[Parameters<EmbeddedLogClient['createTopics']>[0][number], RegExp]> = [
      [{ name: 'emb_bad1', configs: { 'cleanup.policy': 'bogus' } }, /INVALID_CONFIG.*cleanup\.policy/],
      [{ name: 'emb_bad2', configs: { 'segment.bytes': '1000' } }, /at least 1048576/],
      [
        { name: 'emb_bad3', configs: { 'no.such.config': 'x' } },
        /Unknown topic config name: no\.such\.config/,
      ],
      [{ name: 'emb_bad4', configs: { 'retention.ms': 'abc' } }, /Not a number of type LONG/],
      [{ name: 'emb_bad5', partitions: 0 }, /INVALID_PARTITIONS/],
      [{ name: 'emb_bad6', replicationFactor: 3 }, /INVALID_REPLICATION_FACTOR/],
      [{ name: 'bad name' }, /INVALID_TOPIC_EXCEPTION.*characters other than/],
      [{ name: '..' }, /INVALID_TOPIC_EXCEPTION.*not allowed/],
      [{ name: 'a'.repeat(250) }, /INVALID_TOPIC_EXCEPTION.*249/],
      [{ name: '../escape' }, /INVALID_TOPIC_EXCEPTION/],
    ];
    for (const [newTopic, pattern] of cases) {
      await assert.rejects(
        client.createTopics([{ name: 'emb_fine' }, newTopic]),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
        JSON.stringify(newTopic).slice(0, 80),
      );
    }
    assert.deepEqual(await client.listTopics(), [topic]);
    // Valid edge cases Kafka accepts.
    await client.createTopics([
      {
        name: 'a'.repeat(249),
        configs: { 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.9' },
      },
    ]);
    await client.deleteTopics(['a'.repeat(249)]);
  });

  test('describing a missing topic is a NotFoundError naming it', async () => {
    await assert.rejects(
      client.describeTopics([topic, 'emb_missing']),
      (err: unknown) =>
        err instanceof NotFoundError && err.message.includes('emb_missing') && !err.message.includes(topic),
    );
  });

  test('produces a batch of 500 records with tombstones and headers to 3 partitions', async () => {
    for (let i = 0; i < COUNT; i++) {
      const headers: LogHeader[] = [];
      if (i % 3 === 0) headers.push(['index', Buffer.from(String(i))]);
      if (i % 5 === 0) headers.push(['dup', Buffer.from('first')], ['dup', Buffer.from('second')]);
      if (i % 4 === 0) headers.push(['null-header', null]);
      if (i % 6 === 0) headers.push(['empty-header', Buffer.alloc(0)], ['binary', randomBytes(17)]);
      if (i % 50 === 0) headers.push(['ünïcödé-κλειδί', Buffer.from('☃')], ['', Buffer.from('empty key')]);
      let value: Buffer | null = randomBytes(1 + (i % 97));
      if (i % 10 === 0) value = null;
      else if (i % 7 === 0) value = Buffer.alloc(0);
      const record: ProduceRecord = { topic, key: Buffer.from(`key-${i % 150}`), value, headers };
      if (i % 4 === 1) record.partition = i % PARTITIONS;
      if (i % 2 === 0) record.timestamp = baseTimestamp + i;
      if (i === 2) record.key = Buffer.alloc(0); // empty, not null
      produced.push(record);
    }
    produceStart = Date.now();
    acks = await client.produce(produced);
    produceEnd = Date.now();

    assert.equal(acks.length, COUNT);
    const nextOffset = [0, 0, 0];
    for (let i = 0; i < COUNT; i++) {
      const ack = acks[i]!;
      const record = produced[i]!;
      assert.equal(ack.topic, topic);
      if (record.partition !== undefined) assert.equal(ack.partition, record.partition);
      assert.equal(ack.offset, nextOffset[ack.partition], `offset of record ${i}`);
      nextOffset[ack.partition]!++;
      if (record.timestamp !== undefined) assert.equal(ack.timestamp, record.timestamp);
      else assert.ok(ack.timestamp >= produceStart && ack.timestamp <= produceEnd);
    }
    assert.ok(
      nextOffset.every((n) => n > 0),
      `records on every partition: ${nextOffset.join(',')}`,
    );
    const partitionOfKey = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      if (produced[i]!.partition !== undefined) continue;
      const key = produced[i]!.key!.toString();
      const seen = partitionOfKey.get(key);
      if (seen !== undefined) assert.equal(acks[i]!.partition, seen, `key ${key} stays on one partition`);
      partitionOfKey.set(key, acks[i]!.partition);
    }
  });

  test('keyed records land where the Java producer puts them', async () => {
    const records: ProduceRecord[] = JAVA_MURMUR2.map(([key]) => ({
      topic,
      key: Buffer.from(key),
      value: Buffer.from(`java-${key}`),
      headers: [],
    }));
    const result = await client.produce(records);
    for (let i = 0; i < JAVA_MURMUR2.length; i++) {
      const [key, hash] = JAVA_MURMUR2[i]!;
      assert.equal(result[i]!.partition, (hash & 0x7fffffff) % PARTITIONS, `partition of key ${key}`);
    }
    produced.push(...records);
    acks.push(...result);
  });

  test('null-key records of one batch share a partition, which rotates between batches', async () => {
    const plain = 'emb_plain';
    await client.createTopics([{ name: plain, partitions: PARTITIONS }]);
    const used = new Set<number>();
    for (let batch = 0; batch < PARTITIONS; batch++) {
      const nullKeyed = await client.produce(
        Array.from({ length: 20 }, (_, i) => ({
          topic: plain,
          key: null,
          value: Buffer.from(`nk-${i}`),
          headers: [],
        })),
      );
      assert.equal(new Set(nullKeyed.map((a) => a.partition)).size, 1, 'one partition per batch');
      used.add(nullKeyed[0]!.partition);
      assert.deepEqual(
        nullKeyed.map((a) => a.offset),
        Array.from({ length: 20 }, (_, i) => i),
      );
    }
    assert.equal(used.size, PARTITIONS, 'consecutive batches go round the partitions');
    await client.deleteTopics([plain]);
  });

  test('fetches every record back, byte-exact and in order', async () => {
    const latest = await client.listOffsets(
      [0, 1, 2].map((partition) => ({ topic, partition })),
      'latest',
    );
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const expected: Array<{ record: ProduceRecord; ack: RecordAck }> = [];
      for (let i = 0; i < produced.length; i++) {
        if (acks[i]!.partition === partition) expected.push({ record: produced[i]!, ack: acks[i]! });
      }
      const end = latest[partition]!.offset;
      assert.equal(end, expected.length, `latest offset of partition ${partition}`);
      for (const budget of [1, 200, 4096, 1024 * 1024]) {
        const fetched = await readAll(client, topic, partition, 0, end, budget);
        assert.equal(fetched.length, expected.length, `records of partition ${partition}`);
        for (let j = 0; j < fetched.length; j++) {
          const got = fetched[j]!;
          const { record, ack } = expected[j]!;
          const where = `partition ${partition} record ${j} (budget ${budget})`;
          assert.equal(got.topic, topic);
          assert.equal(got.partition, partition);
          assert.equal(got.offset, ack.offset, where);
          assert.equal(got.offset, j, where);
          assert.equal(got.timestampType, 'CreateTime');
          assert.equal(got.timestamp, ack.timestamp, where);
          assert.equal(got.leaderEpoch, 0);
          assert.deepEqual(got.key, record.key, `${where} key`);
          if (record.value === null) assert.equal(got.value, null, `${where} is a tombstone`);
          else {
            assert.ok(got.value !== null, `${where} value is not null`);
            assert.ok(record.value.equals(got.value), `${where} value bytes`);
          }
          assert.deepEqual(got.headers, record.headers, `${where} headers`);
        }
      }
    }
  });

  test('fetch starts at the requested offset, respects budgets, and reports errors per partition', async () => {
    const [end0, end1, end2] = (
      await client.listOffsets(
        [0, 1, 2].map((partition) => ({ topic, partition })),
        'latest',
      )
    ).map((o) => o.offset) as [number, number, number];
    const results = await client.fetch(
      [
        { topic, partition: 0, offset: 5 },
        { topic, partition: 1, offset: end1 + 1000 },
        { topic: 'emb_nofetch', partition: 0, offset: 0 },
        { topic, partition: 2, offset: end2 },
        { topic, partition: 7, offset: 0 },
      ],
      { maxWaitMs: 100 },
    );
    assert.equal(results.length, 5);
    const [mid, outOfRange, unknown, atEnd, noPartition] = results as [
      (typeof results)[0],
      (typeof results)[0],
      (typeof results)[0],
      (typeof results)[0],
      (typeof results)[0],
    ];
    assert.equal(mid.error, undefined);
    assert.deepEqual(
      mid.records.map((r) => r.offset),
      Array.from({ length: end0 - 5 }, (_, i) => 5 + i),
    );
    assert.equal(mid.highWatermark, end0);
    assert.equal(mid.logStartOffset, 0);
    assert.equal(mid.lastStableOffset, end0);
    assert.equal(mid.nextOffset, end0);

    assert.equal(outOfRange.error?.code, 'OFFSET_OUT_OF_RANGE');
    assert.equal(outOfRange.error?.retriable, false);
    assert.equal(outOfRange.records.length, 0);
    assert.equal(outOfRange.nextOffset, end1 + 1000);
    assert.equal(outOfRange.highWatermark, end1);

    assert.equal(unknown.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(unknown.error?.retriable, true);
    assert.equal(unknown.highWatermark, -1);
    assert.equal(noPartition.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION');

    assert.equal(atEnd.error, undefined);
    assert.equal(atEnd.records.length, 0);
    assert.equal(atEnd.nextOffset, end2);
    assert.equal(atEnd.highWatermark, end2);

    // Budgets: a tiny one still returns one record; the total budget stops later partitions.
    const [tiny] = await client.fetch([{ topic, partition: 0, offset: 0, maxBytes: 1 }]);
    assert.equal(tiny?.records.length, 1);
    assert.equal(tiny?.nextOffset, 1);
    const split = await client.fetch(
      [
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 0 },
      ],
      { maxBytes: 300 },
    );
    const taken = split.map((p) => p.records.length);
    assert.ok(taken[0]! >= 1 && taken[0]! < end0, `the first partition is cut at the budget: ${taken}`);
    assert.ok(split[0]!.nextOffset === taken[0]);

    await assert.rejects(
      client.fetch([
        { topic, partition: 0, offset: 0 },
        { topic, partition: 0, offset: 1 },
      ]),
      (err: unknown) => err instanceof ConnectError && /twice/.test(err.message),
    );
  });

  test('lists earliest and latest offsets, and offsets by timestamp', async () => {
    const partitions = [0, 1, 2].map((partition) => ({ topic, partition }));
    assert.deepEqual(
      await client.listOffsets(partitions, 'earliest'),
      partitions.map((p) => ({ ...p, offset: 0 })),
    );
    const counts = [0, 0, 0];
    for (const ack of acks) counts[ack.partition]!++;
    const latest = await client.listOffsets(partitions, 'latest');
    assert.deepEqual(
      latest,
      partitions.map((p) => ({ ...p, offset: counts[p.partition] })),
    );
    assert.equal(
      latest.reduce((sum, o) => sum + o.offset, 0),
      COUNT + JAVA_MURMUR2.length,
    );

    for (const target of [baseTimestamp - 1, baseTimestamp + 250, baseTimestamp + 499]) {
      const found = await client.offsetsForTimes(partitions.map((p) => ({ ...p, timestamp: target })));
      for (const f of found) {
        let expected: { offset: number; timestamp: number } | undefined;
        for (const ack of acks) {
          if (ack.partition === f.partition && ack.timestamp >= target) {
            expected = { offset: ack.offset, timestamp: ack.timestamp };
            break;
          }
        }
        assert.ok(expected !== undefined);
        assert.equal(f.offset, expected.offset, `offset for time ${target} in partition ${f.partition}`);
        assert.equal(f.timestamp, expected.timestamp);
      }
    }
    const future = await client.offsetsForTimes([{ topic, partition: 0, timestamp: Date.now() + 3_600_000 }]);
    assert.deepEqual(future, [{ topic, partition: 0, offset: null, timestamp: null }]);

    await assert.rejects(
      client.listOffsets([{ topic: 'emb_nooffsets', partition: 0 }], 'latest'),
      NotFoundError,
    );
    await assert.rejects(client.listOffsets([{ topic, partition: 3 }], 'latest'), NotFoundError);
  });

  test('commits consumer-group offsets from outside the group and reads them back', async () => {
    assert.deepEqual(await client.fetchGroupOffsets(group), [], 'a new group has no offsets');
    await client.commitGroupOffsets(group, [
      { topic, partition: 2, offset: 7 },
      { topic, partition: 0, offset: 10 },
      { topic, partition: 1, offset: 20 },
    ]);
    const all = await client.fetchGroupOffsets(group);
    assert.deepEqual(all, [
      { topic, partition: 0, offset: 10, metadata: '' },
      { topic, partition: 1, offset: 20, metadata: '' },
      { topic, partition: 2, offset: 7, metadata: '' },
    ]);

    await client.commitGroupOffsets(group, [{ topic, partition: 1, offset: 21 }]);
    assert.deepEqual(
      (await client.fetchGroupOffsets(group, [{ topic, partition: 1 }])).map((o) => [
        o.topic,
        o.partition,
        o.offset,
      ]),
      [[topic, 1, 21]],
    );

    await client.deleteGroupOffsets(group, [{ topic, partition: 0 }]);
    assert.deepEqual(
      (await client.fetchGroupOffsets(group)).map((o) => [o.partition, o.offset]),
      [
        [1, 21],
        [2, 7],
      ],
    );

    // A group id that is no file name: stored under a safe name, read back exactly.
    const odd = 'connect-my/connector: ünïcode * ..';
    await client.commitGroupOffsets(odd, [{ topic, partition: 0, offset: 3 }]);
    assert.deepEqual(await client.fetchGroupOffsets(odd), [{ topic, partition: 0, offset: 3, metadata: '' }]);
    for (const name of await readdir(join(dir, 'groups'))) assert.match(name, /^[A-Za-z0-9._-]+\.json$/);

    await client.deleteGroups([odd, 'emb_nogroup']);
    assert.deepEqual(await client.fetchGroupOffsets(odd), []);
    await assert.rejects(
      client.commitGroupOffsets(group, [{ topic, partition: 0, offset: -5 }]),
      ConnectError,
    );
  });

  test('keeps timestamps exact when a batch spans decades, and LogAppendTime topics stamp their own', async () => {
    await client.createTopics([{ name: 'emb_time', partitions: 1 }]);
    const now = Date.now();
    const timestamps = [
      Date.UTC(2001, 0, 1),
      now - 1000,
      0,
      Date.UTC(2001, 0, 2),
      2 ** 31 + 7,
      5,
      now,
      2 ** 52,
    ];
    const result = await client.produce(
      timestamps.map((timestamp, i) => ({
        topic: 'emb_time',
        key: Buffer.from(String(i)),
        value: null,
        headers: [],
        timestamp,
      })),
    );
    assert.deepEqual(
      result.map((a) => [a.offset, a.timestamp]),
      timestamps.map((t, i) => [i, t]),
    );
    const back = await readAll(client, 'emb_time', 0, 0, timestamps.length);
    assert.deepEqual(
      back.map((r) => r.timestamp),
      timestamps,
    );
    await assert.rejects(
      client.produce([{ topic: 'emb_time', key: null, value: null, headers: [], timestamp: -1 }]),
      /Invalid timestamp/,
    );

    await client.createTopics([
      { name: 'emb_append', configs: { 'message.timestamp.type': 'LogAppendTime' } },
    ]);
    const before = Date.now();
    const [ack] = await client.produce([
      { topic: 'emb_append', key: null, value: null, headers: [], timestamp: 5 },
    ]);
    assert.ok(ack !== undefined && ack.timestamp >= before);
    const [fetched] = await client.fetch([{ topic: 'emb_append', partition: 0, offset: 0 }]);
    assert.equal(fetched?.records[0]?.timestampType, 'LogAppendTime');
    assert.equal(fetched?.records[0]?.timestamp, ack.timestamp);
    await client.deleteTopics(['emb_time', 'emb_append']);
  });

  test('large batches are split, and records above max.message.bytes are refused', async () => {
    await client.createTopics([{ name: 'emb_big', partitions: 1 }]);
    const records: ProduceRecord[] = Array.from({ length: 300 }, (_, i) => ({
      topic: 'emb_big',
      key: Buffer.from(String(i)),
      value: randomBytes(10 * 1024),
      headers: [['i', Buffer.from(String(i))]],
    }));
    const result = await client.produce(records);
    assert.deepEqual(
      result.map((a) => a.offset),
      records.map((_, i) => i),
    );
    const back = await readAll(client, 'emb_big', 0, 0, 300, 1024 * 1024);
    assert.equal(back.length, 300);
    for (let i = 0; i < 300; i++) assert.ok(back[i]!.value!.equals(records[i]!.value!), `record ${i}`);
    await assert.rejects(
      client.produce([{ topic: 'emb_big', key: null, value: Buffer.alloc(1048588), headers: [] }]),
      /RECORD_TOO_LARGE/,
    );
    await client.deleteTopics(['emb_big']);
  });

  test('produce to a missing topic creates it with the default partition count', async () => {
    const [ack] = await client.produce([
      { topic: 'emb_auto', key: null, value: Buffer.from('x'), headers: [] },
    ]);
    assert.deepEqual(ack && [ack.topic, ack.partition, ack.offset], ['emb_auto', 0, 0]);
    const description = (await client.describeTopics(['emb_auto'])).get('emb_auto');
    assert.equal(description?.partitions.length, 1);
    await assert.rejects(
      client.produce([{ topic: 'bad topic', key: null, value: null, headers: [] }]),
      (err: unknown) => err instanceof ConfigError && /INVALID_TOPIC_EXCEPTION/.test(err.message),
    );
    await client.deleteTopics(['emb_auto']);
  });

  test('produce failures are typed', async () => {
    const noAuto = await EmbeddedLogClient.open({ dir: await tempDir(), autoCreateTopics: false });
    try {
      await assert.rejects(
        noAuto.produce([{ topic: 'emb_absent', key: null, value: null, headers: [] }]),
        NotFoundError,
      );
      await noAuto.createTopics([{ name: 'emb_three', partitions: 3 }]);
      await assert.rejects(
        noAuto.produce([{ topic: 'emb_three', partition: 3, key: null, value: null, headers: [] }]),
        (err: unknown) => err instanceof ConnectError && /Invalid partition/.test(err.message),
      );
    } finally {
      await noAuto.close();
    }
    await assert.rejects(noAuto.listTopics(), ConnectError, 'a closed client refuses calls');
    await assert.rejects(noAuto.produce([{ topic: 'x', key: null, value: null, headers: [] }]), /closed/);
    await noAuto.close(); // idempotent
  });

  test('deletes the topic, its files and its committed offsets', async () => {
    await client.deleteTopics([topic]);
    assert.ok(!(await client.listTopics()).includes(topic));
    await assert.rejects(client.describeTopics([topic]), NotFoundError);
    await assert.rejects(client.deleteTopics([topic]), NotFoundError);
    assert.deepEqual(await readdir(join(dir, 'topics')), []);
    assert.deepEqual(await client.fetchGroupOffsets(group), [], 'offsets of a deleted topic go with it');
    // A topic of the same name starts afresh.
    const [ack] = await client.produce([{ topic, key: Buffer.from('k'), value: null, headers: [] }]);
    assert.equal(ack?.offset, 0);
  });
});

describe('EmbeddedLogClient: the embedded log itself', () => {
  test('reopening after close finds every topic, record, config, offset and the cluster id', async () => {
    const dir = await tempDir();
    const first = await EmbeddedLogClient.open({ dir });
    const clusterId = await first.clusterId();
    await first.createTopics([{ name: 'persist', partitions: 2, configs: { 'cleanup.policy': 'compact' } }]);
    const records: ProduceRecord[] = Array.from({ length: 1000 }, (_, i) => ({
      topic: 'persist',
      key: Buffer.from(`k${i}`),
      value: i % 9 === 0 ? null : Buffer.from(`value-${i}`),
      headers: i % 2 === 0 ? [['h', Buffer.from(String(i))]] : [],
      timestamp: 1_000_000 + i,
    }));
    const acks = await first.produce(records);
    await first.commitGroupOffsets('g', [
      { topic: 'persist', partition: 0, offset: 4 },
      { topic: 'persist', partition: 1, offset: 9 },
    ]);
    const topicId = (await first.describeTopics(['persist'])).get('persist')?.topicId;
    await first.close();

    const second = await EmbeddedLogClient.open({ dir });
    try {
      assert.deepEqual(second.recovery, []);
      assert.equal(await second.clusterId(), clusterId);
      assert.deepEqual(await second.listTopics(), ['persist']);
      const description = (await second.describeTopics(['persist'])).get('persist');
      assert.equal(description?.topicId, topicId);
      assert.equal(description?.partitions.length, 2);
      assert.equal(description?.configs['cleanup.policy']?.value, 'compact');
      assert.deepEqual(
        (await second.fetchGroupOffsets('g')).map((o) => [o.partition, o.offset]),
        [
          [0, 4],
          [1, 9],
        ],
      );
      for (const partition of [0, 1]) {
        const expected = records.filter((_, i) => acks[i]!.partition === partition);
        const [latest] = await second.listOffsets([{ topic: 'persist', partition }], 'latest');
        assert.equal(latest?.offset, expected.length);
        const back = await readAll(second, 'persist', partition, 0, expected.length, 64 * 1024);
        assert.deepEqual(
          back.map((r) => [r.key, r.value, r.headers, r.timestamp]),
          expected.map((r) => [r.key, r.value, r.headers, r.timestamp]),
        );
      }
      // Appends continue after the last offset.
      const [ack] = await second.produce([
        { topic: 'persist', partition: 1, key: null, value: null, headers: [] },
      ]);
      assert.equal(ack?.offset, acks.filter((a) => a.partition === 1).length);
      const [found] = await second.offsetsForTimes([
        { topic: 'persist', partition: 0, timestamp: 1_000_500 },
      ]);
      assert.ok(found?.timestamp !== null && found!.timestamp! >= 1_000_500);
    } finally {
      await second.close();
    }
  });

  test('a long-poll fetch at the end of the log wakes on produce, and times out without one', async () => {
    const client = await EmbeddedLogClient.open({ dir: await tempDir() });
    try {
      await client.createTopics([{ name: 'poll', partitions: 2 }]);
      let started = Date.now();
      const empty = await client.fetch([{ topic: 'poll', partition: 0, offset: 0 }], { maxWaitMs: 150 });
      const waited = Date.now() - started;
      assert.equal(empty[0]?.records.length, 0);
      assert.ok(waited >= 140 && waited < 1000, `waited ${waited} ms`);

      started = Date.now();
      const polling = client.fetch(
        [
          { topic: 'poll', partition: 0, offset: 0 },
          { topic: 'poll', partition: 1, offset: 0 },
        ],
        { maxWaitMs: 10_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.produce([
        { topic: 'poll', partition: 1, key: null, value: Buffer.from('wake'), headers: [] },
      ]);
      const woken = await polling;
      const latency = Date.now() - started;
      assert.ok(latency < 2000, `woken after ${latency} ms`);
      assert.equal(woken[1]?.records[0]?.value?.toString(), 'wake');
      assert.equal(woken[1]?.nextOffset, 1);
      assert.equal(woken[0]?.records.length, 0);

      // minBytes: wait until enough has accumulated.
      const accumulating = client.fetch([{ topic: 'poll', partition: 0, offset: 0 }], {
        maxWaitMs: 10_000,
        minBytes: 40,
      });
      for (let i = 0; i < 5; i++) {
        await client.produce([
          { topic: 'poll', partition: 0, key: null, value: Buffer.from('0123456789'), headers: [] },
        ]);
      }
      const enough = await accumulating;
      assert.ok((enough[0]?.records.length ?? 0) >= 3, `records: ${enough[0]?.records.length}`);

      // Closing the client ends a long poll at once.
      const pending = client.fetch([{ topic: 'poll', partition: 1, offset: 1 }], { maxWaitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      started = Date.now();
      await client.close();
      const closedResult = await pending;
      assert.equal(closedResult[0]?.records.length, 0);
      assert.ok(Date.now() - started < 1000);
    } finally {
      await client.close();
    }
  });

  test('a second open of the same directory fails with an error naming it', async () => {
    const dir = await tempDir();
    const first = await EmbeddedLogClient.open({ dir });
    try {
      await assert.rejects(
        EmbeddedLogClient.open({ dir }),
        (err: unknown) =>
          err instanceof ConnectError && err.message.includes(dir) && /already open/.test(err.message),
      );
    } finally {
      await first.close();
    }
    // Free again once closed.
    const again = await EmbeddedLogClient.open({ dir });
    await again.close();
  });

  test('a stale lock (from a process that is gone) is taken over', async () => {
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 'then' }));
    const client = await EmbeddedLogClient.open({ dir });
    const lock = JSON.parse(await readFile(join(dir, '.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
    await client.close();
  });

  test('concurrent produce calls get distinct, ordered offsets and share writes', async () => {
    const client = await EmbeddedLogClient.open({ dir: await tempDir(), fsync: 'always' });
    try {
      await client.createTopics([{ name: 'many', partitions: 1 }]);
      const calls = await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          client.produce([{ topic: 'many', key: null, value: Buffer.from(String(i)), headers: [] }]),
        ),
      );
      assert.deepEqual(
        calls.map((c) => c[0]!.offset),
        Array.from({ length: 2000 }, (_, i) => i),
      );
      const back = await readAll(client, 'many', 0, 0, 2000, 1024 * 1024);
      assert.deepEqual(
        back.map((r) => r.value?.toString()),
        Array.from({ length: 2000 }, (_, i) => String(i)),
      );
    } finally {
      await client.close();
    }
  });

  test('more partitions than open files: segment files are closed and reopened as needed', async () => {
    const client = await EmbeddedLogClient.open({
      dir: await tempDir(),
      maxOpenFiles: 3,
      segmentBytes: 2048,
    });
    try {
      await client.createTopics([{ name: 'wide', partitions: 12 }]);
      for (let round = 0; round < 5; round++) {
        await client.produce(
          Array.from({ length: 12 * 20 }, (_, i) => ({
            topic: 'wide',
            partition: i % 12,
            key: null,
            value: Buffer.from(`r${round}-${i}`.padEnd(40, '.')),
            headers: [],
          })),
        );
      }
      for (let partition = 0; partition < 12; partition++) {
        const back = await readAll(client, 'wide', partition, 0, 100, 512);
        assert.deepEqual(
          back.map((r) => r.value?.toString().replace(/\.+$/, '')),
          Array.from({ length: 100 }, (_, k) => `r${Math.floor(k / 20)}-${(k % 20) * 12 + partition}`),
        );
      }
    } finally {
      await client.close();
    }
  });

  test('200,000 small records round-trip through several segments and the sparse index', async () => {
    const dir = await tempDir();
    const client = await EmbeddedLogClient.open({ dir, fsync: 'never' });
    const total = 200_000;
    const chunk = 10_000;
    const value = (i: number) => Buffer.from(`value-${i}`);
    try {
      await client.createTopics([{ name: 'bulk', partitions: 1, configs: { 'segment.bytes': '1048576' } }]);
      let started = Date.now();
      for (let base = 0; base < total; base += chunk) {
        const acks = await client.produce(
          Array.from({ length: chunk }, (_, j) => ({
            topic: 'bulk',
            partition: 0,
            key: null,
            value: value(base + j),
            headers: [],
            timestamp: 1_000_000 + base + j,
          })),
        );
        assert.equal(acks[chunk - 1]?.offset, base + chunk - 1);
      }
      const produceMs = Date.now() - started;
      const segments = (await readdir(join(dir, 'topics', 'bulk', '0'))).filter((n) => n.endsWith('.log'));
      assert.ok(segments.length >= 3, `several segments: ${segments.length}`);

      started = Date.now();
      let offset = 0;
      while (offset < total) {
        const [result] = await client.fetch([{ topic: 'bulk', partition: 0, offset }], {
          maxPartitionBytes: 256 * 1024,
        });
        const records = result!.records;
        assert.ok(records.length > 0);
        for (let j = 0; j < records.length; j++) {
          const r = records[j]!;
          if (r.offset !== offset + j || !r.value!.equals(value(offset + j))) {
            assert.fail(`record at ${offset + j}: offset ${r.offset}, value ${r.value}`);
          }
        }
        offset = result!.nextOffset;
      }
      const fetchMs = Date.now() - started;

      // Random access lands exactly on the requested offset, in any segment.
      for (let k = 0; k < 500; k++) {
        const at = Math.floor(Math.random() * total);
        const [result] = await client.fetch([{ topic: 'bulk', partition: 0, offset: at, maxBytes: 10 }]);
        assert.equal(result?.records[0]?.offset, at);
        assert.equal(result?.records[0]?.value?.toString(), `value-${at}`);
      }
      const times = await client.offsetsForTimes(
        [0, 1, 123_456, total - 1].map((i) => ({ topic: 'bulk', partition: 0, timestamp: 1_000_000 + i })),
      );
      assert.deepEqual(
        times.map((t) => t.offset),
        [0, 1, 123_456, total - 1],
      );
      await client.close();

      // Reopen: the index is rebuilt from the files.
      started = Date.now();
      const reopened = await EmbeddedLogClient.open({ dir });
      const openMs = Date.now() - started;
      try {
        const [result] = await reopened.fetch([
          { topic: 'bulk', partition: 0, offset: 150_001, maxBytes: 10 },
        ]);
        assert.equal(result?.records[0]?.value?.toString(), 'value-150001');
        assert.deepEqual(await reopened.listOffsets([{ topic: 'bulk', partition: 0 }], 'latest'), [
          { topic: 'bulk', partition: 0, offset: total },
        ]);
      } finally {
        await reopened.close();
      }
      console.log(
        `# 200k records: produce ${produceMs} ms, fetch ${fetchMs} ms, reopen ${openMs} ms, ${segments.length} segments`,
      );
    } finally {
      await client.close();
    }
  });
});
