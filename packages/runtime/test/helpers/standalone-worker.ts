/**
 * A standalone worker for the worker and standalone tests: the worker properties they share, the
 * log they run on, their own connector classes registered, and temporary directories removed
 * after the test file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type Connector, SinkConnector } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { StandaloneHerder } from '@sluice/runtime';
import { useKafka } from '@sluice/testing';
import { type Logger, pino } from 'pino';

/** The log a test worker runs on: the embedded log, the test broker, or a given broker. */
export type TestLog = 'embedded' | 'kafka' | { bootstrapServers: string };

export interface TestHerderOptions {
  /** Holds the embedded log (`<dir>/data`) and the source offsets (`<dir>/offsets`). */
  dir: string;
  /** Default `embedded`; `kafka` is the broker of `useKafka()`. */
  log?: TestLog;
  /** Worker properties added to the defaults, or replacing them. */
  props?: Record<string, string>;
  /** Connector classes registered besides the built-in plugins (as sinks or sources, by class). */
  connectors?: ReadonlyArray<new () => Connector>;
  /** The pino level of the worker's logger; default `silent`. */
  logLevel?: string;
  /** The worker's logger (then {@link logLevel} is not used). */
  logger?: Logger;
}

/**
 * Creates and starts a standalone herder with String key and value converters, the source offsets
 * in `<dir>/offsets`, the REST listener on a free port and the chosen log, then `props`.
 */
export async function startTestHerder(options: TestHerderOptions): Promise<StandaloneHerder> {
  const { dir, log = 'embedded', props = {}, connectors = [], logLevel = 'silent', logger } = options;
  const plugins = builtinPlugins('1');
  for (const connector of connectors) {
    plugins.register(connector.prototype instanceof SinkConnector ? 'sink' : 'source', connector);
  }
  const herder = await StandaloneHerder.create(
    {
      ...(await logProps(log, dir)),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'offset.storage.file.filename': join(dir, 'offsets'),
      listeners: 'http://127.0.0.1:0',
      ...props,
    },
    { logger: logger ?? pino({ level: logLevel }), plugins },
  );
  await herder.start();
  return herder;
}

async function logProps(log: TestLog, dir: string): Promise<Record<string, string>> {
  if (log === 'embedded') return { 'embedded.log.dir': join(dir, 'data') };
  const { bootstrapServers } = log === 'kafka' ? await useKafka() : log;
  return { 'bootstrap.servers': bootstrapServers };
}

/**
 * Registers the removal, after the test file, of the directories the returned function makes
 * (under the system's temporary directory, named `<prefix>XXXXXX`).
 */
export function useTempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** How long `promise` took, or a failure after `ms` (so a hang fails the test instead of timing it out). */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<number> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
  return Date.now() - start;
}
