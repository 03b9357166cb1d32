import { DistributedHerder, loadPropertiesFile, SLUICE_VERSION } from '@sluice/runtime';
import { builtinPlugins } from './builtins.ts';
import {
  LOGGING_USAGE,
  startRestServer,
  startupStep,
  stopWorker,
  workerCommand,
  workerLogger,
} from './worker-process.ts';

export const DISTRIBUTED_USAGE = `Usage: sluice distributed <worker.properties>

Runs a distributed worker, as Kafka's connect-distributed.sh: workers started with the same
group.id form one Connect cluster on the Kafka cluster in bootstrap.servers, sharing connectors
and tasks; connectors are created and managed over the REST API of any worker.

${LOGGING_USAGE}`;

/**
 * `sluice distributed`: starts the REST server (its URL is what the other workers forward to),
 * joins the group, and runs until SIGINT/SIGTERM, then stops gracefully (tasks stopped, offsets
 * and statuses flushed, group left). Returns the exit code: 1 for a bad file or a worker that
 * cannot start, 0 after a clean stop.
 */
export const runDistributed = workerCommand(DISTRIBUTED_USAGE, async (args, err, stopSignal) => {
  if (args.length > 1) {
    err.write(`sluice distributed: unexpected argument '${args[1]}' (connectors are created over REST)\n`);
    return 2;
  }
  const workerFile = args[0]!;
  const workerProps = await startupStep(() => loadPropertiesFile(workerFile), err);
  if (workerProps === undefined) return 1;

  const logger = await startupStep(async () => workerLogger(workerProps), err, workerFile);
  if (logger === undefined) return 1;
  const herder = await startupStep(
    () => DistributedHerder.create(workerProps, { logger, plugins: builtinPlugins() }),
    err,
    workerFile,
  );
  if (herder === undefined) return 1;
  const started = await startRestServer(herder, logger, err, () => herder.client.close().catch(() => {}));
  if (started === undefined) return 1;
  const { rest, urls } = started;
  try {
    // The REST server answers from now on: 503 on /health and 409 for writes until the first join.
    await Promise.race([herder.start(), stopSignal.then(() => Promise.reject(new Error('stopped')))]);
  } catch (e) {
    if ((e as Error).message !== 'stopped') {
      logger.error({ err: e }, 'The worker failed to start');
      err.write(`sluice: ${workerFile}: the worker failed to start: ${(e as Error).message}\n`);
    }
    await rest.stop();
    await started.schemaRegistry?.stop().catch(() => {});
    await herder.stop().catch(() => {});
    return (e as Error).message === 'stopped' ? 0 : 1;
  }
  logger.info(
    `Sluice ${SLUICE_VERSION} distributed worker ${herder.workerId} started in group ${herder.config.groupId()}; REST API at ${urls.join(', ')}`,
  );
  await stopSignal;
  await stopWorker(logger, rest, herder, started.schemaRegistry);
  return 0;
});
