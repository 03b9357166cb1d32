/**
 * The distributed worker's configuration: the worker keys of {@link WORKER_CONFIG_DEF} plus
 * Kafka Connect's `DistributedConfig` keys (reference §3.2), with Kafka's names and defaults.
 *
 * Differences from Apache Kafka Connect:
 * - `bootstrap.servers` is required (Kafka defaults it to `localhost:9092`): distributed mode
 *   always runs on Kafka, and a missing value is more likely a mistake than a local broker.
 * - `offset.storage.file.filename` and `embedded.log.dir` are standalone keys and are ignored.
 * - `exactly.once.source.support`: `enabled` runs source tasks exactly-once (KIP-618,
 *   docs/exactly-once.md); `preparing` is accepted for Kafka's two-step upgrade and runs them
 *   at-least-once, as `disabled` does; with both the leader writes the config topic in
 *   transactions (`connect-cluster-<group.id>`, distributed/config-topic-privileges.ts). The
 *   `inter.worker.*` signing keys are validated when the distributed herder is created
 *   (`distributed/request-signing.ts`).
 */

import {
  ConfigDef,
  ConfigError,
  LambdaValidator,
  NonEmptyString,
  type ParsedValue,
  Range,
  ValidString,
} from '@sluice/api';
import { WORKER_CONFIG_DEF, WorkerConfig } from './worker-config.ts';

/** `-1` (the broker's default) or at least 1, as Kafka's partitions / replication factor validators. */
function brokerDefaultOrPositive(what: string): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      const n = Number(value);
      if (value === null || value === undefined) return;
      if (n !== -1 && n < 1)
        throw ConfigError.invalidValue(
          name,
          value,
          `${what} must be -1 (to use the broker's default) or at least 1`,
        );
    },
    () => 'Either -1 (the broker default) or a positive number',
  );
}

const GROUP_ID_DOC = 'A unique string that identifies the Connect cluster group this worker belongs to.';
const SESSION_TIMEOUT_DOC =
  'The timeout used to detect worker failures. The worker sends periodic heartbeats to indicate its liveness to the broker. If no heartbeats are received by the broker before the expiration of this session timeout, then the broker will remove the worker from the group and initiate a rebalance. Note that the value must be in the allowable range as configured in the broker configuration by <code>group.min.session.timeout.ms</code> and <code>group.max.session.timeout.ms</code>.';
const HEARTBEAT_INTERVAL_DOC =
  "The expected time between heartbeats to the group coordinator when using Kafka's group management facilities. Heartbeats are used to ensure that the worker's session stays active and to facilitate rebalancing when new members join or leave the group. The value must be set lower than <code>session.timeout.ms</code>, but typically should be set no higher than 1/3 of that value.";
const REBALANCE_TIMEOUT_DOC =
  'The maximum allowed time for each worker to join the group once a rebalance has begun. This is basically a limit on the amount of time needed for all tasks to flush any pending data and commit offsets. If the timeout is exceeded, then the worker will be removed from the group, which will cause offset commit failures.';
const WORKER_SYNC_TIMEOUT_DOC =
  'When the worker is out of sync with other workers and needs to resynchronize configurations, wait up to this amount of time before giving up, leaving the group, and waiting a backoff period before rejoining.';
const WORKER_UNSYNC_BACKOFF_DOC =
  'When the worker is out of sync with other workers and fails to catch up within the <code>worker.sync.timeout.ms</code>, leave the Connect cluster for this long before rejoining.';
const OFFSET_TOPIC_DOC = 'The name of the Kafka topic where source connector offsets are stored';
const OFFSET_PARTITIONS_DOC =
  'The number of partitions used when creating the offset storage topic, or -1 to use the broker default';
const OFFSET_RF_DOC =
  'Replication factor used when creating the offset storage topic, or -1 to use the broker default';
const CONFIG_TOPIC_DOC = 'The name of the Kafka topic where connector configurations are stored';
const CONFIG_RF_DOC =
  'Replication factor used when creating the configuration storage topic, or -1 to use the broker default';
