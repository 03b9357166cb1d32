/**
 * The `sluice` client commands (connectors, offsets, plugins --url, topics) against real workers:
 * a standalone worker on the embedded log and a distributed worker on a real broker, each spawned
 * as `sluice standalone|distributed` is run by a user; topics against the embedded log directory
 * and a real Kafka broker. The client runs in this process through `main()`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '@sluice/cli';
import { uniqueName, useKafka, WorkerProcess, waitFor } from '@sluice/testing';

function until(
  check: () => Promise<boolean>,
  { timeoutMs, description }: { timeoutMs: number; description: string },
): Promise<void> {
  return waitFor(description, check, { timeoutMs, intervalMs: 200 });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const BIN = fileURLToPath(new URL('../bin/sluice.mjs', import.meta.url));

interface Result {
  code: number;
  out: string;
  err: string;
}

async function sluice(args: string[], stdin?: string, terminal = false): Promise<Result> {
  const out = new PassThrough();
  if (terminal) Object.assign(out, { isTTY: true });
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  err.on('data', (c) => errChunks.push(String(c)));
  const code = await main(args, out, err, Readable.from(stdin === undefined ? [] : [stdin]));
  return { code, out: chunks.join(''), err: errChunks.join('') };
}

/** Runs a command that must succeed; returns its output. */
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await sluice(args, stdin);
  assert.equal(r.code, 0, `sluice ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-client-'));
  dirs.push(d);
  return d;
}

/** States of a connector and its tasks; none while a distributed worker has yet to write the status. */
async function stateOf(url: string, name: string): Promise<{ connector: string; tasks: string[] }> {
  const r = await sluice(['connectors', 'status', name, '--url', url, '--json']);
  if (r.code === 1 && /No status found/.test(r.err)) return { connector: 'NONE', tasks: [] };
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as {
    connector: { state: string };
    tasks: Array<{ state: string }>;
  };
  return { connector: s.connector.state, tasks: s.tasks.map((t) => t.state) };
}

async function waitForState(url: string, name: string, state: string): Promise<void> {
  await until(
    async () => {
      const s = await stateOf(url, name);
      return s.connector === state && s.tasks.length > 0 && s.tasks.every((t) => t === state);
    },
    { timeoutMs: 30_000, description: `${name} ${state}` },
  );
}

/**
 * The connector lifecycle every worker kind must support through the client: create from a
 * JSON file and from a .properties file, list, status, describe, pause/resume, restart, stop,
 * offsets get/reset/set, update and delete, and the server's refusals as exit code 1.
 */
async function lifecycle(url: string, dir: string, topic: string): Promise<void> {
  const name = uniqueName('src');
  const input = join(dir, `${name}.txt`);
  await writeFile(input, 'one\ntwo\nthree\n');
  const json = join(dir, `${name}.json`);
  await writeFile(
    json,
    JSON.stringify({
      name,
      config: { 'connector.class': 'FileStreamSource', file: input, topic, 'tasks.max': '1' },
    }),
  );
  const u = ['--url', url];

  assert.match(await ok(['connectors', 'create', '-f', json, ...u]), new RegExp(`Created connector ${name}`));
  const again = await sluice(['connectors', 'create', '-f', json, ...u]);
  assert.equal(again.code, 1, `again: ${again.out}${again.err}`);
  assert.match(again.err, /already exists \(HTTP 409\)/);
  assert.equal(await ok(['connectors', 'wait', name, ...u, '--timeout-ms', '30000']), `${name}: RUNNING\n`);
  await waitForState(url, name, 'RUNNING');

  const list = await ok(['connectors', 'list', ...u]);
  assert.match(list, /^NAME\s+TYPE\s+STATE\s+TASKS\s+CLASS\n/);
  assert.match(list, new RegExp(`${name}\\s+source\\s+RUNNING\\s+1/1\\s+FileStreamSource`));
  assert.ok(!list.includes('\u001b['), 'no colours when not on a terminal');
  const listJson = JSON.parse(await ok(['connectors', 'list', ...u, '--json'])) as Record<
    string,
    { status: { connector: { state: string } }; info: { config: Record<string, string> } }
  >;
  assert.equal(listJson[name]?.status.connector.state, 'RUNNING');
  assert.equal(listJson[name]?.info.config.file, input);

  // On a terminal the states are coloured, unless NO_COLOR is set.
  const tty = await sluice(['connectors', 'list', ...u], undefined, true);
  assert.ok(tty.out.includes('\u001b[32mRUNNING\u001b[0m'), tty.out);
  assert.match(
    tty.out,
    new RegExp(`${name} +source +\u001b\\[32mRUNNING\u001b\\[0m +1/1 `),
    'aligned despite colours',
  );
  process.env.NO_COLOR = '1';
  try {
    assert.ok(!(await sluice(['connectors', 'list', ...u], undefined, true)).out.includes('\u001b['));
  } finally {
    delete process.env.NO_COLOR;
  }

  // Log levels.
  const logger = 'org.apache.kafka.connect.runtime.WorkerSourceTask';
  assert.match(await ok(['loggers', 'set', logger, 'debug', ...u]), new RegExp(`Set .*${logger}.* to DEBUG`));
  assert.equal(await ok(['loggers', 'get', logger, ...u]), 'DEBUG\n');
  assert.match(
    await ok(['loggers', 'list', ...u]),
    new RegExp(`${logger.replace(/\./g, '\\.')}\\s+DEBUG\\s+\\d{4}-`),
  );
  const badLevel = await sluice(['loggers', 'set', logger, 'DEBG', ...u]);
  assert.equal(badLevel.code, 2, badLevel.err);
  assert.match(badLevel.err, /'DEBG' is not a level \(did you mean 'DEBUG'\?\)/);

  const status = await ok(['connectors', 'status', name, ...u]);
  assert.match(
    status,
    new RegExp(`^CONNECTOR\\s+TASK\\s+STATE\\s+WORKER\\n${name}\\s+RUNNING\\s+\\S+\\n\\s+0\\s+RUNNING`),
  );
  const described = await ok(['connectors', 'describe', name, ...u]);
  assert.match(described, new RegExp(`Name:\\s+${name}`));
  assert.match(described, /Type:\s+source/);
  assert.match(described, new RegExp(`file\\s+${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await until(
    async () => new RegExp(`Topics:\\s+${topic}`).test(await ok(['connectors', 'describe', name, ...u])),
    {
      timeoutMs: 20_000,
      description: 'the active topic in describe',
    },
  );

  // Offsets appear once the worker flushes them.
  await until(async () => (await ok(['offsets', 'get', name, ...u])).includes('{"position":14}'), {
    timeoutMs: 20_000,
    description: 'the source offset',
  });
  assert.match(await ok(['offsets', 'get', name, ...u]), /^PARTITION\s+OFFSET\n/);
  // Offsets change only while stopped: the worker's refusal is exit code 1 with its message.
  const early = await sluice(['offsets', 'reset', name, ...u]);
  assert.equal(early.code, 1, `early: ${early.out}${early.err}`);
  assert.match(early.err, /STOPPED state.*\(HTTP 400\)/);

  assert.match(await ok(['connectors', 'pause', name, ...u]), new RegExp(`Paused connector ${name}`));
  await ok(['connectors', 'wait', name, '--state', 'paused', ...u, '--timeout-ms', '30000']);
  await waitForState(url, name, 'PAUSED');
  await ok(['connectors', 'resume', name, ...u]);
  await waitForState(url, name, 'RUNNING');
  const restarted = JSON.parse(
    await ok(['connectors', 'restart', name, '--include-tasks', ...u, '--json']),
  ) as {
    connector: { state: string };
  };
  assert.ok(['RESTARTING', 'RUNNING'].includes(restarted.connector.state), JSON.stringify(restarted));
  await waitForState(url, name, 'RUNNING');
  // Nothing has failed: --failed restarts nothing. A distributed worker may still be carrying out
  // the restart above (its answer then shows the RESTARTING it is in), so ask until that restart is
  // over: a worker that restarted a running connector for --failed would answer RESTARTING every time.
  await until(
    async () => {
      const onlyFailed = JSON.parse(
        await ok(['connectors', 'restart', name, '--failed', ...u, '--json']),
      ) as {
        connector: { state: string };
      };
      return onlyFailed.connector.state !== 'RESTARTING';
    },
    { timeoutMs: 20_000, description: '--failed to restart nothing once the earlier restart is over' },
  );
  assert.match(await ok(['connectors', 'restart', name, '--task', '0', ...u]), /Restarted task 0/);
  await waitForState(url, name, 'RUNNING');

  await ok(['connectors', 'stop', name, ...u]);
  await ok(['connectors', 'wait', name, '--state', 'STOPPED', ...u, '--timeout-ms', '30000']);
  await until(async () => (await stateOf(url, name)).connector === 'STOPPED', {
    timeoutMs: 30_000,
    description: 'STOPPED',
  });
  const offsetsFile = join(dir, `${name}-offsets.json`);
  await writeFile(
    offsetsFile,
    JSON.stringify({ offsets: [{ partition: { filename: input }, offset: { position: 4 } }] }),
  );
  assert.match(await ok(['offsets', 'set', name, '-f', offsetsFile, ...u]), /altered successfully/);
  await until(async () => (await ok(['offsets', 'get', name, ...u])).includes('{"position":4}'), {
    timeoutMs: 20_000,
    description: 'the altered offset',
  });
  assert.match(await ok(['offsets', 'reset', name, ...u]), /reset successfully/);
  await until(async () => (await ok(['offsets', 'get', name, ...u])).includes('No offsets'), {
    timeoutMs: 20_000,
    description: 'offsets reset',
  });

  // Update from a .properties file: the config the worker holds changes.
  const props = join(dir, `${name}.properties`);
  await writeFile(
    props,
    `name=${name}\nconnector.class=FileStreamSource\nfile=${input}\ntopic=${topic}\nbatch.size=7\n`,
  );
  assert.match(
    await ok(['connectors', 'update', name, '-f', props, ...u]),
    new RegExp(`Updated connector ${name}`),
  );
  const info = JSON.parse(await ok(['connectors', 'describe', name, ...u, '--json'])) as {
    config: Record<string, string>;
  };
  assert.equal(info.config['batch.size'], '7');

  assert.match(await ok(['connectors', 'delete', name, ...u]), new RegExp(`Deleted connector ${name}`));
  // A distributed worker forgets the status once the deletion has gone round the config topic.
  await until(async () => (await stateOf(url, name)).connector === 'NONE', {
    timeoutMs: 20_000,
    description: 'the status gone',
  });
  const gone = await sluice(['connectors', 'describe', name, ...u]);
  assert.equal(gone.code, 1, `gone: ${gone.out}${gone.err}`);
  assert.match(gone.err, /not found \(HTTP 404\)/);
  const deleteAgain = await sluice(['connectors', 'delete', name, ...u]);
  assert.equal(deleteAgain.code, 1, `deleteAgain: ${deleteAgain.out}${deleteAgain.err}`);
}

describe('against a standalone worker on the embedded log', () => {
  let dir: string;
  let worker: WorkerProcess;
  let url: string;
  let props: string;
  const topic = uniqueName('lines');

  before(async () => {
    dir = await tempDir();
    props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `embedded.log.dir=${join(dir, 'sluice-data')}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
        'offset.flush.interval.ms=200',
        'listeners=http://127.0.0.1:0',
        '',
      ].join('\n'),
    );
    worker = new WorkerProcess(props, { mode: 'standalone' });
    url = await worker.url;
  });
  after(() => worker?.stop());

  test('connector lifecycle: create, list, status, describe, pause, resume, restart, stop, offsets, update, delete', async () => {
    await lifecycle(url, dir, topic);
  });

  test('--worker-config finds the worker from its listeners; plugins --url lists the worker plugins', async () => {
    // The properties name port 0; the advertised port is what the worker bound, so write it down.
    const fixed = join(dir, 'fixed.properties');
    await writeFile(fixed, `listeners=http://0.0.0.0:${new URL(url).port}\n`);
    assert.match(
      await ok(['connectors', 'list', '--worker-config', fixed]),
      /NAME|No connectors on http:\/\/127\.0\.0\.1:/,
    );
    const plugins = JSON.parse(await ok(['plugins', '--url', url, '--json'])) as Array<{
      class: string;
      type: string;
    }>;
    assert.ok(plugins.some((p) => p.class.endsWith('FileStreamSourceConnector') && p.type === 'source'));
    assert.match(await ok(['plugins', '--url', url]), /^TYPE\s+CLASS\s+VERSION\n/);
  });

  test('connectors wait: exit 1 at once with the trace when a task fails; restart --failed restarts it', async () => {
    const name = uniqueName('failing');
    const file = join(dir, `${name}.json`);
    await writeFile(
      file,
      JSON.stringify({
        name,
        config: {
          'connector.class': 'FileStreamSink',
          topics: name,
          file: join(dir, 'no-such-dir', 'out.txt'),
        },
      }),
    );
    await ok(['connectors', 'create', '-f', file, '--url', url]);
    const waited = await sluice(['connectors', 'wait', name, '--url', url, '--timeout-ms', '30000']);
    assert.equal(waited.code, 1, waited.out);
    assert.match(waited.err, new RegExp(`${name}: task 0 FAILED: \\S`));
    assert.equal(
      await ok(['connectors', 'wait', name, '--state', 'FAILED', '--url', url]),
      `${name}: FAILED\n`,
    );
    assert.match(
      await ok(['connectors', 'status', name, '--url', url]),
      /^CONNECTOR\s+TASK\s+STATE\s+WORKER\s+TRACE\n/,
    );
    assert.match(
      await ok(['connectors', 'restart', name, '--failed', '--include-tasks', '--url', url]),
      new RegExp(`Restarting task 0 of connector ${name}`),
    );
    await ok(['connectors', 'delete', name, '--url', url]);
    const timedOut = await sluice([
      'connectors',
      'wait',
      'never-created',
      '--url',
      url,
      '--timeout-ms',
      '300',
    ]);
    assert.equal(timedOut.code, 1);
    assert.match(timedOut.err, /never-created: not RUNNING after 300 ms \(no status yet\)/);
  });

  test('-e: connector names as regular expressions', async () => {
    const prefix = uniqueName('group');
    const names = [`${prefix}_a`, `${prefix}_b`];
    for (const name of [...names, `${prefix}x_c`]) {
      const file = join(dir, `${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          name,
          config: { 'connector.class': 'FileStreamSource', file: join(dir, 'none.txt'), topic: name },
        }),
      );
      await ok(['connectors', 'create', '-f', file, '--url', url]);
    }
    const u = ['--url', url];
    assert.equal(
      await ok(['connectors', 'wait', '-e', `${prefix}_.*`, ...u]),
      names.map((n) => `${n}: RUNNING\n`).join(''),
    );
    assert.equal(
      await ok(['connectors', 'pause', '-e', `${prefix}_.*`, ...u]),
      names.map((n) => `Paused connector ${n}\n`).join(''),
    );
    await ok(['connectors', 'wait', '-e', `${prefix}_.*`, '--state', 'PAUSED', ...u]);
    assert.equal((await stateOf(url, `${prefix}x_c`)).connector, 'RUNNING');
    await ok(['connectors', 'delete', '-e', `${prefix}.*`, ...u]);
    const none = await sluice(['connectors', 'delete', '-e', `${prefix}.*`, ...u]);
    assert.equal(none.code, 1);
    assert.match(none.err, /no connector matches/);
    const bad = await sluice(['connectors', 'pause', '-e', '(', ...u]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /-e: not a regular expression: \(/);
  });

  test('the embedded log of a running worker is not opened: the message names the process', async () => {
    const r = await sluice(['topics', 'list', '--dir', join(dir, 'sluice-data')]);
    assert.equal(r.code, 1, `r: ${r.out}${r.err}`);
    assert.match(r.err, new RegExp(`in use by process ${worker.child.pid}`));
    assert.match(r.err, /Go through the worker instead: give its REST address with --url/);
  });

  test('topics through the running worker: --url, or --worker-config while the worker holds the directory', async () => {
    const name = uniqueName('via');
    const u = ['--url', url];
    const produced = await sluice(['topics', 'produce', name, ...u, '--key-separator', ':'], 'a:1\nb:2\n');
    assert.equal(produced.code, 0, produced.err);
    assert.match(produced.err, /Produced 2 records/);
    assert.match(await ok(['topics', 'list', ...u]), new RegExp(`${name}\\s+1\\s+2\\n`));
    assert.equal(
      await ok(['topics', 'consume', name, ...u, '--from-beginning', '--max-messages', '2', '--key']),
      'a\t1\nb\t2\n',
    );
    // A live log: the consumer waits for more until --timeout-ms passes without a record.
    assert.equal(
      await ok(['topics', 'consume', name, ...u, '--from-beginning', '--timeout-ms', '300']),
      '1\n2\n',
    );
    const props = join(dir, 'via.properties');
    await writeFile(
      props,
      `embedded.log.dir=${join(dir, 'sluice-data')}\nlisteners=http://127.0.0.1:${new URL(url).port}\n`,
    );
    assert.equal(
      await ok([
        'topics',
        'consume',
        name,
        '--worker-config',
        props,
        '--from-beginning',
        '--max-messages',
        '1',
      ]),
      '1\n',
    );
    const missing = await sluice(['topics', 'consume', 'nope', ...u]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, new RegExp(`no topic 'nope'; topics: .*${name}`));
    // The endpoint's bad input is a 400 naming the field.
    const bad = await fetch(`${url}/sluice/topics/${name}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ value: 5 }] }),
    });
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { message: string }).message,
      /records\[0\]\.value must be a string or null/,
    );
    const badOffset = await fetch(`${url}/sluice/topics/${name}/partitions/0/records?offset=-1`);
    assert.equal(badOffset.status, 400);
    assert.match(((await badOffset.json()) as { message: string }).message, /offset must be an integer/);
    // No flags at all, as after \`npm start\`: ./sluice-data is held, so through $SLUICE_URL.
    const cwd = process.cwd();
    process.chdir(dir);
    process.env.SLUICE_URL = url;
    try {
      const r = await sluice(['topics', 'consume', name, '--from-beginning', '--max-messages', '2']);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '1\n2\n');
      assert.match(
        r.err,
        new RegExp(`held by process ${worker.child.pid}: reading it through the worker at ${url}`),
      );
    } finally {
      process.chdir(cwd);
      delete process.env.SLUICE_URL;
    }
  });

  test('topics from the directory once the worker has stopped', async () => {
    const name = uniqueName('tail');
    const input = join(dir, `${name}.txt`);
    await writeFile(input, 'alpha\nbeta\n');
    const json = join(dir, `${name}.json`);
    await writeFile(
      json,
      JSON.stringify({ name, config: { 'connector.class': 'FileStreamSource', file: input, topic: name } }),
    );
    await ok(['connectors', 'create', '-f', json, '--url', url]);
    await appendFile(input, 'gamma\n');
    await until(async () => (await ok(['offsets', 'get', name, '--url', url])).includes('{"position":17}'), {
      timeoutMs: 20_000,
      description: 'all three lines read',
    });
    await worker.stop();
    const data = ['--dir', join(dir, 'sluice-data')];

    assert.match(await ok(['topics', 'list', ...data]), new RegExp(`${name}\\s+1\\s+3\\n`));
    const listed = JSON.parse(await ok(['topics', 'list', ...data, '--json'])) as Array<{
      name: string;
      records: number;
    }>;
    assert.deepEqual(
      listed.find((t) => t.name === name),
      { name, partitions: 1, records: 3 },
    );
    // Without --from-beginning only new records count, and the embedded log ends where it is.
    assert.equal(await ok(['topics', 'consume', name, ...data]), '');
    assert.equal(await ok(['topics', 'consume', name, ...data, '--from-beginning']), 'alpha\nbeta\ngamma\n');
    assert.equal(
      await ok(['topics', 'consume', name, ...data, '--from-beginning', '--max-messages', '2']),
      'alpha\nbeta\n',
    );

    const produced = await sluice(
      ['topics', 'produce', name, ...data, '--key-separator', '='],
      'k1=v1\nk2=a=b\n',
    );
    assert.equal(produced.code, 0, produced.err);
    assert.match(produced.err, /Produced 2 records/);
    assert.equal(
      await ok(['topics', 'consume', name, ...data, '--partition', '0', '--offset', '3', '--key']),
      'k1\tv1\nk2\ta=b\n',
    );
    const lines = (await ok(['topics', 'consume', name, ...data, '--from-beginning', '--json']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { offset: number; key: string | null; value: string });
    assert.deepEqual(
      lines.map((l) => [l.offset, l.key, l.value]),
      [
        [0, null, 'alpha'],
        [1, null, 'beta'],
        [2, null, 'gamma'],
        [3, 'k1', 'v1'],
        [4, 'k2', 'a=b'],
      ],
    );
    // The worker properties say where the log is, too.
    assert.match(await ok(['topics', 'list', '--worker-config', props]), new RegExp(name));

    const missing = await sluice(['topics', 'consume', 'nope', ...data]);
    assert.equal(missing.code, 1, `missing: ${missing.out}${missing.err}`);
    assert.match(missing.err, /no topic 'nope'; topics: /);
    const bad = await sluice(['topics', 'produce', name, ...data, '--key-separator', '='], 'novalue\n');
    assert.equal(bad.code, 1, `bad: ${bad.out}${bad.err}`);
    assert.match(bad.err, /line 1 has no key separator "="/);
    const nothing = await sluice(['topics', 'list', '--dir', join(dir, 'no-such-log')]);
    assert.equal(nothing.code, 1, `nothing: ${nothing.out}${nothing.err}`);
    assert.match(nothing.err, /no embedded log in .*no-such-log/);
  });
});

describe('usage errors and an unreachable worker', () => {
  test('a misspelled flag is exit code 2, named, with a hint', async () => {
    const r = await sluice(['connectors', 'status', '--jsn']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown option '--jsn' \(did you mean '--json'\?\)/);
    const t = await sluice(['topics', 'consume', 'x', '--from-begining']);
    assert.equal(t.code, 2);
    assert.match(t.err, /did you mean '--from-beginning'/);
    const wrong = await sluice(['topics', 'list', '--max-messages', '3']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /'--max-messages' does not apply to 'topics list'/);
    const notInt = await sluice(['topics', 'consume', 'x', '--max-messages', 'ten']);
    assert.equal(notInt.code, 2);
    assert.match(notInt.err, /--max-messages: expected a non-negative integer, got 'ten'/);
    assert.equal((await sluice(['connectors', 'delete'])).code, 2);
    assert.equal((await sluice(['connectors', 'create'])).code, 2);
    assert.equal((await sluice(['connectors', 'frob'])).code, 2);
    assert.equal((await sluice(['connectors', 'list', '--url', 'not a url'])).code, 2);
  });

  test('--help for every client command, exit 0', async () => {
    for (const c of ['connectors', 'offsets', 'topics', 'plugins', 'loggers']) {
      const r = await sluice([c, '--help']);
      assert.equal(r.code, 0, c);
      assert.match(r.out, new RegExp(`^Usage: sluice ${c}`), c);
    }
    assert.match(await ok(['--help']), /connectors list \| status/);
  });

  test('the exit codes reach the shell through the sluice launcher', async () => {
    const port = await closedPort();
    const env = { ...process.env, SLUICE_NODE: process.execPath };
    const refused = spawnSync(
      process.execPath,
      [BIN, 'connectors', 'list', '--url', `http://127.0.0.1:${port}`],
      {
        encoding: 'utf8',
        env,
      },
    );
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`cannot reach the worker at http://127\\.0\\.0\\.1:${port}`));
    const usage = spawnSync(process.execPath, [BIN, 'offsets', 'get'], { encoding: 'utf8', env });
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(usage.stderr, /missing the connector NAME/);
  });

  test('plugins --worker-config without --url lists the plugin.path packages locally', async () => {
    const dir = await tempDir();
    const pkg = join(dir, 'plugins', 'hello-connector');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'hello-connector', version: '2.0.0', type: 'module', exports: './index.js' }),
    );
    await writeFile(
      join(pkg, 'index.js'),
      [
        "import { SourceConnector } from '@sluice/api';",
        'export class HelloSourceConnector extends SourceConnector {',
        "  static javaClass = 'com.example.HelloSourceConnector';",
        "  version() { return '2.0.0'; }",
        '  start() {}',
        '  taskClass() { return undefined; }',
        '  taskConfigs() { return []; }',
        '  stop() {}',
        '}',
        "export const sluicePlugins = [{ type: 'source', plugin: HelloSourceConnector }];",
      ].join('\n'),
    );
    const props = join(dir, 'worker.properties');
    await writeFile(props, `plugin.path=${join(dir, 'plugins')}\n`);
    const listed = JSON.parse(await ok(['plugins', '--worker-config', props, '--json'])) as Array<{
      class: string;
      type: string;
      version: string;
    }>;
    assert.deepEqual(
      listed.find((p) => p.class === 'com.example.HelloSourceConnector'),
      { class: 'com.example.HelloSourceConnector', type: 'source', version: '2.0.0' },
    );
    assert.ok(
      !JSON.parse(await ok(['plugins', '--json'])).some((p: { class: string }) =>
        p.class.startsWith('com.example'),
      ),
    );
  });

  test('an unreachable worker: exit code 1 naming the URL', async () => {
    const port = await closedPort();
    const r = await sluice(['connectors', 'list', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 1, `r: ${r.out}${r.err}`);
    assert.match(
      r.err,
      new RegExp(`cannot reach the worker at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
  });
});

describe('against Kafka', () => {
  let bootstrap: string;
  before(async () => {
    ({ bootstrapServers: bootstrap } = await useKafka());
  });

  test('topics produce, consume and list on a broker', async () => {
    const topic = uniqueName('cli_topic');
    const k = ['--bootstrap-server', bootstrap];
    const produced = await sluice(['topics', 'produce', topic, ...k, '--key'], 'a\t1\nb\t2\nc\t3\n');
    assert.equal(produced.code, 0, produced.err);
    assert.equal(
      await ok([
        'topics',
        'consume',
        topic,
        ...k,
        '--from-beginning',
        '--max-messages',
        '3',
        '--key-separator',
        ':',
      ]),
      'a:1\nb:2\nc:3\n',
    );
    // Tails like kafka-console-consumer: --timeout-ms ends it when nothing more comes.
    assert.equal(
      await ok(['topics', 'consume', topic, ...k, '--from-beginning', '--timeout-ms', '1500']),
      '1\n2\n3\n',
    );
    assert.match(await ok(['topics', 'list', ...k]), new RegExp(`${topic}\\s+1\\s+3\\n`));
  });

  test('--command-config: Kafka client properties, as the Kafka tools take them', async () => {
    const dir = await tempDir();
    const good = join(dir, 'client.properties');
    await writeFile(good, 'security.protocol=PLAINTEXT\nrequest.timeout.ms=15000\n');
    assert.match(
      await ok(['topics', 'list', '--bootstrap-server', bootstrap, '--command-config', good]),
      /TOPIC|No topics/,
    );
    const bad = join(dir, 'bad.properties');
    await writeFile(bad, 'security.protocol=PLAINTEXTT\n');
    const r = await sluice(['topics', 'list', '--bootstrap-server', bootstrap, '--command-config', bad]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /security\.protocol/);
    const alone = await sluice(['topics', 'list', '--command-config', good]);
    assert.equal(alone.code, 2);
    assert.match(alone.err, /'--command-config' goes with --bootstrap-server/);
  });

  test('an unreachable broker is exit code 1 naming it', async () => {
    const port = await closedPort();
    const r = await sluice(['topics', 'list', '--bootstrap-server', `127.0.0.1:${port}`]);
    assert.equal(r.code, 1, `r: ${r.out}${r.err}`);
    assert.match(r.err, new RegExp(`Kafka at 127\\.0\\.0\\.1:${port}`));
  });

  test('connector lifecycle against a distributed worker', async () => {
    const dir = await tempDir();
    const group = uniqueName('cli_cluster');
    const props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `bootstrap.servers=${bootstrap}`,
        `group.id=${group}`,
        `config.storage.topic=${group}-configs`,
        `offset.storage.topic=${group}-offsets`,
        `status.storage.topic=${group}-status`,
        'config.storage.replication.factor=1',
        'offset.storage.replication.factor=1',
        'status.storage.replication.factor=1',
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        'offset.flush.interval.ms=200',
        'scheduled.rebalance.max.delay.ms=1000',
        'listeners=http://127.0.0.1:0',
      ].join('\n'),
    );
    const worker = new WorkerProcess(props);
    try {
      const url = await worker.url;
      await until(async () => (await sluice(['connectors', 'list', '--url', url])).code === 0, {
        timeoutMs: 30_000,
        description: 'the worker answers',
      });
      const topic = uniqueName('cli_dist');
      await lifecycle(url, dir, topic);
      // plugins against the distributed worker, as against the standalone one.
      const plugins = JSON.parse(await ok(['plugins', '--url', url, '--json'])) as Array<{
        class: string;
        type: string;
      }>;
      assert.ok(plugins.some((p) => p.class.endsWith('FileStreamSinkConnector') && p.type === 'sink'));
      assert.match(await ok(['plugins', '--url', url]), /^TYPE\s+CLASS\s+VERSION\n/);
      // The records the connector wrote, read with the client from the broker.
      assert.match(
        await ok(['topics', 'list', '--worker-config', props]),
        new RegExp(`${topic}\\s+1\\s+\\d+`),
      );
      // A worker on Kafka serves no topics itself: the message says where to read them.
      const viaWorker = await sluice(['topics', 'list', '--url', url]);
      assert.equal(viaWorker.code, 1);
      assert.match(viaWorker.err, /does not serve topics: it runs on Kafka \(use --bootstrap-server\)/);
    } finally {
      await worker.stop();
    }
  });
});

/**
 * The same client against Apache Kafka Connect 4.1.1 itself (ConnectStandalone from Maven
 * Central, the jars the REST goldens are recorded with): the client speaks Kafka Connect's REST
 * API, not Sluice's, so it drives the Java worker unchanged — as kcctl does.
 */
describe('against Kafka Connect 4.1.1 (Java)', () => {
  const CONNECT_VERSION = '4.1.1';
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const libs = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`, 'libs');

  function fetchLibs(): void {
    if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('connect-runtime-'))) return;
    const tmp = `${libs}.tmp-${process.pid}`;
    mkdirSync(dirname(libs), { recursive: true });
    const r = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        join(repo, 'packages/runtime/test/rest/goldens/pom.xml'),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${tmp}`,
        '-DincludeScope=runtime',
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error(`mvn failed (${r.status ?? r.signal})`);
    renameSync(tmp, libs);
  }

  test('connector lifecycle, offsets and loggers through the client', async () => {
    fetchLibs();
    const { bootstrapServers } = await useKafka();
    const dir = await tempDir();
    const port = await closedPort();
    const props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `bootstrap.servers=${bootstrapServers}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${join(dir, 'offsets')}`,
        'offset.flush.interval.ms=200',
        `listeners=http://127.0.0.1:${port}`,
        '',
      ].join('\n'),
    );
    const log4j = join(dir, 'log4j2.properties');
    await writeFile(
      log4j,
      [
        'appender.stdout.type = Console',
        'appender.stdout.name = STDOUT',
        'appender.stdout.layout.type = PatternLayout',
        'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = WARN',
        'rootLogger.appenderRef.stdout.ref = STDOUT',
        '',
      ].join('\n'),
    );
    const java = spawn(
      'java',
      [
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        `${libs}/*`,
        'org.apache.kafka.connect.cli.ConnectStandalone',
        props,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(java);
    let output = '';
    java.stdout!.on('data', (c) => {
      output += String(c);
    });
    java.stderr!.on('data', (c) => {
      output += String(c);
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await until(
        async () => {
          if (java.exitCode !== null) throw new Error(`Kafka Connect exited (${java.exitCode}):\n${output}`);
          return (await sluice(['connectors', 'list', '--url', url])).code === 0;
        },
        { timeoutMs: 120_000, description: 'Kafka Connect answering' },
      );
      // --worker-config finds it from the same properties Kafka Connect runs with.
      assert.match(await ok(['connectors', 'list', '--worker-config', props]), /No connectors on/);
      await lifecycle(url, dir, uniqueName('cli_java'));
      const plugins = JSON.parse(await ok(['plugins', '--url', url, '--json'])) as Array<{ class: string }>;
      assert.ok(plugins.some((p) => p.class === 'org.apache.kafka.connect.file.FileStreamSourceConnector'));
    } finally {
      // Kafka Connect's own shutdown can stall on a loaded machine: SIGKILL after 30 s.
      if (java.exitCode === null) {
        const exited = once(java, 'exit');
        java.kill('SIGTERM');
        const timer = setTimeout(() => java.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(java);
    }
  });
});
