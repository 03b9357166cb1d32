/**
 * Golden files, part 2 (part 1 is `golden.test.ts`):
 *
 * - `golden/streaming/`: snapshot then streaming across two tables, one under REPLICA IDENTITY
 *   FULL holding arrays, an enum, json/jsonb, uuid, bytea, numerics and every temporal type, one
 *   under DEFAULT; creates, updates, deletes (with tombstones) and truncates (`skipped.operations`
 *   set to `none`). Each event's key and value as JsonConverter writes them with schemas on.
 * - `golden/modes/`: the same columns under each `binary.handling.mode`, `decimal.handling.mode`
 *   and supported `time.precision.mode`: the field schemas and the values of a snapshot read.
 *
 * The expected JSON follows digest §1.6–§1.7 (schema names, versions, parameters, encodings);
 * values that change between runs (timestamps, LSNs, xids, the database name, the version) are
 * checked for their type and replaced by "<volatile>". `SLUICE_UPDATE_GOLDEN=1` rewrites the
 * files from the current output (then review the diff against the digest before committing).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { SourceRecord } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { maskVolatile, pollRecords, startSourceTask, toJson, useTestDatabase } from './harness.ts';

const UPDATE = process.env.SLUICE_UPDATE_GOLDEN === '1';
const db = useTestDatabase(async (created) => {
  await created.sql.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
});

async function matchGolden(path: string, actual: unknown): Promise<void> {
  const url = new URL(`golden/${path}.json`, import.meta.url);
  if (UPDATE) await writeFile(url, `${JSON.stringify(actual, null, 2)}\n`);
  const expected = JSON.parse(await readFile(url, 'utf8')) as unknown;
  assert.deepEqual(actual, expected, path);
}

/** Columns of every type the modes change, plus arrays, enum, json, uuid. Types in §1.7 order. */
const TYPED_COLUMNS = `
  id int4 PRIMARY KEY,
  ints int4[], texts text[], feeling mood, doc json, docb jsonb, uid uuid,
  bin bytea, amount numeric(10,3), anynum numeric, price money,
  day date, t3 time(3), t6 time, ts3 timestamp(3), ts6 timestamp, tstz timestamptz, ttz timetz,
  span interval`;

const TYPED_ROW = `(1, '{1,2,NULL}', '{"a b","c\\"d",NULL}', 'ok', '{"a": [1, 2]}', '{"b": {"c": true}, "a": 1}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xfbffbf', 12.345, 1.5, 1234.56,
  '2024-02-29', '13:14:15.123', '13:14:15.123456', '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.123456',
  '2024-02-29 13:14:15.123456+02', '13:14:15.5+02', '1 day 02:00:00')`;

