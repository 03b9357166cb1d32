/**
 * A sink task joins its connector's group `connect-<name>` as a consumer, so a foreign consumer in
 * that group whose partition assignors have nothing in common with the task's
 * (`partition.assignment.strategy`) keeps it out: the broker answers INCONSISTENT_GROUP_PROTOCOL
 * and the task fails with an error naming the assignors, as Kafka's WorkerSinkTask fails with
 * InconsistentGroupProtocolException. Once the foreign consumer is gone, a restarted task joins,
 * reads every record and commits its offsets as a member. Real broker, real foreign consumer.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-sink-conflict-');

test('a foreign member with other assignors keeps the sink task out of its group; the task fails naming them, and joins once the group is free', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('group_conflict');
  const other = uniqueName('group_conflict_other');
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

  // Another consumer, an active member of connect-<name> with the `roundrobin` protocol only.
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
    logLevel: 'fatal',
  });
  try {
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      name,
      { name, 'connector.class': 'FileStreamSink', file: out, topics: topic, 'tasks.max': '1' },
      { allowReplace: false },
    );
    await waitFor(
      'the task failed',
      async () => (await herder.connectorStatus(name)).tasks[0]?.state === 'FAILED',
    );
    const trace = (await herder.connectorStatus(name)).tasks[0]?.trace ?? '';
    assert.match(trace, /INCONSISTENT_GROUP_PROTOCOL/);
    assert.match(trace, /range, cooperative-sticky/);
    assert.equal(await readFile(out, 'utf8').catch(() => ''), '');

    // The foreign member leaves: the restarted task joins, reads everything and commits.
    await stream.close();
    await foreign.close();
    await herder.restartTask(name, 0);
    await waitFor('every line in the sink file', async () => {
      const text = await readFile(out, 'utf8').catch(() => '');
      return text === `${lines.join('\n')}\n`;
    });
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
