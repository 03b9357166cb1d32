/**
 * Bad input: validate reports bad URLs on connection.url and refused credentials on
 * connection.user (never showing the password), bad key combinations on the key at fault; the
 * connectors resolve under Confluent's, Aiven's and the short names in the runtime's registry.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Config, StringMap } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { freePort } from '@sluice/testing';
import { JdbcSinkConnector, JdbcSourceConnector } from '../src/index.ts';
import { mariaDb, postgresDb, type TestDb } from './helpers.ts';

let maria: TestDb;
let pg: TestDb;
before(async () => {
  maria = await mariaDb();
  pg = await postgresDb();
});
after(async () => {
  await maria?.cleanup();
  await pg?.cleanup();
});

function errors(config: Config): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of config.configValues) if (v.errorMessages.length > 0) out[v.name] = v.errorMessages;
  return out;
}

const source = (props: StringMap) =>
  new JdbcSourceConnector().validate({ mode: 'bulk', 'topic.prefix': 'p-', ...props });
const sink = (props: StringMap) => new JdbcSinkConnector().validate(props);

test('a good config validates clean on each server', async () => {
  assert.deepEqual(errors(await source(maria.connection())), {});
  assert.deepEqual(errors(await sink(pg.connection())), {});
});

test('a wrong password is reported on connection.user, and the password is never shown', async () => {
  const secret = 'Wr0ng-Secret-xyz';
  for (const db of [maria, pg]) {
    const props = {
      ...db.connection(),
      'connection.user': db.kind === 'postgresql' ? 'nobody_here' : db.user,
      'connection.password': secret,
    };
    const result = await source(props);
    const errs = errors(result);
    assert.deepEqual(Object.keys(errs), ['connection.user'], JSON.stringify(errs));
    assert.match(errs['connection.user']![0]!, db.kind === 'postgresql' ? /nobody_here/ : /Access denied/);
    assert.ok(
      !JSON.stringify(result.configValues.map((v) => [v.name, v.errorMessages, String(v.value)])).includes(
        secret,
      ),
    );
  }
});

test('an unreachable server or a malformed URL is reported on connection.url', async () => {
  const port = await freePort();
  const errs = errors(
    await sink({
      'connection.url': `jdbc:mysql://127.0.0.1:${port}/x?password=hidden1`,
      'connection.user': 'u',
    }),
  );
  assert.deepEqual(Object.keys(errs), ['connection.url']);
  assert.match(
    errs['connection.url']![0]!,
    /Could not connect to jdbc:mysql:\/\/127\.0\.0\.1:\d+\/x\?password=\*{8}: .*ECONNREFUSED/,
  );
  assert.ok(!errs['connection.url']![0]!.includes('hidden1'));
  const bad = errors(await sink({ 'connection.url': 'jdbc:oracle:thin:@h:1521:x' }));
  assert.match(bad['connection.url']![0]!, /unsupported database 'oracle'/);
  const missingDb = errors(await source({ ...maria.connection(), 'connection.url': `${maria.url}_nope` }));
  assert.match(missingDb['connection.url']?.[0] ?? missingDb['connection.user']?.[0] ?? '', /_nope/);
});

test('key combinations are checked on the key at fault', async () => {
  const del = errors(await sink({ ...pg.connection(), 'delete.enabled': 'true', 'pk.mode': 'record_value' }));
  assert.match(del['delete.enabled']![0]!, /record_key/);
  const upsert = errors(await sink({ ...pg.connection(), 'insert.mode': 'upsert' }));
  assert.match(upsert['pk.mode']![0]!, /needs a primary key/);
  const mode = errors(await new JdbcSourceConnector().validate({ ...pg.connection(), 'topic.prefix': 'p' }));
  assert.match(mode.mode![0]!, /Missing required configuration "mode"/);
  const badMode = errors(await source({ ...pg.connection(), mode: 'sometimes' }));
  assert.match(badMode.mode![0]!, /must be one of bulk, timestamp, incrementing, timestamp\+incrementing/);
});

test("the connectors resolve under Confluent's, Aiven's and short names", () => {
  const registry = builtinPlugins('test');
  for (const name of [
    'io.confluent.connect.jdbc.JdbcSourceConnector',
    'io.aiven.connect.jdbc.JdbcSourceConnector',
    'JdbcSourceConnector',
    'JdbcSource',
  ]) {
    assert.equal(registry.resolve(name, ['source']).plugin, JdbcSourceConnector, name);
  }
  for (const name of [
    'io.confluent.connect.jdbc.JdbcSinkConnector',
    'io.aiven.connect.jdbc.JdbcSinkConnector',
    'JdbcSink',
  ]) {
    assert.equal(registry.resolve(name, ['sink']).plugin, JdbcSinkConnector, name);
  }
});
