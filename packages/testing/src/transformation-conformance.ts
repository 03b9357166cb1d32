/**
 * The conformance suite every single message transformation (SMT) of `@sluice/transforms` runs,
 * for any other transformation too: null value / tombstone handling, schema'd and schemaless data,
 * key and value variants, headers, topic/partition/timestamp and source offsets preserved, and the
 * derived-schema cache returning the very same schema object for the same (or an equal) input
 * schema. Each case is applied to a row (`rowSchema`/`row`, or `input`) on the side it names.
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

/** The row every case works on; built by a function so tests can get equal but distinct schemas. */
export function rowSchema(): Schema {
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

export function row(schema: Schema): Struct {
  const nested = schema.field('nested')!.schema;
  return new Struct(schema)
    .put('id', 7)
    .put('name', 'Ada')
    .put('amount', 12)
    .put('created', 1_700_000_000_000)
    .put('internal_id', 'x-1')
    .put('nested', new Struct(nested).put('a', 1));
}

export function rowMap(): Record<string, unknown> {
  return { id: 7, name: 'Ada', amount: 12, created: 1_700_000_000_000, internal_id: 'x-1', nested: { a: 1 } };
}

export function envelopeSchema(row: Schema): Schema {
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

export function envelope(schema: Schema): Struct {
  const r = row(schema.field('after')!.schema);
  return new Struct(schema)
    .put('after', r)
    .put('source', new Struct(schema.field('source')!.schema).put('db', 'd').put('ts_ms', 5))
    .put('op', 'c')
    .put('ts_ms', 6);
}

/** What a transformation does with a null operated side (a tombstone value, a null key). */
export type NullBehaviour = 'unchanged' | 'null-value' | 'throws' | 'dropped' | 'transformed';

/** One transformation under the suite: the class, its configs and what it is expected to do. */
export interface TransformationCase {
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
  /**
   * It moves value fields into the key (Kafka's ValueToKey): the derived schema and the Map check
   * are read from the key, and the key is not expected to be kept.
   */
  writesKey?: boolean;
  /** It wraps the operated data in a new struct or map (HoistField): a Map input need not stay a Map. */
  wraps?: boolean;
}

/** A source record on topic `test`, partition 0, with a source partition and offset. */
function sourceRecord(parts: {
  keySchema: Schema | null;
  key: unknown;
  valueSchema: Schema | null;
  value: unknown;
  headers: ConnectHeaders;
}): SourceRecord {
  return new SourceRecord({
    topic: 'test',
    kafkaPartition: 0,
    ...parts,
    timestamp: 1_700_000_000_000,
    sourcePartition: { file: 'f' },
    sourceOffset: { position: 1 },
  });
}

function headers(): ConnectHeaders {
  return new ConnectHeaders().addString('h1', 'one').addInt('h2', 2).addString('h1', 'again');
}

const OTHER_SCHEMA = Schema.STRING_SCHEMA;
const OTHER_VALUE = 'untouched';

function recordFor(c: TransformationCase, schema: Schema | null, value: unknown): SourceRecord {
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

function make(c: TransformationCase): Transformation<SourceRecord> {
  const t = new c.plugin() as Transformation<SourceRecord>;
  t.configure({ ...c.configs });
  return t;
}

function operated(
  c: TransformationCase,
  r: ConnectRecord<SourceRecord>,
): { schema: Schema | null; value: unknown } {
  return c.side === 'key' ? { schema: r.keySchema, value: r.key } : { schema: r.valueSchema, value: r.value };
}

function schemaInput(c: TransformationCase, schema = rowSchema()): { schema: Schema; value: unknown } {
  return c.input ? c.input(schema) : { schema, value: row(schema) };
}

/** Checks what every transform must keep: metadata, the other half, the source offsets and the headers. */
function assertPreserved(
  c: TransformationCase,
  input: SourceRecord,
  inputHeaderCount: number,
  out: SourceRecord,
): void {
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
  } else if (c.side === 'value' && c.writesKey !== true) {
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

/**
 * Declares one `describe` block per case (named by its Java class name, else its class name)
 * with the shared scenarios. Call it at the top level of a `node --test` file or inside a describe.
 */
export function transformationConformance(cases: readonly TransformationCase[]): void {
  for (const c of cases) {
    describe(c.plugin.javaClass ?? c.plugin.name, () => {
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
        const v = c.writesKey === true ? out.key : operated(c, out).value;
        if (v !== null && typeof v === 'object' && c.wraps !== true)
          assert.ok(v instanceof Map, 'a Map stays a Map');
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
        const sa = c.writesKey === true ? a.keySchema : operated(c, a).schema;
        const sb = c.writesKey === true ? b.keySchema : operated(c, b).schema;
        const sd = c.writesKey === true ? d.keySchema : operated(c, d).schema;
        assert.ok(sa !== null);
        assert.equal(sb, sa);
        assert.equal(sd, sa);
      });
    });
  }
}
