/**
 * What the Debezium goldens are made of, shared by `generate.ts` (which runs Debezium 3.6.1.Final
 * in Kafka Connect 4.1.1 over it) and `debezium-goldens.test.ts` (which runs Sluice's
 * PostgresSourceTask over it): the schema with every PostgreSQL type Debezium maps and their
 * special values, the scripted change sequence, the handling modes (one connector each), and the
 * normalisation of the fields that change from run to run.
 */
import assert from 'node:assert/strict';
import type pg from 'pg';

/** Extensions the schema needs (Debian's postgresql-15 ships them). */
export const EXTENSIONS = ['hstore', 'ltree', 'citext'];

/**
 * A large value that PostgreSQL stores out of line (TOAST): `n` md5 hex strings (32 characters
 * each, which pglz hardly compresses; 70 of them pass the 2 kB threshold), as an SQL expression.
 */
const big = (n: number, seed: string) =>
  `(SELECT string_agg(md5('${seed}' || i::text), '') FROM generate_series(1, ${n}) i)`;
/** A pseudo-random int8 of `i` (so that arrays of them do not compress below the TOAST threshold). */
const hashed = (seed: string) => `('x' || substr(md5('${seed}' || i::text), 1, 15))::bit(60)::int8`;

export const PUBLICATION = 'gold_pub';

