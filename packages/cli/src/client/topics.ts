/**
 * `sluice topics list | consume | produce`: topics of a Kafka cluster (`--bootstrap-server`) or of
 * Sluice's embedded log, read from its directory (`--dir`, default ./sluice-data).
 *
 * The embedded log's directory belongs to one process at a time (its `.lock` file, see the
 * runtime's embedded/dir-lock.ts): the owner appends to segment files, keeps their indexes in
 * memory, truncates a torn tail on open and moves topics through staging/ and trash/. Reading the
 * files beside a running worker could see half-written batches and topics being created or
 * deleted, so these commands take the lock like a worker does, and refuse (naming the process)
 * while a worker holds it. They hold it only for the command's duration.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { NotFoundError } from '@sluice/api';
import {
  connectionSettings,
  EMBEDDED_LOG_DEFAULTS,
  EmbeddedLogClient,
  type LogClient,
  type LogRecord,
  PlatformaticLogClient,
} from '@sluice/runtime';
import {
  advertisedUrl,
  CommandError,
  type Io,
  intOption,
  parse,
  RestClient,
  runCommand,
  ServerError,
  UsageError,
  workerProperties,
  workerUrl,
} from './common.ts';
import { json, table } from './output.ts';

export const TOPICS_USAGE = `Usage: sluice topics <command> [options]

Lists, reads and writes the topics of a Kafka cluster or of Sluice's embedded log.

Commands:
  list                       Topics with their partitions and record counts
  consume TOPIC              Print records, one per line (the value; --key adds the key)
  produce TOPIC              Send the lines of standard input, one record each

Where the topics are:
  --bootstrap-server HOSTS   A Kafka cluster, host:port[,host:port...]
  --command-config FILE      With --bootstrap-server: client properties (security.protocol,
                             sasl.mechanism, sasl.jaas.config, ssl.*), as Kafka's tools take
  --dir DIR                  An embedded log directory (a standalone worker's embedded.log.dir),
                             default ./sluice-data, when no worker runs on it: the directory
                             belongs to one process at a time (see docs/cli.md)
  --worker-config FILE       Worker properties: bootstrap.servers (with the worker's security
                             settings), else embedded.log.dir, through the worker while it runs
  --url URL                  A running standalone worker on the embedded log: through its REST
                             listener (Sluice's /sluice/topics endpoint)
  (none of these)            ./sluice-data, or while a worker holds it, through the worker at
                             $SLUICE_URL or http://127.0.0.1:8083

consume options:
  --from-beginning           Start at the oldest record (default: only records that arrive now)
  --partition P              Only partition P
  --offset N                 Start at offset N (needs --partition)
  --max-messages N           Stop after N records
  --timeout-ms MS            Stop when no record came for MS milliseconds (default: wait until
                             Ctrl-C). From an embedded log directory it stops at the end
  --key                      Print the key too: KEY<separator>VALUE
  --key-separator SEP        Between key and value (default a tab); implies --key
  --json                     One JSON object per record: topic, partition, offset, timestamp,
                             key, value, headers (text as UTF-8)

produce options:
  --key-separator SEP        Each line is KEY<SEP>VALUE (split at the first SEP)
  --key                      Same, with a tab as the separator
  --partition P              Send every record to partition P (default: by key, as Kafka's
                             producer partitions)

  -h, --help                 Show this help
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' },
  'command-config': { type: 'string' },
  dir: { type: 'string' },
  'worker-config': { type: 'string' },
  'from-beginning': { type: 'boolean' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'max-messages': { type: 'string' },
  'timeout-ms': { type: 'string' },
  key: { type: 'boolean' },
  'key-separator': { type: 'string' },
  json: { type: 'boolean' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ONLY_FOR: Record<string, string[]> = {
  'from-beginning': ['consume'],
  offset: ['consume'],
  'max-messages': ['consume'],
  'timeout-ms': ['consume'],
  partition: ['consume', 'produce'],
  key: ['consume', 'produce'],
  'key-separator': ['consume', 'produce'],
};

export interface Where {
  kind: 'kafka' | 'embedded' | 'worker';
  /** Bootstrap servers, the directory, or the worker's URL. */
  at: string;
  /** For an embedded log named by worker properties: the URL of the worker that may hold it. */
  worker?: string;
  /** Kafka client properties: security.protocol, sasl.*, ssl.*, timeouts. */
  kafkaProps?: Record<string, string>;
}

