/**
 * Exactly-once source support (KIP-618) end to end: three `sluice distributed` worker processes
 * with `exactly.once.source.support=enabled` on a real broker, a FileStreamSource with
 * `exactly.once.support=required` reading a file that keeps growing. Workers (the leader, the
 * task's owner, the others) are killed with `kill -9` and replaced while it writes, and one worker
 * is frozen with SIGSTOP until its task has moved, then resumed (a zombie). A read_committed reader
 * must then see every line exactly once, in order, with no gap; records of aborted transactions
 * (in the log, visible to read_uncommitted) never reach it; the zombie's writes are refused.
 *
 * SLUICE_EOS_BOUNCES sets the number of kill -9 bounces (default 10).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import { eventually as poll, uniqueName, useKafka, WorkerProcess } from '@sluice/testing';

// biome-ignore lint/suspicious/noExplicitAny: REST answers are checked by assertions, not by types
type Json = any;

const BOUNCES = Number(process.env.SLUICE_EOS_BOUNCES ?? 10);
let bootstrapServers: string;
const dirs: string[] = [];

before(async () => {
  ({ bootstrapServers } = await useKafka());
});

after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function clusterProps(dir: string, group: string): Promise<string> {
  const file = join(dir, 'worker.properties');
  await writeFile(
    file,
    [
      `bootstrap.servers=${bootstrapServers}`,
      `group.id=${group}`,
      `config.storage.topic=${group}-configs`,
      `offset.storage.topic=${group}-offsets`,
      `status.storage.topic=${group}-status`,
      'config.storage.replication.factor=1',
      'offset.storage.replication.factor=1',
      'status.storage.replication.factor=1',
      'offset.storage.partitions=5',
      'status.storage.partitions=3',
      'exactly.once.source.support=enabled',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      'offset.flush.interval.ms=500',
      'session.timeout.ms=6000',
      'heartbeat.interval.ms=1000',
      'scheduled.rebalance.max.delay.ms=2000',
      'task.shutdown.graceful.timeout.ms=2000',
      'listeners=http://127.0.0.1:0',
    ].join('\n'),
  );
  return file;
}

async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) =>
  poll(what, probe, { timeoutMs, intervalMs: 250 });

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const hostPort = (url: string) => new URL(url).host;

/** Partition 0 as a reader with this isolation level sees it, up to its end (last stable offset when read_committed). */
async function readAll(
  client: PlatformaticLogClient,
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
): Promise<LogRecord[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest', { isolationLevel });
  const out: LogRecord[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], { isolationLevel, maxWaitMs: 100 });
    out.push(...p!.records);
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return out;
}

/** The worker running task 0 of the connector (`host:port`), once it runs. */
async function taskOwner(url: () => string, name: string): Promise<string> {
  return eventually(`task 0 of ${name} RUNNING`, async () => {
    const r = await http(url(), 'GET', `/connectors/${name}/status`).catch(() => undefined);
    const t = r?.body?.tasks?.[0];
    return r?.status === 200 && t?.state === 'RUNNING' ? (t.worker_id as string) : undefined;
  });
}