test('snapshot and streaming across tables under REPLICA IDENTITY FULL and DEFAULT, truncates included', async () => {
  const full = uniqueName('gold_full');
  const plain = uniqueName('gold_default');
  await db.sql.query(`CREATE TABLE ${full} (${TYPED_COLUMNS})`);
  await db.sql.query(`ALTER TABLE ${full} REPLICA IDENTITY FULL`);
  await db.sql.query(`CREATE TABLE ${plain} (id int8 PRIMARY KEY, v text NOT NULL, n int2)`);
  await db.sql.query(`INSERT INTO ${full} VALUES ${TYPED_ROW}`);
  await db.sql.query(`INSERT INTO ${plain} VALUES (10, 'ten', 1)`);
  const config = db.config({
    'table.include.list': `public.${full},public.${plain}`,
    'slot.name': uniqueName('slot'),
    'slot.drop.on.stop': 'true',
    'skipped.operations': 'none',
    // Topic names hold the unique table names; golden files name them by role.
    'topic.prefix': 'gold',
  });
  const task = await startSourceTask(config);
  let records: SourceRecord[];
  try {
    const snapshot = await pollRecords(task, 2);
    await db.sql.query(`INSERT INTO ${full} (id, ints, feeling, bin, amount, day, tstz)
                        VALUES (2, '{}', 'happy', '\\x', -0.5, '1969-12-31', '1970-01-01 00:00:00+00')`);
    await db.sql.query(`UPDATE ${full} SET feeling = 'sad', texts = NULL WHERE id = 1`);
    await db.sql.query(`DELETE FROM ${full} WHERE id = 2`);
    await db.sql.query(`UPDATE ${plain} SET v = 'TEN', n = NULL WHERE id = 10`);
    await db.sql.query(`DELETE FROM ${plain} WHERE id = 10`);
    await db.sql.query(`TRUNCATE ${plain}`);
    const streamed = await pollRecords(task, 8);
    records = [...snapshot, ...streamed];
  } finally {
    await task.stop();
  }
  // The snapshot reads tables in schema/name order: gold_default_* before gold_full_*.
  const names = [
    'default.read',
    'full.read',
    'full.create',
    'full.update',
    'full.delete',
    'full.tombstone',
    'default.update',
    'default.delete',
    'default.tombstone',
    'default.truncate',
  ];
  assert.equal(records.length, names.length);
  const rename = (text: string): string =>
    text.replaceAll(full, 'gold_full').replaceAll(plain, 'gold_default');
  for (let i = 0; i < names.length; i++) {
    const r = records[i]!;
    const name = names[i]!;
    assert.equal(rename(r.topic), `gold.public.${name.startsWith('full') ? 'gold_full' : 'gold_default'}`);
    const event = {
      key: toJson(r.keySchema, r.key, true),
      value: maskVolatile(toJson(r.valueSchema, r.value, false), db.name),
    };
    await matchGolden(`streaming/${name}`, JSON.parse(rename(JSON.stringify(event))));
  }
});

const MODES: Array<{ name: string; key: string; value: string; columns: string[] }> = [
  ...['bytes', 'base64', 'base64-url-safe', 'hex'].map((value) => ({
    name: `binary.handling.mode=${value}`,
    key: 'binary.handling.mode',
    value,
    columns: ['bin'],
  })),
  ...['precise', 'double', 'string'].map((value) => ({
    name: `decimal.handling.mode=${value}`,
    key: 'decimal.handling.mode',
    value,
    columns: ['amount', 'anynum', 'price'],
  })),
  ...['adaptive', 'adaptive_time_microseconds', 'connect'].map((value) => ({
    name: `time.precision.mode=${value}`,
    key: 'time.precision.mode',
    value,
    columns: ['day', 't3', 't6', 'ts3', 'ts6', 'tstz', 'ttz', 'span'],
  })),
];

test('type modes: field schemas and values of a snapshot read under each mode', async () => {
  const name = uniqueName('gold_modes');
  await db.sql.query(`CREATE TABLE ${name} (${TYPED_COLUMNS})`);
  await db.sql.query(`INSERT INTO ${name} VALUES ${TYPED_ROW}`);
  for (const mode of MODES) {
    const config = db.config({
      'table.include.list': `public.${name}`,
      'snapshot.mode': 'initial_only',
      'topic.prefix': 'gold',
      [mode.key]: mode.value,
    });
    const task = await startSourceTask(config);
    let record: SourceRecord;
    try {
      [record] = (await pollRecords(task, 1)) as [SourceRecord];
    } finally {
      await task.stop();
    }
    const json = toJson(record.valueSchema, record.value, false) as {
      schema: { fields: Array<{ field: string; fields?: Array<{ field: string }> }> };
      payload: { after: Record<string, unknown> };
    };
    const rowFields = json.schema.fields.find((f) => f.field === 'after')!.fields!;
    const pick = <T>(entries: Array<[string, T]>) =>
      Object.fromEntries(entries.filter(([k]) => mode.columns.includes(k)));
    await matchGolden(`modes/${mode.name}`, {
      fields: pick(rowFields.map((f) => [f.field, f])),
      after: pick(Object.entries(json.payload.after)),
    });
  }
});