interface PartitionRange {
  partition: number;
  start: number;
  end: number;
}

/** A record as the commands print it (text keys and values). */
interface TextRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
}

/** What the commands need of a log: a Kafka or embedded LogClient, or a worker's /sluice/topics. */
interface Topics {
  /** True when nothing else writes while the command runs (an embedded log it opened). */
  readonly alone: boolean;
  list(): Promise<Array<{ name: string; partitions: PartitionRange[] }>>;
  /** The partitions of a topic; a CommandError listing the topics when it does not exist. */
  partitions(topic: string): Promise<PartitionRange[]>;
  fetch(
    topic: string,
    partition: number,
    offset: number,
    maxWaitMs: number,
  ): Promise<{ records: TextRecord[]; nextOffset: number }>;
  produce(
    records: Array<{ topic: string; key: string | null; value: string; partition?: number }>,
  ): Promise<void>;
  close(): Promise<void>;
}

function noTopic(topic: string, topics: string[]): CommandError {
  return new CommandError(
    `no topic '${topic}'${topics.length === 0 ? ' (there are no topics)' : `; topics: ${topics.join(', ')}`}`,
  );
}

function logTopics(log: LogClient, alone: boolean): Topics {
  const ranges = async (names: string[]): Promise<Array<{ name: string; partitions: PartitionRange[] }>> => {
    if (names.length === 0) return [];
    const described = await log.describeTopics(names);
    const result: Array<{ name: string; partitions: PartitionRange[] }> = [];
    for (const name of names) {
      const tps = (described.get(name)?.partitions ?? []).map((p) => ({
        topic: name,
        partition: p.partition,
      }));
      const [start, end] = await Promise.all([
        log.listOffsets(tps, 'earliest'),
        log.listOffsets(tps, 'latest'),
      ]);
      result.push({
        name,
        partitions: tps.map((tp, i) => ({
          partition: tp.partition,
          start: start[i]!.offset,
          end: end[i]!.offset,
        })),
      });
    }
    return result;
  };
  return {
    alone,
    list: async () => ranges(await log.listTopics()),
    partitions: async (topic) => {
      try {
        return (await ranges([topic]))[0]!.partitions;
      } catch (e) {
        if (e instanceof NotFoundError) throw noTopic(topic, await log.listTopics());
        throw e;
      }
    },
    fetch: async (topic, partition, offset, maxWaitMs) => {
      const [f] = await log.fetch([{ topic, partition, offset }], { maxWaitMs });
      if (f === undefined) return { records: [], nextOffset: offset };
      if (f.error !== undefined) {
        if (f.error.retriable) return { records: [], nextOffset: offset };
        throw new CommandError(`partition ${partition}: ${f.error.code}: ${f.error.message}`);
      }
      return { records: f.records.map(textRecord), nextOffset: f.nextOffset };
    },
    produce: async (records) => {
      await log.produce(
        records.map((r) => ({
          topic: r.topic,
          key: r.key === null ? null : Buffer.from(r.key),
          value: Buffer.from(r.value),
          headers: [],
          ...(r.partition === undefined ? {} : { partition: r.partition }),
        })),
      );
    },
    close: () => log.close(),
  };
}

function textRecord(r: LogRecord): TextRecord {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map(([k, v]) => ({ key: k, value: text(v) })),
  };
}

/** The topics of the log a running worker holds, through its /sluice/topics endpoint. */
function workerTopics(url: string): Topics {
  const client = new RestClient(url);
  const enc = encodeURIComponent;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    try {
      return await client.call(method, `/sluice/topics${path}`, body);
    } catch (e) {
      if (e instanceof ServerError && e.status === 404 && path === '') {
        throw new CommandError(
          `the worker at ${url} does not serve topics: it runs on Kafka (use --bootstrap-server), or is not a Sluice standalone worker on the embedded log`,
        );
      }
      throw e;
    }
  };
  return {
    alone: false,
    list: async () => (await call('GET', '')) as Array<{ name: string; partitions: PartitionRange[] }>,
    partitions: async (topic) => {
      const all = (await call('GET', '')) as Array<{ name: string; partitions: PartitionRange[] }>;
      const found = all.find((t) => t.name === topic);
      if (found === undefined)
        throw noTopic(
          topic,
          all.map((t) => t.name),
        );
      return found.partitions;
    },
    fetch: async (topic, partition, offset, maxWaitMs) => {
      const answer = (await call(
        'GET',
        `/${enc(topic)}/partitions/${partition}/records?offset=${offset}&maxWaitMs=${maxWaitMs}`,
      )) as { records: Array<Omit<TextRecord, 'topic'>>; nextOffset: number };
      return { records: answer.records.map((r) => ({ topic, ...r })), nextOffset: answer.nextOffset };
    },
    produce: async (records) => {
      const topic = records[0]!.topic;
      await call('POST', `/${enc(topic)}/records`, {
        records: records.map((r) => ({
          key: r.key,
          value: r.value,
          ...(r.partition === undefined ? {} : { partition: r.partition }),
        })),
      });
    },
    close: async () => {},
  };
}

