/**
 * A connector written in plain JavaScript can miss a method that the SDK's abstract class requires.
 * Validating or creating it answers an error that names the class and the method, not a TypeError.
 * Standalone, on the embedded log.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { uniqueName } from '@sluice/testing';
import { pino } from 'pino';
import { useTempDirs } from '../helpers/standalone-worker.ts';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

class NoConfigSource extends ConfigCopyingSourceConnector {
  taskClass(): never {
    throw new Error('not used');
  }
}
// What a JavaScript plugin without config() looks like at run time.
Object.defineProperty(NoConfigSource.prototype, 'config', { value: undefined });

const tempDir = useTempDirs('sluice-malformed-plugin-');
let herder: StandaloneHerder;

before(async () => {
  const dir = await tempDir();
  const plugins = builtinPlugins('1');
  plugins.register('source', NoConfigSource);
  herder = await StandaloneHerder.create(
    {
      'embedded.log.dir': join(dir, 'data'),
      'offset.storage.file.filename': join(dir, 'offsets'),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'silent' }), plugins },
  );
  await herder.start();
});
after(async () => herder.stop());

test('a connector without config() is refused with a message naming the class and the method', async () => {
  const name = uniqueName('no-config');
  const config = { name, 'connector.class': NoConfigSource.name };
  const expected = /NoConfigSource does not implement config\(\)/;
  await assert.rejects(herder.validateConnectorConfig(config), expected);
  await assert.rejects(herder.putConnectorConfig(name, config, { allowReplace: false }), expected);
  assert.ok(!(await herder.connectors()).includes(name));
});
