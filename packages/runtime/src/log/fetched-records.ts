import type { FetchedRecords, LogRecord } from './log-client.ts';

/** Already decoded records (a fetch's `records`) handed out one at a time as {@link FetchedRecords}. */
export class ArrayFetchedRecords implements FetchedRecords {
  #records: LogRecord[];
  #index = 0;

  constructor(records: LogRecord[]) {
    this.#records = records;
  }

  get remaining(): number {
    return this.#records.length - this.#index;
  }

  peekOffset(): number | undefined {
    return this.#records[this.#index]?.offset;
  }

  next(): LogRecord | undefined {
    const record = this.#records[this.#index];
    if (record === undefined) return undefined;
    this.#index++;
    if (this.#index === this.#records.length) {
      // All taken: let go of the array (and the bytes its records view).
      this.#records = [];
      this.#index = 0;
    }
    return record;
  }
}

/** A fetched partition's records as {@link FetchedRecords}: its lazy ones, else its array. */
export function fetchedRecords(part: { records: LogRecord[]; lazyRecords?: FetchedRecords }): FetchedRecords {
  return part.lazyRecords ?? new ArrayFetchedRecords(part.records);
}
