/**
 * Connections to PostgreSQL: ordinary SQL connections, and the replication connection that speaks
 * the streaming replication protocol (`replication=database`).
 *
 * Transport choice: `pg` (node-postgres) is used for both. Its startup packet carries
 * `replication=database` when the client config has `replication: 'database'`, its simple-query
 * path runs the replication commands (`IDENTIFY_SYSTEM`, `CREATE_REPLICATION_SLOT`, ...), and its
 * public *Submittable* interface (`client.query(obj)` with `submit(connection)`) receives every
 * CopyData message of the active query through `handleCopyData` — `pg` parses CopyBothResponse
 * (`W`, emitted as `replicationStart` on the connection) and CopyData (`d`) already. The frames we
 * send (standby status updates, CopyDone) are framed here and written to `connection.stream`, the
 * socket `pg` exposes. So no second protocol implementation on a raw socket is needed, and
 * authentication (SCRAM, md5), TLS and error parsing stay `pg`'s. `pg-copy-streams`' `both()` and
 * `pg-logical-replication` use the same hooks; neither is needed.
 *
 * Every session is opened with `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=postgres`,
 * `bytea_output=hex` and `extra_float_digits=3`, so the text forms of values (in snapshot rows
 * and in pgoutput tuples, which the walsender renders with its own session settings) have one
 * known shape for the type converters.
 */

import { EventEmitter } from 'node:events';
import { ConnectError } from '@sluice/api';
import pg from 'pg';
import { formatLsn, parseLsn } from './lsn.ts';
import type { SslMode } from './postgres-connector-config.ts';

/** Where and how to connect. */
export interface PgConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string | null;
  database: string;
  sslMode: SslMode;
  /** Application name shown in `pg_stat_activity`. */
  applicationName?: string;
  /** Connect timeout; default 30 s. */
  connectTimeoutMs?: number;
}

const SESSION_OPTIONS =
  '-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=3';

/** Returns every value as the text PostgreSQL sent (no `pg-types` parsing). */
export const RAW_TEXT_TYPES = {
  getTypeParser: () => (value: string) => value,
};

function clientConfig(
  options: PgConnectOptions,
  replication: boolean,
  ssl: boolean | object,
): pg.ClientConfig {
  return {
    host: options.host,
    port: options.port,
    user: options.user,
    ...(options.password === null ? {} : { password: options.password }),
    database: options.database,
    ssl: ssl as pg.ClientConfig['ssl'],
    options: SESSION_OPTIONS,
    application_name: options.applicationName ?? 'sluice-postgres-connector',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 30_000,
    ...(replication ? { replication: 'database' } : {}),
    types: RAW_TEXT_TYPES as unknown as pg.CustomTypesConfig,
  } as pg.ClientConfig;
}

function sslAttempts(mode: SslMode): Array<boolean | object> {
  switch (mode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, { rejectUnauthorized: false }];
    case 'prefer':
      return [{ rejectUnauthorized: false }, false];
    case 'require':
      return [{ rejectUnauthorized: false }];
    case 'verify-ca':
      return [{ rejectUnauthorized: true, checkServerIdentity: () => undefined }];
    case 'verify-full':
      return [{ rejectUnauthorized: true }];
  }
}

function sslRefused(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /does not support SSL|SSL off|no pg_hba.conf entry.*SSL/i.test(text);
}

/**
 * Opens a connected `pg.Client` (a replication connection when `replication` is true), honouring
 * `database.sslmode` (`prefer`/`allow` fall back as libpq does).
 * @throws ConnectError with PostgreSQL's message and the server it tried
 */
export async function connectClient(options: PgConnectOptions, replication = false): Promise<pg.Client> {
  const attempts = sslAttempts(options.sslMode);
  let lastError: unknown;
  for (let i = 0; i < attempts.length; i++) {
    const client = new pg.Client(clientConfig(options, replication, attempts[i]!));
    // Errors after connect are reported to the active query; this keeps them from crashing the process.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => {});
      const canRetry = i + 1 < attempts.length && (sslRefused(err) || options.sslMode === 'allow');
      if (!canRetry) break;
    }
  }
  throw new ConnectError(
    `Could not connect to PostgreSQL at ${options.host}:${options.port} (database "${options.database}", user "${options.user}"${replication ? ', replication connection' : ''}): ${describePgError(lastError)}`,
    { cause: lastError },
  );
}

