import { type ConnectorTaskId, compareStrings, compareTaskIds } from '../connector-task-id.ts';
import type { ClusterConfigState } from './cluster-config-state.ts';
import {
  ASSIGNMENT_CONFIG_MISMATCH,
  ASSIGNMENT_NO_ERROR,
  type ConnectAssignment,
  decodeWorkerMetadata,
  encodeAssignment,
  protocolVersion,
  type WorkerMetadata,
} from './connect-protocol.ts';
import type { IncrementalCooperativeAssignor, WorkAllocation } from './incremental-cooperative-assignor.ts';

/**
 * What the group leader does with the JoinGroup metadata of all members (Kafka's
 * `performAssignment`): checks its config is current, runs the assignor of the negotiated
 * sub-protocol, and encodes one assignment per member for SyncGroup.
 */

export interface LeaderAssignmentInput {
  readonly leaderId: string;
  /** The sub-protocol the coordinator chose: `default`, `compatible` or `sessioned`. */
  readonly protocol: string;
  readonly members: readonly { readonly memberId: string; readonly metadata: Uint8Array }[];
  /** The leader's config snapshot taken when it joined. */
  readonly snapshot: ClusterConfigState;
  /** A fresh snapshot of the leader's continuously read config topic, taken if `snapshot` is behind. */
  readonly freshSnapshot: () => ClusterConfigState;
  readonly lastCompletedGenerationId: number;
  readonly currentGenerationId: number;
  readonly now: number;
  /** Used for `compatible` / `sessioned`; keeps state between rounds, so keep one per leader. */
  readonly assignor: IncrementalCooperativeAssignor;
  /** See {@link AssignmentRound.departedGracefully}. */
  readonly departedGracefully?: ReadonlySet<string>;
}

export interface LeaderAssignmentResult {
  /** The SyncGroup payload per member id. */
  readonly assignments: Map<string, Uint8Array>;
  /** The same, decoded. */
  readonly decoded: Map<string, ConnectAssignment>;
  /** The snapshot the assignment was computed from (the fresh one if it was taken). */
  readonly snapshot: ClusterConfigState;
  /** Who runs what after this round (Kafka's `LeaderState`); empty on CONFIG_MISMATCH. */
  readonly allAssigned: Map<string, WorkAllocation>;
}

export function performLeaderAssignment(input: LeaderAssignmentInput): LeaderAssignmentResult {
  const version = protocolVersion(input.protocol);
  const metadata = new Map<string, WorkerMetadata>(
    input.members.map((m) => [m.memberId, decodeWorkerMetadata(m.metadata)]),
  );
  const leader = metadata.get(input.leaderId);
  if (leader === undefined) throw new Error(`The leader ${input.leaderId} is not among the members`);
  const maxOffset = Math.max(...[...metadata.values()].map((m) => m.configOffset));

  // A leader behind some member cannot assign; a fresh snapshot may catch it up.
  let snapshot = input.snapshot;
  let offset = maxOffset;
  if (snapshot.offset < maxOffset) {
    snapshot = input.freshSnapshot();
    if (snapshot.offset < maxOffset) {
      const empty = (): ConnectAssignment => ({
        version,
        error: ASSIGNMENT_CONFIG_MISMATCH,
        leader: input.leaderId,
        leaderUrl: leader.url,
        configOffset: maxOffset,
        connectors: [],
        tasks: [],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      });
      return finish(metadata, empty, version, snapshot, new Map());
    }
    offset = snapshot.offset;
  }

  if (version === 0) {
    const all = eagerAssignment(snapshot, [...metadata.keys()]);
    return finish(
      metadata,
      (member) => ({
        version,
        error: ASSIGNMENT_NO_ERROR,
        leader: input.leaderId,
        leaderUrl: leader.url,
        configOffset: offset,
        connectors: all.get(member)?.connectors ?? [],
        tasks: all.get(member)?.tasks ?? [],
        revokedConnectors: [],
        revokedTasks: [],
        delay: 0,
      }),
      version,
      snapshot,
      all,
    );
  }

  const members = new Map<string, WorkAllocation>();
  for (const [id, m] of metadata) members.set(id, m.allocation ?? { connectors: [], tasks: [] });
  const result = input.assignor.performTaskAssignment({
    config: snapshot,
    lastCompletedGenerationId: input.lastCompletedGenerationId,
    currentGenerationId: input.currentGenerationId,
    members,
    now: input.now,
    departedGracefully: input.departedGracefully,
  });
  return finish(
    metadata,
    (member) => {
      const a = result.assignments.get(member)!;
      return {
        version,
        error: ASSIGNMENT_NO_ERROR,
        leader: input.leaderId,
        leaderUrl: leader.url,
        configOffset: offset,
        connectors: a.connectors,
        tasks: a.tasks,
        revokedConnectors: a.revokedConnectors,
        revokedTasks: a.revokedTasks,
        delay: result.delay,
      };
    },
    version,
    snapshot,
    result.allAssigned,
  );
}

function finish(
  metadata: Map<string, WorkerMetadata>,
  build: (member: string) => ConnectAssignment,
  version: number,
  snapshot: ClusterConfigState,
  allAssigned: Map<string, WorkAllocation>,
): LeaderAssignmentResult {
  const assignments = new Map<string, Uint8Array>();
  const decoded = new Map<string, ConnectAssignment>();
  for (const member of [...metadata.keys()].sort(compareStrings)) {
    const a = build(member);
    decoded.set(member, a);
    assignments.set(member, encodeAssignment(a, version));
  }
  return { assignments, decoded, snapshot, allAssigned };
}

/**
 * The eager (`default`, v0) assignment: members and connectors sorted, connectors dealt
 * round-robin, then every connector's tasks continuing the same round-robin. Each member gets
 * its full set; everything is restarted on every rebalance.
 */
export function eagerAssignment(
  config: { connectors(): readonly string[]; tasks(connector: string): readonly ConnectorTaskId[] },
  memberIds: readonly string[],
): Map<string, WorkAllocation> {
  const members = [...memberIds].sort(compareStrings);
  const out = new Map<string, { connectors: string[]; tasks: ConnectorTaskId[] }>(
    members.map((m) => [m, { connectors: [], tasks: [] }]),
  );
  if (members.length === 0) return out;
  const connectors = [...config.connectors()].sort(compareStrings);
  let next = 0;
  const member = () => out.get(members[next++ % members.length]!)!;
  for (const c of connectors) member().connectors.push(c);
  for (const c of connectors)
    for (const t of [...config.tasks(c)].sort(compareTaskIds)) member().tasks.push(t);
  return out;
}
