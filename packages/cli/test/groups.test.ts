/**
 * `sluice groups` against the real things: a sink connector's group on a real broker, described
 * side by side with Kafka's own kafka-consumer-groups 4.1.1 (the rows' values must be the same),
 * and a sink connector's group on the embedded log of a standalone worker, while it runs
 * (through the worker) and after it stopped (from the directory).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { main } from '@sluice/cli';
import {
  consumerGroupsTable,
  kafkaConsumerGroups,
  uniqueName,
  useKafka,
  WorkerProcess,
  waitFor,
} from '@sluice/testing';

interface Result {
  code: number;
  out: string;
  err: string;
}

async function sluice(args: string[], stdin?: string): Promise<Result> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (c) => chunks.push(String(c)));
  err.on('data', (c) => errChunks.push(String(c)));
  const code = await main(args, out, err, Readable.from(stdin === undefined ? [] : [stdin]));
  return { code, out: chunks.join(''), err: errChunks.join('') };
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await sluice(args, stdin);
  assert.equal(r.code, 0, `sluice ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

/** Table rows (header first), split on white space; rows sorted by their first three cells. */
function rows(output: string): string[][] {
  const [header, ...body] = consumerGroupsTable(output);
  const num = (r: string[]) => Number(r[2]);
  body.sort((a, b) => (a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : num(a) - num(b)));
  return header === undefined ? [] : [header, ...body];
}

const dirs: string[] = [];
after(async () => {
  await WorkerProcess.killAll();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-groups-'));
  dirs.push(d);
  return d;
}

async function lineCount(file: string): Promise<number> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '').length;
}