/** Types, tables and the rows the snapshot reads. */
export const SETUP_SQL = [
  `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`,
  `CREATE DOMAIN posint AS int4 CHECK (VALUE > 0)`,
  `CREATE DOMAIN shorttext AS varchar(10)`,
  // Scalars of every mapped type.
  `CREATE TABLE scalars (
     id serial PRIMARY KEY,
     b bool, bt1 bit(1), bt8 bit(8), bt12 bit(12), vb varbit, vb5 varbit(5),
     i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, o oid,
     n numeric(10,3), nv numeric, m money,
     c char(3), vc varchar(20), t text, ct citext,
     ip inet, cidr cidr, mac macaddr, mac8 macaddr8,
     j json, jb jsonb, x xml, u uuid, e mood, lt ltree, hs hstore, tsv tsvector,
     by bytea,
     d date, t0 time(0), t3 time(3), t6 time, ttz timetz, ts3 timestamp(3), ts timestamp, tstz timestamptz,
     iv interval,
     r4 int4range, r8 int8range, rn numrange, rts tsrange, rtstz tstzrange, rd daterange,
     dom posint, doms shorttext
   )`,
  // Geometric types.
  `CREATE TABLE geometry (id int4 PRIMARY KEY, p point, l line, ls lseg, bx box, pa path, pg polygon, ci circle)`,
  // Arrays of each.
  `CREATE TABLE arrays (
     id int4 PRIMARY KEY,
     a_b bool[], a_i2 int2[], a_i4 int4[], a_i8 int8[], a_f4 float4[], a_f8 float8[], a_n numeric[], a_n2 numeric(6,2)[],
     a_t text[], a_vc varchar(8)[], a_c char(2)[], a_ct citext[], a_u uuid[], a_j json[], a_jb jsonb[], a_e mood[],
     a_d date[], a_t6 time[], a_ts timestamp[], a_tstz timestamptz[], a_iv interval[], a_by bytea[],
     a_ip inet[], a_cidr cidr[], a_mac macaddr[], a_r4 int4range[], a_rn numrange[], a_m money[], a_lt ltree[], a_hs hstore[]
   )`,
  // Arrays of the types the table above leaves out (Debezium maps some, drops the others).
  `CREATE TABLE arrays_more (
     id int4 PRIMARY KEY,
     a_bt1 bit(1)[], a_bt8 bit(8)[], a_vb varbit[], a_p point[], a_l line[], a_ls lseg[], a_bx box[], a_pa path[],
     a_pg polygon[], a_ci circle[], a_tsv tsvector[], a_x xml[], a_r8 int8range[], a_rts tsrange[],
     a_rtstz tstzrange[], a_rd daterange[], a_mac8 macaddr8[], a_t3 time(3)[], a_ttz timetz[], a_ts3 timestamp(3)[],
     a_o oid[], a_dom posint[], a_doms shorttext[], a_nv numeric(10,3)[]
   )`,
  // Unchanged TOASTed values (REPLICA IDENTITY DEFAULT: an UPDATE does not send them).
  `CREATE TABLE toasted (id int4 PRIMARY KEY, n int4, t text, vc varchar, by bytea, jb jsonb, j json, x xml,
     a_t text[], a_i4 int4[], a_by bytea[], hs hstore, ct citext, tsv tsvector,
     a_i8 int8[], a_f8 float8[], a_n numeric[], a_d date[], a_u uuid[], a_b bool[], a_i2 int2[], a_t6 time[],
     a_ts timestamp[])`,
  // Required (NOT NULL) columns under REPLICA IDENTITY DEFAULT: a delete's before has only the key.
  `CREATE TABLE required_default (id int4 PRIMARY KEY, s int2 NOT NULL, v varchar(50) NOT NULL, b bool NOT NULL,
     d date NOT NULL, n numeric(10,2) NOT NULL, jb jsonb NOT NULL, by bytea NOT NULL, tstz timestamptz NOT NULL,
     note text, nv numeric NOT NULL)`,
  `COMMENT ON COLUMN required_default.note IS 'free text'`,
  // Column defaults (serial, literals, expressions) in key and value schemas.
  `CREATE TABLE defaults (
     id serial PRIMARY KEY, k2 int4 NOT NULL DEFAULT 7,
     i int4 NOT NULL DEFAULT 42, i_null int4 DEFAULT 5, big int8 DEFAULT -1, sm int2 DEFAULT 3,
     t text DEFAULT 'hello', vc varchar(10) NOT NULL DEFAULT 'x''y', flag bool DEFAULT true,
     f8 float8 DEFAULT 1.5, n numeric(5,2) DEFAULT 2.50, d date DEFAULT '2020-01-02',
     ts timestamp DEFAULT '2020-01-02 03:04:05', j jsonb DEFAULT '{}', e mood DEFAULT 'ok',
     u uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', expr int4 DEFAULT (1 + 2),
     UNIQUE (k2, id)
   )`,
  // Key changes, deletes and truncates, under REPLICA IDENTITY FULL and DEFAULT.
  `CREATE TABLE keyed_full (id int4 PRIMARY KEY, v text NOT NULL, n int2)`,
  `ALTER TABLE keyed_full REPLICA IDENTITY FULL`,
  `CREATE TABLE keyed_default (id int8 PRIMARY KEY, v text, d date)`,
  `CREATE TABLE no_key (v text, n int4)`,
  `CREATE PUBLICATION ${PUBLICATION} FOR ALL TABLES`,
  // Snapshot rows.
  `INSERT INTO scalars (b, bt1, bt8, bt12, vb, vb5, i2, i4, i8, f4, f8, o, n, nv, m, c, vc, t, ct, ip, cidr, mac, mac8,
     j, jb, x, u, e, lt, hs, tsv, by, d, t0, t3, t6, ttz, ts3, ts, tstz, iv, r4, r8, rn, rts, rtstz, rd, dom, doms)
   VALUES (true, B'1', B'10100101', B'101000000001', B'1101', B'10', 32767, -2147483648, 9223372036854775807,
     1.5, 2.25, 4000000000, 1234567.891, 3.14159265358979, 1234.56, 'ab', 'varchar', 'text ü', 'MiXeD',
     '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
     '{"a": [1, 2.5, null]}', '{"b": {"c": true}, "a": 1}', '<a>x</a>', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     'happy', 'Top.Science.Astronomy', 'a=>1, "b c"=>NULL', 'the quick brown fox', '\\x00ff10',
     '2024-02-29', '13:14:15', '13:14:15.123', '13:14:15.123456', '13:14:15.5+02', '2024-02-29 13:14:15.123',
     '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.123456+02', '1 year 2 months 3 days 04:05:06.78',
     '[1,10)', '[-5,5]', '(1.5,2.5]', '[2024-01-01 00:00,2024-01-02 00:00)',
     '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '[2024-01-01,2024-02-01)', 12, 'short')`,
  // Every column NULL.
  `INSERT INTO scalars (id) VALUES (DEFAULT)`,
  `INSERT INTO geometry VALUES (1, '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '(2,2),(0,0)', '[(0,0),(1,1),(2,0)]',
     '((0,0),(1,1),(1,0))', '<(1,1),2>'), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `INSERT INTO arrays VALUES (1, '{t,f,NULL}', '{1,-2}', '{1,2,NULL}', '{9223372036854775807}', '{1.5}', '{2.25,NULL}',
     '{1.5,-2,100}', '{1.25,3}', '{"a b","c\\"d",NULL}', '{x,y}', '{ab,c}', '{AbC}',
     '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['{"a":1}']::json[], ARRAY['{"b":2}']::jsonb[], '{sad,happy}',
     '{2024-02-29,1970-01-01}', '{13:14:15.123456}', '{"2024-02-29 13:14:15.123456"}', '{"2024-02-29 13:14:15+02"}',
     '{"1 day"}', '{"\\\\x00ff"}', '{192.168.0.1}', '{10.0.0.0/8}', '{08:00:2b:01:02:03}', '{"[1,3)"}', '{"(1,2]"}',
     '{1.5}', '{a.b}', ARRAY['a=>1']::hstore[])`,
  `INSERT INTO arrays (id, a_b, a_i4, a_t, a_n, a_d) VALUES (2, '{}', '{}', '{}', '{}', '{}')`,
  `INSERT INTO arrays_more VALUES (1, '{1,0}', '{10100101}', '{1101,""}', '{"(1.5,-2)","(0,0)"}', '{"{1,-1,0}"}',
     '{"[(0,0),(1,1)]"}', '{(2,2),(0,0)}', '{"[(0,0),(1,1),(2,0)]"}', '{"((0,0),(1,1),(1,0))"}', '{"<(1,1),2>"}',
     ARRAY['the quick'::tsvector], ARRAY['<a>x</a>'::xml], '{"[1,10)"}', '{"[2024-01-01 00:00,2024-01-02 00:00)"}',
     '{"[2024-01-01 00:00+00,2024-01-02 00:00+00)"}', '{"[2024-01-01,2024-02-01)",empty}', '{08:00:2b:01:02:03:04:05}',
     '{13:14:15.123}', '{13:14:15.5+02}', '{"2024-02-29 13:14:15.123"}', '{4000000000}', '{12,NULL}', '{short}',
     '{1234567.891,-0.001}')`,
  `INSERT INTO arrays_more (id) VALUES (2)`,
  `INSERT INTO toasted VALUES (1, 1, ${big(80, 't')}, ${big(80, 'vc')}, convert_to(${big(80, 'by')}, 'UTF8'),
     jsonb_build_object('k', ${big(80, 'jb')}), json_build_object('k', ${big(80, 'j')}),
     xmlelement(name a, ${big(80, 'x')}), ARRAY[${big(80, 'at')}], (SELECT array_agg((i * 2654435761) % 2147483647)::int4[]
     FROM generate_series(1, 600) i), ARRAY[convert_to(${big(80, 'aby')}, 'UTF8')], hstore('k', ${big(80, 'hs')}),
     ${big(80, 'ct')}, to_tsvector('simple', ${big(80, 'tsv')}),
     (SELECT array_agg(${hashed('i8')}) FROM generate_series(1, 300) i),
     (SELECT array_agg(${hashed('f8')} / 7.0::float8) FROM generate_series(1, 300) i),
     (SELECT array_agg((${hashed('n')} % 100000000)::numeric / 1000) FROM generate_series(1, 300) i),
     (SELECT array_agg(DATE '2000-01-01' + (${hashed('d')} % 100000)::int4) FROM generate_series(1, 600) i),
     (SELECT array_agg(md5('u' || i::text)::uuid) FROM generate_series(1, 150) i),
     (SELECT array_agg(${hashed('b')} % 2 = 0) FROM generate_series(1, 2500) i),
     (SELECT array_agg((${hashed('i2')} % 32000)::int2) FROM generate_series(1, 1100) i),
     (SELECT array_agg(TIME '00:00' + (${hashed('t6')} % 86400000000) * INTERVAL '1 microsecond')
       FROM generate_series(1, 300) i),
     (SELECT array_agg(TIMESTAMP '2000-01-01' + (${hashed('ts')} % 3000000000000000) * INTERVAL '1 microsecond')
       FROM generate_series(1, 300) i))`,
  `INSERT INTO required_default VALUES (1, 7, 'Ann', true, '1990-05-06', 12.5, '{"a":1}', '\\x01ff',
     '2024-01-02 03:04:05.5+02', 'hello', 1.50)`,
  `INSERT INTO defaults DEFAULT VALUES`,
  `INSERT INTO keyed_full VALUES (1, 'one', 1), (2, 'two', 2)`,
  `INSERT INTO keyed_default VALUES (1, 'one', '2024-01-01'), (2, 'two', NULL)`,
  `INSERT INTO no_key VALUES ('a', 1)`,
];

/** Special values (streamed, one transaction each so a failure shows which one). */
export const SPECIAL_SQL = [
  `INSERT INTO scalars (d, ts3, ts, tstz) VALUES ('infinity', 'infinity', 'infinity', 'infinity')`,
  `INSERT INTO scalars (d, ts3, ts, tstz) VALUES ('-infinity', '-infinity', '-infinity', '-infinity')`,
  `INSERT INTO scalars (f4, f8, nv) VALUES ('NaN', 'NaN', 'NaN')`,
  `INSERT INTO scalars (f4, f8, nv) VALUES ('Infinity', '-Infinity', 'Infinity')`,
  `INSERT INTO scalars (f4, f8, nv) VALUES ('-Infinity', 'Infinity', '-Infinity')`,
  `INSERT INTO scalars (n, m, iv, i2, i8) VALUES (-0.001, -92233720368547758.08, '-1 day -00:00:01', -32768, -9223372036854775808)`,
  `INSERT INTO scalars (d, t6, ts, tstz, ttz) VALUES ('0044-03-15 BC', '24:00:00', '1900-01-01 00:00:00.000001', '1969-12-31 23:59:59.999999+00', '00:00:00-05')`,
  `INSERT INTO scalars (t, vc, c, j, jb, by, bt8, vb, r4, rd, rn) VALUES ('', '', '', '""', '[]', '\\x', B'00000000', B'', 'empty', 'empty', '(,)')`,
  `INSERT INTO geometry VALUES (3, '(0,0)', '{0,1,0}', '[(-1e10,1e-10),(0,0)]', '(0,0),(0,0)', '((0,0))', '((0,0))', '<(0,0),0>')`,
  `INSERT INTO arrays (id, a_f8, a_n, a_d, a_ts, a_t) VALUES (3, '{NaN,Infinity,-Infinity}', '{NaN}', '{infinity,-infinity}', '{infinity}', '{NULL}')`,
  `INSERT INTO arrays (id, a_n, a_tstz, a_t6, a_r4, a_ts) VALUES (4, '{Infinity,-Infinity}', '{infinity,-infinity}', '{24:00:00}', '{empty}', '{-infinity}')`,
  `INSERT INTO scalars (rd, rts, ttz, m, t3) VALUES ('[2024-01-01,infinity)', '[-infinity,"2024-01-01 00:00")', '24:00:00+00', 0, '24:00:00')`,
  `INSERT INTO scalars (d, ts, ts3, tstz) VALUES ('5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999', '294276-12-31 23:59:59.999999+00')`,
  `INSERT INTO scalars (d, ts, tstz) VALUES ('4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC')`,
];

/** The change sequence after the snapshot: inserts, updates, a primary-key update, deletes, truncates. */
export const CHANGE_SQL = [
  ...SPECIAL_SQL,
  `UPDATE scalars SET t = 'changed', i4 = 1 WHERE id = 1`,
  `INSERT INTO arrays_more VALUES (3, '{0}', '{00000000}', '{}', '{"(0,0)"}', '{"{0,1,0}"}', NULL, '{}', NULL, NULL,
     '{"<(0,0),0>"}', '{}', '{}', '{empty}', '{"[-infinity,\\"2024-01-01 00:00\\")"}', '{empty}', '{"[2024-01-01,infinity)"}',
     '{}', '{24:00:00}', '{24:00:00+00}', '{infinity,-infinity}', '{0}', '{1}', '{""}', '{NaN}')`,
  // TOAST: the snapshot row and a streamed one, updated without touching the large columns.
  `UPDATE toasted SET n = 2 WHERE id = 1`,
  `INSERT INTO toasted (id, n, t, by, a_t) VALUES (2, 1, ${big(70, 't2')}, convert_to(${big(70, 'by2')}, 'UTF8'), ARRAY[${big(70, 'at2')}, 'x'])`,
  `UPDATE toasted SET n = 3 WHERE id = 2`,
  `UPDATE toasted SET n = 4, t = 'small now' WHERE id = 2`,
  `DELETE FROM toasted WHERE id = 2`,
  `INSERT INTO required_default (id, s, v, b, d, n, jb, by, tstz, nv) VALUES (2, -3, 'Bob', false,
     '1970-01-01', -0.5, '[]', '\\x', '1970-01-01 00:00:00+00', 0)`,
  `UPDATE required_default SET note = 'changed', v = 'Robert' WHERE id = 2`,
  `DELETE FROM required_default WHERE id = 2`,
  `DELETE FROM required_default WHERE id = 1`,
  `INSERT INTO defaults (id) VALUES (DEFAULT)`,
  `INSERT INTO defaults (i_null, t, flag) VALUES (NULL, NULL, NULL)`,
  // One transaction over two tables (transaction metadata counts and orders them).
  `BEGIN; INSERT INTO keyed_full VALUES (3, 'three', 3); INSERT INTO keyed_default VALUES (3, 'three', '2024-03-03');
   UPDATE keyed_full SET n = 30 WHERE id = 3; COMMIT`,
  `UPDATE keyed_full SET v = 'ONE', n = NULL WHERE id = 1`,
  `UPDATE keyed_default SET v = 'ONE' WHERE id = 1`,
  // Primary-key updates (delete + tombstone + create).
  `UPDATE keyed_full SET id = 10 WHERE id = 2`,
  `UPDATE keyed_default SET id = 20 WHERE id = 2`,
  `BEGIN; UPDATE keyed_default SET id = 30, v = 'moved' WHERE id = 3; INSERT INTO keyed_full VALUES (4, 'four', 4); COMMIT`,
  `DELETE FROM keyed_full WHERE id = 1`,
  `DELETE FROM keyed_default WHERE id = 1`,
  `INSERT INTO no_key VALUES ('b', 2)`,
  `TRUNCATE keyed_full`,
  `TRUNCATE keyed_default, no_key`,
];

/**
 * PostGIS (only for the modes with `postgis`: they need the extension, which Debian's
 * postgresql-15-postgis-3 brings). In schema `gis`, which the other modes do not capture.
 */
export const POSTGIS_SETUP_SQL = [
  // In its own schema: PostGIS's type `geometry` would clash with the table public.geometry.
  `CREATE SCHEMA gis`,
  `CREATE EXTENSION postgis SCHEMA gis`,
  `CREATE TABLE gis.shapes (id int4 PRIMARY KEY, g gis.geometry, gp gis.geometry(Point, 4326), gl gis.geometry(LineString, 3857),
     gz gis.geometry(PointZ), gm gis.geometry(MultiPolygon), gc gis.geometry(GeometryCollection), gy gis.geography,
     gyp gis.geography(Point, 4326), a_g gis.geometry[], a_gy gis.geography[], bx gis.box2d, bx3 gis.box3d)`,
  `INSERT INTO gis.shapes VALUES (1, 'POINT(1 2)', 'SRID=4326;POINT(-71.06 42.36)', 'SRID=3857;LINESTRING(0 0, 1 1, 2 0)',
     'POINT Z (1 2 3)', 'MULTIPOLYGON(((0 0,1 0,1 1,0 0)))', 'GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))',
     'POINT(2.35 48.85)', 'SRID=4326;POINT(13.4 52.5)', ARRAY['POINT(1 1)'::gis.geometry, 'SRID=4326;POINT(2 2)'::gis.geometry, NULL],
     ARRAY['POINT(3 4)'::gis.geography], 'BOX(0 0,1 1)', 'BOX3D(0 0 0,1 1 1)'),
     (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];
export const POSTGIS_CHANGE_SQL = [
  `INSERT INTO gis.shapes (id, g, gp, gy, a_g) VALUES (3, 'POLYGON EMPTY', 'SRID=4326;POINT(0 0)', 'LINESTRING(0 0, 10 10)', '{}')`,
  `UPDATE gis.shapes SET g = 'SRID=4326;LINESTRING(0 0, 1 1)', gy = NULL WHERE id = 1`,
  `DELETE FROM gis.shapes WHERE id = 2`,
];

/**
 * For the modes without PostGIS, in the test: a stand-in `gis.shapes` (text columns) that the
 * changes of POSTGIS_CHANGE_SQL run on too, so their transactions happen in every mode as in the
 * goldens' database (Debezium writes BEGIN/END for them even though no table of theirs is captured).
 */
export const POSTGIS_STAND_IN_SQL = [
  `CREATE SCHEMA gis`,
  `CREATE TABLE gis.shapes (id int4 PRIMARY KEY, g text, gp text, gy text, a_g text[])`,
  `INSERT INTO gis.shapes (id) VALUES (1), (2)`,
];

/** The last change: once its event is on `<prefix>.public.marker`, everything before it was emitted. */
export const MARKER_SQL = [`CREATE TABLE marker (id int4 PRIMARY KEY)`];
export const MARKER_INSERT = `INSERT INTO marker VALUES (1)`;

export interface Mode {
  /** File name of the golden and suffix of the topic prefix. */
  name: string;
  /** Connector properties on top of {@link baseConfig}. */
  props: Record<string, string>;
  /** Captures the PostGIS tables of `POSTGIS_SETUP_SQL` (and needs PostGIS installed). */
  postgis?: boolean;
}

export const MODES: Mode[] = [
  { name: 'default', props: {} },
  { name: 'transaction-metadata', props: { 'provide.transaction.metadata': 'true' } },
  { name: 'decimal-double', props: { 'decimal.handling.mode': 'double' } },
  { name: 'decimal-string', props: { 'decimal.handling.mode': 'string' } },
  { name: 'time-adaptive_time_microseconds', props: { 'time.precision.mode': 'adaptive_time_microseconds' } },
  { name: 'time-connect', props: { 'time.precision.mode': 'connect' } },
  { name: 'time-microseconds', props: { 'time.precision.mode': 'microseconds' } },
  { name: 'time-nanoseconds', props: { 'time.precision.mode': 'nanoseconds' } },
  { name: 'time-isostring', props: { 'time.precision.mode': 'isostring' } },
  { name: 'hstore-map', props: { 'hstore.handling.mode': 'map' } },
  { name: 'interval-string', props: { 'interval.handling.mode': 'string' } },
  { name: 'binary-base64', props: { 'binary.handling.mode': 'base64' } },
  { name: 'binary-base64-url-safe', props: { 'binary.handling.mode': 'base64-url-safe' } },
  { name: 'binary-hex', props: { 'binary.handling.mode': 'hex' } },
  { name: 'unknown-datatypes', props: { 'include.unknown.datatypes': 'true' } },
  { name: 'toast-placeholder', props: { 'unavailable.value.placeholder': 'UNCHANGED' } },
  // PostGIS: the gis schema and the marker only.
  {
    name: 'postgis',
    postgis: true,
    props: { 'schema.include.list': 'gis,public', 'table.include.list': 'gis\\.shapes,public\\.marker' },
  },
  {
    name: 'postgis-binary-hex',
    postgis: true,
    props: {
      'schema.include.list': 'gis,public',
      'table.include.list': 'gis\\.shapes,public\\.marker',
      'binary.handling.mode': 'hex',
    },
  },
  // ExtractNewRecordState with the keys removed in 3.2 (3.6.1 ignores them).
  {
    name: 'unwrap-removed-keys',
    props: {
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.handling.mode': 'rewrite',
      'transforms.unwrap.drop.tombstones': 'false',
    },
  },
];

/** The topic prefix (logical name) of a mode's connector. */
export const prefixOf = (mode: Mode): string => `gold_${mode.name.replace(/[^a-z0-9]+/g, '_')}`;

/** Connector properties shared by every mode (connection properties are added by the caller). */
export function baseConfig(mode: Mode): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'topic.prefix': prefixOf(mode),
    'plugin.name': 'pgoutput',
    'publication.name': PUBLICATION,
    'publication.autocreate.mode': 'disabled',
    'schema.include.list': 'public',
    'skipped.operations': 'none',
    ...mode.props,
  };
}