export async function where(values: Record<string, unknown>, what = 'topics'): Promise<Where> {
  const given = ['bootstrap-server', 'dir', 'worker-config', 'url'].filter((k) => values[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(`--${given[0]} and --${given[1]} both say where the ${what} are: give one`);
  }
  const commandConfig =
    typeof values['command-config'] === 'string'
      ? await workerProperties(values['command-config'], 'command-config')
      : undefined;
  if (commandConfig !== undefined && values['bootstrap-server'] === undefined) {
    throw new UsageError("option '--command-config' goes with --bootstrap-server");
  }
  if (typeof values['bootstrap-server'] === 'string') {
    return {
      kind: 'kafka',
      at: values['bootstrap-server'],
      kafkaProps: { ...commandConfig, 'bootstrap.servers': values['bootstrap-server'] },
    };
  }
  if (typeof values.url === 'string') return { kind: 'worker', at: await workerUrl(values) };
  if (typeof values.dir === 'string') return { kind: 'embedded', at: resolve(values.dir) };
  if (typeof values['worker-config'] === 'string') {
    const props = await workerProperties(values['worker-config']);
    const bootstrap = props['bootstrap.servers']?.trim();
    // The worker's own connection settings (security.protocol, sasl.*, ssl.*) reach its cluster.
    if (bootstrap !== undefined && bootstrap !== '')
      return { kind: 'kafka', at: bootstrap, kafkaProps: props };
    let worker: string | undefined;
    try {
      worker = advertisedUrl(props, values['worker-config']);
    } catch {
      worker = undefined; // port 0: not known from the file
    }
    return {
      kind: 'embedded',
      at: resolve(props['embedded.log.dir'] ?? EMBEDDED_LOG_DEFAULTS.dir),
      ...(worker === undefined ? {} : { worker }),
    };
  }
  // Nothing said: ./sluice-data, or while a worker holds it, through the worker at SLUICE_URL or
  // http://127.0.0.1:8083 (as \`npm start\` runs it).
  return { kind: 'embedded', at: resolve(EMBEDDED_LOG_DEFAULTS.dir), worker: await workerUrl(values) };
}

async function openLog(w: Where, create: boolean, err: NodeJS.WritableStream): Promise<Topics> {
  if (w.kind === 'worker') return workerTopics(w.at);
  if (w.kind === 'kafka')
    return withKafkaSettings(w, (settings) => logTopics(new PlatformaticLogClient(settings), false));
  return openEmbedded(w, 'sluice topics', create, err, (log) => logTopics(log, true), workerTopics);
}

/**
 * Builds a Kafka client for a command from `w`'s connection settings (the worker's or
 * --command-config's security settings included); bad settings are the command's error.
 */
export function withKafkaSettings<T>(
  w: Where,
  make: (settings: ReturnType<typeof connectionSettings> & { clientId: string; maxBlockMs: number }) => T,
): T {
  try {
    const settings = connectionSettings(w.kafkaProps ?? { 'bootstrap.servers': w.at });
    return make({ ...settings, clientId: 'sluice-cli', maxBlockMs: 10_000 });
  } catch (e) {
    throw new CommandError(`Kafka client settings: ${(e as Error).message}`);
  }
}

/**
 * Opens the embedded log at `w` for `command`. While a worker holds the directory, goes through
 * that worker when `w` knows it (`via`, named on `err`), else says how to; with `create`, a
 * directory without a log is made one.
 */
export async function openEmbedded<T>(
  w: Where,
  command: string,
  create: boolean,
  err: NodeJS.WritableStream,
  open: (log: EmbeddedLogClient) => T,
  via: (workerUrl: string) => T,
): Promise<T> {
  if (!create && !existsSync(join(w.at, 'meta.json'))) {
    throw new CommandError(
      `no embedded log in ${w.at}. Give a worker's embedded.log.dir with --dir (or its properties with --worker-config), or a Kafka cluster with --bootstrap-server.`,
    );
  }
  try {
    return open(await EmbeddedLogClient.open({ dir: w.at }));
  } catch (e) {
    const message = (e as Error).message;
    const owner = /in use by process (\d+)/.exec(message);
    // Held by the worker of these properties: through it, then.
    if (owner !== null && w.worker !== undefined) {
      err.write(
        `${command}: ${w.at} is held by process ${owner[1]}: reading it through the worker at ${w.worker}\n`,
      );
      return via(w.worker);
    }
    if (owner !== null) {
      throw new CommandError(
        `the embedded log in ${w.at} is in use by process ${owner[1]} (a running worker). ` +
          'Its files cannot be read safely while that process writes them (it appends to segments, ' +
          'repairs torn tails and keeps the indexes in memory), so this command does not open them. ' +
          'Go through the worker instead: give its REST address with --url (or its properties with --worker-config), or stop the worker first.',
      );
    }
    throw new CommandError(message);
  }
}

/** Adds `where` to an error from the log (an unreachable broker names its address). */
function logError(e: unknown, w: Where): never {
  if (e instanceof UsageError || e instanceof CommandError) throw e;
  const message = (e as Error).message;
  throw new CommandError(
    w.kind === 'kafka'
      ? `Kafka at ${w.at}: ${message}`
      : w.kind === 'worker'
        ? message
        : `embedded log ${w.at}: ${message}`,
  );
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}

function formatRecord(r: TextRecord, values: Record<string, unknown>): string {
  if (values.json === true) return JSON.stringify(r);
  const value = r.value ?? 'null';
  if (values.key === true || values['key-separator'] !== undefined) {
    const sep = typeof values['key-separator'] === 'string' ? values['key-separator'] : '\t';
    return `${r.key ?? 'null'}${sep}${value}`;
  }
  return value;
}

/** `sluice topics <command>`. */
export function runTopics(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice topics', io, async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out).write(TOPICS_USAGE);
      return command === undefined ? 2 : 0;
    }
    const { values, positionals } = parse(rest, OPTIONS);
    if (values.help === true) {
      io.out.write(TOPICS_USAGE);
      return 0;
    }
    if (!['list', 'ls', 'consume', 'produce'].includes(command)) {
      throw new UsageError(`unknown command '${command}' (one of list, consume, produce)`);
    }
    for (const [flag, commands] of Object.entries(ONLY_FOR)) {
      if (values[flag] !== undefined && !commands.includes(command)) {
        throw new UsageError(`option '--${flag}' does not apply to 'topics ${command}'`);
      }
    }
    const partition = intOption(values, 'partition');
    const offset = intOption(values, 'offset');
    const maxMessages = intOption(values, 'max-messages');
    const timeoutMs = intOption(values, 'timeout-ms');
    if (offset !== undefined && partition === undefined)
      throw new UsageError("option '--offset' needs --partition");
    if (offset !== undefined && values['from-beginning'] === true) {
      throw new UsageError("options '--offset' and '--from-beginning' both say where to start: give one");
    }
    if (values['key-separator'] === '') throw new UsageError("option '--key-separator' cannot be empty");
    if (command === 'list' || command === 'ls') {
      if (positionals.length > 0) throw new UsageError(`list: unexpected argument '${positionals[0]}'`);
    } else if (positionals.length !== 1) {
      throw new UsageError(
        `${command}: expected one TOPIC${positionals.length > 1 ? `, got ${positionals.join(' ')}` : ''}`,
      );
    }

    const w = await where(values);
    const log = await openLog(w, command === 'produce', io.err);
    try {
      if (command === 'list' || command === 'ls') return await list(log, values, io);
      if (command === 'consume') {
        return await consume(log, positionals[0]!, { partition, offset, maxMessages, timeoutMs }, values, io);
      }
      return await produce(log, positionals[0]!, partition, values, io);
    } catch (e) {
      logError(e, w);
    } finally {
      await log.close();
    }
  });
}

