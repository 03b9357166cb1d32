import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Struct } from '@sluice/api';
import { MapOffsetReader, startPostgres, uniqueName } from '@sluice/testing';
import { dropSlot } from '../src/postgres-source-task.ts';
import { confirmedFlushLsn, pollFor, pollRecords, startSourceTask, useTestDatabase } from './harness.ts';

const db = useTestDatabase();

const confirmedFlush = (slot: string): Promise<bigint | null> => confirmedFlushLsn(db.sql, slot);

const afterOf = (r: { value: unknown }): Struct | null => (r.value as Struct).get('after') as Struct | null;
const beforeOf = (r: { value: unknown }): Struct | null => (r.value as Struct).get('before') as Struct | null;
const opOf = (r: { value: unknown }): string => (r.value as Struct).get('op') as string;

test('the LSN is confirmed only from flushed offsets, and a restart resumes without loss or duplicates', async () => {
  const table = uniqueName('resume');
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
  const config = db.config({
    'table.include.list': `public.${table}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
  });
  const slot = config['slot.name']!;
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  const initial = await confirmedFlush(slot);
  await db.sql.query(`INSERT INTO ${table} VALUES (1, 'a')`);
  await db.sql.query(`INSERT INTO ${table} VALUES (2, 'b')`);
  const first = await pollRecords(task, 2);
  assert.deepEqual(
    first.map((r) => afterOf(r)?.get('id')),
    [1, 2],
  );

  await task.commit(); // nothing flushed yet
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await confirmedFlush(slot), initial, 'nothing confirmed before offsets are flushed');

  reader.flush(first.slice(0, 1)); // only the first record's offset is durable
  await task.commit();
  await new Promise((r) => setTimeout(r, 300));
  const offset1 = first[0]!.sourceOffset as Record<string, number>;
  assert.equal(await confirmedFlush(slot), BigInt(offset1.lsn_commit ?? offset1.lsn_proc!));
  await task.stop();

  // Restart from the stored offset: record 2 was never flushed, so it comes again; record 1 does not.
  await db.sql.query(`INSERT INTO ${table} VALUES (3, 'c')`);
  task = await startSourceTask(config, reader);
  const second = await pollRecords(task, 2);
  assert.deepEqual(
    second.map((r) => afterOf(r)?.get('id')),
    [2, 3],
  );
  assert.deepEqual(await pollFor(task, 500), []);
  reader.flush(second);
  await task.commit();
  await task.stop();

  // Everything flushed: a restart delivers only new changes.
  await db.sql.query(
    `BEGIN; INSERT INTO ${table} VALUES (4, 'd'); INSERT INTO ${table} VALUES (5, 'e'); COMMIT`,
  );
  task = await startSourceTask(config, reader);
  const third = await pollRecords(task, 2);
  assert.deepEqual(
    third.map((r) => afterOf(r)?.get('id')),
    [4, 5],
  );
  const o = third[1]!.sourceOffset as Record<string, unknown>;
  // Debezium 3.6.1's keys (its goldens): no lsn_events_processed.
  assert.deepEqual(Object.keys(o).sort(), [
    'lsn',
    'lsn_commit',
    'lsn_proc',
    'messageType',
    'ts_usec',
    'txId',
  ]);
  assert.equal(o.messageType, 'INSERT');
  assert.deepEqual(third[1]!.sourcePartition, { server: 'dbserver1' });
  await task.stop();
  await dropSlot(db.sql, slot); // waits for the stopped task's walsender to let go
});

test('several records of one WAL change: a restart after only some of them were flushed emits the change again, never loses its tail', async () => {
  const t1 = uniqueName('multi');
  const t2 = uniqueName('multi');
  await db.sql.query(
    `CREATE TABLE ${t1} (id int PRIMARY KEY, v text); CREATE TABLE ${t2} (id int PRIMARY KEY)`,
  );
  const config = db.config({
    'table.include.list': `public.${t1},public.${t2}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'skipped.operations': 'none',
  });
  const slot = config['slot.name']!;
  let task = await startSourceTask(config);
  await pollFor(task, 200);
  await db.sql.query(`INSERT INTO ${t1} VALUES (1, 'a')`);
  await db.sql.query(`UPDATE ${t1} SET id = 2 WHERE id = 1`);
  await db.sql.query(`TRUNCATE ${t1}, ${t2}`);
  const all = await pollRecords(task, 6);
  await task.stop();
  const shape = (r: { value: unknown; topic: string }) =>
    r.value === null ? 'tombstone' : `${opOf(r)}:${r.topic.endsWith(t1) ? 't1' : 't2'}`;
  assert.deepEqual(all.map(shape), ['c:t1', 'd:t1', 'tombstone', 'c:t1', 't:t1', 't:t2']);
  // Only the last record of a change carries the change's own position; the others carry the
  // position before the change (here the previous transaction's commit).
  const offset = (i: number) => all[i]!.sourceOffset as Record<string, unknown>;
  assert.equal(offset(1).messageType, 'COMMIT', "the key change's delete");
  assert.deepEqual(offset(2), offset(1), 'its tombstone');
  assert.equal(offset(3).messageType, 'UPDATE', 'its create');
  assert.equal(offset(4).messageType, 'COMMIT', "the first table's truncate");
  assert.equal(offset(5).messageType, 'TRUNCATE', "the last table's truncate");
  // Restart with the offsets flushed up to each record: what comes again.
  const expectAfter: Array<[number, string[]]> = [
    [2, ['d:t1', 'tombstone', 'c:t1', 't:t1', 't:t2']],
    [3, ['t:t1', 't:t2']],
    [4, ['t:t1', 't:t2']],
    [5, []],
  ];
  for (const [last, expected] of expectAfter) {
    const reader = new MapOffsetReader();
    reader.flush(all.slice(0, last + 1));
    task = await startSourceTask(config, reader);
    try {
      const again =
        expected.length === 0 ? await pollFor(task, 800) : await pollRecords(task, expected.length);
      assert.deepEqual(again.map(shape), expected, `flushed up to record ${last}`);
      assert.deepEqual((await pollFor(task, 300)).map(shape), [], `nothing more after record ${last}`);
    } finally {
      await task.stop();
    }
  }
  await dropSlot(db.sql, slot);
});
test('snapshot then streaming; key change as delete + tombstone + create with headers; FULL identity before', async () => {
  const table = uniqueName('keys');
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text NOT NULL)`);
  await db.sql.query(`INSERT INTO ${table} VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
  const config = db.config({
    'table.include.list': `public.${table}`,
    'slot.name': uniqueName('slot'),
    'snapshot.fetch.size': '2',
    'slot.drop.on.stop': 'true',
  });
  const task = await startSourceTask(config);
  try {
    const snapshot = await pollRecords(task, 3);
    assert.deepEqual(snapshot.map(opOf), ['r', 'r', 'r']);
    assert.deepEqual(
      snapshot.map((r) => ((r.value as Struct).get('source') as Struct).get('snapshot')),
      ['first', 'true', 'last'],
    );
    assert.deepEqual(
      snapshot.map((r) => (r.sourceOffset as Record<string, unknown>).last_snapshot_record),
      [false, false, true],
    );
    assert.equal((snapshot[0]!.sourceOffset as Record<string, unknown>).snapshot, 'INITIAL');

    await db.sql.query(`UPDATE ${table} SET id = 10 WHERE id = 1`);
    const moved = await pollRecords(task, 3);
    assert.deepEqual(
      moved.map((r) => (r.value === null ? 'tombstone' : opOf(r))),
      ['d', 'tombstone', 'c'],
    );
    assert.equal((moved[0]!.key as Struct).get('id'), 1);
    assert.equal((moved[0]!.headers.lastWithName('__debezium.newkey')!.value as Struct).get('id'), 10);
    assert.equal((moved[2]!.headers.lastWithName('__debezium.oldkey')!.value as Struct).get('id'), 1);
    assert.equal((moved[2]!.key as Struct).get('id'), 10);

    await db.sql.query(`UPDATE ${table} SET v = 'bb' WHERE id = 2`);
    const [plain] = await pollRecords(task, 1);
    assert.equal(beforeOf(plain!), null, 'DEFAULT identity: no before image');

    await db.sql.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
    await db.sql.query(`UPDATE ${table} SET v = 'ccc' WHERE id = 3`);
    const [full] = await pollRecords(task, 1);
    assert.equal(beforeOf(full!)?.get('v'), 'c', 'FULL identity: whole before image');
    assert.equal(afterOf(full!)?.get('v'), 'ccc');
  } finally {
    await task.stop();
  }
  const res = await db.sql.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
    config['slot.name'],
  ]);
  assert.equal(res.rows.length, 0, 'slot.drop.on.stop removed the slot');
});

