/** The PostgreSQL the test kit starts is usable for change data capture: logical WAL, pgoutput slots, publications. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniqueName, usePostgres } from '@sluice/testing';
import pg from 'pg';

let client: pg.Client;

before(async () => {
  const server = await usePostgres();
  client = new pg.Client({ connectionString: server.connectionString });
  await client.connect();
});

after(async () => {
  await client?.end();
});

test('the server runs PostgreSQL 15 with wal_level=logical', async () => {
  const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  assert.match(version.rows[0]!.server_version_num, /^15\d{4}$/);
  const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
  assert.equal(wal.rows[0]!.wal_level, 'logical');
});

test('a pgoutput slot sees a committed change through a publication', async () => {
  const table = uniqueName('t')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const slot = uniqueName('slot')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const publication = `${table}_pub`;
  await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
  await client.query(`CREATE PUBLICATION ${publication} FOR TABLE ${table}`);
  await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  try {
    await client.query(`INSERT INTO ${table} VALUES (1, 'one')`);
    const changes = await client.query<{ data: Buffer }>(
      `SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
      [slot, publication],
    );
    // pgoutput messages: B(egin), R(elation), I(nsert), C(ommit).
    const kinds = changes.rows.map((r) => String.fromCharCode(r.data[0]!));
    assert.deepEqual(kinds, ['B', 'R', 'I', 'C']);
    assert.ok(changes.rows[2]!.data.includes(Buffer.from('one')));
  } finally {
    await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    await client.query(`DROP PUBLICATION ${publication}`);
    await client.query(`DROP TABLE ${table}`);
  }
});
