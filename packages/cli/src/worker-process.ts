/**
 * What `sluice standalone` and `sluice distributed` share: usage and help, the worker logger, the
 * herder's creation, the REST server's start, the stop on SIGINT/SIGTERM, and the exit codes
 * (2 for a bad command line, 1 for a bad file or a worker that cannot start, 0 otherwise).
 */
import v8 from 'node:v8';
import {
  type ConnectMetrics,
  createLogger,
  type Herder,
  type LogClient,
  loggerRegistryFor,
  openWorkerSchemaRegistry,
  RestServer,
  registerWorkerRegistryLocally,
  resolveLogFormat,
  restSecurityOptions,
  SchemaRegistryTopicLog,
  type WorkerConfig,
  type WorkerSchemaRegistry,
} from '@sluice/runtime';

/** The logger of a worker process (the CLI's own errors go to `err`). */
export type WorkerLogger = ReturnType<typeof createLogger>;

/** The herder as the CLI drives it. */
export interface WorkerHerder extends Herder {
  readonly config: WorkerConfig;
  /** The log the worker runs on (the standalone herder's). */
  readonly log?: LogClient;
  /** The distributed herder's Kafka client. */
  readonly client?: LogClient;
  /** Distributed: whether this worker leads the group, and the leader's REST URL ('' before the first join). */
  readonly isLeader?: boolean;
  readonly leaderUrl?: string;
  setBoundPort(port: number): void;
  stop(): Promise<void>;
  /** The worker's metrics, served at `GET /metrics`. */
  readonly metrics?: ConnectMetrics;
}

/**
 * A worker command: its arguments, where its own errors go, and what stops the worker (default:
 * SIGINT or SIGTERM); resolves with the process exit code.
 */
export type WorkerCommand = (
  args: readonly string[],
  err: NodeJS.WritableStream,
  stopSignal?: Promise<unknown>,
) => Promise<number>;

/**
 * A {@link WorkerCommand} that writes `usage` for no arguments (exit code 2) or `--help`/`-h`
 * (exit code 0), and else runs `run`.
 */
export function workerCommand(
  usage: string,
  run: (args: readonly string[], err: NodeJS.WritableStream, stopSignal: Promise<unknown>) => Promise<number>,
): WorkerCommand {
  return async (args, err, stopSignal = signalled()) => {
    if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
      err.write(usage);
      return args.length === 0 ? 2 : 0;
    }
    keepYoungGenerationSmall();
    return run(args, err, stopSignal);
  };
}

/**
 * Keeps V8's young generation at the size it has when the worker starts, instead of letting it
 * grow to Node 24's two 16 MB semi-spaces under load. A sink task allocates a few short-lived
 * objects per record at hundreds of thousands of records a second; with the grown young
 * generation the old space grew along with it, and a FileStreamSink worker peaked about 100 MB
 * higher at the same CPU time (the standalone-file benchmark's section in RESULTS.md after this
 * change has the figures). V8 reads this flag each time it would grow the young generation, so
 * setting it now takes effect. Anyone who sizes the young generation themselves
 * (`--max-semi-space-size`, `--semi-space-growth-factor`, on the command line or in
 * NODE_OPTIONS) keeps their setting.
 */
function keepYoungGenerationSmall(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space'));
  if (!given) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The worker's logger on stdout: at the level in `SLUICE_LOG_LEVEL` (default INFO), in the format
 * of `SLUICE_LOG_FORMAT`, else the worker's `log.format`, else text. Throws for a bad format.
 */
export function workerLogger(workerProps: Readonly<Record<string, string>> = {}): WorkerLogger {
  return createLogger({
    level: process.env.SLUICE_LOG_LEVEL ?? 'INFO',
    format: resolveLogFormat(workerProps, process.env),
  });
}

/** What the worker commands' usage says about logging. */
export const LOGGING_USAGE = `Logs go to standard output. Level: SLUICE_LOG_LEVEL (default INFO; change it at run time with
\`sluice loggers set\` or PUT /admin/loggers). Format: log.format in the worker properties, text
(default) or json, overridden by SLUICE_LOG_FORMAT. Docs: docs/logging.md
`;

/**
 * Runs a start-up step (loading the files, creating the herder); when it fails, writes
 * `sluice: [<subject>: ]<message>` and gives undefined, for the command to exit with code 1.
 */
export async function startupStep<T>(
  step: () => Promise<T>,
  err: NodeJS.WritableStream,
  subject?: string,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    err.write(`sluice: ${subject === undefined ? '' : `${subject}: `}${(e as Error).message}\n`);
    return undefined;
  }
}

/** A started REST server and the URLs it listens on. */
export interface StartedRest {
  rest: RestServer;
  urls: string[];
  /** The built-in schema registry, when the worker serves one. */
  schemaRegistry?: WorkerSchemaRegistry;
}

/**
 * Starts the REST server on the worker's `listeners`, with the worker's CORS, response-header and
 * topic-tracking settings, and tells the herder the port it bound. When it cannot start, writes
 * `sluice: cannot start the REST server: <message>`, runs `release` and gives undefined.
 */
