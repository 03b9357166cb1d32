/** The OpenSearch node the test kit starts serves the REST APIs a search sink uses, and survives a restart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOpenSearch, uniqueName, useOpenSearch } from '@sluice/testing';

test('the node is OpenSearch 2.x and indexes a document with an external version', async () => {
  const { url } = await useOpenSearch();
  const root = (await (await fetch(`${url}/`)).json()) as {
    version: { distribution: string; number: string };
  };
  assert.equal(root.version.distribution, 'opensearch');
  assert.match(root.version.number, /^2\./);
  const index = uniqueName('os');
  const put = await fetch(`${url}/${index}/_doc/1?version=5&version_type=external&refresh=true`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ a: 1 }),
  });
  assert.equal(put.status, 201);
  const older = await fetch(`${url}/${index}/_doc/1?version=4&version_type=external`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ a: 0 }),
  });
  assert.equal(older.status, 409);
  const doc = (await (await fetch(`${url}/${index}/_doc/1`)).json()) as {
    _version: number;
    _source: unknown;
  };
  assert.equal(doc._version, 5);
  assert.deepEqual(doc._source, { a: 1 });
  await fetch(`${url}/${index}`, { method: 'DELETE' });
});

test('a node of its own keeps its data over a kill -9 and restart on the same port', async () => {
  const server = await startOpenSearch({ ownerPid: process.pid, log: () => {} });
  try {
    const index = uniqueName('os');
    const put = await fetch(`${server.url}/${index}/_doc/a?refresh=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kept: true }),
    });
    assert.equal(put.status, 201);
    const before = server.pid;
    await server.restart({ kill: true });
    assert.notEqual(server.pid, before);
    const doc = (await (await fetch(`${server.url}/${index}/_doc/a`)).json()) as { _source: unknown };
    assert.deepEqual(doc._source, { kept: true });
  } finally {
    await server.stop();
  }
  const gone = await fetch(`${server.url}/`).then(
    () => 'answered',
    () => 'refused',
  );
  assert.equal(gone, 'refused');
});
