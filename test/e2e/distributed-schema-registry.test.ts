/**
 * Two `sluice distributed` workers (separate processes, real broker) serving one schema registry
 * kept in a shared `_schemas` topic: changes made through either worker are written by the group
 * leader (the follower forwards them, as Confluent's followers forward to their leader), so ids
 * stay unique under concurrent registrations through both; both workers answer the same; an
 * AvroConverter task reaches the registry through a worker that may be the follower; the topic
 * holds Confluent's records.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { eventually, uniqueName, useKafka, WorkerProcess } from '@sluice/testing';

// biome-ignore lint/suspicious/noExplicitAny: REST answers are checked by assertions, not by types
type Json = any;

const CT = 'application/vnd.schemaregistry.v1+json';
const dirs: string[] = [];

after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers:
      body === undefined ? {} : { 'content-type': path.startsWith('/connectors') ? 'application/json' : CT },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const record = (name: string, fields: string[]) =>
  JSON.stringify({ type: 'record', name, fields: fields.map((f) => ({ name: f, type: 'string' })) });

test('two distributed workers share one registry in the _schemas topic: unique ids, the same answers', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-dist-registry-'));
  dirs.push(dir);
  const group = uniqueName('e2e_registry');
  const topic = `${group}-schemas`;
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
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
      'offset.flush.interval.ms=500',
      'session.timeout.ms=6000',
      'heartbeat.interval.ms=1000',
      'scheduled.rebalance.max.delay.ms=2000',
      'listeners=http://127.0.0.1:0',
      'schema.registry.enable=true',
      `schema.registry.topic=${topic}`,
      'schema.registry.topic.replication.factor=1',
    ].join('\n'),
  );
  const a = new WorkerProcess(props);
  const b = new WorkerProcess(props);
  const urls = await Promise.all([a.url, b.url]);
  // Both joined the group: writes have a leader to go to.
  await eventually(
    'both workers in the group',
    async () => {
      for (const u of urls) if ((await call(u, 'GET', '/connectors')).status !== 200) return undefined;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

  // Concurrent registrations through both workers: every one answered, ids unique.
  const requests = Array.from({ length: 12 }, (_, i) => ({
    url: urls[i % 2]!,
    subject: `s${i}-value`,
    schema: record(`R${i}`, ['a', `f${i}`]),
  }));
  const answers = await Promise.all(
    requests.map((r) => call(r.url, 'POST', `/subjects/${r.subject}/versions`, { schema: r.schema })),
  );
  for (const [i, ans] of answers.entries())
    assert.equal(ans.status, 200, `${requests[i]!.subject}: ${JSON.stringify(ans.body)}`);
  const ids = answers.map((ans) => ans.body.id as number);
  assert.equal(new Set(ids).size, ids.length, `ids must be unique: ${ids}`);
  // Read-your-writes: the worker that answered a registration serves the schema at once.
  for (const [i, r] of requests.entries()) {
    const got = await call(r.url, 'GET', `/schemas/ids/${ids[i]}`);
    assert.equal(got.status, 200, `${r.url} /schemas/ids/${ids[i]}: ${JSON.stringify(got.body)}`);
    assert.equal(got.body.schema, r.schema);
  }

  // Both workers give the same answers (the follower catches up by reading the topic).
  for (const u of urls) {
    await eventually(
      `${u} has every subject`,
      async () => ((await call(u, 'GET', '/subjects')).body.length === 12 ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    for (const [i, r] of requests.entries()) {
      const got = await call(u, 'GET', `/schemas/ids/${ids[i]}`);
      assert.equal(got.body.schema, r.schema);
    }
  }
  // A compatibility change through one worker is seen by the other.
  assert.equal((await call(urls[1]!, 'PUT', '/config/s0-value', { compatibility: 'NONE' })).status, 200);
  await eventually(
    'the config on the other worker',
    async () =>
      (await call(urls[0]!, 'GET', '/config/s0-value')).body.compatibilityLevel === 'NONE' ? true : undefined,
    { timeoutMs: 20_000, intervalMs: 100 },
  );

  // AvroConverter tasks spread over both workers, with both workers' URLs as schema.registry.url
  // (follower first): each task uses its own worker's registry in-process; the follower's sends
  // its registration on to the leader. Each schema gets a new id.
  const leaders = [a, b].map((w) => w.lastLeaderUrl());
  const leader = leaders.find((l) => l !== undefined)!.replace(/\/$/, '');
  assert.ok(urls.includes(leader), `leader ${leader} is one of ${urls}`);
  const follower = urls.find((u) => u !== leader)!;
  const input = join(dir, 'in.txt');
  await writeFile(input, 'one\ntwo\n');
  const sources = ['avro-1', 'avro-2', 'avro-3', 'avro-4'];
  for (const name of sources) {
    const created = await call(urls[0]!, 'POST', '/connectors', {
      name,
      config: {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: `${group}-${name}`,
        'tasks.max': '1',
        'value.converter': 'io.confluent.connect.avro.AvroConverter',
        'value.converter.schema.registry.url': `${follower},${leader}`,
        'value.converter.request.timeout.ms': '5000',
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  const newIds = new Set<number>();
  for (const name of sources) {
    const latest = await eventually(
      `${name} registered its schema`,
      async () => {
        const got = await call(leader, 'GET', `/subjects/${group}-${name}-value/versions/latest`);
        return got.status === 200 ? got.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch(async (e) => {
      const all = await call(urls[0]!, 'GET', '/connectors?expand=status');
      throw new Error(
        `${(e as Error).message}\n${JSON.stringify(all.body, null, 1).slice(0, 6000)}\nleader ${leader}`,
      );
    });
    assert.equal(latest.schema, '"string"');
    newIds.add(latest.id);
  }
  assert.equal(newIds.size, 1, 'the same schema has one id under every subject');
  assert.ok(!ids.includes([...newIds][0]!), 'a new id');
  const states = await eventually(
    'the tasks running on both workers',
    async () => {
      const all = await call(urls[0]!, 'GET', '/connectors?expand=status');
      const tasks = sources.flatMap((n) => all.body[n]?.status.tasks ?? []);
      return tasks.length === 4 ? tasks : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  assert.deepEqual(
    states.map((t: Json) => t.state),
    ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'],
  );
  assert.equal(new Set(states.map((t: Json) => t.worker_id)).size, 2, 'tasks on both workers');

  // The topic holds Confluent's records: one SCHEMA record per registration, one CONFIG record.
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'e2e-registry-check' });
  try {
    const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
    const keys: Json[] = [];
    let offset = 0;
    while (offset < end!.offset) {
      const [part] = await client.fetch([{ topic, partition: 0, offset }]);
      for (const r of part!.records) keys.push(JSON.parse(r.key!.toString()));
      offset = part!.nextOffset;
    }
    assert.equal(keys.filter((k) => k.keytype === 'SCHEMA' && k.magic === 1).length, 16);
    assert.deepEqual(
      keys.filter((k) => k.keytype === 'CONFIG'),
      [{ keytype: 'CONFIG', subject: 's0-value', magic: 0 }],
    );
  } finally {
    await client.close();
  }

  for (const w of [a, b]) await w.stop();
});
