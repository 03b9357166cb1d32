/**
 * ConnectGroupMember against a real broker: several members in one process, each with its own
 * KafkaConfigBackingStore on a shared config topic, playing the herder's part in the listener.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { taskIdString } from '../../src/connector-task-id.ts';
import {
  ConnectGroupMember,
  type ConnectGroupMemberOptions,
} from '../../src/distributed/connect-group-member.ts';
import {
  type ConnectAssignment,
  decodeAssignment,
  decodeWorkerMetadata,
} from '../../src/distributed/connect-protocol.ts';
import { GroupClient } from '../../src/distributed/group-client.ts';
import { KafkaConfigBackingStore } from '../../src/distributed/kafka-config-backing-store.ts';

let bootstrapServers: string;
let client: PlatformaticLogClient;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  ({ bootstrapServers } = await useKafka());
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'group-member-test' });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});
after(async () => {
  await client.close();
});

/** A worker reduced to what the group cares about: a config store, a member, what it runs. */
class TestWorker {
  readonly name: string;
  readonly store: KafkaConfigBackingStore;
  readonly member: ConnectGroupMember;
  readonly connectors = new Set<string>();
  readonly tasks = new Set<string>();
  readonly assignments: Array<{ assignment: ConnectAssignment; generation: number }> = [];
  readonly revocations: string[][] = [];

  constructor(
    name: string,
    groupId: string,
    configTopic: string,
    options: Partial<ConnectGroupMemberOptions> = {},
  ) {
    this.name = name;
    this.store = new KafkaConfigBackingStore({ client, topic: configTopic, replicationFactor: 1 });
    this.member = new ConnectGroupMember({
      groupId,
      connection: { bootstrapServers, clientId: name },
      restUrl: `http://${name}:8083/`,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      rebalanceTimeoutMs: 20_000,
      scheduledRebalanceMaxDelayMs: 1_000,
      configSnapshot: () => this.store.snapshot(),
      listener: {
        onRevoked: (_leader, connectors, tasks) => {
          this.revocations.push([...connectors, ...tasks.map(taskIdString)]);
          for (const c of connectors) this.connectors.delete(c);
          for (const t of tasks) this.tasks.delete(taskIdString(t));
        },
        onAssigned: async (assignment, generation) => {
          this.assignments.push({ assignment, generation });
          if (assignment.error !== 0 || this.store.offset < assignment.configOffset) {
            await this.store.refresh();
            if (assignment.error !== 0) return;
          }
          if (this.store.offset !== assignment.configOffset) {
            this.member.requestRejoin('config offset differs');
            return;
          }
          this.connectors.clear();
          this.tasks.clear();
          for (const c of assignment.connectors) this.connectors.add(c);
          for (const t of assignment.tasks) this.tasks.add(taskIdString(t));
        },
      },
      ...(process.env.GROUP_TEST_LOG === undefined
        ? {}
        : { log: pino({ level: process.env.GROUP_TEST_LOG, base: { w: name } }) }),
      ...options,
    });
  }

  async start(): Promise<void> {
    await this.store.start();
    this.store.setUpdateListener((change) => {
      if (
        change.type === 'connector-config-updated' ||
        change.type === 'connector-config-removed' ||
        change.type === 'task-configs-committed'
      )
        this.member.requestRejoin(change.type);
    });
    cleanups.push(() => this.stop({ leaveGroup: true }));
    await this.member.start();
  }

  async stop(options: { leaveGroup: boolean }): Promise<void> {
    await this.member.stop(options);
    await this.store.stop();
  }

  get generation(): number {
    return this.member.generation;
  }
}

/** Writes connectors with their task configs to the config topic. */
async function configure(configTopic: string, connectors: Record<string, number>): Promise<void> {
  const store = new KafkaConfigBackingStore({ client, topic: configTopic, replicationFactor: 1 });
  await store.start();
  try {
    for (const [name, tasks] of Object.entries(connectors)) {
      await store.putConnectorConfig(name, { 'connector.class': 'Test', 'tasks.max': String(tasks) });
      await store.putTaskConfigs(
        name,
        Array.from({ length: tasks }, (_, i) => ({ task: String(i) })),
      );
    }
  } finally {
    await store.stop();
  }
}