test('clear failures: unknown user, missing publication with autocreate disabled, slot in use', async () => {
  await assert.rejects(
    startSourceTask(db.config({ 'database.user': 'nobody_here' })),
    /Could not connect to PostgreSQL at .*role "nobody_here" does not exist/,
  );
  await assert.rejects(
    startSourceTask(
      db.config({ 'publication.autocreate.mode': 'disabled', 'publication.name': uniqueName('nopub') }),
    ),
    /Publication "nopub_.*" does not exist and publication.autocreate.mode is "disabled"/,
  );
  const config = db.config({
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'slot.max.retries': '2',
    'slot.retry.delay.ms': '100',
  });
  const first = await startSourceTask(config);
  try {
    await assert.rejects(
      startSourceTask(config),
      /Failed to start replication stream .*replication slot ".*" is in use by another process \(tried 2 times\)/,
    );
  } finally {
    await first.stop();
  }
  await dropSlot(db.sql, config['slot.name']!);
});

test('a server without wal_level=logical is refused with Debezium’s message', async () => {
  const server = await startPostgres({
    settings: { wal_level: 'replica' },
    ownerPid: process.pid,
    log: () => {},
  });
  try {
    const config = db.config({
      'database.hostname': server.host,
      'database.port': String(server.port),
      'database.dbname': 'postgres',
    });
    await assert.rejects(
      startSourceTask(config),
      /Postgres server wal_level property must be "logical" but is: replica/,
    );
  } finally {
    await server.stop();
  }
});

test('context headers: Debezium’s four on every change event, none with extended.headers.enabled=false', async () => {
  const table = uniqueName('headers');
  await db.sql.query(`CREATE TABLE ${table} (id int PRIMARY KEY); INSERT INTO ${table} VALUES (1)`);
  for (const enabled of ['true', 'false']) {
    const config = db.config({
      'table.include.list': `public.${table}`,
      'slot.name': uniqueName('slot'),
      'slot.drop.on.stop': 'true',
      'extended.headers.enabled': enabled,
    });
    const task = await startSourceTask(config);
    try {
      const [read] = await pollRecords(task, 1);
      const headers = [...read!.headers].map((h) => [h.key, h.value]);
      if (enabled === 'false') assert.deepEqual(headers, []);
      else {
        assert.deepEqual(headers.slice(0, 3), [
          ['__debezium.context.connectorLogicalName', 'dbserver1'],
          ['__debezium.context.taskId', '0'],
          ['__debezium.context.connectorName', 'postgresql'],
        ]);
        assert.equal(headers[3]![0], '__debezium.context.runId');
        assert.match(
          String(headers[3]![1]),
          /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
      }
    } finally {
      await task.stop();
    }
  }
});
