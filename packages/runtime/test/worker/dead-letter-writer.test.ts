/**
 * The dead-letter writer on its own, on the embedded log: the topic it creates, one produce per
 * flush with the original bytes and Kafka's context headers (only when asked), and a failed write
 * counted as `deadletterqueue-produce-failures` and rejected.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DataError } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { DeadLetterWriter } from '../../src/errors/dead-letter-writer.ts';
import { EmbeddedLogClient } from '../../src/log/embedded/embedded-log-client.ts';
import type { LogRecord } from '../../src/log/log-client.ts';
import { TaskErrorCounters } from '../../src/metrics/task-metrics.ts';
import { useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-dlq-');
let log: EmbeddedLogClient;
before(async () => {
  log = await EmbeddedLogClient.open({ dir: await tempDir() });
});
after(async () => log.close());

const consumed = (offset: number): LogRecord => ({
  topic: 'input',
  partition: 3,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  timestampType: 'CreateTime',
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(`v${offset}`),
  headers: [['origin', Buffer.from(`h${offset}`)]],
  leaderEpoch: -1,
});

const header = (r: LogRecord, key: string) => r.headers.find(([k]) => k === key)?.[1]?.toString('utf8');

async function dlqRecords(topic: string): Promise<LogRecord[]> {
  const [part] = await log.fetch([{ topic, partition: 0, offset: 0 }], { maxWaitMs: 10 });
  return part?.records ?? [];
}

test('one produce per flush: the original bytes, then the context headers when enabled', async () => {
  for (const contextHeaders of [true, false]) {
    const topic = uniqueName('dlq');
    const metrics = new TaskErrorCounters();
    const writer = new DeadLetterWriter({
      log,
      topic,
      replicationFactor: 1,
      contextHeaders,
      connector: 'sink',
      task: 2,
      metrics,
    });
    await writer.createTopic();
    assert.equal((await log.describeTopics([topic])).get(topic)?.partitions.length, 1);
    const error = new DataError('bad record');
    writer.add({
      stage: 'VALUE_CONVERTER',
      executingClass: 'com.example.Conv',
      error,
      consumed: consumed(7),
    });
    writer.add({ stage: 'TASK_PUT', executingClass: 'com.example.Task', error, consumed: consumed(8) });
    assert.deepEqual(await dlqRecords(topic), [], 'nothing is written before the flush');
    await writer.flush();
    await writer.flush(); // nothing new: no second write
    const dead = await dlqRecords(topic);
    assert.deepEqual(
      dead.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp, header(r, 'origin')]),
      [
        ['k7', 'v7', 1_700_000_000_007, 'h7'],
        ['k8', 'v8', 1_700_000_000_008, 'h8'],
      ],
    );
    const names = dead[0]!.headers.map(([k]) => k);
    if (!contextHeaders) {
      assert.deepEqual(names, ['origin']);
    } else {
      assert.deepEqual(names, [
        'origin',
        '__connect.errors.topic',
        '__connect.errors.partition',
        '__connect.errors.offset',
        '__connect.errors.connector.name',
        '__connect.errors.task.id',
        '__connect.errors.stage',
        '__connect.errors.class.name',
        '__connect.errors.exception.class.name',
        '__connect.errors.exception.message',
        '__connect.errors.exception.stacktrace',
      ]);
      const r = dead[0]!;
      assert.equal(header(r, '__connect.errors.topic'), 'input');
      assert.equal(header(r, '__connect.errors.partition'), '3');
      assert.equal(header(r, '__connect.errors.offset'), '7');
      assert.equal(header(r, '__connect.errors.connector.name'), 'sink');
      assert.equal(header(r, '__connect.errors.task.id'), '2');
      assert.equal(header(r, '__connect.errors.stage'), 'VALUE_CONVERTER');
      assert.equal(header(r, '__connect.errors.class.name'), 'com.example.Conv');
      assert.equal(
        header(r, '__connect.errors.exception.class.name'),
        'org.apache.kafka.connect.errors.DataException',
      );
      assert.equal(header(r, '__connect.errors.exception.message'), 'bad record');
      assert.match(header(r, '__connect.errors.exception.stacktrace') ?? '', /bad record/);
    }
    assert.equal(metrics.dlqProduceRequests, 2);
    assert.equal(metrics.dlqProduceFailures, 0);
  }
});

test('a failed write is counted per record and rejects', async () => {
  const closed = await EmbeddedLogClient.open({ dir: await tempDir() });
  const topic = uniqueName('dlq');
  await closed.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  await closed.close();
  const metrics = new TaskErrorCounters();
  const writer = new DeadLetterWriter({
    log: closed,
    topic,
    replicationFactor: 1,
    contextHeaders: false,
    connector: 'sink',
    task: 0,
    metrics,
  });
  writer.add({ stage: 'KEY_CONVERTER', executingClass: 'x', error: new Error('e'), consumed: consumed(1) });
  writer.add({ stage: 'KEY_CONVERTER', executingClass: 'x', error: new Error('e'), consumed: consumed(2) });
  await assert.rejects(writer.flush());
  assert.equal(metrics.dlqProduceRequests, 2);
  assert.equal(metrics.dlqProduceFailures, 2);
});
