/**
 * End to end with no Kafka at all: the article config (JDBC source on MariaDB) and a JDBC sink
 * into SQLite, run by a real StandaloneHerder with JsonConverter on the embedded log. New rows
 * reach SQLite; after a worker restart the source resumes after the last id (the topic holds
 * each row once) and the offsets REST shows are Confluent's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';
import { captureLogs, mariaDb, sqliteDb, type TestDb } from './helpers.ts';

let maria: TestDb;
let lite: TestDb;
let dir: string;
before(async () => {
  maria = await mariaDb();
  lite = sqliteDb();
  dir = await mkdtemp(join(tmpdir(), 'sluice-jdbc-e2e-'));
  await maria.exec(
    'CREATE TABLE articles (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(200) NOT NULL, price DECIMAL(8,2), published DATETIME(3))',
  );
  for (let i = 1; i <= 20; i++) {
    await maria.exec('INSERT INTO articles (title, price, published) VALUES (?, ?, ?)', [
      `t${i}`,
      `${i}.25`,
      '2024-05-06 07:08:09.010',
    ]);
  }
});
after(async () => {
  await maria?.cleanup();
  await lite?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function worker(): Promise<StandaloneHerder> {
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'offset.flush.interval.ms': '200',
      'embedded.log.dir': join(dir, 'data'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  await herder.start();
  return herder;
}

async function waitRows(
  herder: StandaloneHerder,
  count: number,
  timeoutMs = 30_000,
): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + timeoutMs;
  let rows: Array<Record<string, unknown>> = [];
  while (Date.now() < deadline) {
    for (const name of ['articles-source', 'sqlite-sink']) {
      const status = await herder.connectorStatus(name);
      const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
      if (failed !== undefined) throw new Error(`${name} FAILED: ${failed.trace}`);
    }
    rows = await lite.exec('SELECT * FROM "article-events-articles" ORDER BY id').catch(() => []);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`SQLite holds ${rows.length} of ${count} rows after ${timeoutMs} ms`);
}

test('MariaDB → embedded log → SQLite, across a worker restart', async () => {
  const url = new URL(maria.url.replace(/^jdbc:/, ''));
  const source = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'connection.url': `jdbc:mysql://${url.hostname}:${url.port}${url.pathname}`,
    'connection.user': maria.user,
    'connection.password': maria.password,
    'table.include.list': 'articles',
    mode: 'incrementing',
    'incrementing.column.name': 'id',
    'topic.prefix': 'article-events-',
    'poll.interval.ms': '500',
  };
  const sink = {
    'connector.class': 'JdbcSink',
    topics: 'article-events-articles',
    'connection.url': lite.url,
    'insert.mode': 'upsert',
    'pk.mode': 'record_value',
    'pk.fields': 'id',
    'auto.create': 'true',
  };
  const logs = captureLogs();
  let herder = await worker();
  try {
    await herder.putConnectorConfig('articles-source', source, { allowReplace: false });
    await herder.putConnectorConfig('sqlite-sink', sink, { allowReplace: false });
    let rows = await waitRows(herder, 20);
    assert.deepEqual(
      { ...rows[0] },
      { id: 1, title: 't1', price: 1.25, published: '2024-05-06 07:08:09.010' },
    );
    await maria.exec("INSERT INTO articles (title) VALUES ('t21')");
    rows = await waitRows(herder, 21);
    assert.equal(rows[20]!.title, 't21');
    await new Promise((r) => setTimeout(r, 600)); // an offset flush
    const offsets = await herder.connectorOffsets('articles-source');
    assert.deepEqual(JSON.parse(JSON.stringify(offsets)), {
      offsets: [
        {
          partition: { protocol: '1', table: `${url.pathname.slice(1)}.articles` },
          offset: { incrementing: 21 },
        },
      ],
    });
  } finally {
    await herder.stop();
  }
  await maria.exec("INSERT INTO articles (title) VALUES ('t22')");
  herder = await worker();
  try {
    // Standalone keeps no connector configs: they are given again, as connect-standalone's files are.
    await herder.putConnectorConfig('articles-source', source, { allowReplace: false });
    await herder.putConnectorConfig('sqlite-sink', sink, { allowReplace: false });
    const rows = await waitRows(herder, 22);
    assert.deepEqual(
      rows.map((r) => r.id),
      Array.from({ length: 22 }, (_, i) => i + 1),
    );
    const [end] = await herder.log.listOffsets(
      [{ topic: 'article-events-articles', partition: 0 }],
      'latest',
    );
    assert.equal(end!.offset, 22, 'each row is on the topic once: the restart resumed after the last id');
  } finally {
    await herder.stop();
    logs.restore();
  }
});