/** Runs statements (a string may hold several, e.g. BEGIN; ...; COMMIT). */
export async function runAll(sql: pg.Client, statements: string[]): Promise<void> {
  for (const s of statements) await sql.query(s);
}

/** One event as a golden holds it: JsonConverter (schemas on) key and value, headers as strings. */
export interface GoldenEvent {
  topic: string;
  key: unknown;
  value: unknown;
  headers: Array<{ key: string; value: string | null }>;
}

export interface Golden {
  /** The distinct key and value schemas; an event's `schema` is `"#<index>"` into this list. */
  schemas: unknown[];
  debezium: string;
  connect: string;
  mode: string;
  config: Record<string, string>;
  events: GoldenEvent[];
  /** The connector's committed source offsets (`GET /connectors/<name>/offsets`), normalised. */
  offsets: unknown;
}

/**
 * JSON.parse keeping integers beyond 2^53 exact (int64 values such as Debezium's infinity
 * sentinels): they become `{"$int64": "<digits>"}`, on both sides of the comparison.
 */
export function parseConnectJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? { $int64: context.source }
      : value,
  );
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Replaces `obj[k]` with `mark` after checking that it is a number (or absent/null when `optional`). */
function mask(obj: Record<string, unknown>, k: string, mark: string, what: string): void {
  if (!(k in obj) || obj[k] === null) return;
  const v = obj[k];
  assert.ok(
    typeof v === 'number' || (isObj(v) && typeof v.$int64 === 'string'),
    `${what}.${k} is ${JSON.stringify(v)}, expected a number`,
  );
  obj[k] = mark;
}

