/**
 * The search node killed (-9) and restarted while the task streams: bulk requests in flight are
 * retried with back-off until the node is back, and the index ends with every key at its latest
 * record and version (nothing missing, nothing duplicated, nothing older).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOpenSearch, uniqueName } from '@sluice/testing';
import { allDocs, flush, offsets, record, startTask, values } from './harness.ts';

const KEYS = 300;
const RECORDS = 6000;
const PER_PUT = 200;

test(`kill -9 and restart of the node while ${RECORDS} records stream: every key at its latest version`, async () => {
  const server = await startOpenSearch({ ownerPid: process.pid, log: () => {} });
  const topic = uniqueName('es_restart');
  const { task, logger } = await startTask(server.url, {
    'schema.ignore': 'true',
    'batch.size': '100',
    'max.in.flight.requests': '3',
    'max.buffered.records': '1000',
    'max.retries': '8',
    'retry.backoff.ms': '300',
    'read.timeout.ms': '30000',
  });
  let restart: Promise<void> | undefined;
  let streamed = 0;
  let streamedWhenBack = -1;
  try {
    for (let offset = 0; offset < RECORDS; offset += PER_PUT) {
      const batch = Array.from({ length: PER_PUT }, (_, i) => {
        const o = offset + i;
        return record(topic, o, `k${o % KEYS}`, { o, key: `k${o % KEYS}` });
      });
      await task.put(batch);
      streamed = offset + PER_PUT;
      if (offset === PER_PUT * 5) {
        // Once a few bulks are in flight: kill the node and start it again on the same port and data.
        restart = server.restart({ kill: true }).then(() => {
          streamedWhenBack = streamed;
        });
      }
    }
    await restart;
    assert.ok(streamedWhenBack < RECORDS, `the stream went on while the node was down (${streamedWhenBack})`);
    await flush(task, topic);
    assert.deepEqual(values(await task.preCommit(offsets(topic, RECORDS))), [{ offset: RECORDS }]);
    const docs = await allDocs(server.url, topic);
    assert.equal(docs.length, KEYS);
    for (const d of docs) {
      const k = Number(d._id.slice(1));
      const last = k + KEYS * Math.floor((RECORDS - 1 - k) / KEYS);
      assert.equal(d._source.o, last, `${d._id} holds its latest record`);
      assert.equal(d._version, last, `${d._id} is at the version of its latest record`);
    }
    assert.equal(logger.warnings.length, 0, logger.warnings.join('\n'));
  } finally {
    await task.stop();
    await restart?.catch(() => {});
    await server.stop();
  }
});
