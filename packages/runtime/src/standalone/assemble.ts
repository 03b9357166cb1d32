/**
 * Assembles a standalone worker (what Kafka's `ConnectStandalone` wires): bootstraps the worker
 * properties (plugin.path, then config providers), checks them, opens the log (Kafka when
 * `bootstrap.servers` is set, else the embedded log under `embedded.log.dir`) and builds the parts
 * the `StandaloneHerder` runs on: the offsets file, the in-memory status store and the `Worker`.
 * The herder itself holds no wiring.
 */
import { type Logger, pino } from 'pino';
import { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import { WorkerConfig } from '../config/worker-config.ts';
import { checkWorkerClientConfigs } from '../herder/connector-validation.ts';
import { bootstrapWorker } from '../herder/worker-bootstrap.ts';
import { EmbeddedLogClient } from '../log/embedded/embedded-log-client.ts';
import { connectionSettings, producerSettings, taskClientProps } from '../log/kafka/client-config.ts';
import { PlatformaticLogClient } from '../log/kafka/platformatic-client.ts';
import type { LogClient } from '../log/log-client.ts';
import { FileOffsetBackingStore } from '../storage/offset-store.ts';
import { MemoryStatusStore } from '../storage/status-store.ts';
import { checkWorkerConverters } from '../worker/plugin-factory.ts';
import { Worker } from '../worker/worker.ts';
import { StandaloneHerder as Herder, type StandaloneHerderOptions } from './standalone-herder.ts';

/**
 * The standalone herder with its entry point (the package exports this one): the herder is in
 * `standalone-herder.ts`, which imports no wiring; `create` assembles one here.
 */
export class StandaloneHerder extends Herder {
  /**
   * Builds a herder from worker properties: Kafka when `bootstrap.servers` is set, else the
   * embedded log under `embedded.log.dir`. `plugins` are those the distribution ships (the runtime
   * names no plugin package); `plugin.path` adds to them. Throws ConfigError for bad properties.
   */
  static create(
    workerProps: Record<string, string>,
    options: StandaloneHerderOptions,
  ): Promise<StandaloneHerder> {
    return assembleStandaloneHerder(workerProps, options);
  }
}

/** Builds a standalone herder from worker properties. Throws ConfigError for bad properties. */
export async function assembleStandaloneHerder(
  workerProps: Record<string, string>,
  options: StandaloneHerderOptions,
): Promise<StandaloneHerder> {
  const logger: Logger = options.logger ?? pino({ level: 'info' });
  // As Kafka: plugin.path (raw) is scanned first, then `${provider:path:key}` in the worker
  // properties are resolved, through plugin providers too.
  const { plugins, providers, resolved } = await bootstrapWorker(workerProps, {
    logger,
    plugins: options.plugins,
  });
  const config = new WorkerConfig(resolved.data);
  checkWorkerClientConfigs(config);
  checkWorkerConverters(plugins, resolved.data);
  let log: LogClient;
  if (config.usesEmbeddedLog()) {
    const dir = config.embeddedLogDir();
    log = await EmbeddedLogClient.open({ dir });
    logger.info(`Using the embedded log in ${dir} (no bootstrap.servers configured)`);
  } else {
    const servers = config.bootstrapServers()!;
    const props = {
      'client.id': 'sluice-standalone',
      ...taskClientProps('admin', config.originalsStrings(), {}),
    };
    log = new PlatformaticLogClient(connectionSettings(props));
    logger.info(`Using Kafka at ${servers}`);
  }
  // The parts below read the herder's worker id when they run, once it exists.
  let herder: StandaloneHerder | undefined;
  const transformer = await WorkerConfigTransformer.create(resolved.data, providers, {
    logger,
    // A provider's TTL expired: restart the connector (only the connector, as Kafka).
    restartConnector: async (name) => {
      await herder?.restartConnector(name, { includeTasks: false, onlyFailed: false });
    },
  });
  const offsetStore = new FileOffsetBackingStore(config.offsetStorageFileName(), logger);
  const status = new MemoryStatusStore();
  const worker = new Worker({
    workerId: () => herder?.workerId ?? config.workerId(),
    log,
    plugins,
    offsetStore,
    status,
    workerProps: config.originalsStrings(),
    taskClient: (kind, props) =>
      log.kind === 'kafka'
        ? new PlatformaticLogClient(kind === 'producer' ? producerSettings(props) : connectionSettings(props))
        : null,
    offsetFlushIntervalMs: config.offsetCommitIntervalMs(),
    offsetFlushTimeoutMs: config.offsetCommitTimeoutMs(),
    taskShutdownTimeoutMs: config.taskShutdownGracefulTimeoutMs(),
    configTransformer: transformer,
    logger,
  });
  herder = new StandaloneHerder({ config, log, plugins, logger, transformer, offsetStore, status, worker });
  return herder;
}
