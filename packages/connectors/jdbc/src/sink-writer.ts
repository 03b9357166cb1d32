/**
 * The sink's write path (Confluent's `JdbcDbWriter` + `BufferedRecords` + `DbStructure`):
 * records are buffered per destination table; a change of schema, or a row after a delete,
 * flushes the buffer first (so an insert that follows a delete of the same key is not
 * reordered); tables are created (`auto.create`) or given new columns (`auto.evolve`) before
 * the batch's transaction starts; rows go out as multi-row INSERT / upsert statements of up to
 * `batch.size` rows, UPDATEs and DELETEs one by one.
 */

import { BigDecimal, ConnectError, DataError, type Schema, type SinkRecord, schemaEquals } from '@sluice/api';
import { AUTO_CREATE, AUTO_EVOLVE, type SinkConfig } from './config.ts';
import { type Database, isInstantType, type TableColumn } from './database.ts';
import { type FieldsMetadata, fieldsMetadata, type SinkColumn } from './fields-metadata.ts';
import { literalEncoder, literalRow } from './mysql-text.ts';
import { CopyNotSent } from './pg-copy-in.ts';
import { qualifiedName, type TableId } from './sql.ts';
import type { DbTimeZone } from './time-zone.ts';

/** `db.table` / `schema.table` / `table` as a table id of this kind of database. */
export function parseTableName(name: string, kind: Database['dialect']['kind']): TableId {
  const parts = name.split('.');
  const table = parts.pop()!;
  const qualifier = parts.length > 0 ? parts.join('.') : null;
  if (kind === 'mysql') return { catalog: qualifier, schema: null, table };
  if (kind === 'postgresql') return { catalog: null, schema: qualifier, table };
  return { catalog: null, schema: null, table };
}

