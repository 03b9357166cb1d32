/**
 * REST conformance beyond `/connectors`: `GET /`, `/health`, `/openapi.json`, `/connector-plugins`,
 * `/admin/loggers`, and the server's own behaviour (unknown routes, wrong methods, timeouts, CORS,
 * response headers), against a real standalone herder.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { http, uniqueName } from '@sluice/testing';
import { ROUTES } from '../../src/rest/api-spec.ts';
import { buildOpenApiDocument } from '../../src/rest/openapi.ts';
import { OPENAPI_PATH } from '../../src/rest/write-openapi.ts';
import { SLUICE_VERSION } from '../../src/version.ts';
import { assertError, startWorker, type TestWorker } from './rest-harness.ts';

const SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const SINK = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
interface ValidateJson {
  error_count: number;
  configs: { value: { name: string; errors: string[] } | null }[];
}

const CONFIG_KEY_FIELDS = [
  'default_value',
  'dependents',
  'display_name',
  'documentation',
  'group',
  'importance',
  'name',
  'order',
  'required',
  'type',
  'width',
];

let worker: TestWorker;
before(async () => {
  worker = await startWorker({ commit: 'abc1234' });
});
after(async () => {
  await worker?.close();
});

const req = (method: string, path: string, options?: Parameters<typeof http>[3]) =>
  http(worker.url, method, path, options);

describe('GET /', () => {
  test('ServerInfo with the version, the commit given and the cluster id', async () => {
    const res = await req('GET', '/');
    assert.equal(res.status, 200);
    const info = res.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(info).sort(), ['commit', 'kafka_cluster_id', 'version']);
    assert.equal(info.version, SLUICE_VERSION);
    assert.equal(info.commit, 'abc1234');
    assert.equal(info.kafka_cluster_id, await worker.herder.kafkaClusterId());
    assert.ok((info.kafka_cluster_id as string).length > 0);
  });
});

describe('GET /health', () => {
  test('200 healthy once started', async () => {
    const res = await req('GET', '/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, {
      status: 'healthy',
      message: 'Worker has completed startup and is ready to handle requests.',
    });
  });

  test('503 starting, same body shape, while the herder has not finished starting', async () => {
    const starting = await startWorker({ startHerder: false, healthCheckTimeoutMs: 300 });
    try {
      const res = await http(starting.url, 'GET', '/health');
      assert.equal(res.status, 503);
      assert.deepEqual(res.json, { status: 'starting', message: 'Worker is still starting up.' });
    } finally {
      await starting.close();
    }
  });
});

describe('GET /openapi.json', () => {
  test('serves docs/openapi.json, which is up to date with the routes', async () => {
    const res = await req('GET', '/openapi.json');
    assert.equal(res.status, 200);
    const committed = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
    assert.deepEqual(
      committed,
      buildOpenApiDocument(),
      'docs/openapi.json is stale: run scripts/run-node.sh packages/runtime/src/rest/write-openapi.ts',
    );
    assert.deepEqual(res.json, committed);
  });

  test('documents every public endpoint of reference §1.2 and hides the internal ones', async () => {
    const doc = (await req('GET', '/openapi.json')).json as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.openapi, '3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = [
      'GET /',
      'GET /health',
      'GET /connectors',
      'POST /connectors',
      'GET /connectors/{connector}',
      'DELETE /connectors/{connector}',
      'GET /connectors/{connector}/config',
      'PUT /connectors/{connector}/config',
      'PATCH /connectors/{connector}/config',
      'GET /connectors/{connector}/status',
      'GET /connectors/{connector}/tasks',
      'GET /connectors/{connector}/tasks/{task}/status',
      'POST /connectors/{connector}/restart',
      'POST /connectors/{connector}/tasks/{task}/restart',
      'PUT /connectors/{connector}/pause',
      'PUT /connectors/{connector}/resume',
      'PUT /connectors/{connector}/stop',
      'GET /connectors/{connector}/topics',
      'PUT /connectors/{connector}/topics/reset',
      'GET /connectors/{connector}/offsets',
      'PATCH /connectors/{connector}/offsets',
      'DELETE /connectors/{connector}/offsets',
      'GET /connector-plugins',
      'GET /connector-plugins/{plugin}/config',
      'PUT /connector-plugins/{plugin}/config/validate',
      'GET /admin/loggers',
      'GET /admin/loggers/{logger}',
      'PUT /admin/loggers/{logger}',
    ];
    for (const op of expected) assert.ok(operations.includes(op), `missing ${op}`);
    assert.ok(!operations.includes('POST /connectors/{connector}/tasks'));
    assert.ok(!operations.includes('PUT /connectors/{connector}/fence'));
    // Every $ref resolves.
    const text = JSON.stringify(doc);
    const components = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components
      .schemas;
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(components[name!] !== undefined, `unresolved $ref ${name}`);
    }
  });

  test('every route of the table is served', () => {
    assert.equal(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)).size, ROUTES.length);
  });
});

describe('GET /connector-plugins', () => {
  test('connectors only by default: sinks then sources, with class, type and version', async () => {
    const res = await req('GET', '/connector-plugins');
    assert.equal(res.status, 200);
    const plugins = res.json as { class: string; type: string; version?: string }[];
    assert.ok(plugins.every((p) => p.type === 'sink' || p.type === 'source'));
    const types = plugins.map((p) => p.type);
    assert.deepEqual(
      types,
      [...types].sort((a, b) => (a === b ? 0 : a === 'sink' ? -1 : 1)),
    );
    const sink = plugins.find((p) => p.class === SINK);
    const source = plugins.find((p) => p.class === SOURCE);
    assert.ok(sink !== undefined && source !== undefined);
    assert.equal(sink.type, 'sink');
    assert.equal(source.type, 'source');
    for (const p of plugins) {
      assert.deepEqual(
        Object.keys(p).sort(),
        p.version === undefined ? ['class', 'type'] : ['class', 'type', 'version'],
      );
    }
    assert.equal(typeof source.version, 'string');
  });

  test('connectorsOnly=false adds converters and the other kinds, in Kafka order', async () => {
    const res = await req('GET', '/connector-plugins?connectorsOnly=false');
    assert.equal(res.status, 200);
    const plugins = res.json as { class: string; type: string }[];
    const order = ['sink', 'source', 'transformation', 'predicate', 'converter', 'header_converter'];
    const ranks = plugins.map((p) => order.indexOf(p.type));
    assert.ok(ranks.every((r) => r >= 0));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.ok(
      plugins.some(
        (p) => p.class === 'org.apache.kafka.connect.storage.StringConverter' && p.type === 'converter',
      ),
    );
  });
});

describe('GET /connector-plugins/{plugin}/config', () => {
  test('the connector keys first, then the framework keys', async () => {
    for (const plugin of ['FileStreamSource', 'FileStreamSourceConnector', SOURCE]) {
      const res = await req('GET', `/connector-plugins/${plugin}/config`);
      assert.equal(res.status, 200, res.text);
      const keys = res.json as Record<string, unknown>[];
      for (const k of keys) assert.deepEqual(Object.keys(k).sort(), CONFIG_KEY_FIELDS);
      const names = keys.map((k) => k.name);
      assert.deepEqual(names.slice(0, 3), ['file', 'topic', 'batch.size']);
      assert.ok(names.includes('connector.class'));
      assert.ok(names.includes('tasks.max'));
      const topic = keys.find((k) => k.name === 'topic')!;
      assert.equal(topic.type, 'STRING');
      assert.equal(topic.required, true);
      assert.equal(topic.default_value, null);
      assert.equal(topic.importance, 'HIGH');
    }
  });

  test('converters answer their own keys', async () => {
    const res = await req(
      'GET',
      '/connector-plugins/org.apache.kafka.connect.storage.StringConverter/config',
    );
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json));
  });

  test('404 for an unknown plugin', async () => {
    assertError(await req('GET', '/connector-plugins/org.example.Nope/config'), 404, /org\.example\.Nope/);
  });
});

describe('PUT /connector-plugins/{plugin}/config/validate', () => {
  test('a valid config: 200 ConfigInfos without errors', async () => {
    const config = { 'connector.class': SOURCE, topic: 't', file: '/tmp/x', name: 'v' };
    const res = await req('PUT', '/connector-plugins/FileStreamSource/config/validate', { body: config });
    assert.equal(res.status, 200, res.text);
    const infos = res.json as {
      name: string;
      error_count: number;
      groups: string[];
      configs: { definition: unknown; value: unknown }[];
    };
    assert.deepEqual(Object.keys(infos).sort(), ['configs', 'error_count', 'groups', 'name']);
    assert.equal(infos.name, SOURCE);
    assert.equal(infos.error_count, 0);
    assert.ok(Array.isArray(infos.groups));
    for (const c of infos.configs) {
      assert.deepEqual(Object.keys(c).sort(), ['definition', 'value']);
      if (c.definition !== null)
        assert.deepEqual(Object.keys(c.definition as object).sort(), CONFIG_KEY_FIELDS);
      if (c.value !== null) {
        assert.deepEqual(Object.keys(c.value as object).sort(), [
          'errors',
          'name',
          'recommended_values',
          'value',
          'visible',
        ]);
      }
    }
  });

  test('an invalid config is still 200, the errors inside', async () => {
    const res = await req('PUT', '/connector-plugins/FileStreamSourceConnector/config/validate', {
      body: { 'connector.class': SOURCE, name: 'v' },
    });
    assert.equal(res.status, 200, res.text);
    const infos = res.json as ValidateJson;
    assert.equal(infos.error_count, 1);
    const topic = infos.configs.find((c) => c.value?.name === 'topic');
    assert.deepEqual(topic?.value?.errors, [
      'Missing required configuration "topic" which has no default value.',
    ]);
  });

  test('a null value is an error of its key', async () => {
    const res = await req('PUT', '/connector-plugins/FileStreamSourceConnector/config/validate', {
      body: { 'connector.class': SOURCE, name: 'v', topic: null },
    });
    assert.equal(res.status, 200, res.text);
    const infos = res.json as ValidateJson;
    assert.ok(infos.error_count >= 1);
    const topic = infos.configs.find((c) => c.value?.name === 'topic');
    assert.ok(topic?.value?.errors.includes('Null value can not be supplied as the configuration value.'));
  });

  test('400 when connector.class does not match the path', async () => {
    const res = await req('PUT', '/connector-plugins/FileStreamSink/config/validate', {
      body: { 'connector.class': SOURCE, topic: 't' },
    });
    assertError(res, 400, `Included connector type ${SOURCE} does not match request type FileStreamSink`);
  });

  test('the class must end with the path name, both without a trailing Connector', async () => {
    for (const [path, cls] of [
      [SOURCE, SOURCE],
      ['FileStreamSourceConnector', SOURCE],
      ['FileStreamSource', 'FileStreamSourceConnector'],
    ] as const) {
      const res = await req('PUT', `/connector-plugins/${path}/config/validate`, {
        body: { 'connector.class': cls, topic: 't', name: 'v' },
      });
      assert.equal(res.status, 200, `${path} vs ${cls}: ${res.text}`);
      assert.equal((res.json as { name: string }).name, cls);
    }
    // A full class name in the path is not matched by a short name in the body.
    const res = await req('PUT', `/connector-plugins/${SOURCE}/config/validate`, {
      body: { 'connector.class': 'FileStreamSource', topic: 't' },
    });
    assertError(res, 400, `Included connector type FileStreamSource does not match request type ${SOURCE}`);
  });

  test('400 for a body that is not a map', async () => {
    assertError(await req('PUT', '/connector-plugins/FileStreamSource/config/validate', { body: [1] }), 400);
  });
});

describe('/admin/loggers', () => {
  test('GET lists the loggers with level and last_modified, root included', async () => {
    const res = await req('GET', '/admin/loggers');
    assert.equal(res.status, 200);
    const all = res.json as Record<string, { level: string; last_modified: number | null }>;
    assert.deepEqual(all.root, { level: 'WARN', last_modified: null });
    for (const level of Object.values(all))
      assert.deepEqual(Object.keys(level).sort(), ['last_modified', 'level']);
    assert.deepEqual(Object.keys(all), Object.keys(all).sort());
  });

  test('GET one logger; 404 for an unknown one', async () => {
    const root = await req('GET', '/admin/loggers/root');
    assert.equal(root.status, 200);
    assert.deepEqual(root.json, { level: 'WARN', last_modified: null });
    assertError(
      await req('GET', '/admin/loggers/org.example.nope'),
      404,
      'Logger org.example.nope not found.',
    );
  });

  test('PUT sets a namespace and answers the loggers that changed', async () => {
    const before = Date.now();
    const res = await req('PUT', '/admin/loggers/org.apache.kafka.connect.runtime.rest', {
      body: { level: 'error' },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, [
      'org.apache.kafka.connect.runtime.rest',
      'org.apache.kafka.connect.runtime.rest.RestServer',
    ]);
    const one = (await req('GET', '/admin/loggers/org.apache.kafka.connect.runtime.rest.RestServer'))
      .json as {
      level: string;
      last_modified: number;
    };
    assert.equal(one.level, 'ERROR');
    assert.ok(one.last_modified >= before && one.last_modified <= Date.now());
    const again = await req('PUT', '/admin/loggers/org.apache.kafka.connect.runtime.rest', {
      body: { level: 'ERROR' },
    });
    assert.deepEqual(again.json, []);
  });

  test('scope=cluster: 204, applied locally in standalone; unknown scopes mean worker', async () => {
    const name = `org.example.${uniqueName('cluster')}`;
    const res = await req('PUT', `/admin/loggers/${name}?scope=cluster`, { body: { level: 'ERROR' } });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    assert.equal(((await req('GET', `/admin/loggers/${name}`)).json as { level: string }).level, 'ERROR');
    const other = await req('PUT', `/admin/loggers/${name}?scope=galaxy`, { body: { level: 'info' } });
    assert.equal(other.status, 200);
    assert.deepEqual(other.json, [name]);
  });

  test('400 without level; 404 for an unknown level name', async () => {
    assertError(
      await req('PUT', '/admin/loggers/root', { body: {} }),
      400,
      "Desired 'level' parameter was not specified in request.",
    );
    assertError(
      await req('PUT', '/admin/loggers/root', { body: { level: 'LOUD' } }),
      404,
      "invalid log level 'LOUD'.",
    );
  });
});

describe('errors the server raises itself', () => {
  test('unknown route: 404 in the error body shape', async () => {
    assertError(await req('GET', '/no/such/thing'), 404, 'HTTP 404 Not Found');
    assertError(await req('GET', '/connectors/a/b/c/d/e'), 404, 'HTTP 404 Not Found');
  });

  test('known route, wrong method: 405 with Allow', async () => {
    const res = await req('DELETE', '/connectors');
    assertError(res, 405, 'HTTP 405 Method Not Allowed');
    assert.match(res.headers.get('allow') ?? '', /GET/);
    assert.match(res.headers.get('allow') ?? '', /POST/);
    assertError(await req('POST', '/connector-plugins'), 405, 'HTTP 405 Method Not Allowed');
    assertError(await req('GET', '/connectors/x/pause'), 405, 'HTTP 405 Method Not Allowed');
  });

  test('a client that accepts no JSON: 406; JSON, wildcards or no Accept are fine', async () => {
    assertError(
      await req('GET', '/connectors', { headers: { accept: 'text/html' } }),
      406,
      'HTTP 406 Not Acceptable',
    );
    for (const accept of ['application/json', '*/*', 'text/html,application/xhtml+xml,*/*;q=0.8', '']) {
      assert.equal((await req('GET', '/connectors', { headers: { accept } })).status, 200, accept);
    }
  });

  test('OPTIONS answers the allowed methods', async () => {
    const res = await req('OPTIONS', '/connectors/x/config');
    assert.equal(res.status, 200);
    for (const m of ['GET', 'PUT', 'PATCH']) assert.match(res.headers.get('allow') ?? '', new RegExp(m));
  });

  test('a call that takes longer than the request timeout: 500 Request timed out', async () => {
    // Cluster-scope logger changes go through the same timed call as every herder call.
    const slow = await startWorker({
      requestTimeoutMs: 50,
      setClusterLoggerLevel: () => new Promise(() => {}),
    });
    try {
      const res = await http(slow.url, 'PUT', '/admin/loggers/root?scope=cluster', {
        body: { level: 'INFO' },
      });
      assertError(res, 500, 'Request timed out');
    } finally {
      await slow.close();
    }
  });
});

describe('CORS and response headers', () => {
  test('allowed origins get CORS headers, others none; preflight answers the methods', async () => {
    const cors = await startWorker({
      corsAllowOrigin: 'http://console.example,https://*.sluice.dev',
      corsAllowMethods: 'GET,POST,PUT,DELETE',
    });
    try {
      const ok = await http(cors.url, 'GET', '/connectors', {
        headers: { origin: 'http://console.example' },
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://console.example');
      const wild = await http(cors.url, 'GET', '/', { headers: { origin: 'https://ui.sluice.dev' } });
      assert.equal(wild.headers.get('access-control-allow-origin'), 'https://ui.sluice.dev');
      const other = await http(cors.url, 'GET', '/connectors', {
        headers: { origin: 'http://evil.example' },
      });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const preflight = await http(cors.url, 'OPTIONS', '/connectors', {
        headers: { origin: 'http://console.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 200);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://console.example');
      assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET,POST,PUT,DELETE');
      const patch = await http(cors.url, 'OPTIONS', '/connectors/x/config', {
        headers: { origin: 'http://console.example', 'access-control-request-method': 'PATCH' },
      });
      assert.equal(patch.headers.get('access-control-allow-methods'), null);
    } finally {
      await cors.close();
    }
  });

  test('without CORS configured no CORS headers are sent', async () => {
    const res = await req('GET', '/connectors', { headers: { origin: 'http://console.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('response.http.headers.config applies to every answer, errors included', async () => {
    const headers = await startWorker({
      responseHeaders:
        'set X-Frame-Options: DENY,"add Cache-Control: no-cache, no-store",setDate Expires: 31540000000',
    });
    try {
      for (const path of ['/connectors', '/connectors/none']) {
        const res = await http(headers.url, 'GET', path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        assert.equal(res.headers.get('cache-control'), 'no-cache, no-store');
        const expires = Date.parse(res.headers.get('expires') ?? '');
        assert.ok(expires > Date.now() + 31_000_000_000);
      }
    } finally {
      await headers.close();
    }
  });
});

describe('listeners', () => {
  test('start() reports the real port of an ephemeral listener', () => {
    assert.match(worker.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });
});
