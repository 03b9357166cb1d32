/**
 * The conformance suite every transformation of the package runs (`transformationConformance` of
 * @sluice/testing: null value / tombstone handling, schema'd and schemaless data, key and value
 * variants, headers, topic/partition/timestamp and source offsets preserved, and the
 * derived-schema cache returning the very same schema object for the same or an equal input
 * schema), with the package's cases, and the check that the manifest lists every class once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  envelope,
  envelopeSchema,
  type TransformationCase,
  transformationConformance,
} from '@sluice/testing';
import { sluicePlugins, TRANSFORMATIONS } from '../src/index.ts';

const V = (name: string) => `org.apache.kafka.connect.transforms.${name}`;

function pair(
  name: string,
  configs: Record<string, string>,
  rest: Omit<TransformationCase, 'plugin' | 'configs' | 'side'>,
): TransformationCase[] {
  const find = (cls: string) => TRANSFORMATIONS.find((t) => t.javaClass === V(cls))!;
  return [
    { plugin: find(`${name}$Key`), configs, side: 'key', ...rest },
    { plugin: find(`${name}$Value`), configs, side: 'value', ...rest },
  ];
}

function single(
  javaClass: string,
  configs: Record<string, string>,
  rest: Omit<TransformationCase, 'plugin' | 'configs'>,
): TransformationCase {
  return { plugin: TRANSFORMATIONS.find((t) => t.javaClass === javaClass)!, configs, ...rest };
}

const CASES: TransformationCase[] = [
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
    { onNull: 'transformed', schemaless: true, derivesSchema: true, wraps: true },
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
      writesKey: true,
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

  transformationConformance(CASES);
});
