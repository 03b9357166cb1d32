/**
 * The leader's write privileges on the config topic when exactly-once source support is
 * `preparing` or `enabled` (KIP-618; Kafka Connect's "fencable producer" of the config topic).
 *
 * - {@link FencableConfigWriter} (used by kafka-config-backing-store.ts): a transactional producer
 *   whose transactional id is `connect-cluster-<group.id>`. `claim()` registers the id
 *   (InitProducerId), which fences every older producer of it, that is an earlier leader that may
 *   still think it leads, and aborts its open transaction. Each privileged write is one
 *   transaction. A write that fails (fenced by a newer leader, or anything else) aborts the
 *   transaction, closes the producer and fails with a {@link PrivilegedWriteError}: the worker has
 *   no write privileges until it claims them again. Writing without having claimed fails at once.
 * - {@link ConfigTopicPrivileges} (used by distributed-herder.ts): the herder's side: claim on
 *   every assignment that makes this worker the leader, release on one that does not; a leader
 *   write that fails with a {@link PrivilegedWriteError} marks the worker fenced and fails the
 *   request with Kafka's "can be safely retried" message; the privileges are claimed again on the
 *   herder queue right after the failure and before the next leader request (Kafka's tick:
 *   "reclaim config-topic write privileges if fenced").
 *
 * With exactly-once source support `disabled` neither does anything: the config topic is written
 * by the store's ordinary (non-transactional) producer, as before.
 */
import { ConnectError } from '@sluice/api';
import type { Logger } from 'pino';
import type { LogClient, ProduceRecord, RecordAck, TransactionalWriter } from '../log/log-client.ts';

/** Kafka's `DistributedConfig.transactionalProducerId`: the config topic writer's transactional id. */
export function configTopicTransactionalId(groupId: string): string {
  return `connect-cluster-${groupId}`;
}

/** A privileged (leader-only) write to the config topic failed; write privileges are lost. */
export class PrivilegedWriteError extends ConnectError {
  override name = 'PrivilegedWriteError';
}

/** Kafka's `CONFIG_TOPIC_WRITE_PRIVILEGES_BACKOFF_MS`: wait before claiming again after a failed claim. */
export const CLAIM_BACKOFF_MS = 250;

export class FencableConfigWriter {
  readonly transactionalId: string;
  readonly #client: LogClient;
  readonly #logger: Logger;
  #writer: TransactionalWriter | undefined;

  constructor(client: LogClient, transactionalId: string, logger: Logger) {
    this.#client = client;
    this.transactionalId = transactionalId;
    this.#logger = logger;
  }

  /** True while this worker holds an initialized producer of the id. */
  get claimed(): boolean {
    return this.#writer !== undefined;
  }

  /**
   * Creates the producer and registers the transactional id, fencing any older holder of it.
   * Nothing to do when the producer is held already.
   */
  async claim(): Promise<void> {
    if (this.#writer !== undefined) return;
    if (this.#client.transactionalWriter === undefined)
      throw new ConnectError(
        'The log cannot write transactionally, so the config topic cannot be written by a fencable producer',
      );
    const writer = this.#client.transactionalWriter(this.transactionalId);
    try {
      await writer.init();
    } catch (err) {
      await writer.close().catch(() => {});
      throw new ConnectError(
        `Failed to create and initialize fencable producer for config topic (transactional id ${this.transactionalId}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#writer = writer;
    this.#logger.info(`Claimed write privileges for the config topic as ${this.transactionalId}`);
  }

  /** Writes the records in one transaction and commits it; resolves with their acknowledgements. */
  async send(records: ProduceRecord[]): Promise<RecordAck[]> {
    const writer = this.#writer;
    if (writer === undefined)
      throw new PrivilegedWriteError(
        `Cannot produce to config topic without claiming write privileges first (transactional id ${this.transactionalId})`,
      );
    try {
      const acks = await writer.produce(records);
      await writer.commit();
      return acks;
    } catch (err) {
      this.#logger.warn({ err }, 'Failed to perform fencable send to config topic');
      await writer.abort().catch(() => {});
      await this.release();
      throw new PrivilegedWriteError(
        `Failed to perform fencable send to config topic: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Closes the producer (Kafka's `relinquishWritePrivileges`). Idempotent. */
  async release(): Promise<void> {
    const writer = this.#writer;
    if (writer === undefined) return;
    this.#writer = undefined;
    await writer.close().catch(() => {});
  }
}

/** What the herder's privileges need from the config store. */
export interface PrivilegedConfigStore {
  /** False when the store writes non-transactionally (exactly-once source support disabled). */
  readonly usesFencableWriter: boolean;
  claimWritePrivileges(): Promise<void>;
  relinquishWritePrivileges(): Promise<void>;
}

export class ConfigTopicPrivileges {
  readonly #store: PrivilegedConfigStore;
  readonly #logger: Logger;
  #fenced = false;
  #lastFailedClaim = 0;

  constructor(store: PrivilegedConfigStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** True after a privileged write failed and before the privileges were claimed again. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /** After each assignment: the leader claims (Kafka's `onAssigned`), any other worker releases. */
  async assigned(leader: boolean): Promise<void> {
    if (!this.#store.usesFencableWriter) return;
    if (!leader) {
      this.#fenced = false;
      await this.#store.relinquishWritePrivileges();
      return;
    }
    try {
      await this.#store.claimWritePrivileges();
    } catch (err) {
      this.#fenced = true;
      this.#logger.error(
        { err },
        'Unable to claim write privileges for config topic after being elected leader during rebalance',
      );
    }
  }

  /**
   * Before leader work (Kafka's tick): claim again when fenced and still leading; a worker that no
   * longer leads just forgets it was fenced. Throws when the claim fails.
   */
  async reclaimIfFenced(leader: boolean): Promise<void> {
    if (!this.#fenced) return;
    if (!leader) {
      this.#fenced = false;
      await this.#store.relinquishWritePrivileges();
      return;
    }
    const wait = this.#lastFailedClaim + CLAIM_BACKOFF_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      this.#logger.debug('Reclaiming write privileges for config topic after being fenced out');
      await this.#store.claimWritePrivileges();
      this.#fenced = false;
      this.#logger.info('Reclaimed write privileges for config topic after being fenced out');
    } catch (err) {
      this.#lastFailedClaim = Date.now();
      this.#logger.warn(
        { err },
        'Unable to claim write privileges for config topic. Will retry with the next request if still the leader',
      );
      throw new ConnectError(
        `Failed to write to config topic: this worker could not claim write privileges for it: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * Runs a leader write (Kafka's `writeToConfigTopicAsLeader`): a {@link PrivilegedWriteError}
   * marks this worker fenced, calls `afterFenced` (the herder queues the reclaim) and fails with
   * Kafka's message; other errors pass through.
   */
  async write<T>(work: () => Promise<T>, afterFenced: () => void): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof PrivilegedWriteError)) throw err;
      this.#logger.warn(
        { err },
        'Failed to write to config topic as leader; will rejoin group if necessary and, if still leader, attempt to reclaim write privileges for the config topic',
      );
      this.#fenced = true;
      afterFenced();
      // Kafka's message, word for word (the cause is logged above).
      throw new ConnectError(
        'Failed to write to config topic; this may be due to a transient error and the request can be safely retried',
        { cause: err },
      );
    }
  }
}
