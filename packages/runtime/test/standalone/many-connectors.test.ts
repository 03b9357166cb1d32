/**
 * Many FileStream source connectors in one standalone worker on the embedded log, with a short
 * offset flush interval and every task flushing each interval: the offsets file is written a
 * bounded number of times (writes are coalesced, not one whole-file write per task flush), no
 * flush times out, and deleting a connector waits for a bounded number of offset-file writes (its
 * task's final flush), not for a queue of other tasks' writes. Counted in the store's write events, not
 * timed: speed targets are in benchmarks/many-connectors.
 */
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { waitFor } from '@sluice/testing';
import { pino } from 'pino';
import { useTempDirs } from '../helpers/standalone-worker.ts';

const CONNECTORS = Number(process.env.SLUICE_MANY_CONNECTORS ?? 200);
const FLUSH_MS = 100;
const tempDir = useTempDirs('sluice-many-connectors-');

test(`${CONNECTORS} FileStream sources flushing every ${FLUSH_MS} ms: no flush time-out, offset writes coalesced, deletes wait for at most four writes`, async () => {
  const dir = await tempDir();
  /** The worker's log lines of interest, in order. */
  const events: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const { level, msg } = JSON.parse(line) as { level: number; msg: string };
        if (level >= 40 || msg.startsWith('Wrote ')) events.push({ level, msg });
      },
    },
  );
  const herder = await StandaloneHerder.create(
    {
      'embedded.log.dir': join(dir, 'data'),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'offset.storage.file.filename': join(dir, 'offsets'),
      'offset.flush.interval.ms': String(FLUSH_MS),
      listeners: 'http://127.0.0.1:0',
    },
    { logger, plugins: builtinPlugins('1') },
  );
  await herder.start();
  const writes = () => events.filter((e) => e.msg.startsWith('Wrote ')).length;
  const problems = () =>
    events.filter((e) => e.level >= 40 && /flush|Graceful stop|abandon/i.test(e.msg)).map((e) => e.msg);
  const files = Array.from({ length: CONNECTORS }, (_, i) => join(dir, `in-${i}.txt`));
  let appending = true;
  let appender: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < CONNECTORS; i++) {
      await writeFile(files[i]!, 'first\n');
      await herder.putConnectorConfig(
        `source-${i}`,
        { 'connector.class': 'FileStreamSource', file: files[i]!, topic: `t-${i % 10}` },
        { allowReplace: false },
      );
    }
    await waitFor(
      'every task RUNNING',
      async () => {
        for (let i = 0; i < CONNECTORS; i++) {
          if ((await herder.connectorStatus(`source-${i}`)).tasks[0]?.state !== 'RUNNING') return false;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    // Every task has new lines, and so offsets to flush, every flush interval.
    appender = (async () => {
      let n = 0;
      while (appending) {
        await Promise.all(files.map((f) => appendFile(f, `line ${n}\n`)));
        n++;
        await sleep(FLUSH_MS / 2);
      }
    })();
    const flushesBefore = writes();
    const intervals = 20;
    await sleep(intervals * FLUSH_MS);
    const during = writes() - flushesBefore;
    assert.ok(during > 0, 'the offsets file is written while the tasks produce');
    // One write per task flush would be ~CONNECTORS per interval (4,000 here). Coalesced, a write
    // covers every flush made while the previous one ran, so the writes follow one another at the
    // disk's pace: how many fit in the window depends on the disk (20–150 seen), never on the
    // number of tasks. A tenth of the uncoalesced count leaves room for any disk and still fails
    // when each flush writes the file.
    assert.ok(
      during <= (intervals * CONNECTORS) / 10,
      `${during} offset-file writes in ${intervals} flush intervals of ${CONNECTORS} tasks`,
    );
    assert.deepEqual(problems(), [], 'no flush time-out or failure');

    // Delete them one by one while the others keep producing.
    let most = 0;
    for (let i = 0; i < CONNECTORS; i++) {
      const before = writes();
      await herder.deleteConnector(`source-${i}`);
      most = Math.max(most, writes() - before);
    }
    // The task's last flush waits for a periodic flush under way, then flushes the rest: each
    // joins at most the running write and the next one.
    assert.ok(most <= 4, `a delete waited for ${most} offset-file writes`);
    assert.deepEqual(problems(), [], 'no flush time-out, failure or abandoned task');
    assert.deepEqual(await herder.connectors(), []);
  } finally {
    appending = false;
    await appender;
    await herder.stop();
  }
});
