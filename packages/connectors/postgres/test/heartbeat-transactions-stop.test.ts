/**
 * Heartbeats (`heartbeat.interval.ms`, `heartbeat.action.query`), transaction metadata
 * (`provide.transaction.metadata`) and the confirmation of the last flushed LSN when the
 * runtime's final `commit()` comes after `stop()`, on a real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SourceRecord, Struct } from '@sluice/api';
import { MapOffsetReader, uniqueName } from '@sluice/testing';
import { parseLsn } from '../src/index.ts';
import {
  confirmedFlushLsn,
  dropInactiveSlot,
  pollFor,
  pollRecords,
  startSourceTask,
  toJson,
  useTestDatabase,
} from './harness.ts';

const db = useTestDatabase();

async function confirmedFlush(slot: string): Promise<bigint> {
  const lsn = await confirmedFlushLsn(db.sql, slot);
  if (lsn === null) throw new Error(`slot ${slot} has no confirmed_flush_lsn`);
  return lsn;
}

async function currentLsn(): Promise<bigint> {
  const res = await db.sql.query('SELECT pg_current_wal_lsn()::text AS lsn');
  return parseLsn((res.rows[0] as { lsn: string }).lsn);
}

const dropSlot = (slot: string): Promise<void> => dropInactiveSlot(db.sql, slot);

const offsetLsn = (r: SourceRecord): bigint => {
  const o = r.sourceOffset as Record<string, number>;
  return BigInt(o.lsn_commit ?? o.lsn_proc!);
};

test('heartbeats: Debezium’s topic, key and value; the offset and the slot advance on an idle database', async () => {
  const captured = uniqueName('hbcap');
  await db.sql.query(`CREATE TABLE ${captured} (id int PRIMARY KEY)`);
  const config = db.config({
    'table.include.list': `public.${captured}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'heartbeat.interval.ms': '200',
  });
  const slot = config['slot.name']!;
  const reader = new MapOffsetReader();
  const task = await startSourceTask(config, reader);
  try {
    const start = await confirmedFlush(slot);
    const first = (await pollFor(task, 1200)).filter((r) => r.topic === '__debezium-heartbeat.dbserver1');
    assert.ok(first.length >= 2, `heartbeats arrive every 200 ms on an idle database (got ${first.length})`);
    const hb = first.at(-1)!;
    assert.deepEqual(toJson(hb.keySchema, hb.key, true), {
      schema: {
        type: 'struct',
        fields: [{ type: 'string', optional: false, field: 'serverName' }],
        optional: false,
        name: 'io.debezium.connector.common.ServerNameKey',
        version: 1,
      },
      payload: { serverName: 'dbserver1' },
    });
    const value = toJson(hb.valueSchema, hb.value, false) as { schema: unknown; payload: { ts_ms: number } };
    assert.deepEqual(value.schema, {
      type: 'struct',
      fields: [{ type: 'int64', optional: false, field: 'ts_ms' }],
      optional: false,
      name: 'io.debezium.connector.common.Heartbeat',
      version: 1,
    });
    assert.ok(Math.abs(value.payload.ts_ms - Date.now()) < 5000, 'ts_ms is the current time');
    assert.deepEqual(hb.sourcePartition, { server: 'dbserver1' });

    // WAL moves only because of a table outside the publication's captured set: no change event
    // comes, but the heartbeats' offset moves past it, and flushing it moves the slot.
    const other = uniqueName('hbother');
    await db.sql.query(`CREATE TABLE ${other} (id int PRIMARY KEY)`);
    await db.sql.query(`INSERT INTO ${other} SELECT generate_series(1, 100)`);
    const written = await currentLsn();
    let advanced: SourceRecord | undefined;
    const deadline = Date.now() + 10_000;
    while (advanced === undefined && Date.now() < deadline) {
      const batch = (await task.poll()) ?? [];
      assert.ok(
        batch.every((r) => r.topic === '__debezium-heartbeat.dbserver1'),
        'only heartbeats: the other table is not captured',
      );
      advanced = batch.find((r) => offsetLsn(r) >= written);
    }
    assert.ok(advanced !== undefined, 'a heartbeat carries an offset at or past the WAL written meanwhile');
    await task.commit();
    assert.equal(
      await confirmedFlush(slot),
      start,
      'nothing confirmed before the heartbeat offset is flushed',
    );
    reader.flush([advanced]);
    await task.commit();
    const deadline2 = Date.now() + 5000;
    while ((await confirmedFlush(slot)) < written && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok((await confirmedFlush(slot)) >= written, 'the slot confirmed the heartbeat’s position');
  } finally {
    await task.stop();
  }
  await dropSlot(slot);
});

test('heartbeat.action.query runs on each heartbeat; a failing one fails the task with the query named', async () => {
  const beats = uniqueName('beats');
  await db.sql.query(`CREATE TABLE ${beats} (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
  const config = db.config({
    'table.include.list': `public.${beats}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'heartbeat.interval.ms': '150',
    'heartbeat.action.query': `INSERT INTO ${beats} DEFAULT VALUES`,
  });
  const task = await startSourceTask(config, new MapOffsetReader());
  let records: SourceRecord[];
  try {
    records = await pollFor(task, 1500);
  } finally {
    await task.stop();
  }
  const heartbeats = records.filter((r) => r.topic === '__debezium-heartbeat.dbserver1');
  const inserts = records.filter((r) => r.topic === `dbserver1.public.${beats}`);
  const rows = Number((await db.sql.query(`SELECT count(*) AS n FROM ${beats}`)).rows[0].n);
  assert.ok(heartbeats.length >= 3, `heartbeats emitted (${heartbeats.length})`);
  assert.ok(rows >= heartbeats.length, `the action query ran on each heartbeat (${rows} rows)`);
  assert.ok(inserts.length >= 1, 'the rows the action query wrote are streamed as changes');
  await dropSlot(config['slot.name']!);

  const bad = db.config({
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'heartbeat.interval.ms': '100',
    'heartbeat.action.query': 'INSERT INTO no_such_table VALUES (1)',
  });
  const failing = await startSourceTask(bad, new MapOffsetReader());
  try {
    await assert.rejects(
      pollFor(failing, 1500),
      /heartbeat\.action\.query failed \(INSERT INTO no_such_table VALUES \(1\)\): relation "no_such_table" does not exist/,
    );
  } finally {
    await failing.stop();
  }
  await dropSlot(bad['slot.name']!);
});

test('provide.transaction.metadata: BEGIN/END events, transaction blocks and offset keys', async () => {
  const a = uniqueName('txa');
  const b = uniqueName('txb');
  await db.sql.query(`CREATE TABLE ${a} (id int PRIMARY KEY); CREATE TABLE ${b} (id int PRIMARY KEY)`);
  const config = db.config({
    'table.include.list': `public.${a},public.${b}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
    'provide.transaction.metadata': 'true',
  });
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  let records: SourceRecord[];
  try {
    await db.sql.query(
      `BEGIN; INSERT INTO ${a} VALUES (1); INSERT INTO ${b} VALUES (1); INSERT INTO ${a} VALUES (2); COMMIT`,
    );
    records = await pollRecords(task, 5);
  } finally {
    await task.stop();
  }
  assert.deepEqual(
    records.map((r) => r.topic),
    [
      'dbserver1.transaction',
      `dbserver1.public.${a}`,
      `dbserver1.public.${b}`,
      `dbserver1.public.${a}`,
      'dbserver1.transaction',
    ],
  );
  const [begin, e1, e2, e3, end] = records as [
    SourceRecord,
    SourceRecord,
    SourceRecord,
    SourceRecord,
    SourceRecord,
  ];
  const source = (r: SourceRecord) => (r.value as Struct).get('source') as Struct;
  const xid = String(source(e1).get('txId'));
  const commitMs = source(e1).get('ts_ms');
  // Debezium 3.6.1's ids are `<xid>:<LSN>`: the BEGIN's LSN (that of the first change), each
  // change's own, the commit's end LSN for END (see the goldens, mode transaction-metadata).
  const idAt = (r: SourceRecord) => `${xid}:${source(r).get('lsn')}`;
  const endId = `${xid}:${(end.sourceOffset as Record<string, unknown>).lsn}`;

  assert.deepEqual(toJson(begin.keySchema, begin.key, true), {
    schema: {
      type: 'struct',
      fields: [{ type: 'string', optional: false, field: 'id' }],
      optional: false,
      name: 'io.debezium.connector.common.TransactionMetadataKey',
      version: 1,
    },
    payload: { id: idAt(e1) },
  });
  const valueSchema = {
    type: 'struct',
    fields: [
      { type: 'string', optional: false, field: 'status' },
      { type: 'string', optional: false, field: 'id' },
      { type: 'int64', optional: true, field: 'event_count' },
      {
        type: 'array',
        items: {
          type: 'struct',
          fields: [
            { type: 'string', optional: false, field: 'data_collection' },
            { type: 'int64', optional: false, field: 'event_count' },
          ],
          optional: true,
          name: 'event.collection',
          version: 1,
        },
        optional: true,
        field: 'data_collections',
      },
      { type: 'int64', optional: false, field: 'ts_ms' },
    ],
    optional: false,
    name: 'io.debezium.connector.common.TransactionMetadataValue',
    version: 1,
  };
  assert.deepEqual(toJson(begin.valueSchema, begin.value, false), {
    schema: valueSchema,
    payload: { status: 'BEGIN', id: idAt(e1), event_count: null, data_collections: null, ts_ms: commitMs },
  });
  const endJson = toJson(end.valueSchema, end.value, false) as {
    payload: { data_collections: Array<{ data_collection: string }> };
  };
  // The collections come in the order of Debezium's HashMap of them (checked by the goldens).
  endJson.payload.data_collections.sort((x, y) => x.data_collection.localeCompare(y.data_collection));
  assert.deepEqual(endJson, {
    schema: valueSchema,
    payload: {
      status: 'END',
      id: endId,
      event_count: 3,
      data_collections: [
        { data_collection: `public.${a}`, event_count: 2 },
        { data_collection: `public.${b}`, event_count: 1 },
      ],
      ts_ms: commitMs,
    },
  });

  assert.deepEqual(
    [e1, e2, e3].map((r) => {
      const t = (r.value as Struct).get('transaction') as Struct;
      return [t.get('id'), t.get('total_order'), t.get('data_collection_order')];
    }),
    [
      [idAt(e1), 1, 1],
      [idAt(e2), 2, 1],
      [idAt(e3), 3, 2],
    ],
  );

  // Offsets: Debezium's transaction-context keys on every event of the transaction.
  const o = (r: SourceRecord) => r.sourceOffset as Record<string, unknown>;
  assert.equal(o(begin).messageType, 'BEGIN');
  assert.equal(o(begin).transaction_id, idAt(e1));
  assert.equal(o(e2).transaction_id, idAt(e2));
  assert.equal(o(e2)[`transaction_data_collection_order_public.${a}`], 1);
  assert.equal(o(e2)[`transaction_data_collection_order_public.${b}`], 1);
  assert.equal(o(e3)[`transaction_data_collection_order_public.${a}`], 2);
  assert.equal(o(end).messageType, 'COMMIT');
  assert.equal(o(end).transaction_id, endId);
  assert.equal(o(end)[`transaction_data_collection_order_public.${a}`], 2);

  // Restart from an offset inside the transaction: the rest of it comes again, its BEGIN does not.
  reader.flush([begin, e1]);
  task = await startSourceTask(config, reader);
  try {
    const again = await pollRecords(task, 3);
    assert.deepEqual(
      again.map((r) =>
        r.topic === 'dbserver1.transaction'
          ? (r.value as Struct).get('status')
          : `${(r.value as Struct).get('op')}:${r.topic}`,
      ),
      [`c:dbserver1.public.${b}`, `c:dbserver1.public.${a}`, 'END'],
    );
    assert.deepEqual(await pollFor(task, 400), []);
  } finally {
    await task.stop();
  }
  await dropSlot(config['slot.name']!);
});

test('stop() before the final commit(): the last flushed position is still confirmed to PostgreSQL', async () => {
  const name = uniqueName('stopc');
  await db.sql.query(`CREATE TABLE ${name} (id int PRIMARY KEY)`);
  const config = db.config({
    'table.include.list': `public.${name}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'no_data',
  });
  const slot = config['slot.name']!;
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  const start = await confirmedFlush(slot);
  await db.sql.query(`INSERT INTO ${name} VALUES (1)`);
  await db.sql.query(`INSERT INTO ${name} VALUES (2)`);
  await db.sql.query(`INSERT INTO ${name} VALUES (3)`);
  const records = await pollRecords(task, 3);
  assert.equal(records.length, 3);
  // WorkerSourceTask's order on a graceful stop: stop() (ends a blocking poll), then the last
  // offset flush, then commit().
  await task.stop();
  reader.flush(records);
  await task.commit();
  const expected = offsetLsn(records[2]!);
  assert.ok(expected > start);
  assert.equal(await confirmedFlush(slot), expected, 'the flushed lsn_commit is confirmed after stop');

  // A restart re-sends only the unconfirmed last transaction, which the offset filters out.
  task = await startSourceTask(config, reader);
  try {
    assert.deepEqual(await pollFor(task, 600), []);
  } finally {
    await task.stop();
  }
  await dropSlot(slot);
});

test('a task that fails releases its replication slot at once (issue 12: it stayed active ~10 s)', async () => {
  const table = uniqueName('fails');
  const slot = uniqueName('slot');
  await db.sql.query(`CREATE TABLE ${table} (id int4 PRIMARY KEY, a int4[])`);
  const task = await startSourceTask(
    db.config({ 'table.include.list': `public.${table}`, 'slot.name': slot, 'snapshot.mode': 'no_data' }),
  );
  const active = async (): Promise<boolean> => {
    const res = await db.sql.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    return (res.rows[0] as { active: boolean } | undefined)?.active === true;
  };
  try {
    await pollFor(task, 300);
    assert.equal(await active(), true, 'the slot is in use while streaming');
    // A value the task cannot convert (a two-dimensional array) fails it.
    await db.sql.query(`INSERT INTO ${table} VALUES (1, '{{1,2},{3,4}}')`);
    let failure: unknown;
    const deadline = Date.now() + 10_000;
    while (failure === undefined && Date.now() < deadline) {
      try {
        await task.poll();
      } catch (err) {
        failure = err;
      }
    }
    assert.match(String(failure), /Multi-dimensional arrays/);
    // Released when poll() throws: at most the walsender's exit, well under a second.
    const failedAt = Date.now();
    while ((await active()) && Date.now() - failedAt < 1000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(
      await active(),
      false,
      `slot still active ${Date.now() - failedAt} ms after the task failed`,
    );
  } finally {
    await task.stop();
    await dropSlot(slot);
  }
});
