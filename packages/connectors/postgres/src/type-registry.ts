/**
 * The server's types, by OID: name, kind (base, enum, domain, array), element type of arrays, base
 * type of domains, and the labels of enums in their sort order. Loaded from `pg_type`/`pg_enum`
 * once and again when a relation names an OID it has not seen (a type created after start).
 */

import type pg from 'pg';

export interface PgType {
  oid: number;
  /** `pg_type.typname`, e.g. `int4`, `_text`, `mood`. */
  name: string;
  schema: string;
  /** `b` base, `e` enum, `d` domain, `c` composite, `r` range, `m` multirange, `p` pseudo. */
  kind: string;
  /** For arrays: the element type's OID (0 otherwise). */
  elementOid: number;
  /** For domains: the base type's OID (0 otherwise). */
  baseOid: number;
  /** For domains: the base type's modifier (-1 when none). */
  baseTypeModifier: number;
  /** For enums: the labels in `enumsortorder`. */
  enumLabels: string[] | null;
  /** `pg_type.typdelim`: the separator of this type's elements in an array's text (`,` when absent). */
  delimiter?: string;
}

export class TypeRegistry {
  readonly #byOid = new Map<number, PgType>();

  /** Loads every type of the database. */
  async load(client: pg.Client): Promise<void> {
    const types = await client.query(
      `SELECT t.oid::int8 AS oid, t.typname, n.nspname, t.typtype, t.typelem::int8 AS typelem,
              t.typbasetype::int8 AS typbasetype, t.typtypmod, t.typcategory, t.typdelim
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace`,
    );
    const enums = await client.query(
      'SELECT enumtypid::int8 AS oid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumtypid, enumsortorder',
    );
    const labels = new Map<number, string[]>();
    for (const row of enums.rows as Array<{ oid: string; enumlabel: string }>) {
      const oid = Number(row.oid);
      const list = labels.get(oid);
      if (list === undefined) labels.set(oid, [row.enumlabel]);
      else list.push(row.enumlabel);
    }
    this.#byOid.clear();
    for (const row of types.rows as Array<Record<string, string>>) {
      const oid = Number(row.oid);
      // typcategory 'A' marks true arrays; typelem alone is also set for fixed-length types like `name`.
      const isArray = row.typcategory === 'A';
      this.#byOid.set(oid, {
        oid,
        name: String(row.typname),
        schema: String(row.nspname),
        kind: String(row.typtype),
        elementOid: isArray ? Number(row.typelem) : 0,
        baseOid: Number(row.typbasetype),
        baseTypeModifier: Number(row.typtypmod),
        enumLabels: labels.get(oid) ?? null,
        delimiter: String(row.typdelim ?? ','),
      });
    }
  }

  get(oid: number): PgType | undefined {
    return this.#byOid.get(oid);
  }

  has(oid: number): boolean {
    return this.#byOid.has(oid);
  }

  /** Adds a type directly (tests, and types learnt from somewhere other than the catalog). */
  add(type: PgType): void {
    this.#byOid.set(type.oid, type);
  }
}
