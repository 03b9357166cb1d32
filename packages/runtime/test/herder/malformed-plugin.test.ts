/**
 * A connector written in plain JavaScript can miss a method that the SDK's abstract class requires.
 * Validating or creating it answers an error that names the class and the method, not a TypeError.
 * Standalone, on the embedded log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StandaloneHerder } from '@sluice/runtime';
import { uniqueName } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
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
  herder = await startTestHerder({ dir: await tempDir(), connectors: [NoConfigSource] });
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
