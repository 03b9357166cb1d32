/**
 * A standalone worker rides out a Kafka broker restart without manual action: a FileStream source
 * → topic → FileStream sink pipeline keeps receiving numbered lines while the broker is killed
 * (SIGKILL) and started again on the same port and data; every line arrives (at least once), and
 * both tasks are RUNNING afterwards. The broker is this test's own, since it is restarted.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StandaloneHerder } from '@sluice/runtime';
import { type KafkaServer, startKafka, uniqueName } from '@sluice/testing';
import { pino } from 'pino';

let kafka: KafkaServer | undefined;
const dirs: string[] = [];
after(async () => {
  await kafka?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a broker restart mid-pipeline: every line arrives and the tasks keep running', async () => {
  kafka = await startKafka({ ownerPid: process.pid, log: () => {} });
  const dir = await mkdtemp(join(tmpdir(), 'sluice-broker-restart-'));
  dirs.push(dir);
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  await writeFile(input, '');
  const herder = await StandaloneHerder.create(
    {
      'bootstrap.servers': kafka.bootstrapServers,
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'offset.storage.file.filename': join(dir, 'offsets'),
      'offset.flush.interval.ms': '500',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' }) },
  );
  await herder.start();
  try {
    const topic = uniqueName('restart');
    await herder.putConnectorConfig(
      'source',
      { 'connector.class': 'FileStreamSource', file: input, topic },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'sink',
      { 'connector.class': 'FileStreamSink', file: output, topics: topic },
      { allowReplace: false },
    );
    let next = 0;
    const writeLines = async (count: number) => {
      let text = '';
      for (let i = 0; i < count; i++) text += `line ${next++}\n`;
      await appendFile(input, text);
    };
    const received = async () =>
      new Set((await readFile(output, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''));
    await writeLines(1000);
    await waitFor('the first lines', async () => (await received()).size >= 1000, 30_000);

    await kafka.restart({ kill: true, downMs: 2000 });
    await writeLines(1000); // written while the broker was coming back
    await waitFor('every line after the restart', async () => (await received()).size >= 2000, 60_000).catch(
      async (err) => {
        const statuses = await Promise.all(['source', 'sink'].map((n) => herder.connectorStatus(n)));
        throw new Error(`${err.message}: ${(await received()).size} lines; ${JSON.stringify(statuses)}`);
      },
    );
    await writeLines(500);
    await waitFor('lines written after the restart', async () => (await received()).size >= 2500, 30_000);

    const got = await received();
    for (let i = 0; i < next; i++) assert.ok(got.has(`line ${i}`), `line ${i} arrived`);
    for (const name of ['source', 'sink']) {
      const status = await herder.connectorStatus(name);
      assert.equal(status.tasks[0]?.state, 'RUNNING', `${name}: ${status.tasks[0]?.trace ?? ''}`);
    }
  } finally {
    await herder.stop();
  }
});
