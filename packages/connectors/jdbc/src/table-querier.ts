/**
 * One table (or the custom query) of a source task: builds Confluent's incremental query from the
 * stored offset, streams its result, and turns rows into records whose offsets are stored exactly
 * as Confluent stores them (`TimestampIncrementingOffset`, `OffsetProtocols` v1).
 */

import { ConnectError, type SourceMap, SourceRecord } from '@sluice/api';
import type { SourceConfig } from './config.ts';
import { INCREMENTING_COLUMN, TIMESTAMP_COLUMN, VALIDATE_NON_NULL } from './config.ts';
import type { ColumnMeta, Database, QueryStream } from './database.ts';
import { isInstantType } from './database.ts';
import { jdbcLogger } from './log.ts';
import {
  formatTimestamp,
  mapRow,
  parseTimestamp,
  parseZonedTimestamp,
  type RowMapping,
  type TimestampValue,
  wallTimestamp,
} from './schema-mapping.ts';
import { qualifiedName, type TableId } from './sql.ts';

export const INCREMENTING_FIELD = 'incrementing';
export const TIMESTAMP_FIELD = 'timestamp';
export const TIMESTAMP_NANOS_FIELD = 'timestamp_nanos';

/** Confluent's source partition: `{"protocol":"1","table":"db.table"}`, or `{"query":"query"}`. */
export function sourcePartition(table: TableId | null): SourceMap {
  return table === null ? { query: 'query' } : { protocol: '1', table: qualifiedName(table) };
}

/** Confluent's protocol-0 partition, `{"table":"name"}` (the table's name alone), read on resume. */
export function legacyPartition(table: TableId): SourceMap {
  return { table: table.table };
}

export interface OffsetState {
  /** A bigint beyond 2^53, so the offset stays exact (stored as a JSON integer all the same). */
  incrementing: number | bigint | null;
  timestamp: TimestampValue | null;
}

/** Reads a stored offset map (either protocol). */
export function readOffset(offset: SourceMap | null): OffsetState {
  const inc = offset?.[INCREMENTING_FIELD];
  const ts = offset?.[TIMESTAMP_FIELD];
  const nanos = offset?.[TIMESTAMP_NANOS_FIELD];
  let timestamp: TimestampValue | null = null;
  if (typeof ts === 'number') {
    const n = typeof nanos === 'number' ? nanos : (((ts % 1000) + 1000) % 1000) * 1_000_000;
    timestamp = { ms: ts - (((ts % 1000) + 1000) % 1000) + Math.floor(n / 1_000_000), nanos: n };
  }
  return {
    incrementing:
      typeof inc === 'number'
        ? inc
        : typeof inc === 'bigint'
          ? Number.isSafeInteger(Number(inc))
            ? Number(inc)
            : inc
          : null,
    timestamp,
  };
}

/** The offset map, keys in the order Java's HashMap gives them in Confluent's `toMap`. */
export function offsetMap(state: OffsetState): SourceMap {
  const map: Record<string, unknown> = {};
  if (state.timestamp !== null) map[TIMESTAMP_NANOS_FIELD] = state.timestamp.nanos;
  if (state.incrementing !== null) map[INCREMENTING_FIELD] = state.incrementing;
  if (state.timestamp !== null) map[TIMESTAMP_FIELD] = state.timestamp.ms;
  return map;
}

/** `java.sql.Types` codes of the types the source leaves out, for Confluent's warning. */
function jdbcTypeCode(type: string): number {
  return type === 'ARRAY' ? 2003 : 1111;
}

/** An incrementing column's value as a number, or a bigint when a number would not be exact. */
function exactInteger(raw: unknown): number | bigint {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  const n = Number(raw);
  if (Number.isSafeInteger(n)) return n;
  const text = String(raw).trim();
  return /^-?\d+$/.test(text) ? BigInt(text) : n;
}

