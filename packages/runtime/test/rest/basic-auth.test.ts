/**
 * Kafka's basic-auth REST extension as Kafka users configure it: `rest.extension.classes`, a JAAS
 * file from `KAFKA_OPTS` (or the worker key) naming `PropertyFileLoginModule` and its users file;
 * `curl` as the client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { WorkerConfig } from '../../src/config/worker-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { parseJaasFile } from '../../src/rest/auth/jaas-basic-auth.ts';
import { inboundAuthorization } from '../../src/rest/auth/rest-auth.ts';
import { forwardRequest } from '../../src/rest/forwarding.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import { workerProps } from './rest-harness.ts';

const run = promisify(execFile);
const EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';

async function curl(url: string, ...args: string[]): Promise<{ status: number; body: string; type: string }> {
  const { stdout } = await run('curl', [
    '-sS',
    '-m',
    '10',
    '-w',
    '\n%{http_code} %{content_type}',
    ...args,
    url,
  ]);
  const i = stdout.lastIndexOf('\n');
  const [status, type = ''] = stdout.slice(i + 1).split(' ');
  return { status: Number(status), body: stdout.slice(0, i), type };
}

let dir: string;
let jaas: string;
let users: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-basic-auth-'));
  users = join(dir, 'credentials.properties');
  await writeFile(users, '# users\nalice=alice-secret\nbob: b0b pass\n');
  jaas = join(dir, 'connect_jaas.conf');
  await writeFile(
    jaas,
    `// the Kafka docs' example
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="${users}";
};
`,
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startWorker(
  extra: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<{ urls: string[]; close(): Promise<void> }> {
  const wdir = await mkdtemp(join(tmpdir(), 'sluice-auth-worker-'));
  const logger = createLogger({ level: 'WARN' });
  const herder = await StandaloneHerder.create(
    { ...workerProps(wdir), ...extra },
    { logger, plugins: builtinPlugins() },
  );
  await herder.start();
  const server = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    ...restSecurityOptions(herder.config, env),
  });
  const { urls } = await server.start();
  return {
    urls,
    async close() {
      await server.stop();
      await herder.stop();
      await rm(wdir, { recursive: true, force: true });
    },
  };
}

describe('BasicAuthSecurityRestExtension with a JAAS file from KAFKA_OPTS', () => {
  let w: { urls: string[]; close(): Promise<void> };
  let url: string;
  before(async () => {
    w = await startWorker(
      { 'rest.extension.classes': EXTENSION },
      { KAFKA_OPTS: `-Xmx1g -Djava.security.auth.login.config=${jaas} -Dother=1` },
    );
    url = w.urls[0]!;
  });
  after(async () => {
    await w.close();
  });

  test('the right user and password: the answer', async () => {
    const r = await curl(`${url}/connectors`, '-u', 'alice:alice-secret');
    assert.deepEqual([r.status, r.body], [200, '[]']);
    const bob = await curl(`${url}/connectors`, '-u', 'bob:b0b pass');
    assert.equal(bob.status, 200);
  });

  test('no credentials, a wrong password, an unknown user, another scheme: the same 401', async () => {
    const answers = await Promise.all([
      curl(`${url}/connectors`),
      curl(`${url}/connectors`, '-u', 'alice:wrong'),
      curl(`${url}/connectors`, '-u', 'mallory:alice-secret'),
      curl(`${url}/connectors`, '-H', 'Authorization: Bearer abc'),
      curl(`${url}/connectors`, '-H', 'Authorization: Basic !!!notbase64'),
      curl(
        `${url}/connectors`,
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '-d',
        '{"name":"x","config":{}}',
      ),
    ]);
    for (const r of answers) {
      assert.equal(r.status, 401);
      assert.equal(r.body, 'User cannot access the resource.');
      assert.equal(r.type, 'application/json'); // as Kafka 4.1.1 (goldens/basic-auth)
    }
  });

  test("internal worker-to-worker endpoints are not authenticated (they are signed), as Kafka's filter", async () => {
    const tasks = await curl(
      `${url}/connectors/nope/tasks`,
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      '[]',
    );
    assert.notEqual(tasks.status, 401);
    const fence = await curl(`${url}/connectors/nope/fence`, '-X', 'PUT');
    assert.notEqual(fence.status, 401);
    // The same paths with other methods are authenticated.
    assert.equal((await curl(`${url}/connectors/nope/tasks`)).status, 401);
  });

  test('an unknown path is a 404 and a wrong method a 405, with or without credentials', async () => {
    assert.equal((await curl(`${url}/nothing-here`)).status, 404);
    assert.equal((await curl(`${url}/connectors`, '-X', 'DELETE')).status, 405);
  });
});

describe('basic auth settings', () => {
  test('the worker key java.security.auth.login.config; admin.listeners of its own are not covered (as in Kafka)', async () => {
    const w = await startWorker(
      {
        'rest.extension.classes': EXTENSION,
        'java.security.auth.login.config': jaas,
        'admin.listeners': 'http://127.0.0.1:0',
      },
      {},
    );
    try {
      const [api, admin] = w.urls as [string, string];
      assert.equal((await curl(`${api}/`)).status, 401);
      assert.equal((await curl(`${api}/`, '-u', 'alice:alice-secret')).status, 200);
      assert.equal((await curl(`${admin}/admin/loggers`)).status, 200);
    } finally {
      await w.close();
    }
  });

  test('an empty users file lets everyone in (Kafka PropertyFileLoginModule)', async () => {
    const empty = join(dir, 'empty.properties');
    await writeFile(empty, '# nobody\n');
    const emptyJaas = join(dir, 'empty_jaas.conf');
    await writeFile(
      emptyJaas,
      `KafkaConnect { ${'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule'} required file="${empty}"; };`,
    );
    const w = await startWorker(
      { 'rest.extension.classes': EXTENSION, 'java.security.auth.login.config': emptyJaas },
      {},
    );
    try {
      assert.equal((await curl(`${w.urls[0]}/connectors`)).status, 200);
    } finally {
      await w.close();
    }
  });

  const refused: [string, () => Promise<Record<string, string>>, RegExp][] = [
    ['no JAAS file anywhere', async () => ({}), /KAFKA_OPTS.*java\.security\.auth\.login\.config/],
    [
      'a missing JAAS file',
      async () => ({ 'java.security.auth.login.config': join(dir, 'nope.conf') }),
      /Cannot read the JAAS file/,
    ],
    [
      'no KafkaConnect entry',
      async () => {
        const f = join(dir, 'other.conf');
        await writeFile(
          f,
          `KafkaServer { ${'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule'} required file="${users}"; };`,
        );
        return { 'java.security.auth.login.config': f };
      },
      /no 'KafkaConnect \{ \.\.\. \};' entry/,
    ],
    [
      'another login module',
      async () => {
        const f = join(dir, 'ldap.conf');
        await writeFile(
          f,
          'KafkaConnect { com.sun.security.auth.module.LdapLoginModule required userProvider="ldap://x"; };',
        );
        return { 'java.security.auth.login.config': f };
      },
      /LdapLoginModule is not available/,
    ],
    [
      'a missing users file',
      async () => {
        const f = join(dir, 'missing-users.conf');
        await writeFile(
          f,
          `KafkaConnect { ${'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule'} required file="${join(dir, 'none.properties')}"; };`,
        );
        return { 'java.security.auth.login.config': f };
      },
      /Error loading Property Credentials file/,
    ],
  ];
  for (const [what, props, message] of refused) {
    test(`refused at start: ${what}`, async () => {
      const config = new WorkerConfig({
        ...workerProps(dir),
        'rest.extension.classes': EXTENSION,
        ...(await props()),
      });
      assert.throws(
        () => restSecurityOptions(config, {}),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  test('JAAS files: comments, several entries, quoted values with escapes', () => {
    const entries = parseJaasFile(`/* c */ KafkaServer { a.B required x="1"; };
KafkaConnect {
  // one
  org.X sufficient file="/a \\"b\\"" other=plain;
  org.Y optional;
};`);
    assert.deepEqual(entries.get('KafkaConnect'), [
      { loginModule: 'org.X', flag: 'sufficient', options: { file: '/a "b"', other: 'plain' } },
      { loginModule: 'org.Y', flag: 'optional', options: {} },
    ]);
    assert.equal(entries.get('KafkaServer')?.length, 1);
  });
});

test("a forwarded request carries the user's Authorization header, as Kafka's RestClient", async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  try {
    await inboundAuthorization.run('Basic YWxpY2U6YWxpY2Utc2VjcmV0', () =>
      forwardRequest(base, 'POST', '/connectors', { body: {} }),
    );
    await forwardRequest(base, 'GET', '/connectors');
    assert.deepEqual(seen, ['Basic YWxpY2U6YWxpY2Utc2VjcmV0', undefined]);
  } finally {
    server.close();
  }
});
