import {
  eventToRecords,
  type RegistryRecord,
  RegistryRecordError,
  recordToEvent,
} from './confluent-records.ts';
import type { RegistryEvent, RegistryStorage } from './storage.ts';

/**
 * A log the registry keeps its records in (Confluent's `_schemas` topic, on Kafka or on Sluice's
 * embedded log). The runtime supplies it: this package knows no log client.
 */
export interface RegistryLog {
  /**
   * Reads the log from its beginning to its current end, handing every record to `onRecord` in
   * log order, and resolves then; afterwards keeps handing over the records appended later (by
   * this process or any other), in log order.
   */
  start(onRecord: (key: Buffer | null, value: Buffer | null) => void): Promise<void>;
  /** Appends records in the given order (to one partition) and resolves once they are acknowledged. */
  append(records: readonly RegistryRecord[]): Promise<void>;
  /** Resolves once every record in the log when this is called has been handed to `onRecord`. */
  readToEnd?(): Promise<void>;
  /** Stops reading. */
  stop(): Promise<void>;
}

export interface LogStorageOptions {
  /** Told about records that cannot be read (skipped, as Confluent's reader skips them). */
  readonly onBadRecord?: (message: string) => void;
  /** Told when an append failed (the change was answered with an error and is not stored). */
  readonly onAppendError?: (err: Error) => void;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/**
 * Keeps the registry in a log of Confluent's `_schemas` records. `open()` reads the log to its
 * end; later records (written by other workers sharing the topic) reach the registry as they
 * arrive. A change is applied in memory at once (so converters of this process get their answer
 * synchronously) and appended in the background, in order; `flush()` resolves once everything
 * appended so far is acknowledged by the log, which the REST layer awaits before answering.
 * This process's own records, read back from the log, are recognised and not applied twice.
 */
export class LogStorage implements RegistryStorage {
  readonly #log: RegistryLog;
  readonly #options: LogStorageOptions;
  #initial: RegistryEvent[] = [];
  #apply: ((event: RegistryEvent) => void) | null = null;
  /** Records appended by this process and not yet read back, oldest first. */
  readonly #own: RegistryRecord[] = [];
  /** Records waiting to be appended. */
  #queue: RegistryRecord[] = [];
  #draining: Promise<void> | null = null;
  /** Appended records so far (sequence numbers) and how many are acknowledged. */
  #queued = 0;
  #acked = 0;
  /** Failed appends: the sequence numbers (from, upTo] they covered. */
  #failures: { from: number; upTo: number; error: Error }[] = [];
  readonly #waiters: { since: number; seq: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  #started = false;

  private constructor(log: RegistryLog, options: LogStorageOptions) {
    this.#log = log;
    this.#options = options;
  }

  /** Starts `log` and reads it to its end. */
  static async open(log: RegistryLog, options: LogStorageOptions = {}): Promise<LogStorage> {
    const storage = new LogStorage(log, options);
    await log.start((key, value) => storage.#onRecord(key, value));
    storage.#started = true;
    return storage;
  }

  readAll(): RegistryEvent[] {
    const events = this.#initial;
    this.#initial = [];
    return events;
  }

  subscribe(apply: (event: RegistryEvent) => void): void {
    this.#apply = apply;
  }

  append(event: RegistryEvent): void {
    const records = eventToRecords(event);
    for (const r of records) {
      this.#own.push(r);
      this.#queue.push(r);
      this.#queued++;
    }
    this.#draining ??= this.#drain();
  }

  flush(): Promise<void> {
    const seq = this.#queued;
    if (this.#acked >= seq) return Promise.resolve();
    const since = this.#acked;
    return new Promise((resolve, reject) => this.#waiters.push({ since, seq, resolve, reject }));
  }

  catchUp(): Promise<void> {
    return this.#log.readToEnd?.() ?? Promise.resolve();
  }

  close(): void {
    void this.#log.stop();
  }

  /** Stops the log once the pending appends are done. */
  async stop(): Promise<void> {
    await this.#draining;
    await this.#log.stop();
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const from = this.#acked;
      const upTo = from + batch.length;
      try {
        await this.#log.append(batch);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        // Not stored: they will not come back from the log.
        for (const r of batch) {
          const i = this.#own.indexOf(r);
          if (i >= 0) this.#own.splice(i, 1);
        }
        this.#failures.push({ from, upTo, error });
        if (this.#failures.length > 100) this.#failures.shift();
        this.#options.onAppendError?.(error);
      }
      this.#acked = upTo;
      this.#settle();
    }
    this.#draining = null;
  }

  #settle(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (this.#acked < w.seq) continue;
      this.#waiters.splice(i, 1);
      const failed = this.#failures.find((f) => f.from < w.seq && f.upTo > w.since);
      if (failed !== undefined) w.reject(failed.error);
      else w.resolve();
    }
  }

  #onRecord(key: Buffer | null, value: Buffer | null): void {
    const own = this.#own[0];
    if (own !== undefined && key !== null && own.key.equals(key) && sameBytes(own.value, value)) {
      this.#own.shift();
      return;
    }
    let event: RegistryEvent | null;
    try {
      event = recordToEvent(key, value);
    } catch (err) {
      if (!(err instanceof RegistryRecordError)) throw err;
      this.#options.onBadRecord?.(
        `Skipping a record of the schemas log: ${err.message} (key ${key?.toString('utf8').slice(0, 200) ?? 'null'})`,
      );
      return;
    }
    if (event === null) return;
    if (!this.#started) this.#initial.push(event);
    else this.#apply?.(event);
  }
}
