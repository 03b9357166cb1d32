/**
 * The PostgreSQL source exactly-once (KIP-618) on three `sluice distributed` worker processes
 * with `exactly.once.source.support=enabled`, on the real broker and PostgreSQL: rows are inserted
 * in small transactions while workers (the task's owner, the leader, another) are killed with
 * `kill -9` and replaced; a read_committed reader then sees every row's create event exactly once,
 * in insertion order, with no gap. (No frozen-worker zombie here: a SIGSTOPped worker keeps its
 * replication connection, so the slot stays busy until it resumes; the file-source e2e test
 * covers the zombie.)
 *
 * SLUICE_EOS_PG_BOUNCES sets the number of bounces (default 10).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type ConnectorStateInfo, type LogRecord, PlatformaticLogClient } from '@sluice/runtime';
import { eventually as poll, uniqueName, useKafka, WorkerProcess } from '@sluice/testing';
import { useTestDatabase } from './harness.ts';

const BOUNCES = Number(process.env.SLUICE_EOS_PG_BOUNCES ?? 10);
const PER_TX = 5;

const db = useTestDatabase();
const dirs: string[] = [];
after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) =>
  poll(what, probe, { timeoutMs, intervalMs: 250 });
const hostPort = (url: string) => new URL(url).host;

async function readCommitted(client: PlatformaticLogClient, topic: string): Promise<LogRecord[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest', {
    isolationLevel: 'read_committed',
  });
  const out: LogRecord[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }], {
      isolationLevel: 'read_committed',
      maxWaitMs: 100,
    });
    out.push(...p!.records);
    if (p!.nextOffset === offset) break;
    offset = p!.nextOffset;
  }
  return out;
}

test(`PostgreSQL source, exactly.once.support=required: ${BOUNCES} kill -9 bounces on three workers; every row once, in order`, {
  timeout: 900_000,
}, async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-eos-'));
  dirs.push(dir);
  const group = uniqueName('pg_eos');
  const props = join(dir, 'worker.properties');
  await writeFile(
    props,
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
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=false',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=false',
      'session.timeout.ms=6000',
      'heartbeat.interval.ms=1000',
      'scheduled.rebalance.max.delay.ms=2000',
      'task.shutdown.graceful.timeout.ms=2000',
      'listeners=http://127.0.0.1:0',
    ].join('\n'),
  );
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'pg-eos-reader' });
  const prefix = uniqueName('pgeos');
  const table = 'eos_rows';
  const topic = `${prefix}.public.${table}`;
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text NOT NULL)`);
  await client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const workers = [new WorkerProcess(props), new WorkerProcess(props), new WorkerProcess(props)];
  const urlOf = new Map<WorkerProcess, string>();
  for (const w of workers) urlOf.set(w, await w.url);
  const live = () => workers.filter((w) => w.alive && urlOf.has(w));
  const anyUrl = () => urlOf.get(live()[Math.floor(Math.random() * live().length)]!)!;
  const workerAt = (id: string) => live().find((w) => hostPort(urlOf.get(w)!) === id);
  const name = 'pg-eos';
  const owner = async () =>
    eventually(`task 0 of ${name} RUNNING`, async () => {
      const r = await http(anyUrl(), 'GET', `/connectors/${name}/status`).catch(() => undefined);
      const t = (r?.body as ConnectorStateInfo | undefined)?.tasks?.[0];
      return r?.status === 200 && t?.state === 'RUNNING' ? t.worker_id : undefined;
    });
  let next = 0;
  let writing = false;
  let inserter: Promise<void> = Promise.resolve();
  const log: string[] = [];
  try {
    await eventually('connector created', async () => {
      const r = await http(
        anyUrl(),
        'PUT',
        `/connectors/${name}/config`,
        db.config({
          'topic.prefix': prefix,
          'table.include.list': `public.${table}`,
          'exactly.once.support': 'required',
        }),
      );
      if (r.status === 409 || r.status === 500) return undefined;
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return true;
    });
    await owner();
    // Stream from here on: a slot exists once the task runs (snapshot of the empty table done).
    await eventually('the replication slot', async () => {
      const r = await db.sql.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
        db.config()['slot.name'],
      ]);
      return r.rowCount === 1 ? true : undefined;
    });
    writing = true;
    inserter = (async () => {
      while (writing) {
        const first = next;
        await db.sql.query(
          `INSERT INTO ${table} SELECT g, 'row ' || g FROM generate_series(${first}, ${first + PER_TX - 1}) g`,
        );
        next += PER_TX;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const committed = async () => (await readCommitted(client, topic)).length;
    await eventually('first rows committed', async () => ((await committed()) > 50 ? true : undefined));
    for (let b = 0; b < BOUNCES; b++) {
      const taskOwner = await owner();
      const leader = live()
        .map((w) => w.lastLeaderUrl())
        .find((u) => u !== undefined);
      const kind = ['owner', 'leader', 'other'][b % 3]!;
      let victim: WorkerProcess | undefined;
      if (kind === 'owner') victim = workerAt(taskOwner);
      else if (kind === 'leader' && leader !== undefined) victim = workerAt(hostPort(leader));
      else victim = live().find((w) => hostPort(urlOf.get(w)!) !== taskOwner);
      victim ??= live()[0]!;
      const before = await committed();
      log.push(
        `bounce ${b}: kill -9 ${kind} ${hostPort(urlOf.get(victim)!)} (task on ${taskOwner}, ${before} committed)`,
      );
      await victim.kill9();
      const replacement = new WorkerProcess(props);
      workers.push(replacement);
      urlOf.set(replacement, await replacement.url);
      await owner();
      await eventually(`progress after bounce ${b}`, async () =>
        (await committed()) > before + 50 ? true : undefined,
      );
    }
    writing = false;
    await inserter;
    const total = next;
    const records = await eventually(`all ${total} rows committed`, async () => {
      const r = await readCommitted(client, topic);
      return r.length >= total ? r : undefined;
    }).catch(async (err) => {
      throw new Error(
        `${err.message}: ${(await readCommitted(client, topic)).length} of ${total}\n${log.join('\n')}`,
      );
    });
    const ids = records.map((r) => {
      const e = JSON.parse(r.value!.toString()) as { op: string; after: { id: number } };
      assert.equal(e.op, 'c');
      return e.after.id;
    });
    for (let i = 0; i < ids.length; i++)
      assert.equal(ids[i], i, `read_committed record ${i} is row ${ids[i]}: duplicate, gap or reorder`);
    assert.equal(ids.length, total, 'no row twice');
    log.push(`${total} rows, each once, in order`);
    console.log(log.join('\n'));
  } finally {
    writing = false;
    await inserter.catch(() => {});
    if (process.env.SLUICE_E2E_LOG_DIR)
      for (const [i, w] of workers.entries())
        await writeFile(join(process.env.SLUICE_E2E_LOG_DIR, `pg-eos-${i}.log`), w.output());
    await Promise.all(workers.map((w) => w.stop()));
    await client.close();
  }
});
