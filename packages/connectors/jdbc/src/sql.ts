/**
 * SQL text per database (what Confluent calls a dialect): identifier quoting, placeholders, the
 * source's incremental queries, and the sink's INSERT / upsert / UPDATE / DELETE, CREATE TABLE
 * and ALTER TABLE statements with the column types Confluent's dialects choose.
 */

import type { Schema } from '@sluice/api';
import type { IsolationMode } from './config.ts';
import type { DatabaseKind } from './jdbc-url.ts';

/** A table: MySQL has catalogs (databases), PostgreSQL schemas, SQLite neither. */
export interface TableId {
  catalog: string | null;
  schema: string | null;
  table: string;
}

/** `catalog.table` / `schema.table` / `table`, unquoted: Confluent's source partition name. */
export function qualifiedName(id: TableId): string {
  return [id.catalog, id.schema, id.table].filter((p) => p !== null && p !== '').join('.');
}

export type QuoteMode = 'always' | 'never';

export interface Dialect {
  readonly kind: DatabaseKind;
  /** Confluent's dialect name (`dialect.name`). */
  readonly name: string;
  quote(identifier: string, mode?: QuoteMode): string;
  table(id: TableId, mode?: QuoteMode): string;
  /** Placeholder for the n-th (1-based) parameter. */
  placeholder(n: number): string;
  /** Most parameters one statement may carry. */
  readonly maxParams: number;
  /** `INSERT ... VALUES (...),(...)` for `rows` rows. */
  insert(table: string, columns: readonly string[], rows: number, mode?: QuoteMode): string;
  /** Upsert of `rows` rows keyed on `keys`; the other columns are updated. */
  upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode?: QuoteMode,
  ): string;
  /** What follows an INSERT to make it an upsert keyed on `keys` (`ON CONFLICT …`, `ON DUPLICATE KEY …`). */
  upsertClause(keys: readonly string[], columns: readonly string[], mode?: QuoteMode): string;
  update(table: string, keys: readonly string[], columns: readonly string[], mode?: QuoteMode): string;
  /**
   * Delete of `rows` keys (default one): `k = ?` for one, `k IN (?, …)` for several of a single
   * key column, `(k1, k2) IN ((?, ?), …)` for several of a composite key.
   */
  delete(table: string, keys: readonly string[], mode?: QuoteMode, rows?: number): string;
  /** The SQL type for a Connect schema (`key` true for a primary-key column). */
  sqlType(schema: Schema, key?: boolean): string;
  createTable(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    keys: readonly string[],
    mode?: QuoteMode,
  ): string;
  /** One or more ALTER TABLE statements adding these (optional) columns. */
  addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode?: QuoteMode,
  ): string[];
  /** A literal for a column default, or null when there is none the dialect can write. */
  boolValue(value: boolean): unknown;
  /**
   * The statement giving the session this isolation level (`transaction.isolation.mode`), or
   * null when the database does not support the level (as JDBC's
   * `supportsTransactionIsolationLevel` says for the dialect's driver).
   */
  isolationStatement(mode: Exclude<IsolationMode, 'DEFAULT'>): string | null;
}

/** The four levels of the SQL standard, as SQL words. */
const ISOLATION_WORDS: Partial<Record<IsolationMode, string>> = {
  READ_UNCOMMITTED: 'READ UNCOMMITTED',
  READ_COMMITTED: 'READ COMMITTED',
  REPEATABLE_READ: 'REPEATABLE READ',
  SERIALIZABLE: 'SERIALIZABLE',
};

/** Connect types the dialects name differently; the rest of a dialect's SQL is shared. */
interface SqlTypeNames {
  /** Decimal, given the schema's `scale` parameter. */
  decimal(scale: string): string;
  date: string;
  time: string;
  timestamp: string;
  INT8: string;
  INT16: string;
  INT32: string;
  INT64: string;
  FLOAT32: string;
  FLOAT64: string;
  BOOLEAN: string;
  STRING: string;
  BYTES: string;
  /** Primary-key columns of these types, where the dialect needs a bounded type. */
  keySTRING?: string;
  keyBYTES?: string;
  /** `element[]` when the dialect has array columns. */
  arrays?: boolean;
}

abstract class BaseDialect implements Dialect {
  abstract readonly kind: DatabaseKind;
  abstract readonly name: string;
  abstract readonly maxParams: number;
  protected abstract readonly quoteChar: string;
  protected abstract readonly types: SqlTypeNames;
  /** The database's name in messages (`no MySQL type for STRUCT`). */
  protected abstract readonly label: string;

  quote(identifier: string, mode: QuoteMode = 'always'): string {
    if (mode === 'never') return identifier;
    const q = this.quoteChar;
    return `${q}${identifier.replaceAll(q, q + q)}${q}`;
  }

  table(id: TableId, mode: QuoteMode = 'always'): string {
    return [id.catalog, id.schema, id.table]
      .filter((p): p is string => p !== null && p !== '')
      .map((p) => this.quote(p, mode))
      .join('.');
  }

  placeholder(_n: number): string {
    return '?';
  }

