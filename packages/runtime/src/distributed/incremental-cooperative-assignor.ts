import { ConfigError } from '@sluice/api';
import { type ConnectorTaskId, compareStrings, compareTaskIds, taskIdString } from '../connector-task-id.ts';

/**
 * Kafka Connect's incremental cooperative assignor (KIP-415, `connect.protocol` compatible or
 * sessioned), run by the group leader each rebalance. Given what every member runs now and what
 * the config says should run, it computes per member what to start and what to stop:
 *
 * - deleted connectors/tasks, and work running on more than one member, are revoked;
 * - new work goes to the least-loaded members;
 * - work of a member that left is *lost*: it is held back for up to
 *   `scheduled.rebalance.max.delay.ms` so a bouncing worker can get it back, then given to the
 *   members that came up empty in the meantime (or spread like new work); members schedule a
 *   follow-up rebalance with the `delay` they receive;
 * - when no delay is running, over-loaded members give up work (revocations) so that every member
 *   ends within one connector and one task of the others, the freed work being placed in the
 *   follow-up rebalance; consecutive balancing rounds back off (40 ms, 1.6 s, 64 s, ... capped).
 *
 * The assignor is stateful, as Kafka's: it remembers the previous round's assignment, members,
 * revocations and scheduled delay. It is deterministic: members and work are visited in sorted
 * order (where Kafka follows HashMap order), so the same inputs give the same output.
 */

/** The work a member reports running (the allocation in its JoinGroup metadata). */
export interface WorkAllocation {
  readonly connectors: readonly string[];
  readonly tasks: readonly ConnectorTaskId[];
}

/** What the config says should run: a {@link ClusterConfigState} fits. */
export interface ConfiguredWork {
  connectors(): readonly string[];
  tasks(connector: string): readonly ConnectorTaskId[];
}

export interface AssignmentRound {
  readonly config: ConfiguredWork;
  /** The generation of the last rebalance this leader completed (its view of the previous round). */
  readonly lastCompletedGenerationId: number;
  /** The generation being assigned. */
  readonly currentGenerationId: number;
  /** Every member of this generation with its current allocation. */
  readonly members: ReadonlyMap<string, WorkAllocation>;
  /** Milliseconds, the leader's clock. */
  readonly now: number;
  /**
   * Sluice extension, empty by default: members known to have left on purpose (e.g. a worker that
   * said so before shutting down). Kafka cannot tell a clean leave from a crash, so it holds back
   * the work of any departed member for the delay; members listed here do not count as departed,
   * so their work is placed at once. Leave empty to behave exactly as Kafka.
   */
  readonly departedGracefully?: ReadonlySet<string>;
}

/** One member's share of a round: a delta in cooperative mode. */
export interface MemberAssignment {
  readonly connectors: string[];
  readonly tasks: ConnectorTaskId[];
  readonly revokedConnectors: string[];
  readonly revokedTasks: ConnectorTaskId[];
}

export interface ClusterAssignment {
  /** Per member (every member of the round): what to start and what to stop. */
  readonly assignments: Map<string, MemberAssignment>;
  /** Per member: everything it runs once the round is applied (current − revoked + assigned). */
  readonly allAssigned: Map<string, WorkAllocation>;
  /** The scheduled-rebalance delay to send every member (ms); 0 for none. */
  readonly delay: number;
}

export interface IncrementalCooperativeAssignorOptions {
  /** `scheduled.rebalance.max.delay.ms`; 0 disables holding back lost work. */
  readonly maxDelayMs: number;
}

/** A set of connectors and tasks, iterated in insertion order. */
class Work {
  readonly connectors = new Set<string>();
  readonly tasks = new Map<string, ConnectorTaskId>();

  static of(connectors: Iterable<string>, tasks: Iterable<ConnectorTaskId>): Work {
    const w = new Work();
    for (const c of connectors) w.connectors.add(c);
    for (const t of tasks) w.addTask(t);
    return w;
  }

  addTask(t: ConnectorTaskId): void {
    this.tasks.set(taskIdString(t), t);
  }

  addAll(other: Work): this {
    for (const c of other.connectors) this.connectors.add(c);
    for (const [k, t] of other.tasks) this.tasks.set(k, t);
    return this;
  }

  hasConnector(c: string): boolean {
    return this.connectors.has(c);
  }

  hasTask(t: ConnectorTaskId): boolean {
    return this.tasks.has(taskIdString(t));
  }

  get isEmpty(): boolean {
    return this.connectors.size === 0 && this.tasks.size === 0;
  }

  /** This minus the others, sorted (Kafka builds these derived sets as TreeSets). */
  minus(...others: Work[]): Work {
    const connectors = [...this.connectors].filter((c) => !others.some((o) => o.hasConnector(c)));
    const tasks = [...this.tasks.values()].filter((t) => !others.some((o) => o.hasTask(t)));
    return Work.of(connectors.sort(compareStrings), tasks.sort(compareTaskIds));
  }

