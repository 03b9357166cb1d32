import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import {
  FileStorage,
  MemoryStorage,
  type RegistryServer,
  SchemaRegistry,
  schemaRegistryPlugin,
  startRegistryServer,
} from '../src/index.ts';

const CT = 'application/vnd.schemaregistry.v1+json';

/**
 * A registry answer as these tests read it: Confluent's field names, each present only in the
 * answers that have it (whole answers, lists included, are compared with deepEqual).
 */
interface RegistryAnswer {
  id?: number;
  version?: number;
  schema?: string;
  schemaType?: string;
  is_compatible?: boolean;
  messages?: string[];
  error_code?: number;
  message?: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: RegistryAnswer; contentType: string | null }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': CT },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : JSON.parse(text),
    contentType: res.headers.get('content-type'),
  };
}

const v1 = {
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }],
};
const v2 = { ...v1, fields: [...v1.fields, { name: 'age', type: ['null', 'int'], default: null }] };
const v3Breaking = { ...v1, fields: [...v1.fields, { name: 'email', type: 'string' }] };

function schemaBody(s: unknown, extra: Record<string, unknown> = {}) {
  return { schema: JSON.stringify(s), ...extra };
}

describe('registry REST API over HTTP (Confluent semantics)', () => {
  let srv: RegistryServer;
  let base: string;
  before(async () => {
    srv = await startRegistryServer(new SchemaRegistry(new MemoryStorage()));
    base = srv.url;
  });
  after(() => srv.close());

  test('register, idempotent ids, global ids shared across subjects, versions', async () => {
    const r1 = await call(base, 'POST', '/subjects/users-value/versions', schemaBody(v1));
    assert.equal(r1.status, 200);
    assert.equal(r1.contentType, CT);
    assert.deepEqual(r1.body, { id: 1 });
    // Same schema again, even formatted differently: same id, no new version.
    const again = await call(base, 'POST', '/subjects/users-value/versions', {
      schema: JSON.stringify(v1, null, 2),
    });
    assert.deepEqual(again.body, { id: 1 });
    assert.deepEqual((await call(base, 'GET', '/subjects/users-value/versions')).body, [1]);
    // Same schema under another subject: same id.
    const other = await call(base, 'POST', '/subjects/other-value/versions', schemaBody(v1));
    assert.deepEqual(other.body, { id: 1 });
    const r2 = await call(base, 'POST', '/subjects/users-value/versions', schemaBody(v2));
    assert.deepEqual(r2.body, { id: 2 });
    assert.deepEqual((await call(base, 'GET', '/subjects/users-value/versions')).body, [1, 2]);
    const latest = await call(base, 'GET', '/subjects/users-value/versions/latest');
    assert.deepEqual(latest.body, { subject: 'users-value', version: 2, id: 2, schema: JSON.stringify(v2) });
    assert.deepEqual((await call(base, 'GET', '/subjects/users-value/versions/-1')).body.version, 2);
    assert.deepEqual((await call(base, 'GET', '/subjects/users-value/versions/1/schema')).body, v1);
    assert.deepEqual((await call(base, 'GET', '/schemas/ids/2')).body, { schema: JSON.stringify(v2) });
    assert.deepEqual((await call(base, 'GET', '/schemas/ids/1/subjects')).body, [
      'other-value',
      'users-value',
    ]);
    assert.deepEqual((await call(base, 'GET', '/schemas/ids/1/versions')).body, [
      { subject: 'other-value', version: 1 },
      { subject: 'users-value', version: 1 },
    ]);
    assert.deepEqual((await call(base, 'GET', '/subjects')).body, ['other-value', 'users-value']);
    assert.deepEqual((await call(base, 'GET', '/schemas/types')).body, ['JSON', 'PROTOBUF', 'AVRO']);
  });

  test('lookup POST /subjects/{s}', async () => {
    const found = await call(base, 'POST', '/subjects/users-value', schemaBody(v2));
    assert.equal(found.status, 200);
    assert.equal(found.body.id, 2);
    assert.equal(found.body.version, 2);
    const missing = await call(base, 'POST', '/subjects/users-value', schemaBody({ ...v1, name: 'Nope' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 40403);
    const noSubject = await call(base, 'POST', '/subjects/nobody', schemaBody(v1));
    assert.equal(noSubject.status, 404);
    assert.equal(noSubject.body.error_code, 40401);
  });

  test("Confluent's error codes", async () => {
    const cases: [string, string, unknown, number, number][] = [
      ['GET', '/subjects/nobody/versions', undefined, 404, 40401],
      ['GET', '/subjects/users-value/versions/9', undefined, 404, 40402],
      ['GET', '/subjects/users-value/versions/abc', undefined, 422, 42202],
      ['GET', '/schemas/ids/999', undefined, 404, 40403],
      ['POST', '/subjects/bad-value/versions', { schema: '{"type":"record"' }, 422, 42201],
      ['POST', '/subjects/bad-value/versions', { schema: '{"type":"record","name":"X"}' }, 422, 42201],
      ['POST', '/subjects/bad-value/versions', {}, 422, 42201],
      ['PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203],
      ['PUT', '/mode', { mode: 'SOMETIMES' }, 422, 42204],
      ['GET', '/config/users-value', undefined, 404, 40408],
      ['GET', '/nothing-here', undefined, 404, 404],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(base, method, path, body);
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error_code, code, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.message, 'string');
    }
  });

  test('compatibility: BACKWARD default rejects a new required field with 409; test endpoint; NONE allows', async () => {
    const check = await call(
      base,
      'POST',
      '/compatibility/subjects/users-value/versions/latest?verbose=true',
      schemaBody(v3Breaking),
    );
    assert.equal(check.status, 200);
    assert.equal(check.body.is_compatible, false);
    assert.ok((check.body.messages?.length ?? 0) > 0);
    const ok = await call(base, 'POST', '/compatibility/subjects/users-value/versions/1', schemaBody(v2));
    assert.deepEqual(ok.body, { is_compatible: true });
    const rejected = await call(base, 'POST', '/subjects/users-value/versions', schemaBody(v3Breaking));
    assert.equal(rejected.status, 409);
    assert.equal(rejected.body.error_code, 409);
    assert.match(
      rejected.body.message ?? '',
      /incompatible with an earlier schema for subject "users-value"/,
    );
    assert.deepEqual((await call(base, 'PUT', '/config/users-value', { compatibility: 'none' })).body, {
      compatibility: 'NONE',
    });
    assert.deepEqual((await call(base, 'GET', '/config/users-value')).body, { compatibilityLevel: 'NONE' });
    assert.deepEqual((await call(base, 'GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
    const accepted = await call(base, 'POST', '/subjects/users-value/versions', schemaBody(v3Breaking));
    assert.equal(accepted.status, 200);
    assert.deepEqual((await call(base, 'DELETE', '/config/users-value')).body, {
      compatibilityLevel: 'NONE',
    });
    assert.deepEqual((await call(base, 'GET', '/config/users-value?defaultToGlobal=true')).body, {
      compatibilityLevel: 'BACKWARD',
    });
  });

  test('FORWARD, FULL and the _TRANSITIVE levels', async () => {
    const a = { type: 'record', name: 'T', fields: [{ name: 'x', type: 'int' }] };
    const b = {
      type: 'record',
      name: 'T',
      fields: [
        { name: 'x', type: 'int' },
        { name: 'y', type: 'int', default: 0 },
      ],
    };
    const c = { type: 'record', name: 'T', fields: [{ name: 'y', type: 'int', default: 0 }] };
    // FORWARD: old readers must read new data. Removing x (no default in a) breaks it.
    await call(base, 'PUT', '/config/fwd', { compatibility: 'FORWARD' });
    assert.equal((await call(base, 'POST', '/subjects/fwd/versions', schemaBody(a))).status, 200);
    assert.equal((await call(base, 'POST', '/subjects/fwd/versions', schemaBody(b))).status, 200);
    assert.equal((await call(base, 'POST', '/subjects/fwd/versions', schemaBody(c))).status, 409);
    // BACKWARD (non transitive) accepts c after b (c reads b's data: y present, x ignored) ...
    await call(base, 'PUT', '/config/bwd', { compatibility: 'BACKWARD' });
    const d = { type: 'record', name: 'T', fields: [{ name: 'x', type: 'int' }] };
    const e = { type: 'record', name: 'T', fields: [{ name: 'z', type: 'int', default: 1 }] };
    const f = { type: 'record', name: 'T', fields: [{ name: 'z', type: 'int' }] };
    assert.equal((await call(base, 'POST', '/subjects/bwd/versions', schemaBody(d))).status, 200);
    assert.equal((await call(base, 'POST', '/subjects/bwd/versions', schemaBody(e))).status, 200);
    // f reads e's data (z present) but not d's (no z, no default): BACKWARD ok, BACKWARD_TRANSITIVE not.
    const transitive = await call(
      base,
      'POST',
      '/compatibility/subjects/bwd/versions?verbose=true',
      schemaBody(f),
    );
    assert.equal(transitive.body.is_compatible, true, 'checked under BACKWARD against the latest only');
    await call(base, 'PUT', '/config/bwd', { compatibility: 'BACKWARD_TRANSITIVE' });
    assert.equal((await call(base, 'POST', '/subjects/bwd/versions', schemaBody(f))).status, 409);
    await call(base, 'PUT', '/config/bwd', { compatibility: 'BACKWARD' });
    assert.equal((await call(base, 'POST', '/subjects/bwd/versions', schemaBody(f))).status, 200);
    // FULL: both directions.
    await call(base, 'PUT', '/config/full', { compatibility: 'FULL' });
    assert.equal((await call(base, 'POST', '/subjects/full/versions', schemaBody(a))).status, 200);
    assert.equal((await call(base, 'POST', '/subjects/full/versions', schemaBody(b))).status, 200);
    const g = {
      type: 'record',
      name: 'T',
      fields: [
        { name: 'x', type: 'int' },
        { name: 'w', type: 'int' },
      ],
    };
    assert.equal((await call(base, 'POST', '/subjects/full/versions', schemaBody(g))).status, 409);
  });

  test('soft and hard deletes', async () => {
    await call(base, 'PUT', '/config/del', { compatibility: 'NONE' });
    await call(
      base,
      'POST',
      '/subjects/del/versions',
      schemaBody({ type: 'enum', name: 'E', symbols: ['A'] }),
    );
    await call(
      base,
      'POST',
      '/subjects/del/versions',
      schemaBody({ type: 'enum', name: 'E', symbols: ['A', 'B'] }),
    );
    const hardFirst = await call(base, 'DELETE', '/subjects/del/versions/1?permanent=true');
    assert.equal(hardFirst.body.error_code, 40407);
    assert.deepEqual((await call(base, 'DELETE', '/subjects/del/versions/1')).body, 1);
    assert.equal((await call(base, 'DELETE', '/subjects/del/versions/1')).body.error_code, 40406);
    assert.deepEqual((await call(base, 'GET', '/subjects/del/versions')).body, [2]);
    assert.deepEqual((await call(base, 'GET', '/subjects/del/versions?deleted=true')).body, [1, 2]);
    assert.equal((await call(base, 'GET', '/subjects/del/versions/1')).body.error_code, 40402);
    assert.equal((await call(base, 'GET', '/subjects/del/versions/1?deleted=true')).body.version, 1);
    assert.deepEqual((await call(base, 'DELETE', '/subjects/del/versions/1?permanent=true')).body, 1);
    assert.equal((await call(base, 'DELETE', '/subjects/del?permanent=true')).body.error_code, 40405);
    assert.deepEqual((await call(base, 'DELETE', '/subjects/del')).body, [2]);
    assert.equal((await call(base, 'DELETE', '/subjects/del')).body.error_code, 40404);
    assert.ok(!((await call(base, 'GET', '/subjects')).body as string[]).includes('del'));
    assert.ok(((await call(base, 'GET', '/subjects?deleted=true')).body as string[]).includes('del'));
    assert.deepEqual((await call(base, 'DELETE', '/subjects/del?permanent=true')).body, [2]);
    assert.equal((await call(base, 'GET', '/subjects/del/versions?deleted=true')).body.error_code, 40401);
    // The id stays resolvable (records written with it can still be read).
    assert.equal((await call(base, 'GET', '/schemas/ids/1')).status, 200);
  });

  test('modes: READONLY refuses writes with 42205, IMPORT keeps given ids', async () => {
    assert.deepEqual((await call(base, 'GET', '/mode')).body, { mode: 'READWRITE' });
    await call(base, 'PUT', '/mode/ro', { mode: 'READONLY' });
    const refused = await call(base, 'POST', '/subjects/ro/versions', schemaBody(v1));
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error_code, 42205);
    assert.deepEqual((await call(base, 'DELETE', '/mode/ro')).body, { mode: 'READONLY' });
    assert.equal((await call(base, 'PUT', '/mode/imp', { mode: 'IMPORT' })).status, 200);
    const imported = await call(
      base,
      'POST',
      '/subjects/imp/versions',
      schemaBody({ type: 'fixed', name: 'F', size: 4 }, { id: 100, version: 7 }),
    );
    assert.deepEqual(imported.body, { id: 100 });
    assert.equal((await call(base, 'GET', '/subjects/imp/versions/7')).body.id, 100);
    // New registrations after an import get ids above the imported ones.
    const next = await call(
      base,
      'POST',
      '/subjects/after-import/versions',
      schemaBody({ type: 'fixed', name: 'G', size: 2 }),
    );
    assert.deepEqual(next.body, { id: 101 });
  });

  test('JSON and PROTOBUF schemas are stored with their schemaType', async () => {
    const json = await call(base, 'POST', '/subjects/j-value/versions', {
      schemaType: 'JSON',
      schema: '{"type":"object","properties":{"a":{"type":"integer"}}}',
    });
    assert.equal(json.status, 200);
    const byId = await call(base, 'GET', `/schemas/ids/${json.body.id}`);
    assert.equal(byId.body.schemaType, 'JSON');
    const badJson = await call(base, 'POST', '/subjects/j-value/versions', {
      schemaType: 'JSON',
      schema: '[1,',
    });
    assert.equal(badJson.body.error_code, 42201);
  });
});

test('file storage: a restarted registry has the same ids, versions, configs; a torn last line is dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-registry-'));
  try {
    const path = join(dir, 'schemas.log');
    const r1 = new SchemaRegistry(new FileStorage(path));
    assert.deepEqual(r1.register('a-value', schemaBody(v1)), { id: 1, version: 1 });
    assert.deepEqual(r1.register('a-value', schemaBody(v2)), { id: 2, version: 2 });
    r1.setCompatibility('a-value', 'FULL');
    r1.deleteVersion('a-value', 1, false);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"t":"schema","subj`); // a write cut short
    const r2 = new SchemaRegistry(new FileStorage(path));
    assert.deepEqual(r2.versions('a-value'), [2]);
    assert.deepEqual(r2.versions('a-value', true), [1, 2]);
    assert.equal(r2.compatibility('a-value'), 'FULL');
    assert.equal(r2.schemaById(2).schema, JSON.stringify(v2));
    r2.setCompatibility('a-value', 'NONE');
    assert.deepEqual(r2.register('b-value', schemaBody({ type: 'string' })), { id: 3, version: 1 });
    const r3 = new SchemaRegistry(new FileStorage(path));
    assert.deepEqual(r3.register('b-value', schemaBody({ type: 'string' })), { id: 3, version: 1 });
    assert.equal(r3.compatibility('a-value'), 'NONE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fastify plugin serves the same API on an existing listener, leaving other routes alone', async () => {
  const app = Fastify();
  app.get('/', async () => ({ version: 'connect' }));
  await app.register(schemaRegistryPlugin, { registry: new SchemaRegistry(new MemoryStorage()) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const address = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;
    assert.deepEqual((await call(base, 'GET', '/')).body, { version: 'connect' });
    assert.deepEqual((await call(base, 'POST', '/subjects/t-value/versions', schemaBody(v1))).body, {
      id: 1,
    });
    const asJson = await fetch(`${base}/subjects/t-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(schemaBody(v1)),
    });
    assert.deepEqual(await asJson.json(), { id: 1 });
    assert.equal((await call(base, 'GET', '/subjects/nobody/versions')).body.error_code, 40401);
    assert.equal((await call(base, 'GET', '/subjects/a%2Fb/versions')).body.error_code, 40401);
    const bad = await fetch(`${base}/subjects/t-value/versions`, {
      method: 'POST',
      headers: { 'content-type': CT },
      body: '{',
    });
    assert.equal(bad.status, 400);
  } finally {
    await app.close();
  }
});
