/**
 * A captured table as Debezium presents it: the topic `<prefix>.<schema>.<table>`, the key schema
 * `<topic>.Key` (primary-key columns, or `message.key.columns`, or the replica-identity index; no
 * key when there is none), the row schema `<topic>.Value` (optional struct of the included
 * columns, each optional when the column is nullable, with the column comment as `doc`) and the
 * envelope. Also the filters that decide which tables and columns are captured.
 */

import { createHash } from 'node:crypto';
import { type Schema, SchemaBuilder, Struct } from '@sluice/api';
import type pg from 'pg';
import { envelopeSchema } from './envelope.ts';
import type { PostgresConnectorConfig } from './postgres-connector-config.ts';
import { type ColumnMapping, columnMapping, defaultValue, fallbackValue, LOGICAL } from './type-mapping.ts';
import type { TypeRegistry } from './type-registry.ts';

/** A column as the table builder needs it. */
export interface ColumnDefinition {
  name: string;
  typeOid: number;
  typeModifier: number;
  /** Nullable in the catalog (`NOT attnotnull`). */
  optional: boolean;
  /** The column comment. */
  comment: string | null;
  /** The column's default as `pg_get_expr` prints it (`'x'::text`, `nextval(...)`), null when none. */
  defaultExpression: string | null;
}

/** What the catalog says about a table. */
export interface TableMetadata {
  oid: number;
  schema: string;
  name: string;
  columns: ColumnDefinition[];
  /** Primary-key column names in key order (empty when none). */
  primaryKey: string[];
  /** Replica identity index column names (REPLICA IDENTITY USING INDEX), empty otherwise. */
  replicaIdentityIndex: string[];
  /** `d`, `n`, `f` or `i`. */
  replicaIdentity: string;
}

/** A text value of a column; undefined = unchanged TOASTed value (not sent by pgoutput). */
export type TextRow = ReadonlyArray<string | null | undefined>;

/** Placeholder Debezium puts in unchanged TOASTed text columns (`unavailable.value.placeholder`). */
export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

interface FieldPlan {
  column: number;
  schema: Schema;
  mapping: ColumnMapping;
}

export class TableSchema {
  readonly schemaName: string;
  readonly tableName: string;
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly envelopeSchema: Schema;
  /** Column names in table order (the order of the rows given to {@link key}/{@link value}). */
  readonly columnNames: readonly string[];
  readonly #keyPlan: FieldPlan[];
  readonly #valuePlan: FieldPlan[];
  /** `unavailable.value.placeholder` as bytes. */
  readonly #placeholder: Buffer;

  constructor(meta: TableMetadata, config: PostgresConnectorConfig, types: TypeRegistry) {
    this.schemaName = meta.schema;
    this.tableName = meta.name;
    this.topic = `${config.topicPrefix}.${meta.schema}.${meta.name}`;
    this.columnNames = meta.columns.map((c) => c.name);
    const options = {
      decimalHandlingMode: config.decimalHandlingMode,
      timePrecisionMode: config.timePrecisionMode,
      binaryHandlingMode: config.binaryHandlingMode,
      hstoreHandlingMode: config.hstoreHandlingMode,
      intervalHandlingMode: config.intervalHandlingMode,
      includeUnknownDatatypes: config.includeUnknownDatatypes,
      unavailablePlaceholder: config.unavailablePlaceholder.toString('utf8'),
    };
    this.#placeholder = config.unavailablePlaceholder;
    const mappings = meta.columns.map((c) => columnMapping(c.typeOid, c.typeModifier, types, options));
    const fieldSchema = (i: number): Schema | null => {
      const mapping = mappings[i];
      const column = meta.columns[i]!;
      if (mapping === null || mapping === undefined) return null;
      // Rebuild from the mapping each time: builders are mutable.
      const builder = SchemaBuilder.from(mapping.schema.build());
      if (column.optional) builder.optional();
      if (column.comment !== null && config.includeSchemaComments) builder.doc(column.comment);
      const built = builder.build();
      const dflt = defaultValue(column.defaultExpression, built, mapping);
      return dflt === undefined ? built : SchemaBuilder.from(built).defaultValue(dflt).build();
    };

    const keyNames = keyColumnNames(meta, config);
    const keyBuilder = SchemaBuilder.struct().name(`${this.topic}.Key`);
    this.#keyPlan = [];
    for (const name of keyNames) {
      const i = meta.columns.findIndex((c) => c.name === name);
      const schema = i < 0 ? null : fieldSchema(i);
      if (schema === null) continue;
      keyBuilder.field(name, schema);
      this.#keyPlan.push({ column: i, schema, mapping: mappings[i]! });
    }
    this.keySchema = this.#keyPlan.length > 0 ? keyBuilder.build() : null;

    const valueBuilder = SchemaBuilder.struct().name(`${this.topic}.Value`);
    this.#valuePlan = [];
    meta.columns.forEach((column, i) => {
      if (!columnIncluded(config, meta.schema, meta.name, column.name)) return;
      const schema = fieldSchema(i);
      if (schema === null) return;
      valueBuilder.field(column.name, schema);
      this.#valuePlan.push({ column: i, schema, mapping: mappings[i]! });
    });
    this.valueSchema = valueBuilder.optional().build();
    this.envelopeSchema = envelopeSchema(this.topic, this.valueSchema);
  }

