/**
 * Golden files: the key and value of snapshot/insert/update/delete events (and the tombstone),
 * serialized with JsonConverter (schemas enabled), equal Debezium's JSON as written by hand in
 * `golden/` from the reference (schema names, versions, field order, optionality, logical types,
 * value encodings). Values that change from run to run (timestamps, LSNs, transaction ids, the
 * database name, the version) are checked for their type and then replaced by "<volatile>".
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { maskVolatile, pollRecords, startSourceTask, toJson, useTestDatabase } from './harness.ts';

const db = useTestDatabase();

async function golden(name: string): Promise<unknown> {
  return JSON.parse(await readFile(new URL(`golden/${name}.json`, import.meta.url), 'utf8'));
}

test('snapshot, insert, update and delete events serialize to Debezium JSON', async () => {
  await db.sql.query(`CREATE TABLE golden_types (
      id int4 PRIMARY KEY, small int2 NOT NULL, big int8, price numeric(10,2), ratio float8, flag boolean,
      name varchar(50) NOT NULL, note text, data bytea, born date, created timestamp, updated timestamptz,
      meta jsonb, uid uuid)`);
  await db.sql.query(`COMMENT ON COLUMN golden_types.note IS 'free text'`);
  await db.sql.query(`INSERT INTO golden_types VALUES (1, 7, 1234567890123, 12.50, 1.5, true, 'Ann', 'hello',
      '\\x01ff', '1990-05-06', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02', '{"a":1}',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')`);
  const config = db.config({ 'table.include.list': 'public.golden_types' });
  const task = await startSourceTask(config);
  try {
    const snapshot = await pollRecords(task, 1);
    await db.sql.query(`INSERT INTO golden_types (id, small, name) VALUES (2, -3, 'Bob')`);
    await db.sql.query(`UPDATE golden_types SET note = 'changed' WHERE id = 2`);
    await db.sql.query('DELETE FROM golden_types WHERE id = 2');
    const streamed = await pollRecords(task, 4);
    const records = [...snapshot, ...streamed];
    assert.equal(records.length, 5);

    const names = ['read', 'create', 'update', 'delete', 'tombstone'];
    for (let i = 0; i < names.length; i++) {
      const r = records[i]!;
      const name = names[i]!;
      assert.equal(r.topic, 'dbserver1.public.golden_types');
      assert.deepEqual(toJson(r.keySchema, r.key, true), await golden(`${name}.key`), `${name} key`);
      const value = toJson(r.valueSchema, r.value, false);
      if (name === 'tombstone') assert.equal(value, null, 'tombstone value');
      else assert.deepEqual(maskVolatile(value, db.name), await golden(`${name}.value`), `${name} value`);
    }
  } finally {
    await task.stop();
  }
});
