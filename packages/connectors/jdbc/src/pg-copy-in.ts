/**
 * PostgreSQL `COPY ... FROM STDIN` as a node-postgres submittable (as pg-copy-streams and
 * pg-cursor are) that sends its data right behind the statement instead of waiting for the
 * server's CopyInResponse: the server finds the first rows waiting when it has set the COPY up,
 * one round trip sooner. The protocol allows it: when the COPY fails to start (a missing table,
 * a column it does not have), "any subsequent CopyData, CopyDone, or CopyFail messages issued by
 * the frontend will simply be dropped" (Frontend/Backend Protocol, COPY Operations), and so are
 * those still on their way when it fails part-way (a bad value). Nothing is written once the
 * server's error has arrived, so nothing of this COPY can reach a later statement.
 */

import type pg from 'pg';

const COPY_DATA = 0x64;
const HEADER = 5;

/** A COPY that was never sent: its gate said no (see {@link PgCopyIn}). */
export class CopyNotSent extends Error {
  override name = 'CopyNotSent';
}

export interface CopyInOptions {
  /**
   * Asked when the driver is about to send the statement (for a COPY queued behind other
   * statements: once they have ended): a value other than null/undefined means the COPY is not
   * sent at all, and it fails with {@link CopyNotSent} carrying that value as its cause.
   */
  gate?: () => unknown;
  /**
   * Asked once the data has ended: an error means the data ended early (a value that could not
   * be encoded): the COPY is failed with CopyFail, so no row of it stays (even outside a
   * transaction), and it resolves once the server has answered; the caller reports the error.
   */
  failure?: () => unknown;
}

/** CopyData with this text: one buffer, header included, so one socket write. */
function copyData(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + length);
  frame[0] = COPY_DATA;
  frame.writeUInt32BE(length + 4, 1);
  frame.write(text, HEADER, length, 'utf8');
  return frame;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `sql` (a `COPY ... FROM STDIN` in text form) on the client with this data, sent piece by
 * piece as the iterable yields it (each piece one CopyData message and one socket write, the
 * socket's back-pressure respected), then CopyDone. Resolves with the rows copied once the server
 * is ready for the next statement; rejects with the server's error (the COPY wrote nothing).
 */
export class PgCopyIn implements pg.Submittable {
  readonly #sql: string;
  // Let go of once used (a COPY queued behind another holds that one through its gate).
  #data: Iterator<string> | null;
  #gate: (() => unknown) | undefined;
  #failure: (() => unknown) | undefined;
  readonly #done: Promise<number>;
  #resolve!: (rows: number) => void;
  #reject!: (err: unknown) => void;
  #connection: pg.Connection | null = null;
  /** Nothing more is written: the data has ended (CopyDone or CopyFail sent), or the COPY failed. */
  #ended = false;
  /** Set when this side failed the COPY (CopyFail): the data ended early, or making it threw. */
  #failedHere: { thrown: boolean; err: unknown } | null = null;
  #rows = 0;
  #settled = false;
  #copied = false;

  constructor(sql: string, data: Iterable<string>, options: CopyInOptions = {}) {
    this.#sql = sql;
    this.#data = data[Symbol.iterator]();
    this.#gate = options.gate;
    this.#failure = options.failure;
    this.#done = new Promise<number>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#done.catch(() => {}); // the caller awaits it
  }

  /** Whether the COPY has ended and wrote its rows (false while it runs, and after a failure). */
  get copied(): boolean {
    return this.#copied;
  }

  /** The rows copied, once the server is ready again; the COPY's failure otherwise. */
  get done(): Promise<number> {
    return this.#done;
  }

  /** Called by the client when it is its turn: the statement, then the data. */
  submit(connection: pg.Connection): Error | undefined {
    const closed = this.#gate?.();
    this.#gate = undefined;
    if (closed !== null && closed !== undefined) {
      this.#ended = true;
      this.#data = null;
      this.#failure = undefined;
      // The client answers with handleError (on the next tick) and goes on with its queue.
      return new CopyNotSent('COPY not sent', { cause: closed });
    }
    this.#connection = connection;
    connection.query(this.#sql);
    this.#pump();
    return undefined;
  }

  /** Writes pieces until the data ends or the socket asks to wait (then again on 'drain'). */
  readonly #pump = (): void => {
    const connection = this.#connection;
    const data = this.#data;
    if (connection === null || data === null || this.#ended) return;
    const socket = connection.stream;
    try {
      for (;;) {
        const next = data.next();
        if (next.done === true) break;
        if (next.value.length === 0) continue;
        if (!socket.write(copyData(next.value))) {
          socket.once('drain', this.#pump);
          return;
        }
      }
    } catch (err) {
      this.#end(connection, { thrown: true, err });
      return;
    }
    const failure = this.#failure?.();
    this.#end(connection, failure === null || failure === undefined ? null : { thrown: false, err: failure });
  };

  #end(connection: pg.Connection, failed: { thrown: boolean; err: unknown } | null): void {
    this.#ended = true;
    this.#data = null;
    this.#failure = undefined;
    const ends = connection as unknown as { endCopyFrom(): void; sendCopyFail(message: string): void };
    if (failed === null) {
      ends.endCopyFrom();
      return;
    }
    this.#failedHere = failed;
    ends.sendCopyFail(errorMessage(failed.err));
  }

  handleCopyInResponse(): void {
    // The data is on its way already.
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(msg?.text ?? '');
    if (match !== null) this.#rows = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.#stop();
    this.#settle(null);
  }

  /** The server's error (the client then makes the next statement wait for ReadyForQuery), or the connection's. */
  handleError(err: unknown): void {
    this.#stop();
    this.#settle(err ?? new Error('COPY failed'));
  }

  #stop(): void {
    this.#ended = true;
    this.#data = null;
    this.#gate = undefined;
    this.#failure = undefined;
    const connection = this.#connection;
    this.#connection = null;
    connection?.stream.off('drain', this.#pump);
  }

  #settle(err: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const failed = this.#failedHere;
    if (failed !== null && err !== null) {
      // Failed by this side as asked: the caller reports why (unless making the data threw).
      if (failed.thrown) this.#reject(failed.err);
      else this.#resolve(0);
      return;
    }
    if (err !== null) {
      this.#reject(err);
      return;
    }
    this.#copied = failed === null;
    this.#resolve(this.#rows);
  }

  // Messages a COPY FROM STDIN does not get; a statement that is not one ends with ReadyForQuery.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