const STATUS_TOPIC_DOC = 'The name of the Kafka topic where connector and task status are stored';
const STATUS_PARTITIONS_DOC =
  'The number of partitions used when creating the status storage topic, or -1 to use the broker default';
const STATUS_RF_DOC =
  'Replication factor used when creating the status storage topic, or -1 to use the broker default';
const CONNECT_PROTOCOL_DOC =
  'Compatibility mode for Kafka Connect Protocol (<code>eager</code>, <code>compatible</code>, <code>sessioned</code>).';
const SCHEDULED_REBALANCE_DOC =
  'The maximum delay that is scheduled in order to wait for the return of one or more departed workers before rebalancing and reassigning their connectors and tasks to the group. During this period the connectors and tasks of the departed workers remain unassigned';
const EXACTLY_ONCE_DOC =
  "Whether to enable exactly-once support for source connectors in the cluster by using transactions to write source records and their source offsets, and by proactively fencing out old task generations before bringing up new ones.\nTo enable exactly-once source support on a new cluster, set this property to 'enabled'. To enable support on an existing cluster, first set to 'preparing' on every worker in the cluster, then set to 'enabled'. A rolling upgrade may be used for both changes.";
const KEY_GENERATION_ALGORITHM_DOC =
  "The algorithm to use for generating internal request keys. The algorithm 'HmacSHA256' will be used as a default on JVMs that support it; on other JVMs, no default is used and a value for this property must be manually specified in the worker config.";
const KEY_SIZE_DOC =
  'The size of the key to use for signing internal requests, in bits. If null, the default key size for the key generation algorithm will be used.';
const KEY_TTL_DOC =
  'The TTL of generated session keys used for internal request validation (in milliseconds)';
const SIGNATURE_ALGORITHM_DOC =
  "The algorithm used to sign internal requests. The algorithm 'inter.worker.signature.algorithm' will be used as a default on JVMs that support it; on other JVMs, no default is used and a value for this property must be manually specified in the worker config.";
const VERIFICATION_ALGORITHMS_DOC =
  'A list of permitted algorithms for verifying internal requests, which must include the algorithm used for the inter.worker.signature.algorithm property.';

/** The worker keys plus Kafka's `DistributedConfig` keys, in Kafka's definition order. */

/** `connect.protocol`: the group protocol a worker offers (eager, compatible, sessioned). */
export type ConnectProtocolMode = 'eager' | 'compatible' | 'sessioned';
export const DISTRIBUTED_CONFIG_DEF: ConfigDef = new ConfigDef(WORKER_CONFIG_DEF)
  .define({
    name: 'group.id',
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation: GROUP_ID_DOC,
  })
  .define('session.timeout.ms', 'INT', 10_000, 'HIGH', SESSION_TIMEOUT_DOC)
  .define('heartbeat.interval.ms', 'INT', 3_000, 'HIGH', HEARTBEAT_INTERVAL_DOC)
  .define('rebalance.timeout.ms', 'INT', 60_000, 'HIGH', REBALANCE_TIMEOUT_DOC)
  .define('worker.sync.timeout.ms', 'INT', 3_000, 'MEDIUM', WORKER_SYNC_TIMEOUT_DOC)
  .define('worker.unsync.backoff.ms', 'INT', 300_000, 'MEDIUM', WORKER_UNSYNC_BACKOFF_DOC)
  .define({
    name: 'offset.storage.topic',
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation: OFFSET_TOPIC_DOC,
  })
  .define(
    'offset.storage.partitions',
    'INT',
    25,
    brokerDefaultOrPositive('Number of partitions'),
    'LOW',
    OFFSET_PARTITIONS_DOC,
  )
  .define(
    'offset.storage.replication.factor',
    'SHORT',
    3,
    brokerDefaultOrPositive('Replication factor'),
    'LOW',
    OFFSET_RF_DOC,
  )
  .define({
    name: 'config.storage.topic',
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation: CONFIG_TOPIC_DOC,
  })
  .define(
    'config.storage.replication.factor',
    'SHORT',
    3,
    brokerDefaultOrPositive('Replication factor'),
    'LOW',
    CONFIG_RF_DOC,
  )
  .define({
    name: 'status.storage.topic',
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation: STATUS_TOPIC_DOC,
  })
  .define(
    'status.storage.partitions',
    'INT',
    5,
    brokerDefaultOrPositive('Number of partitions'),
    'LOW',
    STATUS_PARTITIONS_DOC,
  )
  .define(
    'status.storage.replication.factor',
    'SHORT',
    3,
    brokerDefaultOrPositive('Replication factor'),
    'LOW',
    STATUS_RF_DOC,
  )
  .define(
    'connect.protocol',
    'STRING',
    'sessioned',
    ValidString.in('eager', 'compatible', 'sessioned'),
    'LOW',
    CONNECT_PROTOCOL_DOC,
  )
  .define(
    'scheduled.rebalance.max.delay.ms',
    'INT',
    300_000,
    Range.between(0, 2_147_483_647),
    'LOW',
    SCHEDULED_REBALANCE_DOC,
  )
  .define(
    'exactly.once.source.support',
    'STRING',
    'disabled',
    ValidString.in('disabled', 'preparing', 'enabled'),
    'HIGH',
    EXACTLY_ONCE_DOC,
  )
  .define(
    'inter.worker.key.generation.algorithm',
    'STRING',
    'HmacSHA256',
    'LOW',
    KEY_GENERATION_ALGORITHM_DOC,
  )
  .define('inter.worker.key.size', 'INT', null, 'LOW', KEY_SIZE_DOC)
  .define('inter.worker.key.ttl.ms', 'INT', 3_600_000, Range.between(0, 2_147_483_647), 'LOW', KEY_TTL_DOC)
  .define('inter.worker.signature.algorithm', 'STRING', 'HmacSHA256', 'LOW', SIGNATURE_ALGORITHM_DOC)
  .define('inter.worker.verification.algorithms', 'LIST', ['HmacSHA256'], 'LOW', VERIFICATION_ALGORITHMS_DOC);