/** PostgreSQL's message with its SQLSTATE, or the error's message. */
export function describePgError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)
      ? `${err.message} (SQLSTATE ${code})`
      : err.message;
  }
  return String(err);
}

/** The SQLSTATE of a PostgreSQL error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Node's socket error codes that mean the server cannot be reached or the link broke. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/**
 * SQLSTATEs that say the session ended or could not start for a reason that passes: class 08
 * (connection exception), 57P01 admin shutdown (`pg_terminate_backend`, fast shutdown), 57P02
 * crash shutdown, 57P03 cannot connect now (the server is starting or stopping), 53300 too many
 * connections, 55006 object in use (the walsender of the lost connection still holds the slot).
 */
function transientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300' ||
    code === '55006'
  );
}

/** `pg`'s own messages for a connection that went away under it. */
const LOST_CONNECTION_MESSAGE =
  /Connection terminated|not queryable|Client was closed|Connection ended|timeout expired|socket hang up/i;

/**
 * Whether `err` (or an error in its `cause` chain) is a lost or refused connection that may
 * succeed when tried again, rather than a problem that stays (bad credentials, a missing slot,
 * a server error about the data).
 */
export function isConnectionLoss(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e != null && depth < 8; depth++) {
    if (!(e instanceof ConnectError)) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') {
        if (/^[0-9A-Z]{5}$/.test(code)) return transientSqlState(code);
        if (NETWORK_ERROR_CODES.has(code)) return true;
      }
      if (e instanceof Error && LOST_CONNECTION_MESSAGE.test(e.message)) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface SystemIdentity {
  systemId: string;
  timeline: number;
  xlogPos: bigint;
  dbName: string | null;
}

export interface CreatedSlot {
  slotName: string;
  consistentPoint: bigint;
  /** The exported snapshot, valid until this connection runs its next command; null when not exported. */
  snapshotName: string | null;
}

/** What the stream delivers to its owner. Called synchronously from the socket's data handler. */
export interface ReplicationStreamHandler {
  /** One CopyData payload (an XLogData or keepalive frame), a buffer the handler owns. */
  onFrame(frame: Buffer): void;
  /** The stream ended with an error (server error, lost connection). */
  onError(err: Error): void;
  /** The stream ended normally (CopyDone from the server, or after {@link ReplicationConnection.close}). */
  onEnd(): void;
}

/** Quotes an identifier for replication commands and SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A replication connection. Commands run one at a time; after {@link startReplication} the
 * connection is in CopyBoth mode until it is closed.
 */
export class ReplicationConnection {
  readonly #client: pg.Client;
  #stream: StartReplicationQuery | null = null;
  #closed = false;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  /** @throws ConnectError when the connection cannot be made (message from PostgreSQL) */
  static async open(options: PgConnectOptions): Promise<ReplicationConnection> {
    return new ReplicationConnection(await connectClient(options, true));
  }

  /** `IDENTIFY_SYSTEM`. */
  async identifySystem(): Promise<SystemIdentity> {
    const res = await this.#client.query('IDENTIFY_SYSTEM');
    const row = res.rows[0] as Record<string, string | null> | undefined;
    if (row === undefined) throw new ConnectError('IDENTIFY_SYSTEM returned no row');
    return {
      systemId: String(row.systemid),
      timeline: Number(row.timeline),
      xlogPos: parseLsn(String(row.xlogpos)),
      dbName: row.dbname ?? null,
    };
  }

