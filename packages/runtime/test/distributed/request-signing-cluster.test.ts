/**
 * Internal request signing (KIP-507) on a real broker: two distributed herders in one process,
 * each with its REST server. The leader writes and rotates the session key; a follower's
 * forwarded task configs are signed and accepted; unsigned, wrongly signed or foreign-algorithm
 * requests get Kafka's answers; with `connect.protocol=eager` nothing is signed or checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder, PlatformaticLogClient } from '@sluice/runtime';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import { pino } from 'pino';
import type { SessionKey } from '../../src/distributed/config-records.ts';
import { signatureHeaders } from '../../src/distributed/request-signing.ts';
import {
  distributedTestProps,
  http,
  leaderAndFollower,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';

let bootstrapServers: string;
let dir: string;
let client: PlatformaticLogClient;

before(async () => {
  ({ bootstrapServers } = await useKafka());
  dir = await mkdtemp(join(tmpdir(), 'sluice-sign-'));
  client = new PlatformaticLogClient({ bootstrapServers, clientId: 'request-signing-test' });
});
after(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

const startWorker = (group: string, extra: Record<string, string> = {}) =>
  startDistributedTestWorker(distributedTestProps(bootstrapServers, group, extra));
const stopWorker = stopDistributedTestWorker;

function signed(key: Uint8Array, body: unknown, algorithm = 'HmacSHA256'): Record<string, string> {
  return signatureHeaders(key, algorithm, Buffer.from(JSON.stringify(body), 'utf8'));
}

/** The raw `session-key` records of the config topic, in order. */
async function sessionKeyRecords(topic: string): Promise<string[]> {
  const [end] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  const out: string[] = [];
  let offset = 0;
  while (offset < end!.offset) {
    const [p] = await client.fetch([{ topic, partition: 0, offset }]);
    for (const r of p!.records)
      if (r.key?.toString() === 'session-key') out.push(r.value === null ? 'null' : r.value.toString('utf8'));
    offset = p!.nextOffset;
  }
  return out;
}

function sameKey(a: SessionKey | null, b: SessionKey | null): boolean {
  return a !== null && b !== null && Buffer.from(a.key).equals(Buffer.from(b.key));
}

const MISSING = 'Internal request missing required signature';
const INVALID = 'Internal request contained invalid signature.';

