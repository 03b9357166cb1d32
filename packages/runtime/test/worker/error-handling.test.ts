/**
 * `errors.*` end to end through a standalone herder, on a real Kafka broker and on the embedded log:
 * a sink topic holding valid JsonConverter records and poison records (not JSON; JSON without the
 * schema/payload envelope). With `errors.tolerance=all` every poison record lands in the dead-letter
 * topic with its original bytes and the `__connect.errors.*` headers, and every valid record reaches
 * the sink; with `none` the task FAILS with the cause in its trace and the committed offset stops
 * before the first poison record. Also: the errant record reporter, and a failing transform in a
 * source task skipped under `all`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ErrantRecordReporter, SinkRecord, SinkTaskContext } from '@sluice/api';
import type { LogRecord, StandaloneHerder } from '@sluice/runtime';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSinkConnector, RecordingSinkTaskBase } from '../helpers/test-connectors.ts';

const received = new Map<string, unknown[]>();

/** Records the values it is given; hands values equal to "reject-me" to the errant record reporter. */
class RecordingSinkTask extends RecordingSinkTaskBase<unknown[]> {
  protected readonly recordings = received;
  #reporter: ErrantRecordReporter | null = null;
  override initialize(context: SinkTaskContext) {
    super.initialize(context);
    this.#reporter = context.errantRecordReporter();
  }
  protected newRecording() {
    return [];
  }
  async put(records: SinkRecord[]) {
    const reports: Promise<void>[] = [];
    for (const r of records) {
      if (r.value === 'reject-me' && this.#reporter !== null)
        reports.push(this.#reporter.report(r, new Error('rejected by the sink')));
      else this.recording.push(r.value);
    }
    await Promise.allSettled(reports);
  }
}

class RecordingSinkConnector extends ConfigCopyingSinkConnector {
  taskClass() {
    return RecordingSinkTask;
  }
}

const envelope = (v: string) => JSON.stringify({ schema: { type: 'string', optional: false }, payload: v });
/** offset → value bytes: valid records around two poison records at offsets 2 and 4. */
const VALUES = [envelope('a'), envelope('b'), 'this is not JSON', envelope('c'), '{"foo":1}', envelope('d')];

const header = (r: LogRecord, key: string) => r.headers.find(([k]) => k === key)?.[1]?.toString('utf8');

const tempDir = useTempDirs('sluice-errors-');

for (const kind of ['kafka', 'embedded'] as const) {
  describe(`errors.* on the ${kind} log`, () => {
    let herder: StandaloneHerder;
    before(async () => {
      herder = await startTestHerder({
        dir: await tempDir(),
        log: kind,
        props: {
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'offset.flush.interval.ms': '100',
        },
        connectors: [RecordingSinkConnector],
      });
    });
    after(async () => herder.stop());

    async function poisonedTopic(extra: string[] = []): Promise<string> {
      const topic = uniqueName('input');
      await herder.log.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      await herder.log.produce(
        [...VALUES, ...extra].map((v, i) => ({
          topic,
          partition: 0,
          key: Buffer.from(`k${i}`),
          value: Buffer.from(v),
          headers: [['origin', Buffer.from(`h${i}`)]],
        })),
      );
      return topic;
    }

    test('tolerance=all: poison records go to the DLQ with their bytes and context headers; valid ones reach the sink', async () => {
      const topic = await poisonedTopic([envelope('reject-me')]);
      const dlq = uniqueName('dlq');
      const name = uniqueName('sink');
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'RecordingSinkConnector',
          topics: topic,
          'errors.tolerance': 'all',
          'errors.log.enable': 'true',
          'errors.deadletterqueue.topic.name': dlq,
          'errors.deadletterqueue.topic.replication.factor': '1',
          'errors.deadletterqueue.context.headers.enable': 'true',
        },
        { allowReplace: false },
      );
      await waitFor('the four valid records', () => (received.get(name)?.length ?? 0) >= 4);
      assert.deepEqual(received.get(name), ['a', 'b', 'c', 'd']);
      let dead: LogRecord[] = [];
      await waitFor('three dead letters', async () => {
        const [part] = await herder.log.fetch([{ topic: dlq, partition: 0, offset: 0 }], { maxWaitMs: 100 });
        dead = part?.records ?? [];
        return dead.length >= 3;
      });
      assert.deepEqual(
        dead.map((r) => r.value?.toString()),
        ['this is not JSON', '{"foo":1}', envelope('reject-me')],
      );
      assert.deepEqual(
        dead.map((r) => r.key?.toString()),
        ['k2', 'k4', 'k6'],
      );
      for (const r of dead) assert.match(header(r, 'origin') ?? '', /^h\d$/, 'the original headers are kept');
      assert.equal(header(dead[0]!, '__connect.errors.topic'), topic);
      assert.equal(header(dead[0]!, '__connect.errors.partition'), '0');
      assert.equal(header(dead[0]!, '__connect.errors.offset'), '2');
      assert.equal(header(dead[0]!, '__connect.errors.connector.name'), name);
      assert.equal(header(dead[0]!, '__connect.errors.task.id'), '0');
      assert.equal(header(dead[0]!, '__connect.errors.stage'), 'VALUE_CONVERTER');
      assert.equal(
        header(dead[0]!, '__connect.errors.class.name'),
        'org.apache.kafka.connect.json.JsonConverter',
      );
      assert.ok(header(dead[0]!, '__connect.errors.exception.message'));
      assert.ok(header(dead[0]!, '__connect.errors.exception.stacktrace'));
      assert.equal(header(dead[1]!, '__connect.errors.offset'), '4');
      assert.equal(header(dead[2]!, '__connect.errors.stage'), 'TASK_PUT');
      assert.equal(header(dead[2]!, '__connect.errors.exception.message'), 'rejected by the sink');
      await waitFor('the offsets committed past everything', async () => {
        const committed = await herder.log.fetchGroupOffsets(`connect-${name}`);
        return committed.some((c) => c.topic === topic && c.offset === 7);
      });
      assert.equal((await herder.connectorStatus(name)).tasks[0]?.state, 'RUNNING');
      // task-error-metrics: two converter failures skipped, one record reported by the task.
      const text = herder.metrics.connectText();
      const metric = (m: string): number => {
        const line = text
          .split('\n')
          .find((l) => l.startsWith(`kafka_connect_task_error_${m}{connector="${name}",task="0"} `));
        assert.ok(line !== undefined, `${m} missing`);
        return Number(line.split(' ')[1]);
      };
      assert.equal(metric('total_record_failures'), 3);
      assert.equal(metric('total_record_errors'), 3);
      assert.equal(metric('total_records_skipped'), 2);
      assert.equal(metric('total_errors_logged'), 3);
      assert.equal(metric('deadletterqueue_produce_requests'), 3);
      assert.equal(metric('deadletterqueue_produce_failures'), 0);
      assert.ok(metric('last_error_timestamp') > Date.now() - 600_000);
      await herder.deleteConnector(name);
    });

    test('tolerance=none: the task FAILS with the cause, and the committed offset stops before the first poison record', async () => {
      const topic = await poisonedTopic();
      const name = uniqueName('sink');
      const dlq = uniqueName('dlq');
      await herder.putConnectorConfig(
        name,
        {
          'connector.class': 'RecordingSinkConnector',
          topics: topic,
          'errors.deadletterqueue.topic.name': dlq,
          'errors.deadletterqueue.topic.replication.factor': '1',
        },
        { allowReplace: false },
      );
      await waitFor(
        'the task to fail',
        async () => (await herder.connectorStatus(name)).tasks[0]?.state === 'FAILED',
      );
      const trace = (await herder.connectorStatus(name)).tasks[0]?.trace ?? '';
      assert.match(trace, /Tolerance exceeded in error handler/);
      assert.match(trace, /JSON|json/);
      const committed = await herder.log.fetchGroupOffsets(`connect-${name}`);
      const offset = committed.find((c) => c.topic === topic)?.offset ?? 0;
      assert.ok(offset <= 2, `committed ${offset}, the first poison record is at offset 2`);
      assert.ok(!(received.get(name) ?? []).includes('c'), 'nothing past the poison record was delivered');
      const [dead] = await herder.log.fetch([{ topic: dlq, partition: 0, offset: 0 }], { maxWaitMs: 100 });
      assert.deepEqual(
        dead?.records.map((r) => r.value?.toString()),
        ['this is not JSON'],
        'the failing record is reported to the dead-letter queue before the task fails',
      );
      await herder.deleteConnector(name);
    });
  });
}
