import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@sluice/api';
import {
  PostgresConnector,
  PostgresConnectorConfig,
  PostgresSourceTask,
  sluicePlugins,
} from '../src/index.ts';
import { useTestDatabase } from './harness.ts';

const minimal = {
  'database.hostname': 'localhost',
  'database.user': 'u',
  'database.dbname': 'd',
  'topic.prefix': 'dbserver1',
};

test('defaults are Debezium’s (plugin.name aside)', () => {
  const c = new PostgresConnectorConfig(minimal);
  assert.equal(c.port, 5432);
  assert.equal(c.sslMode, 'prefer');
  assert.equal(c.slotName, 'debezium');
  assert.equal(c.publicationName, 'dbz_publication');
  assert.equal(c.publicationAutocreateMode, 'all_tables');
  assert.equal(c.snapshotMode, 'initial');
  assert.equal(c.snapshotFetchSize, 10240);
  assert.equal(c.tombstonesOnDelete, true);
  assert.deepEqual([...c.skippedOperations], ['t']);
  assert.equal(c.maxBatchSize, 2048);
  assert.equal(c.maxQueueSize, 8192);
  assert.equal(c.statusUpdateIntervalMs, 10000);
  assert.equal(c.heartbeatIntervalMs, 0);
  assert.equal(c.heartbeatTopic, '__debezium-heartbeat.dbserver1');
  assert.equal(c.decimalHandlingMode, 'precise');
  assert.equal(c.timePrecisionMode, 'adaptive');
  assert.equal(c.binaryHandlingMode, 'bytes');
  assert.equal(c.password, null);
  assert.equal(new PostgresConnectorConfig({ ...minimal, 'snapshot.mode': 'never' }).snapshotMode, 'no_data');
  assert.equal(PostgresConnector.javaClass, 'io.debezium.connector.postgresql.PostgresConnector');
  assert.deepEqual([...PostgresConnector.aliases], ['PostgresConnector', 'Postgres']);
  assert.deepEqual(sluicePlugins, [{ type: 'source', plugin: PostgresConnector }]);
  assert.equal(new PostgresConnector().config().configKeys().get('database.password')?.type, 'PASSWORD');
});

test('unavailable.value.placeholder (text or hex:) and include.schema.comments are read', () => {
  const d = new PostgresConnectorConfig(minimal);
  assert.equal(d.unavailablePlaceholder.toString('utf8'), '__debezium_unavailable_value');
  assert.equal(d.includeSchemaComments, false);
  const c = new PostgresConnectorConfig({
    ...minimal,
    'unavailable.value.placeholder': 'hex:4e2f41',
    'include.schema.comments': 'true',
  });
  assert.deepEqual([...c.unavailablePlaceholder], [0x4e, 0x2f, 0x41]);
  assert.equal(c.includeSchemaComments, true);
  assert.throws(
    () => new PostgresConnectorConfig({ ...minimal, 'unavailable.value.placeholder': 'hex:4e2' }),
    (err: unknown) =>
      err instanceof ConfigError && /unavailable\.value\.placeholder.*hexadecimal/s.test(err.message),
  );
});

test('bad values are refused naming the key and the reason', () => {
  const bad = (props: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => new PostgresConnectorConfig({ ...minimal, ...props }),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
    );
  bad({ 'plugin.name': 'decoderbufs' }, /plugin\.name: the decoderbufs plugin is not supported by Sluice/);
  bad({ 'slot.name': 'Bad-Name' }, /slot\.name: Valid replication slot name must contain only digits/);
  bad({ 'snapshot.mode': 'sometimes' }, /snapshot\.mode: must be one of initial, always/);
  bad({ 'table.include.list': 'a', 'table.exclude.list': 'b' }, /table\.exclude\.list/);
  bad({ 'table.include.list': '(' }, /table\.include\.list: '\(' is not a valid regular expression/);
  bad({ 'message.key.columns': 'public.t' }, /message\.key\.columns/);
  bad(
    { 'max.queue.size': '10', 'max.batch.size': '20' },
    /max\.queue\.size: must be larger than the maximum batch size/,
  );
  bad({ 'skipped.operations': 'x' }, /skipped\.operations: 'x' is not an operation/);
  assert.throws(
    () => new PostgresConnectorConfig({ ...minimal, 'topic.prefix': undefined as unknown as string }),
    /The 'topic.prefix' value is invalid: A value is required/,
  );
});

test('a seed-style config (tasks.max 4, database.server.name) runs one task with the same config', () => {
  const seed = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '4',
    'database.hostname': 'postgres.example.com',
    'database.port': '5432',
    'database.user': 'debezium',
    'database.password': 'dbpassword',
    'database.dbname': 'mydatabase',
    'database.server.name': 'my-pg-server',
    'topic.prefix': 'dbserver1',
    'plugin.name': 'pgoutput',
  };
  const connector = new PostgresConnector();
  connector.start(seed);
  assert.deepEqual(connector.taskConfigs(4), [seed]);
  assert.equal(connector.taskClass(), PostgresSourceTask);
  assert.equal(new PostgresConnectorConfig(seed).password, 'dbpassword');
});

const db = useTestDatabase();

test('validate checks the connection like Debezium and reports it on database.hostname', async () => {
  const connector = new PostgresConnector();
  const ok = await connector.validate(db.config());
  assert.deepEqual(
    ok.configValues.filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]),
    [],
  );
  const wrongUser = await connector.validate(db.config({ 'database.user': 'nobody_here' }));
  const host = wrongUser.configValues.find((v) => v.name === 'database.hostname')!;
  assert.match(
    host.errorMessages.join('\n'),
    /Error while validating connector config: .*role "nobody_here" does not exist/,
  );
  const missing = await connector.validate({ 'database.hostname': db.server.host });
  const prefix = missing.configValues.find((v) => v.name === 'topic.prefix')!;
  assert.match(prefix.errorMessages.join(), /The 'topic.prefix' value is invalid: A value is required/);
});
