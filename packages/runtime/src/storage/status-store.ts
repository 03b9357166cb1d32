import type { ConnectState } from '../states.ts';

/** One reported state of a connector or task, as the status topic holds it. */
export interface StateRecord {
  state: ConnectState;
  workerId: string;
  trace: string | null;
  generation: number;
  /** The connector's or task's plugin version (KIP-891); null or absent when not known. */
  version?: string | null;
}

/**
 * Current states of connectors and tasks (Kafka's `StatusBackingStore`): what the Worker reports
 * to and what REST status answers read. Standalone keeps them in memory
 * ({@link MemoryStatusStore}); the distributed herder backs it with the status topic
 * (`KafkaStatusBackingStore`, whose writes resolve once acknowledged: callers may ignore the
 * promise, writes never throw).
 */
export interface StatusBackingStore {
  putConnector(name: string, status: StateRecord): void | Promise<void>;
  putTask(connector: string, task: number, status: StateRecord): void | Promise<void>;
  getConnector(name: string): StateRecord | undefined;
  getTask(connector: string, task: number): StateRecord | undefined;
  /** Task states of a connector, sorted by task id. */
  getTasks(connector: string): Array<[number, StateRecord]>;
  /** Forgets a task whose config is gone (DESTROYED). */
  deleteTask(connector: string, task: number): void | Promise<void>;
  /** Forgets a deleted connector, its tasks and its topics (DESTROYED). */
  deleteConnector(name: string): void | Promise<void>;
  /** Records a topic a connector has used (KIP-558). */
  addTopic(connector: string, topic: string): void | Promise<void>;
  /** Topics the connector has used, sorted. */
  topics(connector: string): string[];
  resetTopics(connector: string): void | Promise<void>;
}

/** The standalone status store: everything in memory. */
export class MemoryStatusStore implements StatusBackingStore {
  readonly #connectors = new Map<string, StateRecord>();
  readonly #tasks = new Map<string, Map<number, StateRecord>>();
  readonly #topics = new Map<string, Set<string>>();

  putConnector(name: string, status: StateRecord): void {
    this.#connectors.set(name, status);
  }

  putTask(connector: string, task: number, status: StateRecord): void {
    let tasks = this.#tasks.get(connector);
    if (tasks === undefined) {
      tasks = new Map();
      this.#tasks.set(connector, tasks);
    }
    tasks.set(task, status);
  }

  getConnector(name: string): StateRecord | undefined {
    return this.#connectors.get(name);
  }

  getTask(connector: string, task: number): StateRecord | undefined {
    return this.#tasks.get(connector)?.get(task);
  }

  /** Task states of a connector, sorted by task id. */
  getTasks(connector: string): Array<[number, StateRecord]> {
    return [...(this.#tasks.get(connector) ?? new Map<number, StateRecord>())].sort((a, b) => a[0] - b[0]);
  }

  deleteTask(connector: string, task: number): void {
    this.#tasks.get(connector)?.delete(task);
  }

  /** Forgets a deleted connector: its state and its tasks' states (DESTROYED). */
  deleteConnector(name: string): void {
    this.#connectors.delete(name);
    this.#tasks.delete(name);
    this.#topics.delete(name);
  }

  /** Records a topic a connector has used (KIP-558). */
  addTopic(connector: string, topic: string): void {
    let topics = this.#topics.get(connector);
    if (topics === undefined) {
      topics = new Set();
      this.#topics.set(connector, topics);
    }
    topics.add(topic);
  }

  topics(connector: string): string[] {
    return [...(this.#topics.get(connector) ?? [])].sort();
  }

  resetTopics(connector: string): void {
    this.#topics.delete(connector);
  }
}
