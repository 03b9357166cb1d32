import type { StateRecord, StatusBackingStore } from '../storage/status-store.ts';
import type { KafkaStatusBackingStore } from './kafka-status-backing-store.ts';

/**
 * What the Worker reports, written to the status topic with this worker's group generation;
 * FAILED and UNASSIGNED are Kafka's "safe" writes (skipped when a newer owner has reported).
 */
export class GenerationalStatusStore implements StatusBackingStore {
  readonly #store: KafkaStatusBackingStore;
  readonly #generation: () => number;
  readonly #workerId: () => string;

  constructor(store: KafkaStatusBackingStore, generation: () => number, workerId: () => string) {
    this.#store = store;
    this.#generation = generation;
    this.#workerId = workerId;
  }

  putConnector(name: string, status: StateRecord): Promise<void> {
    const record = { ...status, generation: this.#generation() };
    return status.state === 'FAILED' || status.state === 'UNASSIGNED'
      ? this.#store.putConnectorSafe(name, record)
      : this.#store.putConnector(name, record);
  }

  putTask(connector: string, task: number, status: StateRecord): Promise<void> {
    const record = { ...status, generation: this.#generation() };
    return status.state === 'FAILED' || status.state === 'UNASSIGNED'
      ? this.#store.putTaskSafe(connector, task, record)
      : this.#store.putTask(connector, task, record);
  }

  getConnector(name: string): StateRecord | undefined {
    return this.#store.getConnector(name);
  }

  getTask(connector: string, task: number): StateRecord | undefined {
    return this.#store.getTask(connector, task);
  }

  getTasks(connector: string): Array<[number, StateRecord]> {
    return this.#store.getTasks(connector);
  }

  deleteTask(connector: string, task: number): Promise<void> {
    return this.#store.deleteTask(connector, task, this.#workerId(), this.#generation());
  }

  deleteConnector(name: string): Promise<void> {
    return this.#store.deleteConnector(name, this.#workerId(), this.#generation());
  }

  addTopic(connector: string, topic: string): Promise<void> {
    return this.#store.addTopic(connector, topic);
  }

  topics(connector: string): string[] {
    return this.#store.topics(connector);
  }

  resetTopics(connector: string): Promise<void> {
    return this.#store.resetTopics(connector);
  }
}
