import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NotLeaderError } from '@sluice/api';
import { RestError } from '../../src/rest/errors.ts';
import { forwardRequest, nextForward } from '../../src/rest/forwarding.ts';

const CONFLICT = 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)';

describe('nextForward: Kafka’s two-hop limit', () => {
  test('a user request goes on with forward=true, a forwarded one with forward=false', () => {
    assert.equal(nextForward(undefined, 'http://leader:8083'), true);
    assert.equal(nextForward(true, 'http://leader:8083'), false);
  });

  test('forward=false that cannot be served here is a 409 conflict, target known or not', () => {
    for (const target of ['http://leader:8083', '', undefined]) {
      assert.throws(
        () => nextForward(false, target),
        (err: unknown) => err instanceof RestError && err.status === 409 && err.message === CONFLICT,
      );
    }
  });

  test('no target known is NotLeaderError (409 "no known leader URL")', () => {
    for (const forward of [undefined, true]) {
      assert.throws(() => nextForward(forward, ''), NotLeaderError);
      assert.throws(() => nextForward(forward, undefined), NotLeaderError);
    }
  });
});

describe('forwardRequest', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; url: string; body: string }> = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (req.url?.startsWith('/fail')) {
          res.writeHead(409, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error_code: 409, message: 'Connector x already exists' }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  test('sends forward=true by default and the given value otherwise, with the other query params', async () => {
    seen.length = 0;
    const r = await forwardRequest(base, 'POST', '/connectors', { body: { name: 'x' } });
    assert.deepEqual(r, { status: 201, body: { ok: true } });
    await forwardRequest(base.slice(0, -1), 'POST', '/connectors/a%2Fb/restart', {
      query: { includeTasks: 'true', onlyFailed: 'false' },
      forward: false,
    });
    assert.deepEqual(seen, [
      { method: 'POST', url: '/connectors?forward=true', body: '{"name":"x"}' },
      {
        method: 'POST',
        url: '/connectors/a%2Fb/restart?includeTasks=true&onlyFailed=false&forward=false',
        body: '',
      },
    ]);
  });

  test("the other worker's error answer is re-thrown with its status and message", async () => {
    await assert.rejects(
      forwardRequest(base, 'DELETE', '/fail'),
      (err: unknown) =>
        err instanceof RestError && err.status === 409 && err.message === 'Connector x already exists',
    );
  });
});
