/**
 * Creating a connector with refused credentials fails with the database's message (Kafka
 * Connect's "Connector configuration is invalid" from validation, where the error sits on
 * connection.user: see validate.test.ts), the password never shown.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';
import { mariaDb, type TestDb } from './helpers.ts';

let maria: TestDb;
let dir: string;
before(async () => {
  maria = await mariaDb();
  dir = await mkdtemp(join(tmpdir(), 'sluice-jdbc-create-'));
});
after(async () => {
  await maria?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('a connector with a wrong password is refused at creation with the database message', async () => {
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'embedded.log.dir': join(dir, 'data'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
  );
  await herder.start();
  try {
    const secret = 'Not-The-Password-42';
    const err = await herder
      .putConnectorConfig(
        'bad-creds',
        {
          'connector.class': 'io.confluent.connect.jdbc.JdbcSourceConnector',
          ...maria.connection(),
          'connection.password': secret,
          mode: 'bulk',
          'topic.prefix': 'x-',
        },
        { allowReplace: false },
      )
      .then(
        () => null,
        (e: Error) => e,
      );
    assert.ok(err !== null, 'creation must fail');
    assert.match(err.message, /Connector configuration is invalid/);
    assert.match(err.message, /Access denied/);
    assert.ok(!err.message.includes(secret));
    assert.deepEqual(await herder.connectors(), []);
  } finally {
    await herder.stop();
  }
});
