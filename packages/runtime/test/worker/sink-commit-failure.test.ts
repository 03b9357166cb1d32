/**
 * A sink task whose offset commits the broker refuses keeps running, as Kafka's WorkerSinkTask
 * does (a failed commit is logged, not fatal): here another consumer is an active member of the
 * task's group `connect-<name>` (as a worker killed a moment ago leaves its members until their
 * session expires), so the broker refuses Sluice's commits from outside the group. Once that
 * member leaves, the next commit goes through. Real broker, real group member.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-sink-commit-');

test('a refused offset commit does not fail the sink task; commits resume once the group is free', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('commit_refused');
  const other = uniqueName('commit_refused_other');
  const name = uniqueName('sink');
  const client = new PlatformaticLogClient({
    bootstrapServers: bootstrapServers.split(','),
    clientId: 'test',
  });
  await client.createTopics([
    { name: topic, partitions: 1 },
    { name: other, partitions: 1 },
  ]);
  const lines = Array.from({ length: 50 }, (_, i) => `line-${i}`);
  await client.produce(lines.map((l) => ({ topic, key: null, value: Buffer.from(l), headers: [] })));

  // Another consumer, an active member of connect-<name> (reading another topic).
  const foreign = new Consumer({
    groupId: `connect-${name}`,
    clientId: 'foreign',
    bootstrapBrokers: bootstrapServers.split(','),
    deserializers: stringDeserializers,
  });
  const stream = await foreign.consume({ topics: [other], sessionTimeout: 10_000, heartbeatInterval: 500 });
  stream.on('data', () => {});

  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    props: { 'offset.flush.interval.ms': '300' },
    logLevel: 'fatal', // the refused commits are logged at ERROR: expected here
  });
  try {
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      name,
      { name, 'connector.class': 'FileStreamSink', file: out, topics: topic, 'tasks.max': '1' },
      { allowReplace: false },
    );
    await waitFor('every line in the sink file', async () => {
      const text = await readFile(out, 'utf8').catch(() => '');
      return text === `${lines.join('\n')}\n`;
    });
    // Several commit intervals pass with the foreign member in the group: the commits are
    // refused, the task stays RUNNING and nothing is committed.
    await new Promise((r) => setTimeout(r, 1500));
    const status = await herder.connectorStatus(name);
    assert.deepEqual(
      status.tasks.map((t) => [t.state, t.trace]),
      [['RUNNING', undefined]],
    );
    assert.deepEqual(await client.fetchGroupOffsets(`connect-${name}`, [{ topic, partition: 0 }]), []);

    // The foreign member leaves: the next commit goes through.
    await stream.close();
    await foreign.close();
    await waitFor('the sink offset committed', async () => {
      const [committed] = await client.fetchGroupOffsets(`connect-${name}`, [{ topic, partition: 0 }]);
      return committed?.offset === lines.length;
    });
    assert.equal((await herder.connectorStatus(name)).tasks[0]?.state, 'RUNNING');
  } finally {
    await herder.stop();
    await foreign.close().catch(() => {});
    await client.close();
  }
});
