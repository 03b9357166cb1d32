/**
 * The JDBC source on each real database (MariaDB, PostgreSQL, SQLite): every mode, the common
 * column types and their Connect schemas, Confluent's partitions and offsets, batch.max.rows,
 * query mode, tables dealt over three tasks, and a new table picked up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BigDecimal, type SourceRecord, type Struct } from '@sluice/api';
import { MapOffsetReader, waitFor } from '@sluice/testing';
import { JdbcSourceConnector } from '../src/index.ts';
import { captureLogs, KINDS, type Kind, startSource, type TestDb, testDb } from './helpers.ts';

const DDL: Record<Kind, string> = {
  mariadb: `CREATE TABLE typed (
    id INT AUTO_INCREMENT PRIMARY KEY, flag TINYINT(1), s SMALLINT, i INT, big BIGINT NOT NULL,
    f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), str VARCHAR(50), txt TEXT, bin VARBINARY(10),
    dt DATE, tm TIME(3), ts DATETIME(3) NOT NULL)`,
  postgresql: `CREATE TABLE typed (
    id SERIAL PRIMARY KEY, flag BOOLEAN, s SMALLINT, i INT, big BIGINT NOT NULL,
    f REAL, d DOUBLE PRECISION, dec1 NUMERIC(10,2), str VARCHAR(50), txt TEXT, bin BYTEA,
    dt DATE, tm TIME(3), ts TIMESTAMP(3) NOT NULL)`,
  sqlite: `CREATE TABLE typed (
    id INTEGER PRIMARY KEY, flag BOOLEAN, s SMALLINT, i INT, big BIGINT NOT NULL,
    f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), str VARCHAR(50), txt TEXT, bin BLOB,
    dt DATE, tm TIME, ts TIMESTAMP NOT NULL)`,
};

function insertTyped(db: TestDb, i: number, ts: string): Promise<unknown> {
  const p = db.kind === 'postgresql' ? (n: number) => `$${n}` : () => '?';
  const cols = 'flag, s, i, big, f, d, dec1, str, txt, bin, dt, tm, ts';
  const values = [
    db.kind === 'postgresql' ? i % 2 === 1 : i % 2,
    7 * i,
    70000 * i,
    i === 1 ? '9007199254740993' : String(i),
    1.5 * i,
    2.25 * i,
    `${12 * i}.50`,
    `héllo ${i}`,
    i === 2 ? null : `text ${i}`,
    Buffer.from([1, 2, 255, i]),
    '2024-02-29',
    '13:14:15.500',
    ts,
  ];
  return db.exec(
    `INSERT INTO typed (${cols}) VALUES (${values.map((_, n) => p(n + 1)).join(',')})`,
    db.kind === 'sqlite' ? values.map((v, n) => (n === 3 ? BigInt(v as string) : v)) : values,
  );
}

for (const kind of KINDS) {
  describe(`JDBC source on ${kind}`, () => {
    let db: TestDb;
    const base = (): Record<string, string> => ({
      ...db.connection(),
      'topic.prefix': `${kind}-`,
      'poll.interval.ms': '200',
    });
    const partitionOf = (table: string) => ({
      protocol: '1',
      table: db.qualifier === null ? table : `${db.qualifier}.${table}`,
    });

    before(async () => {
      db = await testDb(kind);
      await db.exec(DDL[kind]);
      await insertTyped(db, 1, '2024-03-01 12:00:00.125');
      await insertTyped(db, 2, '2024-03-01 12:00:01.000');
      await insertTyped(db, 3, '2024-03-01 12:00:02.000');
    });
    after(async () => {
      await db?.cleanup();
    });

    test('incrementing: column types as Confluent maps them, offsets per row', async () => {
      const run = await startSource({
        ...base(),
        mode: 'incrementing',
        'table.whitelist': 'typed',
        'incrementing.column.name': 'id',
      });
      try {
        const records = await run.pollUntil(3);
        assert.equal(records.length, 3);
        const schema = records[0]!.valueSchema!;
        assert.equal(schema.name, 'typed');
        const types = Object.fromEntries(
          schema.fields.map((f) => [
            f.name,
            `${f.schema.name ?? f.schema.type}${f.schema.isOptional ? '?' : ''}`,
          ]),
        );
        assert.deepEqual(types, {
          id: kind === 'sqlite' ? 'INT64' : 'INT32',
          flag: kind === 'mariadb' ? 'INT8?' : 'BOOLEAN?',
          s: 'INT16?',
          i: 'INT32?',
          big: 'INT64',
          f: 'FLOAT32?',
          d: 'FLOAT64?',
          dec1: 'org.apache.kafka.connect.data.Decimal?',
          str: 'STRING?',
          txt: 'STRING?',
          bin: 'BYTES?',
          dt: 'org.apache.kafka.connect.data.Date?',
          tm: 'org.apache.kafka.connect.data.Time?',
          ts: 'org.apache.kafka.connect.data.Timestamp',
        });
        assert.deepEqual(schema.field('dec1')!.schema.parameters, {
          scale: '2',
          'connect.decimal.precision': kind === 'sqlite' || kind === 'postgresql' ? '10' : '10',
        });
        const v = records[0]!.value as Struct;
        assert.equal(v.get('flag'), kind === 'mariadb' ? 1 : true);
        assert.equal(v.get('s'), 7);
        assert.equal(v.get('i'), 70000);
        assert.equal(v.get('big'), 9007199254740993n);
        assert.equal(v.get('f'), 1.5);
        assert.equal(v.get('d'), 2.25);
        assert.ok((v.get('dec1') as BigDecimal).equals(new BigDecimal(1250n, 2)), String(v.get('dec1')));
        assert.equal(v.get('str'), 'héllo 1');
        assert.deepEqual([...(v.get('bin') as Uint8Array)], [1, 2, 255, 1]);
        assert.equal((v.get('dt') as Date).toISOString(), '2024-02-29T00:00:00.000Z');
        assert.equal((v.get('tm') as Date).getTime(), (13 * 3600 + 14 * 60 + 15) * 1000 + 500);
        assert.equal((v.get('ts') as Date).toISOString(), '2024-03-01T12:00:00.125Z');
        assert.equal((records[1]!.value as Struct).get('txt'), null);
        assert.deepEqual(records[0]!.sourcePartition, partitionOf('typed'));
        assert.deepEqual(
          records.map((r) => r.sourceOffset),
          [{ incrementing: 1 }, { incrementing: 2 }, { incrementing: 3 }],
        );
        assert.equal(records[0]!.topic, `${kind}-typed`);
      } finally {
        await run.stop();
      }
    });

    test('batch.max.rows bounds each poll; the result set stays open between polls', async () => {
      const run = await startSource({
        ...base(),
        mode: 'incrementing',
        'table.whitelist': 'typed',
        'incrementing.column.name': 'id',
        'batch.max.rows': '2',
      });
      try {
        const sizes: number[] = [];
        const deadline = Date.now() + 10_000;
        let total = 0;
        while (total < 3 && Date.now() < deadline) {
          const records = (await run.tasks[0]!.poll()) ?? [];
          if (records.length > 0) sizes.push(records.length);
          total += records.length;
        }
        assert.deepEqual(sizes, [2, 1]);
      } finally {
        await run.stop();
      }
    });

    test('incrementing offsets beyond 2^53 stay exact; a legacy {"table":…} offset is resumed from, the protocol-1 one first', async () => {
      // 2^53 + 1, + 2, + 3: the first and third are not doubles.
      await db.exec('CREATE TABLE bigids (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(20))');
      await db.exec(
        "INSERT INTO bigids (id, name) VALUES (9007199254740993, 'a'), (9007199254740994, 'b'), (9007199254740995, 'c')",
      );
      const props = {
        ...base(),
        mode: 'incrementing',
        'table.whitelist': 'bigids',
        'incrementing.column.name': 'id',
      };
      const readAll = async (reader: MapOffsetReader): Promise<SourceRecord[]> => {
        const run = await startSource(props, 1, reader);
        try {
          const out: SourceRecord[] = [];
          const deadline = Date.now() + 5_000;
          while (Date.now() < deadline) {
            const records = (await run.tasks[0]!.poll()) ?? [];
            out.push(...records);
            if (records.length === 0 && out.length > 0) break;
          }
          return out;
        } finally {
          await run.stop();
        }
      };
      const legacyOnly = new MapOffsetReader().set({ table: 'bigids' }, { incrementing: 9007199254740993n });
      const fromLegacy = await readAll(legacyOnly);
      assert.deepEqual(
        fromLegacy.map((r) => (r.value as Struct).get('id')),
        [9007199254740994n, 9007199254740995n],
      );
      assert.deepEqual(fromLegacy.at(-1)!.sourcePartition, partitionOf('bigids'));
      assert.deepEqual(fromLegacy.at(-1)!.sourceOffset, { incrementing: 9007199254740995n });
      const both = new MapOffsetReader()
        .set({ table: 'bigids' }, { incrementing: 1 })
        .set(partitionOf('bigids'), { incrementing: 9007199254740994n });
      assert.deepEqual(
        (await readAll(both)).map((r) => (r.value as Struct).get('id')),
        [9007199254740995n],
      );
    });

    test('timestamp.granularity: nanos_long, nanos_string and nanos_iso_datetime_string', async () => {
      // Row 1's ts is 2024-03-01 12:00:00.125 (UTC): 1709294400125 ms.
      const expected = {
        nanos_long: { type: 'INT64', value: 1709294400125000000n },
        nanos_string: { type: 'STRING', value: '1709294400125000000' },
        nanos_iso_datetime_string: { type: 'STRING', value: '2024-03-01T12:00:00.125000000' },
      } as const;
      for (const [granularity, want] of Object.entries(expected)) {
        const run = await startSource({
          ...base(),
          mode: 'incrementing',
          'table.whitelist': 'typed',
          'incrementing.column.name': 'id',
          'timestamp.granularity': granularity.toUpperCase(),
        });
        try {
          const records = await run.pollUntil(1, 10_000);
          const first = records.find((r) => (r.value as Struct).get('id') === 1)!;
          assert.equal(first.valueSchema!.field('ts')!.schema.type, want.type, granularity);
          assert.equal(first.valueSchema!.field('ts')!.schema.name, null, granularity);
          assert.deepEqual((first.value as Struct).get('ts'), want.value, granularity);
        } finally {
          await run.stop();
        }
      }
    });

    test('bulk: the whole table each poll, no offsets', async () => {
      const run = await startSource({ ...base(), mode: 'bulk', 'table.whitelist': 'typed' });
      try {
        const records = await run.pollUntil(6);
        assert.ok(records.length >= 6);
        assert.deepEqual(
          records.slice(0, 6).map((r) => (r.value as Struct).get('id')),
          kind === 'sqlite' ? [1, 2, 3, 1, 2, 3] : [1, 2, 3, 1, 2, 3],
        );
        assert.ok(records.every((r) => r.sourceOffset === null));
      } finally {
        await run.stop();
      }
    });

    test('timestamp+incrementing: picks up updates; offsets as Confluent stores them', async () => {
      await db.exec(
        kind === 'mariadb'
          ? 'CREATE TABLE events (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20), updated_at DATETIME(6) NOT NULL)'
          : kind === 'postgresql'
            ? 'CREATE TABLE events (id SERIAL PRIMARY KEY, name VARCHAR(20), updated_at TIMESTAMP(6) NOT NULL)'
            : 'CREATE TABLE events (id INTEGER PRIMARY KEY, name VARCHAR(20), updated_at TIMESTAMP NOT NULL)',
      );
      const p = kind === 'postgresql' ? ['$1', '$2'] : ['?', '?'];
      await db.exec(`INSERT INTO events (name, updated_at) VALUES (${p[0]}, ${p[1]})`, [
        'a',
        '2024-01-01 00:00:00.123',
      ]);
      await db.exec(`INSERT INTO events (name, updated_at) VALUES (${p[0]}, ${p[1]})`, [
        'b',
        '2024-01-01 00:00:00.123',
      ]);
      const config = {
        ...base(),
        mode: 'timestamp+incrementing',
        'table.whitelist': 'events',
        'incrementing.column.name': 'id',
        'timestamp.column.name': 'updated_at',
      };
      const run = await startSource(config);
      try {
        const first = await run.pollUntil(2);
        assert.deepEqual(
          first.map((r) => r.sourceOffset),
          [
            { timestamp_nanos: 123_000_000, incrementing: 1, timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 123) },
            { timestamp_nanos: 123_000_000, incrementing: 2, timestamp: Date.UTC(2024, 0, 1, 0, 0, 0, 123) },
          ],
        );
        assert.deepEqual(Object.keys(first[0]!.sourceOffset!), [
          'timestamp_nanos',
          'incrementing',
          'timestamp',
        ]);
        await db.exec(`UPDATE events SET name = 'a2', updated_at = ${p[0]} WHERE id = 1`, [
          '2024-01-02 00:00:00.000',
        ]);
        const updated = await run.pollUntil(1);
        assert.equal(updated.length, 1);
        assert.equal((updated[0]!.value as Struct).get('name'), 'a2');
        assert.deepEqual(updated[0]!.sourceOffset, {
          timestamp_nanos: 0,
          incrementing: 1,
          timestamp: Date.UTC(2024, 0, 2),
        });
        assert.deepEqual(await run.pollFor(400), []);
      } finally {
        await run.stop();
      }
      // Timestamp mode alone stores only the timestamp.
      const tsRun = await startSource({ ...config, mode: 'timestamp', 'incrementing.column.name': '' });
      try {
        const records = await tsRun.pollUntil(2);
        assert.deepEqual(Object.keys(records[0]!.sourceOffset!), ['timestamp_nanos', 'timestamp']);
      } finally {
        await tsRun.stop();
      }
    });

    test('query mode: topic is the prefix, partition {"query":"query"}, WHERE appended', async () => {
      const run = await startSource({
        ...db.connection(),
        mode: 'incrementing',
        query: 'SELECT id, str FROM typed',
        'incrementing.column.name': 'id',
        'topic.prefix': `${kind}-query-topic`,
        'poll.interval.ms': '200',
      });
      try {
        assert.equal(run.taskConfigs.length, 1);
        const records = await run.pollUntil(3);
        assert.ok(records.every((r) => r.topic === `${kind}-query-topic`));
        assert.deepEqual(records[0]!.sourcePartition, { query: 'query' });
        assert.equal(records[0]!.valueSchema!.name, null);
        assert.deepEqual(
          records[0]!.valueSchema!.fields.map((f) => f.name),
          ['id', 'str'],
        );
        assert.deepEqual(records[2]!.sourceOffset, { incrementing: 3 });
      } finally {
        await run.stop();
      }
    });

    test('tables dealt over 3 tasks; a new table is picked up', async () => {
      for (const t of ['multi_a', 'multi_b', 'multi_c', 'multi_d']) {
        await db.exec(`CREATE TABLE ${t} (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))`);
        await db.exec(`INSERT INTO ${t} VALUES (1, '${t}')`);
      }
      const config = {
        ...base(),
        mode: 'incrementing',
        'table.include.list': 'multi_.*',
        'incrementing.column.name': 'id',
        'table.poll.interval.ms': '200',
      };
      const run = await startSource(config, 3);
      try {
        const groups = run.taskConfigs.map((c) =>
          (JSON.parse(c.tables!) as Array<{ table: string }>).map((t) => t.table),
        );
        assert.deepEqual(groups, [['multi_a', 'multi_b'], ['multi_c'], ['multi_d']]);
        const records = await run.pollUntil(4);
        assert.deepEqual(
          records.map((r) => r.topic).sort(),
          ['multi_a', 'multi_b', 'multi_c', 'multi_d'].map((t) => `${kind}-${t}`),
        );
      } finally {
        await run.stop();
      }
      // The connector's table monitor asks for new task configs when a table appears.
      const connector = new JdbcSourceConnector();
      let reconfigurations = 0;
      connector.initialize({ requestTaskReconfiguration: () => reconfigurations++, raiseError: () => {} });
      const logs = captureLogs();
      try {
        await connector.start(config);
        await db.exec('CREATE TABLE multi_e (id INT NOT NULL PRIMARY KEY)');
        await waitFor('reconfiguration after a new table', () => reconfigurations > 0, { timeoutMs: 10_000 });
        const tables = (await connector.taskConfigs(3)).flatMap((c) =>
          (JSON.parse(c.tables!) as Array<{ table: string }>).map((t) => t.table),
        );
        assert.deepEqual(tables, ['multi_a', 'multi_b', 'multi_c', 'multi_d', 'multi_e']);
      } finally {
        await connector.stop();
        logs.restore();
      }
    });

    test('errors name the table and column', async () => {
      const logs = captureLogs();
      const run = await startSource({
        ...base(),
        mode: 'incrementing',
        'table.whitelist': 'typed',
        'incrementing.column.name': 'nope',
      });
      try {
        await assert.rejects(run.tasks[0]!.poll() as Promise<SourceRecord[]>, (err: Error) =>
          /typed has no column 'nope' \(incrementing\.column\.name\); its columns are: id, /.test(
            err.message,
          ),
        );
      } finally {
        await run.stop();
        logs.restore();
      }
      const nullable = await startSource({
        ...base(),
        mode: 'timestamp',
        'table.whitelist': 'typed',
        'timestamp.column.name': 'dt',
      });
      try {
        await assert.rejects(
          nullable.tasks[0]!.poll() as Promise<SourceRecord[]>,
          /timestamp columns \[dt\] on .*typed because all of these columns are nullable/,
        );
      } finally {
        await nullable.stop();
      }
    });
  });
}
