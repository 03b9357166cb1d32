/**
 * `sluice standalone` on the embedded log with Confluent's AvroConverter and
 * `schema.registry.url` = the worker's own URL: the worker serves the registry, no other server
 * runs. The lines go file → Avro in the embedded log → file, the schema is registered in the
 * worker's registry, and `GET /` is still Kafka Connect's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmbeddedLogClient } from '@sluice/runtime';
import { freePort, waitFor } from '@sluice/testing';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/sluice.mjs', import.meta.url));

test('an Avro pipeline on the embedded log with the worker as its own schema registry', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const lines = Array.from({ length: 30 }, (_, i) => `row ${i}`);
  await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
  await writeFile(
    join(dir, 'worker.properties'),
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      'key.converter=io.confluent.connect.avro.AvroConverter',
      `key.converter.schema.registry.url=${url}`,
      'value.converter=io.confluent.connect.avro.AvroConverter',
      `value.converter.schema.registry.url=${url}`,
      'offset.flush.interval.ms=300',
      `listeners=${url}`,
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'source.properties'),
    ['name=src', 'connector.class=FileStreamSource', `file=${join(dir, 'in.txt')}`, 'topic=avro-lines'].join(
      '\n',
    ),
  );
  await writeFile(
    join(dir, 'sink.properties'),
    ['name=sink', 'connector.class=FileStreamSink', `file=${join(dir, 'out.txt')}`, 'topics=avro-lines'].join(
      '\n',
    ),
  );
  const child = spawn(
    process.execPath,
    [
      BIN,
      'standalone',
      join(dir, 'worker.properties'),
      join(dir, 'source.properties'),
      join(dir, 'sink.properties'),
    ],
    { env: { ...process.env, SLUICE_NODE: process.execPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  try {
    await waitFor(
      'every line in the output file',
      async () => {
        // Not there yet until the sink's first write.
        const text = await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '');
        return text === `${lines.join('\n')}\n`;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
    assert.deepEqual(subjects, ['avro-lines-value']);
    const latest = (await (await fetch(`${url}/subjects/avro-lines-value/versions/latest`)).json()) as {
      schema: string;
      version: number;
    };
    assert.deepEqual([latest.schema, latest.version], ['"string"', 1]);
    // Confluent's media type only: answered by the registry, not refused as non-JSON.
    const vnd = await fetch(`${url}/schemas/ids/1`, {
      headers: { accept: 'application/vnd.schemaregistry.v1+json' },
    });
    assert.equal(vnd.status, 200);
    const root = (await (await fetch(`${url}/`)).json()) as Record<string, unknown>;
    assert.ok('kafka_cluster_id' in root, "GET / stays Kafka Connect's");
    const statuses = (await (await fetch(`${url}/connectors?expand=status`)).json()) as Record<
      string,
      { status: { tasks: { state: string }[] } }
    >;
    assert.deepEqual(
      Object.values(statuses).map((s) => s.status.tasks.map((t) => t.state)),
      [['RUNNING'], ['RUNNING']],
    );
    // The schema is kept in the embedded log's _schemas topic, as Confluent's registry keeps it.
    child.kill('SIGTERM');
    await once(child, 'exit');
    const log = await EmbeddedLogClient.open({ dir: join(dir, 'data') });
    try {
      const [part] = await log.fetch([{ topic: '_schemas', partition: 0, offset: 0 }]);
      const schemaRecords = part!.records
        .map((r) => [r.key!.toString(), JSON.parse(r.value!.toString())])
        .filter(([k]) => JSON.parse(k as string).keytype === 'SCHEMA');
      assert.deepEqual(schemaRecords, [
        [
          '{"keytype":"SCHEMA","subject":"avro-lines-value","version":1,"magic":1}',
          {
            subject: 'avro-lines-value',
            version: 1,
            id: 1,
            schemaType: 'AVRO',
            schema: '"string"',
            deleted: false,
          },
        ],
      ]);
    } finally {
      await log.close();
    }
    assert.equal(existsSync(join(dir, 'data', '_schemas.log')), false, 'no registry file any more');
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
});

test('a worker that already keeps its schemas in <embedded.log.dir>/_schemas.log keeps using that file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-registry-file-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await mkdir(join(dir, 'data'), { recursive: true });
  // The file an earlier Sluice wrote: one registered schema with id 5.
  await writeFile(
    join(dir, 'data', '_schemas.log'),
    `${JSON.stringify({ t: 'schema', subject: 'old-value', version: 1, id: 5, schemaType: 'AVRO', schema: '"string"', references: [] })}\n`,
  );
  await writeFile(
    join(dir, 'worker.properties'),
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      `listeners=${url}`,
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter=org.apache.kafka.connect.storage.StringConverter',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [BIN, 'standalone', join(dir, 'worker.properties')], {
    env: { ...process.env, SLUICE_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString();
  });
  try {
    await waitFor(
      'the registry',
      async () => (await fetch(`${url}/subjects`).catch(() => undefined))?.status === 200,
      30_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${output}`);
    });
    assert.deepEqual(await (await fetch(`${url}/subjects`)).json(), ['old-value']);
    assert.equal(
      ((await (await fetch(`${url}/schemas/ids/5`)).json()) as { schema: string }).schema,
      '"string"',
    );
    assert.match(output, /_schemas\.log exists \(set schema\.registry\.storage=log/);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
});