export async function startRestServer(
  herder: WorkerHerder,
  logger: WorkerLogger,
  err: NodeJS.WritableStream,
  release: () => Promise<void>,
): Promise<StartedRest | undefined> {
  const config = herder.config;
  // The built-in schema registry (on by default on the embedded log), reachable in-process under
  // the worker's URLs before the listeners open, so converters never call their own listener.
  // Kept in the _schemas topic of the worker's log: a distributed worker's writes go to the group
  // leader (Confluent's followers forward to their leader the same way).
  const logClient = herder.log ?? herder.client;
  const writerUrl =
    herder.isLeader === undefined ? undefined : () => (herder.isLeader ? null : (herder.leaderUrl ?? ''));
  let opened: WorkerSchemaRegistry | null;
  try {
    opened = await openWorkerSchemaRegistry(
      config,
      (topic, replicationFactor) => {
        if (logClient === undefined) throw new Error('the worker has no log to keep the schemas topic on');
        return new SchemaRegistryTopicLog({ client: logClient, topic, replicationFactor, logger });
      },
      logger,
    );
  } catch (e) {
    err.write(`sluice: cannot start the schema registry: ${(e as Error).message}\n`);
    await release();
    return undefined;
  }
  const schemaRegistry = opened?.registry ?? null;
  const writer = opened?.storage.kind === 'log' ? writerUrl : undefined;
  if (schemaRegistry !== null) registerWorkerRegistryLocally(schemaRegistry, config.listeners(), writer);
  let listenerOptions: ReturnType<typeof restSecurityOptions>;
  try {
    listenerOptions = restSecurityOptions(config);
  } catch (e) {
    err.write(`sluice: cannot start the REST server: ${(e as Error).message}\n`);
    await opened?.stop().catch(() => {});
    await release();
    return undefined;
  }
  const rest = new RestServer({
    herder,
    loggers: loggerRegistryFor(logger),
    ...listenerOptions,
    corsAllowOrigin: config.getString('access.control.allow.origin') ?? '',
    corsAllowMethods: config.getString('access.control.allow.methods') ?? '',
    responseHeaders: config.getString('response.http.headers.config') ?? '',
    topicTrackingEnable: config.getBoolean('topic.tracking.enable') ?? true,
    topicTrackingAllowReset: config.getBoolean('topic.tracking.allow.reset') ?? true,
    ...(schemaRegistry === null ? {} : { schemaRegistry }),
    ...(writer === undefined ? {} : { schemaRegistryWriterUrl: writer }),
    // The embedded log's directory belongs to this process: \`sluice topics --url\` reads it here.
    ...(herder.log?.kind === 'embedded' ? { topicLog: herder.log } : {}),
    ...(herder.metrics === undefined ? {} : { metrics: herder.metrics }),
  });
  let urls: string[];
  try {
    ({ urls } = await rest.start());
  } catch (e) {
    err.write(`sluice: cannot start the REST server: ${(e as Error).message}\n`);
    await opened?.stop().catch(() => {});
    await release();
    return undefined;
  }
  const port = Number(new URL(urls[0]!).port);
  if (port > 0) herder.setBoundPort(port);
  if (schemaRegistry !== null) {
    registerWorkerRegistryLocally(
      schemaRegistry,
      urls
        .map((u) => new URL(u))
        .map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) })),
      writer,
    );
    logger.info(`Schema registry (Confluent's REST API) served at ${urls.join(', ')}`);
  }
  return opened === null ? { rest, urls } : { rest, urls, schemaRegistry: opened };
}

/** Stops a running worker gracefully: the REST server, the schema registry's reading, then the herder. */
export async function stopWorker(
  logger: WorkerLogger,
  rest: RestServer,
  herder: WorkerHerder,
  schemaRegistry?: WorkerSchemaRegistry,
): Promise<void> {
  logger.info('Stopping the worker');
  await rest.stop();
  // Stops following the schemas topic while the log is still open; converters of the stopping
  // tasks can still append to it until the herder closes the log.
  await schemaRegistry?.stop().catch((e: unknown) => logger.warn({ err: e }, 'Stopping the schema registry'));
  await herder.stop();
  logger.info('Worker stopped');
}

let stopRequested: Promise<string> | undefined;

/**
 * Resolves with the signal's name on the first SIGINT or SIGTERM. The handlers stay for the life
 * of the process, so any later signal is noted and ignored instead of killing the worker in the
 * middle of its graceful stop: a terminal's Ctrl-C reaches every process of the foreground group
 * (npm, the launcher, the worker), each of which may forward it, and users press it twice.
 */
function signalled(): Promise<string> {
  stopRequested ??= new Promise((resolve) => {
    let first: string | undefined;
    let noted = false;
    const on = (signal: string) => {
      if (first === undefined) {
        first = signal;
        resolve(signal);
      } else if (!noted) {
        noted = true;
        process.stderr.write(`sluice: ${signal}: the worker is already stopping gracefully (${first})\n`);
      }
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return stopRequested;
}