  /** The key of a row, or null when the table has no key. */
  key(row: TextRow): Struct | null {
    if (this.keySchema === null) return null;
    return this.#struct(this.keySchema, this.#keyPlan, row);
  }

  /** The row image for `before`/`after`. */
  value(row: TextRow): Struct {
    return this.#struct(this.valueSchema, this.#valuePlan, row);
  }

  /** True when the key columns hold the same text in both rows. */
  sameKey(a: TextRow, b: TextRow): boolean {
    return this.#keyPlan.every((f) => a[f.column] === b[f.column]);
  }

  /**
   * Builds the struct in field order without per-field validation: every value comes from the
   * column's own converter (typed for its schema) or from the null/placeholder rules below.
   */
  #struct(schema: Schema, plan: FieldPlan[], row: TextRow): Struct {
    const values: unknown[] = new Array(plan.length);
    for (let i = 0; i < plan.length; i++) {
      const field = plan[i]!;
      const text = row[field.column];
      let value: unknown;
      if (text === undefined) {
        value =
          field.mapping.placeholder !== undefined
            ? field.mapping.placeholder
            : unavailablePlaceholder(field.schema, this.#placeholder);
      } else if (text === null) {
        value = field.schema.isOptional ? null : zeroOf(field);
      } else {
        value = field.mapping.convert(text, field.schema);
        if (value === null && !field.schema.isOptional) value = zeroOf(field);
      }
      values[i] = value;
    }
    return Struct.withValues(schema, values);
  }
}

/** A required field's value when the database gave none: its default, else the mapping's or the type's zero. */
function zeroOf(field: FieldPlan): unknown {
  if (field.schema.defaultValue === null && field.mapping.zero !== undefined) return field.mapping.zero;
  return fallbackValue(field.schema);
}

/** Java's `UUID.nameUUIDFromBytes`: an MD5-based (version 3) UUID of `bytes`. */
function nameUuid(bytes: Buffer): string {
  const md5 = createHash('md5').update(bytes).digest();
  md5[6] = (md5[6]! & 0x0f) | 0x30;
  md5[8] = (md5[8]! & 0x3f) | 0x80;
  const hex = md5.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Debezium's placeholder for an unchanged TOASTed value (`unavailable.value.placeholder`, as
 * bytes): its text, its bytes, or a list of them (measured in the goldens).
 */
