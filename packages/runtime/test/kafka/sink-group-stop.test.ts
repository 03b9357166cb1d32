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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  assignor = 'range',
): Promise<GroupMember> {
  const member = client.joinGroup({
    groupId: group,
    clientId: 'silent-member',
    groupInstanceId: null,
    subscription: async () => [topic],
    assignors: [assignor],
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

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
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
  assert.deepEqual(silent.assignment(), [{ topic, partition: 0 }]);
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
    const deleteMs = Date.now() - stopping;
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
    assert.ok(deleteMs < 5_000, `deleted in ${deleteMs} ms`);
    return { stopMs, goneMs, deleteMs };
  } finally {
    await herder.stop();
    await silent.close();
    await admin.close();
    await client.close();
  }
}

test('a sink task stopped while its JoinGroup waits for a silent member stops at once and leaves the group', async () => {
  const { stopMs, goneMs, deleteMs } = await stopWhileJoining(null);
  console.log(
    `dynamic member: stopped in ${stopMs} ms, delete returned in ${deleteMs} ms, gone from the group ${goneMs} ms after it began`,
  );
});

test('a static sink member (group.instance.id) stopped while joining stops at once and stays in the group, as Kafka', async () => {
  const { stopMs, deleteMs } = await stopWhileJoining(uniqueName('static'));
  console.log(`static member: stopped in ${stopMs} ms, delete returned in ${deleteMs} ms`);
});

test('cooperative-sticky: a task stopped in its second join round, the silent member holding it up, commits what it kept and leaves', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await tempDir();
  const topic = uniqueName('sinkstop_coop');
  const group = uniqueName('sinkstop_coop_group');
  const name = uniqueName('sinkstop_coop');
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'silent-member' });
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [bootstrapServers] });
  const { logger } = capturedLogger();
  await client.createTopics([{ name: topic, partitions: 2 }]);
  await client.produce(
    Array.from({ length: 20 }, (_, i) => ({
      topic,
      partition: i % 2,
      key: null,
      value: Buffer.from(`r-${i}`),
      headers: [],
    })),
  );
  // No periodic commit: only a revocation or the stop commits.
  const herder = await startTestHerder({
    dir,
    log: { bootstrapServers },
    logger,
    props: { 'offset.flush.interval.ms': '600000' },
  });
  let silent: GroupMember | undefined;
  try {
    const out = join(dir, 'out.txt');
    await herder.putConnectorConfig(
      name,
      {
        name,
        'connector.class': 'FileStreamSink',
        file: out,
        topics: topic,
        'tasks.max': '1',
        'consumer.override.group.id': group,
        'consumer.override.partition.assignment.strategy':
          'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
      },
      { allowReplace: false },
    );
    await waitFor('every record in the sink file', async () => (await lines(out)).length === 20);
    assert.deepEqual(await client.fetchGroupOffsets(group), [], 'nothing committed yet');
    // The silent member joins: in the first round it gets nothing and the task gives one
    // partition up (commits it); the second round waits for the silent member, which never
    // comes back. The task keeps the other partition meanwhile, its offset not committed.
    silent = await silentMember(client, group, topic, 'cooperative-sticky');
    let task: Member | undefined;
    let seen = '';
    await waitFor(
      () => `the task in its second round, one partition committed (${seen})`,
      async () => {
        const d = await describe(admin, group);
        const committed = await client.fetchGroupOffsets(group);
        seen = `${JSON.stringify(d)} ${JSON.stringify(committed)}`;
        task = d.members.find((m) => m.clientId === `connector-consumer-${name}-0`);
        return d.state === 'PreparingRebalance' && task !== undefined && committed.length === 1;
      },
      { timeoutMs: 20_000 },
    );
    const stopping = Date.now();
    await herder.deleteConnector(name);
    const deleteMs = Date.now() - stopping;
    assert.ok(deleteMs < 5_000, `deleted in ${deleteMs} ms`);
    // The partition it kept is committed as on any clean stop: both at their end.
    const committed = (await client.fetchGroupOffsets(group)).sort((a, b) => a.partition - b.partition);
    assert.deepEqual(
      committed.map((c) => [c.partition, c.offset]),
      [
        [0, 10],
        [1, 10],
      ],
    );
    const after = await describe(admin, group);
    assert.ok(!after.members.some((m) => m.id === task!.id), `the task left: ${JSON.stringify(after)}`);
    console.log(`cooperative: deleted in ${deleteMs} ms, kept partition committed, member gone`);
  } finally {
    await herder.stop();
    await silent?.close();
    await admin.close();
    await client.close();
  }
});
