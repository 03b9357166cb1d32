/**
 * What a sink task does with fetched records it has not handed to `put` yet (on Kafka they wait as
 * the fetched bytes, decoded when taken; on the embedded log as an array), through a standalone
 * herder on a real Kafka broker and on the embedded log. 100 records are there before the task
 * starts, so one fetch brings them all and `max.poll.records=10` leaves 90 waiting after the
 * first put: pausing the partition then drops them and resuming fetches them again from where
 * the task was; a rewind with `context.offset` redelivers from the given offset; nothing is lost
 * or doubled, and the committed offset is the position after the last record put.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SinkRecord, TopicPartition } from '@sluice/api';
import type { StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSinkConnector, RecordingSinkTaskBase } from '../helpers/test-connectors.ts';

interface Recording {
  /** Values of each non-empty put, in order. */
  batches: string[][];
  /** Records put while the partition was paused (empty puts go on, as in Kafka Connect). */
  pausedRecords: number;
}
const seen = new Map<string, Recording>();

/**
 * Puts record the values. `mode=pause`: after the first put the task pauses its partitions and
 * resumes them 300 ms later. `mode=rewind`: the put that sees value `v30` the first time rewinds the
 * partition to offset 10.
 */
class BufferProbeSinkTask extends RecordingSinkTaskBase<Recording> {
  protected readonly recordings = seen;
  #mode = '';
  #paused = false;
  #rewound = false;
  protected newRecording(): Recording {
    return { batches: [], pausedRecords: 0 };
  }
  override start(props: Record<string, string>): void {
    super.start(props);
    this.#mode = props.mode ?? '';
  }
  put(records: SinkRecord[]): void {
    if (this.#paused) this.recording.pausedRecords += records.length;
    if (records.length === 0) return;
    const values = records.map((r) => String(r.value));
    this.recording.batches.push(values);
    const tps = this.context.assignment();
    if (this.#mode === 'pause' && this.recording.batches.length === 1) {
      this.context.pause(...tps);
      this.#paused = true;
      setTimeout(() => {
        this.#paused = false;
        this.context.resume(...tps);
      }, 300);
    }
    if (this.#mode === 'rewind' && !this.#rewound && values.includes('v30')) {
      this.#rewound = true;
      this.context.offset(new TopicPartition(records[0]!.topic, 0), 10);
    }
  }
}

class BufferProbeSinkConnector extends ConfigCopyingSinkConnector {
  taskClass() {
    return BufferProbeSinkTask;
  }
}

const tempDir = useTempDirs('sluice-sink-buffer-');
const values = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `v${from + i}`);

for (const kind of ['embedded', 'kafka'] as const) {
  describe(`fetched records waiting for put, on the ${kind} log`, () => {
    let herder: StandaloneHerder;
    before(async () => {
      herder = await startTestHerder({
        dir: await tempDir(),
        log: kind,
        props: { 'offset.flush.interval.ms': '200' },
        connectors: [BufferProbeSinkConnector],
      });
    });
    after(async () => herder.stop());

    /** A topic holding v0..v99, and a sink on it with max.poll.records=10 in `mode`. */
    async function start(mode: string): Promise<{ name: string; topic: string; group: string }> {
      const topic = uniqueName(`buffered-${mode}`);
      const name = uniqueName(`sink-${mode}`);
      const group = uniqueName('group');
      await herder.log.createTopics([{ name: topic, partitions: 1 }]);
      await herder.log.produce(
        values(0, 100).map((v) => ({ topic, partition: 0, key: null, value: Buffer.from(v), headers: [] })),
      );
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'BufferProbeSinkConnector',
          topics: topic,
          mode,
          'consumer.override.max.poll.records': '10',
          'consumer.override.group.id': group,
        },
        { allowReplace: false },
      );
      return { name, topic, group };
    }

    async function committedOffset(group: string, topic: string): Promise<number | undefined> {
      const offsets = await herder.log.fetchGroupOffsets(group);
      return offsets.find((c) => c.topic === topic && c.partition === 0)?.offset;
    }

    test('pausing drops the records waiting for put; resuming fetches them again: all once, in order', async () => {
      const { name, topic, group } = await start('pause');
      await waitFor('100 records', () => (seen.get(name)?.batches.flat().length ?? 0) >= 100);
      const { batches, pausedRecords } = seen.get(name)!;
      assert.deepEqual(batches.flat(), values(0, 100));
      assert.ok(
        batches.every((b) => b.length <= 10),
        `batch sizes ${batches.map((b) => b.length)}`,
      );
      assert.equal(pausedRecords, 0, 'no records while the partition was paused');
      assert.deepEqual(batches[0], values(0, 10), 'the pause came with 90 records fetched and waiting');
      await waitFor('the commit of offset 100', async () => (await committedOffset(group, topic)) === 100);
      await herder.deleteConnector(name);
    });

    test('a rewind (context.offset) drops the records waiting for put and redelivers from the offset', async () => {
      const { name, topic, group } = await start('rewind');
      await waitFor('130 records', () => (seen.get(name)?.batches.flat().length ?? 0) >= 130);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { batches } = seen.get(name)!;
      assert.deepEqual(batches.flat(), [...values(0, 40), ...values(10, 100)]);
      await waitFor('the commit of offset 100', async () => (await committedOffset(group, topic)) === 100);
      await herder.deleteConnector(name);
    });
  });
}
