import type {
  Admin,
  API,
  Broker,
  Connection,
  describeGroupsV5,
  heartbeatV4,
  joinGroupV9,
  leaveGroupV5,
  syncGroupV5,
} from '@platformatic/kafka';
import { ConnectError } from '@sluice/api';
import { kafkaErrorName, toConnectError } from '../log/kafka/errors.ts';
import { kafkaLibrary } from '../log/kafka/library.ts';
import { connectionOptions } from '../log/kafka/library-clients.ts';
import { libraryApi, libraryConnection } from '../log/kafka/library-internals.ts';
import type { PlatformaticLogClientConfig } from '../log/kafka/platformatic-client.ts';

/**
 * The classic group protocol requests a Connect worker sends (FindCoordinator, JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, DescribeGroups), over the connections of one
 * `@platformatic/kafka` client at the highest version both the library and the broker know
 * (the library's request signatures are the same across versions). Errors come back as
 * {@link GroupRequestError}s carrying Kafka's error name, so the caller can react as Kafka's
 * `AbstractCoordinator` does.
 */

export type JoinGroupResponse = joinGroupV9.JoinGroupResponse;
export type SyncGroupResponse = syncGroupV5.SyncGroupResponse;
export type DescribeGroupsResponseGroup = describeGroupsV5.DescribeGroupsResponseGroup;

type JoinArgs = [
  groupId: string,
  sessionTimeoutMs: number,
  rebalanceTimeoutMs: number,
  memberId: string,
  groupInstanceId: string | null,
  protocolType: string,
  protocols: joinGroupV9.JoinGroupRequestProtocol[],
  reason?: string | null,
];
type SyncArgs = [
  groupId: string,
  generationId: number,
  memberId: string,
  groupInstanceId: string | null,
  protocolType: string | null,
  protocolName: string | null,
  assignments: syncGroupV5.SyncGroupRequestAssignment[],
];
type HeartbeatArgs = [
  groupId: string,
  generationId: number,
  memberId: string,
  groupInstanceId?: string | null,
];
type LeaveArgs = [groupId: string, members: leaveGroupV5.LeaveGroupRequestMember[]];
type DescribeArgs = [groups: string[], includeAuthorizedOperations: boolean];

/** A failed group request: `kafkaError` is Kafka's error name (e.g. `REBALANCE_IN_PROGRESS`), if any. */
export class GroupRequestError extends ConnectError {
  readonly kafkaError: string | undefined;
  /** The member id the broker assigned (JoinGroup answering MEMBER_ID_REQUIRED). */
  readonly memberId: string | undefined;
  constructor(message: string, kafkaError: string | undefined, memberId: string | undefined, cause: unknown) {
    super(message, { cause });
    this.kafkaError = kafkaError;
    this.memberId = memberId;
  }
}

/** Kafka error names after which the coordinator must be looked up again. */
export const COORDINATOR_ERRORS: ReadonlySet<string> = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

export interface GroupClientOptions extends PlatformaticLogClientConfig {
  /**
   * The longest a request may wait for its answer on the connection. A JoinGroup is held by the
   * coordinator until the rebalance completes, so this must outlast `rebalance.timeout.ms`.
   */
  requestTimeoutMs?: number;
}

export class GroupClient {
  readonly #admin: Admin;

  constructor(options: GroupClientOptions, role: string) {
    this.#admin = new (kafkaLibrary().Admin)(
      connectionOptions(options, {
        role: `-${role}`,
        // Failed group requests are retried by the group member (a new coordinator, a new join),
        // so the library gives up sooner than for the log clients. The caller's requestTimeoutMs
        // already outlasts the rebalance timeout (see GroupClientOptions).
        retries: 3,
        marginMs: 5_000,
      }),
    );
  }

  /** The library's Admin, e.g. for `describeGroups`. */
  get admin(): Admin {
    return this.#admin;
  }

  async close(): Promise<void> {
    await this.#admin.close().catch(() => {});
  }

  async findCoordinator(groupId: string): Promise<Broker> {
    try {
      const found = await this.#admin.findCoordinator({
        keyType: kafkaLibrary().FindCoordinatorKeyTypes.GROUP,
        keys: [groupId],
      });
      const coordinator = found.find((c) => c.key === groupId) ?? found[0];
      if (coordinator === undefined || coordinator.nodeId < 0)
        throw new GroupRequestError(
          `No coordinator for group ${groupId}`,
          'COORDINATOR_NOT_AVAILABLE',
          undefined,
          undefined,
        );
      return { host: coordinator.host, port: coordinator.port };
    } catch (err) {
      throw wrap(err, `Could not find the coordinator of group ${groupId}`);
    }
  }

  joinGroup(coordinator: Broker, ...args: JoinArgs): Promise<JoinGroupResponse> {
    return this.#call<JoinArgs, JoinGroupResponse>('JoinGroup', coordinator, args, `JoinGroup of ${args[0]}`);
  }

  syncGroup(coordinator: Broker, ...args: SyncArgs): Promise<SyncGroupResponse> {
    return this.#call<SyncArgs, SyncGroupResponse>('SyncGroup', coordinator, args, `SyncGroup of ${args[0]}`);
  }

  async heartbeat(coordinator: Broker, ...args: HeartbeatArgs): Promise<void> {
    await this.#call<HeartbeatArgs, heartbeatV4.HeartbeatResponse>(
      'Heartbeat',
      coordinator,
      args,
      `Heartbeat of ${args[0]}`,
    );
  }

  async leaveGroup(coordinator: Broker, ...args: LeaveArgs): Promise<void> {
    await this.#call<LeaveArgs, leaveGroupV5.LeaveGroupResponse>(
      'LeaveGroup',
      coordinator,
      args,
      `LeaveGroup of ${args[0]}`,
    );
  }

  /** DescribeGroups for one group, with the members' metadata and assignments as raw bytes. */
  async describeGroup(groupId: string): Promise<DescribeGroupsResponseGroup> {
    const coordinator = await this.findCoordinator(groupId);
    const response = await this.#call<DescribeArgs, describeGroupsV5.DescribeGroupsResponse>(
      'DescribeGroups',
      coordinator,
      [[groupId], false],
      `DescribeGroups of ${groupId}`,
    );
    const group = response.groups.find((g) => g.groupId === groupId);
    if (group === undefined) throw new ConnectError(`DescribeGroups did not answer for group ${groupId}`);
    return group;
  }

  async #call<Args extends unknown[], Response>(
    name: string,
    broker: Broker,
    args: Args,
    what: string,
  ): Promise<Response> {
    let api: API<Args, Response>;
    let connection: Connection;
    try {
      api = await libraryApi<Args, Response>(this.#admin, name).catch((error: Error | null) => {
        throw error ?? new Error(`API ${name} unavailable`);
      });
      connection = await libraryConnection(this.#admin, broker);
    } catch (err) {
      throw wrap(err, `${what} failed`);
    }
    try {
      return await api.async(connection, ...args);
    } catch (err) {
      throw wrap(err, `${what} failed`);
    }
  }
}

function wrap(err: unknown, message: string): GroupRequestError {
  if (err instanceof GroupRequestError) return err;
  const response = (err as { response?: { memberId?: unknown } }).response;
  const memberId = typeof response?.memberId === 'string' ? response.memberId : undefined;
  return new GroupRequestError(toConnectError(err, message).message, kafkaErrorName(err), memberId, err);
}
