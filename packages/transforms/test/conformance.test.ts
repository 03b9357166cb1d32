/**
 * The conformance suite every transformation of the package runs: null value / tombstone
 * handling, schema'd and schemaless data, key and value variants, headers, topic/partition/
 * timestamp and source offsets preserved, and the derived-schema cache returning the very same
 * schema object for the same (or an equal) input schema.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConnectHeaders,
  type ConnectRecord,
  type PluginClass,
  Schema,
  SchemaBuilder,
  SourceRecord,
  Struct,
  type Transformation,
} from '@sluice/api';
import { sluicePlugins, TRANSFORMATIONS } from '../src/index.ts';
import { sourceRecord } from './helpers.ts';

/** The row every case works on; built by a function so tests can get equal but distinct schemas. */
function rowSchema(): Schema {
  return SchemaBuilder.struct()
    .name('com.example.Row')
    .version(3)
    .doc('a row')
    .optional()
    .field('id', Schema.INT64_SCHEMA)
    .field('name', Schema.OPTIONAL_STRING_SCHEMA)
    .field('amount', Schema.INT32_SCHEMA)
    .field('created', Schema.INT64_SCHEMA)
    .field('internal_id', Schema.OPTIONAL_STRING_SCHEMA)
    .field('nested', SchemaBuilder.struct().optional().field('a', Schema.INT32_SCHEMA).build())
    .build();
}

function row(schema: Schema): Struct {
  const nested = schema.field('nested')!.schema;
  return new Struct(schema)
    .put('id', 7)
    .put('name', 'Ada')
    .put('amount', 12)
    .put('created', 1_700_000_000_000)
    .put('internal_id', 'x-1')
    .put('nested', new Struct(nested).put('a', 1));
}

function rowMap(): Record<string, unknown> {
  return { id: 7, name: 'Ada', amount: 12, created: 1_700_000_000_000, internal_id: 'x-1', nested: { a: 1 } };
}

function envelopeSchema(row: Schema): Schema {
  return SchemaBuilder.struct()
    .name('server.public.rows.Envelope')
    .version(2)
    .field('before', row)
    .field('after', row)
    .field(
      'source',
      SchemaBuilder.struct()
        .name('io.debezium.connector.postgresql.Source')
        .field('db', Schema.STRING_SCHEMA)
        .field('ts_ms', Schema.INT64_SCHEMA)
        .build(),
    )
    .field('op', Schema.STRING_SCHEMA)
    .field('ts_ms', Schema.OPTIONAL_INT64_SCHEMA)
    .build();
}

function envelope(schema: Schema): Struct {
  const r = row(schema.field('after')!.schema);
  return new Struct(schema)
    .put('after', r)
    .put('source', new Struct(schema.field('source')!.schema).put('db', 'd').put('ts_ms', 5))
    .put('op', 'c')
    .put('ts_ms', 6);
}

type NullBehaviour = 'unchanged' | 'null-value' | 'throws' | 'dropped' | 'transformed';

interface Case {
  plugin: PluginClass;
  configs: Record<string, string>;
  /** Which half the transform reads: its key/value variant, or the record as a whole. */
  side: 'key' | 'value' | 'record';
  onNull: NullBehaviour;
  /** Whether the transform works on schemaless maps (else it needs a schema, or ignores data). */
  schemaless: boolean;
  /** Whether it derives a new schema from the input schema (and so caches it). */
  derivesSchema: boolean;
  /** Whether it changes the topic. */
  routes?: boolean;
  /** Header keys it removes. */
  dropsHeaders?: readonly string[];
  /** The schema'd input for the operated side; default: a row. */
  input?: (schema: Schema) => { schema: Schema; value: unknown };
  /** The record is a Debezium envelope. */
  envelope?: boolean;
}

const V = (name: string) => `org.apache.kafka.connect.transforms.${name}`;