describe('internal request signing (KIP-507)', { timeout: 180_000 }, () => {
  test('sessioned: key written and rotated by the leader, forwarded task configs signed, bad requests refused', async () => {
    const group = uniqueName('sign');
    const ttlMs = 6000;
    const a = await startWorker(group, { 'inter.worker.key.ttl.ms': String(ttlMs) });
    const b = await startWorker(group, { 'inter.worker.key.ttl.ms': String(ttlMs) });
    try {
      const [leader, follower] = await leaderAndFollower(a, b);
      const first = await eventually('both workers read the same session key', async () =>
        sameKey(leader.herder.sessionKey, follower.herder.sessionKey) ? leader.herder.sessionKey! : undefined,
      );
      assert.equal(first.algorithm, 'HmacSHA256');
      assert.equal(first.key.length, 32);

      // Kafka's record format: {"key": base64, "algorithm": ..., "creation-timestamp": ms}.
      const records = await sessionKeyRecords(`${group}-configs`);
      assert.ok(records.length >= 1);
      const parsed = JSON.parse(records.at(-1)!) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['key', 'algorithm', 'creation-timestamp']);
      assert.equal(parsed.key, Buffer.from(first.key).toString('base64'));
      assert.equal(parsed.algorithm, 'HmacSHA256');
      assert.equal(parsed['creation-timestamp'], first.creationTimestamp);
      assert.equal(
        records.at(-1),
        `{"key":"${parsed.key}","algorithm":"HmacSHA256","creation-timestamp":${first.creationTimestamp}}`,
      );

      // Connectors spread over both workers: those on the follower have their task configs
      // forwarded to the leader, signed, and accepted (204).
      const names = [uniqueName('src'), uniqueName('src'), uniqueName('src'), uniqueName('src')];
      for (const name of names) {
        const input = join(dir, `${name}.txt`);
        await writeFile(input, 'x\n');
        const r = await http(leader.url, 'POST', '/connectors', {
          name,
          config: { 'connector.class': 'FileStreamSource', file: input, topic: uniqueName('t') },
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      const owners = await eventually('every connector RUNNING with its task', async () => {
        const out = new Map<string, string>();
        for (const name of names) {
          const s = await http(leader.url, 'GET', `/connectors/${name}/status`);
          if (s.status !== 200 || s.body.connector.state !== 'RUNNING' || s.body.tasks.length !== 1)
            return undefined;
          out.set(name, s.body.connector.worker_id);
        }
        return out;
      });
      const onFollower = names.filter((n) => owners.get(n) === follower.herder.workerId);
      assert.ok(onFollower.length > 0, `no connector on the follower: ${JSON.stringify([...owners])}`);
      for (const name of onFollower)
        assert.ok(
          leader.access.some((l) => l.startsWith(`POST /connectors/${name}/tasks`) && l.endsWith(' 204')),
          `forwarded task configs of ${name} accepted: ${leader.access.join('\n')}`,
        );
      assert.ok(
        !leader.access.some((l) => l.includes('/tasks') && / 40\d$/.test(l)),
        leader.access.join('\n'),
      );

      const name = names[0]!;
      const configs = (await http(leader.url, 'GET', `/connectors/${name}/tasks`)).body.map(
        (t: { config: Record<string, string> }) => t.config,
      );
      const path = `/connectors/${name}/tasks`;

      // Unsigned ⇒ 400, on the leader and on a follower (checked before forwarding).
      for (const w of [leader, follower]) {
        const r = await http(w.url, 'POST', path, configs);
        assert.equal(r.status, 400);
        assert.deepEqual(r.body, { error_code: 400, message: MISSING });
      }
      // Only one of the two headers ⇒ missing as well.
      const half = { 'X-Connect-Authorization': signed(first.key, configs)['X-Connect-Authorization']! };
      assert.equal((await http(leader.url, 'POST', path, configs, half)).body.message, MISSING);

      // A wrong key or a body other than the one signed ⇒ 403.
      const wrongKey = new Uint8Array(32).fill(7);
      let r = await http(leader.url, 'POST', path, configs, signed(wrongKey, configs));
      assert.deepEqual([r.status, r.body.message], [403, INVALID]);
      r = await http(leader.url, 'POST', path, [...configs, {}], signed(first.key, configs));
      assert.deepEqual([r.status, r.body.message], [403, INVALID]);

      // An unknown algorithm, or one this worker does not accept ⇒ 400.
      r = await http(leader.url, 'POST', path, configs, {
        ...signed(first.key, configs),
        'X-Connect-Request-Signature-Algorithm': 'HmacNope',
      });
      assert.deepEqual([r.status, r.body.message], [400, 'Algorithm HmacNope not available']);
      r = await http(leader.url, 'POST', path, configs, signed(first.key, configs, 'HmacSHA512'));
      assert.equal(r.status, 400);
      assert.match(r.body.message, /^This worker does not support the 'HmacSHA512' key signing algorithm/);

      // The fence endpoint is checked the same way.
      r = await http(leader.url, 'PUT', `/connectors/${name}/fence`);
      assert.deepEqual([r.status, r.body.message], [400, MISSING]);
      r = await http(leader.url, 'PUT', `/connectors/${name}/fence`, undefined, {
        ...signatureHeaders(wrongKey, 'HmacSHA256', new Uint8Array()),
      });
      assert.deepEqual([r.status, r.body.message], [403, INVALID]);

      // Properly signed ⇒ 204, on the leader and through a follower (which re-signs when forwarding).
      const current = leader.herder.sessionKey!;
      r = await http(leader.url, 'POST', path, configs, signed(current.key, configs));
      assert.equal(r.status, 204, JSON.stringify(r.body));
      r = await http(follower.url, 'POST', path, configs, signed(current.key, configs));
      assert.equal(r.status, 204, JSON.stringify(r.body));
      r = await http(follower.url, 'PUT', `/connectors/${name}/fence`, undefined, {
        ...signatureHeaders(current.key, 'HmacSHA256', new Uint8Array()),
      });
      assert.equal(r.status, 204, JSON.stringify(r.body));

      // Rotation after inter.worker.key.ttl.ms: a new key on both workers, newer, a new record.
      const rotated = await eventually(
        'a rotated key on both workers',
        async () => {
          const k = leader.herder.sessionKey;
          return k !== null && !sameKey(k, first) && sameKey(k, follower.herder.sessionKey) ? k : undefined;
        },
        ttlMs * 3,
      );
      assert.ok(rotated.creationTimestamp >= first.creationTimestamp + ttlMs - 50, 'rotated after the TTL');
      const after = await sessionKeyRecords(`${group}-configs`);
      assert.ok(after.length > records.length);
      assert.equal(JSON.parse(after.at(-1)!).key, Buffer.from(rotated.key).toString('base64'));

      // The new key signs; the old one no longer does.
      const latest = leader.herder.sessionKey!;
      r = await http(leader.url, 'POST', path, configs, signed(latest.key, configs));
      assert.equal(r.status, 204, JSON.stringify(r.body));
      r = await http(leader.url, 'POST', path, configs, signed(first.key, configs));
      assert.deepEqual([r.status, r.body.message], [403, INVALID]);

      // A follower's forwarded task configs still pass with the rotated key: reconfigure one of
      // its connectors (a new file) and the new task config is committed.
      const target = onFollower[0]!;
      const newFile = join(dir, `${target}-2.txt`);
      await writeFile(newFile, 'y\n');
      const cfg = (await http(leader.url, 'GET', `/connectors/${target}/config`)).body;
      const before = leader.access.length;
      r = await http(leader.url, 'PUT', `/connectors/${target}/config`, { ...cfg, file: newFile });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await eventually('the new task config committed', async () => {
        const t = await http(leader.url, 'GET', `/connectors/${target}/tasks`);
        return t.body?.[0]?.config?.file === newFile ? true : undefined;
      });
      assert.ok(
        leader.access
          .slice(before)
          .some((l) => l.startsWith(`POST /connectors/${target}/tasks`) && l.endsWith(' 204')),
        leader.access.slice(before).join('\n'),
      );
    } finally {
      await stopWorker(b);
      await stopWorker(a);
    }
  });

  test('eager: no session key, internal requests neither signed nor checked', async () => {
    const group = uniqueName('sign_eager');
    const w = await startWorker(group, { 'connect.protocol': 'eager' });
    try {
      const name = uniqueName('src');
      const input = join(dir, `${name}.txt`);
      await writeFile(input, 'x\n');
      const created = await http(w.url, 'POST', '/connectors', {
        name,
        config: { 'connector.class': 'FileStreamSource', file: input, topic: uniqueName('t') },
      });
      assert.equal(created.status, 201);
      await eventually('task configs committed', async () => {
        const t = await http(w.url, 'GET', `/connectors/${name}/tasks`);
        return t.body?.length === 1 ? true : undefined;
      });
      const r = await http(w.url, 'POST', `/connectors/${name}/tasks`, [{ file: input, topic: 'x' }]);
      assert.equal(r.status, 204, JSON.stringify(r.body));
      assert.equal(w.herder.sessionKey, null);
      assert.deepEqual(await sessionKeyRecords(`${group}-configs`), []);
    } finally {
      await stopWorker(w);
    }
  });

  test('an unsupported signing algorithm is refused at creation, naming the key', async () => {
    await assert.rejects(
      DistributedHerder.create(
        distributedTestProps(bootstrapServers, uniqueName('sign_bad'), {
          'inter.worker.signature.algorithm': 'HmacSHA1',
          'inter.worker.verification.algorithms': 'HmacSHA256',
        }),
        { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
      ),
      /inter\.worker\.signature\.algorithm: Signature algorithm must be present in inter\.worker\.verification\.algorithms list/,
    );
  });
});
