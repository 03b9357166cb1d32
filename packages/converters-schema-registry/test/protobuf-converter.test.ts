/**
 * Sluice's ProtobufConverter: the proto3 text made from Connect schemas, Confluent's wire format
 * (magic byte, schema id, message-index list) and reading back, against Sluice's registry in its own
 * process; bad input is a DataError.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DataError, Decimal, Schema, SchemaBuilder, Struct, valueEquals } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import {
  decodeMessageIndexes,
  encodeMessageIndexes,
  fromConnectSchemaProtobuf,
  ProtobufConverter,
} from '../src/index.ts';
import { rowSchema, rowValue } from './protobuf-fixtures.ts';
import { startRegistryProcess } from './registry-process.ts';

let stopRegistry: () => void;
let url: string;

before(async () => {
  ({ url, stop: stopRegistry } = await startRegistryProcess());
});

after(() => {
  stopRegistry?.();
});

test("the proto3 text of a Connect schema follows Confluent's mapping", () => {
  const { text, fullName, imports } = fromConnectSchemaProtobuf(rowSchema);
  assert.equal(fullName, 'pb.Row');
  assert.deepEqual(imports, [
    'confluent/meta.proto',
    'confluent/type/decimal.proto',
    'google/protobuf/timestamp.proto',
    'google/type/date.proto',
    'google/type/timeofday.proto',
  ]);
  assert.match(text, /^syntax = "proto3";\npackage pb;\n/);
  assert.match(
    text,
    /int32 i8 = 1 \[\(confluent\.field_meta\) = \{ params: \[\{ key: "connect\.type", value: "int8" \}\] \}\];/,
  );
  assert.match(text, /int64 i64 = 4;/);
  assert.match(text, /repeated string arr = 10;/);
  assert.match(text, /repeated ConnectDefault1Entry map = 11;/);
  assert.match(text, /message ConnectDefault1Entry \{\n {4}string key = 1;\n {4}int32 value = 2;\n {2}\}/);
  assert.match(text, /repeated ConnectDefault2Entry dmap = 12;/);
  assert.match(text, /ConnectDefault3 inner = 13;/);
  assert.match(
    text,
    /confluent\.type\.Decimal dec = 15 \[\(confluent\.field_meta\) = \{ params: \[\{ key: "scale", value: "2" \}\] \}\];/,
  );
  assert.match(text, /google\.type\.Date date = 16;/);
  assert.match(text, /google\.type\.TimeOfDay time = 17;/);
  assert.match(text, /google\.protobuf\.Timestamp ts = 18;/);
  const unnamed = fromConnectSchemaProtobuf(
    SchemaBuilder.struct().field('o', Schema.OPTIONAL_INT32_SCHEMA).build(),
    { ...optsOf(), wrapperForNullables: true },
  );
  assert.equal(unnamed.fullName, 'ConnectDefault1');
  assert.match(unnamed.text, /google\.protobuf\.Int32Value o = 1;/);
  assert.deepEqual(unnamed.imports, ['google/protobuf/wrappers.proto']);
});

test('message-index lists: the single 0 shortcut, zigzag counts and indexes', () => {
  assert.deepEqual([...encodeMessageIndexes([0])], [0]);
  assert.deepEqual([...encodeMessageIndexes([1])], [2, 2]);
  assert.deepEqual([...encodeMessageIndexes([0, 2])], [4, 0, 4]);
  assert.deepEqual(decodeMessageIndexes(new Uint8Array([0, 9]), 0), { indexes: [0], offset: 1 });
  assert.deepEqual(decodeMessageIndexes(new Uint8Array([4, 0, 4]), 0), { indexes: [0, 2], offset: 3 });
  assert.throws(() => decodeMessageIndexes(new Uint8Array([4, 0]), 0), DataError);
});

test('Sluice writes and reads back every Connect type; no registry request per record; bad bytes are DataErrors', () => {
  const topic = uniqueName('pb');
  const c = new ProtobufConverter();
  c.configure({ 'schema.registry.url': url }, false);
  const value = rowValue();
  const bytes = c.fromConnectData(topic, rowSchema, value)!;
  assert.equal(bytes[0], 0);
  assert.equal(bytes[5], 0, 'the first message: index list [0] as one byte');
  const back = c.toConnectData(topic, bytes);
  const s = back.schema!;
  assert.equal(
    s.name,
    'Row',
    'the simple name, as Confluent reads it without enhanced.protobuf.schema.support',
  );
  assert.equal(s.field('i32')!.schema.parameters?.['io.confluent.connect.protobuf.Tag'], '3');
  assert.equal(s.field('map')!.schema.name, 'connectDefault1');
  assert.equal(s.field('i8')!.schema.type, 'INT8');
  assert.equal(s.field('i16')!.schema.type, 'INT16');
  assert.equal(s.field('dec')!.schema.name, Decimal.LOGICAL_NAME);
  assert.equal(s.field('dmap')!.schema.type, 'MAP');
  assert.equal(s.field('inner')!.schema.name, 'ConnectDefault3');
  const got = back.value as Struct;
  for (const f of rowSchema.fields) {
    if (f.name === 'inner' || f.name === 'opt') continue;
    assert.ok(valueEquals(got.get(f.name), value.get(f)), `field ${f.name}: ${String(got.get(f.name))}`);
  }
  assert.equal((got.get('inner') as Struct).get('q'), 3);
  assert.equal(got.get('opt'), '', 'a proto3 string without presence reads as its default');
  const requests = c.registryRequests;
  for (let i = 0; i < 50; i++) c.toConnectData(topic, c.fromConnectData(topic, rowSchema, rowValue()));
  assert.equal(c.registryRequests, requests, 'no registry request per record');

  assert.throws(() => c.toConnectData(topic, new Uint8Array([1, 0, 0, 0, 1, 0])), DataError);
  const unknown = Buffer.from(bytes);
  unknown.writeInt32BE(987654, 1);
  assert.throws(() => c.toConnectData(topic, unknown), DataError);
  const badIndex = Buffer.concat([
    Buffer.from(bytes.subarray(0, 5)),
    Buffer.from([2, 14]),
    Buffer.from(bytes.subarray(6)),
  ]);
  assert.throws(() => c.toConnectData(topic, badIndex), DataError);
  const truncated = Buffer.concat([Buffer.from(bytes.subarray(0, 5)), Buffer.from([4])]);
  assert.throws(() => c.toConnectData(topic, truncated), DataError);
});

test('optional.for.nullables: proto3 optional fields keep null apart from the default', () => {
  const topic = uniqueName('pb-opt');
  const schema = SchemaBuilder.struct()
    .name('pb.Opt')
    .field('a', Schema.OPTIONAL_INT32_SCHEMA)
    .field('b', Schema.OPTIONAL_STRING_SCHEMA)
    .build();
  const c = new ProtobufConverter();
  c.configure({ 'schema.registry.url': url, 'optional.for.nullables': 'true' }, false);
  assert.match(
    fromConnectSchemaProtobuf(schema, { ...optsOf(), optionalForNullables: true }).text,
    /optional int32 a = 1;/,
  );
  const back = c.toConnectData(
    topic,
    c.fromConnectData(topic, schema, new Struct(schema).put('a', 0).put('b', null)),
  );
  assert.equal((back.value as Struct).get('a'), 0);
  assert.equal((back.value as Struct).get('b'), null);
});

function optsOf() {
  return {
    wrapperForNullables: false,
    optionalForNullables: false,
    wrapperForRawPrimitives: true,
    generateIndexForUnions: true,
    intForEnums: false,
    enhancedSchemaSupport: false,
    scrubInvalidNames: false,
  };
}

test('key subjects, RecordNameStrategy, a non-Protobuf schema id and an incompatible subject', async () => {
  const topic = uniqueName('pb-key');
  const schema = SchemaBuilder.struct().name('pb.Key').field('id', Schema.INT64_SCHEMA).build();
  const key = new ProtobufConverter();
  key.configure({ 'schema.registry.url': url }, true);
  const bytes = key.fromConnectData(topic, schema, new Struct(schema).put('id', 1))!;
  const byRecord = new ProtobufConverter();
  byRecord.configure(
    {
      'schema.registry.url': url,
      'value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
    },
    false,
  );
  byRecord.fromConnectData(topic, schema, new Struct(schema).put('id', 2));
  const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
  assert.ok(subjects.includes(`${topic}-key`), 'the key schema under <topic>-key');
  assert.ok(subjects.includes('pb.Key'), 'RecordNameStrategy: the message full name');
  assert.equal((key.toConnectData(topic, bytes).value as Struct).get('id'), 1);

  // An Avro schema's id is a DataError for the Protobuf converter.
  const avro = await fetch(`${url}/subjects/${uniqueName('avro')}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: '"string"' }),
  });
  const { id } = (await avro.json()) as { id: number };
  const avroBytes = Buffer.alloc(7);
  avroBytes.writeInt32BE(id, 1);
  assert.throws(() => key.toConnectData(topic, avroBytes), DataError);

  // A subject holding an Avro schema refuses the Protobuf one: a ConnectError naming the subject.
  const taken = uniqueName('pb-taken');
  await fetch(`${url}/subjects/${taken}-value/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: '"string"' }),
  });
  const value = new ProtobufConverter();
  value.configure({ 'schema.registry.url': url }, false);
  assert.throws(
    () => value.fromConnectData(taken, schema, new Struct(schema).put('id', 3)),
    (err: Error) => err.constructor.name === 'ConnectError' && err.message.includes(`${taken}-value`),
  );
  // Bad option values are refused when configured.
  assert.throws(() =>
    new ProtobufConverter().configure(
      { 'schema.registry.url': url, 'wrapper.for.nullables': 'maybe' },
      false,
    ),
  );
});