export function destinationTable(format: string, topic: string): string {
  return format.replaceAll('${topic}', topic);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';

/**
 * A MySQL bulk load that did not insert every row cleanly (or that the server refuses): the put's
 * transaction must be rolled back and the records written again without bulk loading.
 */
export class BulkLoadFellBack extends Error {
  override name = 'BulkLoadFellBack';
}

/**
 * Time zones of a column's date/time values: `zone` for TIMESTAMP and TIME (`db.timezone`),
 * `dateZone` for DATE (`date.timezone`); null means UTC. A column that holds instants (MySQL
 * TIMESTAMP, PostgreSQL TIMESTAMP WITH TIME ZONE) is written in UTC, the session's zone.
 */
export interface BindZones {
  zone: DbTimeZone | null;
  dateZone: DbTimeZone | null;
}

const UTC_ZONES: BindZones = { zone: null, dateZone: null };

export type Binder = (value: unknown) => unknown;

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** `.000` to `.999`. */
const THREE = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}`);

const isoDate = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/**
 * The converter of a column's Connect values to driver parameters, chosen once per column and
 * schema rather than per value (null stays null). Dates and times are written as the wall-clock
 * time of their zone (as Confluent binds them with a Calendar of `db.timezone`).
 */
export function binder(
  schema: Schema,
  db: Database,
  column: string,
  table: string,
  zones: BindZones = UTC_ZONES,
): Binder {
  const { zone, dateZone } = zones;
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal':
      return (v) => (v == null ? null : (v as BigDecimal).toPlainString());
    case 'org.apache.kafka.connect.data.Date':
      return dateZone === null
        ? (v) => (v == null ? null : isoDate(v as Date))
        : (v) => (v == null ? null : isoDate(new Date(dateZone.toWall((v as Date).getTime()))));
    case 'org.apache.kafka.connect.data.Time':
      return (v) => {
        if (v == null) return null;
        const d = zone === null ? (v as Date) : new Date(zone.timeToWall((v as Date).getTime()));
        return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
      };
    case 'org.apache.kafka.connect.data.Timestamp': {
      // `YYYY-MM-DD HH:MM:SS.mmm`; the text up to the minute is kept while the values stay in
      // the same minute (one string per value, seconds and milliseconds from tables).
      let minute = Number.NaN;
      let prefix = '';
      return (v) => {
        if (v == null) return null;
        const ms = zone === null ? (v as Date).getTime() : zone.toWall((v as Date).getTime());
        const m = Math.floor(ms / 60_000);
        if (m !== minute) {
          minute = m;
          const iso = new Date(m * 60_000).toISOString();
          prefix = `${iso.slice(0, 10)} ${iso.slice(11, 17)}`;
        }
        const t = ms - m * 60_000;
        const milli = t % 1000;
        return prefix + TWO[(t - milli) / 1000] + THREE[milli];
      };
    }
  }
  switch (schema.type) {
    case 'BOOLEAN':
      return (v) => (v == null ? null : db.dialect.boolValue(v as boolean));
    case 'BYTES':
      return (v) => (v == null ? null : Buffer.from(v as Uint8Array));
    case 'INT64':
      return db.dialect.kind === 'sqlite'
        ? (v) => (v === undefined ? null : v)
        : (v) => (v == null ? null : typeof v === 'bigint' ? v.toString() : v);
    case 'ARRAY':
      if (db.dialect.kind === 'postgresql') return (v) => (v === undefined ? null : v);
      break;
    case 'STRUCT':
    case 'MAP':
      break;
    default:
      return (v) => (v == null ? null : v instanceof BigDecimal ? v.toPlainString() : v);
  }
  return (v) => {
    if (v == null) return null;
    throw new DataError(
      `Column '${column}' of table ${table}: a ${schema.type} value cannot be written to ${db.dialect.name}`,
    );
  };
}

interface TableState {
  id: TableId;
  sql: string;
  columns: TableColumn[] | null;
}

/** One table's buffer within a put. */
class TableBuffer {
  readonly state: TableState;
  fields: FieldsMetadata | null = null;
  valueSchema: Schema | null = null;
  keySchema: Schema | null = null;
  rows: SinkRecord[] = [];
  deletes: SinkRecord[] = [];

  constructor(state: TableState) {
    this.state = state;
  }
}

export class SinkWriter {
  readonly #config: SinkConfig;
  readonly #tables = new Map<string, TableState>();
  /** Set once the MySQL server refused LOAD DATA LOCAL INFILE. */
  #noLoadData = false;
  /** Whether the current write may bulk-load (see write). */
  #bulkLoad = true;
  /** Whether the current write's COPY goes behind the connection's previous one (see write). */
  #afterCopy = false;
  /** PostgreSQL upserts: the staging table's name per destination table and column list. */
  readonly #stagingNames = new Map<string, string>();
  /** The staging tables each connection has (they live as long as its session). */
  readonly #stagingCreated = new WeakMap<Database, Set<string>>();
  /** Staging tables filled earlier in the current write (emptied before their next use). */
  readonly #stagingUsed = new Set<string>();

  constructor(config: SinkConfig) {
    this.#config = config;
  }

  /** Forgets cached table structures (after a failure, the database may have changed). */
  reset(): void {
    this.#tables.clear();
  }

  #state(name: string, db: Database): TableState {
    let state = this.#tables.get(name);
    if (state === undefined) {
      const id = parseTableName(name, db.dialect.kind);
      state = { id, sql: db.dialect.table(id, this.#config.quote), columns: null };
      this.#tables.set(name, state);
    }
    return state;
  }

  /**
   * Makes sure every destination table exists with every column these records need (DDL runs
   * outside the data transaction: MySQL commits around DDL anyway).
   */
  async prepare(records: readonly SinkRecord[], db: Database): Promise<void> {
    const seen = new Map<string, Schema[]>();
    const names = new Map<string, string>();
    // Records of a batch mostly share their topic and schema: those are checked once.
    let lastTopic: string | null = null;
    let lastSchema: Schema | null = null;
    for (const record of records) {
      if (record.value === null || record.value === undefined) continue;
      if (record.topic === lastTopic && record.valueSchema === lastSchema) continue;
      lastTopic = record.topic;
      lastSchema = record.valueSchema;
      let name = names.get(record.topic);
      if (name === undefined) {
        name = destinationTable(this.#config.tableNameFormat, record.topic);
        names.set(record.topic, name);
      }
      const schemas = seen.get(name) ?? [];
      if (schemas.some((s) => s === record.valueSchema || schemaEquals(s, record.valueSchema))) continue;
      schemas.push(record.valueSchema!);
      seen.set(name, schemas);
      const state = this.#state(name, db);
      const fields = this.#fieldsOf(name, record);
      await this.#ensureTable(state, fields, db);
      if (
        this.#config.insertMode === 'upsert' &&
        db.dialect.kind === 'postgresql' &&
        db.copyIn !== undefined
      ) {
        // Created here, outside the put's transaction, so a rollback does not take it away.
        const columns = [...fields.keys, ...fields.values];
        if (pgCopyable(state, columns)) await this.#staging(state, this.#columnList(columns, db), db);
      }
    }
  }

  #columnList(columns: readonly SinkColumn[], db: Database): string {
    return columns.map((col) => db.dialect.quote(col.name, this.#config.quote)).join(',');
  }

  /** The key and value columns of a record bound for this table (as Confluent's FieldsMetadata). */
  #fieldsOf(table: string, record: SinkRecord, whitelist = this.#config.fieldsWhitelist): FieldsMetadata {
    return fieldsMetadata(table, this.#config.pkMode, this.#config.pkFields, whitelist, record);
  }

  async #ensureTable(state: TableState, fields: FieldsMetadata, db: Database): Promise<void> {
    const c = this.#config;
    const name = qualifiedName(state.id);
    state.columns ??= await db.describeTable(state.id);
    const all = [...fields.keys, ...fields.values];
    if (state.columns === null) {
      if (!c.autoCreate) {
        throw new ConnectError(
          `Table ${name} is missing and auto-creation is disabled (${AUTO_CREATE}=false)`,
        );
      }
      const sql = db.dialect.createTable(
        state.sql,
        all.map((f) => ({ name: f.name, schema: f.schema })),
        fields.keys.map((k) => k.name),
        c.quote,
      );
      await db.execute(sql);
      state.columns = await db.describeTable(state.id);
      if (state.columns === null) throw new ConnectError(`Table ${name} was created but cannot be seen`);
      return;
    }
    const existing = new Set(state.columns.map((col) => col.name.toLowerCase()));
    const missing = all.filter((f) => !existing.has(f.name.toLowerCase()));
    if (missing.length === 0) return;
    const names = missing.map((m) => m.name).join(', ');
    if (!c.autoEvolve) {
      throw new ConnectError(
        `Table ${name} is missing column(s) ${names} that the records have, and auto-evolution is disabled (${AUTO_EVOLVE}=false)`,
      );
    }
    const required = missing.filter((m) => m.key || (!m.schema.isOptional && m.schema.defaultValue === null));
    if (required.length > 0) {
      throw new ConnectError(
        `Cannot ALTER TABLE ${name} to add missing field(s) ${required.map((m) => m.name).join(', ')}: they are not optional and have no default value`,
      );
    }
    for (const sql of db.dialect.addColumns(
      state.sql,
      missing.map((m) => ({ name: m.name, schema: m.schema })),
      c.quote,
    )) {
      await db.execute(sql);
    }
    state.columns = await db.describeTable(state.id);
  }

  /**
   * Whether writing these records is one query that is atomic on its own, so it needs no
   * transaction around it: PostgreSQL insert or upsert mode, one table, one schema, no
   * tombstones, at most `batch.size` rows, columns COPY can write. Insert mode: a single COPY,
   * which writes every row or none. Upsert mode (the session's staging table created already):
   * one simple Query of two statements, the COPY into the staging table and the INSERT ... SELECT
   * ... ON CONFLICT, which the server runs as one implicit transaction (Frontend/Backend
   * Protocol, Multiple Statements in a Simple Query): both or neither. (Not MySQL: LOAD DATA
   * LOCAL skips the rows it cannot insert, so it must be rolled back.)
   */
  singleStatement(records: readonly SinkRecord[], db: Database): boolean {
    const c = this.#config;
    if (
      db.dialect.kind !== 'postgresql' ||
      db.copyIn === undefined ||
      (c.insertMode !== 'insert' && c.insertMode !== 'upsert')
    )
      return false;
    if (records.length === 0 || records.length > c.batchSize) return false;
    const first = records[0]!;
    for (const r of records) {
      if (r.value === null || r.value === undefined || r.topic !== first.topic) return false;
      if (r.valueSchema !== first.valueSchema && !sameSchema(r.valueSchema, first.valueSchema)) return false;
      if (r.keySchema !== first.keySchema && !sameSchema(r.keySchema, first.keySchema)) return false;
    }
    const name = destinationTable(c.tableNameFormat, first.topic);
    const fields = this.#fieldsOf(name, first);
    const state = this.#state(name, db);
    const columns = [...fields.keys, ...fields.values];
    if (!pgCopyable(state, columns)) return false;
    if (c.insertMode === 'insert') return true;
    // Upsert: only with keys to conflict on, into a staging table the session has (creating it
    // would be a statement of its own).
    if (fields.keys.length === 0) return false;
    const staging = this.#stagingNames.get(`${state.sql}(${this.#columnList(columns, db)})`);
    return staging !== undefined && this.#stagingCreated.get(db)?.has(staging) === true;
  }

  /**
   * Writes the records (in the caller's transaction), preserving per-table order. With
   * `bulkLoad` (the default), MySQL insert mode may throw {@link BulkLoadFellBack}: the caller
   * then rolls the transaction back and writes the records again with `bulkLoad` false. With
   * `afterCopy` (a {@link singleStatement} write only), its COPY is queued behind the COPY the
   * connection ran last, which may still be running, and sent only if that one wrote its rows
   * (else the write fails with CopyNotSent, having sent nothing); its text is encoded at once,
   * while the server is still busy with that COPY.
   */
  async write(
    records: readonly SinkRecord[],
    db: Database,
    bulkLoad = true,
    afterCopy = false,
  ): Promise<void> {
    this.#bulkLoad = bulkLoad;
    this.#afterCopy = afterCopy;
    this.#stagingUsed.clear();
    const buffers = new Map<string, TableBuffer>();
    const names = new Map<string, string>();
    for (const record of records) {
      let name = names.get(record.topic);
      if (name === undefined) {
        name = destinationTable(this.#config.tableNameFormat, record.topic);
        names.set(record.topic, name);
      }
      let buffer = buffers.get(name);
      if (buffer === undefined) {
        buffer = new TableBuffer(this.#state(name, db));
        buffers.set(name, buffer);
      }
      const tombstone = record.value === null || record.value === undefined;
      if (tombstone && !this.#config.deleteEnabled) continue;
      const schemaChanged =
        buffer.fields !== null &&
        ((!tombstone && !sameSchema(buffer.valueSchema, record.valueSchema)) ||
          !sameSchema(buffer.keySchema, record.keySchema));
      if (schemaChanged || (!tombstone && buffer.deletes.length > 0)) await this.#flush(buffer, db);
      if (buffer.fields === null || schemaChanged) {
        if (tombstone) {
          if (buffer.fields === null) {
            // A delete before any row: only the key columns matter.
            buffer.fields = this.#fieldsOf(name, record, []);
            buffer.keySchema = record.keySchema;
          }
        } else {
          buffer.fields = this.#fieldsOf(name, record);
          buffer.valueSchema = record.valueSchema;
          buffer.keySchema = record.keySchema;
        }
      } else if (!tombstone && buffer.valueSchema === null) {
        buffer.fields = this.#fieldsOf(name, record);
        buffer.valueSchema = record.valueSchema;
      }
      if (tombstone) buffer.deletes.push(record);
      else buffer.rows.push(record);
      if (buffer.rows.length >= this.#config.batchSize) await this.#flush(buffer, db);
    }
    for (const buffer of buffers.values()) await this.#flush(buffer, db);
  }

  async #flush(buffer: TableBuffer, db: Database): Promise<void> {
    const fields = buffer.fields;
    if (fields === null) return;
    const rows = buffer.rows;
    const deletes = buffer.deletes;
    buffer.rows = [];
    buffer.deletes = [];
    try {
      if (rows.length > 0) await this.#writeRows(buffer.state, fields, rows, db);
      if (deletes.length > 0) await this.#writeDeletes(buffer.state, fields, deletes, db);
    } catch (err) {
      throw naming(err, qualifiedName(buffer.state.id));
    } finally {
      // Written (or failed): the arrays let go of the records. Should V8 have allocated them in
      // the old generation (one per flush, so a young GC during a write may find every one of
      // them alive and pretenure their site), they would keep the records alive through young
      // GCs until a full GC (1M-row MariaDB loads: 5 of 7 runs at ~245 MB peak RSS with this,
      // 2 of 7 without; the others ~350 MB).
      rows.length = 0;
      deletes.length = 0;
    }
  }

  async #writeRows(
    state: TableState,
    fields: FieldsMetadata,
    rows: SinkRecord[],
    db: Database,
  ): Promise<void> {
    const c = this.#config;
    const d = db.dialect;
    const name = qualifiedName(state.id);
    const keyCols = fields.keys;
    const valCols = fields.values;
    const keyBinders = keyCols.map((col) =>
      binder(col.schema, db, col.name, name, this.#zones(state, col, db)),
    );
    const valBinders = valCols.map((col) =>
      binder(col.schema, db, col.name, name, this.#zones(state, col, db)),
    );
    const bindRow = (binders: Binder[], values: readonly unknown[], out: unknown[]): void => {
      for (let i = 0; i < binders.length; i++) out.push(binders[i]!(values[i]));
    };
    if (c.insertMode === 'update') {
      const sql = d.update(
        state.sql,
        keyCols.map((k) => k.name),
        valCols.map((v) => v.name),
        c.quote,
      );
      for (const record of rows) {
        const params: unknown[] = [];
        bindRow(valBinders, fields.valueValues(record), params);
        bindRow(keyBinders, fields.keyValues(record), params);
        await db.execute(sql, params);
      }
      return;
    }
    const columnCount = keyCols.length + valCols.length;
    if (columnCount === 0) throw new ConnectError(`No columns to write to table ${name}`);
    let batch = rows;
    if (c.insertMode === 'upsert' && d.kind !== 'mysql') {
      // One statement may not touch a key twice (PostgreSQL refuses): the last record of a key
      // wins. (MySQL's ON DUPLICATE KEY UPDATE takes the rows in order: the last one wins there.)
      const byKey = new Map<unknown, SinkRecord>();
      const single = keyCols.length === 1;
      for (const record of rows) {
        const values = fields.keyValues(record);
        const v = values[0];
        byKey.set(single && (typeof v === 'number' || typeof v === 'string') ? v : keyString(values), record);
      }
      if (byKey.size !== rows.length) batch = [...byKey.values()];
    }
    const allCols = [...keyCols, ...valCols];
    const binders = [...keyBinders, ...valBinders];
    const columnList = this.#columnList(allCols, db);
    if (d.kind === 'postgresql' && db.copyIn !== undefined && pgCopyable(state, allCols)) {
      // PostgreSQL: COPY ... FROM STDIN in the put's transaction. Insert mode copies into the
      // table (a duplicate key or a bad value fails the COPY, and so the put, as the INSERT
      // would); upsert mode copies into a temporary staging table and moves the rows over with
      // INSERT ... SELECT ... ON CONFLICT.
      const encoders = allCols.map((col, i) => textEncoder(PG_COPY, col.schema, binders[i]!));
      const encode = (record: SinkRecord): string =>
        textRow(encoders, keyCols.length, fields.keyValues(record), fields.valueValues(record));
      const staging = c.insertMode === 'upsert' ? await this.#staging(state, columnList, db) : null;
      // Upsert: the statements around the COPY go in the same simple Query (one round trip; in
      // the put's transaction, or on their own as one implicit transaction, see singleStatement).
      // Emptied at commit (ON COMMIT DELETE ROWS); within a put, before it is filled again.
      let before = '';
      if (staging !== null) {
        if (this.#stagingUsed.has(staging)) before = `DELETE FROM ${staging}; `;
        this.#stagingUsed.add(staging);
      }
      for (let start = 0; start < batch.length; start += c.batchSize) {
        const end = Math.min(batch.length, start + c.batchSize);
        const chunks = new TextChunks(batch, start, end, encode, PG_COPY_PIECE_CHARS);
        const afterCopy = this.#afterCopy && start === 0;
        // The batch holds each key once (see above), so one statement moves it all, after the
        // last COPY.
        const after =
          staging === null || end < batch.length
            ? ''
            : `; INSERT INTO ${state.sql}(${columnList}) SELECT ${columnList} FROM ${staging} ${d.upsertClause(
                keyCols.map((k) => k.name),
                valCols.map((v) => v.name),
                c.quote,
              )}`;
        await db.copyIn(
          `${before}COPY ${staging ?? state.sql}(${columnList}) FROM STDIN${after}`,
          // Queued behind the query under way: encoded now, while the server is busy with that
          // one (the pieces then go out as soon as it ends).
          afterCopy ? [...chunks] : chunks,
          () => chunks.failure,
          { afterCopy },
        );
        before = '';
        chunks.rethrow();
      }
      return;
    }
    if (
      d.kind === 'mysql' &&
      c.insertMode === 'insert' &&
      this.#bulkLoad &&
      db.loadData !== undefined &&
      !this.#noLoadData &&
      allCols.every((col) => col.schema.type !== 'BYTES' || col.schema.name === DECIMAL)
    ) {
      // MySQL/MariaDB insert mode: LOAD DATA LOCAL INFILE, streamed from memory. LOCAL turns a
      // duplicate key or a bad value into a skipped row and a warning: then BulkLoadFellBack makes
      // the task roll the put back and write it again as INSERTs, which fail (or warn) exactly as
      // Confluent's do.
      const encoders = allCols.map((col, i) => textEncoder(MYSQL_LOAD, col.schema, binders[i]!));
      const encode = (record: SinkRecord): string =>
        textRow(encoders, keyCols.length, fields.keyValues(record), fields.valueValues(record));
      const sql = `LOAD DATA LOCAL INFILE 'stream' INTO TABLE ${state.sql} CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columnList})`;
      for (let start = 0; start < batch.length; start += c.batchSize) {
        const end = Math.min(batch.length, start + c.batchSize);
        const chunks = new TextChunks(batch, start, end, encode);
        let result: { affectedRows: number; warnings: number };
        try {
          result = await db.loadData(sql, chunks);
        } catch (err) {
          if (!isLocalInfileRefused(err)) throw err;
          // The server does not allow LOAD DATA LOCAL: INSERT from now on.
          this.#noLoadData = true;
          throw new BulkLoadFellBack('the server refuses LOAD DATA LOCAL INFILE');
        }
        chunks.rethrow();
        if (result.affectedRows !== end - start || result.warnings !== 0) {
          throw new BulkLoadFellBack(
            `LOAD DATA inserted ${result.affectedRows} of ${end - start} rows with ${result.warnings} warning(s)`,
          );
        }
        if (end === batch.length) return;
      }
    }
    const perStatement = Math.max(1, Math.min(c.batchSize, Math.floor(d.maxParams / columnCount)));
    if (d.kind === 'mysql' && db.stringLiteral !== undefined) {
      // MySQL/MariaDB: the rows as literals in the statement's text (what mysql2 would send for
      // placeholders, built in one pass; see mysql-text.ts).
      const quote = db.stringLiteral();
      const encoders = allCols.map((col, i) => literalEncoder(col.schema, binders[i]!, quote));
      const head = `INSERT INTO ${state.sql}(${columnList}) VALUES `;
      const tail =
        c.insertMode === 'upsert'
          ? ` ${d.upsertClause(
              keyCols.map((k) => k.name),
              valCols.map((v) => v.name),
              c.quote,
            )}`
          : '';
      const keyCount = keyCols.length;
      for (let start = 0; start < batch.length; start += perStatement) {
        const end = Math.min(batch.length, start + perStatement);
        const rowsText: string[] = [];
        for (let r = start; r < end; r++) {
          const record = batch[r]!;
          rowsText.push(literalRow(encoders, keyCount, fields.keyValues(record), fields.valueValues(record)));
        }
        await db.execute(head + rowsText.join(',') + tail);
      }
      return;
    }
    for (let start = 0; start < batch.length; start += perStatement) {
      const chunk = batch.slice(start, start + perStatement);
      const sql =
        c.insertMode === 'upsert'
          ? d.upsert(
              state.sql,
              keyCols.map((k) => k.name),
              valCols.map((v) => v.name),
              chunk.length,
              c.quote,
            )
          : d.insert(
              state.sql,
              [...keyCols, ...valCols].map((col) => col.name),
              chunk.length,
              c.quote,
            );
      const params: unknown[] = [];
      for (const record of chunk) {
        bindRow(keyBinders, fields.keyValues(record), params);
        bindRow(valBinders, fields.valueValues(record), params);
      }
      await db.execute(sql, params);
    }
  }

  /** The zones a column's date/time values are written in (UTC for columns holding instants). */
  #zones(state: TableState, col: SinkColumn, db: Database): BindZones {
    const c = this.#config;
    if (c.timeZone === null && c.dateTimeZone === null) return UTC_ZONES;
    const found =
      state.columns?.find((t) => t.name === col.name) ??
      state.columns?.find((t) => t.name.toLowerCase() === col.name.toLowerCase());
    if (found !== undefined && isInstantType(db.dialect.kind, found.typeName)) return UTC_ZONES;
    return { zone: c.timeZone, dateZone: c.dateTimeZone };
  }

  /**
   * The connection's temporary staging table for upserts of these columns into this table,
   * created (empty, with the table's column types) when the session does not have it yet.
   */
  async #staging(state: TableState, columnList: string, db: Database): Promise<string> {
    const key = `${state.sql}(${columnList})`;
    let name = this.#stagingNames.get(key);
    if (name === undefined) {
      name = db.dialect.quote(`sluice_stage_${this.#stagingNames.size + 1}`);
      this.#stagingNames.set(key, name);
    }
    let created = this.#stagingCreated.get(db);
    if (created === undefined) {
      created = new Set<string>();
      this.#stagingCreated.set(db, created);
    }
    if (!created.has(name)) {
      await db.execute(
        `CREATE TEMPORARY TABLE IF NOT EXISTS ${name} ON COMMIT DELETE ROWS AS SELECT ${columnList} FROM ${state.sql} WITH NO DATA`,
      );
      // Outside a transaction (prepare) it stays for the session; inside one it may be rolled
      // back with the put, so it is created again (IF NOT EXISTS) on the next use.
      if (db.inTransaction !== true) created.add(name);
    }
    return name;
  }

  async #writeDeletes(
    state: TableState,
    fields: FieldsMetadata,
    deletes: SinkRecord[],
    db: Database,
  ): Promise<void> {
    const name = qualifiedName(state.id);
    const keyCols = fields.keys;
    if (keyCols.length === 0) throw new ConnectError(`Cannot delete from table ${name} without key columns`);
    const keyNames = keyCols.map((k) => k.name);
    const binders = keyCols.map((col) => binder(col.schema, db, col.name, name, this.#zones(state, col, db)));
    // A run of tombstones is one statement per `batch.size` keys (as Confluent's JDBC batch of
    // DELETEs is one round trip), within the database's limit of parameters: the same rows go.
    const perStatement = Math.max(
      1,
      Math.min(this.#config.batchSize, Math.floor(db.dialect.maxParams / keyCols.length)),
    );
    const statement = (rows: number) => db.dialect.delete(state.sql, keyNames, this.#config.quote, rows);
    const full = deletes.length >= perStatement ? statement(perStatement) : '';
    for (let start = 0; start < deletes.length; start += perStatement) {
      const chunk = deletes.slice(start, start + perStatement);
      const sql = chunk.length === perStatement ? full : statement(chunk.length);
      const params: unknown[] = [];
      for (const record of chunk) {
        const values = fields.keyValues(record);
        for (let i = 0; i < binders.length; i++) params.push(binders[i]!(values[i]));
      }
      await db.execute(sql, params);
    }
  }
}

/**
 * A bulk loader's text format (MySQL's LOAD DATA default, PostgreSQL's COPY text): fields
 * separated by tabs, rows ended by a newline, `\\N` for null, these characters backslash-escaped.
 */
interface TextFormat {
  /** Matches a text that needs escaping. */
  readonly special: RegExp;
  /** Each special character and its escape. */
  readonly escapes: ReadonlyArray<readonly [string, string]>;
  readonly trueText: string;
  readonly falseText: string;
  /** Binary values, or null when the format takes them as they are. */
  readonly bytes: ((v: Uint8Array) => string) | null;
}

const BACKSLASH_ESCAPES = [
  ['\\', '\\\\'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
] as const;

export const MYSQL_LOAD: TextFormat = {
  special: /[\\\n\r\t\0]/,
  escapes: [...BACKSLASH_ESCAPES, ['\0', '\\0']],
  trueText: '1',
  falseText: '0',
  bytes: null,
};

export const PG_COPY: TextFormat = {
  special: /[\\\n\r\t]/,
  escapes: BACKSLASH_ESCAPES,
  trueText: 't',
  falseText: 'f',
  bytes: (v) => `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`,
};

/** A column's values as bulk-load text (`\\N` for null). */
export type TextEncoder = (value: unknown) => string;

function escapeText(format: TextFormat, text: string): string {
  if (!format.special.test(text)) return text;
  let out = text;
  for (const [from, to] of format.escapes) out = out.replaceAll(from, to);
  return out;
}

/**
 * The encoder of a column's Connect values (through the column's binder) to a bulk loader's
 * text, chosen once per column: numbers, decimals, dates and times need no escaping, strings
 * are escaped, and anything else goes through the general path.
 */
export function textEncoder(format: TextFormat, schema: Schema, bind: Binder): TextEncoder {
  switch (schema.name) {
    case DECIMAL:
    case 'org.apache.kafka.connect.data.Date':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      return (v) => (v == null ? '\\N' : (bind(v) as string));
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
    case 'FLOAT32':
    case 'FLOAT64':
      return (v) => (v == null ? '\\N' : String(bind(v)));
    case 'BOOLEAN':
      return (v) => (v == null ? '\\N' : v ? format.trueText : format.falseText);
    case 'STRING':
      return (v) => (v == null ? '\\N' : escapeText(format, String(v)));
  }
  return (value) => {
    const v = bind(value);
    if (v === null || v === undefined) return '\\N';
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (typeof v === 'boolean') return v ? format.trueText : format.falseText;
    if (v instanceof Uint8Array && format.bytes !== null) return format.bytes(v);
    return escapeText(format, String(v));
  };
}

/** One row (key columns, then value columns) in a bulk loader's text format, newline included. */
export function textRow(
  encoders: readonly TextEncoder[],
  keyCount: number,
  keys: readonly unknown[],
  values: readonly unknown[],
): string {
  let line = encoders.length === 0 ? '' : encoders[0]!(keyCount > 0 ? keys[0] : values[0]);
  for (let i = 1; i < encoders.length; i++) {
    line += '\t';
    line += encoders[i]!(i < keyCount ? keys[i] : values[i - keyCount]);
  }
  return `${line}\n`;
}

/** The server (or its settings) refuses LOAD DATA LOCAL INFILE. */
function isLocalInfileRefused(err: unknown): boolean {
  const e = err as { errno?: unknown; code?: unknown };
  // 1148 ER_NOT_ALLOWED_COMMAND; 3948 (MySQL 8) / 4166 (MariaDB) local infile disabled.
  return e.errno === 1148 || e.errno === 3948 || e.errno === 4166;
}

/** Rows per piece of bulk-load text handed to the driver (unless a size in characters is given). */
const PIECE_ROWS = 256;

/**
 * PostgreSQL COPY: characters per piece of text. Each piece is one CopyData message, written to
 * the socket with its 5-byte header in one write (see PgCopyIn). Pieces of 256 rows (~15 KB)
 * cost two socket writes each, and on loopback each write's cost (the server's wake-up) showed
 * as ~100 ms of the client's CPU per 300,000 rows; 32 KB pieces still let the server parse one
 * while the next is encoded (16 KB: more client CPU, 64 KB with the whole put taken before the
 * server's answer: less overlap; same-run medians). A COPY queued behind another is encoded
 * whole beforehand and still goes out in these pieces (one piece per put: the same throughput,
 * more client CPU, same-run medians).
 */
export const PG_COPY_PIECE_CHARS = 32 * 1024;

/**
 * Records `start`..`end` of a batch as bulk-load text, encoded piece by piece while the driver
 * sends the previous pieces (so the database works while the rest is encoded). A record that
 * cannot be encoded ends the text early; {@link rethrow} then throws its error, after the
 * driver has finished the statement, and the put's transaction is rolled back.
 */
export class TextChunks implements Iterable<string> {
  readonly #batch: readonly SinkRecord[];
  readonly #start: number;
  readonly #end: number;
  readonly #encode: (record: SinkRecord) => string;
  readonly #pieceChars: number;
  #error: unknown = null;

  /** `pieceChars`: pieces of at least this many characters, else of {@link PIECE_ROWS} rows. */
  constructor(
    batch: readonly SinkRecord[],
    start: number,
    end: number,
    encode: (record: SinkRecord) => string,
    pieceChars = 0,
  ) {
    this.#batch = batch;
    this.#start = start;
    this.#end = end;
    this.#encode = encode;
    this.#pieceChars = pieceChars;
  }

  *[Symbol.iterator](): Iterator<string> {
    const lines: string[] = [];
    const byChars = this.#pieceChars > 0;
    let chars = 0;
    try {
      for (let r = this.#start; r < this.#end; r++) {
        const line = this.#encode(this.#batch[r]!);
        lines.push(line);
        chars += line.length;
        if (byChars ? chars >= this.#pieceChars : lines.length === PIECE_ROWS) {
          // Joined once (a string grown by += is a rope that is slow to write out).
          yield lines.join('');
          lines.length = 0;
          chars = 0;
        }
      }
    } catch (err) {
      this.#error = err;
      return;
    }
    if (lines.length > 0) yield lines.join('');
  }

  /** The error of the record that ended the text early, or null. */
  get failure(): unknown {
    return this.#error;
  }

  rethrow(): void {
    if (this.#error !== null) throw this.#error;
  }
}

/** Whether COPY can write these columns: each is a known column of the table, and none is an array. */
function pgCopyable(state: TableState, columns: readonly SinkColumn[]): boolean {
  if (state.columns === null) return false;
  for (const col of columns) {
    const found =
      state.columns.find((t) => t.name === col.name) ??
      state.columns.find((t) => t.name.toLowerCase() === col.name.toLowerCase());
    if (found === undefined || found.typeName.endsWith(']') || col.schema.type === 'ARRAY') return false;
  }
  return true;
}

/** The database's error with the table named in front; its code and SQL state kept. */
function naming(err: unknown, table: string): unknown {
  if (
    err instanceof ConnectError ||
    err instanceof BulkLoadFellBack ||
    err instanceof CopyNotSent ||
    !(err instanceof Error)
  ) {
    return err;
  }
  const e = err as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  const named = new Error(`Table ${table}: ${e.message}`, { cause: err }) as Error & Record<string, unknown>;
  named.code = e.code;
  named.errno = e.errno;
  named.sqlState = e.sqlState;
  return named;
}

function sameSchema(a: Schema | null, b: Schema | null): boolean {
  return a === b || schemaEquals(a, b);
}

function keyString(values: readonly unknown[]): string {
  return JSON.stringify(values, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}
