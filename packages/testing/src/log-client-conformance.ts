/**
 * The LogClient conformance suite: the scenarios that hold for ANY {@link LogClient}, run by
 * each implementation's test file (the runtime's platformatic-client.test.ts against a real broker,
 * embedded-log-client.test.ts against the embedded log), and by the test file of any other log
 * implementation: `logClientConformance('MyLog', async () => ({ client: new MyLogClient(...) }))`
 * inside a `node --test` file (docs/writing-a-connector.md). What is particular to one
 * implementation stays in its own file, or is added to this suite with `extraTests`.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError, ConnectError, NotFoundError } from '@sluice/api';
import type { LogClient, LogHeader, LogRecord, ProduceRecord, RecordAck } from '@sluice/runtime';
import { uniqueName } from './names.ts';
import { waitFor } from './wait-for.ts';

const PARTITIONS = 3;
const COUNT = 500;

/**
 * Kafka's own murmur2 test vectors (UtilsTest.testMurmur2 in Apache Kafka): key bytes and the
 * Java hash. The Java producer puts a keyed record in `(hash & 0x7fffffff) % partitions`.
 */
export const JAVA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

/** Reads a partition from `from` up to `end` (exclusive) with small fetches. */
export async function readAll(
  client: LogClient,
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
    assert.ok(++rounds < 1000, `no progress reading ${topic}-${partition} at ${offset}`);
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

/** Opens a client on the log under test; each call may give a fresh log (embedded) or not (Kafka). */
export type OpenLogClient = (settings?: {
  autoCreateTopics?: boolean;
}) => Promise<{ client: LogClient; cleanup?: () => Promise<void> }>;

/**
 * What the suite has set up, for `extraTests`: read its fields inside a test (they are filled in
 * while the suite runs). `topic` is compacted, with 3 partitions holding `produced` as `acks`.
 */
export interface ConformanceFixture {
  client: LogClient;
  topic: string;
  group: string;
  produced: ProduceRecord[];
  acks: RecordAck[];
  baseTimestamp: number;
}

export interface ConformanceOptions {
  /**
   * Declares implementation-specific tests inside the suite, after the shared scenarios and
   * before the topic is deleted.
   */
  extraTests?: (fixture: ConformanceFixture) => void;
}

/** Declares the `describe` block of the LogClient conformance scenarios. */
export function logClientConformance(
  name: string,
  open: OpenLogClient,
  options: ConformanceOptions = {},
): void {
  describe(`${name}: LogClient conformance`, () => {
    const fx: ConformanceFixture = {
      client: undefined as unknown as LogClient,
      topic: uniqueName('conf_compacted'),
      group: uniqueName('conf_group'),
      produced: [],
      acks: [],
      baseTimestamp: Date.UTC(2024, 0, 1),
    };
    const { topic, group, produced, baseTimestamp } = fx;
    let cleanup: (() => Promise<void>) | undefined;
    let produceStart = 0;
    let produceEnd = 0;

    before(async () => {
      ({ client: fx.client, cleanup } = await open());
    });

    after(async () => {
      await fx.client?.close();
      await cleanup?.();
    });

    test('clusterId is stable and Kafka-shaped', async () => {
      const a = await fx.client.clusterId();
      const b = await fx.client.clusterId();
      assert.match(a, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(b, a);
    });

    test('creates a compacted topic whose configs read back', async () => {
      const { client } = fx;
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
      assert.equal(description.partitions.length, PARTITIONS);
      assert.deepEqual(
        description.partitions.map((p) => p.partition),
        [0, 1, 2],
      );
      for (const p of description.partitions) {
        assert.ok(p.leader >= 0, `partition ${p.partition} has a leader`);
        assert.deepEqual(p.replicas, [p.leader]);
        assert.deepEqual(p.isr, [p.leader]);
      }
      assert.equal(description.replicationFactor, 1);
      assert.match(description.topicId, /^[0-9a-f-]{36}$|^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(description.configs['cleanup.policy'], {
        value: 'compact',
        source: 'topic',
        sensitive: false,
        readOnly: false,
      });
      assert.equal(description.configs['segment.bytes']?.value, '1048576');
      assert.equal(description.configs['segment.bytes']?.source, 'topic');
      assert.equal(description.configs['min.compaction.lag.ms']?.value, '60000');
      // A config not set on the topic comes from elsewhere.
      assert.ok(description.configs['retention.ms'] !== undefined);
      assert.notEqual(description.configs['retention.ms']?.source, 'topic');

      assert.ok((await client.listTopics()).includes(topic));
    });

    test('creating an existing topic reports created: false, per topic', async () => {
      const { client } = fx;
      const other = uniqueName('conf_other');
      const results = await client.createTopics([
        { name: topic, partitions: 1, configs: { 'cleanup.policy': 'delete' } },
        { name: other, partitions: 1 },
      ]);
      assert.deepEqual(results, [
        { name: topic, created: false },
        { name: other, created: true },
      ]);
      // The existing topic was left unchanged.
      const description = (await client.describeTopics([topic])).get(topic);
      assert.equal(description?.partitions.length, PARTITIONS);
      assert.equal(description?.configs['cleanup.policy']?.value, 'compact');
      await client.deleteTopics([other]);
    });

    test('invalid topic settings are a ConfigError', async () => {
      await assert.rejects(
        fx.client.createTopics([
          { name: uniqueName('conf_bad'), partitions: 1, configs: { 'cleanup.policy': 'bogus' } },
        ]),
        (err: unknown) => err instanceof ConfigError && /INVALID_CONFIG/.test(err.message),
      );
    });

    test('describing a missing topic is a NotFoundError naming it', async () => {
      const missing = uniqueName('conf_missing');
      await assert.rejects(
        fx.client.describeTopics([topic, missing]),
        (err: unknown) =>
          err instanceof NotFoundError && err.message.includes(missing) && !err.message.includes(topic),
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
        if (i % 10 === 0)
          value = null; // tombstone
        else if (i % 7 === 0) value = Buffer.alloc(0); // empty, not null
        const record: ProduceRecord = { topic, key: Buffer.from(`key-${i % 150}`), value, headers };
        if (i % 4 === 1) record.partition = i % PARTITIONS;
        if (i % 2 === 0) record.timestamp = baseTimestamp + i;
        if (i === 2) record.key = Buffer.alloc(0); // empty, not null
        produced.push(record);
      }
      produceStart = Date.now();
      fx.acks = await fx.client.produce(produced);
      produceEnd = Date.now();
      const { acks } = fx;

      assert.equal(acks.length, COUNT);
      const nextOffset = [0, 0, 0];
      for (let i = 0; i < COUNT; i++) {
        const ack = acks[i]!;
        const record = produced[i]!;
        assert.equal(ack.topic, topic);
        if (record.partition !== undefined) assert.equal(ack.partition, record.partition);
        assert.ok(ack.partition >= 0 && ack.partition < PARTITIONS);
        // A fresh topic: each partition's records get 0, 1, 2, ... in input order.
        assert.equal(ack.offset, nextOffset[ack.partition], `offset of record ${i}`);
        nextOffset[ack.partition]!++;
        if (record.timestamp !== undefined) assert.equal(ack.timestamp, record.timestamp);
        else assert.ok(ack.timestamp >= produceStart && ack.timestamp <= produceEnd);
      }
      // Every partition got records, and equal keys went to one partition.
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
      const result = await fx.client.produce(records);
      for (let i = 0; i < JAVA_MURMUR2.length; i++) {
        const [key, hash] = JAVA_MURMUR2[i]!;
        assert.equal(result[i]!.partition, (hash & 0x7fffffff) % PARTITIONS, `partition of key ${key}`);
      }
      // Remember them for the read-back test.
      produced.push(...records);
      fx.acks.push(...result);
    });

    test('null-key records of one batch share a partition, which rotates between batches', async () => {
      const { client } = fx;
      // Not on the compacted topic: Kafka refuses null keys there.
      const plain = uniqueName('conf_plain');
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
          'each batch starts a fresh partition',
        );
      }
      assert.equal(used.size, PARTITIONS, 'consecutive batches go round the partitions');
      await client.deleteTopics([plain]);
    });

    test('fetches every record back, byte-exact and in order, whatever the byte budget', async () => {
      const { client, acks } = fx;
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

    test('fetch starts at the requested offset, also inside a batch, and reports errors per partition', async () => {
      const { client } = fx;
      const [end0, end1, end2] = (
        await client.listOffsets(
          [0, 1, 2].map((partition) => ({ topic, partition })),
          'latest',
        )
      ).map((o) => o.offset) as [number, number, number];
      const missing = uniqueName('conf_nofetch');
      const results = await client.fetch(
        [
          { topic, partition: 0, offset: 5 },
          { topic, partition: 1, offset: end1 + 1000 },
          { topic: missing, partition: 0, offset: 0 },
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
        'the whole small partition from offset 5 fits in one default fetch',
      );
      assert.equal(mid.highWatermark, end0);
      assert.equal(mid.logStartOffset, 0);
      assert.equal(mid.lastStableOffset, end0);
      assert.equal(mid.nextOffset, end0);

      assert.equal(outOfRange.partition, 1);
      assert.equal(outOfRange.error?.code, 'OFFSET_OUT_OF_RANGE');
      assert.equal(outOfRange.error?.retriable, false);
      assert.equal(outOfRange.records.length, 0);
      assert.equal(outOfRange.nextOffset, end1 + 1000);

      assert.equal(unknown.topic, missing);
      assert.equal(unknown.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION');
      assert.equal(unknown.error?.retriable, true);
      assert.equal(unknown.highWatermark, -1);
      assert.equal(noPartition.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION');

      assert.equal(atEnd.partition, 2);
      assert.equal(atEnd.error, undefined);
      assert.equal(atEnd.records.length, 0);
      assert.equal(atEnd.nextOffset, end2);
      assert.equal(atEnd.highWatermark, end2);

      await assert.rejects(
        client.fetch([
          { topic, partition: 0, offset: 0 },
          { topic, partition: 0, offset: 1 },
        ]),
        (err: unknown) => err instanceof ConnectError && /twice/.test(err.message),
      );
    });

    test('lists earliest and latest offsets, and offsets by timestamp', async () => {
      const { client, acks } = fx;
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

      // The first record at or after a timestamp, per partition.
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
      const future = await client.offsetsForTimes([
        { topic, partition: 0, timestamp: Date.now() + 3_600_000 },
      ]);
      assert.deepEqual(future, [{ topic, partition: 0, offset: null, timestamp: null }]);

      await assert.rejects(
        client.listOffsets([{ topic: uniqueName('conf_nooffsets'), partition: 0 }], 'latest'),
        NotFoundError,
      );
    });

    test('commits consumer-group offsets from outside the group and reads them back', async () => {
      const { client } = fx;
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

      // A group id that is no file name is read back exactly.
      const odd = `connect-my/connector: ünïcode * .. ${uniqueName('conf')}`;
      await client.commitGroupOffsets(odd, [{ topic, partition: 0, offset: 3 }]);
      assert.deepEqual(await client.fetchGroupOffsets(odd), [
        { topic, partition: 0, offset: 3, metadata: '' },
      ]);
      await client.deleteGroups([odd, uniqueName('conf_nogroup')]); // unknown groups are ignored
      assert.deepEqual(await client.fetchGroupOffsets(odd), []);

      await client.deleteGroups([group]);
      assert.deepEqual(await client.fetchGroupOffsets(group), []);
    });

    test('keeps timestamps exact when a batch spans decades', async () => {
      const { client } = fx;
      const spread = uniqueName('conf_time');
      await client.createTopics([{ name: spread, partitions: 1 }]);
      // Deltas of many times 2^31 ms within one partition, both directions (none in the future:
      // brokers refuse timestamps more than message.timestamp.after.max.ms ahead).
      const now = Date.now();
      const timestamps = [Date.UTC(2001, 0, 1), now - 1000, 0, Date.UTC(2001, 0, 2), 2 ** 31 + 7, 5, now];
      const result = await client.produce(
        timestamps.map((timestamp, i) => ({
          topic: spread,
          key: Buffer.from(String(i)),
          value: Buffer.from(String(timestamp)),
          headers: [],
          timestamp,
        })),
      );
      assert.deepEqual(
        result.map((a) => [a.offset, a.timestamp]),
        timestamps.map((t, i) => [i, t]),
      );
      const back = await readAll(client, spread, 0, 0, timestamps.length);
      assert.deepEqual(
        back.map((r) => r.timestamp),
        timestamps,
      );
      await client.deleteTopics([spread]);
    });

    test('splits a batch larger than max.message.bytes into several requests', async () => {
      const { client } = fx;
      const big = uniqueName('conf_big');
      await client.createTopics([{ name: big, partitions: 1 }]);
      // 300 x 10 KiB = 3 MiB, three times the default max.message.bytes.
      const records: ProduceRecord[] = Array.from({ length: 300 }, (_, i) => ({
        topic: big,
        key: Buffer.from(String(i)),
        value: randomBytes(10 * 1024),
        headers: [['i', Buffer.from(String(i))]],
      }));
      const result = await client.produce(records);
      assert.deepEqual(
        result.map((a) => a.offset),
        records.map((_, i) => i),
      );
      const back = await readAll(client, big, 0, 0, 300, 1024 * 1024);
      assert.equal(back.length, 300);
      for (let i = 0; i < 300; i++) assert.ok(back[i]!.value!.equals(records[i]!.value!), `record ${i}`);
      await client.deleteTopics([big]);
    });

    test('produce failures are typed', async () => {
      const { client: noAuto, cleanup: noAutoCleanup } = await open({ autoCreateTopics: false });
      try {
        await assert.rejects(
          noAuto.produce([{ topic: uniqueName('conf_absent'), key: null, value: null, headers: [] }]),
          NotFoundError,
        );
        const three = uniqueName('conf_three');
        await noAuto.createTopics([{ name: three, partitions: 3 }]);
        await assert.rejects(
          noAuto.produce([{ topic: three, partition: 3, key: null, value: null, headers: [] }]),
          (err: unknown) => err instanceof ConnectError && /Invalid partition/.test(err.message),
        );
        await noAuto.deleteTopics([three]);
      } finally {
        await noAuto.close();
      }
      await assert.rejects(noAuto.listTopics(), ConnectError, 'a closed client refuses calls');
      await assert.rejects(noAuto.produce([{ topic: 'x', key: null, value: null, headers: [] }]), /closed/);
      await noAuto.close(); // idempotent
      await noAutoCleanup?.();
    });

    options.extraTests?.(fx);

    test('deletes the topic', async () => {
      const { client } = fx;
      await client.deleteTopics([topic]);
      await waitFor(
        'the topic disappears from the list',
        async () => !(await client.listTopics()).includes(topic),
        {
          timeoutMs: 15_000,
          intervalMs: 200,
        },
      );
      await assert.rejects(client.describeTopics([topic]), NotFoundError);
      await assert.rejects(client.deleteTopics([topic]), NotFoundError);
    });
  });
}
