import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { ConfigDef, ConfigValue, Password, toConfigValueInfo } from '../../src/config/index.ts';

describe('Password', () => {
  const secret = new Password('hunter2');

  test('value() returns the secret', () => {
    assert.equal(secret.value(), 'hunter2');
  });

  test('every text form is [hidden]', () => {
    assert.equal(secret.toString(), '[hidden]');
    assert.equal(String(secret), '[hidden]');
    assert.equal(`${secret}`, '[hidden]');
    assert.equal(JSON.stringify(secret), '"[hidden]"');
    assert.equal(JSON.stringify({ password: secret }), '{"password":"[hidden]"}');
    assert.equal(inspect(secret), '[hidden]');
    assert.equal(inspect({ nested: { secret } }, { depth: 5 }), '{ nested: { secret: [hidden] } }');
  });

  test('equality by secret', () => {
    assert.equal(secret.equals(new Password('hunter2')), true);
    assert.equal(secret.equals(new Password('other')), false);
    assert.equal(secret.equals('hunter2'), false);
  });

  test('parsed PASSWORD values stay hidden in parse results, ConfigValue and REST values', () => {
    const def = new ConfigDef().define('db.password', 'PASSWORD', 'HIGH', 'Password.');
    const parsed = def.parse({ 'db.password': 'hunter2' });
    assert.doesNotMatch(JSON.stringify(parsed), /hunter2/);
    assert.doesNotMatch(inspect(parsed), /hunter2/);
    const [value] = def.validate({ 'db.password': 'hunter2' });
    assert.ok(value instanceof ConfigValue);
    assert.equal(value.toString(), '[db.password,[hidden],[],[],true]');
    assert.equal(toConfigValueInfo(value, 'PASSWORD').value, '[hidden]');
    assert.equal((parsed['db.password'] as Password).value(), 'hunter2');
  });
});