async function list(log: Topics, values: Record<string, unknown>, io: Io): Promise<number> {
  const rows = (await log.list()).map((t) => ({
    name: t.name,
    partitions: t.partitions.length,
    records: t.partitions.reduce((sum, p) => sum + p.end - p.start, 0),
  }));
  if (values.json === true) {
    json(io.out, rows);
    return 0;
  }
  if (rows.length === 0) {
    io.out.write('No topics\n');
    return 0;
  }
  table(
    io.out,
    ['TOPIC', 'PARTITIONS', 'RECORDS'],
    rows.map((r) => [r.name, String(r.partitions), String(r.records)]),
  );
  return 0;
}

interface ConsumeOptions {
  partition: number | undefined;
  offset: number | undefined;
  maxMessages: number | undefined;
  timeoutMs: number | undefined;
}

async function consume(
  log: Topics,
  topic: string,
  o: ConsumeOptions,
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const all = await log.partitions(topic);
  if (o.partition !== undefined && !all.some((p) => p.partition === o.partition)) {
    throw new UsageError(
      `--partition: topic '${topic}' has partitions 0..${all.length - 1}, not ${o.partition}`,
    );
  }
  const parts = o.partition === undefined ? all : all.filter((p) => p.partition === o.partition);
  const next = new Map(
    parts.map((p) => [
      p.partition,
      o.offset !== undefined ? o.offset : values['from-beginning'] === true ? p.start : p.end,
    ]),
  );
  // Nothing else writes an embedded log this command holds: it ends at today's end.
  const ends = log.alone ? new Map(parts.map((p) => [p.partition, p.end])) : undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  let count = 0;
  let lastRecordAt = Date.now();
  try {
    while (!stopped && (o.maxMessages === undefined || count < o.maxMessages)) {
      const wanted = parts.filter(
        (p) => ends === undefined || next.get(p.partition)! < ends.get(p.partition)!,
      );
      if (wanted.length === 0) break;
      // One partition waits for news; with several, each is asked without waiting but the last.
      let got = 0;
      for (const [i, p] of wanted.entries()) {
        const waitMs = ends !== undefined || i < wanted.length - 1 ? 0 : 500;
        const f = await log.fetch(topic, p.partition, next.get(p.partition)!, waitMs);
        for (const r of f.records) {
          if (o.maxMessages !== undefined && count >= o.maxMessages) break;
          io.out.write(`${formatRecord(r, values)}\n`);
          count++;
          got++;
          next.set(p.partition, r.offset + 1);
        }
        if (f.records.length === 0 && f.nextOffset > next.get(p.partition)!)
          next.set(p.partition, f.nextOffset);
        if (o.maxMessages !== undefined && count >= o.maxMessages) break;
      }
      if (got > 0) lastRecordAt = Date.now();
      else if (o.timeoutMs !== undefined && Date.now() - lastRecordAt >= o.timeoutMs) break;
    }
  } finally {
    process.off('SIGINT', stop);
  }
  if (values.json !== true) io.err.write(`Processed a total of ${count} messages\n`);
  return 0;
}

