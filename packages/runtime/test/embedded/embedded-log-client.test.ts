/**
 * EmbeddedLogClient: the LogClient conformance scenarios (../log-client-conformance.ts), what
 * the embedded log adds to them, then what is particular to the embedded log (reopening, long
 * polls, the directory lock, many records through the sparse index).
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, ConnectError, NotFoundError } from '@sluice/api';
import { logClientConformance, readAll } from '@sluice/testing';
import { EmbeddedLogClient } from '../../src/log/embedded/embedded-log-client.ts';
import type { NewTopic, ProduceRecord } from '../../src/log/log-client.ts';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The directory of the conformance suite's main client. */
let dir = '';

logClientConformance(
  'EmbeddedLogClient',
  async (settings) => {
    const opened = await tempDir();
    if (settings === undefined) dir = opened;
    return { client: await EmbeddedLogClient.open({ dir: opened, ...settings }) };
  },
  {
    extraTests: (fx) => {
      test('clusterId is persisted, and the kind is embedded', async () => {
        const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { clusterId: string };
        assert.equal(meta.clusterId, await fx.client.clusterId());
        assert.equal(fx.client.kind, 'embedded');
      });

      test('the compacted topic describes as on a single Kafka 4.1 broker', async () => {
        const description = (await fx.client.describeTopics([fx.topic])).get(fx.topic);
        assert.ok(description !== undefined);
        assert.deepEqual(
          description.partitions,
          [0, 1, 2].map((partition) => ({ partition, leader: 0, replicas: [0], isr: [0] })),
        );
        assert.match(description.topicId, /^[A-Za-z0-9_-]{22}$/);
        assert.deepEqual(description.configs['retention.ms'], {
          value: '604800000',
          source: 'default',
          sensitive: false,
          readOnly: false,
        });
        // The same config names as a Kafka 4.1 broker reports.
        assert.equal(Object.keys(description.configs).length, 33);
      });

      test('invalid topic settings and names are a ConfigError, and nothing is created', async () => {
        const { client, topic } = fx;
        const cases: Array<[NewTopic, RegExp]> = [
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

      test('fetch respects budgets, and knows the high watermark of an out-of-range partition', async () => {
        const { client, topic } = fx;
        const [end0, end1] = (
          await client.listOffsets(
            [0, 1].map((partition) => ({ topic, partition })),
            'latest',
          )
        ).map((o) => o.offset) as [number, number];
        const [outOfRange] = await client.fetch([{ topic, partition: 1, offset: end1 + 1000 }], {
          maxWaitMs: 100,
        });
        assert.equal(outOfRange?.error?.code, 'OFFSET_OUT_OF_RANGE');
        assert.equal(outOfRange?.highWatermark, end1);

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
      });

      test('a partition past the last has no offsets, and negative offsets are not committed', async () => {
        const { client, topic, group } = fx;
        await assert.rejects(client.listOffsets([{ topic, partition: 3 }], 'latest'), NotFoundError);
        await assert.rejects(
          client.commitGroupOffsets(group, [{ topic, partition: 0, offset: -5 }]),
          ConnectError,
        );
      });

      test('a group id that is no file name is stored under a safe name', async () => {
        const { client, topic } = fx;
        const odd = 'connect-my/connector: ünïcode * ..';
        await client.commitGroupOffsets(odd, [{ topic, partition: 0, offset: 3 }]);
        assert.deepEqual(await client.fetchGroupOffsets(odd), [
          { topic, partition: 0, offset: 3, metadata: '' },
        ]);
        const names = await readdir(join(dir, 'groups'));
        assert.ok(names.length > 0);
        for (const name of names) assert.match(name, /^[A-Za-z0-9._-]+\.json$/);
        await client.deleteGroups([odd]);
        assert.deepEqual(await client.fetchGroupOffsets(odd), []);
      });

      test('timestamps up to 2^52 are kept, negative ones refused, and LogAppendTime topics stamp their own', async () => {
        const { client } = fx;
        await client.createTopics([{ name: 'emb_time', partitions: 1 }]);
        const timestamps = [Date.UTC(2001, 0, 1), 0, 2 ** 52, 5];
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

      test('records above max.message.bytes are refused', async () => {
        const { client } = fx;
        await client.createTopics([{ name: 'emb_big', partitions: 1 }]);
        await assert.rejects(
          client.produce([{ topic: 'emb_big', key: null, value: Buffer.alloc(1048588), headers: [] }]),
          /RECORD_TOO_LARGE/,
        );
        await client.deleteTopics(['emb_big']);
      });

      test('produce to a missing topic creates it with the default partition count', async () => {
        const { client } = fx;
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
    },
  },
);

describe('EmbeddedLogClient: the embedded log itself', () => {
  test('deleting a topic deletes its files and its committed offsets; a new topic of its name starts afresh', async () => {
    const dir = await tempDir();
    const client = await EmbeddedLogClient.open({ dir });
    try {
      await client.createTopics([{ name: 'gone', partitions: 3 }]);
      await client.produce(
        Array.from({ length: 30 }, (_, i) => ({
          topic: 'gone',
          key: Buffer.from(`k${i}`),
          value: null,
          headers: [],
        })),
      );
      await client.commitGroupOffsets('g', [
        { topic: 'gone', partition: 1, offset: 2 },
        { topic: 'gone', partition: 2, offset: 3 },
      ]);
      await client.deleteTopics(['gone']);
      assert.deepEqual(await client.listTopics(), []);
      assert.deepEqual(await readdir(join(dir, 'topics')), []);
      assert.deepEqual(await client.fetchGroupOffsets('g'), [], 'offsets of a deleted topic go with it');
      // A topic of the same name starts afresh.
      const [ack] = await client.produce([
        { topic: 'gone', key: Buffer.from('k'), value: null, headers: [] },
      ]);
      assert.equal(ack?.offset, 0);
    } finally {
      await client.close();
    }
  });

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

  test('batch memory is reused only once written: overlapping produces of many small batches read back intact', async () => {
    // maxBatchBytes at its minimum makes each produce several batches, so slabs go round many
    // times; produces overlap, so a slab freed too early would be overwritten before its write.
    const client = await EmbeddedLogClient.open({ dir: await tempDir(), maxBatchBytes: 1024 });
    const value = (call: number, i: number): Buffer =>
      Buffer.from(`${call}:${i}:`.padEnd(100 + (i % 7), 'x'));
    try {
      await client.createTopics([{ name: 'reused', partitions: 2 }]);
      const calls = 40;
      const perCall = 60;
      await Promise.all(
        Array.from({ length: calls }, (_, call) =>
          client.produce(
            Array.from({ length: perCall }, (_, i) => ({
              topic: 'reused',
              partition: i % 2,
              key: Buffer.from(`k${call}-${i}`),
              value: value(call, i),
              headers: [],
            })),
          ),
        ),
      );
      for (const partition of [0, 1]) {
        const half = (calls * perCall) / 2;
        const back = await readAll(client, 'reused', partition, 0, half, 64 * 1024);
        const expected = [];
        for (let call = 0; call < calls; call++)
          for (let i = partition; i < perCall; i += 2)
            expected.push(`k${call}-${i} ${value(call, i).toString()}`);
        assert.deepEqual(
          back.map((r) => `${r.key?.toString()} ${r.value?.toString()}`),
          expected,
        );
      }
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