function pair(
  name: string,
  configs: Record<string, string>,
  rest: Omit<Case, 'plugin' | 'configs' | 'side'>,
): Case[] {
  const find = (cls: string) => TRANSFORMATIONS.find((t) => t.javaClass === V(cls))!;
  return [
    { plugin: find(`${name}$Key`), configs, side: 'key', ...rest },
    { plugin: find(`${name}$Value`), configs, side: 'value', ...rest },
  ];
}

function single(
  javaClass: string,
  configs: Record<string, string>,
  rest: Omit<Case, 'plugin' | 'configs'>,
): Case {
  return { plugin: TRANSFORMATIONS.find((t) => t.javaClass === javaClass)!, configs, ...rest };
}

const CASES: Case[] = [
  ...pair(
    'InsertField',
    { 'topic.field': 'topic', 'partition.field': 'partition' },
    {
      onNull: 'unchanged',
      schemaless: true,
      derivesSchema: true,
    },
  ),
  ...pair(
    'ReplaceField',
    { exclude: 'internal_id', renames: 'name:full_name' },
    {
      onNull: 'unchanged',
      schemaless: true,
      derivesSchema: true,
    },
  ),
  ...pair(
    'MaskField',
    { fields: 'name,amount' },
    { onNull: 'throws', schemaless: true, derivesSchema: false },
  ),
  ...pair(
    'HoistField',
    { field: 'wrapped' },
    { onNull: 'transformed', schemaless: true, derivesSchema: true },
  ),
  ...pair('ExtractField', { field: 'name' }, { onNull: 'null-value', schemaless: true, derivesSchema: true }),
  ...pair(
    'SetSchemaMetadata',
    { 'schema.name': 'com.example.Renamed', 'schema.version': '9' },
    {
      onNull: 'null-value',
      schemaless: false,
      derivesSchema: true,
    },
  ),
  ...pair('Flatten', { delimiter: '_' }, { onNull: 'unchanged', schemaless: true, derivesSchema: true }),
  ...pair(
    'Cast',
    { spec: 'amount:string,id:int32' },
    { onNull: 'unchanged', schemaless: true, derivesSchema: true },
  ),
  ...pair(
    'TimestampConverter',
    { field: 'created', 'target.type': 'Timestamp' },
    {
      onNull: 'null-value',
      schemaless: true,
      derivesSchema: true,
    },
  ),
  ...pair(
    'HeaderFrom',
    { fields: 'id,name', headers: 'hid,hname', operation: 'move' },
    {
      onNull: 'throws',
      schemaless: true,
      derivesSchema: true,
    },
  ),
  single(
    V('ValueToKey'),
    { fields: 'id,name' },
    {
      side: 'value',
      onNull: 'throws',
      schemaless: true,
      derivesSchema: true,
    },
  ),
  single(
    V('RegexRouter'),
    { regex: 'te(s)t', replacement: 'ro$1uted' },
    {
      side: 'record',
      onNull: 'transformed',
      schemaless: true,
      derivesSchema: false,
      routes: true,
    },
  ),
  single(
    V('TimestampRouter'),
    {},
    {
      side: 'record',
      onNull: 'transformed',
      schemaless: true,
      derivesSchema: false,
      routes: true,
    },
  ),
  single(V('Filter'), {}, { side: 'record', onNull: 'dropped', schemaless: true, derivesSchema: false }),
  single(
    V('InsertHeader'),
    { header: 'added', 'value.literal': '42' },
    {
      side: 'record',
      onNull: 'transformed',
      schemaless: true,
      derivesSchema: false,
    },
  ),
  single(
    V('DropHeaders'),
    { headers: 'h2' },
    {
      side: 'record',
      onNull: 'transformed',
      schemaless: true,
      derivesSchema: false,
      dropsHeaders: ['h2'],
    },
  ),
  single(
    'io.debezium.transforms.ExtractNewRecordState',
    { 'add.fields': 'op,source.ts_ms' },
    {
      side: 'value',
      onNull: 'dropped',
      schemaless: false,
      derivesSchema: true,
      envelope: true,
      input: (rs) => {
        const es = envelopeSchema(rs);
        return { schema: es, value: envelope(es) };
      },
    },
  ),
];

