import { ToleranceExceededError } from '../errors/error-handler.ts';
import type { ConnectState, TargetState } from '../states.ts';

/** Where a task or connector reports its state changes (RUNNING, PAUSED, FAILED with the error, ...). */
export type StateReporter = (state: ConnectState, error?: unknown) => void;

/**
 * The target state of a running task, with a way to wait while it is PAUSED. Tasks check
 * {@link paused} once per loop iteration; `setTarget` wakes a waiting task.
 */
export class TargetStateGate {
  #state: TargetState;
  #waiters: Array<() => void> = [];

  constructor(initial: TargetState) {
    this.#state = initial;
  }

  get state(): TargetState {
    return this.#state;
  }

  get paused(): boolean {
    return this.#state === 'PAUSED';
  }

  set(state: TargetState): void {
    this.#state = state;
    this.wake();
  }

  /** Resolves on the next target-state change (or {@link wake}). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes every waiter, e.g. when the task is stopping. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * The wait before retry number `attempt` (0-based) of an operation that failed with a retriable
 * error (a broker restarting, a leader moving): 250 ms, then 500 ms, then 1 s for good, as Kafka's
 * clients back off up to `retry.backoff.max.ms` (1 s), so a task is back within a second of the
 * broker.
 */
export function retryDelay(attempt: number): number {
  return Math.min(1000, 250 * 2 ** Math.min(attempt, 2));
}

/** Kafka's words for a task failure (`WorkerTask`), logged once per failure. */
export const TASK_KILLED =
  'Task threw an uncaught and unrecoverable exception. Task is being killed and will not recover until manually restarted';

/**
 * The failure line of a task, in Kafka's words: `WorkerSourceTask{id=c-0} Task failed
 * initialization and will not be started.` when `start` failed (`started` false), else
 * `WorkerSourceTask{id=c-0} Task threw ...`, with the error handler's record description when
 * `errors.log.enable` described the record that ended it.
 */
export function taskFailureMessage(
  kind: 'WorkerSourceTask' | 'WorkerSinkTask',
  id: string,
  err: unknown,
  started = true,
): string {
  if (!started) return `${kind}{id=${id}} Task failed initialization and will not be started.`;
  const detail = err instanceof ToleranceExceededError ? err.detail : undefined;
  return `${kind}{id=${id}} ${TASK_KILLED}${detail === undefined ? '' : `. ${detail}`}`;
}
