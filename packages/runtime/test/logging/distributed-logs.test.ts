/**
 * A distributed worker's log on the real broker: the rebalance and assignment lines in Kafka's
 * words (`Rebalance started`, `Joined group at generation N ... got assignment: Assignment{...}`,
 * `Starting connectors and tasks using config offset N`), and the connector's and task's lines in
 * their `[name|worker]` / `[name|task-0]` context.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { createLogger, DistributedHerder } from '@sluice/runtime';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import { distributedTestProps } from '../helpers/distributed-worker.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('rebalance, assignment and connector lines of a distributed worker', async () => {
  const { bootstrapServers } = await useKafka();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-dist-logs-'));
  dirs.push(dir);
  const input = join(dir, 'in.txt');
  await writeFile(input, 'a\nb\n');
  const chunks: string[] = [];
  const logger = createLogger({
    format: 'text',
    base: null,
    destination: new Writable({
      write(chunk: Buffer, _enc, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    }),
  });
  const group = uniqueName('logs-group');
  const herder = await DistributedHerder.create(distributedTestProps(bootstrapServers, group), {
    logger,
    plugins: builtinPlugins(),
  });
  herder.setBoundPort(18083);
  const name = uniqueName('dist-file');
  try {
    await herder.start();
    await herder.putConnectorConfig(
      name,
      {
        'connector.class': 'FileStreamSource',
        file: input,
        topic: `${name}-topic`,
        'tasks.max': '1',
      },
      { allowReplace: false },
    );
    await waitFor(
      () => `the task to start:\n${chunks.join('')}`,
      () =>
        chunks
          .join('')
          .includes(`WorkerSourceTask{id=${name}-0} Source task finished initialization and start`),
      { timeoutMs: 60_000 },
    );
  } finally {
    await herder.stop();
  }
  const log = chunks.join('');
  const stamp = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]`;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(log, new RegExp(`^${stamp} INFO Rebalance started group=${esc(group)}$`, 'm'));
  assert.match(
    log,
    new RegExp(
      `^${stamp} INFO Joined group at generation \\d+ with protocol version \\d and got assignment: Assignment\\{error=0, leader='\\S+', leaderUrl='http://\\S+', offset=-?\\d+, connectorIds=\\[.*\\], taskIds=\\[.*\\], revokedConnectorIds=\\[.*\\], revokedTaskIds=\\[.*\\], delay=\\d+\\} with rebalance delay: \\d+ group=${esc(group)}$`,
      'm',
    ),
  );
  assert.match(
    log,
    new RegExp(`^${stamp} INFO Starting connectors and tasks using config offset -?\\d+$`, 'm'),
  );
  assert.match(log, new RegExp(`connectorIds=\\[${esc(name)}\\], taskIds=\\[${esc(name)}-0\\]`));
  assert.match(
    log,
    new RegExp(
      `^${stamp} INFO \\[${esc(name)}\\|worker\\] Creating connector ${esc(name)} of type FileStreamSource`,
      'm',
    ),
  );
  assert.match(
    log,
    new RegExp(`^${stamp} INFO \\[${esc(name)}\\|task-0\\] Creating task ${esc(name)}-0 `, 'm'),
  );
  assert.match(
    log,
    new RegExp(`^${stamp} INFO \\[${esc(name)}\\|task-0\\] Stopping task ${esc(name)}-0 `, 'm'),
  );
});
