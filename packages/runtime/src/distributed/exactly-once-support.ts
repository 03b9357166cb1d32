/**
 * The distributed herder's side of exactly-once source support (KIP-618,
 * `exactly.once.source.support=enabled`; the task side is worker/exactly-once-source.ts).
 *
 * - Zombie fencing: new task configs of a source connector leave it "pending fencing" in the config
 *   state until a `tasks-fencing-<name>` record follows them. Before a task of such a connector
 *   initializes its transactional producer, its worker asks the leader (`PUT
 *   /connectors/{name}/fence`, signed, forwarded by a follower); the leader fences the
 *   transactional ids of the previous generation (`<group.id>-<name>-0 … <previous count - 1>`,
 *   from the latest task-count record) with InitProducerId, which also aborts their open
 *   transactions, then writes the task-count record of the current generation and reads it back.
 * - Once the producer is initialized, the task checks that its config generation is still the
 *   latest and that it is still assigned to this worker (Kafka's
 *   `verifyTaskGenerationAndOwnership`); a stale task fails instead of writing.
 * - Offsets: a connector with `offsets.storage.topic` has a store of its own on that topic
 *   (connector-offsets-topics.ts, read `read_committed`); its tasks read their offsets there first
 *   and in the worker's offsets topic second, and write them into both topics, in their
 *   transactions.
 */
import { ConnectError } from '@sluice/api';
import type { Logger } from 'pino';
import { type ConnectorTaskId, taskIdString } from '../connector-task-id.ts';
import type { LogClient } from '../log/log-client.ts';
import { sleep } from '../sleep.ts';
import type { ExactlyOnceTaskHooks } from '../worker/worker.ts';
import type { ClusterConfigState } from './cluster-config-state.ts';
import type { ConnectorOffsetsTopics } from './connector-offsets-topics.ts';

export interface ExactlyOnceSupportOptions {
  groupId: string;
  /** The worker's and the connectors' own offsets topics (read `read_committed`). */
  offsetsTopics: ConnectorOffsetsTopics;
  /** The latest config state read from the config topic. */
  snapshot: () => ClusterConfigState;
  /** True while this worker is assigned the task. */
  isAssigned: (id: ConnectorTaskId) => boolean;
  /** Asks the leader for a fencing round of the connector (`PUT /connectors/{name}/fence`). */
  requestFencing: (connector: string) => Promise<void>;
  logger: Logger;
}

/** How often and how long a task's worker asks the leader for fencing before the task fails. */
const FENCING_ATTEMPTS = 8;

export class ExactlyOnceSupport {
  readonly #o: ExactlyOnceSupportOptions;

  constructor(options: ExactlyOnceSupportOptions) {
    this.#o = options;
  }

  /**
   * The hooks of a source task about to start; `generation` is the task-config generation of the
   * config state the task was started from.
   */
  taskHooks(
    id: ConnectorTaskId,
    connectorConfig: Readonly<Record<string, string>>,
    generation: number | undefined,
  ): ExactlyOnceTaskHooks {
    const o = this.#o;
    const topics = o.offsetsTopics;
    const workerTopic = topics.workerTopic;
    const connectorTopic = topics.topicOf(connectorConfig);
    const offsetStore = topics.taskStore(connectorConfig);
    return {
      groupId: o.groupId,
      offsetsTopics: connectorTopic === null ? [workerTopic] : [connectorTopic, workerTopic],
      ...(offsetStore === undefined ? {} : { offsetStore }),
      beforeProducer: async () => {
        if (connectorTopic !== null) await topics.start(connectorTopic);
        await this.#fenceIfPending(id);
      },
      afterProducer: async () => {
        const current = o.snapshot().taskConfigGeneration(id.connector);
        if (current !== generation)
          throw new ConnectError(
            `Task ${taskIdString(id)} was started from task configs of generation ${generation ?? 'none'}, but generation ${current ?? 'none'} is the latest; it will be restarted with the new configs`,
          );
        if (!o.isAssigned(id))
          throw new ConnectError(`Task ${taskIdString(id)} is no longer assigned to this worker`);
      },
    };
  }

  /** The worker's part of the pre-producer check: a fencing round through the leader while one is pending. */
  async #fenceIfPending(id: ConnectorTaskId): Promise<void> {
    const o = this.#o;
    for (let attempt = 1; ; attempt++) {
      if (!o.snapshot().pendingFencing(id.connector)) return;
      try {
        await o.requestFencing(id.connector);
        return;
      } catch (err) {
        if (attempt >= FENCING_ATTEMPTS)
          throw new ConnectError(
            `Failed to fence out the zombie tasks of ${id.connector} before starting ${taskIdString(id)}: ${(err as Error).message}`,
            { cause: err },
          );
        o.logger.info(
          { err: (err as Error).message },
          `Zombie fencing for ${id.connector} failed (attempt ${attempt}); retrying`,
        );
        await sleep(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  }

  /**
   * The leader's fencing round (Kafka's `fenceZombieSourceTasks` on the leader): nothing to do
   * unless task configs were committed after the latest task-count record; else the producers of
   * the previous generation are fenced and the current task count is recorded.
   */
  async fenceAsLeader(
    connector: string,
    client: LogClient,
    writeTaskCount: (count: number) => Promise<void>,
  ): Promise<void> {
    const o = this.#o;
    const snapshot = o.snapshot();
    if (!snapshot.pendingFencing(connector)) return;
    const previous = snapshot.taskCountRecord(connector);
    const current = snapshot.taskCount(connector);
    if (previous === undefined)
      o.logger.info(
        `Skipping zombie fencing round but writing task count record for connector ${connector} as it is being brought up for the first time with exactly-once source support`,
      );
    else if (previous === 1 && current === 1)
      // The one new task's own initTransactions fences the one old producer (same id).
      o.logger.info(
        `Skipping zombie fencing round but writing task count record for connector ${connector} as both the most recent and the current generation of task configs only contain one task`,
      );
    else if (previous > 0) {
      if (client.fenceProducers === undefined) throw new ConnectError('The log cannot fence producers');
      const ids = Array.from({ length: previous }, (_, task) =>
        transactionalIdOf(o.groupId, connector, task),
      );
      await client.fenceProducers(ids);
      o.logger.info(`Fenced out ${ids.length} task producers of ${connector}: ${ids.join(', ')}`);
    }
    await writeTaskCount(current);
  }

  /**
   * Kafka's round of zombie fencing before a source connector's offsets are altered or reset:
   * the producers of the latest recorded task generation are fenced, so that none of them can
   * commit offsets over the new ones.
   */
  async fenceBeforeOffsetChange(
    connector: string,
    connectorConfig: Readonly<Record<string, string>>,
    client: LogClient,
    connectorType: (config: Readonly<Record<string, string>>) => string,
  ): Promise<void> {
    if (connectorType(connectorConfig) !== 'source') return;
    const count = this.#o.snapshot().taskCountRecord(connector) ?? 0;
    if (count === 0 || client.fenceProducers === undefined) return;
    this.#o.logger.info(
      `Performing a round of zombie fencing before modifying offsets for source connector ${connector} with exactly-once support enabled.`,
    );
    await client.fenceProducers(
      Array.from({ length: count }, (_, task) => transactionalIdOf(this.#o.groupId, connector, task)),
    );
  }

  /** Nothing of its own to release (the connector offsets topics belong to the herder). */
  async stop(): Promise<void> {}
}

export function transactionalIdOf(groupId: string, connector: string, task: number): string {
  return `${groupId}-${connector}-${task}`;
}