function headers(): ConnectHeaders {
  return new ConnectHeaders().addString('h1', 'one').addInt('h2', 2).addString('h1', 'again');
}

const OTHER_SCHEMA = Schema.STRING_SCHEMA;
const OTHER_VALUE = 'untouched';

function recordFor(c: Case, schema: Schema | null, value: unknown): SourceRecord {
  if (c.side === 'key') {
    return sourceRecord({
      keySchema: schema,
      key: value,
      valueSchema: OTHER_SCHEMA,
      value: OTHER_VALUE,
      headers: headers(),
    });
  }
  return sourceRecord({
    keySchema: OTHER_SCHEMA,
    key: OTHER_VALUE,
    valueSchema: schema,
    value,
    headers: headers(),
  });
}

function make(c: Case): Transformation<SourceRecord> {
  const t = new c.plugin() as Transformation<SourceRecord>;
  t.configure({ ...c.configs });
  return t;
}

function operated(c: Case, r: ConnectRecord<SourceRecord>): { schema: Schema | null; value: unknown } {
  return c.side === 'key' ? { schema: r.keySchema, value: r.key } : { schema: r.valueSchema, value: r.value };
}

function schemaInput(c: Case, schema = rowSchema()): { schema: Schema; value: unknown } {
  return c.input ? c.input(schema) : { schema, value: row(schema) };
}

/** Checks what every transform must keep: metadata, the other half, the source offsets and the headers. */
function assertPreserved(c: Case, input: SourceRecord, inputHeaderCount: number, out: SourceRecord): void {
  assert.ok(out instanceof SourceRecord);
  assert.deepEqual(out.sourcePartition, input.sourcePartition);
  assert.deepEqual(out.sourceOffset, input.sourceOffset);
  assert.equal(out.kafkaPartition, input.kafkaPartition);
  assert.equal(out.timestamp, input.timestamp);
  if (c.routes) assert.notEqual(out.topic, input.topic);
  else assert.equal(out.topic, input.topic);
  if (c.side === 'key') {
    assert.equal(out.valueSchema, input.valueSchema);
    assert.equal(out.value, input.value);
  } else if (c.side === 'value' && c.plugin.javaClass !== V('ValueToKey')) {
    assert.equal(out.keySchema, input.keySchema);
    assert.equal(out.key, input.key);
  }
  // The input record's headers are never changed in place.
  assert.equal(input.headers.size, inputHeaderCount);
  const dropped = new Set(c.dropsHeaders ?? []);
  const expected = [...input.headers]
    .filter((h) => !dropped.has(h.key))
    .map((h) => `${h.key}=${String(h.value)}`);
  const actual = [...out.headers].map((h) => `${h.key}=${String(h.value)}`);
  assert.deepEqual(actual.slice(0, expected.length), expected, 'existing headers are kept, in order');
}