/** Every configured item runs on exactly one worker, and loads differ by at most one. */
function balanced(workers: TestWorker[], connectors: Record<string, number>): boolean {
  const allConnectors = workers.flatMap((w) => [...w.connectors]).sort();
  const allTasks = workers.flatMap((w) => [...w.tasks]).sort();
  const expectedConnectors = Object.keys(connectors).sort();
  const expectedTasks = Object.entries(connectors)
    .flatMap(([c, n]) => Array.from({ length: n }, (_, i) => `${c}-${i}`))
    .sort();
  if (JSON.stringify(allConnectors) !== JSON.stringify(expectedConnectors)) return false;
  if (JSON.stringify(allTasks) !== JSON.stringify(expectedTasks)) return false;
  const c = workers.map((w) => w.connectors.size);
  const t = workers.map((w) => w.tasks.size);
  return Math.max(...c) - Math.min(...c) <= 1 && Math.max(...t) - Math.min(...t) <= 1;
}

function setup(): { groupId: string; configTopic: string } {
  return { groupId: uniqueName('connect-group'), configTopic: uniqueName('connect-configs') };
}

describe('ConnectGroupMember', () => {
  test('two members: one leader, both know its URL, the work is split evenly', async () => {
    const { groupId, configTopic } = setup();
    const work = { alpha: 2, beta: 2 };
    await configure(configTopic, work);
    const w1 = new TestWorker('w1', groupId, configTopic);
    const w2 = new TestWorker('w2', groupId, configTopic);
    await w1.start();
    // Alone, the first member leads and runs everything.
    assert.equal(w1.member.isLeader, true);
    assert.equal(w1.member.leaderUrl, 'http://w1:8083/');
    assert.equal(w1.member.currentProtocol, 'sessioned');
    assert.deepEqual([...w1.connectors].sort(), ['alpha', 'beta']);
    assert.equal(w1.tasks.size, 4);

    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], work), 30_000);
    const leaders = [w1, w2].filter((w) => w.member.isLeader);
    assert.equal(leaders.length, 1);
    assert.equal(w1.member.leaderId, w2.member.leaderId);
    assert.equal(w2.member.leaderUrl, 'http://w1:8083/');
    assert.equal(w1.connectors.size, 1);
    assert.equal(w2.tasks.size, 2);
    // w1 gave work back through a revocation (cooperative protocol), it did not restart all.
    assert.ok(w1.revocations.some((r) => r.length > 0));
    assert.ok(w2.member.memberId.startsWith('w2-group-'), w2.member.memberId);
    await waitFor('the generations agree', () => w1.generation === w2.generation, 30_000);
  });

  test('three members: balanced, and describe shows protocol type connect with every member', async () => {
    const { groupId, configTopic } = setup();
    const work = { a: 2, b: 2, c: 2 };
    await configure(configTopic, work);
    const workers = ['x1', 'x2', 'x3'].map((n) => new TestWorker(n, groupId, configTopic));
    for (const w of workers) await w.start();
    await waitFor('the work is balanced', () => balanced(workers, work), 30_000);
    for (const w of workers) {
      assert.equal(w.connectors.size, 1);
      assert.equal(w.tasks.size, 2);
    }
    await waitFor(
      'the generations agree',
      () => new Set(workers.map((w) => w.generation)).size === 1,
      30_000,
    );
    // Wait until no follow-up rebalance is pending, then describe the group.
    await waitFor(
      'the group is stable',
      () => workers.every((w) => w.member.assignment?.delay === 0),
      30_000,
    );

    const describer = new GroupClient({ bootstrapServers }, 'describe');
    try {
      const group = await describer.describeGroup(groupId);
      assert.equal(group.protocolType, 'connect');
      assert.equal(group.protocolData, 'sessioned');
      assert.equal(group.groupState, 'Stable');
      assert.deepEqual(
        group.members.map((m) => m.memberId).sort(),
        workers.map((w) => w.member.memberId).sort(),
      );
      for (const m of group.members) {
        const worker = workers.find((w) => w.member.memberId === m.memberId)!;
        const metadata = decodeWorkerMetadata(m.memberMetadata);
        assert.equal(metadata.url, `http://${worker.name}:8083/`);
        const assignment = decodeAssignment(m.memberAssignment);
        assert.equal(assignment.leaderUrl, workers.find((w) => w.member.isLeader)!.member.restUrl);
      }
    } finally {
      await describer.close();
    }
  });

  test('a member that leaves gracefully triggers a rebalance at once and its work moves', async () => {
    const { groupId, configTopic } = setup();
    const work = { m: 2, n: 2 };
    await configure(configTopic, work);
    const w1 = new TestWorker('l1', groupId, configTopic);
    const w2 = new TestWorker('l2', groupId, configTopic);
    await w1.start();
    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], work), 30_000);
    const before = w1.generation;
    const leftAt = Date.now();
    await w2.stop({ leaveGroup: true });
    // LeaveGroup makes the coordinator rebalance now, not after session.timeout.ms (6 s).
    await waitFor('w1 rejoined', () => w1.generation > before, 5_000);
    assert.ok(Date.now() - leftAt < 5_000);
    // The departed member's work is held back for scheduled.rebalance.max.delay.ms (1 s), then moves.
    await waitFor('w1 runs everything', () => balanced([w1], work), 15_000);
    assert.equal(w1.member.isLeader, true);
  });

  test('a member that stops heartbeating is expelled after the session timeout and its work moves', async () => {
    const { groupId, configTopic } = setup();
    const work = { p: 2, q: 2 };
    await configure(configTopic, work);
    const w1 = new TestWorker('s1', groupId, configTopic);
    const w2 = new TestWorker('s2', groupId, configTopic);
    await w1.start();
    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], work), 30_000);
    await waitFor(
      'no rebalance is pending',
      () => w1.member.assignment?.delay === 0 && w1.generation === w2.generation,
      30_000,
    );
    const before = w1.generation;
    const silentAt = Date.now();
    await w2.stop({ leaveGroup: false });
    // Nothing happens until the coordinator gives up on w2 (session.timeout.ms = 6 s).
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(w1.generation, before);
    await waitFor('w1 rejoined', () => w1.generation > before, 15_000);
    const expelledAfter = Date.now() - silentAt;
    assert.ok(expelledAfter >= 5_000, `rebalanced after ${expelledAfter} ms`);
    await waitFor('w1 runs everything', () => balanced([w1], work), 15_000);
  });

  test('a config change with requestRejoin assigns the new connector', async () => {
    const { groupId, configTopic } = setup();
    await configure(configTopic, { one: 1 });
    const w1 = new TestWorker('c1', groupId, configTopic);
    const w2 = new TestWorker('c2', groupId, configTopic);
    await w1.start();
    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], { one: 1 }), 30_000);
    await configure(configTopic, { two: 3 });
    await waitFor('the new connector runs', () => balanced([w1, w2], { one: 1, two: 3 }), 30_000);
    for (const w of [w1, w2]) assert.equal(w.assignments.at(-1)?.assignment.configOffset, w.store.offset);
  });

  test('eager members: everything is dealt round-robin and revoked before each rebalance', async () => {
    const { groupId, configTopic } = setup();
    const work = { e1: 1, e2: 1 };
    await configure(configTopic, work);
    const w1 = new TestWorker('eager-1', groupId, configTopic, { protocol: 'eager' });
    const w2 = new TestWorker('eager-2', groupId, configTopic, { protocol: 'eager' });
    await w1.start();
    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], work), 30_000);
    assert.equal(w1.member.currentProtocol, 'default');
    // Eager: w1 gave back its whole assignment before the second join.
    assert.deepEqual(w1.revocations[0]?.sort(), ['e1', 'e1-0', 'e2', 'e2-0']);
    const last = w2.assignments.at(-1)!.assignment;
    assert.equal(last.version, 0);
  });

  test('a sessioned and an eager member agree on the default protocol', async () => {
    const { groupId, configTopic } = setup();
    const work = { mixed: 2 };
    await configure(configTopic, work);
    const w1 = new TestWorker('mix-1', groupId, configTopic);
    const w2 = new TestWorker('mix-2', groupId, configTopic, { protocol: 'eager' });
    await w1.start();
    assert.equal(w1.member.currentProtocol, 'sessioned');
    await w2.start();
    await waitFor('the work is balanced', () => balanced([w1, w2], work), 30_000);
    assert.equal(w1.member.currentProtocol, 'default');
    assert.equal(w2.member.currentProtocol, 'default');
  });

  test('an unknown connect.protocol is refused with Kafka’s message', () => {
    assert.throws(
      () =>
        new ConnectGroupMember({
          groupId: 'g',
          connection: { bootstrapServers },
          restUrl: 'http://x:1/',
          protocol: 'bogus' as 'eager',
          configSnapshot: () => {
            throw new Error('unused');
          },
          listener: { onAssigned: () => {}, onRevoked: () => {} },
        }),
      /Invalid value bogus for configuration connect.protocol: String must be one of: eager, compatible, sessioned/,
    );
  });
});
