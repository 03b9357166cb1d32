import type { MaybePromise, StringMap } from './connector.ts';

/** A task (`org.apache.kafka.connect.connector.Task`): a unit of work a worker runs. */
export interface Task {
  version(): string;
  start(props: StringMap): MaybePromise<void>;
  /** Called once when the task stops; may be called while `poll`/`put` is pending. */
  stop(): MaybePromise<void>;
}
