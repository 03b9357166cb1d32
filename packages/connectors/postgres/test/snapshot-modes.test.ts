/**
 * `snapshot.mode` on a real PostgreSQL (digest §1.3): `always` snapshots on every start and then
 * streams; `initial_only` snapshots and never streams (and does nothing once its snapshot is
 * recorded); `when_needed` snapshots when there is no offset or the slot cannot serve the stored
 * position (here: the slot is gone), and otherwise resumes streaming.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SourceRecord, Struct } from '@sluice/api';
import { MapOffsetReader, uniqueName } from '@sluice/testing';
import { dropInactiveSlot, pollFor, pollRecords, startSourceTask, useTestDatabase } from './harness.ts';

const db = useTestDatabase();

const opOf = (r: SourceRecord): string => (r.value as Struct).get('op') as string;
const idOf = (r: SourceRecord): number => (r.key as Struct).get('id') as number;
const summary = (records: SourceRecord[]): string[] => records.map((r) => `${opOf(r)}${idOf(r)}`);

async function slotExists(slot: string): Promise<boolean> {
  const res = await db.sql.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return res.rows.length > 0;
}

/** Drops a slot once the walsender of a stopped task has let go of it. */
const dropSlot = (slot: string): Promise<void> => dropInactiveSlot(db.sql, slot);

async function table(): Promise<string> {
  const name = uniqueName('snap');
  await db.sql.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v text)`);
  await db.sql.query(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b')`);
  return name;
}

test('always: a snapshot on every start, each followed by streaming', async () => {
  const name = await table();
  const config = db.config({
    'table.include.list': `public.${name}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'always',
  });
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  try {
    const first = await pollRecords(task, 2);
    assert.deepEqual(summary(first), ['r1', 'r2']);
    await db.sql.query(`INSERT INTO ${name} VALUES (3, 'c')`);
    const streamed = await pollRecords(task, 1);
    assert.deepEqual(summary(streamed), ['c3']);
    reader.flush([...first, ...streamed]);
    await task.commit();
  } finally {
    await task.stop();
  }

  // The stored offset says the snapshot is complete, yet `always` takes it again, then streams.
  task = await startSourceTask(config, reader);
  try {
    const second = await pollRecords(task, 3);
    assert.deepEqual(summary(second), ['r1', 'r2', 'r3']);
    assert.equal(((second[2]!.value as Struct).get('source') as Struct).get('snapshot'), 'last');
    await db.sql.query(`UPDATE ${name} SET v = 'bb' WHERE id = 2`);
    const streamed = await pollRecords(task, 1);
    assert.deepEqual(summary(streamed), ['u2']);
  } finally {
    await task.stop();
  }
  await dropSlot(config['slot.name']!);
});

test('initial_only: a snapshot and no streaming; with the snapshot recorded, nothing at all', async () => {
  const name = await table();
  const config = db.config({
    'table.include.list': `public.${name}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'initial_only',
  });
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  try {
    const snapshot = await pollRecords(task, 2);
    assert.deepEqual(summary(snapshot), ['r1', 'r2']);
    assert.equal((snapshot[1]!.sourceOffset as Record<string, unknown>).last_snapshot_record, true);
    await db.sql.query(`INSERT INTO ${name} VALUES (3, 'c')`);
    assert.deepEqual(await pollFor(task, 800), [], 'no streaming after the snapshot');
    reader.flush(snapshot);
    await task.commit();
  } finally {
    await task.stop();
  }
  assert.equal(await slotExists(config['slot.name']!), false, 'no slot is created for initial_only');

  task = await startSourceTask(config, reader);
  try {
    assert.deepEqual(await pollFor(task, 600), [], 'the snapshot is not taken twice');
  } finally {
    await task.stop();
  }
});

test('when_needed: snapshot without offset, resume with a usable slot, snapshot again when the slot is gone', async () => {
  const name = await table();
  const config = db.config({
    'table.include.list': `public.${name}`,
    'slot.name': uniqueName('slot'),
    'snapshot.mode': 'when_needed',
  });
  const slot = config['slot.name']!;
  const reader = new MapOffsetReader();
  let task = await startSourceTask(config, reader);
  try {
    const snapshot = await pollRecords(task, 2);
    assert.deepEqual(summary(snapshot), ['r1', 'r2']);
    await db.sql.query(`INSERT INTO ${name} VALUES (3, 'c')`);
    await db.sql.query(`INSERT INTO ${name} VALUES (4, 'd')`);
    const streamed = await pollRecords(task, 2);
    assert.deepEqual(summary(streamed), ['c3', 'c4']);
    reader.flush([...snapshot, ...streamed]);
    await task.commit();
  } finally {
    await task.stop();
  }

  // The offset's position is still in the slot: no snapshot, streaming resumes where it stopped
  // (the last transaction was never confirmed, so the server sends it again and it is filtered).
  await db.sql.query(`INSERT INTO ${name} VALUES (5, 'e')`);
  task = await startSourceTask(config, reader);
  try {
    const resumed = await pollRecords(task, 1);
    assert.deepEqual(summary(resumed), ['c5']);
    assert.deepEqual(await pollFor(task, 500), []);
    reader.flush(resumed);
    await task.commit();
  } finally {
    await task.stop();
  }

  // The slot is dropped: the stored position can no longer be served, so a new snapshot is taken.
  await dropSlot(slot);
  task = await startSourceTask(config, reader);
  try {
    const again = await pollRecords(task, 5);
    assert.deepEqual(summary(again), ['r1', 'r2', 'r3', 'r4', 'r5']);
    await db.sql.query(`DELETE FROM ${name} WHERE id = 1`);
    const streamed = await pollRecords(task, 2);
    assert.equal(opOf(streamed[0]!), 'd');
    assert.equal(streamed[1]!.value, null, 'tombstone');
  } finally {
    await task.stop();
  }
  await dropSlot(slot);
});
