import { builtinPlugins } from '@sluice/cli';
/**
 * Distributed workers for the tests that run several `DistributedHerder`s in one process on the
 * real broker: worker properties with a group and internal topics of their own and short timings,
 * a worker with its REST server and access log, a JSON HTTP client, and the wait for two workers
 * to agree on a leader.
 */
import { DistributedHerder, LoggerRegistry, RestServer } from '@sluice/runtime';
import { eventually, type Json, http as kitHttp } from '@sluice/testing';
import { pino } from 'pino';

/**
 * Properties of a worker of group `group` on `bootstrapServers`: internal topics named after the
 * group (replication factor 1), String converters, a session of 6 s and a rebalance delay of 2 s,
 * an ephemeral REST port; then `extra`.
 */
export function distributedTestProps(
  bootstrapServers: string,
  group: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'bootstrap.servers': bootstrapServers,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '2',
    'status.storage.partitions': '2',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'scheduled.rebalance.max.delay.ms': '2000',
    listeners: 'http://127.0.0.1:0',
    ...extra,
  };
}

export interface DistributedTestWorker {
  herder: DistributedHerder;
  rest: RestServer;
  url: string;
  /** The REST server's access-log lines (`POST /connectors?forward=true 201`, ...). */
  access: string[];
}

/**
 * Starts a distributed herder with `props` behind a REST server on an ephemeral port, recording
 * the access log (`maskPasswords`: the server's `rest.mask.passwords`). The herder's own log
 * level comes from `SLUICE_TEST_LOG` (default silent).
 */
export async function startDistributedTestWorker(
  props: Record<string, string>,
  options: { maskPasswords?: boolean } = {},
): Promise<DistributedTestWorker> {
  const logger = pino({ level: process.env.SLUICE_TEST_LOG ?? 'silent' });
  const herder = await DistributedHerder.create(props, { logger, plugins: builtinPlugins() });
  const access: string[] = [];
  const restLogger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const msg = (JSON.parse(line) as { msg?: string }).msg;
        if (msg !== undefined && /^[A-Z]+ \/\S* \d{3}$/.test(msg)) access.push(msg);
      },
    },
  );
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(restLogger),
    listeners: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
    ...(options.maskPasswords === undefined ? {} : { maskPasswords: options.maskPasswords }),
  });
  const { urls } = await rest.start();
  herder.setBoundPort(Number(new URL(urls[0]!).port));
  await herder.start();
  return { herder, rest, url: urls[0]!, access };
}

export async function stopDistributedTestWorker(w: DistributedTestWorker): Promise<void> {
  await w.rest.stop();
  await w.herder.stop();
}

/**
 * `http` of @sluice/testing in the shape these tests use: `body` sent as JSON (these exact bytes:
 * `JSON.stringify(body)` in UTF-8), extra headers, the parsed answer as `body`.
 */
export async function http(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const r = await kitHttp(url, method, path, { body, headers });
  return { status: r.status, body: r.json };
}

/** Waits until both workers name the same leader; returns them as `[leader, follower]`. */
export async function leaderAndFollower(
  a: DistributedTestWorker,
  b: DistributedTestWorker,
): Promise<[DistributedTestWorker, DistributedTestWorker]> {
  await eventually('both workers agree on a leader', async () =>
    a.herder.leaderUrl !== '' && a.herder.leaderUrl === b.herder.leaderUrl ? true : undefined,
  );
  return a.herder.isLeader ? [a, b] : [b, a];
}
