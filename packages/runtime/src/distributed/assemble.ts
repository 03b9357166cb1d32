/**
 * Assembles a distributed worker (what Kafka's `ConnectDistributed` wires): bootstraps the worker
 * properties (plugin.path, then config providers), checks them, and builds the parts the
 * `DistributedHerder` runs on: the shared Kafka client and one client per internal topic, the
 * config, offset and status stores, the status store stamped with the herder's generation, the
 * `Worker`, and the group membership (built when the herder starts, once its REST URL is bound).
 * The herder itself holds no wiring.
 */
import { type Logger, pino } from 'pino';
import { DistributedConfig } from '../config/distributed-config.ts';
import { WorkerConfigTransformer } from '../config/providers/worker-config-transformer.ts';
import type { ConnectorTaskId } from '../connector-task-id.ts';
import { checkWorkerClientConfigs } from '../herder/connector-validation.ts';
import { bootstrapWorker } from '../herder/worker-bootstrap.ts';
import { connectionSettings, producerSettings, taskClientProps } from '../log/kafka/client-config.ts';
import { PlatformaticLogClient } from '../log/kafka/platformatic-client.ts';
import { checkWorkerConverters } from '../worker/plugin-factory.ts';
import { Worker } from '../worker/worker.ts';
import { configTopicTransactionalId } from './config-topic-privileges.ts';
import { ConnectGroupMember } from './connect-group-member.ts';
import { ConnectorOffsetsTopics } from './connector-offsets-topics.ts';
import { type DistributedHerderOptions, DistributedHerder as Herder } from './distributed-herder.ts';
import { ExactlyOnceSupport } from './exactly-once-support.ts';
import { GenerationalStatusStore } from './generational-status-store.ts';
import { internalTopicSettings } from './kafka-based-log.ts';
import { KafkaConfigBackingStore } from './kafka-config-backing-store.ts';
import { KafkaOffsetBackingStore } from './kafka-offset-backing-store.ts';
import { KafkaStatusBackingStore } from './kafka-status-backing-store.ts';

/**
 * The distributed herder with its entry point (the package exports this one): the herder is in
 * `distributed-herder.ts`, which imports no wiring; `create` assembles one here.
 */
export class DistributedHerder extends Herder {
  /** Builds a herder from worker properties. Throws ConfigError for bad properties. */
  static create(
    workerProps: Record<string, string>,
    options: DistributedHerderOptions,
  ): Promise<DistributedHerder> {
    return assembleDistributedHerder(workerProps, options);
  }
}

