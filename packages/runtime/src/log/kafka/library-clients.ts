/**
 * The `@platformatic/kafka` clients behind one {@link PlatformaticLogClient}, created on first use,
 * each with its own connections, so a long-polling fetch never delays an append or an admin
 * request (Kafka serves one request at a time per connection): an `Admin` for admin and offset
 * requests, a `Producer` (the library's record path), an `Admin` whose connections carry Sluice's
 * own Produce requests, and an `Admin` whose connections carry the fetches. The parts of the client
 * (admin.ts, produce.ts, fetch.ts, group-offsets.ts) share one instance.
 */

import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Admin, API, Broker, Connection, Producer, SASLOptions } from '@platformatic/kafka';
import { ConfigError } from '@sluice/api';
import { ClientClosedError } from '../client-closed-error.ts';
import { toConnectError } from './errors.ts';
import { kafkaLibrary } from './library.ts';
import { libraryApi, libraryConnection } from './library-internals.ts';

export interface PlatformaticLogClientConfig {
  /** `host:port` list, as a comma-separated string or an array (Kafka's `bootstrap.servers`). */
  bootstrapServers: string | string[];
  /** Client id sent to the brokers (Kafka's `client.id`). Default 'sluice'. */
  clientId?: string;
  /** Server-side timeout of a request and ack wait (Kafka's `request.timeout.ms`). Default 30000. */
  requestTimeoutMs?: number;
  /** TCP connect timeout. Default 10000. */
  connectTimeoutMs?: number;
  /** How many times a retriable failure is retried inside one call. Default 5. */
  retries?: number;
  /** Pause between retries (Kafka's `retry.backoff.ms`). Default 250. */
  retryBackoffMs?: number;
  /**
   * Upper bound of the pause between produce retries, which doubles from `retryBackoffMs`
   * (Kafka's `retry.backoff.max.ms`). Default 1000.
   */
  retryBackoffMaxMs?: number;
  /**
   * How long produce() waits for a topic the broker does not know (yet), or whose partitions
   * have no leader yet, refreshing the metadata with back-off (Kafka's `max.block.ms`); then
   * NotFoundError. Default 60000. A source task's producer waits as long as the task runs.
   */
  maxBlockMs?: number;
  /**
   * How long produce() keeps sending a batch whose partitions answer UNKNOWN_TOPIC_OR_PARTITION,
   * LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER and the like (the topic deleted and created
   * again, a leader moving), refreshing the metadata in between (Kafka's `delivery.timeout.ms`).
   * Default 120000. Other retriable failures are retried `retries` times.
   */
  deliveryTimeoutMs?: number;
  /** Producer acks: 'all' (default), 1 (leader only) or 0 (no answer: every RecordAck offset is then -1). */
  acks?: 'all' | 1 | 0;
  /** Idempotent producer (Kafka's `enable.idempotence`). Default true; only with acks='all'. */
  idempotent?: boolean;
  /** Producer compression. Default 'none'. */
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /**
   * Upper bound for the record bytes of one produce request; a larger batch is split into
   * several requests, sent in order. Keep it below the topics' `max.message.bytes` (default
   * 1 MiB). Default 900000.
   */
  maxRequestBytes?: number;
  /** Let a produce to a missing topic create it, if the broker allows. Default true, as Java's producer. */
  autoCreateTopics?: boolean;
  /** TLS options for the connections (node:tls). */
  tls?: TlsOptions;
  /** SASL authentication. */
  sasl?: SASLOptions;
}

/** How one kind of client tunes the connection options {@link connectionOptions} builds. */
export interface ConnectionTuning {
  /** Appended to the client id (`-fetch`, `-txn`, `-group`...). */
  role: string;
  /** Retries of a retriable failure inside one call, when the config names none. */
  retries: number;
  /**
   * The longest the broker may hold a request before it answers; default the request timeout
   * (`requestTimeoutMs`, 30 s). A JoinGroup is held until the rebalance completes.
   */
  heldMs?: number;
  /** How much longer the connection waits for an answer than the broker may hold the request. */
  marginMs: number;
}

/** The `bootstrap.servers` list as the library takes it; a ConfigError when it names no host. */
export function bootstrapBrokers(bootstrapServers: string | string[]): string[] {
  const brokers = (typeof bootstrapServers === 'string' ? bootstrapServers.split(',') : bootstrapServers)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (brokers.length === 0) {
    throw new ConfigError('bootstrap.servers must name at least one host:port', {
      key: 'bootstrap.servers',
      value: bootstrapServers,
    });
  }
  return brokers;
}

/**
 * The options of a `@platformatic/kafka` client (Admin, Producer) from Sluice's Kafka client
 * config: brokers, client id, timeouts, retries, TLS and SASL. Every client Sluice makes (the log
 * clients, a sink task's group member, a worker's group clients) takes them from here.
 */