/**
 * Normalises one event in place: the processing and commit times, xids, LSNs, `sequence`, the
 * database name, transaction ids (`<txid>:<lsn>` kept as that shape), the run id header.
 */
export function normaliseEvent(ev: GoldenEvent): GoldenEvent {
  const payload = isObj(ev.value) && isObj(ev.value.payload) ? ev.value.payload : undefined;
  if (payload !== undefined) {
    for (const k of ['ts_ms', 'ts_us', 'ts_ns']) mask(payload, k, '<ts>', 'value');
    const source = payload.source;
    if (isObj(source)) {
      for (const k of ['ts_ms', 'ts_us', 'ts_ns']) mask(source, k, '<ts>', 'source');
      mask(source, 'txId', '<txid>', 'source');
      mask(source, 'lsn', '<lsn>', 'source');
      if (typeof source.sequence === 'string') {
        const seq = JSON.parse(source.sequence) as unknown[];
        source.sequence = JSON.stringify(
          seq.map((s) => (s === null ? null : /^\d+$/.test(String(s)) ? '<lsn>' : s)),
        );
      }
      if (typeof source.db === 'string') source.db = '<db>';
    }
    const tx = payload.transaction;
    if (isObj(tx)) normaliseTxId(tx);
    // BEGIN/END events on <prefix>.transaction
    if (typeof payload.status === 'string') normaliseTxId(payload);
  }
  if (isObj(ev.key) && isObj(ev.key.payload) && ev.topic.endsWith('.transaction'))
    normaliseTxId(ev.key.payload);
  // The run id is a UUID per task run (a value of another shape stays, so the comparison shows it).
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  ev.headers = ev.headers.map((h) =>
    h.key === '__debezium.context.runId' && h.value !== null && uuid.test(h.value)
      ? { key: h.key, value: '<run-id>' }
      : h,
  );
  return ev;
}

