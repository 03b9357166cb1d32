/**
 * The snapshot's story in the log, in Debezium's words (its `RelationalSnapshotChangeEventSource`
 * lines): the start with the tables, each table's start and end, a progress line every
 * {@link SnapshotProgress.intervalMs} while rows are read (rows of the table and of the whole
 * snapshot, tables done and remaining), and the end.
 */
import type { PluginLogger } from '@sluice/api';

/** Debezium's `Strings.duration`: `HH:MM:SS.mmm`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(total % 1000, 3)}`;
}

export class SnapshotProgress {
  /** How often a progress line is written while a table is read (Debezium: every 10 s). */
  static intervalMs = 5000;

  readonly #log: Pick<PluginLogger, 'info' | 'warn'>;
  readonly #tables: readonly string[];
  readonly #now: () => number;
  #started = 0;
  #tableIndex = -1;
  #tableStarted = 0;
  #tableRows = 0;
  #totalRows = 0;
  #tablesDone = 0;
  #nextProgress = 0;

  constructor(
    log: Pick<PluginLogger, 'info' | 'warn'>,
    tables: readonly string[],
    now: () => number = Date.now,
  ) {
    this.#log = log;
    this.#tables = tables;
    this.#now = now;
  }

  /** The snapshot begins (in its transaction, at `lsn`). */
  started(lsn: string, mode: string): void {
    this.#started = this.#now();
    this.#log.info('Snapshot step 1 - Preparing');
    this.#log.info(
      `Snapshot (snapshot.mode=${mode}) of ${this.#tables.length} table(s) [${this.#tables.join(', ')}], consistent at LSN ${lsn}`,
    );
    this.#log.info('Snapshot step 7 - Snapshotting data');
  }

  /** Reading of table number `index` (0-based) begins. */
  tableStarted(index: number): void {
    this.#tableIndex = index;
    this.#tableStarted = this.#now();
    this.#tableRows = 0;
    this.#nextProgress = this.#tableStarted + SnapshotProgress.intervalMs;
    this.#log.info(
      `Exporting data from table '${this.#tables[index]}' (${index + 1} of ${this.#tables.length} tables)`,
    );
  }

  /** `count` more rows of the current table were turned into records. */
  rows(count: number): void {
    this.#tableRows += count;
    this.#totalRows += count;
    const now = this.#now();
    if (now < this.#nextProgress) return;
    this.#nextProgress = now + SnapshotProgress.intervalMs;
    const remaining = this.#tables.length - this.#tablesDone;
    this.#log.info(
      `\t Exported ${this.#tableRows} records for table '${this.#tables[this.#tableIndex]}' after ${formatDuration(now - this.#tableStarted)}` +
        ` (snapshot: ${this.#totalRows} records, ${this.#tablesDone} of ${this.#tables.length} tables done, ${remaining} remaining, ${formatDuration(now - this.#started)})`,
    );
  }

  /** The current table is read to its end. */
  tableFinished(): void {
    if (this.#tableIndex < 0) return;
    this.#tablesDone++;
    this.#log.info(
      `Finished exporting ${this.#tableRows} records for table '${this.#tables[this.#tableIndex]}' (${this.#tableIndex + 1} of ${this.#tables.length} tables); total duration '${formatDuration(this.#now() - this.#tableStarted)}'`,
    );
    this.#tableIndex = -1;
  }

  /** Every table is read and the snapshot transaction committed. */
  completed(): void {
    this.#log.info('Snapshot - Final stage');
    this.#log.info(
      `Snapshot completed: ${this.#totalRows} records from ${this.#tablesDone} table(s) in ${formatDuration(this.#now() - this.#started)}`,
    );
  }

  /** The snapshot stopped before its end (the task failed or was stopped). */
  aborted(reason: string): void {
    this.#log.warn(
      `Snapshot aborted after ${this.#totalRows} records, ${this.#tablesDone} of ${this.#tables.length} tables done: ${reason}`,
    );
  }
}