async function produce(
  log: Topics,
  topic: string,
  partition: number | undefined,
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  if (io.in === undefined) throw new CommandError('no standard input to read');
  if (partition !== undefined) {
    const all = (await log.partitions(topic)).map((p) => p.partition);
    if (!all.includes(partition)) {
      throw new UsageError(
        `--partition: topic '${topic}' has partitions 0..${all.length - 1}, not ${partition}`,
      );
    }
  }
  const keyed = values.key === true || values['key-separator'] !== undefined;
  const sep = typeof values['key-separator'] === 'string' ? values['key-separator'] : '\t';
  let batch: Array<{ topic: string; key: string | null; value: string; partition?: number }> = [];
  let lineNo = 0;
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await log.produce(batch);
    sent += batch.length;
    batch = [];
  };
  for await (const line of createInterface({ input: io.in, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    let key: string | null = null;
    let value = line;
    if (keyed) {
      const at = line.indexOf(sep);
      if (at < 0) {
        await flush();
        throw new CommandError(
          `line ${lineNo} has no key separator ${JSON.stringify(sep)} (${sent} records sent before it)`,
        );
      }
      key = line.slice(0, at);
      value = line.slice(at + sep.length);
    }
    batch.push({ topic, key, value, ...(partition === undefined ? {} : { partition }) });
    if (batch.length >= 500) await flush();
  }
  await flush();
  if (values.json === true) json(io.out, { topic, records: sent });
  else io.err.write(`Produced ${sent} records to ${topic}\n`);
  return 0;
}
