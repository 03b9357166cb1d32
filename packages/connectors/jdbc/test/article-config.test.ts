/**
 * The config from the articles Sluice was built from, as written (host, port, password pointed
 * at the test MariaDB): rows of news.articles arrive on article-events-articles, new rows within
 * one poll interval, a restart resumes after the last id, and offsets are Confluent's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Struct } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import { MapOffsetReader } from '@sluice/testing';
import { captureLogs, mariaDb, startSource, type TestDb } from './helpers.ts';

let db: TestDb;
before(async () => {
  db = await mariaDb();
  await db.exec(`CREATE TABLE articles (
    id INT AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    body TEXT,
    published_at DATETIME(3) NULL
  )`);
  await db.exec(`CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50))`);
  await db.exec(`INSERT INTO authors (name) VALUES ('not wanted')`);
  for (let i = 1; i <= 5; i++) {
    await db.exec('INSERT INTO articles (title, body, published_at) VALUES (?, ?, ?)', [
      `title ${i}`,
      i === 3 ? null : `body ${i}`,
      `2024-01-0${i} 10:00:00.250`,
    ]);
  }
});
after(async () => {
  await db?.cleanup();
});

test('the article config works as written against MariaDB', async () => {
  const url = new URL(db.url.replace(/^jdbc:/, ''));
  const database = url.pathname.slice(1);
  const config = {
    'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
    'connection.url': `jdbc:mysql://${url.hostname}:${url.port}/${database}`,
    'connection.user': db.user,
    'connection.password': db.password,
    'table.include.list': 'articles',
    mode: 'incrementing',
    'incrementing.column.name': 'id',
    'topic.prefix': 'article-events-',
    'poll.interval.ms': '5000',
  };
  const logs = captureLogs();
  const reader = new MapOffsetReader();
  let run = await startSource(config, 1, reader);
  try {
    // One log line says how the config was read: the bare name matched, keys combined.
    const how = logs.lines.filter((l) => l.includes('table.include.list'));
    assert.equal(how.length, 1, logs.lines.join('\n'));
    assert.match(how[0]!, new RegExp(`${database}\\.articles`));
    assert.match(how[0]!, /incrementing\.column\.name 'id'/);
    assert.doesNotMatch(how[0]!, /authors/);

    const first = await run.pollUntil(5);
    assert.equal(first.length, 5);
    assert.deepEqual(
      first.map((r) => r.topic),
      Array(5).fill('article-events-articles'),
    );
    assert.deepEqual(first[0]!.sourcePartition, { protocol: '1', table: `${database}.articles` });
    assert.deepEqual(
      first.map((r) => r.sourceOffset),
      [1, 2, 3, 4, 5].map((n) => ({ incrementing: n })),
    );
    assert.equal(first[0]!.key, null);
    const value = first[2]!.value as Struct;
    assert.equal(value.get('title'), 'title 3');
    assert.equal(value.get('body'), null);
    assert.equal((value.get('published_at') as Date).toISOString(), '2024-01-03T10:00:00.250Z');
    // The record as JsonConverter writes it: Confluent's schema (table name, optional when nullable).
    const converter = new JsonConverter();
    converter.configure({}, false);
    const json = JSON.parse(
      new TextDecoder().decode(converter.fromConnectData('t', first[0]!.valueSchema, first[0]!.value)!),
    );
    assert.deepEqual(json.schema, {
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'id' },
        { type: 'string', optional: false, field: 'title' },
        { type: 'string', optional: true, field: 'body' },
        {
          type: 'int64',
          optional: true,
          name: 'org.apache.kafka.connect.data.Timestamp',
          version: 1,
          field: 'published_at',
        },
      ],
      optional: false,
      name: 'articles',
    });
    assert.deepEqual(json.payload, { id: 1, title: 'title 1', body: 'body 1', published_at: 1704103200250 });

    // A new row arrives within one poll interval.
    const inserted = Date.now();
    await db.exec("INSERT INTO articles (title) VALUES ('fresh')");
    const fresh = await run.pollUntil(1, 8_000);
    assert.ok(Date.now() - inserted <= 5_500, `took ${Date.now() - inserted} ms`);
    assert.equal((fresh[0]!.value as Struct).get('title'), 'fresh');
    assert.deepEqual(fresh[0]!.sourceOffset, { incrementing: 6 });
  } finally {
    await run.stop();
    logs.restore();
  }

  // Restart: resumes after the last id, nothing twice.
  await db.exec("INSERT INTO articles (title) VALUES ('after restart')");
  assert.deepEqual(await reader.offset({ protocol: '1', table: `${database}.articles` }), {
    incrementing: 6,
  });
  run = await startSource(config, 1, reader);
  try {
    const resumed = await run.pollUntil(1);
    assert.equal(resumed.length, 1);
    assert.equal((resumed[0]!.value as Struct).get('title'), 'after restart');
    assert.deepEqual(resumed[0]!.sourceOffset, { incrementing: 7 });
    assert.deepEqual(await run.pollFor(300), []);
  } finally {
    await run.stop();
  }
});
