/**
 * The embedded log's equivalent of a sink connector's consumer group: its tasks are members of
 * `connect-<name>` in the worker's process, the group's assignor deals the partitions (range by
 * default, as on Kafka), a task joining later takes its share through a rebalance in which the
 * others revoke and commit first, and `describeGroup` tells who owns what. Real embedded log.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@sluice/testing';
import type { EmbeddedLogClient } from '../../src/log/embedded/embedded-log-client.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-embedded-group-');

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

const show = (d: ReturnType<EmbeddedLogClient['describeGroup']>) =>
  d === null
    ? null
    : {
        state: d.state,
        protocol: d.protocol,
        members: d.members
          .map((m) => [m.clientId, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`).join(',')])
          .sort(),
      };

test('embedded log: sink tasks are described members of their group, dealt by its assignor; a later member joins through a rebalance', async () => {
  const dir = await tempDir();
  const herder = await startTestHerder({ dir, props: { 'offset.flush.interval.ms': '200' } });
  const log = herder.log as EmbeddedLogClient;
  try {
    await log.createTopics([{ name: 't', partitions: 4 }]);
    await log.produce(
      Array.from({ length: 40 }, (_, i) => ({
        topic: 't',
        partition: i % 4,
        key: null,
        value: Buffer.from(`v${i}`),
        headers: [],
      })),
    );
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      'files',
      { name: 'files', 'connector.class': 'FileStreamSink', file: out, topics: 't', 'tasks.max': '2' },
      { allowReplace: false },
    );
    await waitFor('every record written', async () => (await lines(out)).length === 40);
    await waitFor('a stable group', async () => log.describeGroup('connect-files')?.state === 'Stable');
    assert.deepEqual(show(log.describeGroup('connect-files')), {
      state: 'Stable',
      protocol: 'range',
      members: [
        ['connector-consumer-files-0', 't-0,t-1'],
        ['connector-consumer-files-1', 't-2,t-3'],
      ],
    });
    await waitFor('the offsets committed', async () =>
      (await log.fetchGroupOffsets('connect-files')).every((o) => o.offset === 10),
    );

    // A second connector in the same group (consumer.override.group.id) joins later: the first
    // one's tasks revoke, commit, and the partitions are dealt over all three members.
    const out2 = join(dir, 'out2.txt');
    await herder.putConnectorConfig(
      'more',
      {
        name: 'more',
        'connector.class': 'FileStreamSink',
        file: out2,
        topics: 't',
        'tasks.max': '1',
        'consumer.override.group.id': 'connect-files',
      },
      { allowReplace: false },
    );
    await waitFor('three members', async () => {
      const d = log.describeGroup('connect-files');
      return (
        d?.state === 'Stable' && d.members.length === 3 && d.members.every((m) => m.assignment.length > 0)
      );
    });
    await log.produce(
      Array.from({ length: 8 }, (_, i) => ({
        topic: 't',
        partition: i % 4,
        key: null,
        value: Buffer.from(`w${i}`),
        headers: [],
      })),
    );
    await waitFor(
      'the new records written once',
      async () => (await lines(out)).length + (await lines(out2)).length === 48,
    );
    const all = [...(await lines(out)), ...(await lines(out2))];
    assert.equal(new Set(all).size, 48, 'no record twice');

    await herder.deleteConnector('more');
    await herder.deleteConnector('files');
    await waitFor('an empty group', async () => log.describeGroup('connect-files')?.state === 'Empty');
  } finally {
    await herder.stop();
  }
});
