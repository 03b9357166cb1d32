/**
 * `transaction.isolation.mode` on the source's connection (Confluent's values; a level the
 * database does not support is logged and the default kept), seen from inside the source's own
 * query; and PostgreSQL array columns on the source, left out of the records with Confluent's
 * "not currently supported" warning, as its JDBC source does for java.sql.Types.ARRAY.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Struct } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { captureLogs, KINDS, startSource, type TestDb, testDb } from './helpers.ts';

/** The query that shows the session's isolation level, and how each level reads in it. */
const LEVEL_QUERY = {
  mariadb: 'SELECT @@tx_isolation AS iso',
  postgresql: "SELECT current_setting('transaction_isolation') AS iso",
  sqlite: 'SELECT 1 AS iso',
} as const;
const LEVELS: Record<'mariadb' | 'postgresql', Record<string, string>> = {
  mariadb: {
    DEFAULT: 'REPEATABLE-READ',
    READ_UNCOMMITTED: 'READ-UNCOMMITTED',
    READ_COMMITTED: 'READ-COMMITTED',
    REPEATABLE_READ: 'REPEATABLE-READ',
    SERIALIZABLE: 'SERIALIZABLE',
    SQL_SERVER_SNAPSHOT: 'REPEATABLE-READ',
  },
  postgresql: {
    DEFAULT: 'read committed',
    READ_UNCOMMITTED: 'read uncommitted',
    READ_COMMITTED: 'read committed',
    REPEATABLE_READ: 'repeatable read',
    SERIALIZABLE: 'serializable',
    SQL_SERVER_SNAPSHOT: 'read committed',
  },
};

for (const kind of KINDS) {
  describe(`transaction.isolation.mode on ${kind}`, () => {
    let db: TestDb;
    before(async () => {
      db = await testDb(kind);
    });
    after(async () => {
      await db?.cleanup();
    });

    /** The level the source's query ran at (and the warnings logged on the way). */
    const levelSeen = async (mode: string): Promise<{ level: unknown; warnings: string[] }> => {
      const logs = captureLogs();
      const run = await startSource({
        ...db.connection(),
        mode: 'bulk',
        query: LEVEL_QUERY[kind],
        'topic.prefix': 'iso',
        'transaction.isolation.mode': mode,
      });
      try {
        const [record] = await run.pollUntil(1);
        const value = record!.value as Struct;
        return {
          level: value.schema.field('iso') === null ? null : value.get('iso'),
          warnings: logs.lines.filter((l) => l.startsWith('WARN') && l.includes('isolation')),
        };
      } finally {
        await run.stop();
        logs.restore();
      }
    };

    if (kind === 'sqlite') {
      test('SERIALIZABLE is applied quietly; the levels the driver lacks are logged', async () => {
        assert.deepEqual((await levelSeen('SERIALIZABLE')).warnings, []);
        for (const mode of ['READ_UNCOMMITTED', 'READ_COMMITTED', 'REPEATABLE_READ', 'SQL_SERVER_SNAPSHOT']) {
          assert.deepEqual((await levelSeen(mode)).warnings, [
            `WARN Unable to set transaction.isolation.mode: ${mode}. No transaction isolation mode will be set for the queries: Transaction Isolation level not supported by database`,
          ]);
        }
      });
      return;
    }

    test('each level is the one the source queries at; SQL_SERVER_SNAPSHOT is logged and left at the default', async () => {
      for (const [mode, expected] of Object.entries(LEVELS[kind])) {
        // The value is case-insensitive, as Confluent's validator says.
        const seen = await levelSeen(mode === 'READ_COMMITTED' ? 'read_committed' : mode);
        assert.equal(seen.level, expected, mode);
        assert.deepEqual(
          seen.warnings,
          mode === 'SQL_SERVER_SNAPSHOT'
            ? [
                'WARN Unable to set transaction.isolation.mode: SQL_SERVER_SNAPSHOT. No transaction isolation mode will be set for the queries: Transaction Isolation level not supported by database',
              ]
            : [],
          mode,
        );
      }
    });
  });
}

describe('PostgreSQL arrays on the source', () => {
  let db: TestDb;
  before(async () => {
    db = await testDb('postgresql');
  });
  after(async () => {
    await db?.cleanup();
  });

  test('array columns are left out with a warning naming the type, once; the other columns arrive', async () => {
    const table = uniqueName('arrays');
    await db.exec(
      `CREATE TABLE ${table} (id SERIAL PRIMARY KEY, tags TEXT[], nums INT[] NOT NULL, name TEXT)`,
    );
    await db.exec(
      `INSERT INTO ${table} (tags, nums, name) VALUES ('{a,b}', '{1,2}', 'one'), (NULL, '{}', 'two')`,
    );
    const logs = captureLogs();
    const run = await startSource({
      ...db.connection(),
      'table.whitelist': table,
      mode: 'incrementing',
      'incrementing.column.name': 'id',
      'topic.prefix': 'arr-',
      'poll.interval.ms': '100',
    });
    try {
      const records = await run.pollUntil(2);
      assert.deepEqual(
        records[0]!.valueSchema!.fields.map((f) => f.name),
        ['id', 'name'],
      );
      assert.deepEqual(
        records.map((r) => [(r.value as Struct).get('id'), (r.value as Struct).get('name')]),
        [
          [1, 'one'],
          [2, 'two'],
        ],
      );
      await db.exec(`INSERT INTO ${table} (tags, nums, name) VALUES ('{c}', '{3}', 'three')`);
      await run.pollUntil(1);
      const warnings = logs.lines.filter((l) => l.startsWith('WARN'));
      assert.deepEqual(warnings, [
        `WARN JDBC type 2003 (_text) not currently supported (column 'tags' of table public.${table} is left out of the records)`,
        `WARN JDBC type 2003 (_int4) not currently supported (column 'nums' of table public.${table} is left out of the records)`,
      ]);
    } finally {
      await run.stop();
      logs.restore();
    }
  });
});
