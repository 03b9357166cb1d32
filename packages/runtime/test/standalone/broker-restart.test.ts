/**
 * A standalone worker rides out a Kafka broker restart without manual action: a FileStream source
 * → topic → FileStream sink pipeline keeps receiving numbered lines while the broker is killed
 * (SIGKILL) and started again on the same port and data; every line arrives (at least once), and
 * both tasks are RUNNING afterwards. The broker is this test's own, since it is restarted.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type KafkaServer, startKafka, uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

let kafka: KafkaServer | undefined;
after(async () => {
  await kafka?.stop();
});
const tempDir = useTempDirs('sluice-broker-restart-');
const every200ms = (timeoutMs: number) => ({ timeoutMs, intervalMs: 200 });

test('a broker restart mid-pipeline: every line arrives and the tasks keep running', async () => {
  kafka = await startKafka({ ownerPid: process.pid, log: () => {} });
  const dir = await tempDir();
  const input = join(dir, 'in.txt');
  const output = join(dir, 'out.txt');
  await writeFile(input, '');
  const herder = await startTestHerder({
    dir,
    log: kafka,
    props: { 'offset.flush.interval.ms': '500' },
    logLevel: process.env.SLUICE_TEST_LOG ?? 'silent',
  });
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
    await waitFor('the first lines', async () => (await received()).size >= 1000, every200ms(30_000));

    await kafka.restart({ kill: true, downMs: 2000 });
    await writeLines(1000); // written while the broker was coming back
    await waitFor(
      'every line after the restart',
      async () => (await received()).size >= 2000,
      every200ms(60_000),
    ).catch(async (err) => {
      const statuses = await Promise.all(['source', 'sink'].map((n) => herder.connectorStatus(n)));
      throw new Error(`${err.message}: ${(await received()).size} lines; ${JSON.stringify(statuses)}`);
    });
    await writeLines(500);
    await waitFor(
      'lines written after the restart',
      async () => (await received()).size >= 2500,
      every200ms(30_000),
    );

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
