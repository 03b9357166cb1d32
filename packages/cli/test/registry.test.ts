import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka } from '@sluice/testing';
import { runRegistry } from '../src/registry.ts';

function start(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (c) => {
    text += String(c);
  });
  let errText = '';
  err.on('data', (c) => {
    errText += String(c);
  });
  let stop!: () => void;
  const stopped = new Promise<void>((r) => {
    stop = r;
  });
  const code = runRegistry(args, out, err, stopped);
  const url = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening at (http:\/\/\S+)/.exec(text);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 20);
    code.then((c) => {
      clearInterval(timer);
      reject(new Error(`exited ${c}: ${errText}`));
    });
  });
  url.catch(() => {}); // awaited only by the tests that expect a start
  return { url, stop, code, err: () => errText };
}

test('sluice registry serves the registry and keeps schemas in --data across restarts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-registry-cli-'));
  try {
    const data = join(dir, 'schemas.log');
    const first = start(['--port', '0', '--data', data]);
    const url = await first.url;
    const res = await fetch(`${url}/subjects/t-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: '"string"' }),
    });
    assert.deepEqual(await res.json(), { id: 1 });
    first.stop();
    assert.equal(await first.code, 0);
    const second = start(['--port', '0', '--data', data, '--compatibility', 'full']);
    const url2 = await second.url;
    assert.deepEqual(await (await fetch(`${url2}/subjects`)).json(), ['t-value']);
    assert.deepEqual(await (await fetch(`${url2}/config`)).json(), { compatibilityLevel: 'FULL' });
    second.stop();
    assert.equal(await second.code, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("sluice registry --bootstrap-servers keeps the schemas in a Kafka topic in Confluent's format", async () => {
  const { bootstrapServers } = await useKafka();
  const topic = uniqueName('registry-cli-schemas');
  const args = [
    '--port',
    '0',
    '--bootstrap-servers',
    bootstrapServers,
    '--topic',
    topic,
    '--replication-factor',
    '1',
  ];
  const first = start(args);
  const url = await first.url;
  const res = await fetch(`${url}/subjects/k-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: '"long"' }),
  });
  assert.deepEqual(await res.json(), { id: 1 });
  first.stop();
  assert.equal(await first.code, 0);
  const second = start(args);
  const url2 = await second.url;
  assert.deepEqual(await (await fetch(`${url2}/subjects/k-value/versions/1`)).json(), {
    subject: 'k-value',
    version: 1,
    id: 1,
    schema: '"long"',
  });
  second.stop();
  assert.equal(await second.code, 0);
  const client = new PlatformaticLogClient({ bootstrapServers, clientId: 'registry-cli-test' });
  try {
    const [part] = await client.fetch([{ topic, partition: 0, offset: 0 }]);
    assert.deepEqual(
      part!.records.map((r) => r.key!.toString()),
      ['{"keytype":"SCHEMA","subject":"k-value","version":1,"magic":1}'],
    );
  } finally {
    await client.close();
  }
});

test('sluice registry: a bad command line is exit code 2 with the reason', async () => {
  for (const args of [
    ['--port', 'x'],
    ['--compatibility', 'sideways'],
    ['--nope'],
    ['--data', 'x', '--bootstrap-servers', '127.0.0.1:1'],
    ['--tls-cert', 'only-cert.pem'],
  ]) {
    const r = start(args);
    assert.equal(await r.code, 2, args.join(' '));
    assert.ok(r.err().length > 0);
  }
});
