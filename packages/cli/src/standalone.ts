import {
  type ConnectorConfigFile,
  createLogger,
  LoggerRegistry,
  loadConnectorConfigFile,
  loadPropertiesFile,
  RestServer,
  SLUICE_VERSION,
  StandaloneHerder,
} from '@sluice/runtime';

export const STANDALONE_USAGE = `Usage: sluice standalone <worker.properties> [<connector.properties|connector.json> ...]

Runs a standalone worker, as Kafka's connect-standalone.sh: the worker properties file, then any
number of connector files (Java properties, a flat JSON map, or {"name":...,"config":{...}}).
Without bootstrap.servers the worker runs on the embedded log under embedded.log.dir (./sluice-data).
Log level: SLUICE_LOG_LEVEL (default INFO).
`;

/**
 * `sluice standalone`: starts a herder and its REST server, creates the connectors from the files,
 * and runs until SIGINT/SIGTERM, then stops gracefully (tasks stopped, offsets flushed). Returns
 * the exit code: 1 for a bad file or a connector that cannot be created, 0 after a clean stop.
 */
export async function runStandalone(
  args: readonly string[],
  err: NodeJS.WritableStream,
  stopSignal: Promise<unknown> = signalled(),
): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    err.write(STANDALONE_USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const [workerFile, ...connectorFiles] = args as [string, ...string[]];
  let workerProps: Record<string, string>;
  const connectors: ConnectorConfigFile[] = [];
  try {
    workerProps = await loadPropertiesFile(workerFile);
    for (const file of connectorFiles) connectors.push(await loadConnectorConfigFile(file));
  } catch (e) {
    err.write(`sluice: ${(e as Error).message}\n`);
    return 1;
  }

  const logger = createLogger({ level: process.env.SLUICE_LOG_LEVEL ?? 'INFO' });
  let herder: StandaloneHerder;
  try {
    herder = await StandaloneHerder.create(workerProps, { logger });
  } catch (e) {
    err.write(`sluice: ${workerFile}: ${(e as Error).message}\n`);
    return 1;
  }
  await herder.start();
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
    await herder.stop();
    return 1;
  }
  const port = Number(new URL(urls[0]!).port);
  if (port > 0) herder.setBoundPort(port);
  logger.info(
    `Sluice ${SLUICE_VERSION} standalone worker ${herder.workerId} started; REST API at ${urls.join(', ')}; log: ${herder.log.kind}`,
  );

  let code = 0;
  for (const c of connectors) {
    try {
      const options =
        c.initialState === undefined
          ? { allowReplace: false }
          : { allowReplace: false, initialState: c.initialState };
      await herder.putConnectorConfig(c.name, c.config, options);
      logger.info(`Created connector ${c.name}`);
    } catch (e) {
      // As connect-standalone: a connector file that cannot be applied stops the worker.
      logger.error({ err: e }, `Failed to create connector ${c.name}`);
      err.write(`sluice: failed to create connector ${c.name}: ${(e as Error).message}\n`);
      code = 1;
      break;
    }
  }
  if (code === 0) await stopSignal;
  logger.info('Stopping the worker');
  await rest.stop();
  await herder.stop();
  logger.info('Worker stopped');
  return code;
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}