  clear(): void {
    this.connectors.clear();
    this.tasks.clear();
  }
}

/** A member's load while the round is computed: ordered lists, as Kafka's WorkerLoad. */
interface WorkerLoad {
  readonly worker: string;
  connectors: string[];
  tasks: ConnectorTaskId[];
}

const byConnectorLoad = (a: WorkerLoad, b: WorkerLoad) =>
  a.connectors.length - b.connectors.length || compareStrings(a.worker, b.worker);
const byTaskLoad = (a: WorkerLoad, b: WorkerLoad) =>
  a.tasks.length - b.tasks.length || compareStrings(a.worker, b.worker);

export class IncrementalCooperativeAssignor {
  readonly #maxDelay: number;
  #previousAssignment = new Work();
  readonly #previousRevocation = new Work();
  #previousGenerationId = -1;
  #previousMembers: ReadonlySet<string> = new Set();
  #revokedInPrevious = false;
  #numSuccessiveRevokingRebalances = 0;
  #scheduledRebalance = 0;
  #delay = 0;
  readonly #candidateWorkersForReassignment = new Set<string>();

  constructor(options: IncrementalCooperativeAssignorOptions) {
    const max = options.maxDelayMs;
    if (!Number.isInteger(max) || max < 0 || max > 2147483647)
      throw ConfigError.invalidValue(
        'scheduled.rebalance.max.delay.ms',
        max,
        'Value must be between 0 and 2147483647',
      );
    this.#maxDelay = max;
  }

  /** The scheduled-rebalance delay currently in force (ms). */
  get delay(): number {
    return this.#delay;
  }

