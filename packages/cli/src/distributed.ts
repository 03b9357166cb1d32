import {
  createLogger,
  DistributedHerder,
  LoggerRegistry,
  loadPropertiesFile,
  RestServer,
  SLUICE_VERSION,
} from '@sluice/runtime';

export const DISTRIBUTED_USAGE = `Usage: sluice distributed <worker.properties>

Runs a distributed worker, as Kafka's connect-distributed.sh: workers started with the same
group.id form one Connect cluster on the Kafka cluster in bootstrap.servers, sharing connectors
and tasks; connectors are created and managed over the REST API of any worker.
Log level: SLUICE_LOG_LEVEL (default INFO).
`;

/**
 * `sluice distributed`: starts the REST server (its URL is what the other workers forward to),
 * joins the group, and runs until SIGINT/SIGTERM, then stops gracefully (tasks stopped, offsets
 * and statuses flushed, group left). Returns the exit code: 1 for a bad file or a worker that
 * cannot start, 0 after a clean stop.
 */
export async function runDistributed(
  args: readonly string[],
  err: NodeJS.WritableStream,
  stopSignal: Promise<unknown> = signalled(),
): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    err.write(DISTRIBUTED_USAGE);
    return args.length === 0 ? 2 : 0;
  }
  if (args.length > 1) {
    err.write(`sluice distributed: unexpected argument '${args[1]}' (connectors are created over REST)\n`);
    return 2;
  }
  const workerFile = args[0]!;
  let workerProps: Record<string, string>;
  try {
    workerProps = await loadPropertiesFile(workerFile);
  } catch (e) {
    err.write(`sluice: ${(e as Error).message}\n`);
    return 1;
  }

  const logger = createLogger({ level: process.env.SLUICE_LOG_LEVEL ?? 'INFO' });
  let herder: DistributedHerder;
  try {
    herder = await DistributedHerder.create(workerProps, { logger });
  } catch (e) {
    err.write(`sluice: ${workerFile}: ${(e as Error).message}\n`);
    return 1;
  }
  const config = herder.config;
  const rest = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    listeners: config.listeners().map((l) => ({ protocol: 'http' as const, host: l.host, port: l.port })),
    corsAllowOrigin: config.getString('access.control.allow.origin') ?? '',
    corsAllowMethods: config.getString('access.control.allow.methods') ?? '',
    responseHeaders: config.getString('response.http.headers.config') ?? '',
    topicTrackingEnable: config.getBoolean('topic.tracking.enable') ?? true,
    topicTrackingAllowReset: config.getBoolean('topic.tracking.allow.reset') ?? true,
  });
  let urls: string[];
  try {
    ({ urls } = await rest.start());
  } catch (e) {
    err.write(`sluice: cannot start the REST server: ${(e as Error).message}\n`);
    await herder.client.close().catch(() => {});
    return 1;
  }
  const port = Number(new URL(urls[0]!).port);
  if (port > 0) herder.setBoundPort(port);
  try {
    // The REST server answers from now on: 503 on /health and 409 for writes until the first join.
    await Promise.race([herder.start(), stopSignal.then(() => Promise.reject(new Error('stopped')))]);
  } catch (e) {
    if ((e as Error).message !== 'stopped') {
      logger.error({ err: e }, 'The worker failed to start');
      err.write(`sluice: ${workerFile}: the worker failed to start: ${(e as Error).message}\n`);
    }
    await rest.stop();
    await herder.stop().catch(() => {});
    return (e as Error).message === 'stopped' ? 0 : 1;
  }
  logger.info(
    `Sluice ${SLUICE_VERSION} distributed worker ${herder.workerId} started in group ${config.groupId()}; REST API at ${urls.join(', ')}`,
  );
  await stopSignal;
  logger.info('Stopping the worker');
  await rest.stop();
  await herder.stop();
  logger.info('Worker stopped');
  return 0;
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}
