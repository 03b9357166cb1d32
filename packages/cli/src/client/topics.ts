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
  EMBEDDED_LOG_DEFAULTS,
  EmbeddedLogClient,
  type LogClient,
  type LogRecord,
  PlatformaticLogClient,
  type ProduceRecord,
} from '@sluice/runtime';
import {
  CommandError,
  type Io,
  intOption,
  parse,
  runCommand,
  UsageError,
  workerProperties,
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
  --dir DIR                  An embedded log directory (a standalone worker's embedded.log.dir),
                             default ./sluice-data. Only when no worker runs on it: the directory
                             belongs to one process at a time (see docs/cli.md)
  --worker-config FILE       Worker properties: bootstrap.servers, else embedded.log.dir

consume options:
  --from-beginning           Start at the oldest record (default: only records that arrive now)
  --partition P              Only partition P
  --offset N                 Start at offset N (needs --partition)
  --max-messages N           Stop after N records
  --timeout-ms MS            Kafka: stop when no record came for MS milliseconds (default: wait
                             until Ctrl-C). The embedded log stops at its end
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

interface Where {
  kind: 'kafka' | 'embedded';
  /** Bootstrap servers or the directory. */
  at: string;
}

async function where(values: Record<string, unknown>): Promise<Where> {
  const given = ['bootstrap-server', 'dir', 'worker-config'].filter((k) => values[k] !== undefined);
  if (given.length > 1) {
    throw new UsageError(`--${given[0]} and --${given[1]} both say where the topics are: give one`);
  }
  if (typeof values['bootstrap-server'] === 'string')
    return { kind: 'kafka', at: values['bootstrap-server'] };
  if (typeof values.dir === 'string') return { kind: 'embedded', at: resolve(values.dir) };
  if (typeof values['worker-config'] === 'string') {
    const props = await workerProperties(values['worker-config']);
    const bootstrap = props['bootstrap.servers']?.trim();
    if (bootstrap !== undefined && bootstrap !== '') return { kind: 'kafka', at: bootstrap };
    return { kind: 'embedded', at: resolve(props['embedded.log.dir'] ?? EMBEDDED_LOG_DEFAULTS.dir) };
  }
  return { kind: 'embedded', at: resolve(EMBEDDED_LOG_DEFAULTS.dir) };
}

async function openLog(w: Where, create: boolean): Promise<LogClient> {
  if (w.kind === 'kafka') {
    try {
      return new PlatformaticLogClient({
        bootstrapServers: w.at,
        clientId: 'sluice-cli',
        maxBlockMs: 10_000,
      });
    } catch (e) {
      throw new UsageError(`--bootstrap-server: ${(e as Error).message}`);
    }
  }
  if (!create && !existsSync(join(w.at, 'meta.json'))) {
    throw new CommandError(
      `no embedded log in ${w.at}. Give a worker's embedded.log.dir with --dir (or its properties with --worker-config), or a Kafka cluster with --bootstrap-server.`,
    );
  }
  try {
    return await EmbeddedLogClient.open({ dir: w.at });
  } catch (e) {
    const message = (e as Error).message;
    const owner = /in use by process (\d+)/.exec(message);
    if (owner !== null) {
      throw new CommandError(
        `the embedded log in ${w.at} is in use by process ${owner[1]} (a running worker). ` +
          'Its files cannot be read safely while that process writes them (it appends to segments, ' +
          'repairs torn tails and keeps the indexes in memory), so this command does not open them. ' +
          'Stop the worker first, or read the topic with a sink connector of that worker.',
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
    w.kind === 'kafka' ? `Kafka at ${w.at}: ${message}` : `embedded log ${w.at}: ${message}`,
  );
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}

function formatRecord(r: LogRecord, values: Record<string, unknown>): string {
  if (values.json === true) {
    return JSON.stringify({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map(([k, v]) => ({ key: k, value: text(v) })),
    });
  }
  const value = text(r.value) ?? 'null';
  if (values.key === true || values['key-separator'] !== undefined) {
    const sep = typeof values['key-separator'] === 'string' ? values['key-separator'] : '\t';
    return `${text(r.key) ?? 'null'}${sep}${value}`;
  }
  return value;
}

async function partitionsOf(log: LogClient, topic: string): Promise<number[]> {
  try {
    const d = (await log.describeTopics([topic])).get(topic);
    return d === undefined ? [] : d.partitions.map((p) => p.partition);
  } catch (e) {
    if (e instanceof NotFoundError) {
      const topics = await log.listTopics();
      throw new CommandError(
        `no topic '${topic}'${topics.length === 0 ? ' (there are no topics)' : `; topics: ${topics.join(', ')}`}`,
      );
    }
    throw e;
  }
}

/** `sluice topics <command>`. */
export function runTopics(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice topics', TOPICS_USAGE, io, async () => {
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
    if (values.url !== undefined) {
      throw new UsageError(
        "option '--url': topics are not read through a worker yet; give --bootstrap-server for Kafka, or --dir for an embedded log no worker runs on",
      );
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
    const log = await openLog(w, command === 'produce');
    try {
      if (command === 'list' || command === 'ls') return await list(log, values, io);
      if (command === 'consume') {
        return await consume(
          log,
          w,
          positionals[0]!,
          { partition, offset, maxMessages, timeoutMs },
          values,
          io,
        );
      }
      return await produce(log, positionals[0]!, partition, values, io);
    } catch (e) {
      logError(e, w);
    } finally {
      await log.close();
    }
  });
}

async function list(log: LogClient, values: Record<string, unknown>, io: Io): Promise<number> {
  const names = await log.listTopics();
  const described = names.length === 0 ? new Map() : await log.describeTopics(names);
  const rows: Array<{ name: string; partitions: number; records: number }> = [];
  for (const name of names) {
    const tps = (described.get(name)?.partitions ?? []).map((p: { partition: number }) => ({
      topic: name,
      partition: p.partition,
    }));
    const [start, end] = await Promise.all([
      log.listOffsets(tps, 'earliest'),
      log.listOffsets(tps, 'latest'),
    ]);
    const records = end.reduce((sum, e, i) => sum + e.offset - (start[i]?.offset ?? 0), 0);
    rows.push({ name, partitions: tps.length, records });
  }
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
  log: LogClient,
  w: Where,
  topic: string,
  o: ConsumeOptions,
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const all = await partitionsOf(log, topic);
  if (o.partition !== undefined && !all.includes(o.partition)) {
    throw new UsageError(
      `--partition: topic '${topic}' has partitions 0..${all.length - 1}, not ${o.partition}`,
    );
  }
  const tps = (o.partition === undefined ? all : [o.partition]).map((partition) => ({ topic, partition }));
  const starts =
    o.offset !== undefined
      ? [o.offset]
      : (await log.listOffsets(tps, values['from-beginning'] === true ? 'earliest' : 'latest')).map(
          (l) => l.offset,
        );
  const next = new Map(tps.map((tp, i) => [tp.partition, starts[i]!]));
  // Nothing else writes an embedded log this command holds: it ends at today's end.
  const ends =
    w.kind === 'embedded'
      ? new Map((await log.listOffsets(tps, 'latest')).map((l) => [l.partition, l.offset]))
      : undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  let count = 0;
  let lastRecordAt = Date.now();
  try {
    while (!stopped && (o.maxMessages === undefined || count < o.maxMessages)) {
      const wanted = tps.filter(
        (tp) => ends === undefined || next.get(tp.partition)! < ends.get(tp.partition)!,
      );
      if (wanted.length === 0) break;
      const fetched = await log.fetch(
        wanted.map((tp) => ({ ...tp, offset: next.get(tp.partition)! })),
        { maxWaitMs: 500 },
      );
      let got = 0;
      for (const f of fetched) {
        if (f.error !== undefined && !f.error.retriable) {
          throw new CommandError(`partition ${f.partition}: ${f.error.code}: ${f.error.message}`);
        }
        for (const r of f.records) {
          if (o.maxMessages !== undefined && count >= o.maxMessages) break;
          io.out.write(`${formatRecord(r, values)}\n`);
          count++;
          got++;
          next.set(f.partition, r.offset + 1);
        }
        if (f.records.length === 0 && f.nextOffset > next.get(f.partition)!)
          next.set(f.partition, f.nextOffset);
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
  log: LogClient,
  topic: string,
  partition: number | undefined,
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  if (io.in === undefined) throw new CommandError('no standard input to read');
  if (partition !== undefined) {
    const all = await partitionsOf(log, topic);
    if (!all.includes(partition)) {
      throw new UsageError(
        `--partition: topic '${topic}' has partitions 0..${all.length - 1}, not ${partition}`,
      );
    }
  }
  const keyed = values.key === true || values['key-separator'] !== undefined;
  const sep = typeof values['key-separator'] === 'string' ? values['key-separator'] : '\t';
  let batch: ProduceRecord[] = [];
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
    let key: Buffer | null = null;
    let value = line;
    if (keyed) {
      const at = line.indexOf(sep);
      if (at < 0) {
        await flush();
        throw new CommandError(
          `line ${lineNo} has no key separator ${JSON.stringify(sep)} (${sent} records sent before it)`,
        );
      }
      key = Buffer.from(line.slice(0, at));
      value = line.slice(at + sep.length);
    }
    batch.push({
      topic,
      key,
      value: Buffer.from(value),
      headers: [],
      ...(partition === undefined ? {} : { partition }),
    });
    if (batch.length >= 500) await flush();
  }
  await flush();
  if (values.json === true) json(io.out, { topic, records: sent });
  else io.err.write(`Produced ${sent} records to ${topic}\n`);
  return 0;
}