  performTaskAssignment(round: AssignmentRound): ClusterAssignment {
    const members = [...round.members.keys()].sort(compareStrings);
    const allocations = new Map(
      members.map((m) => {
        const a = round.members.get(m)!;
        return [m, Work.of(a.connectors, a.tasks)] as const;
      }),
    );

    if (this.#previousGenerationId !== round.lastCompletedGenerationId) {
      // The last round's assignment may never have reached the members: forget it.
      this.#previousAssignment = new Work();
    }

    const configuredConnectors = [...round.config.connectors()].sort(compareStrings);
    const configured = Work.of(
      configuredConnectors,
      configuredConnectors.flatMap((c) => round.config.tasks(c)),
    );
    const active = new Work();
    for (const m of members) active.addAll(allocations.get(m)!);

    // A revocation of the previous round that did not take effect: start again from what runs.
    if (!this.#previousRevocation.isEmpty) {
      const stillRunning =
        [...this.#previousRevocation.connectors].some((c) => active.hasConnector(c)) ||
        [...this.#previousRevocation.tasks.values()].some((t) => active.hasTask(t));
      if (stillRunning) this.#previousAssignment = active.minus();
      this.#previousRevocation.clear();
    }

    const deleted = this.#previousAssignment.minus(configured);
    const duplicated = duplicatedWork(members.map((m) => allocations.get(m)!));
    const lost = this.#previousAssignment.minus(active, deleted);
    const created = configured.minus(this.#previousAssignment, active);

    // What each member runs now, deleted work aside: the base the deltas are computed against.
    const current = new Map(members.map((m) => [m, allocations.get(m)!.minus(deleted)] as const));

    const toRevoke = new Map<string, Work>();
    const revoke = (worker: string, work: Work) => {
      if (work.isEmpty) return;
      const existing = toRevoke.get(worker);
      if (existing === undefined) toRevoke.set(worker, Work.of(work.connectors, work.tasks.values()));
      else existing.addAll(work);
    };
    const next: WorkerLoad[] = members.map((m) => {
      const a = round.members.get(m)!;
      return { worker: m, connectors: [...a.connectors], tasks: [...a.tasks] };
    });
    for (const load of next) {
      const held = allocations.get(load.worker)!;
      const gone = intersect(held, deleted);
      const doubled = intersect(held, duplicated);
      revoke(load.worker, gone);
      revoke(load.worker, doubled);
      removeFrom(load, gone);
      removeFrom(load, doubled);
    }

    const lostToReassign = this.#handleLostAssignments(lost, next, round);

    if (this.#delay === 0) {
      const balancing = performLoadBalancingRevocations(configured, next);
      if (this.#revokedInPrevious && balancing.size > 0) {
        // Two balancing rounds in a row: back off before revoking again (KAFKA-12495).
        this.#numSuccessiveRevokingRebalances++;
        this.#delay = this.#consecutiveRevokingBackoff(this.#numSuccessiveRevokingRebalances);
        if (this.#delay !== 0) {
          this.#scheduledRebalance = round.now + this.#delay;
        } else {
          for (const [w, work] of balancing) {
            revoke(w, work);
            removeFrom(next.find((l) => l.worker === w)!, work);
          }
        }
      } else if (balancing.size > 0) {
        for (const [w, work] of balancing) {
          revoke(w, work);
          removeFrom(next.find((l) => l.worker === w)!, work);
        }
        this.#revokedInPrevious = true;
      } else if (this.#revokedInPrevious) {
        // Balanced again: reset the back-off.
        this.#revokedInPrevious = false;
        this.#numSuccessiveRevokingRebalances = 0;
      }
    } else {
      this.#revokedInPrevious = false;
    }

    const toAssign = Work.of(created.connectors, created.tasks.values()).addAll(lostToReassign);
    if (next.length > 0) {
      assignConnectors(next, [...toAssign.connectors]);
      assignTasks(next, [...toAssign.tasks.values()]);
    }

    const assignments = new Map<string, MemberAssignment>();
    const allAssigned = new Map<string, WorkAllocation>();
    const nextAll = new Work();
    for (const m of members) {
      const load = next.find((l) => l.worker === m)!;
      const base = current.get(m)!;
      const revoked = toRevoke.get(m) ?? new Work();
      assignments.set(m, {
        connectors: load.connectors.filter((c) => !base.hasConnector(c)),
        tasks: load.tasks.filter((t) => !base.hasTask(t)),
        revokedConnectors: [...revoked.connectors],
        revokedTasks: [...revoked.tasks.values()],
      });
      allAssigned.set(m, {
        connectors: load.connectors.filter((c) => !revoked.hasConnector(c)),
        tasks: load.tasks.filter((t) => !revoked.hasTask(t)),
      });
      nextAll.addAll(Work.of(load.connectors, load.tasks));
    }

    // Remember this round: what will run (revoked work excluded, lost work still counted as ours).
    for (const revoked of toRevoke.values()) {
      for (const c of revoked.connectors) {
        nextAll.connectors.delete(c);
        this.#previousRevocation.connectors.add(c);
      }
      for (const [k, t] of revoked.tasks) {
        nextAll.tasks.delete(k);
        this.#previousRevocation.tasks.set(k, t);
      }
    }
    nextAll.addAll(lost);
    this.#previousAssignment = nextAll;
    this.#previousGenerationId = round.currentGenerationId;
    this.#previousMembers = new Set(members);

    return { assignments, allAssigned, delay: this.#delay };
  }

  /**
   * Decides what happens to lost work; places it on candidate workers itself when a delay just
   * expired, and returns the lost work to treat as new.
   */
  #handleLostAssignments(lost: Work, next: WorkerLoad[], round: AssignmentRound): Work {
    const toReassign = new Work();
    if (lost.isEmpty && !this.#revokedInPrevious) {
      this.#resetDelay();
      return toReassign;
    }
    const now = round.now;
    const active = new Set(next.map((l) => l.worker));
    const graceful = round.departedGracefully ?? new Set<string>();
    const everyPreviousMemberHere = [...this.#previousMembers].every((m) => active.has(m) || graceful.has(m));
    if (this.#scheduledRebalance <= 0 && everyPreviousMemberHere) {
      // Nobody left: the work was lost to a failed sync, not a departure. Place it now.
      return toReassign.addAll(lost);
    }
    if (this.#maxDelay === 0) return toReassign.addAll(lost);

    if (this.#scheduledRebalance > 0 && now >= this.#scheduledRebalance) {
      // The delay expired: hand lost work to the workers that came up empty while it ran.
      const candidates = [...this.#candidateWorkersForReassignment]
        .sort(compareStrings)
        .map((w) => next.find((l) => l.worker === w))
        .filter((l): l is WorkerLoad => l !== undefined);
      if (candidates.length > 0) {
        let i = 0;
        for (const c of lost.connectors) candidates[i++ % candidates.length]!.connectors.push(c);
        i = 0;
        for (const t of lost.tasks.values()) candidates[i++ % candidates.length]!.tasks.push(t);
      } else {
        toReassign.addAll(lost);
      }
      this.#resetDelay();
      this.#revokedInPrevious = false;
      return toReassign;
    }

    for (const l of next)
      if (l.connectors.length === 0 && l.tasks.length === 0)
        this.#candidateWorkersForReassignment.add(l.worker);
    if (now < this.#scheduledRebalance) {
      // A delay is running: tell members how much of it is left.
      this.#delay = Math.min(this.#scheduledRebalance - now, this.#maxDelay);
    } else {
      this.#delay = this.#maxDelay;
    }
    this.#scheduledRebalance = now + this.#delay;
    return toReassign;
  }

  #resetDelay(): void {
    this.#candidateWorkersForReassignment.clear();
    this.#scheduledRebalance = 0;
    this.#delay = 0;
  }

  /** Kafka's ExponentialBackoff(1 ms, ×40, max delay, no jitter); always 0 when the max is 0. */
  #consecutiveRevokingBackoff(attempts: number): number {
    if (this.#maxDelay === 0) return 0;
    const initial = Math.min(1, this.#maxDelay);
    const expMax = this.#maxDelay > initial ? Math.log(this.#maxDelay / initial) / Math.log(40) : 0;
    if (expMax === 0) return initial;
    return Math.min(Math.floor(initial * 40 ** Math.min(attempts, expMax)), this.#maxDelay);
  }
}

function intersect(held: Work, other: Work): Work {
  return Work.of(
    [...held.connectors].filter((c) => other.hasConnector(c)),
    [...held.tasks.values()].filter((t) => other.hasTask(t)),
  );
}

function removeFrom(load: WorkerLoad, work: Work): void {
  if (work.isEmpty) return;
  load.connectors = load.connectors.filter((c) => !work.hasConnector(c));
  load.tasks = load.tasks.filter((t) => !work.hasTask(t));
}

function duplicatedWork(allocations: Work[]): Work {
  const connectorCounts = new Map<string, number>();
  const taskCounts = new Map<string, { id: ConnectorTaskId; n: number }>();
  for (const a of allocations) {
    for (const c of a.connectors) connectorCounts.set(c, (connectorCounts.get(c) ?? 0) + 1);
    for (const [k, t] of a.tasks) taskCounts.set(k, { id: t, n: (taskCounts.get(k)?.n ?? 0) + 1 });
  }
  return Work.of(
    [...connectorCounts].filter(([, n]) => n > 1).map(([c]) => c),
    [...taskCounts.values()].filter((e) => e.n > 1).map((e) => e.id),
  );
}

/**
 * Revocations that bring every worker down to its fair share: ⌊total/workers⌋, with
 * `total % workers` workers allowed one more; connectors and tasks counted separately.
 */
function performLoadBalancingRevocations(configured: Work, workers: WorkerLoad[]): Map<string, Work> {
  const result = new Map<string, Work>();
  if (workers.every((w) => w.connectors.length === 0 && w.tasks.length === 0)) return result;
  if (configured.isEmpty) return result;
  const connectorRevocations = balancingRevocations(configured.connectors.size, workers, (w) => w.connectors);
  const taskRevocations = balancingRevocations(configured.tasks.size, workers, (w) => w.tasks);
  for (const w of workers) {
    const connectors = connectorRevocations.get(w.worker) ?? [];
    const tasks = taskRevocations.get(w.worker) ?? [];
    if (connectors.length > 0 || tasks.length > 0) result.set(w.worker, Work.of(connectors, tasks));
  }
  return result;
}

function balancingRevocations<E>(
  total: number,
  workers: WorkerLoad[],
  allocation: (w: WorkerLoad) => E[],
): Map<string, E[]> {
  const result = new Map<string, E[]>();
  const min = Math.floor(total / workers.length);
  const extras = total % workers.length;
  const atMin = workers.filter((w) => allocation(w).length === min).length;
  const atMinPlusOne = workers.filter((w) => allocation(w).length === min + 1).length;
  if (atMinPlusOne === extras && atMin + atMinPlusOne === workers.length) return result;
  let allocatedExtras = 0;
  for (const w of workers) {
    const held = allocation(w);
    if (held.length <= min) continue;
    let max: number;
    if (allocatedExtras < extras) {
      allocatedExtras++;
      if (held.length === min + 1) continue;
      max = min + 1;
    } else {
      max = min;
    }
    result.set(w.worker, held.slice(0, held.length - max));
  }
  return result;
}

/**
 * Places items on the least-loaded workers: sorted by load (then name), items are dealt
 * round-robin to the workers at the lightest worker's load, the circle widening as loads even out.
 */
function assignRoundRobin<E>(
  workers: WorkerLoad[],
  items: E[],
  load: (w: WorkerLoad) => E[],
  compare: (a: WorkerLoad, b: WorkerLoad) => number,
): void {
  workers.sort(compare);
  const first = workers[0]!;
  let i = 0;
  while (i < items.length) {
    const firstLoad = load(first).length;
    let upTo = workers.findIndex((w) => load(w).length > firstLoad);
    if (upTo === -1) upTo = workers.length;
    for (let j = 0; j < upTo && i < items.length; j++) load(workers[j]!).push(items[i++]!);
  }
}

function assignConnectors(workers: WorkerLoad[], connectors: string[]): void {
  assignRoundRobin(workers, connectors, (w) => w.connectors, byConnectorLoad);
}

function assignTasks(workers: WorkerLoad[], tasks: ConnectorTaskId[]): void {
  assignRoundRobin(workers, tasks, (w) => w.tasks, byTaskLoad);
}