describe('conformance: every transformation', () => {
  test('the manifest lists every transformation and predicate once, with Java class names and aliases', () => {
    const names = sluicePlugins.map((e) => e.plugin.javaClass);
    assert.equal(new Set(names).size, names.length);
    for (const entry of sluicePlugins) {
      assert.ok(entry.plugin.javaClass, `${entry.plugin.name} has a javaClass`);
      const simple = entry.plugin.javaClass!.slice(entry.plugin.javaClass!.lastIndexOf('.') + 1);
      assert.ok(entry.plugin.aliases?.includes(simple), `${entry.plugin.name} has alias ${simple}`);
      const instance = new entry.plugin() as { config(): { names(): ReadonlySet<string> } };
      assert.equal(typeof instance.config().names, 'function');
    }
    assert.equal(sluicePlugins.filter((e) => e.type === 'transformation').length, CASES.length);
    assert.equal(sluicePlugins.filter((e) => e.type === 'predicate').length, 3);
    for (const t of TRANSFORMATIONS)
      assert.ok(
        CASES.some((c) => c.plugin === t),
        `${t.name} has a conformance case`,
      );
  });

  for (const c of CASES) {
    describe(c.plugin.javaClass!, () => {
      test("schema'd data: transformed, with metadata, the other half and headers preserved", () => {
        const { schema, value } = schemaInput(c);
        const input = recordFor(c, schema, value);
        const count = input.headers.size;
        const out = make(c).apply(input);
        if (c.onNull === 'dropped' && !c.envelope) {
          assert.equal(out, null);
          return;
        }
        assert.ok(out !== null);
        assertPreserved(c, input, count, out);
      });

      test('schemaless data', () => {
        const input = recordFor(c, null, rowMap());
        const count = input.headers.size;
        const t = make(c);
        if (!c.schemaless) {
          const out = (() => {
            try {
              return t.apply(input);
            } catch (e) {
              return e as Error;
            }
          })();
          // Either an error naming the need for a schema, or (not an envelope) passed through.
          if (out instanceof Error) assert.match(out.message, /Schema required|schema/i);
          else assert.equal(out, input);
          return;
        }
        const out = t.apply(input);
        if (c.onNull === 'dropped') {
          assert.equal(out, null);
          return;
        }
        assert.ok(out !== null);
        assertPreserved(c, input, count, out);
        const op = operated(c, out);
        if (c.side !== 'record') assert.equal(op.schema, null);
        // Input maps are never modified.
        assert.deepEqual((operated(c, input).value as Record<string, unknown>) ?? rowMap(), rowMap());
      });

      test('schemaless data as a Map keeps the Map representation', () => {
        if (!c.schemaless || c.side === 'record') return;
        const input = recordFor(c, null, new Map(Object.entries(rowMap())));
        const out = make(c).apply(input);
        assert.ok(out !== null);
        const isValueToKey = c.plugin.javaClass === V('ValueToKey');
        const v = isValueToKey ? out.key : operated(c, out).value;
        const wraps = c.plugin.javaClass?.startsWith(V('HoistField'));
        if (v !== null && typeof v === 'object' && !wraps) assert.ok(v instanceof Map, 'a Map stays a Map');
      });

      test('null value (tombstone) / null key', () => {
        const { schema } = schemaInput(c);
        const input = recordFor(c, c.envelope ? null : schema, null);
        const t = make(c);
        switch (c.onNull) {
          case 'throws':
            assert.throws(() => t.apply(input), /Only (Struct|Map) objects supported/);
            break;
          case 'dropped':
            assert.equal(t.apply(input), null);
            break;
          case 'unchanged':
            assert.equal(t.apply(input), input);
            break;
          case 'null-value': {
            const out = t.apply(input);
            assert.ok(out !== null);
            assert.equal(operated(c, out).value, null);
            break;
          }
          case 'transformed': {
            const out = t.apply(input);
            assert.ok(out !== null);
            assertPreserved(c, input, input.headers.size, out);
          }
        }
      });

      test('derived schemas are cached: the same output schema object for the same or an equal input schema', () => {
        if (!c.derivesSchema) return;
        const t = make(c);
        const first = schemaInput(c);
        const a = t.apply(recordFor(c, first.schema, first.value));
        const b = t.apply(recordFor(c, first.schema, first.value));
        const equal = schemaInput(c); // built again: equal, but a different object
        assert.notEqual(equal.schema, first.schema);
        const d = t.apply(recordFor(c, equal.schema, equal.value));
        assert.ok(a !== null && b !== null && d !== null);
        const sa = c.plugin.javaClass === V('ValueToKey') ? a.keySchema : operated(c, a).schema;
        const sb = c.plugin.javaClass === V('ValueToKey') ? b.keySchema : operated(c, b).schema;
        const sd = c.plugin.javaClass === V('ValueToKey') ? d.keySchema : operated(c, d).schema;
        assert.ok(sa !== null);
        assert.equal(sb, sa);
        assert.equal(sd, sa);
      });
    });
  }
});