/** Builds a distributed herder from worker properties. Throws ConfigError for bad properties. */
export async function assembleDistributedHerder(
  workerProps: Record<string, string>,
  options: DistributedHerderOptions,
): Promise<DistributedHerder> {
  const logger: Logger = options.logger ?? pino({ level: 'info' });
  // As Kafka: plugin.path (raw) is scanned first, then `${provider:path:key}` in the worker
  // properties are resolved, through plugin providers too.
  const { plugins, providers, resolved } = await bootstrapWorker(workerProps, {
    logger,
    plugins: options.plugins,
  });
  const config = new DistributedConfig(resolved.data);
  checkWorkerClientConfigs(config);
  checkWorkerConverters(plugins, resolved.data);
  // The parts below read the herder's identity (worker id, generation) when they run, once it exists.
  let herder: DistributedHerder | undefined;
  const workerId = () => herder?.workerId ?? config.workerId();
  const transformer = await WorkerConfigTransformer.create(resolved.data, providers, {
    logger,
    restartConnector: async (name) => {
      await herder?.restartConnector(name, { includeTasks: false, onlyFailed: false });
    },
  });

  const props = config.originalsStrings();
  const groupId = config.groupId();
  const client = new PlatformaticLogClient(
    connectionSettings({ 'client.id': `sluice-${groupId}-shared`, ...taskClientProps('admin', props, {}) }),
  );
  // Each internal topic is read by a client of its own, as Kafka Connect gives each KafkaBasedLog
  // its own consumer: one connection serves one request at a time, so logs sharing one would wait
  // behind each other's long polls (measured in benchmarks/distributed-failover: a joining worker
  // spent ~3 s starting its stores).
  const storeClient = (store: string) =>
    new PlatformaticLogClient(
      connectionSettings({
        'client.id': `sluice-${groupId}-${store}`,
        ...taskClientProps('admin', props, {}),
      }),
    );
  const storeClients = [storeClient('configs'), storeClient('offsets'), storeClient('statuses')] as const;
  const [configsClient, offsetsClient, statusesClient] = storeClients;
  const configs = new KafkaConfigBackingStore({
    client: configsClient,
    topic: config.getString('config.storage.topic')!,
    replicationFactor: config.int('config.storage.replication.factor'),
    topicSettings: internalTopicSettings(props, 'config.storage.', logger),
    // KIP-618: the leader's writes in transactions from `preparing` on, read committed once `enabled`.
    ...(config.transactionalLeaderEnabled() ? { transactionalId: configTopicTransactionalId(groupId) } : {}),
    readCommitted: config.exactlyOnceSourceEnabled(),
    log: logger.child({ store: 'config' }),
  });
  const offsets = new KafkaOffsetBackingStore({
    client: offsetsClient,
    topic: config.getString('offset.storage.topic')!,
    partitions: config.int('offset.storage.partitions'),
    replicationFactor: config.int('offset.storage.replication.factor'),
    topicSettings: internalTopicSettings(props, 'offset.storage.', logger),
    readCommitted: config.exactlyOnceSourceEnabled(),
    log: logger.child({ store: 'offsets' }),
  });
  // Source connectors' own offsets topics (`offsets.storage.topic`), with or without exactly-once.
  const connectorOffsets = new ConnectorOffsetsTopics({
    workerOffsets: offsets,
    offsetTopicCreation: {
      partitions: config.int('offset.storage.partitions'),
      replicationFactor: config.int('offset.storage.replication.factor'),
      topicSettings: internalTopicSettings(props, 'offset.storage.', logger),
    },
    readCommitted: config.exactlyOnceSourceEnabled(),
    newClient: (purpose) => storeClient(purpose),
    logger,
  });
  // Exactly-once sources (KIP-618): the tasks' transactions, the leader's fencing; it asks the
  // herder what only the herder knows, once it exists.
  const eos = config.exactlyOnceSourceEnabled()
    ? new ExactlyOnceSupport({
        groupId,
        offsetsTopics: connectorOffsets,
        snapshot: () => configs.snapshot(),
        isAssigned: (id) => herder?.ownsTask(id) ?? false,
        requestFencing: async (connector) => {
          if (herder === undefined) throw new Error('the herder is not built yet');
          await herder.requestFencing(connector);
        },
        logger,
      })
    : null;
  const statusStore = new KafkaStatusBackingStore({
    client: statusesClient,
    topic: config.getString('status.storage.topic')!,
    partitions: config.int('status.storage.partitions'),
    replicationFactor: config.int('status.storage.replication.factor'),
    topicSettings: internalTopicSettings(props, 'status.storage.', logger),
    log: logger.child({ store: 'status' }),
  });
  const status = new GenerationalStatusStore(statusStore, () => herder?.generation ?? -1, workerId);
  const worker = new Worker({
    workerId,
    log: client,
    plugins,
    offsetStore: offsets,
    status,
    workerProps: props,
    taskClient: (kind, p) =>
      new PlatformaticLogClient(kind === 'producer' ? producerSettings(p) : connectionSettings(p)),
    offsetFlushIntervalMs: config.offsetCommitIntervalMs(),
    offsetFlushTimeoutMs: config.offsetCommitTimeoutMs(),
    taskShutdownTimeoutMs: config.taskShutdownGracefulTimeoutMs(),
    configTransformer: transformer,
    connectorOffsetStore: (connectorConfig) => connectorOffsets.taskStore(connectorConfig),
    ...(eos === null
      ? {}
      : {
          exactlyOnce: (id: ConnectorTaskId, connectorConfig: Readonly<Record<string, string>>) =>
            eos.taskHooks(id, connectorConfig, herder?.taskConfigGeneration(id.connector)),
        }),
    logger,
  });
  herder = new DistributedHerder({
    config,
    plugins,
    logger,
    transformer,
    client,
    storeClients,
    configs,
    offsets,
    statusStore,
    status,
    worker,
    eos,
    connectorOffsets,
    groupMember: (restUrl, listener) =>
      new ConnectGroupMember({
        groupId,
        connection: connectionSettings({
          'client.id': `sluice-${groupId}-group`,
          ...taskClientProps('admin', props, {}),
        }),
        restUrl,
        protocol: config.connectProtocol(),
        sessionTimeoutMs: config.int('session.timeout.ms'),
        heartbeatIntervalMs: config.int('heartbeat.interval.ms'),
        rebalanceTimeoutMs: config.int('rebalance.timeout.ms'),
        scheduledRebalanceMaxDelayMs: config.int('scheduled.rebalance.max.delay.ms'),
        configSnapshot: () => configs.snapshot(),
        listener,
        log: logger,
      }),
  });
  return herder;
}
