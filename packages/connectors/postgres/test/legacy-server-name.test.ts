/**
 * A Debezium 1.x PostgreSQL config names its topics with `database.server.name`; Debezium 2.0
 * renamed it `topic.prefix`. Such a config is refused on `topic.prefix` (required), and the error
 * says which key to set and to what.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PostgresConnector } from '../src/postgres-connector.ts';

const base = {
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'database.user': 'postgres',
  'database.dbname': 'inventory',
  'plugin.name': 'pgoutput',
};

function errorsOf(config: Record<string, string>, key: string): Promise<string[]> {
  return new PostgresConnector()
    .validate(config)
    .then((c) => c.configValues.find((v) => v.name === key)?.errorMessages ?? []);
}

test('database.server.name without topic.prefix: the error points at topic.prefix', async () => {
  // No database.hostname: validation stops before connecting.
  const errors = await errorsOf({ ...base, 'database.server.name': 'dbserver1' }, 'topic.prefix');
  assert.ok(
    errors.some((e) =>
      /database\.server\.name is Debezium 1\.x's key: .*set topic\.prefix=dbserver1/.test(e),
    ),
    errors.join('\n'),
  );
});

test('topic.prefix set: no hint, whatever else is there', async () => {
  const errors = await errorsOf(
    { ...base, 'database.server.name': 'dbserver1', 'topic.prefix': 'dbserver1' },
    'topic.prefix',
  );
  assert.deepEqual(errors, []);
  const without = await errorsOf(base, 'topic.prefix');
  assert.ok(!without.some((e) => e.includes('database.server.name')), without.join('\n'));
});
