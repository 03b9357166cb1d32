import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { NotLeaderError } from '@sluice/api';
import { NotAssignedError } from '../../src/herder/errors.ts';
import type { Herder } from '../../src/herder/herder.ts';
import { NO_LEADER_MESSAGE, RestError, toErrorResponse } from '../../src/rest/errors.ts';
import { completeOrForward, forwardRequest, nextForward } from '../../src/rest/forwarding.ts';

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

describe('completeOrForward: the herder refuses, the REST layer forwards', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method: string; url: string; body: string; signature: string | undefined }> = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const signature = req.headers['x-connect-authorization'];
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body,
          signature: Array.isArray(signature) ? signature[0] : signature,
        });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ served: 'elsewhere' }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  const as = {
    method: 'PUT' as const,
    path: '/connectors/a%2Fb/config',
    body: { 'connector.class': 'X' },
    answer: (r: { status: number; body: unknown }) => ({ status: r.status, body: r.body }),
  };
  const notLeader = (url?: string) => async (): Promise<never> => {
    throw new NotLeaderError('not the leader', url);
  };

  test('served here: no request leaves', async () => {
    seen.length = 0;
    const r = await completeOrForward(undefined, async () => ({ status: 200, body: 'here' }), as);
    assert.deepEqual(r, { status: 200, body: 'here' });
    assert.deepEqual(seen, []);
  });

  test('not the leader: the same request goes to the leader, forward=true then forward=false', async () => {
    seen.length = 0;
    assert.deepEqual(await completeOrForward(undefined, notLeader(base), as), {
      status: 201,
      body: { served: 'elsewhere' },
    });
    await completeOrForward(true, notLeader(base), as);
    assert.deepEqual(
      seen.map(({ method, url, body }) => ({ method, url, body })),
      [
        { method: 'PUT', url: '/connectors/a%2Fb/config?forward=true', body: '{"connector.class":"X"}' },
        { method: 'PUT', url: '/connectors/a%2Fb/config?forward=false', body: '{"connector.class":"X"}' },
      ],
    );
  });

  test('not the owner: the request goes to the owner', async () => {
    seen.length = 0;
    await completeOrForward(
      undefined,
      async () => {
        throw new NotAssignedError('not assigned here', base);
      },
      { method: 'POST', path: '/connectors/c/tasks/0/restart', answer: () => null },
    );
    assert.deepEqual(
      seen.map(({ method, url }) => ({ method, url })),
      [{ method: 'POST', url: '/connectors/c/tasks/0/restart?forward=true' }],
    );
  });

  test('forward=false that cannot be served here is the 409 conflict; no URL known is NotLeaderError', async () => {
    seen.length = 0;
    await assert.rejects(
      completeOrForward(false, notLeader(base), as),
      (err: unknown) => err instanceof RestError && err.status === 409 && err.message === CONFLICT,
    );
    await assert.rejects(completeOrForward(undefined, notLeader(), as), (err: unknown) => {
      const { status, body } = toErrorResponse(err);
      return err instanceof NotLeaderError && status === 409 && body.message === NO_LEADER_MESSAGE;
    });
    await assert.rejects(
      completeOrForward(
        true,
        async () => {
          throw new NotAssignedError('owner unknown');
        },
        as,
      ),
      NotLeaderError,
    );
    assert.deepEqual(seen, []);
  });

  test('other errors are the herder’s answer', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      completeOrForward(
        undefined,
        async () => {
          throw boom;
        },
        as,
      ),
      (err: unknown) => err === boom,
    );
  });

  test('an internal request is signed again by the forwarding herder, over the exact bytes sent', async () => {
    seen.length = 0;
    const signedOver: string[] = [];
    const herder = {
      signInternalRequest: (body: Uint8Array) => {
        signedOver.push(Buffer.from(body).toString('utf8'));
        return {
          'X-Connect-Authorization': 'c2lnbmVk',
          'X-Connect-Request-Signature-Algorithm': 'HmacSHA256',
        };
      },
    } as unknown as Herder;
    await completeOrForward(undefined, notLeader(base), {
      method: 'POST',
      path: '/connectors/c/tasks',
      body: [{ 'task.class': 'T' }],
      signedBy: herder,
      answer: () => undefined,
    });
    assert.deepEqual(signedOver, ['[{"task.class":"T"}]']);
    assert.deepEqual(seen, [
      {
        method: 'POST',
        url: '/connectors/c/tasks?forward=true',
        body: '[{"task.class":"T"}]',
        signature: 'c2lnbmVk',
      },
    ]);
  });
});
