/**
 * The log of a PostgreSQL snapshot as an operator reads it: a real PostgreSQL (the test server),
 * the connector in a standalone worker on the embedded log, the worker's text log captured. The
 * snapshot's start, each table's start and end, progress lines with the rows and tables done and
 * remaining, the end and the start of streaming are there, in Debezium's words, each naming the
 * connector and task (`[name|task-0]`) and Debezium's task logger, written through the logger the
 * runtime gives the task (no JSON on stderr).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { createLogger, StandaloneHerder } from '@sluice/runtime';
import { TestSourceTaskContext, uniqueName, waitFor } from '@sluice/testing';
import { PostgresSourceTask } from '../src/index.ts';
import { SnapshotProgress } from '../src/snapshot-progress.ts';
import { pollRecords, useTestDatabase } from './harness.ts';

const db = useTestDatabase(async (d) => {
  await d.sql.query(`
    CREATE TABLE alpha (id int PRIMARY KEY, name text);
    INSERT INTO alpha SELECT g, 'row ' || g FROM generate_series(1, 200) g;
    CREATE TABLE beta (id int PRIMARY KEY, amount numeric(10,2));
    INSERT INTO beta SELECT g, g * 1.5 FROM generate_series(1, 120) g;`);
});

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('a snapshot tells its story: start, tables, progress with rows and tables, end, streaming', async () => {
  // A progress line for every batch here (5 s in production), so a small snapshot shows them.
  const interval = SnapshotProgress.intervalMs;
  SnapshotProgress.intervalMs = 0;
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-logs-'));
  dirs.push(dir);
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
  const herder = await StandaloneHerder.create(
    {
      'embedded.log.dir': join(dir, 'data'),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const name = uniqueName('pg-source');
  try {
    await herder.putConnectorConfig(name, db.config({ 'max.batch.size': '50' }), { allowReplace: false });
    await waitFor(
      () => `streaming to start:\n${chunks.join('')}`,
      () => chunks.join('').includes('Starting streaming'),
      { timeoutMs: 60_000 },
    );
  } finally {
    await herder.stop();
    SnapshotProgress.intervalMs = interval;
  }
  const log = chunks.join('');
  const t = `[${name}|task-0] `;
  const dbz = ' (io.debezium.connector.postgresql.PostgresConnectorTask)';
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stamp = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]`;
  const line = (message: string, level = 'INFO') =>
    new RegExp(`^${stamp} ${level} ${esc(t)}${message}${esc(dbz)}$`, 'm');
  const duration = String.raw`\d\d:\d\d:\d\d\.\d{3}`;
  const expected = [
    line(esc('Snapshot step 1 - Preparing')),
    line(
      String.raw`Snapshot \(snapshot\.mode=initial\) of 2 table\(s\) \[public\.alpha, public\.beta\], consistent at LSN [0-9A-F]+/[0-9A-F]+`,
    ),
    line(esc('Snapshot step 7 - Snapshotting data')),
    line(esc("Exporting data from table 'public.alpha' (1 of 2 tables)")),
    line(
      `\\t Exported 50 records for table 'public\\.alpha' after ${duration} \\(snapshot: 50 records, 0 of 2 tables done, 2 remaining, ${duration}\\)`,
    ),
    line(
      `\\t Exported 150 records for table 'public\\.alpha' after ${duration} \\(snapshot: 150 records, 0 of 2 tables done, 2 remaining, ${duration}\\)`,
    ),
    line(
      `Finished exporting 200 records for table 'public\\.alpha' \\(1 of 2 tables\\); total duration '${duration}'`,
    ),
    line(esc("Exporting data from table 'public.beta' (2 of 2 tables)")),
    line(
      `\\t Exported 100 records for table 'public\\.beta' after ${duration} \\(snapshot: 300 records, 1 of 2 tables done, 1 remaining, ${duration}\\)`,
    ),
    line(
      `Finished exporting 120 records for table 'public\\.beta' \\(2 of 2 tables\\); total duration '${duration}'`,
    ),
    line(esc('Snapshot - Final stage')),
    line(`Snapshot completed: 320 records from 2 table\\(s\\) in ${duration}`),
    line(
      `Starting streaming: replication slot "${esc(db.config()['slot.name']!)}", publication "${esc(db.config()['publication.name']!)}", from LSN [0-9A-F]+/[0-9A-F]+`,
    ),
  ];
  let at = 0;
  for (const re of expected) {
    const m = re.exec(log.slice(at));
    assert.ok(m, `${re} after offset ${at} in:\n${log}`);
    at += m.index + m[0].length;
  }
  // The worker's own lines of the task carry the same context.
  assert.match(
    log,
    new RegExp(
      `^${stamp} INFO ${esc(t)}WorkerSourceTask\\{id=${esc(name)}-0\\} Source task finished initialization and start`,
      'm',
    ),
  );
});

test("driven without a worker, the task logs to its context's logger (none on stderr)", async () => {
  const config = db.config({ 'slot.name': uniqueName('slot'), 'max.batch.size': '1000' });
  const context = new TestSourceTaskContext(config);
  const task = new PostgresSourceTask();
  task.initialize(context);
  await task.start(config);
  try {
    assert.equal((await pollRecords(task, 320)).length, 320);
  } finally {
    await task.stop();
  }
  const lines = context.logs.map((l) => `${l.level} ${l.logger} ${l.message}`);
  const dbz = 'io.debezium.connector.postgresql.PostgresConnectorTask';
  assert.ok(lines.includes(`INFO ${dbz} Snapshot step 1 - Preparing`), lines.join('\n'));
  assert.ok(
    lines.some((l) =>
      /^INFO \S+ Finished exporting 200 records for table 'public\.alpha' \(1 of 2 tables\)/.test(l),
    ),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /^INFO \S+ Snapshot completed: 320 records from 2 table\(s\)/.test(l)),
    lines.join('\n'),
  );
});
