/**
 * One connection to MySQL/MariaDB (`mysql2`), PostgreSQL (`pg`) or SQLite (`node:sqlite`) behind
 * one interface: small queries, statements, transactions, and streamed result sets whose columns
 * come with the metadata JDBC's `ResultSetMetaData` gives (type, signedness, precision, scale,
 * nullability), from which the source builds Connect schemas.
 *
 * Values come back in raw, lossless forms: integers as number/bigint/decimal text, DECIMAL and
 * every date/time type as text, binary as Uint8Array, booleans as boolean (PostgreSQL) or number.
 */

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { FieldPacket, Connection as MySqlConnection } from 'mysql2';
import pg from 'pg';
import type { JdbcUrl } from './jdbc-url.ts';
import { backslashLiteral, doublingLiteral, type StringLiteral } from './mysql-text.ts';
import { type CopyNotSent, PgCopyIn } from './pg-copy-in.ts';
import { type Dialect, dialectFor, type TableId } from './sql.ts';

const require = createRequire(import.meta.url);

/** JDBC's type families (`java.sql.Types`) as far as the connectors tell them apart. */
export type SqlType =
  | 'BIT'
  | 'BOOLEAN'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'REAL'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'CHAR'
  | 'BINARY'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP'
  | 'ARRAY'
  | 'OTHER';

export interface ColumnMeta {
  name: string;
  type: SqlType;
  /** Database type name, e.g. `int unsigned`, `numeric`, `jsonb`. */
  typeName: string;
  signed: boolean;
  precision: number;
  /** -1 when the column has no declared scale (PostgreSQL's unconstrained NUMERIC). */
  scale: number;
  /** null when the database does not say (JDBC's `columnNullableUnknown`). */
  nullable: boolean | null;
  /** An auto-increment / serial / identity column (JDBC's `isAutoIncrement`). */
  autoIncrement?: boolean;
  /**
   * A date/time type that holds an instant (MySQL TIMESTAMP, PostgreSQL TIMESTAMP WITH TIME
   * ZONE): read as UTC (the sessions' zone) whatever `db.timezone` says.
   */
  instant?: boolean;
}

/** A column of an existing table, as the sink sees it. */
export interface TableColumn {
  name: string;
  nullable: boolean;
  primaryKey: boolean;
  typeName: string;
}

export interface QueryStream {
  readonly columns: ColumnMeta[];
  /**
   * Up to `max` rows (values in column order): those already received, or at least one once it
   * arrives; an empty array at the end.
   */
  read(max: number): Promise<unknown[][]>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: JdbcUrl;
  user: string | null;
  password: string | null;
  connectTimeoutMs?: number;
}