async function waitRunning(url: string, name: string, state = 'RUNNING'): Promise<void> {
  await waitFor(
    `${name} ${state}`,
    async () => {
      const r = await sluice(['connectors', 'status', name, '--url', url, '--json']);
      if (r.code !== 0) return false;
      const s = JSON.parse(r.out) as { connector: { state: string }; tasks: Array<{ state: string }> };
      return s.connector.state === state && s.tasks.length > 0 && s.tasks.every((t) => t.state === state);
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

describe('a sink connector group on Kafka, beside kafka-consumer-groups 4.1.1', () => {
  test('describe, --members and --state give the rows Kafka’s tool gives, while it runs and after it stopped', async () => {
    const { bootstrapServers: bootstrap } = await useKafka();
    const dir = await tempDir();
    const topic = uniqueName('grp_topic');
    const name = uniqueName('grp_sink');
    const group = `connect-${name}`;
    const k = ['--bootstrap-server', bootstrap];
    const props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `bootstrap.servers=${bootstrap}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
        'offset.flush.interval.ms=200',
        'listeners=http://127.0.0.1:0',
        '',
      ].join('\n'),
    );
    const worker = new WorkerProcess(props, { mode: 'standalone' });
    try {
      const url = await worker.url;
      const out = join(dir, 'out.txt');
      const connector = join(dir, 'sink.json');
      await writeFile(
        connector,
        JSON.stringify({
          name,
          config: {
            'connector.class': 'FileStreamSink',
            topics: topic,
            file: out,
            'tasks.max': '1',
          },
        }),
      );
      await ok(['topics', 'produce', topic, ...k, '--key'], 'a\t1\nb\t2\nc\t3\nd\t4\ne\t5\nf\t6\n');
      await ok(['connectors', 'create', '-f', connector, '--url', url]);
      await waitRunning(url, name);
      await waitFor('all six records written', async () => (await lineCount(out)) === 6, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      // Committed (offset.flush.interval.ms), then paused: more records make a lag that stays.
      await waitFor(
        'the six records committed',
        async () => {
          const r = await sluice(['groups', 'describe', group, ...k, '--json']);
          if (r.code !== 0) return false;
          const d = JSON.parse(r.out) as { offsets: Array<{ currentOffset: number | null }> };
          return d.offsets.reduce((s, o) => s + (o.currentOffset ?? 0), 0) === 6;
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      await ok(['connectors', 'pause', name, '--url', url]);
      await waitRunning(url, name, 'PAUSED');
      await ok(['topics', 'produce', topic, ...k], 'g\nh\ni\n');

      const theirs = rows(await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group]));
      const ours = rows(await ok(['groups', 'describe', group, ...k]));
      assert.deepEqual(ours, theirs);
      assert.equal(ours.length, 2, 'one row for the one partition of the topic');
      const [, row] = ours as [string[], string[]];
      assert.deepEqual(row.slice(0, 6), [group, topic, '0', '6', '9', '3']);
      assert.match(row[6]!, /^connector-consumer-/);
      assert.equal(row[7], '/127.0.0.1');

      assert.deepEqual(
        rows(await ok(['groups', 'describe', group, ...k, '--members'])),
        rows(await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group, '--members'])),
      );
      assert.deepEqual(
        rows(await ok(['groups', 'describe', group, ...k, '--members', '--verbose'])),
        rows(
          await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group, '--members', '--verbose']),
        ),
      );
      assert.deepEqual(
        consumerGroupsTable(await ok(['groups', 'describe', group, ...k, '--state'])),
        consumerGroupsTable(
          await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group, '--state']),
        ),
      );
      const listed = await ok(['groups', 'list', ...k]);
      assert.match(listed, new RegExp(`^${group}\\s+Stable$`, 'm'));
      const theirList = await kafkaConsumerGroups(bootstrap, ['--list', '--state']);
      assert.match(theirList, new RegExp(`^${group}\\s+Stable\\s*$`, 'm'));
    } finally {
      await worker.stop();
    }

    // Stopped: the group is Empty, its committed offsets stay, no member ("-").
    const stopped = await sluice(['groups', 'describe', group, ...k]);
    assert.equal(stopped.code, 0, stopped.err);
    assert.match(stopped.err, new RegExp(`Consumer group '${group}' has no active members.`));
    const theirs = rows(await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group]));
    assert.deepEqual(rows(stopped.out), theirs);
    assert.deepEqual(rows(stopped.out)[1], [group, topic, '0', '6', '9', '3', '-', '-', '-']);
    for (const extra of [['--members'], ['--members', '--verbose'], ['--state']]) {
      assert.deepEqual(
        consumerGroupsTable(await ok(['groups', 'describe', group, ...k, ...extra])),
        consumerGroupsTable(await kafkaConsumerGroups(bootstrap, ['--describe', '--group', group, ...extra])),
        extra.join(' '),
      );
    }

    // --all-groups: this group's rows among the others' (other tests may share the broker).
    const mine = (output: string) => rows(output).filter((r) => r[0] === group);
    const allOurs = mine(await ok(['groups', 'describe', '--all-groups', ...k]));
    assert.equal(allOurs.length, 1);
    assert.deepEqual(allOurs, mine(await kafkaConsumerGroups(bootstrap, ['--describe', '--all-groups'])));

    const missing = await sluice(['groups', 'describe', `${group}x`, ...k]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.err,
      new RegExp(`Consumer group '${group}x' does not exist. Did you mean '${group}'\\?`),
    );
    // Kafka's tool says the same group is not found.
    assert.match(
      await kafkaConsumerGroups(bootstrap, ['--describe', '--group', `${group}x`]),
      /GroupIdNotFoundException: Group .* not found/,
    );
  });
});

describe('a Connect workers group on Kafka', () => {
  test('is not a consumer group: neither tool lists it, and describing it says so (exit 1, no crash)', async () => {
    const { bootstrapServers: bootstrap } = await useKafka();
    const dir = await tempDir();
    const cluster = uniqueName('grp_cluster');
    const props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `bootstrap.servers=${bootstrap}`,
        `group.id=${cluster}`,
        `config.storage.topic=${cluster}-configs`,
        `offset.storage.topic=${cluster}-offsets`,
        `status.storage.topic=${cluster}-status`,
        'config.storage.replication.factor=1',
        'offset.storage.replication.factor=1',
        'status.storage.replication.factor=1',
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        'listeners=http://127.0.0.1:0',
      ].join('\n'),
    );
    const worker = new WorkerProcess(props);
    try {
      const url = await worker.url;
      await waitFor(
        'the worker in its group',
        async () => (await sluice(['connectors', 'list', '--url', url])).code === 0,
        {
          timeoutMs: 30_000,
          intervalMs: 200,
        },
      );
      const k = ['--bootstrap-server', bootstrap];
      const theirs = await kafkaConsumerGroups(bootstrap, ['--describe', '--group', cluster]);
      assert.match(theirs, new RegExp(`GroupId ${cluster} is not a consumer group \\(connect\\)`));
      const ours = await sluice(['groups', 'describe', cluster, ...k]);
      assert.equal(ours.code, 1, ours.out);
      assert.match(ours.err, new RegExp(`GroupId ${cluster} is not a consumer group \\(connect\\)\\.`));
      assert.doesNotMatch(await kafkaConsumerGroups(bootstrap, ['--list']), new RegExp(cluster));
      assert.doesNotMatch(await ok(['groups', 'list', ...k]), new RegExp(cluster));
    } finally {
      await worker.stop();
    }
  });
});

describe('a sink connector group on the embedded log', () => {
  test('committed offsets, log end and lag while the worker runs (through it) and after it stopped (from the directory)', async () => {
    const dir = await tempDir();
    const data = join(dir, 'sluice-data');
    const props = join(dir, 'worker.properties');
    await writeFile(
      props,
      [
        `embedded.log.dir=${data}`,
        'key.converter=org.apache.kafka.connect.storage.StringConverter',
        'value.converter=org.apache.kafka.connect.storage.StringConverter',
        `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
        'offset.flush.interval.ms=200',
        'listeners=http://127.0.0.1:0',
        '',
      ].join('\n'),
    );
    const topic = uniqueName('lines');
    const input = join(dir, 'in.txt');
    const out = join(dir, 'out.txt');
    await writeFile(input, 'one\ntwo\nthree\n');
    const source = join(dir, 'source.json');
    const sink = join(dir, 'sink.json');
    const name = uniqueName('esink');
    const group = `connect-${name}`;
    await writeFile(
      source,
      JSON.stringify({
        name: `${name}-src`,
        config: { 'connector.class': 'FileStreamSource', file: input, topic },
      }),
    );
    await writeFile(
      sink,
      JSON.stringify({ name, config: { 'connector.class': 'FileStreamSink', topics: topic, file: out } }),
    );
    const worker = new WorkerProcess(props, { mode: 'standalone' });
    try {
      const url = await worker.url;
      const u = ['--url', url];
      await ok(['connectors', 'create', '-f', source, ...u]);
      await ok(['connectors', 'create', '-f', sink, ...u]);
      await waitRunning(url, name);
      await waitFor('three lines through', async () => (await lineCount(out)) === 3, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      await waitFor(
        'three records committed',
        async () =>
          /^\S+\s+\S+\s+0\s+3\s+3\s+0\s/m.test((await sluice(['groups', 'describe', group, ...u])).out),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const running = rows(await ok(['groups', 'describe', group, ...u]));
      assert.deepEqual(running[0], [
        'GROUP',
        'TOPIC',
        'PARTITION',
        'CURRENT-OFFSET',
        'LOG-END-OFFSET',
        'LAG',
        'CONSUMER-ID',
        'HOST',
        'CLIENT-ID',
      ]);
      assert.deepEqual(running[1]!.slice(0, 6), [group, topic, '0', '3', '3', '0']);
      assert.match(running[1]![6]!, /^connector-consumer-.*-[0-9a-f-]{36}$/);
      assert.equal(running[1]![7], '-', 'no network host on the embedded log');
      assert.match(running[1]![8]!, new RegExp(`^connector-consumer-${name}-0$`));

      // Paused, with two more lines read by the source: the lag is 2.
      await ok(['connectors', 'pause', name, ...u]);
      await waitRunning(url, name, 'PAUSED');
      await appendFile(input, 'four\nfive\n');
      await waitFor(
        'lag 2',
        async () =>
          /^\S+\s+\S+\s+0\s+3\s+5\s+2\s/m.test((await sluice(['groups', 'describe', group, ...u])).out),
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      const members = rows(await ok(['groups', 'describe', group, ...u, '--members']));
      assert.deepEqual(members[0], ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
      assert.deepEqual(members.length, 2);
      assert.equal(members[1]![4], '1');
      const state = consumerGroupsTable(await ok(['groups', 'describe', group, ...u, '--state']));
      assert.deepEqual(state[1], [group, '-', 'range', 'Stable', '1']);
      assert.match(await ok(['groups', 'list', ...u]), new RegExp(`^${group}\\s+Stable$`, 'm'));
      // --worker-config: the directory is held, so through the worker (named on standard error).
      const fixed = join(dir, 'fixed.properties');
      await writeFile(fixed, `embedded.log.dir=${data}\nlisteners=http://127.0.0.1:${new URL(url).port}\n`);
      const via = await sluice(['groups', 'describe', group, '--worker-config', fixed]);
      assert.equal(via.code, 0, via.err);
      assert.match(via.err, /reading it through the worker/);
      assert.match(via.out, /^\S+\s+\S+\s+0\s+3\s+5\s+2\s/m);
      const missing = await sluice(['groups', 'describe', 'connect-nope', ...u]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /Consumer group 'connect-nope' does not exist\./);
    } finally {
      await worker.stop();
    }

    // Stopped: from the directory, Empty, the committed offset and the lag stay.
    const d = ['--dir', data];
    const stopped = await sluice(['groups', 'describe', group, ...d]);
    assert.equal(stopped.code, 0, stopped.err);
    assert.match(stopped.err, new RegExp(`Consumer group '${group}' has no active members.`));
    assert.deepEqual(rows(stopped.out)[1], [group, topic, '0', '3', '5', '2', '-', '-', '-']);
    const json = JSON.parse(await ok(['groups', 'describe', group, ...d, '--json'])) as {
      state: string;
      members: unknown[];
      offsets: Array<Record<string, unknown>>;
    };
    assert.equal(json.state, 'Empty');
    assert.deepEqual(json.members, []);
    assert.deepEqual(json.offsets, [
      {
        group,
        topic,
        partition: 0,
        currentOffset: 3,
        logEndOffset: 5,
        lag: 2,
        consumerId: null,
        host: null,
        clientId: null,
      },
    ]);
    assert.deepEqual(JSON.parse(await ok(['groups', 'list', ...d, '--json'])), [{ group, state: 'Empty' }]);
  });
});

describe('usage', () => {
  test('misspelled commands and flags get a hint (exit 2); --help lists the commands', async () => {
    const cmd = await sluice(['groups', 'descibe', 'x']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.err, /unknown command 'descibe' \(did you mean 'describe'\?\)/);
    const flag = await sluice(['groups', 'describe', 'x', '--member']);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /unknown option '--member' \(did you mean '--members'\?\)/);
    const wrong = await sluice(['groups', 'list', '--members']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /'--members' does not apply to 'groups list'/);
    const noGroup = await sluice(['groups', 'describe']);
    assert.equal(noGroup.code, 2);
    assert.match(noGroup.err, /describe: expected one GROUP \(or --all-groups\)/);
    const both = await sluice(['groups', 'describe', 'x', '--all-groups']);
    assert.equal(both.code, 2);
    assert.match(both.err, /unexpected GROUP 'x'/);
    const verbose = await sluice(['groups', 'describe', 'x', '--verbose']);
    assert.equal(verbose.code, 2);
    assert.match(verbose.err, /'--verbose' goes with --members/);
    const two = await sluice(['groups', 'list', '--dir', 'x', '--bootstrap-server', 'y:1']);
    assert.equal(two.code, 2);
    assert.match(two.err, /--bootstrap-server and --dir both say where the groups are: give one/);
    const help = await ok(['groups', '--help']);
    assert.match(help, /describe GROUP/);
    assert.match(await ok(['--help']), /groups list \| describe GROUP\|--all-groups/);
  });
});
