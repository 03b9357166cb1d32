/**
 * REST conformance, `/connectors/...`: every endpoint of reference §1.2 with its success and error
 * answers, exact status codes and JSON shapes (§1.3), against a real standalone herder and a
 * real one-worker distributed herder on the test broker: the same tests, each once per mode. Where
 * Kafka Connect itself answers differently in distributed mode, the assertion says so and cites the
 * reference line.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileStreamSourceConnector } from '@sluice/connector-file';
import { http, uniqueName, waitFor } from '@sluice/testing';
import { DistributedHerder } from '../../src/distributed/distributed-herder.ts';
import { assertError, startWorker, type TestWorker, type WorkerMode } from './rest-harness.ts';

const SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const SINK = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
/** The FileStream plugins' version, in statuses as `version` (KIP-891). */
const VERSION = new FileStreamSourceConnector().version();

/** The whole suite against one worker of `mode`. */
function suite(mode: WorkerMode): void {
  let worker: TestWorker;
  let fileNo = 0;

  before(async () => {
    worker = await startWorker({ mode, workerProps: { 'offset.flush.interval.ms': '200' } });
  });
  after(async () => {
    await worker?.close();
  });

  const req = (method: string, path: string, options?: Parameters<typeof http>[3]) =>
    http(worker.url, method, path, options);
  const enc = encodeURIComponent;

  /** A new input file with `lines` lines. */
  async function inputFile(lines = 3): Promise<string> {
    const file = join(worker.dir, `in-${fileNo++}.txt`);
    await writeFile(file, Array.from({ length: lines }, (_, i) => `line ${i}\n`).join(''));
    return file;
  }

  async function sourceConfig(topic = uniqueName('topic')): Promise<Record<string, string>> {
    return { 'connector.class': SOURCE, file: await inputFile(), topic };
  }

  /** Creates a FileStream source connector over REST and returns its name and config. */
  async function createSource(
    extra: Record<string, unknown> = {},
  ): Promise<{ name: string; config: Record<string, string> }> {
    const name = uniqueName('source');
    const config = await sourceConfig();
    const res = await req('POST', '/connectors', { body: { name, config, ...extra } });
    assert.equal(res.status, 201, res.text);
    const initial = String(extra.initial_state ?? 'RUNNING').toUpperCase();
    if (mode === 'distributed' && initial === 'RUNNING') await tasksCommitted(name, 1);
    return { name, config };
  }

  /**
   * Distributed mode: waits until `count` task configs of `name` are committed. Standalone creates
   * synchronously (start connector, generate task configs, then reply: reference
   * kafka-connect-behaviour.md line 251); distributed answers once the connector record is written,
   * and the connector's owner generates and commits the task configs after the rebalance that
   * follows (line 123: `tasks` is the committed task list, empty for a brand-new connector).
   */
  async function tasksCommitted(name: string, count: number): Promise<void> {
    await waitFor(
      `${count} committed task(s) of ${name}`,
      async () => {
        const res = await req('GET', `/connectors/${enc(name)}`);
        assert.equal(res.status, 200, res.text);
        return (res.json as { tasks: unknown[] }).tasks.length === count;
      },
      { timeoutMs: 15_000 },
    );
  }

  /**
   * The ConnectorInfo `tasks` of a create response: standalone has generated them before it replies
   * (line 251); distributed answers with the committed list, empty for a new connector (line 123).
   */
  const createdTasks = (name: string) => (mode === 'distributed' ? [] : [{ connector: name, task: 0 }]);

  async function status(name: string): Promise<Record<string, unknown>> {
    const res = await req('GET', `/connectors/${enc(name)}/status`);
    assert.equal(res.status, 200, res.text);
    return res.json as Record<string, unknown>;
  }

  interface StatusJson {
    name: string;
    connector: { state: string; worker_id: string; trace?: string };
    tasks: { id: number; state: string; worker_id: string; trace?: string }[];
    type: string;
  }

  /**
   * Distributed: true while `name` has no status yet. Its status record is written by the
   * connector's owner once a rebalance assigned it, so a new connector answers 404 `No status
   * found` for a moment (reference kafka-connect-behaviour.md line 77: status endpoints read the
   * status store). Standalone starts the connector before it replies: never pending.
   */
  async function statusPending(name: string): Promise<boolean> {
    if (mode === 'standalone') return false;
    return (await req('GET', `/connectors/${enc(name)}/status`)).status === 404;
  }

  async function waitForState(
    name: string,
    connector: string,
    task: string | null,
    count = 1,
  ): Promise<void> {
    await waitFor(
      `${name} ${connector}/${task}`,
      async () => {
        if (await statusPending(name)) return false;
        const s = (await status(name)) as unknown as StatusJson;
        if (s.connector.state !== connector) return false;
        if (task === null) return s.tasks.length === 0;
        return s.tasks.length === count && s.tasks.every((t) => t.state === task);
      },
      10_000,
    );
  }

  describe('POST /connectors', () => {
    test('201 with Location and ConnectorInfo; the name is filled into the config', async () => {
      const name = uniqueName('source');
      const config = await sourceConfig();
      const res = await req('POST', '/connectors', { body: { name, config } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `${worker.url}/connectors/${name}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(res.json, {
        name,
        config: { ...config, name },
        tasks: createdTasks(name),
        type: 'source',
      });
      // Distributed: the one task is committed after the reply.
      if (mode === 'distributed') await tasksCommitted(name, 1);
    });

    test('the name is trimmed; a matching config.name is accepted', async () => {
      const name = uniqueName('trimmed');
      const config = { ...(await sourceConfig()), name };
      const res = await req('POST', '/connectors', { body: { name: `  ${name} `, config } });
      assert.equal(res.status, 201, res.text);
      assert.equal((res.json as { name: string }).name, name);
    });

    test('Location is absolute and URL-encodes the name', async () => {
      const name = uniqueName('with space/and?');
      const res = await req('POST', '/connectors', { body: { name, config: await sourceConfig() } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.get('location'), `${worker.url}/connectors/${enc(name)}`);
      const got = await req('GET', `/connectors/${enc(name)}`);
      assert.equal(got.status, 200, got.text);
      assert.equal((got.json as { name: string }).name, name);
    });

    test('409 when the connector exists', async () => {
      const { name, config } = await createSource();
      const res = await req('POST', '/connectors', { body: { name, config } });
      assertError(res, 409, `Connector ${name} already exists`);
    });

    test('400 when config.name differs from name', async () => {
      const name = uniqueName('a');
      const res = await req('POST', '/connectors', {
        body: { name, config: { ...(await sourceConfig()), name: 'other' } },
      });
      assertError(
        res,
        400,
        `Connector name configuration (other) doesn't match connector name in the URL (${name})`,
      );
    });

    test('400 when the name is missing (empty name refused by validation)', async () => {
      const res = await req('POST', '/connectors', { body: { config: await sourceConfig() } });
      assertError(res, 400, /^Connector configuration is invalid and contains the following \d+ error\(s\):/);
    });

    test('400 for an invalid config, listing the errors and pointing at validate', async () => {
      const res = await req('POST', '/connectors', {
        body: { name: uniqueName('bad'), config: { 'connector.class': SOURCE, file: await inputFile() } },
      });
      assertError(res, 400, /^Connector configuration is invalid and contains the following 1 error\(s\):\n/);
      assert.match(
        (res.json as { message: string }).message,
        /You can also find the above list of errors at the endpoint `\/connector-plugins\/\{connectorType\}\/config\/validate`$/,
      );
    });

    test('400 when connector.class is missing', async () => {
      const res = await req('POST', '/connectors', {
        body: { name: uniqueName('x'), config: { topic: 't' } },
      });
      assertError(res, 400, /^Connector config \{.*\} contains no connector type$/);
    });

    test('unknown connector.class: 400 naming the failed plugin lookup', async () => {
      // Kafka 3.x let this escape as a 500 (reference §1.4); Kafka 4.x wraps the plugin lookup failure
      // in a BadRequestException (AbstractHerder.validateConnectorConfig), which is what we follow.
      const res = await req('POST', '/connectors', {
        body: {
          name: uniqueName('x'),
          config: { 'connector.class': 'org.example.NopeConnector', topic: 't' },
        },
      });
      assertError(
        res,
        400,
        /Failed to find any class that implements Connector and which name matches org\.example\.NopeConnector/,
      );
    });

    test('initial_state is case-insensitive: PAUSED and STOPPED', async () => {
      const paused = await createSource({ initial_state: 'paused' });
      await waitFor(
        'condition',
        async () =>
          !(await statusPending(paused.name)) &&
          ((await status(paused.name)) as unknown as StatusJson).connector.state === 'PAUSED',
        10_000,
      );
      const stopped = await createSource({ initial_state: 'Stopped' });
      await waitForState(stopped.name, 'STOPPED', null);
      const tasks = await req('GET', `/connectors/${enc(stopped.name)}/tasks`);
      assert.deepEqual(tasks.json, []);
      const running = await createSource({ initial_state: 'RUNNING' });
      await waitForState(running.name, 'RUNNING', 'RUNNING');
    });

    test('400 for an unknown initial_state', async () => {
      const res = await req('POST', '/connectors', {
        body: { name: uniqueName('x'), config: await sourceConfig(), initial_state: 'SLEEPING' },
      });
      assertError(res, 400);
    });

    test('400 for malformed JSON, in the error body shape', async () => {
      const res = await req('POST', '/connectors', {
        raw: '{"name": "x", "config": {',
        headers: { 'content-type': 'application/json' },
      });
      assertError(res, 400);
    });

    test('400 for a body that is not an object, or without config', async () => {
      assertError(await req('POST', '/connectors', { body: ['x'] }), 400);
      assertError(await req('POST', '/connectors', { body: { name: 'x' } }), 400);
      assertError(
        await req('POST', '/connectors', { body: { name: 'x', config: { a: { nested: 1 } } } }),
        400,
      );
      assertError(
        await req('POST', '/connectors', { raw: '', headers: { 'content-type': 'application/json' } }),
        400,
      );
    });

    test('415 for a body that is not JSON', async () => {
      const res = await req('POST', '/connectors', {
        raw: 'name=x',
        headers: { 'content-type': 'text/plain' },
      });
      assertError(res, 415, 'HTTP 415 Unsupported Media Type');
    });

    test('?forward is accepted and ignored', async () => {
      const name = uniqueName('fwd');
      const res = await req('POST', '/connectors?forward=true', {
        body: { name, config: await sourceConfig() },
      });
      assert.equal(res.status, 201, res.text);
    });
  });

  describe('GET /connectors', () => {
    test('a sorted array of names', async () => {
      const a = await createSource();
      const b = await createSource();
      const res = await req('GET', '/connectors');
      assert.equal(res.status, 200);
      const names = res.json as string[];
      assert.ok(Array.isArray(names));
      assert.ok(names.includes(a.name) && names.includes(b.name));
      assert.deepEqual(names, [...names].sort());
    });

    test('expand=status&expand=info: object keyed by name with both', async () => {
      const { name, config } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      const res = await req('GET', '/connectors?expand=status&expand=info');
      assert.equal(res.status, 200);
      const all = res.json as Record<string, Record<string, unknown>>;
      const names = ((await req('GET', '/connectors')).json as string[]).sort();
      assert.deepEqual(Object.keys(all).sort(), names);
      const entry = all[name]!;
      assert.deepEqual(Object.keys(entry).sort(), ['info', 'status']);
      assert.deepEqual(entry.info, {
        name,
        config: { ...config, name },
        tasks: [{ connector: name, task: 0 }],
        type: 'source',
      });
      assert.deepEqual(entry.status, {
        name,
        connector: { state: 'RUNNING', worker_id: worker.herder.workerId, version: VERSION },
        tasks: [{ id: 0, state: 'RUNNING', worker_id: worker.herder.workerId, version: VERSION }],
        type: 'source',
      });
    });

    test('expand=info alone; unknown expansions are ignored', async () => {
      const { name } = await createSource();
      const info = (await req('GET', '/connectors?expand=info')).json as Record<
        string,
        Record<string, unknown>
      >;
      assert.deepEqual(Object.keys(info[name]!), ['info']);
      const bogus = await req('GET', '/connectors?expand=bogus');
      assert.equal(bogus.status, 200);
      assert.deepEqual((bogus.json as Record<string, unknown>)[name], {});
    });

    test('a trailing slash is the same resource', async () => {
      const res = await req('GET', '/connectors/');
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.json));
    });
  });

  describe('GET /connectors/{c}', () => {
    test('200 ConnectorInfo', async () => {
      const { name, config } = await createSource();
      const res = await req('GET', `/connectors/${enc(name)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        name,
        config: { ...config, name },
        tasks: [{ connector: name, task: 0 }],
        type: 'source',
      });
    });

    test('404 for an unknown connector', async () => {
      assertError(await req('GET', '/connectors/does-not-exist'), 404, 'Connector does-not-exist not found');
    });
  });

  describe('GET /connectors/{c}/config', () => {
    test('200 the raw config', async () => {
      const { name, config } = await createSource();
      const res = await req('GET', `/connectors/${enc(name)}/config`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { ...config, name });
    });

    test('404 for an unknown connector', async () => {
      assertError(
        await req('GET', '/connectors/does-not-exist/config'),
        404,
        'Connector does-not-exist not found',
      );
    });
  });

  describe('PUT /connectors/{c}/config', () => {
    test('201 + Location when created, 200 without Location when updated', async () => {
      const name = uniqueName('put');
      const config = await sourceConfig();
      const created = await req('PUT', `/connectors/${enc(name)}/config`, { body: config });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), `${worker.url}/connectors/${name}`);
      assert.deepEqual(created.json, {
        name,
        config: { ...config, name },
        tasks: createdTasks(name),
        type: 'source',
      });
      if (mode === 'distributed') await tasksCommitted(name, 1);
      const changed = { ...config, 'batch.size': '10' };
      const updated = await req('PUT', `/connectors/${enc(name)}/config`, { body: changed });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.headers.get('location'), null);
      const info = updated.json as { name: string; config: Record<string, string>; type: string };
      assert.equal(info.name, name);
      assert.deepEqual(info.config, { ...changed, name });
      assert.equal(info.type, 'source');
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/config`)).json, { ...changed, name });
    });

    test('400 when the body name differs from the URL', async () => {
      const res = await req('PUT', '/connectors/url-name/config', {
        body: { ...(await sourceConfig()), name: 'body-name' },
      });
      assertError(
        res,
        400,
        "Connector name configuration (body-name) doesn't match connector name in the URL (url-name)",
      );
    });

    test('400 for an invalid config; 400 for a body that is not a map', async () => {
      const res = await req('PUT', `/connectors/${uniqueName('bad')}/config`, {
        body: { 'connector.class': SINK },
      });
      assertError(res, 400, /^Connector configuration is invalid/);
      assertError(await req('PUT', `/connectors/${uniqueName('bad')}/config`, { body: ['a'] }), 400);
    });
  });

  describe('PATCH /connectors/{c}/config', () => {
    test('200 with the merged config; null removes a key', async () => {
      const { name, config } = await createSource();
      const res = await req('PATCH', `/connectors/${enc(name)}/config`, {
        body: { 'batch.size': '5', file: null },
      });
      assert.equal(res.status, 200, res.text);
      const expected: Record<string, string> = { ...config, name, 'batch.size': '5' };
      delete expected.file;
      const info = res.json as {
        name: string;
        config: Record<string, string>;
        type: string;
        tasks: unknown[];
      };
      assert.deepEqual(Object.keys(info).sort(), ['config', 'name', 'tasks', 'type']);
      assert.deepEqual(info.config, expected);
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/config`)).json, expected);
    });

    test('404 for an unknown connector; 400 when the result is invalid', async () => {
      assertError(await req('PATCH', '/connectors/does-not-exist/config', { body: { a: 'b' } }), 404);
      const { name } = await createSource();
      assertError(await req('PATCH', `/connectors/${enc(name)}/config`, { body: { topic: null } }), 400);
    });
  });

  describe('GET /connectors/{c}/status and /tasks/{n}/status', () => {
    test('200 ConnectorStateInfo, tasks sorted, no trace while healthy', async () => {
      const { name } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      assert.deepEqual(await status(name), {
        name,
        connector: { state: 'RUNNING', worker_id: worker.herder.workerId, version: VERSION },
        tasks: [{ id: 0, state: 'RUNNING', worker_id: worker.herder.workerId, version: VERSION }],
        type: 'source',
      });
      const task = await req('GET', `/connectors/${enc(name)}/tasks/0/status`);
      assert.equal(task.status, 200);
      assert.deepEqual(task.json, {
        id: 0,
        state: 'RUNNING',
        worker_id: worker.herder.workerId,
        version: VERSION,
      });
    });

    test('a failed task shows its trace', async () => {
      const name = uniqueName('failing');
      const res = await req('POST', '/connectors', {
        body: {
          name,
          config: {
            'connector.class': SOURCE,
            file: join(worker.dir, 'no-such-dir', 'missing.txt'),
            topic: 't',
          },
        },
      });
      assert.equal(res.status, 201, res.text);
      if (mode === 'distributed') {
        // The task is generated and its status written after the reply (reference lines 77, 123).
        await tasksCommitted(name, 1);
        await waitFor(
          'condition',
          async () =>
            !(await statusPending(name)) &&
            ((await status(name)) as unknown as StatusJson).tasks.length === 1,
          10_000,
        );
      }
      // Kafka's FileStreamSourceTask logs and waits for a missing file; the status stays valid JSON either way.
      const s = (await status(name)) as unknown as StatusJson;
      for (const t of s.tasks) {
        if (t.state === 'FAILED') assert.equal(typeof t.trace, 'string');
        else assert.equal('trace' in t, false);
      }
    });

    test('404 messages', async () => {
      assertError(
        await req('GET', '/connectors/does-not-exist/status'),
        404,
        'No status found for connector does-not-exist',
      );
      const { name } = await createSource();
      assertError(
        await req('GET', `/connectors/${enc(name)}/tasks/9/status`),
        404,
        `No status found for task ${name}-9`,
      );
      assertError(await req('GET', `/connectors/${enc(name)}/tasks/abc/status`), 404, 'HTTP 404 Not Found');
    });
  });

  describe('GET /connectors/{c}/tasks', () => {
    test('200 TaskInfo list with task.class, the Java class name', async () => {
      const { name, config } = await createSource();
      const res = await req('GET', `/connectors/${enc(name)}/tasks`);
      assert.equal(res.status, 200);
      const tasks = res.json as { id: unknown; config: Record<string, string> }[];
      assert.equal(tasks.length, 1);
      assert.deepEqual(Object.keys(tasks[0]!).sort(), ['config', 'id']);
      assert.deepEqual(tasks[0]!.id, { connector: name, task: 0 });
      assert.equal(tasks[0]!.config.topic, config.topic);
      assert.equal(tasks[0]!.config.file, config.file);
      assert.equal(tasks[0]!.config['task.class'], 'org.apache.kafka.connect.file.FileStreamSourceTask');
    });

    test('GET /tasks-config is gone, as in Kafka Connect 4.x: 404', async () => {
      const { name } = await createSource();
      assertError(await req('GET', `/connectors/${enc(name)}/tasks-config`), 404, 'HTTP 404 Not Found');
    });

    test('404 for an unknown connector', async () => {
      assertError(
        await req('GET', '/connectors/does-not-exist/tasks'),
        404,
        'Connector does-not-exist not found',
      );
    });
  });

  describe('restarts', () => {
    test('POST /restart: 204 with no body', async () => {
      const { name } = await createSource();
      const res = await req('POST', `/connectors/${enc(name)}/restart`);
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      await waitForState(name, 'RUNNING', 'RUNNING');
    });

    test('POST /restart?includeTasks=true: 202 with the restarted instances RESTARTING', async () => {
      const { name } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      const res = await req('POST', `/connectors/${enc(name)}/restart?includeTasks=true`);
      assert.equal(res.status, 202, res.text);
      assert.deepEqual(res.json, {
        name,
        connector: { state: 'RESTARTING', worker_id: worker.herder.workerId, version: VERSION },
        tasks: [{ id: 0, state: 'RESTARTING', worker_id: worker.herder.workerId, version: VERSION }],
        type: 'source',
      });
      await waitForState(name, 'RUNNING', 'RUNNING');
    });

    test('POST /restart?includeTasks=true&onlyFailed=true: 202, nothing failed so nothing restarts', async () => {
      const { name } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      const res = await req('POST', `/connectors/${enc(name)}/restart?includeTasks=true&onlyFailed=true`);
      assert.equal(res.status, 202, res.text);
      const s = res.json as StatusJson;
      assert.equal(s.connector.state, 'RUNNING');
      assert.deepEqual(
        s.tasks.map((t) => t.state),
        ['RUNNING'],
      );
    });

    test('POST /restart?onlyFailed=true: 202 (connector only restarted if FAILED)', async () => {
      const { name } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      const res = await req('POST', `/connectors/${enc(name)}/restart?onlyFailed=TRUE`);
      assert.equal(res.status, 202, res.text);
      assert.equal((res.json as StatusJson).connector.state, 'RUNNING');
    });

    test('POST /restart: 404 for an unknown connector', async () => {
      assertError(await req('POST', '/connectors/does-not-exist/restart'), 404);
      assertError(await req('POST', '/connectors/does-not-exist/restart?includeTasks=true'), 404);
    });

    test('POST /tasks/{n}/restart: 204; 404 for unknown task or connector', async () => {
      const { name } = await createSource();
      const res = await req('POST', `/connectors/${enc(name)}/tasks/0/restart`);
      assert.equal(res.status, 204, res.text);
      assert.equal(res.text, '');
      assertError(
        await req('POST', `/connectors/${enc(name)}/tasks/7/restart`),
        404,
        // Kafka's two herders word it differently (recorded from Kafka Connect 4.1.1 standalone).
        mode === 'standalone' ? `Task ${name}-7 not found` : `Unknown task: ${name}-7`,
      );
      assertError(await req('POST', '/connectors/does-not-exist/tasks/0/restart'), 404);
    });
  });

  describe('pause, resume, stop, delete', () => {
    test('PUT /pause and /resume: 202 with no body, states follow', async () => {
      const { name } = await createSource();
      await waitForState(name, 'RUNNING', 'RUNNING');
      const paused = await req('PUT', `/connectors/${enc(name)}/pause`);
      assert.equal(paused.status, 202);
      assert.equal(paused.text, '');
      await waitForState(name, 'PAUSED', 'PAUSED');
      assert.equal((await req('PUT', `/connectors/${enc(name)}/pause`)).status, 202, 'idempotent');
      const resumed = await req('PUT', `/connectors/${enc(name)}/resume`);
      assert.equal(resumed.status, 202);
      assert.equal(resumed.text, '');
      await waitForState(name, 'RUNNING', 'RUNNING');
    });

    test('PUT /stop: 204, connector STOPPED with no tasks; resume restarts it', async () => {
      const { name } = await createSource();
      const stopped = await req('PUT', `/connectors/${enc(name)}/stop`);
      assert.equal(stopped.status, 204);
      assert.equal(stopped.text, '');
      await waitForState(name, 'STOPPED', null);
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/tasks`)).json, []);
      assert.deepEqual(
        ((await req('GET', `/connectors/${enc(name)}`)).json as { tasks: unknown[] }).tasks,
        [],
      );
      assert.equal((await req('PUT', `/connectors/${enc(name)}/stop`)).status, 204, 'idempotent');
      assert.equal((await req('PUT', `/connectors/${enc(name)}/resume`)).status, 202);
      await waitForState(name, 'RUNNING', 'RUNNING');
    });

    test('404 for an unknown connector', async () => {
      for (const action of ['pause', 'resume', 'stop']) {
        assertError(await req('PUT', `/connectors/does-not-exist/${action}`), 404);
      }
    });

    test('DELETE: 204, then gone; 404 for an unknown connector', async () => {
      const { name } = await createSource();
      const res = await req('DELETE', `/connectors/${enc(name)}`);
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assertError(await req('GET', `/connectors/${enc(name)}`), 404, `Connector ${name} not found`);
      if (mode === 'distributed') {
        // Distributed: the delete writes tombstones for the config; the workers stop the connector
        // on the next rebalance and only then is its status tombstoned (reference
        // kafka-connect-behaviour.md lines 194-195), so the status 404 comes a moment later.
        await waitFor(`no status for ${name}`, async () => (await statusPending(name)) === true, {
          timeoutMs: 15_000,
        });
      }
      assertError(await req('GET', `/connectors/${enc(name)}/status`), 404);
      assert.ok(!((await req('GET', '/connectors')).json as string[]).includes(name));
      assertError(await req('DELETE', `/connectors/${enc(name)}`), 404);
    });
  });

  describe('topics', () => {
    test('GET /topics: the topics a source wrote to; PUT /topics/reset: 202 and forgotten', async () => {
      const { name, config } = await createSource();
      const empty = await req('GET', `/connectors/${enc(uniqueName('none'))}/topics`);
      assert.equal(empty.status, 200, 'unknown connectors have no topics, not a 404');
      await waitFor(
        'condition',
        async () => {
          const res = await req('GET', `/connectors/${enc(name)}/topics`);
          assert.equal(res.status, 200);
          return JSON.stringify(res.json) === JSON.stringify({ [name]: { topics: [config.topic] } });
        },
        10_000,
      );
      assert.equal((await req('PUT', `/connectors/${enc(name)}/stop`)).status, 204);
      const reset = await req('PUT', `/connectors/${enc(name)}/topics/reset`);
      assert.equal(reset.status, 202);
      assert.equal(reset.text, '');
      if (mode === 'distributed') {
        // Distributed: the reset writes tombstones to the status topic (reference line 226-227);
        // the status store, as Kafka's KafkaStatusBackingStore, learns them when it reads them back.
        await waitFor(`no active topics for ${name}`, async () => {
          const res = await req('GET', `/connectors/${enc(name)}/topics`);
          return JSON.stringify(res.json) === JSON.stringify({ [name]: { topics: [] } });
        });
      }
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/topics`)).json, {
        [name]: { topics: [] },
      });
    });
  });

  describe('offsets', () => {
    test('GET: the source offsets; PATCH/DELETE need STOPPED; alter and reset', async () => {
      const { name, config } = await createSource();
      const partition = { filename: config.file };
      await waitFor(
        'condition',
        async () => {
          const res = await req('GET', `/connectors/${enc(name)}/offsets`);
          assert.equal(res.status, 200);
          const body = res.json as { offsets: { partition: unknown; offset: unknown }[] };
          return (
            body.offsets.length === 1 &&
            JSON.stringify(body.offsets[0]!.partition) === JSON.stringify(partition)
          );
        },
        10_000,
      );
      const offsets = (await req('GET', `/connectors/${enc(name)}/offsets`)).json;
      assert.deepEqual(offsets, { offsets: [{ partition, offset: { position: 21 } }] });

      const alter = { offsets: [{ partition, offset: { position: 7 } }] };
      assertError(
        await req('PATCH', `/connectors/${enc(name)}/offsets`, { body: alter }),
        400,
        /^Connectors must be in the STOPPED state before their offsets can be modified/,
      );
      assertError(
        await req('DELETE', `/connectors/${enc(name)}/offsets`),
        400,
        /^Connectors must be in the STOPPED state before their offsets can be modified/,
      );

      assert.equal((await req('PUT', `/connectors/${enc(name)}/stop`)).status, 204);
      const altered = await req('PATCH', `/connectors/${enc(name)}/offsets`, { body: alter });
      assert.equal(altered.status, 200, altered.text);
      assert.deepEqual(altered.json, {
        message: 'The offsets for this connector have been altered successfully',
      });
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/offsets`)).json, alter);

      const reset = await req('DELETE', `/connectors/${enc(name)}/offsets`);
      assert.equal(reset.status, 200, reset.text);
      assert.deepEqual(reset.json, {
        message: 'The offsets for this connector have been reset successfully',
      });
      assert.deepEqual((await req('GET', `/connectors/${enc(name)}/offsets`)).json, { offsets: [] });
    });

    test('PATCH without offsets: 400', async () => {
      const { name } = await createSource();
      const message = 'Partitions / offsets need to be provided for an alter offsets request';
      assertError(await req('PATCH', `/connectors/${enc(name)}/offsets`, { body: {} }), 400, message);
      assertError(
        await req('PATCH', `/connectors/${enc(name)}/offsets`, { body: { offsets: [] } }),
        400,
        message,
      );
    });

    test('404 for an unknown connector', async () => {
      assertError(await req('GET', '/connectors/does-not-exist/offsets'), 404);
      assertError(
        await req('PATCH', '/connectors/does-not-exist/offsets', {
          body: { offsets: [{ partition: { a: 1 }, offset: null }] },
        }),
        404,
      );
      assertError(await req('DELETE', '/connectors/does-not-exist/offsets'), 404);
    });

    test('sink offsets use kafka_topic / kafka_partition / kafka_offset', async () => {
      const name = uniqueName('sink');
      const topic = uniqueName('sink-topic');
      if (worker.herder instanceof DistributedHerder) {
        // A real broker refuses an offset commit for a topic that does not exist
        // (UNKNOWN_TOPIC_OR_PARTITION); the embedded log does not. The sink's topic exists first.
        await worker.herder.client.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      }
      const create = await req('POST', '/connectors', {
        body: {
          name,
          config: { 'connector.class': SINK, file: join(worker.dir, `${name}.out`), topics: topic },
          initial_state: 'STOPPED',
        },
      });
      assert.equal(create.status, 201, create.text);
      assert.equal((create.json as { type: string }).type, 'sink');
      const alter = {
        offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 5 } }],
      };
      const altered = await req('PATCH', `/connectors/${enc(name)}/offsets`, { body: alter });
      assert.equal(altered.status, 200, altered.text);
      assert.equal(typeof (altered.json as { message: string }).message, 'string');
      const got = (await req('GET', `/connectors/${enc(name)}/offsets`)).json;
      assert.deepEqual(got, alter);
      const bad = await req('PATCH', `/connectors/${enc(name)}/offsets`, {
        body: { offsets: [{ partition: { kafka_partition: 0 }, offset: { kafka_offset: 5 } }] },
      });
      assertError(bad, 400);
    });
  });

  describe('internal endpoints', () => {
    // Standalone: both unsupported, 500 (reference line 253).
    const standaloneOnly = mode === 'standalone' ? test : test.skip;
    standaloneOnly('standalone: POST /connectors/{c}/tasks and PUT /connectors/{c}/fence: 500', async () => {
      const { name } = await createSource();
      assertError(
        await req('POST', `/connectors/${enc(name)}/tasks`, { body: [] }),
        500,
        'Kafka Connect in standalone mode does not support externally setting task configurations.',
      );
      assertError(
        await req('PUT', `/connectors/${enc(name)}/fence`),
        500,
        'Kafka Connect in standalone mode does not support exactly-once source connectors.',
      );
    });

    // Distributed with `connect.protocol=sessioned` (the default) validates internal requests
    // (KIP-507, reference lines 237-246): an unsigned request is a 400 `Internal request missing
    // required signature` (DistributedHerder.requestNotSignedProperly), before anything is written.
    const distributedOnly = mode === 'distributed' ? test : test.skip;
    distributedOnly(
      'distributed: unsigned POST /connectors/{c}/tasks and PUT /connectors/{c}/fence: 400',
      async () => {
        const { name } = await createSource();
        const before = (await req('GET', `/connectors/${enc(name)}/tasks`)).json;
        assertError(
          await req('POST', `/connectors/${enc(name)}/tasks`, { body: [] }),
          400,
          'Internal request missing required signature',
        );
        assertError(
          await req('PUT', `/connectors/${enc(name)}/fence`),
          400,
          'Internal request missing required signature',
        );
        assert.deepEqual((await req('GET', `/connectors/${enc(name)}/tasks`)).json, before);
      },
    );
  });
}

describe('standalone', () => suite('standalone'));
describe('distributed', { timeout: 180_000 }, () => suite('distributed'));