function unavailablePlaceholder(schema: Schema, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  switch (schema.type) {
    case 'STRING':
      return text;
    case 'BYTES':
      return schema.name === null ? Buffer.from(bytes) : fallbackValue(schema);
    case 'ARRAY':
      switch (schema.valueSchema?.type) {
        case 'STRING':
          // uuid[]: the name-based UUID of the placeholder (measured).
          if (schema.valueSchema?.name === LOGICAL.UUID) return [nameUuid(bytes)];
          // isostring dates (measured), times and timestamps: null.
          if (schema.valueSchema?.name?.startsWith('io.debezium.time.Iso')) return null;
          return [text];
        // The placeholder's bytes, as one element or one integer each (measured for int4[],
        // int8[], date[] and bytea[]); null for every other element type measured (int2[],
        // float8[], time[], timestamp[], Connect's Date elements, numeric[]).
        case 'BYTES':
          return schema.valueSchema.name === null ? [Buffer.from(bytes)] : null;
        case 'INT32':
          return schema.valueSchema.name === null || schema.valueSchema.name === LOGICAL.DATE
            ? [...bytes]
            : null;
        case 'INT64':
          return schema.valueSchema.name === null ? [...bytes] : null;
        default:
          return null;
      }
    default:
      return schema.isOptional ? null : fallbackValue(schema);
  }
}

function keyColumnNames(meta: TableMetadata, config: PostgresConnectorConfig): string[] {
  const fq = `${meta.schema}.${meta.name}`;
  for (const override of config.keyColumns) {
    if (override.table.test(fq)) return override.columns;
  }
  if (meta.primaryKey.length > 0) return meta.primaryKey;
  return meta.replicaIdentityIndex;
}

function matchesAny(patterns: RegExp[], text: string): boolean {
  return patterns.some((p) => p.test(text));
}

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/** Whether changes of `schema.table` are captured (schema and table include/exclude lists). */
export function tableIncluded(config: PostgresConnectorConfig, schema: string, table: string): boolean {
  if (SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_toast') || schema.startsWith('pg_temp'))
    return false;
  if (config.schemaInclude !== null && !matchesAny(config.schemaInclude, schema)) return false;
  if (config.schemaExclude !== null && matchesAny(config.schemaExclude, schema)) return false;
  const fq = `${schema}.${table}`;
  if (config.tableInclude !== null && !matchesAny(config.tableInclude, fq)) return false;
  if (config.tableExclude !== null && matchesAny(config.tableExclude, fq)) return false;
  return true;
}

/** Whether a column appears in the row images (column include/exclude lists on `schema.table.column`). */
export function columnIncluded(
  config: PostgresConnectorConfig,
  schema: string,
  table: string,
  column: string,
): boolean {
  const fq = `${schema}.${table}.${column}`;
  if (config.columnInclude !== null && !matchesAny(config.columnInclude, fq)) return false;
  if (config.columnExclude !== null && matchesAny(config.columnExclude, fq)) return false;
  return true;
}

/** Reads a table's columns, keys and replica identity from the catalog. Null when it does not exist. */
export async function readTableMetadata(client: pg.Client, oid: number): Promise<TableMetadata | null> {
  const table = await client.query({
    text: `SELECT n.nspname, c.relname, c.relreplident
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = $1`,
    values: [oid],
  });
  const t = table.rows[0] as { nspname: string; relname: string; relreplident: string } | undefined;
  if (t === undefined) return null;
  const columns = await client.query({
    text: `SELECT a.attname, a.atttypid::int8 AS atttypid, a.atttypmod, a.attnotnull,
                  pg_catalog.col_description(a.attrelid, a.attnum) AS comment,
                  pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expression
             FROM pg_catalog.pg_attribute a
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum`,
    values: [oid],
  });
  const indexColumns = async (condition: string): Promise<string[]> => {
    const res = await client.query({
      text: `SELECT a.attname
               FROM pg_catalog.pg_index i
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
              WHERE i.indrelid = $1 AND ${condition}
              ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      values: [oid],
    });
    return (res.rows as Array<{ attname: string }>).map((r) => r.attname);
  };
  return {
    oid,
    schema: t.nspname,
    name: t.relname,
    replicaIdentity: t.relreplident,
    columns: (columns.rows as Array<Record<string, string | null>>).map((r) => ({
      name: String(r.attname),
      typeOid: Number(r.atttypid),
      typeModifier: Number(r.atttypmod),
      optional: r.attnotnull !== 't',
      comment: r.comment ?? null,
      defaultExpression: r.default_expression ?? null,
    })),
    primaryKey: await indexColumns('i.indisprimary'),
    replicaIdentityIndex: t.relreplident === 'i' ? await indexColumns('i.indisreplident') : [],
  };
}
