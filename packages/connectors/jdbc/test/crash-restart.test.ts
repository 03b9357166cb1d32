/**
 * `kill -9` of a `sluice standalone` process mid-stream (JDBC source on MariaDB → embedded log →
 * JDBC sink, upsert, into SQLite), then a restart with the same files: the SQLite table ends equal
 * to the MariaDB table (at-least-once delivery, made exact by the upsert).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkerProcess } from '@sluice/testing';
import { mariaDb, type TestDb } from './helpers.ts';

const require = createRequire(import.meta.url);
const ROWS = 100_000;

let maria: TestDb;
let dir: string;
let sqliteFile: string;
before(async () => {
  maria = await mariaDb();
  dir = await mkdtemp(join(tmpdir(), 'sluice-jdbc-crash-'));
  sqliteFile = join(dir, 'target.db');
  await maria.exec(
    'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(40) NOT NULL, amount DECIMAL(10,2) NOT NULL)',
  );
  for (let first = 1; first <= ROWS; first += 5000) {
    const values: string[] = [];
    for (let i = first; i < first + 5000; i++)
      values.push(`('item ${i}', ${i % 1000}.${String(i % 100).padStart(2, '0')})`);
    await maria.exec(`INSERT INTO items (title, amount) VALUES ${values.join(',')}`);
  }
});
after(async () => {
  await maria?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function sqliteFacts(): { rows: number; digest: string } {
  const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
  try {
    const db = new DatabaseSync(sqliteFile, { readOnly: true });
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      const r = db
        .prepare(
          'SELECT COUNT(*) AS n, SUM(id) AS s, SUM(LENGTH(title)) AS l, SUM(amount * 100) AS a FROM items',
        )
        .get() as Record<string, number>;
      return { rows: Number(r.n), digest: `${r.n}/${r.s}/${r.l}/${Math.round(Number(r.a))}` };
    } finally {
      db.close();
    }
  } catch {
    return { rows: 0, digest: '' };
  }
}

test('kill -9 mid-stream, restart: the SQLite table ends equal to the MariaDB table', async () => {
  const worker = join(dir, 'worker.properties');
  await writeFile(
    worker,
    [
      `embedded.log.dir=${join(dir, 'data')}`,
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'offset.flush.interval.ms=300',
      'listeners=http://127.0.0.1:0',
    ].join('\n'),
  );
  const source = join(dir, 'source.json');
  await writeFile(
    source,
    JSON.stringify({
      name: 'items-source',
      config: {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
        ...maria.connection(),
        'table.whitelist': 'items',
        mode: 'incrementing',
        'incrementing.column.name': 'id',
        'topic.prefix': '',
        'batch.max.rows': '200',
        'poll.interval.ms': '200',
      },
    }),
  );
  const sink = join(dir, 'sink.json');
  await writeFile(
    sink,
    JSON.stringify({
      name: 'items-sink',
      config: {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        topics: 'items',
        'connection.url': `jdbc:sqlite:${sqliteFile}`,
        'insert.mode': 'upsert',
        'pk.mode': 'record_value',
        'pk.fields': 'id',
        'auto.create': 'true',
        'batch.size': '500',
      },
    }),
  );
  const want = await maria.exec(
    'SELECT COUNT(*) AS n, SUM(id) AS s, SUM(LENGTH(title)) AS l, SUM(amount * 100) AS a FROM items',
  );
  const w = want[0]!;
  const expected = `${Number(w.n)}/${Number(w.s)}/${Number(w.l)}/${Math.round(Number(w.a))}`;

  const first = WorkerProcess.standalone([worker, source, sink]);
  const deadline = Date.now() + 120_000;
  let atKill = 0;
  while (Date.now() < deadline) {
    if (first.child.exitCode !== null) assert.fail(`worker exited early:\n${first.outputTail()}`);
    atKill = sqliteFacts().rows;
    if (atKill >= 2000) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await first.kill9();
  assert.ok(atKill >= 2000 && atKill < ROWS, `killed mid-stream (SQLite had ${atKill} of ${ROWS} rows)`);

  const second = WorkerProcess.standalone([worker, source, sink]);
  try {
    let facts = sqliteFacts();
    const until = Date.now() + 180_000;
    while (facts.digest !== expected && Date.now() < until) {
      if (second.child.exitCode !== null) assert.fail(`restarted worker exited:\n${second.outputTail()}`);
      await new Promise((r) => setTimeout(r, 250));
      facts = sqliteFacts();
    }
    assert.equal(facts.digest, expected, second.outputTail());
  } finally {
    await second.stop();
  }
});
