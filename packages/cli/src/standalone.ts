import {
  type ConnectorConfigFile,
  loadConnectorConfigFile,
  loadPropertiesFile,
  SLUICE_VERSION,
  StandaloneHerder,
} from '@sluice/runtime';
import { builtinPlugins } from './builtins.ts';
import {
  LOGGING_USAGE,
  startRestServer,
  startupStep,
  stopWorker,
  workerCommand,
  workerLogger,
} from './worker-process.ts';

export const STANDALONE_USAGE = `Usage: sluice standalone <worker.properties> [<connector.properties|connector.json> ...]

Runs a standalone worker, as Kafka's connect-standalone.sh: the worker properties file, then any
number of connector files (Java properties, a flat JSON map, or {"name":...,"config":{...}}).
Without bootstrap.servers the worker runs on the embedded log under embedded.log.dir (./sluice-data).

${LOGGING_USAGE}`;

/**
 * `sluice standalone`: starts a herder and its REST server, creates the connectors from the files,
 * and runs until SIGINT/SIGTERM, then stops gracefully (tasks stopped, offsets flushed). Returns
 * the exit code: 1 for a bad file or a connector that cannot be created, 0 after a clean stop.
 */
export const runStandalone = workerCommand(STANDALONE_USAGE, async (args, err, stopSignal) => {
  const [workerFile, ...connectorFiles] = args as [string, ...string[]];
  const files = await startupStep(async () => {
    const workerProps = await loadPropertiesFile(workerFile);
    const connectors: ConnectorConfigFile[] = [];
    for (const file of connectorFiles) connectors.push(await loadConnectorConfigFile(file));
    return { workerProps, connectors };
  }, err);
  if (files === undefined) return 1;
  const { workerProps, connectors } = files;

  const logger = await startupStep(async () => workerLogger(workerProps), err, workerFile);
  if (logger === undefined) return 1;
  const herder = await startupStep(
    () => StandaloneHerder.create(workerProps, { logger, plugins: builtinPlugins() }),
    err,
    workerFile,
  );
  if (herder === undefined) return 1;
  await herder.start();
  const started = await startRestServer(herder, logger, err, () => herder.stop());
  if (started === undefined) return 1;
  const { rest, urls } = started;
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
  await stopWorker(logger, rest, herder, started.schemaRegistry);
  return code;
});
