import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ConfigError,
  type ConnectRecord,
  Schema,
  SchemaBuilder,
  type SourceRecord,
  Struct,
  type Transformation,
} from '@sluice/api';
import { ReplaceFieldKey, ReplaceFieldValue, sluicePlugins } from '../src/index.ts';
import { applied, configured, sourceRecord } from './helpers.ts';

const schema = SchemaBuilder.struct()
  .name('article')
  .field('id', Schema.INT64_SCHEMA)
  .field('internal_id', Schema.STRING_SCHEMA)
  .field('status', Schema.STRING_SCHEMA)
  .field('title', SchemaBuilder.string().optional().defaultValue('untitled').build())
  .build();

function article(): Struct {
  return new Struct(schema)
    .put('id', 1)
    .put('internal_id', 'i-9')
    .put('status', 'published')
    .put('title', null);
}

/** Builds the transforms of a connector config the way the runtime does: by alias, with the prefix stripped. */
function chainFrom(config: Record<string, string>): Transformation<SourceRecord>[] {
  return config.transforms!.split(',').map((alias): Transformation<SourceRecord> => {
    const prefix = `transforms.${alias.trim()}.`;
    const type = config[`${prefix}type`]!;
    const entry = sluicePlugins.find(
      (e) => e.type === 'transformation' && (e.plugin.javaClass === type || e.plugin.aliases?.includes(type)),
    );
    assert.ok(entry, `plugin ${type}`);
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(config))
      if (k.startsWith(prefix) && k !== `${prefix}type`) props[k.slice(prefix.length)] = v;
    const t = new (entry.plugin as unknown as new () => Transformation<SourceRecord>)();
    t.configure(props);
    return t;
  });
}

function run<R extends ConnectRecord<R>>(chain: Transformation<R>[], record: R): R | null {
  let current: R | null = record;
  for (const t of chain) {
    if (current === null) return null;
    current = t.apply(current);
  }
  return current;
}

describe('ReplaceField', () => {
  test("the users' dropField + routeByStatus config: internal_id dropped, topic renamed", () => {
    const chain = chainFrom({
      transforms: 'dropField,routeByStatus',
      'transforms.dropField.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.dropField.exclude': 'internal_id',
      'transforms.routeByStatus.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.routeByStatus.regex': 'article-events',
      'transforms.routeByStatus.replacement': 'article-events-v2',
    });
    const out = run(chain, sourceRecord({ topic: 'article-events', valueSchema: schema, value: article() }))!;
    assert.equal(out.topic, 'article-events-v2');
    assert.deepEqual(
      out.valueSchema!.fields.map((f) => f.name),
      ['id', 'status', 'title'],
    );
    const v = out.value as Struct;
    assert.equal(v.get('id'), 1);
    assert.equal(v.get('status'), 'published');
    assert.equal(out.valueSchema!.name, 'article');
    // Schemaless JSON as well.
    const schemaless = run(
      chain,
      sourceRecord({ topic: 'article-events', value: { id: 1, internal_id: 'x', status: 's' } }),
    )!;
    assert.deepEqual(schemaless.value, { id: 1, status: 's' });
    // Another topic keeps its name (RegexRouter needs a whole-topic match).
    assert.equal(
      run(chain, sourceRecord({ topic: 'article-events-old', value: {} }))!.topic,
      'article-events-old',
    );
  });

  test('include, exclude (wins) and renames', () => {
    const t = configured(ReplaceFieldValue<SourceRecord>, {
      include: 'id,status,internal_id',
      exclude: 'internal_id',
      renames: 'status:state,id:key',
    });
    const out = applied(t, sourceRecord({ valueSchema: schema, value: article() }));
    assert.deepEqual(
      out.valueSchema!.fields.map((f) => `${f.name}:${f.schema.type}`),
      ['key:INT64', 'state:STRING'],
    );
    assert.equal((out.value as Struct).get('state'), 'published');
    const m = applied(t, sourceRecord({ value: { id: 1, status: 'a', other: 2, internal_id: 3 } }));
    assert.deepEqual(m.value, { key: 1, state: 'a' });
  });

  test('deprecated whitelist / blacklist are read when include / exclude are absent', () => {
    const t = configured(ReplaceFieldKey<SourceRecord>, { whitelist: 'a,b', blacklist: 'b' });
    assert.deepEqual(applied(t, sourceRecord({ key: { a: 1, b: 2, c: 3 } })).key, { a: 1 });
    const both = configured(ReplaceFieldKey<SourceRecord>, { include: 'c', whitelist: 'a' });
    assert.deepEqual(applied(both, sourceRecord({ key: { a: 1, c: 3 } })).key, { c: 3 });
  });

  test('replace.null.with.default', () => {
    const on = applied(
      configured(ReplaceFieldValue<SourceRecord>, { exclude: 'id' }),
      sourceRecord({ valueSchema: schema, value: article() }),
    );
    assert.equal((on.value as Struct).getWithoutDefault('title'), 'untitled');
    const off = applied(
      configured(ReplaceFieldValue<SourceRecord>, { exclude: 'id', 'replace.null.with.default': 'false' }),
      sourceRecord({ valueSchema: schema, value: article() }),
    );
    assert.equal((off.value as Struct).getWithoutDefault('title'), null);
  });

  test('bad renames are a ConfigError naming renames', () => {
    for (const bad of ['a', 'a:b:c', 'a:']) {
      assert.throws(
        () => configured(ReplaceFieldValue<SourceRecord>, { renames: bad }),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.key === 'renames' &&
          e.message.includes(`Invalid rename mapping: ${bad}`),
      );
    }
    // Java's split drops trailing empty parts: `a:b:` is a valid mapping.
    assert.deepEqual(
      applied(
        configured(ReplaceFieldValue<SourceRecord>, { renames: 'a:b:' }),
        sourceRecord({ value: { a: 1 } }),
      ).value,
      { b: 1 },
    );
  });

  test("a value that is neither Struct nor map is a DataError with Kafka's message", () => {
    const t = configured(ReplaceFieldValue<SourceRecord>, { exclude: 'a' });
    assert.throws(
      () => t.apply(sourceRecord({ value: 'text' })),
      /Only Map objects supported in absence of schema for \[field replacement\], found: string/,
    );
    assert.throws(
      () => t.apply(sourceRecord({ valueSchema: Schema.STRING_SCHEMA, value: 'text' })),
      /Only Struct objects supported for \[field replacement\], found: string/,
    );
  });

  test('ConfigDef: keys, defaults and documentation as Kafka', () => {
    const def = new ReplaceFieldValue().config();
    assert.deepEqual(
      [...def.names()],
      ['exclude', 'blacklist', 'include', 'whitelist', 'renames', 'replace.null.with.default'],
    );
    const keys = def.configKeys();
    assert.equal(
      keys.get('exclude')!.documentation,
      'Fields to exclude. This takes precedence over the fields to include.',
    );
    assert.equal(
      keys.get('renames')!.validator!.toString(),
      'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
    );
    assert.equal(keys.get('blacklist')!.importance, 'LOW');
  });
});