  protected values(columns: number, rows: number): string {
    const groups: string[] = [];
    let n = 1;
    for (let r = 0; r < rows; r++) {
      const ps: string[] = [];
      for (let c = 0; c < columns; c++) ps.push(this.placeholder(n++));
      groups.push(`(${ps.join(',')})`);
    }
    return groups.join(',');
  }

  insert(table: string, columns: readonly string[], rows: number, mode: QuoteMode = 'always'): string {
    return `INSERT INTO ${table}(${columns.map((c) => this.quote(c, mode)).join(',')}) VALUES ${this.values(columns.length, rows)}`;
  }

  upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode: QuoteMode = 'always',
  ): string {
    return `${this.insert(table, [...keys, ...columns], rows, mode)} ${this.upsertClause(keys, columns, mode)}`;
  }

  abstract upsertClause(keys: readonly string[], columns: readonly string[], mode?: QuoteMode): string;

  update(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    mode: QuoteMode = 'always',
  ): string {
    let n = 1;
    const set = columns.map((c) => `${this.quote(c, mode)} = ${this.placeholder(n++)}`).join(', ');
    const where = keys.map((k) => `${this.quote(k, mode)} = ${this.placeholder(n++)}`).join(' AND ');
    return `UPDATE ${table} SET ${set} WHERE ${where}`;
  }

  delete(table: string, keys: readonly string[], mode: QuoteMode = 'always', rows = 1): string {
    if (rows > 1) {
      const columns = keys.map((k) => this.quote(k, mode));
      if (keys.length === 1) {
        return `DELETE FROM ${table} WHERE ${columns[0]} IN (${Array.from({ length: rows }, (_, i) => this.placeholder(i + 1)).join(',')})`;
      }
      return `DELETE FROM ${table} WHERE (${columns.join(',')}) IN (${this.values(keys.length, rows)})`;
    }
    let n = 1;
    const where = keys.map((k) => `${this.quote(k, mode)} = ${this.placeholder(n++)}`).join(' AND ');
    return `DELETE FROM ${table} WHERE ${where}`;
  }

  sqlType(schema: Schema, key = false): string {
    const t = this.types;
    switch (schema.name) {
      case 'org.apache.kafka.connect.data.Decimal':
        return t.decimal(schema.parameters?.scale ?? '0');
      case 'org.apache.kafka.connect.data.Date':
        return t.date;
      case 'org.apache.kafka.connect.data.Time':
        return t.time;
      case 'org.apache.kafka.connect.data.Timestamp':
        return t.timestamp;
    }
    switch (schema.type) {
      case 'INT8':
      case 'INT16':
      case 'INT32':
      case 'INT64':
      case 'FLOAT32':
      case 'FLOAT64':
      case 'BOOLEAN':
        return t[schema.type];
      case 'STRING':
        return (key ? t.keySTRING : undefined) ?? t.STRING;
      case 'BYTES':
        return (key ? t.keyBYTES : undefined) ?? t.BYTES;
      case 'ARRAY': {
        if (t.arrays !== true) break;
        const element = schema.valueSchema;
        if (element !== null && element.type !== 'ARRAY') return `${this.sqlType(element)}[]`;
        throw new Error(`no ${this.label} type for nested arrays`);
      }
    }
    throw new Error(`no ${this.label} type for ${schema.type}`);
  }

  createTable(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    keys: readonly string[],
    mode: QuoteMode = 'always',
  ): string {
    const defs = columns.map((c) => {
      const key = keys.includes(c.name);
      const notNull = key || !c.schema.isOptional ? ' NOT NULL' : ' NULL';
      return `${this.quote(c.name, mode)} ${this.sqlType(c.schema, key)}${notNull}`;
    });
    if (keys.length > 0) defs.push(`PRIMARY KEY(${keys.map((k) => this.quote(k, mode)).join(',')})`);
    return `CREATE TABLE ${table} (\n${defs.join(',\n')})`;
  }

  protected addColumn(c: { name: string; schema: Schema }, mode: QuoteMode): string {
    return `ADD ${this.quote(c.name, mode)} ${this.sqlType(c.schema, false)} NULL`;
  }

  addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode: QuoteMode = 'always',
  ): string[] {
    return [`ALTER TABLE ${table} ${columns.map((c) => this.addColumn(c, mode)).join(', ')}`];
  }

  boolValue(value: boolean): unknown {
    return value ? 1 : 0;
  }

  isolationStatement(mode: Exclude<IsolationMode, 'DEFAULT'>): string | null {
    const words = ISOLATION_WORDS[mode];
    return words === undefined ? null : `${this.isolationPrefix} ${words}`;
  }

  /** What precedes the level's words (SQLite overrides isolationStatement instead). */
  protected isolationPrefix = 'SET SESSION TRANSACTION ISOLATION LEVEL';
}

