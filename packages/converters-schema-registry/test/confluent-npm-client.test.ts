/**
 * Sluice's registry and AvroConverter against Confluent's own JavaScript client,
 * `@confluentinc/schemaregistry` from the npm registry (installed under .cache/ by the test, not a
 * workspace dependency): SchemaRegistryClient, AvroSerializer and AvroDeserializer.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Schema, SchemaBuilder, Struct, Timestamp, valueEquals } from '@sluice/api';
import { ensureNpmPackages, uniqueName } from '@sluice/testing';
import { AvroConverter } from '../src/index.ts';
import { startRegistryProcess } from './registry-process.ts';

// biome-ignore lint/suspicious/noExplicitAny: Confluent's client is loaded untyped from .cache/
type Any = any;

let sr: Any;
let url: string;
let stop: () => void;

before(async () => {
  const require = ensureNpmPackages('npm-confluent-schemaregistry', ['@confluentinc/schemaregistry@1.10.1']);
  sr = require('@confluentinc/schemaregistry');
  ({ url, stop } = await startRegistryProcess());
});

after(() => stop?.());

const schema = SchemaBuilder.struct()
  .name('npm.Row')
  .field('id', Schema.INT64_SCHEMA)
  .field('small', Schema.INT16_SCHEMA)
  .field('name', Schema.STRING_SCHEMA)
  .field('score', Schema.FLOAT64_SCHEMA)
  .field('ok', Schema.BOOLEAN_SCHEMA)
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
  .field('note', Schema.OPTIONAL_STRING_SCHEMA)
  .field('at', Timestamp.SCHEMA)
  .build();

test('Confluent npm client: decodes what Sluice wrote; Sluice reads what it wrote; registry calls and errors', async () => {
  const topic = uniqueName('npm-avro');
  const converter = new AvroConverter();
  converter.configure({ 'schema.registry.url': url }, false);
  const value = new Struct(schema)
    .put('id', 42)
    .put('small', -3)
    .put('name', 'n')
    .put('score', 0.5)
    .put('ok', true)
    .put('tags', ['a'])
    .put('attrs', { k: 1 })
    .put('note', null)
    .put('at', new Date(1_700_000_000_000));
  const bytes = converter.fromConnectData(topic, schema, value)!;

  const client = new sr.SchemaRegistryClient({ baseURLs: [url] });
  const deserializer = new sr.AvroDeserializer(client, sr.SerdeType.VALUE, {});
  const decoded = await deserializer.deserialize(topic, Buffer.from(bytes));
  assert.equal(Number(decoded.id), 42);
  assert.equal(decoded.small, -3);
  assert.equal(decoded.name, 'n');
  assert.equal(decoded.score, 0.5);
  assert.equal(decoded.ok, true);
  assert.deepEqual(decoded.tags, ['a']);
  assert.deepEqual({ ...decoded.attrs }, { k: 1 });
  assert.equal(decoded.note, null);
  assert.equal(decoded.at instanceof Date ? decoded.at.getTime() : Number(decoded.at), 1_700_000_000_000);

  // The npm serializer writes with the latest registered version of the subject (Sluice's schema).
  const serializer = new sr.AvroSerializer(client, sr.SerdeType.VALUE, {
    useLatestVersion: true,
    autoRegisterSchemas: false,
  });
  const written = await serializer.serialize(topic, decoded);
  assert.deepEqual([...written], [...bytes], 'the same bytes as Sluice wrote');
  const back = converter.toConnectData(topic, written);
  for (const f of schema.fields) {
    assert.ok(valueEquals((back.value as Struct).get(f.name), value.get(f)), `field ${f.name}`);
  }

  // Registry calls through Confluent's client.
  const subject = uniqueName('npm-ops-value');
  const v1 = JSON.stringify({ type: 'record', name: 'N', fields: [{ name: 'a', type: 'int' }] });
  const v2 = JSON.stringify({
    type: 'record',
    name: 'N',
    fields: [
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string', default: 'x' },
    ],
  });
  const bad = JSON.stringify({ type: 'record', name: 'N', fields: [{ name: 'c', type: 'string' }] });
  const id1 = await client.register(subject, { schemaType: 'AVRO', schema: v1 });
  assert.equal(await client.register(subject, { schemaType: 'AVRO', schema: v1 }), id1);
  const id2 = await client.register(subject, { schemaType: 'AVRO', schema: v2 });
  assert.notEqual(id2, id1);
  assert.deepEqual(await client.getAllVersions(subject), [1, 2]);
  const latest = await client.getLatestSchemaMetadata(subject);
  assert.deepEqual([latest.id, latest.version, latest.schema], [id2, 2, v2]);
  assert.equal((await client.getBySubjectAndId(subject, id1)).schema, v1);
  assert.equal(await client.testCompatibility(subject, 2, { schemaType: 'AVRO', schema: bad }), false);
  await assert.rejects(
    client.register(subject, { schemaType: 'AVRO', schema: bad }),
    (e: Any) => e.status === 409,
  );
  await assert.rejects(
    client.getLatestSchemaMetadata(uniqueName('missing')),
    (e: Any) => e.status === 404 && e.errorCode === 40401,
  );
  const config = await client.updateConfig(subject, { compatibility: 'FULL' });
  assert.equal(config.compatibility, 'FULL');
  client.close?.();
});