function normaliseTxId(obj: Record<string, unknown>): void {
  if (typeof obj.id === 'string')
    obj.id = obj.id.replace(/^\d+:\d+$/, '<txid>:<lsn>').replace(/^\d+$/, '<txid>');
}

/** Normalises the committed offsets (`{offsets: [{partition, offset}]}`): LSNs, xids, times. */
export function normaliseOffsets(offsets: unknown): unknown {
  const list = isObj(offsets) && Array.isArray(offsets.offsets) ? offsets.offsets : [];
  for (const entry of list) {
    const offset = isObj(entry) ? entry.offset : undefined;
    if (!isObj(offset)) continue;
    for (const k of ['lsn', 'lsn_proc', 'lsn_commit']) mask(offset, k, '<lsn>', 'offset');
    mask(offset, 'txId', '<txid>', 'offset');
    mask(offset, 'ts_usec', '<ts>', 'offset');
    if (typeof offset.transaction_id === 'string') offset.transaction_id = '<txid>:<lsn>';
  }
  return offsets;
}

/** Events grouped by topic (sorted), each topic's events in their order: Kafka orders only within a partition. */
export function byTopic(events: GoldenEvent[]): GoldenEvent[] {
  const topics = [...new Set(events.map((e) => e.topic))].sort();
  return topics.flatMap((t) => events.filter((e) => e.topic === t));
}

/** Replaces every key/value `schema` by `"#<index>"` into a shared list (the goldens stay small). */
export function shareSchemas(events: GoldenEvent[]): { schemas: unknown[]; events: GoldenEvent[] } {
  const schemas: unknown[] = [];
  const index = new Map<string, number>();
  const ref = (doc: unknown): unknown => {
    if (!isObj(doc) || !('schema' in doc)) return doc;
    const text = JSON.stringify(doc.schema);
    let i = index.get(text);
    if (i === undefined) {
      i = schemas.length;
      schemas.push(doc.schema);
      index.set(text, i);
    }
    return { ...doc, schema: `#${i}` };
  };
  return { schemas, events: events.map((e) => ({ ...e, key: ref(e.key), value: ref(e.value) })) };
}

/** The events of a golden with their schemas put back. */
export function expandSchemas(golden: Golden): GoldenEvent[] {
  const deref = (doc: unknown): unknown =>
    isObj(doc) && typeof doc.schema === 'string' && doc.schema.startsWith('#')
      ? { ...doc, schema: golden.schemas[Number(doc.schema.slice(1))] }
      : doc;
  return golden.events.map((e) => ({ ...e, key: deref(e.key), value: deref(e.value) }));
}