export interface Database {
  readonly dialect: Dialect;
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a statement; the number of rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  stream(sql: string, params: readonly unknown[], fetchSize: number): Promise<QueryStream>;
  /**
   * PostgreSQL only: runs `COPY ... FROM STDIN` with this text-format data, sent piece by piece as
   * the iterable yields it (so the server parses while the rest is produced), right behind the
   * statement (the call sends the statement and the data it can before returning). When `failure`
   * returns an error once the data has ended, the COPY is failed (CopyFail: no row of it stays,
   * even outside a transaction) instead of completed. With `afterCopy`, the COPY may be started
   * while the one started last on this connection (nothing since) still runs: it is queued behind
   * it and sent only if that one wrote its rows; otherwise nothing of it is sent and it rejects
   * with {@link CopyNotSent}.
   */
  copyIn?(
    sql: string,
    data: Iterable<string>,
    failure?: () => unknown,
    options?: { afterCopy?: boolean },
  ): Promise<void>;
  /**
   * MySQL/MariaDB only: runs `LOAD DATA LOCAL INFILE` (the statement, naming the file 'stream')
   * with this data as the file, streamed as the iterable yields it; the rows it inserted and the
   * warnings it raised.
   */
  loadData?(sql: string, data: Iterable<string>): Promise<{ affectedRows: number; warnings: number }>;
  /**
   * MySQL/MariaDB only: how a text is written as a string literal in the session's SQL mode now
   * (backslash escapes, or doubled quotes only under NO_BACKSLASH_ESCAPES), as mysql2 writes
   * placeholder values.
   */
  stringLiteral?(): StringLiteral;
  /**
   * MySQL/MariaDB: turns autocommit off for the session, so that every statement joins the
   * transaction that commit()/rollback() ends and begin() needs no round trip. For a connection
   * that only writes in transactions (the sink), never for one whose reads must see new rows.
   */
  implicitTransactions?(): Promise<void>;
  /** PostgreSQL: whether begin() has opened a transaction that is not finished. */
  readonly inTransaction?: boolean;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Tables (and views when asked) of the connection's database/schemas. */
  listTables(
    types: readonly string[],
    catalogPattern: string | null,
    schemaPattern: string | null,
  ): Promise<TableId[]>;
  /** The columns of a table, or null when it does not exist. */
  describeTable(table: TableId): Promise<TableColumn[] | null>;
  /** The database's current time (UTC) as `YYYY-MM-DD HH:MM:SS.ffffff`. */
  currentTime(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Whether a column type (as {@link Database.describeTable} names it) holds an instant rather than
 * a wall-clock time: MySQL TIMESTAMP, PostgreSQL TIMESTAMP/TIME WITH TIME ZONE.
 */
export function isInstantType(kind: Dialect['kind'], typeName: string): boolean {
  const t = typeName.toLowerCase();
  if (kind === 'mysql') return t.startsWith('timestamp');
  if (kind === 'postgresql') return t.includes('with time zone');
  return false;
}

/** Opens a connection of the kind the URL names. */
export async function openDatabase(options: ConnectOptions): Promise<Database> {
  switch (options.url.kind) {
    case 'mysql':
      return await MySqlDatabase.open(options);
    case 'postgresql':
      return await PostgresDatabase.open(options);
    case 'sqlite':
      return SqliteDatabase.open(options);
  }
}

// ---------------------------------------------------------------------------------------------
// MySQL / MariaDB

// mysql2 column type codes and flags.
const MY = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;
const NOT_NULL_FLAG = 1;
const UNSIGNED_FLAG = 32;
const AUTO_INCREMENT_FLAG = 512;
const BINARY_CHARSET = 63;

export function mysqlColumn(field: FieldPacket): ColumnMeta {
  const f = field as FieldPacket & { columnType?: number; characterSet?: number; columnLength?: number };
  const code = f.columnType ?? f.type ?? MY.VAR_STRING;
  const flags = typeof f.flags === 'number' ? f.flags : 0;
  const signed = (flags & UNSIGNED_FLAG) === 0;
  const binary = f.characterSet === BINARY_CHARSET;
  const length = f.columnLength ?? 0;
  const decimals = f.decimals ?? 0;
  let type: SqlType;
  let precision = length;
  let scale = 0;
  switch (code) {
    case MY.BIT:
      type = length <= 1 ? 'BIT' : 'BINARY';
      break;
    case MY.TINY:
      type = 'TINYINT';
      break;
    case MY.SHORT:
      type = 'SMALLINT';
      break;
    case MY.INT24:
    case MY.LONG:
      type = 'INTEGER';
      break;
    case MY.LONGLONG:
      type = 'BIGINT';
      break;
    case MY.FLOAT:
      type = 'REAL';
      break;
    case MY.DOUBLE:
      type = 'DOUBLE';
      break;
    case MY.DECIMAL:
    case MY.NEWDECIMAL:
      type = 'DECIMAL';
      scale = decimals;
      // columnLength counts the sign and the point.
      precision = Math.max(1, length - (decimals > 0 ? 1 : 0) - (signed ? 1 : 0));
      break;
    case MY.DATE:
    case MY.NEWDATE:
    case MY.YEAR:
      type = 'DATE';
      break;
    case MY.TIME:
      type = 'TIME';
      break;
    case MY.DATETIME:
    case MY.TIMESTAMP:
      type = 'TIMESTAMP';
      break;
    case MY.TINY_BLOB:
    case MY.MEDIUM_BLOB:
    case MY.LONG_BLOB:
    case MY.BLOB:
    case MY.VAR_STRING:
    case MY.STRING:
    case MY.VARCHAR:
      type = binary ? 'BINARY' : 'CHAR';
      break;
    case MY.JSON:
    case MY.ENUM:
    case MY.SET:
      type = 'CHAR';
      break;
    default:
      type = 'OTHER';
  }
  return {
    name: f.name,
    type,
    typeName: `mysql type ${code}${signed ? '' : ' unsigned'}`,
    signed,
    precision,
    scale,
    nullable: (flags & NOT_NULL_FLAG) === 0,
    autoIncrement: (flags & AUTO_INCREMENT_FLAG) !== 0,
    instant: code === MY.TIMESTAMP,
  };
}

class MySqlDatabase implements Database {
  readonly dialect = dialectFor('mysql');
  readonly #conn: MySqlConnection;
  readonly #database: string;
  /** Set once the connection broke: mysql2 then reports new commands only on the connection. */
  #fatal: Error | null = null;

  #alive(): void {
    if (this.#fatal !== null) {
      const err = new Error(`Connection lost: ${this.#fatal.message}`, { cause: this.#fatal });
      (err as Error & { code?: string }).code = 'PROTOCOL_CONNECTION_LOST';
      throw err;
    }
  }

  private constructor(conn: MySqlConnection, database: string) {
    this.#conn = conn;
    this.#database = database;
  }

  static async open(options: ConnectOptions): Promise<MySqlDatabase> {
    const mysql = require('mysql2') as typeof import('mysql2');
    const { url } = options;
    const conn = mysql.createConnection({
      host: url.host,
      port: url.port,
      user: options.user ?? url.params.user,
      password: options.password ?? url.params.password,
      database: url.database === '' ? undefined : url.database,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      multipleStatements: false,
      charset: 'utf8mb4',
      // LOAD DATA LOCAL reads only the data the sink hands over (see loadData): with no
      // infileStreamFactory, mysql2 refuses any file the server asks for.
      flags: ['+LOCAL_FILES'],
    });
    const db = new MySqlDatabase(conn, url.database);
    try {
      await new Promise<void>((resolve, reject) => {
        conn.connect((err) => (err ? reject(err) : resolve()));
      });
      conn.on('error', (err: Error & { fatal?: boolean }) => {
        // A broken connection surfaces on the next call (see #alive).
        if (err.fatal !== false) db.#fatal ??= err;
      });
      conn.on('end', () => {
        db.#fatal ??= new Error('the connection was closed');
      });
      await db.execute("SET time_zone = '+00:00'");
    } catch (err) {
      conn.destroy();
      throw err;
    }
    return db;
  }

  query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      this.#alive();
      this.#conn.query(sql, params as unknown[], (err, rows) => {
        if (err) reject(err);
        else resolve(Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []);
      });
    });
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#alive();
      this.#conn.query(sql, params as unknown[], (err, result) => {
        if (err) reject(err);
        else resolve((result as { affectedRows?: number }).affectedRows ?? 0);
      });
    });
  }

  async stream(sql: string, params: readonly unknown[], fetchSize: number): Promise<QueryStream> {
    this.#alive();
    const query = this.#conn.query({ sql, values: params as unknown[], rowsAsArray: true });
    const readable = query.stream({ highWaterMark: Math.max(16, fetchSize) });
    const conn = this.#conn;
    const columns = await new Promise<ColumnMeta[]>((resolve, reject) => {
      const onError = (err: Error): void => {
        readable.off('error', onError);
        conn.off('error', onError);
        reject(err);
      };
      query.once('fields', (fields: FieldPacket[]) => {
        readable.off('error', onError);
        conn.off('error', onError);
        resolve(fields.map(mysqlColumn));
      });
      readable.once('error', onError);
      conn.once('error', onError);
      query.once('end', () => resolve([]));
    });
    // Rows are taken with read() while the stream holds some, and awaited only when it is empty.
    let done = false;
    let ended = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    readable.on('readable', notify);
    readable.once('end', () => {
      ended = true;
      notify();
    });
    readable.once('error', (err: Error) => {
      failure = err;
      notify();
    });
    const connError = (err: Error): void => {
      failure ??= err;
      notify();
    };
    conn.on('error', connError);
    const read = async (max: number): Promise<unknown[][]> => {
      const rows: unknown[][] = [];
      for (;;) {
        if (done) return rows;
        while (rows.length < max) {
          const row = readable.read() as unknown[] | null;
          if (row === null) break;
          rows.push(row);
        }
        if (rows.length > 0) return rows;
        if (failure !== null) {
          done = true;
          conn.off('error', connError);
          throw failure;
        }
        if (ended) {
          done = true;
          conn.off('error', connError);
          return rows;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    };
    return {
      columns,
      read,
      async close() {
        // Reading the rest is the only way to free the connection mid-result.
        while (!done) {
          const rows = await read(10_000).catch(() => []);
          if (rows.length === 0) break;
        }
        done = true;
        conn.off('error', connError);
      },
    };
  }

  loadData(sql: string, data: Iterable<string>): Promise<{ affectedRows: number; warnings: number }> {
    // The data (and through it the put's records) is let go as soon as it is read: mysql2 keeps
    // the query, its callbacks and the stream for a while after the load, and whatever they
    // still point at from the old generation a young-generation GC counts as alive and promotes
    // (a 1M-row load promoted 9-13 MB of records per scavenge: ~0.5 s more GC and a peak RSS of
    // ~360 MB instead of ~250). So no closure below refers to `data`, only to `source`.
    let source: Iterable<string> | null = data;
    const buffers = function* (): Generator<Buffer> {
      const pieces = source;
      source = null;
      if (pieces === null) return;
      for (const piece of pieces) yield Buffer.from(piece);
    };
    return new Promise((resolve, reject) => {
      this.#alive();
      this.#conn.query(
        { sql, infileStreamFactory: () => Readable.from(buffers()) } as never,
        (err: Error | null, result: unknown) => {
          source = null;
          if (err) reject(err);
          else {
            const r = result as { affectedRows?: number; warningStatus?: number };
            resolve({ affectedRows: r.affectedRows ?? 0, warnings: r.warningStatus ?? 0 });
          }
        },
      );
    });
  }

  stringLiteral(): StringLiteral {
    const status = (this.#conn as unknown as { serverStatus?: number }).serverStatus ?? 0;
    // SERVER_STATUS_NO_BACKSLASH_ESCAPES: the server's last answer said the mode is on.
    return (status & 512) !== 0 ? doublingLiteral : backslashLiteral;
  }

  /** Autocommit is off (see implicitTransactions): a transaction starts with its first statement. */
  #implicit = false;

  async implicitTransactions(): Promise<void> {
    await this.execute('SET autocommit = 0');
    this.#implicit = true;
  }

  async begin(): Promise<void> {
    if (!this.#implicit) await this.execute('START TRANSACTION');
  }
  async commit(): Promise<void> {
    await this.execute('COMMIT');
  }
  async rollback(): Promise<void> {
    await this.execute('ROLLBACK');
  }

  async listTables(types: readonly string[], catalogPattern: string | null): Promise<TableId[]> {
    const tableTypes = types.map((t) => (t.toUpperCase() === 'TABLE' ? 'BASE TABLE' : t.toUpperCase()));
    const catalog = catalogPattern ?? this.#database;
    const rows = await this.query(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE ? AND TABLE_TYPE IN (${tableTypes.map(() => '?').join(',')}) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
      [catalog, ...tableTypes],
    );
    return rows.map((r) => ({ catalog: String(r.s), schema: null, table: String(r.t) }));
  }

  async describeTable(table: TableId): Promise<TableColumn[] | null> {
    const rows = await this.query(
      'SELECT COLUMN_NAME AS n, IS_NULLABLE AS nl, COLUMN_KEY AS k, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [table.catalog ?? this.#database, table.table],
    );
    if (rows.length === 0) return null;
    return rows.map((r) => ({
      name: String(r.n),
      nullable: r.nl === 'YES',
      primaryKey: r.k === 'PRI',
      typeName: String(r.t),
    }));
  }

  async currentTime(): Promise<string> {
    const rows = await this.query('SELECT UTC_TIMESTAMP(6) AS now');
    return String(rows[0]?.now);
  }

  async close(): Promise<void> {
    // No graceful QUIT: a streamed result may still be open, and nothing is pending otherwise.
    this.#conn.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const PG = {
  BOOL: 16,
  BYTEA: 17,
  NAME: 19,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  TEXT: 25,
  OID: 26,
  JSON: 114,
  XML: 142,
  FLOAT4: 700,
  FLOAT8: 701,
  BPCHAR: 1042,
  VARCHAR: 1043,
  DATE: 1082,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  TIMETZ: 1266,
  BIT: 1560,
  NUMERIC: 1700,
  UUID: 2950,
  JSONB: 3802,
  CHAR: 18,
} as const;

const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

function pgColumnType(oid: number, typmod: number): Omit<ColumnMeta, 'name' | 'nullable'> {
  const base = { signed: true, precision: 0, scale: 0 };
  switch (oid) {
    case PG.BOOL:
      return { ...base, type: 'BOOLEAN', typeName: 'bool' };
    case PG.BIT:
      return { ...base, type: typmod === 1 ? 'BIT' : 'BINARY', typeName: 'bit' };
    case PG.INT2:
      return { ...base, type: 'SMALLINT', typeName: 'int2' };
    case PG.INT4:
      return { ...base, type: 'INTEGER', typeName: 'int4' };
    case PG.OID:
    case PG.INT8:
      return { ...base, type: 'BIGINT', typeName: 'int8' };
    case PG.FLOAT4:
      return { ...base, type: 'REAL', typeName: 'float4' };
    case PG.FLOAT8:
      return { ...base, type: 'DOUBLE', typeName: 'float8' };
    case PG.NUMERIC:
      if (typmod < 4) return { ...base, type: 'DECIMAL', typeName: 'numeric', precision: 0, scale: -1 };
      return {
        ...base,
        type: 'DECIMAL',
        typeName: 'numeric',
        precision: ((typmod - 4) >> 16) & 0xffff,
        scale: (typmod - 4) & 0xffff,
      };
    case PG.DATE:
      return { ...base, type: 'DATE', typeName: 'date' };
    case PG.TIME:
    case PG.TIMETZ:
      return oid === PG.TIME
        ? { ...base, type: 'TIME', typeName: 'time' }
        : { ...base, type: 'TIME', typeName: 'timetz', instant: true };
    case PG.TIMESTAMP:
    case PG.TIMESTAMPTZ:
      return oid === PG.TIMESTAMP
        ? { ...base, type: 'TIMESTAMP', typeName: 'timestamp' }
        : { ...base, type: 'TIMESTAMP', typeName: 'timestamptz', instant: true };
    case PG.BYTEA:
      return { ...base, type: 'BINARY', typeName: 'bytea' };
    case PG.TEXT:
    case PG.VARCHAR:
    case PG.BPCHAR:
    case PG.CHAR:
    case PG.NAME:
    case PG.JSON:
    case PG.JSONB:
    case PG.UUID:
    case PG.XML:
      return { ...base, type: 'CHAR', typeName: `oid ${oid}` };
    default:
      return { ...base, type: 'OTHER', typeName: `oid ${oid}` };
  }
}

/** The types {@link pgValue} changes. */
const PG_CONVERTED = new Set<number>([PG.BOOL, PG.INT2, PG.INT4, PG.FLOAT4, PG.FLOAT8, PG.BYTEA]);

/** Converts pg's text form of a value to the raw form the mapping expects. */
function pgValue(oid: number, text: string | null): unknown {
  if (text === null) return null;
  switch (oid) {
    case PG.BOOL:
      return text === 't';
    case PG.INT2:
    case PG.INT4:
      return Number(text);
    case PG.FLOAT4:
    case PG.FLOAT8:
      return text === 'NaN'
        ? Number.NaN
        : text === 'Infinity'
          ? Infinity
          : text === '-Infinity'
            ? -Infinity
            : Number(text);
    case PG.BYTEA:
      return text.startsWith('\\x') ? new Uint8Array(Buffer.from(text.slice(2), 'hex')) : Buffer.from(text);
    default:
      return text;
  }
}

class PostgresDatabase implements Database {
  readonly dialect = dialectFor('postgresql');
  readonly #client: pg.Client;
  #inTransaction = false;
  #cursorCount = 0;
  /** The COPY started last on this connection. */
  #lastCopy: PgCopyIn | null = null;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async open(options: ConnectOptions): Promise<PostgresDatabase> {
    const { url } = options;
    const client = new pg.Client({
      host: url.host,
      port: url.port,
      user: options.user ?? url.params.user ?? undefined,
      password: options.password ?? url.params.password ?? undefined,
      database: url.database === '' ? undefined : url.database,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      types: rawText,
    });
    client.on('error', () => {}); // surfaces on the next query
    try {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'");
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return new PostgresDatabase(client);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.#client.query(sql, params as unknown[]);
    return result.rows as Record<string, unknown>[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.#client.query(sql, params as unknown[]);
    return result.rowCount ?? 0;
  }

  async stream(sql: string, params: readonly unknown[], fetchSize: number): Promise<QueryStream> {
    // A cursor in a transaction of its own (unless one is open): rows arrive fetchSize at a time.
    const ownTransaction = !this.#inTransaction;
    if (ownTransaction) await this.#client.query('BEGIN READ ONLY');
    const cursor = `sluice_cursor_${++this.#cursorCount}`;
    const client = this.#client;
    let buffer: unknown[][] = [];
    let oids: number[] = [];
    let closed = false;
    // Only the columns whose text form is not the raw form are converted, in place.
    const convertRows = (rows: unknown[][]): unknown[][] => {
      const convert: number[] = [];
      for (let i = 0; i < oids.length; i++) if (PG_CONVERTED.has(oids[i]!)) convert.push(i);
      if (convert.length === 0) return rows;
      for (const row of rows) {
        for (const i of convert) row[i] = pgValue(oids[i]!, row[i] as string | null);
      }
      return rows;
    };
    // The next FETCH is sent as soon as a batch arrives, so the server reads it while this batch
    // is converted and handed out (a failure surfaces when that batch is awaited).
    let pending: Promise<pg.QueryResult> | null = null;
    const request = (): Promise<pg.QueryResult> => {
      const next = client.query({ text: `FETCH ${fetchSize} FROM ${cursor}`, rowMode: 'array' });
      next.catch(() => {});
      return next;
    };
    const take = (r: pg.QueryResult): void => {
      oids = r.fields.map((f) => f.dataTypeID);
      if (r.rows.length === fetchSize) pending = request();
      buffer = convertRows(r.rows as unknown[][]);
    };
    try {
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params as unknown[]);
      const first = await request();
      take(first);
      const columns = await this.#describeFields(first.fields);
      let index = 0;
      return {
        columns,
        async read(max) {
          if (closed) return [];
          if (index >= buffer.length) {
            if (pending === null) return [];
            const next = pending;
            pending = null;
            take(await next);
            index = 0;
          }
          if (index === 0 && buffer.length <= max) {
            index = buffer.length;
            return buffer;
          }
          const rows = buffer.slice(index, index + max);
          index += rows.length;
          return rows;
        },
        async close() {
          if (closed) return;
          closed = true;
          if (pending !== null) await pending.catch(() => {});
          pending = null;
          await client.query(`CLOSE ${cursor}`).catch(() => {});
          if (ownTransaction) await client.query('COMMIT').catch(() => {});
        },
      };
    } catch (err) {
      if (ownTransaction) await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async copyIn(
    sql: string,
    data: Iterable<string>,
    failure?: () => unknown,
    options: { afterCopy?: boolean } = {},
  ): Promise<void> {
    // The statement and its data go out together (no wait for the server's go-ahead), each piece
    // as it is made: the server parses a piece while the next is encoded (see PgCopyIn).
    const previous = this.#lastCopy;
    const gate =
      options.afterCopy === true && previous !== null
        ? () => (previous.copied ? null : 'the COPY before it did not write its rows')
        : undefined;
    const copy = new PgCopyIn(sql, data, { failure, gate });
    this.#lastCopy = copy;
    this.#client.query(copy);
    await copy.done;
  }

  async #describeFields(fields: pg.FieldDef[]): Promise<ColumnMeta[]> {
    // Nullability comes from the catalog, for columns that are columns of a table (as pgjdbc does).
    const keyed = fields.filter((f) => f.tableID !== 0);
    const notNull = new Map<string, boolean>();
    const serial = new Set<string>();
    if (keyed.length > 0) {
      const r = await this.#client.query(
        `SELECT a.attrelid::int8::text AS rel, a.attnum::text AS num, a.attnotnull,
                (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') AS serial
         FROM pg_catalog.pg_attribute a
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE (a.attrelid, a.attnum) IN (SELECT * FROM unnest($1::oid[], $2::int2[]))`,
        [keyed.map((f) => f.tableID), keyed.map((f) => f.columnID)],
      );
      for (const row of r.rows as Array<{ rel: string; num: string; attnotnull: string; serial: string }>) {
        notNull.set(`${row.rel}:${row.num}`, row.attnotnull === 't');
        if (row.serial === 't') serial.add(`${row.rel}:${row.num}`);
      }
    }
    // Types the source does not map are named from the catalog (`_int4`, `point`), arrays told
    // apart (pgjdbc reports them as java.sql.Types.ARRAY), for the warning that leaves them out.
    const unknown = [...new Set(fields.map((f) => f.dataTypeID))].filter(
      (oid) => pgColumnType(oid, -1).type === 'OTHER',
    );
    const catalogTypes = new Map<number, { name: string; array: boolean }>();
    if (unknown.length > 0) {
      const r = await this.#client.query(
        'SELECT oid::int8::text AS oid, typname, typcategory FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
        [unknown],
      );
      for (const row of r.rows as Array<{ oid: string; typname: string; typcategory: string }>) {
        catalogTypes.set(Number(row.oid), { name: row.typname, array: row.typcategory === 'A' });
      }
    }
    return fields.map((f) => {
      const known = notNull.get(`${f.tableID}:${f.columnID}`);
      const catalog = catalogTypes.get(f.dataTypeID);
      return {
        name: f.name,
        ...pgColumnType(f.dataTypeID, f.dataTypeModifier),
        ...(catalog === undefined ? {} : { type: catalog.array ? 'ARRAY' : 'OTHER', typeName: catalog.name }),
        nullable: known === undefined ? null : !known,
        autoIncrement: serial.has(`${f.tableID}:${f.columnID}`),
      };
    });
  }

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  async begin(): Promise<void> {
    await this.#client.query('BEGIN');
    this.#inTransaction = true;
  }
  async commit(): Promise<void> {
    this.#inTransaction = false;
    await this.#client.query('COMMIT');
  }
  async rollback(): Promise<void> {
    this.#inTransaction = false;
    await this.#client.query('ROLLBACK');
  }

  async listTables(
    types: readonly string[],
    _catalogPattern: string | null,
    schemaPattern: string | null,
  ): Promise<TableId[]> {
    const tableTypes = types.map((t) => (t.toUpperCase() === 'TABLE' ? 'BASE TABLE' : t.toUpperCase()));
    const rows = await this.query(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_type = ANY($1::text[]) AND table_schema NOT IN ('pg_catalog', 'information_schema')
         AND table_schema NOT LIKE 'pg_toast%' AND table_schema LIKE $2
       ORDER BY table_schema, table_name`,
      [tableTypes, schemaPattern ?? '%'],
    );
    return rows.map((r) => ({ catalog: null, schema: String(r.s), table: String(r.t) }));
  }

  async describeTable(table: TableId): Promise<TableColumn[] | null> {
    const rows = await this.query(
      `SELECT a.attname AS n, NOT a.attnotnull AS nl, format_type(a.atttypid, a.atttypmod) AS t,
              COALESCE(a.attnum = ANY(i.indkey), false) AS pk
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary
       WHERE c.relname = $1 AND ns.nspname = COALESCE($2, current_schema()) AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [table.table, table.schema],
    );
    if (rows.length === 0) return null;
    return rows.map((r) => ({
      name: String(r.n),
      nullable: r.nl === 't' || r.nl === true,
      primaryKey: r.pk === 't' || r.pk === true,
      typeName: String(r.t),
    }));
  }

  async currentTime(): Promise<string> {
    const rows = await this.query(
      "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS now",
    );
    return String(rows[0]?.now);
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite

type SqliteModule = typeof import('node:sqlite');

/** xerial's mapping of a declared column type to a JDBC type (by the words in it). */
export function sqliteDeclaredType(declared: string | null): Omit<ColumnMeta, 'name' | 'nullable'> {
  const t = (declared ?? '').toUpperCase();
  const base = { signed: true, precision: 0, scale: 0, typeName: declared ?? '' };
  const m = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  if (t === '') return { ...base, type: 'OTHER' };
  if (t.startsWith('BOOLEAN') || t.startsWith('BOOL')) return { ...base, type: 'BOOLEAN' };
  if (t.startsWith('TINYINT')) return { ...base, type: 'TINYINT' };
  if (t.startsWith('SMALLINT')) return { ...base, type: 'SMALLINT' };
  if (t.startsWith('BIGINT')) return { ...base, type: 'BIGINT' };
  if (t.includes('INT')) return { ...base, type: t === 'INTEGER' ? 'BIGINT' : 'INTEGER' };
  if (t.startsWith('DECIMAL') || t.startsWith('NUMERIC')) {
    if (m === null) return { ...base, type: 'DECIMAL', scale: -1 };
    return {
      ...base,
      type: 'DECIMAL',
      precision: Number(m[1]),
      scale: m[2] === undefined ? 0 : Number(m[2]),
    };
  }
  if (t.startsWith('DATETIME') || t.startsWith('TIMESTAMP')) return { ...base, type: 'TIMESTAMP' };
  if (t.startsWith('DATE')) return { ...base, type: 'DATE' };
  if (t.startsWith('TIME')) return { ...base, type: 'TIME' };
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT') || t.includes('JSON')) {
    return { ...base, type: 'CHAR' };
  }
  if (t.includes('BLOB') || t.includes('BINARY')) return { ...base, type: 'BINARY' };
  if (t.startsWith('REAL') || t.startsWith('FLOAT'))
    return { ...base, type: t.startsWith('REAL') ? 'DOUBLE' : 'REAL' };
  if (t.includes('DOUB')) return { ...base, type: 'DOUBLE' };
  return { ...base, type: 'OTHER' };
}

class SqliteDatabase implements Database {
  readonly dialect = dialectFor('sqlite');
  readonly #db: InstanceType<SqliteModule['DatabaseSync']>;

  private constructor(db: InstanceType<SqliteModule['DatabaseSync']>) {
    this.#db = db;
  }

  static open(options: ConnectOptions): SqliteDatabase {
    const { DatabaseSync } = require('node:sqlite') as SqliteModule;
    const db = new DatabaseSync(options.url.database);
    db.exec('PRAGMA busy_timeout = 10000');
    return new SqliteDatabase(db);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const stmt = this.#db.prepare(sql);
    return stmt.all(...(params as never[])) as Record<string, unknown>[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const stmt = this.#db.prepare(sql);
    return Number(stmt.run(...(params as never[])).changes);
  }

  async stream(sql: string, params: readonly unknown[]): Promise<QueryStream> {
    const stmt = this.#db.prepare(sql);
    stmt.setReadBigInts(true);
    stmt.setReturnArrays(true);
    const notNull = new Map<string, Set<string>>();
    const rowids = new Map<string, string>();
    const columns: ColumnMeta[] = stmt.columns().map((c) => {
      let nullable: boolean | null = null;
      if (c.table !== null && c.column !== null) {
        let set = notNull.get(c.table);
        if (set === undefined) {
          set = new Set<string>();
          const info = this.#db.prepare(`PRAGMA table_info(${quoteSqlite(c.table)})`).all() as Array<{
            name: string;
            notnull: number;
            pk: number;
            type: string;
          }>;
          for (const col of info) {
            const rowid = col.pk === 1 && col.type.toUpperCase() === 'INTEGER';
            if (col.notnull === 1 || rowid) set.add(col.name);
            if (rowid) rowids.set(c.table, col.name);
          }
          notNull.set(c.table, set);
        }
        nullable = !set.has(c.column);
      }
      const autoIncrement = c.table !== null && rowids.get(c.table) === c.column;
      return { name: c.name, ...sqliteDeclaredType(c.type), nullable, autoIncrement };
    });
    const iterator = stmt.iterate(...(params as never[]));
    let done = false;
    return {
      columns,
      async read(max) {
        const rows: unknown[][] = [];
        while (!done && rows.length < max) {
          const r = iterator.next();
          if (r.done === true) done = true;
          else rows.push(r.value as unknown as unknown[]);
        }
        return rows;
      },
      async close() {
        if (!done) {
          done = true;
          iterator.return?.();
        }
      },
    };
  }

  async begin(): Promise<void> {
    this.#db.exec('BEGIN IMMEDIATE');
  }
  async commit(): Promise<void> {
    this.#db.exec('COMMIT');
  }
  async rollback(): Promise<void> {
    if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
  }

  async listTables(types: readonly string[]): Promise<TableId[]> {
    const kinds = types.map((t) => t.toLowerCase());
    const rows = this.#db
      .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ type: string; name: string }>;
    return rows
      .filter((r) => kinds.includes(r.type))
      .map((r) => ({ catalog: null, schema: null, table: r.name }));
  }

  async describeTable(table: TableId): Promise<TableColumn[] | null> {
    const rows = this.#db.prepare(`PRAGMA table_info(${quoteSqlite(table.table)})`).all() as Array<{
      name: string;
      notnull: number;
      pk: number;
      type: string;
    }>;
    if (rows.length === 0) return null;
    const rowidPk = rows.filter((r) => r.pk > 0).length === 1;
    return rows.map((r) => ({
      name: r.name,
      // An INTEGER PRIMARY KEY is the rowid: never null.
      nullable: r.notnull === 0 && !(rowidPk && r.pk === 1 && r.type.toUpperCase() === 'INTEGER'),
      primaryKey: r.pk > 0,
      typeName: r.type,
    }));
  }

  async currentTime(): Promise<string> {
    const rows = this.#db.prepare("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now").all() as Array<{
      now: string;
    }>;
    return `${rows[0]!.now}000`;
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function quoteSqlite(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
