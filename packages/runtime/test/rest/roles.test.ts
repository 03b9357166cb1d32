/**
 * Bearer tokens (a tokens file, JWTs against a JWKS file or URL) and roles over the whole route
 * table: every role against every endpoint, 401 without valid credentials, 403 without the role,
 * internal endpoints left to request signing, and the access log naming who changed what.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { WorkerConfig } from '../../src/config/worker-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { ROUTES } from '../../src/rest/api-spec.ts';
import { OPERATOR_OPERATIONS } from '../../src/rest/auth/roles.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import { workerProps } from './rest-harness.ts';

const TOKENS = {
  viewer: 'viewer-token-0123456789',
  operator: 'operator-token-0123456789',
  admin: 'admin-token-0123456789abc',
};
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'sluice-rest';

let dir: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let jwksJson: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-roles-'));
  await writeFile(
    join(dir, 'tokens.json'),
    JSON.stringify([
      { principal: 'dana', role: 'viewer', token: TOKENS.viewer },
      {
        principal: 'ops',
        role: 'operator',
        sha256: createHash('sha256').update(TOKENS.operator).digest('hex'),
      },
      { principal: 'root', role: 'admin', token: TOKENS.admin },
    ]),
  );
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  jwksJson = JSON.stringify({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }],
  });
  await writeFile(join(dir, 'jwks.json'), jwksJson);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jwt(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; iss?: string; aud?: string; exp?: string | number } = {},
): Promise<string> {
  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(options.key ?? signingKey);
}

interface Worker {
  url: string;
  logs: string[];
  close(): Promise<void>;
}

async function startWorker(extra: Record<string, string>): Promise<Worker> {
  const wdir = await mkdtemp(join(tmpdir(), 'sluice-roles-worker-'));
  const logs: string[] = [];
  const logger = createLogger({
    level: 'INFO',
    destination: { write: (s: string) => logs.push(s) } as never,
  });
  const herder = await StandaloneHerder.create(
    { ...workerProps(wdir), ...extra },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const server = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    ...restSecurityOptions(herder.config, {}),
  });
  const { urls } = await server.start();
  return {
    url: urls[0]!,
    logs,
    async close() {
      await server.stop();
      await herder.stop();
      await rm(wdir, { recursive: true, force: true });
    },
  };
}

async function call(
  url: string,
  method: string,
  path: string,
  authorization?: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, json, headers: r.headers };
}

function concretePath(path: string): string {
  return path
    .replace('{connector}', 'table-conn')
    .replace('{task}', '0')
    .replace('{plugin}', 'FileStreamSource')
    .replace('{logger}', 'org.example.Table');
}

const ROLE_NAMES = ['viewer', 'operator', 'admin'] as const;

describe('every role against every endpoint (the route table)', () => {
  let w: Worker;
  before(async () => {
    w = await startWorker({ 'rest.auth.tokens.file': join(dir, 'tokens.json') });
  });
  after(async () => {
    await w.close();
  });

  for (const route of ROUTES) {
    test(`${route.method} ${route.path}`, async () => {
      const path = concretePath(route.path);
      const body =
        route.body === undefined
          ? undefined
          : route.method === 'POST' && route.path === '/connectors'
            ? { name: 'x' }
            : {};
      const anonymous = await call(w.url, route.method, path, undefined, body);
      if (route.internal) {
        // Signed worker-to-worker requests: no user credentials asked.
        assert.notEqual(anonymous.status, 401);
        return;
      }
      assert.equal(anonymous.status, 401, `anonymous ${route.method} ${path}`);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /Bearer/);
      for (const role of ROLE_NAMES) {
        const allowed =
          role === 'admin' ||
          route.method === 'GET' ||
          (role === 'operator' && OPERATOR_OPERATIONS.has(route.operationId));
        const r = await call(w.url, route.method, path, `Bearer ${TOKENS[role]}`, body);
        if (allowed)
          assert.ok(
            r.status !== 401 && r.status !== 403,
            `${role} ${route.method} ${path}: ${r.status} ${JSON.stringify(r.json)}`,
          );
        else {
          assert.equal(r.status, 403, `${role} ${route.method} ${path}`);
          assert.match((r.json as { message: string }).message, /needs the (operator|admin) role/);
        }
      }
    });
  }

  test('a wrong token, an empty one, another scheme: the same 401, no hint', async () => {
    const answers = await Promise.all([
      call(w.url, 'GET', '/connectors', 'Bearer not-a-token-at-all-xx'),
      call(w.url, 'GET', '/connectors', 'Bearer '),
      call(w.url, 'GET', '/connectors', 'Basic YWxpY2U6eA=='),
      call(w.url, 'GET', '/connectors', `Bearer ${TOKENS.admin}x`),
    ]);
    for (const a of answers) {
      assert.equal(a.status, 401);
      assert.deepEqual(a.json, {
        error_code: 401,
        message: 'Authentication required: the credentials are missing or not valid',
      });
    }
  });

  test("Sluice's own paths outside the route table (/metrics, /sluice/topics) need credentials too", async () => {
    for (const path of ['/metrics', '/sluice/topics', '/sluice/topics/t/records']) {
      assert.equal((await call(w.url, 'GET', path)).status, 401, `anonymous GET ${path}`);
      const viewer = await call(w.url, 'GET', path, `Bearer ${TOKENS.viewer}`);
      assert.ok(viewer.status !== 401 && viewer.status !== 403, `viewer GET ${path}: ${viewer.status}`);
    }
    const produce = await call(w.url, 'POST', '/sluice/topics/t/records', `Bearer ${TOKENS.viewer}`, {});
    assert.equal(produce.status, 403);
    assert.equal((await call(w.url, 'POST', '/sluice/topics/t/records', undefined, {})).status, 401);
  });

  test('state-changing requests are logged with who made them', async () => {
    await call(w.url, 'PUT', '/connectors/table-conn/pause', `Bearer ${TOKENS.operator}`);
    await call(w.url, 'PUT', '/admin/loggers/org.example.Audit', `Bearer ${TOKENS.admin}`, {
      level: 'DEBUG',
    });
    const lines = w.logs.join('');
    assert.match(lines, /PUT \/connectors\/table-conn\/pause \d+ by ops/);
    assert.match(lines, /PUT \/admin\/loggers\/org\.example\.Audit 200 by root/);
  });
});

describe('JWTs against a JWKS', () => {
  let w: Worker;
  let jwksServer: ReturnType<typeof createServer>;
  let jwksUrl: string;
  before(async () => {
    w = await startWorker({
      'rest.auth.jwt.jwks.file': join(dir, 'jwks.json'),
      'rest.auth.jwt.issuer': ISSUER,
      'rest.auth.jwt.audience': AUDIENCE,
    });
    jwksServer = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwksJson),
    );
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
  });
  after(async () => {
    await w.close();
    jwksServer.close();
  });

  test('a valid token: its roles claim decides', async () => {
    const viewer = await jwt({ sub: 'carol', roles: ['viewer'] });
    assert.equal((await call(w.url, 'GET', '/connectors', `Bearer ${viewer}`)).status, 200);
    assert.equal((await call(w.url, 'DELETE', '/connectors/x', `Bearer ${viewer}`)).status, 403);
    const admin = await jwt({ sub: 'erin', roles: 'viewer admin' });
    assert.equal((await call(w.url, 'DELETE', '/connectors/x', `Bearer ${admin}`)).status, 404);
    const none = await jwt({ sub: 'frank' });
    const r = await call(w.url, 'GET', '/connectors', `Bearer ${none}`);
    assert.equal(r.status, 403);
    assert.match((r.json as { message: string }).message, /frank \(no role\)/);
  });

  test('expired, wrong issuer, wrong audience, another key, alg none, garbage: 401', async () => {
    const bad = [
      await jwt({ sub: 'x', roles: ['admin'] }, { exp: Math.floor(Date.now() / 1000) - 3600 }),
      await jwt({ sub: 'x', roles: ['admin'] }, { iss: 'https://evil.test' }),
      await jwt({ sub: 'x', roles: ['admin'] }, { aud: 'another-service' }),
      await jwt({ sub: 'x', roles: ['admin'] }, { key: otherKey }),
      new UnsecuredJWT({ sub: 'x', roles: ['admin'] })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .encode(),
      'eyJhbGciOiJFUzI1NiJ9.e30.AAAA',
    ];
    for (const token of bad) {
      assert.equal((await call(w.url, 'GET', '/connectors', `Bearer ${token}`)).status, 401, token);
    }
  });

  test('a JWKS URL', async () => {
    const w2 = await startWorker({
      'rest.auth.jwt.jwks.url': jwksUrl,
      'rest.auth.jwt.issuer': ISSUER,
      'rest.auth.jwt.audience': AUDIENCE,
    });
    try {
      assert.equal(
        (await call(w2.url, 'GET', '/connectors', `Bearer ${await jwt({ sub: 'g', roles: ['operator'] })}`))
          .status,
        200,
      );
      assert.equal(
        (
          await call(
            w2.url,
            'GET',
            '/connectors',
            `Bearer ${await jwt({ sub: 'g', roles: ['operator'] }, { key: otherKey })}`,
          )
        ).status,
        401,
      );
    } finally {
      await w2.close();
    }
  });
});

describe('basic-auth users with roles, next to bearer tokens', () => {
  test('rest.auth.user.roles gives Kafka basic-auth users their roles; a user without one gets 403', async () => {
    const users = join(dir, 'users.properties');
    await writeFile(users, 'alice=a-pass\nbob=b-pass\nnorole=n-pass\n');
    const jaas = join(dir, 'jaas.conf');
    await writeFile(
      jaas,
      `KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${users}"; };`,
    );
    const w = await startWorker({
      'rest.extension.classes':
        'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
      'java.security.auth.login.config': jaas,
      'rest.auth.user.roles': 'alice:admin, bob:viewer',
      'rest.auth.tokens.file': join(dir, 'tokens.json'),
    });
    const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    try {
      assert.equal((await call(w.url, 'DELETE', '/connectors/x', basic('alice', 'a-pass'))).status, 404);
      assert.equal((await call(w.url, 'GET', '/connectors', basic('bob', 'b-pass'))).status, 200);
      assert.equal((await call(w.url, 'DELETE', '/connectors/x', basic('bob', 'b-pass'))).status, 403);
      assert.equal((await call(w.url, 'GET', '/connectors', basic('norole', 'n-pass'))).status, 403);
      assert.equal((await call(w.url, 'GET', '/connectors', basic('bob', 'wrong'))).status, 401);
      assert.equal((await call(w.url, 'GET', '/connectors', basic('nobody', 'b-pass'))).status, 401);
      assert.equal((await call(w.url, 'GET', '/connectors', `Bearer ${TOKENS.viewer}`)).status, 200);
    } finally {
      await w.close();
    }
  });
});

describe('bearer settings refused at start', () => {
  const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
    [
      'a missing tokens file',
      async () => ({ 'rest.auth.tokens.file': join(dir, 'none.json') }),
      /rest\.auth\.tokens\.file.*cannot read/,
    ],
    [
      'a token without a role',
      async () => {
        const f = join(dir, 'bad-tokens.json');
        await writeFile(f, JSON.stringify([{ principal: 'x', token: 'abcdefghijklmnopqrstu' }]));
        return { 'rest.auth.tokens.file': f };
      },
      /entry 0 \(x\): "role" must be viewer, operator or admin/,
    ],
    [
      'a short token',
      async () => {
        const f = join(dir, 'short-tokens.json');
        await writeFile(f, JSON.stringify([{ principal: 'x', role: 'admin', token: 'short' }]));
        return { 'rest.auth.tokens.file': f };
      },
      /16 characters or more/,
    ],
    [
      'a JWKS without an issuer',
      async () => ({ 'rest.auth.jwt.jwks.file': join(dir, 'jwks.json'), 'rest.auth.jwt.audience': 'a' }),
      /rest\.auth\.jwt\.issuer/,
    ],
    [
      'a JWKS without an audience',
      async () => ({ 'rest.auth.jwt.jwks.file': join(dir, 'jwks.json'), 'rest.auth.jwt.issuer': 'i' }),
      /rest\.auth\.jwt\.audience/,
    ],
    [
      'HS256 allowed',
      async () => ({
        'rest.auth.jwt.jwks.file': join(dir, 'jwks.json'),
        'rest.auth.jwt.issuer': 'i',
        'rest.auth.jwt.audience': 'a',
        'rest.auth.jwt.algorithms': 'HS256',
      }),
      /only asymmetric/,
    ],
    [
      'user roles without basic auth',
      async () => ({ 'rest.auth.user.roles': 'alice:admin' }),
      /basic-auth extension is not enabled/,
    ],
  ];
  for (const [what, props, message] of cases) {
    test(what, async () => {
      const values = await props();
      // A bad value of a defined key stops the worker config itself; the rest, the REST server's set-up.
      assert.throws(
        () => restSecurityOptions(new WorkerConfig({ ...workerProps(dir), ...values }), {}),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});
