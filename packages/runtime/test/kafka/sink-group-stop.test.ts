/**
 * A sink task stopped while it waits to join its consumer group: the coordinator holds the
 * task's JoinGroup until every member has rejoined, and a member that stopped heart-beating (its
 * worker killed with kill -9) is only dropped when its session ends (45 s by default). As Kafka's
 * WorkerSinkTask (consumer.wakeup(), consumer.close()), the stopped task gives the JoinGroup up at
 * once and leaves the group (LeaveGroup), so no zombie member waits in the group for the
 * rebalance; a static member (`group.instance.id`) stops as promptly but stays, as Kafka's does.
 * Real broker: the silent member is a group member that joined once and then never heartbeats.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { RetriableError, type SinkRecord, SinkTask, type StringMap } from '@sluice/api';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { PlatformaticLogClient } from '../../src/log/kafka/platformatic-client.ts';
import type { GroupMember } from '../../src/log/log-client.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSinkConnector } from '../helpers/test-connectors.ts';

const tempDir = useTempDirs('sluice-sink-group-stop-');

/** The silent member's session: the longest a JoinGroup can be held for it. */
const SILENT_SESSION_MS = 45_000;

/** When each task (by connector name) was stopped. */
const stoppedAt = new Map<string, number>();

class StopTimingSinkTask extends SinkTask {
  #name = '';
  version() {
    return '1';
  }
  start(props: StringMap) {
    this.#name = props.name ?? '';
  }
  put(_records: SinkRecord[]) {}
  stop() {
    stoppedAt.set(this.#name, Date.now());
  }
}
class StopTimingSink extends ConfigCopyingSinkConnector {
  taskClass() {
    return StopTimingSinkTask;
  }
}

/**
 * A member of `group` that joins (and so owns the topic's partition) and then never heartbeats
 * nor polls again, as a consumer whose process was killed: the group waits for it to rejoin
 * until its session ends.
 */
async function silentMember(
  client: PlatformaticLogClient,
  group: string,
  topic: string,
): Promise<GroupMember> {
  const member = client.joinGroup({
    groupId: group,
    clientId: 'silent-member',
    groupInstanceId: null,
    subscription: async () => [topic],
    assignors: ['range'],
    sessionTimeoutMs: SILENT_SESSION_MS,
    // Never within the test: the member's only heartbeat was its SyncGroup.
    heartbeatIntervalMs: 3_600_000,
    maxPollIntervalMs: SILENT_SESSION_MS,
    metadataMaxAgeMs: 3_600_000,
    listener: { revoked: async () => {}, lost: async () => {}, assigned: async () => {} },
  });
  // A fresh broker may answer COORDINATOR_LOAD_IN_PROGRESS at first.
  await waitFor('the silent member joined', async () => {
    try {
      await member.poll();
      return true;
    } catch (err) {
      if (err instanceof RetriableError) return false;
      throw err;
    }
  });
  assert.deepEqual(member.assignment(), [{ topic, partition: 0 }]);
  return member;
}

interface Member {
  id: string;
  clientId: string;
  groupInstanceId: string | null;
}

async function describe(admin: Admin, group: string): Promise<{ state: string; members: Member[] }> {
  const g = (await admin.describeGroups({ groups: [group] })).get(group);
  assert.ok(g !== undefined, `group ${group} described`);
  return {
    state: g.state,
    members: [...g.members.values()].map((m) => ({
      id: m.id,
      clientId: m.clientId,
      groupInstanceId: m.groupInstanceId ?? null,
    })),
  };
}

/** The worker's log lines (JSON), to look for the worker giving up on a task. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function stopWhileJoining(staticId: string | null) {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('sinkstop');
  const group = uniqueName('sinkstop_group');
  const name = uniqueName('sinkstop');
  const taskClientId = `connector-consumer-${name}-0`;
  // The silent member shows with its client's id.
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'silent-member' });
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [bootstrapServers] });
  const { logger, lines } = capturedLogger();
  await client.createTopics([{ name: topic, partitions: 1 }]);
  const silentSince = Date.now();
  const silent = await silentMember(client, group, topic);
  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    logger,
    connectors: [StopTimingSink],
  });
  try {
    await herder.putConnectorConfig(
      name,
      {
        name,
        'connector.class': StopTimingSink.name,
        topics: topic,
        'tasks.max': '1',
        'consumer.override.group.id': group,
        ...(staticId === null ? {} : { 'consumer.override.group.instance.id': staticId }),
      },
      { allowReplace: false },
    );
    // The task is in the group, waiting in its JoinGroup for the silent member.
    let task: Member | undefined;
    let seen = '';
    await waitFor(
      () => `the task waiting to join the group (${seen})`,
      async () => {
        const d = await describe(admin, group);
        seen = JSON.stringify(d);
        task = d.members.find((m) => m.clientId === taskClientId);
        return d.state === 'PreparingRebalance' && task !== undefined && d.members.length === 2;
      },
    );
    assert.equal(task!.groupInstanceId, staticId);
    assert.ok(!stoppedAt.has(name), 'the task has not been stopped yet');

    const stopping = Date.now();
    await herder.deleteConnector(name);
    await waitFor('the task stopped', async () => stoppedAt.has(name), { timeoutMs: 10_000 });
    const stopMs = stoppedAt.get(name)! - stopping;
    let after = await describe(admin, group);
    if (staticId === null) {
      // It left the group: only the silent member remains, whose session has not ended yet.
      await waitFor(
        "the task's member gone from the group",
        async () => {
          after = await describe(admin, group);
          return !after.members.some((m) => m.id === task!.id);
        },
        { timeoutMs: 10_000 },
      );
    } else {
      // A static member does not leave on close (Kafka's default): it stays for its session.
      assert.ok(
        after.members.some((m) => m.id === task!.id && m.groupInstanceId === staticId),
        JSON.stringify(after),
      );
    }
    const goneMs = Date.now() - stopping;
    assert.ok(
      after.members.some((m) => m.clientId === 'silent-member'),
      `the silent member is still in the group (its session has not ended): ${JSON.stringify(after)}`,
    );
    assert.ok(Date.now() - silentSince < SILENT_SESSION_MS, 'all of this within the silent session');
    assert.ok(stopMs < 5_000, `the task stopped in ${stopMs} ms`);
    // The worker did not have to give up on the task (task.shutdown.graceful.timeout.ms).
    assert.ok(!lines.some((l) => l.includes('Graceful stop of task')), 'the task stopped gracefully');
    assert.ok(
      !lines.some((l) => l.includes('"level":50') && l.includes(name)),
      `no error: ${lines.filter((l) => l.includes('"level":50')).join('\n')}`,
    );
    logger.info(`measured: task stopped ${stopMs} ms, member checked ${goneMs} ms after the delete`);
    return { stopMs, goneMs };
  } finally {
    await herder.stop();
    await silent.close();
    await admin.close();
    await client.close();
  }
}

test('a sink task stopped while its JoinGroup waits for a silent member stops at once and leaves the group', async () => {
  const { stopMs, goneMs } = await stopWhileJoining(null);
  console.log(`dynamic member: stopped in ${stopMs} ms, gone from the group ${goneMs} ms after the delete`);
});

test('a static sink member (group.instance.id) stopped while joining stops at once and stays in the group, as Kafka', async () => {
  const { stopMs } = await stopWhileJoining(uniqueName('static'));
  console.log(`static member: stopped in ${stopMs} ms`);
});
