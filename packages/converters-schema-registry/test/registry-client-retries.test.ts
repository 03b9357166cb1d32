/**
 * The converter's own retries when the registry cannot be reached: `max.retries` more passes over
 * the URLs with a blocking back-off (retries.wait.ms, doubling), then a Connect RetriableException
 * for the task's retry policy. Once a call has run out of retries, the next calls try once without
 * blocking back-off until the registry answers again, so a long outage does not hold the worker's
 * thread for the back-off of every record (the task's retries wait without blocking). Uses a real
 * `sluice registry` process, stopped and started on the same port.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RetriableError, Schema } from '@sluice/api';
import { AvroConverter } from '../src/index.ts';
import { freePort, startSluiceRegistry } from './sluice-registry-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-retries-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a registry that is down: retries with back-off once, then fails fast until it answers again', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const converter = new AvroConverter();
  converter.configure({ 'schema.registry.url': url, 'max.retries': '2', 'retries.wait.ms': '400' }, false);

  let started = Date.now();
  assert.throws(
    () => converter.fromConnectData('retries-a', Schema.STRING_SCHEMA, 'x'),
    (err: Error) =>
      err instanceof RetriableError && /could not be reached after 3 attempts/.test(err.message),
  );
  const first = Date.now() - started;
  assert.ok(first >= 1100, `the back-off 400 + 800 ms was waited (${first} ms)`);

  started = Date.now();
  assert.throws(
    () => converter.fromConnectData('retries-b', Schema.STRING_SCHEMA, 'y'),
    (err: Error) => err instanceof RetriableError && /after 1 attempt:/.test(err.message),
  );
  assert.ok(Date.now() - started < 400, 'no blocking back-off while the registry is known to be down');

  const registry = await startSluiceRegistry(['--port', String(port), '--data', join(dir, 'schemas.log')]);
  try {
    const bytes = converter.fromConnectData('retries-b', Schema.STRING_SCHEMA, 'y')!;
    assert.equal(bytes[0], 0);
    assert.equal(converter.toConnectData('retries-b', bytes).value, 'y');
  } finally {
    await registry.stop();
  }
  // Down again: the full retries apply again (the registry answered in between).
  started = Date.now();
  assert.throws(() => converter.fromConnectData('retries-c', Schema.STRING_SCHEMA, 'z'), RetriableError);
  assert.ok(Date.now() - started >= 1100);
});