class MySqlDialect extends BaseDialect {
  readonly kind = 'mysql' as const;
  readonly name = 'MySqlDatabaseDialect';
  readonly maxParams = 60_000;
  protected readonly quoteChar = '`';
  protected readonly label = 'MySQL';
  protected readonly types: SqlTypeNames = {
    decimal: (scale) => `DECIMAL(65,${scale})`,
    date: 'DATE',
    time: 'TIME(3)',
    timestamp: 'DATETIME(3)',
    INT8: 'TINYINT',
    INT16: 'SMALLINT',
    INT32: 'INT',
    INT64: 'BIGINT',
    FLOAT32: 'FLOAT',
    FLOAT64: 'DOUBLE',
    BOOLEAN: 'TINYINT',
    STRING: 'TEXT',
    BYTES: 'BLOB',
    keySTRING: 'VARCHAR(256)',
    keyBYTES: 'VARBINARY(1024)',
  };

  upsertClause(keys: readonly string[], columns: readonly string[], mode: QuoteMode = 'always'): string {
    const q = (c: string): string => this.quote(c, mode);
    const update =
      columns.length === 0
        ? keys.map((k) => `${q(k)}=${q(k)}`).join(',')
        : columns.map((c) => `${q(c)}=VALUES(${q(c)})`).join(',');
    return `ON DUPLICATE KEY UPDATE ${update}`;
  }
}

/**
 * PostgreSQL and SQLite: `ON CONFLICT (keys) DO UPDATE SET c=EXCLUDED.c` (Confluent's SQLite
 * dialect spells it `ON CONFLICT(keys)` and `excluded`).
 */
abstract class OnConflictDialect extends BaseDialect {
  protected abstract readonly conflictSpace: string;
  protected abstract readonly excluded: string;

  upsertClause(keys: readonly string[], columns: readonly string[], mode: QuoteMode = 'always'): string {
    const q = (c: string): string => this.quote(c, mode);
    const action =
      columns.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${columns.map((c) => `${q(c)}=${this.excluded}.${q(c)}`).join(',')}`;
    return `ON CONFLICT${this.conflictSpace}(${keys.map(q).join(',')}) ${action}`;
  }
}

class PostgresDialect extends OnConflictDialect {
  readonly kind = 'postgresql' as const;
  readonly name = 'PostgreSqlDatabaseDialect';
  readonly maxParams = 65_535;
  protected readonly quoteChar = '"';
  protected readonly label = 'PostgreSQL';
  protected readonly conflictSpace = ' ';
  protected readonly excluded = 'EXCLUDED';
  protected readonly types: SqlTypeNames = {
    decimal: () => 'DECIMAL',
    date: 'DATE',
    time: 'TIME',
    timestamp: 'TIMESTAMP',
    INT8: 'SMALLINT',
    INT16: 'SMALLINT',
    INT32: 'INT',
    INT64: 'BIGINT',
    FLOAT32: 'REAL',
    FLOAT64: 'DOUBLE PRECISION',
    BOOLEAN: 'BOOLEAN',
    STRING: 'TEXT',
    BYTES: 'BYTEA',
    arrays: true,
  };

  protected override isolationPrefix = 'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL';

  override placeholder(n: number): string {
    return `$${n}`;
  }

  override boolValue(value: boolean): unknown {
    return value;
  }
}

class SqliteDialect extends OnConflictDialect {
  readonly kind = 'sqlite' as const;
  readonly name = 'SqliteDatabaseDialect';
  readonly maxParams = 32_000;
  protected readonly quoteChar = '"';
  protected readonly label = 'SQLite';
  protected readonly conflictSpace = '';
  protected readonly excluded = 'excluded';
  protected readonly types: SqlTypeNames = {
    decimal: () => 'NUMERIC',
    date: 'DATE',
    time: 'TIME',
    timestamp: 'TIMESTAMP',
    INT8: 'INTEGER',
    INT16: 'INTEGER',
    INT32: 'INTEGER',
    INT64: 'INTEGER',
    FLOAT32: 'REAL',
    FLOAT64: 'REAL',
    BOOLEAN: 'INTEGER',
    STRING: 'TEXT',
    BYTES: 'BLOB',
  };

  /** SQLite is serializable; xerial's driver supports no other level. */
  override isolationStatement(mode: Exclude<IsolationMode, 'DEFAULT'>): string | null {
    return mode === 'SERIALIZABLE' ? 'PRAGMA read_uncommitted = 0' : null;
  }

  override addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode: QuoteMode = 'always',
  ): string[] {
    // SQLite adds one column per statement.
    return columns.map((c) => `ALTER TABLE ${table} ${this.addColumn(c, mode)}`);
  }
}

const DIALECTS: Record<DatabaseKind, Dialect> = {
  mysql: new MySqlDialect(),
  postgresql: new PostgresDialect(),
  sqlite: new SqliteDialect(),
};

export function dialectFor(kind: DatabaseKind): Dialect {
  return DIALECTS[kind];
}

/** Confluent's `dialect.name` values this package implements, mapped to the database kind. */
export const DIALECT_NAMES: Record<string, DatabaseKind> = {
  MySqlDatabaseDialect: 'mysql',
  PostgreSqlDatabaseDialect: 'postgresql',
  SqliteDatabaseDialect: 'sqlite',
};
