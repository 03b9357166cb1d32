/**
 * SQL text per database (what Confluent calls a dialect): identifier quoting, placeholders, the
 * source's incremental queries, and the sink's INSERT / upsert / UPDATE / DELETE, CREATE TABLE
 * and ALTER TABLE statements with the column types Confluent's dialects choose.
 */

import type { Schema } from '@sluice/api';
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
  update(table: string, keys: readonly string[], columns: readonly string[], mode?: QuoteMode): string;
  delete(table: string, keys: readonly string[], mode?: QuoteMode): string;
  /** The SQL type for a Connect schema (`key` true for a primary-key column). */
  sqlType(schema: Schema, key: boolean): string;
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
}

abstract class BaseDialect implements Dialect {
  abstract readonly kind: DatabaseKind;
  abstract readonly name: string;
  abstract readonly maxParams: number;
  protected abstract readonly quoteChar: string;

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

  abstract upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode?: QuoteMode,
  ): string;

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

  delete(table: string, keys: readonly string[], mode: QuoteMode = 'always'): string {
    let n = 1;
    const where = keys.map((k) => `${this.quote(k, mode)} = ${this.placeholder(n++)}`).join(' AND ');
    return `DELETE FROM ${table} WHERE ${where}`;
  }

  abstract sqlType(schema: Schema, key: boolean): string;

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

  addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode: QuoteMode = 'always',
  ): string[] {
    const adds = columns.map((c) => `ADD ${this.quote(c.name, mode)} ${this.sqlType(c.schema, false)} NULL`);
    return [`ALTER TABLE ${table} ${adds.join(', ')}`];
  }

  boolValue(value: boolean): unknown {
    return value ? 1 : 0;
  }
}

class MySqlDialect extends BaseDialect {
  readonly kind = 'mysql' as const;
  readonly name = 'MySqlDatabaseDialect';
  readonly maxParams = 60_000;
  protected readonly quoteChar = '`';

  upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode: QuoteMode = 'always',
  ): string {
    const all = [...keys, ...columns];
    const update =
      columns.length === 0
        ? keys.map((k) => `${this.quote(k, mode)}=${this.quote(k, mode)}`).join(',')
        : columns.map((c) => `${this.quote(c, mode)}=VALUES(${this.quote(c, mode)})`).join(',');
    return `${this.insert(table, all, rows, mode)} ON DUPLICATE KEY UPDATE ${update}`;
  }

  sqlType(schema: Schema, key: boolean): string {
    switch (schema.name) {
      case 'org.apache.kafka.connect.data.Decimal':
        return `DECIMAL(65,${schema.parameters?.scale ?? '0'})`;
      case 'org.apache.kafka.connect.data.Date':
        return 'DATE';
      case 'org.apache.kafka.connect.data.Time':
        return 'TIME(3)';
      case 'org.apache.kafka.connect.data.Timestamp':
        return 'DATETIME(3)';
    }
    switch (schema.type) {
      case 'INT8':
        return 'TINYINT';
      case 'INT16':
        return 'SMALLINT';
      case 'INT32':
        return 'INT';
      case 'INT64':
        return 'BIGINT';
      case 'FLOAT32':
        return 'FLOAT';
      case 'FLOAT64':
        return 'DOUBLE';
      case 'BOOLEAN':
        return 'TINYINT';
      case 'STRING':
        return key ? 'VARCHAR(256)' : 'TEXT';
      case 'BYTES':
        return key ? 'VARBINARY(1024)' : 'BLOB';
      default:
        throw new Error(`no MySQL type for ${schema.type}`);
    }
  }
}

class PostgresDialect extends BaseDialect {
  readonly kind = 'postgresql' as const;
  readonly name = 'PostgreSqlDatabaseDialect';
  readonly maxParams = 65_535;
  protected readonly quoteChar = '"';

  override placeholder(n: number): string {
    return `$${n}`;
  }

  upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode: QuoteMode = 'always',
  ): string {
    const all = [...keys, ...columns];
    const conflict = `ON CONFLICT (${keys.map((k) => this.quote(k, mode)).join(',')})`;
    const action =
      columns.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${columns.map((c) => `${this.quote(c, mode)}=EXCLUDED.${this.quote(c, mode)}`).join(',')}`;
    return `${this.insert(table, all, rows, mode)} ${conflict} ${action}`;
  }

  sqlType(schema: Schema): string {
    switch (schema.name) {
      case 'org.apache.kafka.connect.data.Decimal':
        return 'DECIMAL';
      case 'org.apache.kafka.connect.data.Date':
        return 'DATE';
      case 'org.apache.kafka.connect.data.Time':
        return 'TIME';
      case 'org.apache.kafka.connect.data.Timestamp':
        return 'TIMESTAMP';
    }
    switch (schema.type) {
      case 'INT8':
      case 'INT16':
        return 'SMALLINT';
      case 'INT32':
        return 'INT';
      case 'INT64':
        return 'BIGINT';
      case 'FLOAT32':
        return 'REAL';
      case 'FLOAT64':
        return 'DOUBLE PRECISION';
      case 'BOOLEAN':
        return 'BOOLEAN';
      case 'STRING':
        return 'TEXT';
      case 'BYTES':
        return 'BYTEA';
      case 'ARRAY': {
        const element = schema.valueSchema;
        if (element !== null && element.type !== 'ARRAY') return `${this.sqlType(element)}[]`;
        throw new Error('no PostgreSQL type for nested arrays');
      }
      default:
        throw new Error(`no PostgreSQL type for ${schema.type}`);
    }
  }

  override addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode: QuoteMode = 'always',
  ): string[] {
    const adds = columns.map((c) => `ADD ${this.quote(c.name, mode)} ${this.sqlType(c.schema)} NULL`);
    return [`ALTER TABLE ${table} ${adds.join(', ')}`];
  }

  override boolValue(value: boolean): unknown {
    return value;
  }
}

class SqliteDialect extends BaseDialect {
  readonly kind = 'sqlite' as const;
  readonly name = 'SqliteDatabaseDialect';
  readonly maxParams = 32_000;
  protected readonly quoteChar = '"';

  upsert(
    table: string,
    keys: readonly string[],
    columns: readonly string[],
    rows: number,
    mode: QuoteMode = 'always',
  ): string {
    const all = [...keys, ...columns];
    const conflict = `ON CONFLICT(${keys.map((k) => this.quote(k, mode)).join(',')})`;
    const action =
      columns.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${columns.map((c) => `${this.quote(c, mode)}=excluded.${this.quote(c, mode)}`).join(',')}`;
    return `${this.insert(table, all, rows, mode)} ${conflict} ${action}`;
  }

  sqlType(schema: Schema): string {
    switch (schema.name) {
      case 'org.apache.kafka.connect.data.Decimal':
        return 'NUMERIC';
      case 'org.apache.kafka.connect.data.Date':
        return 'DATE';
      case 'org.apache.kafka.connect.data.Time':
        return 'TIME';
      case 'org.apache.kafka.connect.data.Timestamp':
        return 'TIMESTAMP';
    }
    switch (schema.type) {
      case 'INT8':
      case 'INT16':
      case 'INT32':
      case 'INT64':
      case 'BOOLEAN':
        return 'INTEGER';
      case 'FLOAT32':
      case 'FLOAT64':
        return 'REAL';
      case 'STRING':
        return 'TEXT';
      case 'BYTES':
        return 'BLOB';
      default:
        throw new Error(`no SQLite type for ${schema.type}`);
    }
  }

  override addColumns(
    table: string,
    columns: ReadonlyArray<{ name: string; schema: Schema }>,
    mode: QuoteMode = 'always',
  ): string[] {
    // SQLite adds one column per statement.
    return columns.map(
      (c) => `ALTER TABLE ${table} ADD ${this.quote(c.name, mode)} ${this.sqlType(c.schema)} NULL`,
    );
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