/**
 * A parsed, validated distributed worker configuration (Kafka's `DistributedConfig`).
 *
 * ```ts
 * const config = new DistributedConfig(await loadPropertiesFile('connect-distributed.properties'));
 * config.groupId(); // 'connect-cluster'
 * ```
 */
export class DistributedConfig extends WorkerConfig {
  /** @throws ConfigError for an invalid value or a missing required key, naming the key */
  constructor(props: Readonly<Record<string, string>>) {
    super(props, DISTRIBUTED_CONFIG_DEF);
  }

  protected override postProcessParsedConfig(
    parsed: Readonly<Record<string, ParsedValue>>,
  ): Record<string, ParsedValue> {
    if (parsed['bootstrap.servers'] === null) {
      throw new ConfigError(
        'Missing required configuration "bootstrap.servers" which has no default value. ' +
          'A distributed worker always runs on Kafka.',
        { key: 'bootstrap.servers' },
      );
    }
    const session = Number(parsed['session.timeout.ms']);
    const heartbeat = Number(parsed['heartbeat.interval.ms']);
    if (heartbeat >= session) {
      throw ConfigError.invalidValue(
        'heartbeat.interval.ms',
        heartbeat,
        `must be lower than session.timeout.ms (${session})`,
      );
    }
    return {};
  }

  /** `exactly.once.source.support=enabled`: source tasks write in transactions, zombies are fenced. */
  exactlyOnceSourceEnabled(): boolean {
    return String(this.get('exactly.once.source.support')).toLowerCase() === 'enabled';
  }

  /**
   * `exactly.once.source.support=preparing` or `enabled`: the leader writes the config topic with a
   * transactional producer (Kafka's `transactionalLeaderEnabled`).
   */
  transactionalLeaderEnabled(): boolean {
    const v = String(this.get('exactly.once.source.support')).toLowerCase();
    return v === 'preparing' || v === 'enabled';
  }

  groupId(): string {
    return this.getString('group.id')!;
  }

  connectProtocol(): ConnectProtocolMode {
    return this.getString('connect.protocol') as ConnectProtocolMode;
  }

  /** A numeric (INT or SHORT) key's value; 0 when it is null. */
  int(key: string): number {
    return Number(this.get(key) ?? 0);
  }
}