  /**
   * `CREATE_REPLICATION_SLOT "<name>" [TEMPORARY] LOGICAL pgoutput (SNAPSHOT 'export'|'nothing')`
   * (PostgreSQL 15+ option syntax; the older `EXPORT_SNAPSHOT`/`NOEXPORT_SNAPSHOT` words for 10–14).
   * @throws the PostgreSQL error (SQLSTATE 42710 when the slot exists)
   */
  async createSlot(
    name: string,
    options: { temporary: boolean; exportSnapshot: boolean; serverVersion: number },
  ): Promise<CreatedSlot> {
    const snapshot =
      options.serverVersion >= 150000
        ? ` (SNAPSHOT '${options.exportSnapshot ? 'export' : 'nothing'}')`
        : options.exportSnapshot
          ? ' EXPORT_SNAPSHOT'
          : ' NOEXPORT_SNAPSHOT';
    const res = await this.#client.query(
      `CREATE_REPLICATION_SLOT ${quoteIdent(name)}${options.temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput${snapshot}`,
    );
    const row = res.rows[0] as Record<string, string | null> | undefined;
    if (row === undefined) throw new ConnectError('CREATE_REPLICATION_SLOT returned no row');
    return {
      slotName: String(row.slot_name),
      consistentPoint: parseLsn(String(row.consistent_point)),
      snapshotName: row.snapshot_name ?? null,
    };
  }

  /**
   * `START_REPLICATION SLOT "<slot>" LOGICAL <lsn> (proto_version '1', publication_names '<pubs>')`.
   * Resolves once the server answered CopyBothResponse; from then on frames go to `handler`.
   * @throws the PostgreSQL error when the server refuses (e.g. 55006 slot in use, 42704 no such slot)
   */
  async startReplication(
    slot: string,
    startLsn: bigint,
    publications: readonly string[],
    handler: ReplicationStreamHandler,
  ): Promise<void> {
    if (this.#stream !== null) throw new ConnectError('Replication is already started on this connection');
    const pubs = publications.map((p) => quoteIdent(p)).join(',');
    const text = `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(startLsn)} (proto_version '1', publication_names ${quoteLiteral(pubs)})`;
    const query = new StartReplicationQuery(text, handler);
    this.#stream = query;
    const started = new Promise<void>((resolve, reject) => {
      query.once('started', resolve);
      query.once('failed', reject);
    });
    this.#client.query(query);
    try {
      await started;
    } catch (err) {
      this.#stream = null; // the connection is back in command mode and may try again
      throw err;
    }
  }

  /** Sends a standby status update (only while streaming). */
  sendCopyData(payload: Buffer): void {
    const stream = this.#stream;
    if (stream === null || stream.connection === null || this.#closed) return;
    const header = Buffer.alloc(5);
    header[0] = 0x64; // d
    header.writeInt32BE(payload.length + 4, 1);
    stream.connection.stream.write(Buffer.concat([header, payload]));
  }

  /** Stops reading from the server (backpressure); keepalives are not read meanwhile. */
  pause(): void {
    this.#stream?.connection?.stream.pause();
  }

  resume(): void {
    this.#stream?.connection?.stream.resume();
  }

  /** Runs a (simple-protocol) command; for commands other than streaming. */
  async query(text: string): Promise<pg.QueryResult> {
    return await this.#client.query(text);
  }

  /** Ends the session (a running stream ends with `onEnd`). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream?.closing();
    await this.#client.end().catch(() => {});
  }
}

/**
 * The START_REPLICATION command as a `pg` Submittable: `pg` hands it the connection to send the
 * command, then every message of its response (CopyData frames, an error, ReadyForQuery).
 */
class StartReplicationQuery extends EventEmitter implements pg.Submittable {
  readonly text: string;
  readonly #handler: ReplicationStreamHandler;
  connection: pg.Connection | null = null;
  #streaming = false;
  #done = false;
  #closing = false;

  constructor(text: string, handler: ReplicationStreamHandler) {
    super();
    this.text = text;
    this.#handler = handler;
  }

  submit(connection: pg.Connection): void {
    this.connection = connection;
    connection.once('replicationStart', () => {
      this.#streaming = true;
      this.emit('started');
    });
    connection.once('end', () => this.#finish(null));
    connection.query(this.text);
  }

  closing(): void {
    this.#closing = true;
  }

  /**
   * `pg` hands out each CopyData payload as a view into its read buffer, which it reuses (moves
   * unread bytes to the front) when the next socket chunk arrives; a frame kept past this call
   * would be overwritten. So the handler gets a copy it owns.
   */
  handleCopyData(msg: { chunk: Buffer }): void {
    if (!this.#done) this.#handler.onFrame(Buffer.from(msg.chunk));
  }

  handleError(err: Error): void {
    this.#finish(err);
  }

  handleReadyForQuery(): void {
    this.#finish(null);
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}

  #finish(err: Error | null): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#streaming) {
      this.emit(
        'failed',
        err ?? new ConnectError(`The server ended START_REPLICATION without streaming (${this.text})`),
      );
      return;
    }
    if (err !== null && !this.#closing) this.#handler.onError(err);
    else this.#handler.onEnd();
  }
}