describe('exactly-once source on three workers', { timeout: 900_000 }, () => {
  test(`FileStreamSource, exactly.once.support=required: ${BOUNCES} kill -9 bounces and a SIGSTOP zombie; a read_committed reader sees every line once, in order`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-eos-'));
    dirs.push(dir);
    const group = uniqueName('e2e_eos');
    const props = await clusterProps(dir, group);
    const input = join(dir, 'in.txt');
    await writeFile(input, '');
    const topic = uniqueName('e2e_eos_lines');
    const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'e2e-eos-reader' });
    await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const workers: WorkerProcess[] = [
      new WorkerProcess(props),
      new WorkerProcess(props),
      new WorkerProcess(props),
    ];
    const urlOf = new Map<WorkerProcess, string>();
    for (const w of workers) urlOf.set(w, await w.url);
    const live = () => workers.filter((w) => w.alive);
    const anyUrl = () => {
      const alive = live().filter((w) => urlOf.has(w) && !frozen.has(w));
      return urlOf.get(alive[Math.floor(Math.random() * alive.length)]!)!;
    };
    const frozen = new Set<WorkerProcess>();
    let next = 0;
    let writing = true;
    const appender = (async () => {
      while (writing) {
        const lines = Array.from({ length: 20 }, (_, i) => String(next + i));
        next += 20;
        await appendFile(input, `${lines.join('\n')}\n`);
        await sleep(40);
      }
    })();
    const committedCount = async () => (await readAll(client, topic, 'read_committed')).length;
    const log: string[] = [];
    try {
      // Validation on this cluster: required is accepted for a file, refused for stdin.
      const stdin = await http(anyUrl(), 'PUT', '/connector-plugins/FileStreamSource/config/validate', {
        'connector.class': 'FileStreamSource',
        name: 'v',
        topic,
        'exactly.once.support': 'required',
      });
      assert.equal(stdin.status, 200);
      const eos = stdin.body.configs.find((c: Json) => c.value.name === 'exactly.once.support');
      assert.deepEqual(eos.value.errors, [
        'The connector does not support exactly-once semantics with the provided configuration.',
      ]);

      const name = 'eos-lines';
      await eventually('connector created', async () => {
        const r = await http(anyUrl(), 'PUT', `/connectors/${name}/config`, {
          'connector.class': 'FileStreamSource',
          file: input,
          topic,
          'batch.size': '50',
          'exactly.once.support': 'required',
        });
        if (r.status === 409 || r.status === 500) return undefined;
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return true;
      });
      await taskOwner(anyUrl, name);
      await eventually('first lines committed', async () =>
        (await committedCount()) > 100 ? true : undefined,
      );

      const workerAt = (id: string) =>
        workers.find((w) => w.alive && urlOf.has(w) && hostPort(urlOf.get(w)!) === id);
      for (let b = 0; b < BOUNCES; b++) {
        const owner = await taskOwner(anyUrl, name);
        const leader = live()
          .map((w) => w.lastLeaderUrl())
          .find((u) => u !== undefined);
        // Alternate: the task's owner, the leader, a worker that is neither.
        const kind = ['owner', 'leader', 'other'][b % 3]!;
        let victim: WorkerProcess | undefined;
        if (kind === 'owner') victim = workerAt(owner);
        else if (kind === 'leader' && leader !== undefined) victim = workerAt(hostPort(leader));
        else victim = live().find((w) => hostPort(urlOf.get(w)!) !== owner);
        victim ??= live()[0]!;
        const before = await committedCount();
        log.push(
          `bounce ${b}: kill -9 ${kind} ${hostPort(urlOf.get(victim)!)} (task on ${owner}, ${before} committed)`,
        );
        await victim.kill9();
        const replacement = new WorkerProcess(props);
        workers.push(replacement);
        urlOf.set(replacement, await replacement.url);
        // The task runs again and commits new lines before the next bounce.
        await taskOwner(anyUrl, name);
        await eventually(`progress after bounce ${b}`, async () =>
          (await committedCount()) > before + 100 ? true : undefined,
        );
      }

      // The zombie: freeze the task's worker until the task runs elsewhere, then resume it.
      const owner = await taskOwner(anyUrl, name);
      const zombie = workerAt(owner)!;
      zombie.freeze();
      frozen.add(zombie);
      log.push(`zombie: SIGSTOP ${owner}`);
      const newOwner = await eventually('the task moved off the frozen worker', async () => {
        const o = await taskOwner(anyUrl, name);
        return o !== owner ? o : undefined;
      });
      const movedAt = await committedCount();
      await eventually('progress on the new owner', async () =>
        (await committedCount()) > movedAt + 100 ? true : undefined,
      );
      zombie.thaw();
      frozen.delete(zombie);
      log.push(`zombie: task moved to ${newOwner}; SIGCONT ${owner}`);
      const afterZombie = await committedCount();
      await eventually('progress after the zombie woke up', async () =>
        (await committedCount()) > afterZombie + 200 ? true : undefined,
      );

      // Stop writing; everything written must arrive, exactly once.
      writing = false;
      await appender;
      const total = next;
      const committed = await eventually(
        `all ${total} lines committed`,
        async () => {
          const records = await readAll(client, topic, 'read_committed');
          return records.length >= total ? records : undefined;
        },
        120_000,
      ).catch(async (err) => {
        const records = await readAll(client, topic, 'read_committed');
        throw new Error(`${err.message}: ${records.length} of ${total}\n${log.join('\n')}`);
      });
      const values = committed.map((r) => Number(r.value!.toString()));
      for (let i = 0; i < values.length; i++)
        assert.equal(
          values[i],
          i,
          `read_committed record ${i} is line ${values[i]}: duplicate, gap or reorder`,
        );
      assert.equal(values.length, total, 'no line twice');
      const all = await readAll(client, topic, 'read_uncommitted');
      const aborted = all.length - committed.length;
      log.push(
        `${total} lines; ${all.length} records in the log, ${aborted} of them in aborted transactions`,
      );
      // Once resumed, the zombie either tried to write and found its producer fenced (the usual
      // case: its task polls before its group member hears of the rebalance), or stopped its task
      // first; either way nothing it wrote is visible (checked above). Deterministic zombie
      // fencing is tested in packages/runtime/test/distributed/exactly-once-tasks.test.ts.
      const fenced = /was fenced out by a newer producer of the same id/.test(zombie.output());
      log.push(fenced ? 'zombie: tried to write, was fenced' : 'zombie: stopped its task before writing');
      // Offsets were committed with the records: GET offsets shows the end of the file.
      const offsets = await eventually('offsets of the connector', async () => {
        await http(anyUrl(), 'PUT', `/connectors/${name}/stop`);
        const r = await http(anyUrl(), 'GET', `/connectors/${name}/offsets`);
        return r.status === 200 && r.body.offsets.length === 1 ? r.body.offsets[0] : undefined;
      });
      const size = (await import('node:fs/promises')).stat(input).then((s) => s.size);
      assert.equal(offsets.offset.position, await size);
    } finally {
      console.log(log.join('\n'));
      writing = false;
      await appender.catch(() => {});
      if (process.env.SLUICE_E2E_LOG_DIR)
        for (const [i, w] of workers.entries())
          await writeFile(join(process.env.SLUICE_E2E_LOG_DIR, `eos-${i}.log`), w.output());
      await Promise.all(workers.map((w) => w.stop()));
      await client.close();
    }
  });
});