export class TableQuerier {
  readonly table: TableId | null;
  readonly topic: string;
  readonly partition: SourceMap;
  /** When this querier may run next (epoch ms). */
  nextUpdate = 0;
  #offset: OffsetState;
  #stream: QueryStream | null = null;
  #mapping: RowMapping | null = null;
  #incIndex = -1;
  #tsIndexes: number[] = [];
  /** Whether the (first) timestamp column holds instants (compared and read in UTC). */
  #tsInstant = false;
  /** Columns already warned about as not supported (once per querier, not per query). */
  readonly #warned = new Set<string>();
  #incrementingColumn: string;
  #checked = false;
  readonly #config: SourceConfig;

  constructor(config: SourceConfig, table: TableId | null, stored: SourceMap | null) {
    this.#config = config;
    this.table = table;
    this.topic = table === null ? config.topicPrefix : config.topicPrefix + table.table;
    this.partition = sourcePartition(table);
    this.#offset = readOffset(stored);
    this.#incrementingColumn = config.incrementingColumn;
  }

  get offset(): OffsetState {
    return this.#offset;
  }

  get streaming(): boolean {
    return this.#stream !== null;
  }

  #where(): string {
    return this.table === null ? 'query' : `table ${qualifiedName(this.table)}`;
  }

  /** Checks the configured columns exist (and are NOT NULL) before the first incremental query. */
  async #check(db: Database): Promise<void> {
    if (this.#checked || this.table === null) return;
    const c = this.#config;
    if (c.mode === 'bulk') {
      this.#checked = true;
      return;
    }
    const columns = await db.describeTable(this.table);
    const name = qualifiedName(this.table);
    if (columns === null) throw new ConnectError(`Table ${name} does not exist (or this user cannot see it)`);
    const names = columns.map((col) => col.name);
    const find = (wanted: string): string | undefined =>
      names.find((n) => n === wanted) ?? names.find((n) => n.toLowerCase() === wanted.toLowerCase());
    if (c.usesIncrementing() && this.#incrementingColumn !== '') {
      const found = find(this.#incrementingColumn);
      if (found === undefined) {
        throw new ConnectError(
          `Table ${name} has no column '${this.#incrementingColumn}' (${INCREMENTING_COLUMN}); its columns are: ${names.join(', ')}`,
        );
      }
      this.#incrementingColumn = found;
      if (c.validateNonNull && columns.find((col) => col.name === found)?.nullable) {
        throw new ConnectError(
          `Cannot make incremental queries using incrementing column ${found} on ${name} because this column is nullable (make it NOT NULL, or set ${VALIDATE_NON_NULL}=false)`,
        );
      }
    }
    if (c.usesTimestamp()) {
      const resolved: string[] = [];
      for (const ts of c.timestampColumns) {
        const found = find(ts);
        if (found === undefined) {
          throw new ConnectError(
            `Table ${name} has no column '${ts}' (${TIMESTAMP_COLUMN}); its columns are: ${names.join(', ')}`,
          );
        }
        resolved.push(found);
      }
      const first = columns.find((col) => col.name === resolved[0]);
      this.#tsInstant = first !== undefined && isInstantType(db.dialect.kind, first.typeName);
      if (c.validateNonNull && resolved.every((r) => columns.find((col) => col.name === r)?.nullable)) {
        throw new ConnectError(
          `Cannot make incremental queries using timestamp columns [${resolved.join(', ')}] on ${name} because all of these columns are nullable (or set ${VALIDATE_NON_NULL}=false)`,
        );
      }
    }
    this.#checked = true;
  }

  /** Builds the query and its parameters for the current offset. */
  async buildQuery(db: Database): Promise<{ sql: string; params: unknown[] }> {
    const c = this.#config;
    const d = db.dialect;
    const q = (name: string): string => d.quote(name, c.quote);
    const base = this.table === null ? c.query : `SELECT * FROM ${d.table(this.table, c.quote)}`;
    const suffix = c.querySuffix === '' ? '' : ` ${c.querySuffix}`;
    if (c.mode === 'bulk') return { sql: `${base}${suffix}`, params: [] };
    if (c.usesIncrementing() && this.#incrementingColumn === '') {
      throw new ConnectError(
        `No ${INCREMENTING_COLUMN} for ${this.#where()} and no auto-increment column found`,
      );
    }
    const params: unknown[] = [];
    const p = (value: unknown): string => {
      params.push(value);
      return d.placeholder(params.length);
    };
    const sqlite = d.kind === 'sqlite';
    const tsCols = c.timestampColumns.map((col) => q(col));
    const tsRaw = tsCols.length === 1 ? tsCols[0]! : `COALESCE(${tsCols.join(',')})`;
    const tsExpr = sqlite ? `strftime('%Y-%m-%d %H:%M:%f', ${tsRaw})` : tsRaw;
    // Parameters are wall-clock times in db.timezone, unless the column holds instants (UTC).
    const zone = this.#tsInstant ? null : c.timeZone;
    const tsParam = (v: TimestampValue): string => formatTimestamp(wallTimestamp(v, zone), sqlite ? 3 : 6);
    const inc = q(this.#incrementingColumn);
    let where: string;
    let order: string;
    if (c.mode === 'incrementing') {
      where = `${inc} > ${p(this.#offset.incrementing ?? -1)}`;
      order = `${inc} ASC`;
    } else {
      const end = await this.#endTime(db);
      const last = this.#offset.timestamp ?? this.#initialTimestamp(end);
      if (c.mode === 'timestamp') {
        where = `${tsExpr} > ${p(tsParam(last))} AND ${tsExpr} < ${p(tsParam(end))}`;
        order = `${tsExpr} ASC`;
      } else {
        where = `${tsExpr} < ${p(tsParam(end))} AND ((${tsExpr} = ${p(tsParam(last))} AND ${inc} > ${p(this.#offset.incrementing ?? -1)}) OR ${tsExpr} > ${p(tsParam(last))})`;
        order = `${tsExpr},${inc} ASC`;
      }
    }
    return { sql: `${base} WHERE ${where} ORDER BY ${order}${suffix}`, params };
  }

  async #endTime(db: Database): Promise<TimestampValue> {
    const now = parseTimestamp(await db.currentTime());
    const delay = this.#config.timestampDelayMs;
    if (delay === 0) return now;
    return {
      ms: now.ms - delay,
      nanos: ((((now.ms - delay) % 1000) + 1000) % 1000) * 1_000_000 + (now.nanos % 1_000_000),
    };
  }

  #initialTimestamp(end: TimestampValue): TimestampValue {
    const initial = this.#config.timestampInitial;
    if (initial === null) return { ms: 0, nanos: 0 };
    if (initial === -1) return end;
    return { ms: initial, nanos: (((initial % 1000) + 1000) % 1000) * 1_000_000 };
  }

  /** Starts the query when none is open. */
  async startQuery(db: Database): Promise<void> {
    if (this.#stream !== null) return;
    await this.#check(db);
    if (this.#incrementingColumn === '' && this.#config.usesIncrementing() && this.table !== null) {
      await this.#detectIncrementing(db);
    }
    const { sql, params } = await this.buildQuery(db);
    // Rows are fetched at least 1000 at a time (PostgreSQL cursor), whatever batch.max.rows says.
    this.#stream = await db.stream(sql, params, Math.max(1000, this.#config.batchMaxRows));
    const columns = this.#stream.columns;
    this.#mapping = mapRow(
      columns,
      this.table === null ? null : this.table.table,
      this.#config.numericMapping,
      this.#where(),
      this.#config.timestampGranularity,
      this.#config.timeZone,
    );
    for (const column of this.#mapping.skipped) {
      if (this.#warned.has(column.name)) continue;
      this.#warned.add(column.name);
      jdbcLogger().warn(
        'io.confluent.connect.jdbc.dialect.GenericDatabaseDialect',
        `JDBC type ${jdbcTypeCode(column.type)} (${column.typeName}) not currently supported (column '${column.name}' of ${this.#where()} is left out of the records)`,
      );
    }
    const index = (name: string): number => {
      const i = columns.findIndex((col) => col.name === name);
      return i >= 0 ? i : columns.findIndex((col) => col.name.toLowerCase() === name.toLowerCase());
    };
    this.#incIndex = this.#config.usesIncrementing() ? index(this.#incrementingColumn) : -1;
    this.#tsIndexes = this.#config.usesTimestamp() ? this.#config.timestampColumns.map(index) : [];
    if (this.#tsIndexes.length > 0 && this.#tsIndexes[0]! >= 0) {
      this.#tsInstant = columns[this.#tsIndexes[0]!]!.instant === true;
    }
    if (this.#config.usesIncrementing() && this.#incIndex < 0) {
      await this.close();
      throw new ConnectError(
        `The result of ${this.#where()} has no column '${this.#incrementingColumn}' (${INCREMENTING_COLUMN}); columns: ${columns.map((col) => col.name).join(', ')}`,
      );
    }
    if (this.#tsIndexes.some((i) => i < 0)) {
      await this.close();
      throw new ConnectError(
        `The result of ${this.#where()} lacks a column of ${TIMESTAMP_COLUMN} [${this.#config.timestampColumns.join(', ')}]; columns: ${columns.map((col) => col.name).join(', ')}`,
      );
    }
  }

  /** Finds the auto-increment column, as Confluent does when `incrementing.column.name` is empty. */
  async #detectIncrementing(db: Database): Promise<void> {
    const probe = await db.stream(
      `SELECT * FROM ${db.dialect.table(this.table!, this.#config.quote)} WHERE 1 = 0`,
      [],
      1,
    );
    const columns: ColumnMeta[] = probe.columns;
    await probe.close();
    const auto = columns.find((col) => col.autoIncrement === true);
    if (auto === undefined) {
      throw new ConnectError(
        `Cannot find an auto-increment column in table ${qualifiedName(this.table!)}: set ${INCREMENTING_COLUMN} (columns: ${columns.map((col) => col.name).join(', ')})`,
      );
    }
    this.#incrementingColumn = auto.name;
  }

  /**
   * Up to `max` records (at least one unless the result is exhausted, when the stream is closed
   * and the array is empty).
   */
  async nextBatch(max: number): Promise<SourceRecord[]> {
    const stream = this.#stream;
    const mapping = this.#mapping;
    if (stream === null || mapping === null) return [];
    const rows = await stream.read(max);
    if (rows.length === 0) {
      await this.close();
      return [];
    }
    const records: SourceRecord[] = new Array(rows.length);
    const bulk = this.#config.mode === 'bulk';
    const incIndex = this.#incIndex;
    const tsIndexes = this.#tsIndexes;
    const columns = stream.columns;
    const zone = this.#config.timeZone;
    let incrementing = this.#offset.incrementing;
    let timestamp = this.#offset.timestamp;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const value = mapping.toStruct(row);
      let sourceOffset: SourceMap | null = null;
      if (!bulk) {
        if (incIndex >= 0) {
          const raw = row[incIndex];
          if (raw === null || raw === undefined) {
            throw new ConnectError(
              `Null value for incrementing column '${this.#incrementingColumn}' in ${this.#where()}; incremental mode needs a NOT NULL column`,
            );
          }
          incrementing = exactInteger(raw);
        }
        if (tsIndexes.length > 0) {
          for (const i of tsIndexes) {
            const raw = row[i];
            if (raw !== null && raw !== undefined) {
              timestamp = parseZonedTimestamp(raw, columns[i]!.instant === true ? null : zone);
              break;
            }
          }
        }
        sourceOffset = offsetMap({ incrementing, timestamp });
      }
      records[r] = new SourceRecord({
        sourcePartition: this.partition,
        sourceOffset,
        topic: this.topic,
        valueSchema: mapping.schema,
        value,
      });
    }
    if (!bulk) this.#offset = { incrementing, timestamp };
    return records;
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    this.#mapping = null;
    if (stream !== null) await stream.close();
  }
}
