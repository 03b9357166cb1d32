/**
 * A converter in a worker that shares the schemas topic but is not its writer (a distributed
 * follower): its registrations are answered by the worker's in-process registry with the
 * writer's URL, and the converter sends them there; reads stay with the worker's own registry.
 * Before the group has a leader, a registration is Confluent's 50004 (retried, then a
 * RetriableException). The cluster-level behaviour is in test/e2e/distributed-schema-registry.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { RetriableError, Schema } from '@sluice/api';
import { registerWorkerRegistryLocally } from '@sluice/runtime';
import {
  MemoryStorage,
  SchemaRegistry,
  schemaRegistryPlugin,
  startRegistryServer,
  WRITER_REDIRECT_HEADER,
} from '@sluice/schema-registry';
import Fastify from 'fastify';
import { AvroConverter } from '../src/index.ts';
import { freePort } from './sluice-registry-process.ts';

test("a follower's converter registers through the writer and reads from its own registry", async () => {
  const writer = new SchemaRegistry(new MemoryStorage());
  const server = await startRegistryServer(writer);
  const follower = new SchemaRegistry(new MemoryStorage());
  const port = await freePort();
  let leader = '';
  const undo = registerWorkerRegistryLocally(follower, [{ host: '127.0.0.1', port }], () => leader);
  try {
    const converter = new AvroConverter();
    converter.configure({ 'schema.registry.url': `http://127.0.0.1:${port}`, 'max.retries': '0' }, false);
    // No leader yet: Confluent's "Unknown leader", retriable.
    assert.throws(
      () => converter.fromConnectData('follower-topic', Schema.STRING_SCHEMA, 'a'),
      (err: Error) => err instanceof RetriableError && /HTTP 500 Unknown leader/.test(err.message),
    );
    leader = `${server.url}/`;
    const bytes = converter.fromConnectData('follower-topic', Schema.STRING_SCHEMA, 'a')!;
    assert.equal(Buffer.from(bytes).readInt32BE(1), 1);
    assert.deepEqual(writer.subjects(), ['follower-topic-value'], 'the writer registered it');
    assert.deepEqual(follower.subjects(), [], 'not the follower');
    // Reads are answered by the follower's own registry (which, sharing the topic, would have it).
    follower.register('follower-topic-value', { schema: '"string"' });
    const reader = new AvroConverter();
    reader.configure({ 'schema.registry.url': `http://127.0.0.1:${port}` }, false);
    assert.equal(reader.toConnectData('follower-topic', bytes).value, 'a');
  } finally {
    undo();
    await server.close();
  }
});

test("over HTTP a follower answers a Sluice converter's change with the writer's URL, and forwards other clients' changes", async () => {
  const writer = new SchemaRegistry(new MemoryStorage());
  const server = await startRegistryServer(writer);
  const follower = new SchemaRegistry(new MemoryStorage());
  const app = Fastify();
  await app.register(schemaRegistryPlugin, { registry: follower, writerUrl: () => server.url });
  const followerUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    // A Sluice converter's request (its header): 421 and the writer's URL, nothing forwarded.
    const redirected = await fetch(`${followerUrl}/subjects/http-follower-value/versions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.schemaregistry.v1+json',
        [WRITER_REDIRECT_HEADER]: 'true',
      },
      body: JSON.stringify({ schema: '"long"' }),
    });
    assert.equal(redirected.status, 421);
    assert.equal(((await redirected.json()) as { location: string }).location, server.url);
    assert.deepEqual(writer.subjects(), []);
    // Reads are the follower's own, redirect header or not.
    const read = await fetch(`${followerUrl}/subjects`, { headers: { [WRITER_REDIRECT_HEADER]: 'true' } });
    assert.deepEqual(await read.json(), []);
    // Any other client (curl, Confluent's): the follower forwards and returns the writer's answer.
    const res = await fetch(`${followerUrl}/subjects/other-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: '"string"' }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 1 });
    assert.deepEqual(writer.subjects(), ['other-value']);
    assert.deepEqual(follower.subjects(), []);
  } finally {
    await app.close();
    await server.close();
  }
});

test('a converter told 421 with a location over HTTP sends the change there', async () => {
  const writer = new SchemaRegistry(new MemoryStorage());
  const server = await startRegistryServer(writer);
  // A stand-in for a follower in another process: every request is answered 421 with the writer's URL.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(421, { 'content-type': 'application/json' }); s.end(JSON.stringify({ error_code: 421, message: 'writer elsewhere', location: process.argv[1] })); }); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`,
      server.url,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const converter = new AvroConverter();
    converter.configure(
      { 'schema.registry.url': `http://127.0.0.1:${chunk.toString().trim()}`, 'max.retries': '0' },
      false,
    );
    const bytes = Buffer.from(converter.fromConnectData('redirected', Schema.INT64_SCHEMA, 5n)!);
    assert.equal(bytes.readInt32BE(1), 1);
    assert.deepEqual(writer.subjects(), ['redirected-value']);
  } finally {
    child.kill('SIGTERM');
    await server.close();
  }
});