export function connectionOptions(
  config: PlatformaticLogClientConfig,
  tuning: ConnectionTuning,
  brokers: string[] = bootstrapBrokers(config.bootstrapServers),
) {
  const timeout = config.requestTimeoutMs ?? 30_000;
  return {
    clientId: `${config.clientId ?? 'sluice'}${tuning.role}`,
    bootstrapBrokers: brokers,
    timeout,
    // The connection-level timeout must outlast the server-side one.
    requestTimeout: (tuning.heldMs ?? timeout) + tuning.marginMs,
    connectTimeout: config.connectTimeoutMs ?? 10_000,
    retries: config.retries ?? tuning.retries,
    retryDelay: config.retryBackoffMs ?? 250,
    ...(config.tls === undefined ? {} : { tls: config.tls }),
    ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
  };
}

export class LibraryClients {
  readonly config: PlatformaticLogClientConfig;
  readonly #bootstrap: string[];
  #admin: Admin | undefined;
  #producer: Producer | undefined;
  #fetcher: Admin | undefined;
  /** Connections of the direct produce path (see produce-request.ts). */
  #sender: Admin | undefined;
  #closed = false;

  constructor(config: PlatformaticLogClientConfig) {
    this.config = config;
    this.#bootstrap = bootstrapBrokers(config.bootstrapServers);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The library's connection options, its client id ending in `role` (e.g. `-txn`). */
  baseOptions(role: string) {
    // Appends, fetches and admin requests have no loop above them that retries, so the library
    // retries more; the extra 10 s on the connection cover a fetch's long poll on top of the
    // server-side timeout.
    return connectionOptions(this.config, { role, retries: 5, marginMs: 10_000 }, this.#bootstrap);
  }

  checkOpen(): void {
    if (this.#closed) throw new ClientClosedError('The Kafka client is closed');
  }

  admin(): Admin {
    this.checkOpen();
    this.#admin ??= new (kafkaLibrary().Admin)(this.baseOptions(''));
    return this.#admin;
  }

  fetcher(): Admin {
    this.checkOpen();
    // An Admin is the library's plainest client: metadata, connections and API versions.
    this.#fetcher ??= new (kafkaLibrary().Admin)(this.baseOptions('-fetch'));
    return this.#fetcher;
  }

  sender(): Admin {
    this.checkOpen();
    this.#sender ??= new (kafkaLibrary().Admin)({
      ...this.baseOptions('-producer'),
      autocreateTopics: this.config.autoCreateTopics ?? true,
    });
    return this.#sender;
  }

  /**
   * Whether produce goes the direct way: Sluice encodes the batches itself (uncompressed and
   * non-idempotent, Kafka Connect's default for task producers); else the library's Producer.
   */
  direct(): boolean {
    return (
      !((this.config.acks ?? 'all') === 'all' && (this.config.idempotent ?? true)) &&
      (this.config.compression ?? 'none') === 'none'
    );
  }

  producer(): Producer {
    this.checkOpen();
    if (this.#producer === undefined) {
      const acks = this.config.acks ?? 'all';
      const idempotent = acks === 'all' && (this.config.idempotent ?? true);
      const base = this.baseOptions('-producer');
      const { Producer: LibraryProducer, ProduceAcks } = kafkaLibrary();
      this.#producer = new LibraryProducer({
        ...base,
        // The library turns retries <= 1 of an idempotent producer into endless retries, which
        // would hang a produce to a missing topic forever: keep at least 2.
        retries: idempotent ? Math.max(2, base.retries) : base.retries,
        acks: acks === 'all' ? ProduceAcks.ALL : acks === 1 ? ProduceAcks.LEADER : ProduceAcks.NO_RESPONSE,
        idempotent,
        compression: this.config.compression ?? 'none',
        autocreateTopics: this.config.autoCreateTopics ?? true,
      });
    }
    return this.#producer;
  }

  /** Forgets the cached metadata of the clients that read or write records (after topics change). */
  clearRecordMetadata(): void {
    this.#producer?.clearMetadata();
    this.#fetcher?.clearMetadata();
  }

  /** The pause before retry `attempt` (0-based): `retryBackoffMs` doubling up to `retryBackoffMaxMs`. */
  backoff(attempt: number): number {
    const base = this.config.retryBackoffMs ?? 250;
    const max = Math.max(base, this.config.retryBackoffMaxMs ?? 1000);
    return Math.min(max, base * 2 ** Math.min(attempt, 20));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [this.#producer, this.#fetcher, this.#admin, this.#sender];
    this.#producer = this.#fetcher = this.#admin = this.#sender = undefined;
    await Promise.all(clients.map((c) => c?.close().catch(() => {})));
  }
}

/** The library's request function for API `name`; a ConnectError when the brokers lack it. */
export function getApi<Args extends unknown[], Response>(
  client: Admin,
  name: string,
): Promise<API<Args, Response>> {
  return libraryApi<Args, Response>(client, name).catch((error: Error | null) => {
    throw toConnectError(error, `Kafka API ${name} is not available`);
  });
}

/** The client's connection to `broker`, opened when needed. */
export function getConnection(client: Admin, broker: Broker): Promise<Connection> {
  return libraryConnection(client, broker);
}
