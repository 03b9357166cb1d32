/**
 * read.timeout.ms, max.retries and retry.backoff.ms against a node that stops answering: the node's
 * JVM is frozen with SIGSTOP (its socket still accepts connections), so every bulk request times out;
 * the task retries and then fails naming the time-out. After SIGCONT the node serves again and a new
 * task writes everything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectError } from '@sluice/api';
import { startOpenSearch, uniqueName } from '@sluice/testing';
import { allDocs, flush, record, startTask } from './harness.ts';

test('a frozen node: bulk requests time out after read.timeout.ms, are retried max.retries times, then the task fails', async () => {
  const server = await startOpenSearch({ ownerPid: process.pid, log: () => {} });
  const topic = uniqueName('es_timeout');
  let frozen = false;
  try {
    const { task } = await startTask(server.url, {
      'schema.ignore': 'true',
      'read.timeout.ms': '300',
      'max.retries': '2',
      'retry.backoff.ms': '50',
    });
    try {
      await task.put([record(topic, 0, 'a', { n: 1 })]);
      await flush(task, topic); // creates the index while the node answers
      process.kill(server.pid, 'SIGSTOP');
      frozen = true;
      const started = Date.now();
      await task.put([record(topic, 1, 'b', { n: 2 })]);
      await assert.rejects(flush(task, topic), (e: Error) => {
        assert.ok(e instanceof ConnectError);
        assert.match(e.message, /failed after 3 attempts \(max\.retries=2\): .*read timed out after 300 ms/);
        return true;
      });
      assert.ok(Date.now() - started >= 3 * 300, 'three attempts of 300 ms each');
    } finally {
      await task.stop();
    }
    process.kill(server.pid, 'SIGCONT');
    frozen = false;
    const again = await startTask(server.url, { 'schema.ignore': 'true' });
    try {
      await again.task.put([record(topic, 1, 'b', { n: 2 })]);
      await flush(again.task, topic);
      assert.deepEqual(
        (await allDocs(server.url, topic)).map((d) => d._id),
        ['a', 'b'],
      );
    } finally {
      await again.task.stop();
    }
  } finally {
    if (frozen) process.kill(server.pid, 'SIGCONT');
    await server.stop();
  }
});
