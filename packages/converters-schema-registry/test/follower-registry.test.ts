/**
 * A converter in a worker that shares the schemas topic but is not its writer (a distributed
 * follower): its registrations are answered by the worker's in-process registry with the
 * writer's URL, and the converter sends them there; reads stay with the worker's own registry.
 * Before the group has a leader, a registration is Confluent's 50004 (retried, then a
 * RetriableException). The cluster-level behaviour is in test/e2e/distributed-schema-registry.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetriableError, Schema } from '@sluice/api';
import { registerWorkerRegistryLocally } from '@sluice/runtime';
import { MemoryStorage, SchemaRegistry, startRegistryServer } from '@sluice/schema-registry';
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
