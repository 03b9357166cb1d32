/**
 * Sluice's registry and AvroConverter against Confluent's own client code: Python's
 * confluent-kafka (SchemaRegistryClient, AvroSerializer, AvroDeserializer, on fastavro), installed
 * from PyPI into a venv under .cache/. The registry runs in its own process (`sluice-registry`),
 * so the converter's requests go over real HTTP.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BigDecimal,
  ConnectDate,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
  valueEquals,
} from '@sluice/api';
import { ensurePythonVenv, uniqueName } from '@sluice/testing';
import { AvroConverter } from '../src/index.ts';
import { PYTHON_REQUIREMENTS, PYTHON_VENV } from './python/requirements.ts';
import { startRegistryProcess } from './registry-process.ts';

const here = dirname(fileURLToPath(import.meta.url));

let python: string;
let stopRegistry: () => void;
let url: string;

before(async () => {
  python = ensurePythonVenv(PYTHON_VENV, PYTHON_REQUIREMENTS);
  ({ url, stop: stopRegistry } = await startRegistryProcess());
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

after(() => {
  stopRegistry?.();
});

// biome-ignore lint/suspicious/noExplicitAny: the Python side answers arbitrary JSON
type Json = any;

function runPython(job: Record<string, unknown>): Json {
  const out = execFileSync(python, [join(here, 'python/confluent_client.py')], {
    input: JSON.stringify({ url, ...job }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out);
}

function converter(isKey: boolean, extra: Record<string, string> = {}): AvroConverter {
  const c = new AvroConverter();
  c.configure({ 'schema.registry.url': url, ...extra }, isKey);
  return c;
}

const hex = (b: Uint8Array | null) => Buffer.from(b!).toString('hex');

const inner = SchemaBuilder.struct()
  .name('sluice.test.Inner')
  .field('s', Schema.OPTIONAL_STRING_SCHEMA)
  .build();
const anonymous = SchemaBuilder.struct().field('n', Schema.INT32_SCHEMA).optional().build();
const allTypes = SchemaBuilder.struct()
  .name('sluice.test.AllTypes')
  .field('i8', Schema.INT8_SCHEMA)
  .field('i16', Schema.INT16_SCHEMA)
  .field('i32', Schema.INT32_SCHEMA)
  .field('i64', Schema.INT64_SCHEMA)
  .field('big', Schema.INT64_SCHEMA)
  .field('f32', Schema.FLOAT32_SCHEMA)
  .field('f64', Schema.FLOAT64_SCHEMA)
  .field('b', Schema.BOOLEAN_SCHEMA)
  .field('s', Schema.STRING_SCHEMA)
  .field('bytes', Schema.BYTES_SCHEMA)
  .field('arr', SchemaBuilder.array(Schema.INT32_SCHEMA).build())
  .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
  .field('nkmap', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
  .field('inner', inner)
  .field('anon', anonymous)
  .field('optNull', Schema.OPTIONAL_INT32_SCHEMA)
  .field('optSet', Schema.OPTIONAL_FLOAT64_SCHEMA)
  .field('withDefault', SchemaBuilder.string().defaultValue('dflt').build())
  .field('dec', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
  .field('decOpt', Decimal.builder(4).optional().build())
  .field('date', ConnectDate.SCHEMA)
  .field('time', Time.SCHEMA)
  .field('ts', Timestamp.SCHEMA)
  .build();

function allTypesValue(i: number): Struct {
  return new Struct(allTypes)
    .put('i8', -8)
    .put('i16', 300)
    .put('i32', -70000 - i)
    .put('i64', 1234567890123 + i)
    .put('big', 9223372036854775807n)
    .put('f32', 1.5)
    .put('f64', Math.PI)
    .put('b', true)
    .put('s', 'héllo ✓')
    .put('bytes', new Uint8Array([0, 1, 255]))
    .put('arr', [1, 2, 3])
    .put('map', { a: 1, b: -2 })
    .put('nkmap', new Map([[1, 'one']]))
    .put('inner', new Struct(inner).put('s', null))
    .put('anon', new Struct(anonymous).put('n', 5))
    .put('optNull', null)
    .put('optSet', 2.25)
    .put('dec', BigDecimal.parse('-12345.67'))
    .put('decOpt', BigDecimal.parse('0.0001'))
    .put('date', new Date(Date.UTC(2024, 1, 29)))
    .put('time', new Date(45_296_789))
    .put('ts', new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)));
}

/** What Python's AvroDeserializer must give for allTypesValue(0), in the tagged form of confluent_client.py. */
const allTypesTagged = {
  i8: -8,
  i16: 300,
  i32: -70000,
  i64: 1234567890123,
  big: { $long: '9223372036854775807' },
  f32: 1.5,
  f64: Math.PI,
  b: true,
  s: 'héllo ✓',
  bytes: { $bytes: '0001ff' },
  arr: [1, 2, 3],
  map: { a: 1, b: -2 },
  nkmap: [{ key: 1, value: 'one' }],
  inner: { s: null },
  anon: { n: 5 },
  optNull: null,
  optSet: 2.25,
  withDefault: 'dflt',
  dec: { $decimal: '-12345.67' },
  decOpt: { $decimal: '0.0001' },
  date: { $date: '2024-02-29' },
  time: { $time: 45_296_789 },
  ts: { $timestamp: Date.UTC(2024, 1, 29, 12, 34, 56, 789) },
};

test('what Sluice writes, Python decodes; Python re-encodes it to the same bytes; what Python writes, Sluice reads', () => {
  const topic = uniqueName('avro-interop');
  const value = converter(false);
  const key = converter(true);
  const valueBytes = value.fromConnectData(topic, allTypes, allTypesValue(0));
  const keyBytes = key.fromConnectData(topic, Schema.STRING_SCHEMA, 'key-1');
  assert.equal(valueBytes![0], 0, 'magic byte');
  assert.equal(key.fromConnectData(topic, Schema.OPTIONAL_STRING_SCHEMA, null), null, 'null is a tombstone');

  // The schema Sluice registered, as the registry returns it (what Python serializes with).
  const latest = JSON.parse(
    execFileSync('curl', ['-sf', `${url}/subjects/${topic}-value/versions/latest`], { encoding: 'utf8' }),
  );
  const id = Buffer.from(valueBytes!).readInt32BE(1);
  assert.equal(latest.id, id);

  const pyOrderSchema = JSON.stringify({
    type: 'record',
    name: 'Order',
    namespace: 'py.shop',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'clock', type: { type: 'int', logicalType: 'time-millis' } },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'attrs', type: { type: 'map', values: 'int' } },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'ratio', type: 'float' },
      { name: 'score', type: 'double' },
      { name: 'ok', type: 'boolean' },
      { name: 'raw', type: 'bytes' },
      { name: 'line', type: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'int' }] } },
    ],
  });
  const pyOrder = {
    id: { $long: '9007199254740993' },
    name: 'widget',
    price: { $decimal: '19.99' },
    day: { $date: '2023-12-31' },
    at: { $timestamp: 1_700_000_000_123 },
    clock: { $time: 3_723_004 },
    tags: ['a', 'b'],
    attrs: { x: 1 },
    note: null,
    ratio: 0.5,
    score: -1e300,
    ok: false,
    raw: { $bytes: 'cafe' },
    line: { qty: 3 },
  };
  const orderTopic = uniqueName('py-orders');
  const py = runPython({
    decode: [
      { topic, hex: hex(valueBytes) },
      { topic, hex: hex(keyBytes), isKey: true },
    ],
    encode: [
      { topic, schema: latest.schema, value: allTypesTagged },
      { topic: orderTopic, schema: pyOrderSchema, value: pyOrder },
    ],
  });

  // Python decodes Sluice's bytes into the expected values.
  assert.deepEqual(py.decoded[0], allTypesTagged);
  assert.equal(py.decoded[1], 'key-1');
  // Python serializing the same values with the same schema gives Sluice's bytes exactly (same id).
  assert.equal(py.encoded[0], hex(valueBytes));

  // Sluice reads what Python wrote with Python's own schema.
  const read = value.toConnectData(orderTopic, Buffer.from(py.encoded[1], 'hex'));
  const line = SchemaBuilder.struct().name('py.shop.Line').field('qty', Schema.INT32_SCHEMA).build();
  const expectedSchema = SchemaBuilder.struct()
    .name('py.shop.Order')
    .version(1) // the registry's version of the writer schema, as Confluent's converter sets it
    .field('id', Schema.INT64_SCHEMA)
    .field('name', Schema.STRING_SCHEMA)
    .field('price', Decimal.builder(2).parameter('connect.decimal.precision', '10').build())
    .field('day', ConnectDate.SCHEMA)
    .field('at', Timestamp.SCHEMA)
    .field('clock', Time.SCHEMA)
    .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
    .field('attrs', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
    .field('note', Schema.OPTIONAL_STRING_SCHEMA)
    .field('ratio', Schema.FLOAT32_SCHEMA)
    .field('score', Schema.FLOAT64_SCHEMA)
    .field('ok', Schema.BOOLEAN_SCHEMA)
    .field('raw', Schema.BYTES_SCHEMA)
    .field('line', line)
    .build();
  assert.ok(read.schema!.equals(expectedSchema), `${read.schema} != ${expectedSchema}`);
  const expected = new Struct(expectedSchema)
    .put('id', 9007199254740993n)
    .put('name', 'widget')
    .put('price', BigDecimal.parse('19.99'))
    .put('day', new Date(Date.UTC(2023, 11, 31)))
    .put('at', new Date(1_700_000_000_123))
    .put('clock', new Date(3_723_004))
    .put('tags', ['a', 'b'])
    .put('attrs', { x: 1 })
    .put('note', null)
    .put('ratio', 0.5)
    .put('score', -1e300)
    .put('ok', false)
    .put('raw', new Uint8Array([0xca, 0xfe]))
    .put('line', new Struct(line).put('qty', 3));
  assert.ok(valueEquals(read.value, expected), `${read.value} != ${expected}`);

  // Sluice reads its own bytes back into the original Connect data (schema version from the registry).
  const back = value.toConnectData(topic, valueBytes);
  assert.equal(back.schema!.version, 1);
  const original = allTypesValue(0);
  for (const f of allTypes.fields) {
    assert.ok(valueEquals((back.value as Struct).get(f.name), original.get(f)), `field ${f.name}`);
  }
  assert.deepEqual(
    back.schema!.fields.map((f) => [f.name, f.schema.type, f.schema.name]),
    allTypes.fields.map((f) => [f.name, f.schema.type, f.schema.name]),
  );
  assert.equal(key.toConnectData(topic, keyBytes).value, 'key-1');
});

test('no registry request per record in the steady state', () => {
  const topic = uniqueName('avro-steady');
  const value = converter(false);
  value.fromConnectData(topic, allTypes, allTypesValue(0));
  const first = value.fromConnectData(topic, allTypes, allTypesValue(1));
  const afterFirst = value.registryRequests;
  assert.equal(afterFirst, 1, 'one registration');
  for (let i = 2; i < 2000; i++) value.fromConnectData(topic, allTypes, allTypesValue(i));
  value.toConnectData(topic, first);
  const afterRead = value.registryRequests;
  for (let i = 0; i < 2000; i++) value.toConnectData(topic, first);
  assert.equal(value.registryRequests, afterRead, 'reads after the first hit the caches');
  assert.ok(afterRead - afterFirst <= 2, 'the first read: the schema by id, and its version');
});

test("Confluent's SchemaRegistryClient against Sluice's registry: register, versions, lookup, compatibility, config, deletes, errors", () => {
  const subject = uniqueName('py-ops');
  const v1 = JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'a', type: 'int' }] });
  const v2 = JSON.stringify({
    type: 'record',
    name: 'P',
    fields: [
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string', default: '' },
    ],
  });
  const incompatible = JSON.stringify({
    type: 'record',
    name: 'P',
    fields: [
      { name: 'a', type: 'int' },
      { name: 'c', type: 'string' },
    ],
  });
  const ops = runPython({ ops: { subject, v1, v2, incompatible } }).ops;
  assert.equal(ops.id1again, ops.id1);
  assert.notEqual(ops.id2, ops.id1);
  assert.ok(ops.subjects.includes(subject));
  assert.deepEqual(ops.versions, [1, 2]);
  assert.deepEqual(ops.latest, { id: ops.id2, version: 2, subject });
  assert.deepEqual(ops.version1, { id: ops.id1, version: 1, schema: v1 });
  assert.deepEqual(ops.lookup, { id: ops.id2, version: 2 });
  assert.equal(ops.schemaById, v1);
  assert.equal(ops.compatibleV2, true);
  assert.equal(ops.compatibleBad, false);
  assert.deepEqual(ops.registerBad, { http: 409, code: 409 });
  assert.deepEqual(ops.setCompat, { compatibility: 'FULL' });
  assert.equal(ops.getCompat, 'FULL');
  assert.deepEqual(ops.missingSubject, { http: 404, code: 40401 });
  assert.deepEqual(ops.missingId, { http: 404, code: 40403 });
  assert.deepEqual(ops.invalid, { http: 422, code: 42201 });
  assert.equal(ops.deleteVersion, 1);
  assert.deepEqual(ops.versionsAfterDelete, [2]);
  assert.deepEqual(ops.deleteSubject, [2]);
  assert.deepEqual(ops.deleteSubjectPermanent, [1, 2]);
  assert.ok(!ops.subjectsAfterDelete.includes(subject));
});

test('an incompatible change fails with a ConnectError naming the subject; unknown ids and foreign bytes are DataErrors', () => {
  const topic = uniqueName('avro-evolve');
  const c = converter(false);
  const v1 = SchemaBuilder.struct().name('ev.Row').field('id', Schema.INT32_SCHEMA).build();
  const v2 = SchemaBuilder.struct()
    .name('ev.Row')
    .field('id', Schema.INT32_SCHEMA)
    .field('extra', Schema.OPTIONAL_STRING_SCHEMA)
    .build();
  const v3 = SchemaBuilder.struct()
    .name('ev.Row')
    .field('id', Schema.INT32_SCHEMA)
    .field('required', Schema.STRING_SCHEMA)
    .build();
  const b1 = c.fromConnectData(topic, v1, new Struct(v1).put('id', 1));
  const b2 = c.fromConnectData(topic, v2, new Struct(v2).put('id', 2).put('extra', 'x'));
  assert.notEqual(
    Buffer.from(b1!).readInt32BE(1),
    Buffer.from(b2!).readInt32BE(1),
    'a column added: a new version',
  );
  assert.throws(
    () => c.fromConnectData(topic, v3, new Struct(v3).put('id', 3).put('required', 'r')),
    (err: Error) =>
      err.constructor.name === 'ConnectError' &&
      err.message.includes(`subject ${topic}-value`) &&
      err.message.includes('incompatible'),
  );
  assert.throws(
    () => c.toConnectData(topic, new Uint8Array([0, 0x7f, 0, 0, 1, 2])),
    (err: Error) =>
      err.name === 'DataError' && /Error retrieving Avro schema for id 2130706433/.test(err.message),
  );
  assert.throws(
    () => c.toConnectData(topic, Buffer.from('{"json":true}')),
    (err: Error) => err.name === 'DataError' && /Unknown magic byte/.test(err.message),
  );
  const lookupOnly = converter(false, { 'auto.register.schemas': 'false' });
  assert.throws(
    () => lookupOnly.fromConnectData(uniqueName('unregistered'), v1, new Struct(v1).put('id', 1)),
    (err: Error) => err.name === 'DataError' && /auto.register.schemas=false/.test(err.message),
  );
  // use.latest.version writes with the latest registered id.
  const latest = converter(false, { 'auto.register.schemas': 'false', 'use.latest.version': 'true' });
  const b = latest.fromConnectData(topic, v2, new Struct(v2).put('id', 9));
  assert.equal(Buffer.from(b!).readInt32BE(1), Buffer.from(b2!).readInt32BE(1));
});

test('subject name strategies', () => {
  const topic = uniqueName('avro-strategy');
  const schema = SchemaBuilder.struct().name('strat.Rec').field('x', Schema.INT32_SCHEMA).build();
  for (const [strategy, subject] of [
    ['io.confluent.kafka.serializers.subject.RecordNameStrategy', 'strat.Rec'],
    ['io.confluent.kafka.serializers.subject.TopicRecordNameStrategy', `${topic}-strat.Rec`],
  ] as const) {
    const c = converter(false, { 'value.subject.name.strategy': strategy });
    c.fromConnectData(topic, schema, new Struct(schema).put('x', 1));
    const versions = execFileSync(
      'curl',
      ['-sf', `${url}/subjects/${encodeURIComponent(subject)}/versions`],
      {
        encoding: 'utf8',
      },
    );
    assert.deepEqual(JSON.parse(versions), [1], strategy);
  }
  assert.throws(
    () => converter(false, { 'value.subject.name.strategy': 'com.example.Mine' }),
    /value.subject.name.strategy/,
  );
  assert.throws(() => new AvroConverter().configure({}, false), /schema.registry.url/);
});

test('registry unreachable: retried, then a RetriableError without the credentials in it', () => {
  const c = new AvroConverter();
  c.configure(
    {
      'schema.registry.url': 'http://127.0.0.1:1',
      'basic.auth.credentials.source': 'USER_INFO',
      'basic.auth.user.info': 'me:s3cret',
      'max.retries': '2',
      'retries.wait.ms': '10',
    },
    false,
  );
  const schema = SchemaBuilder.struct().field('x', Schema.INT32_SCHEMA).build();
  assert.throws(
    () => c.fromConnectData('t', schema, new Struct(schema).put('x', 1)),
    (err: Error) =>
      err.name === 'RetriableError' &&
      /after 3 attempts/.test(err.message) &&
      !err.message.includes('s3cret'),
  );
  assert.equal(c.registryRequests, 3);
  c.close();
});

test('general Avro unions and enums written by Python: read as io.confluent.connect.avro.Union structs, written back the same', () => {
  const topic = uniqueName('py-unions');
  const pySchema = JSON.stringify({
    type: 'record',
    name: 'U',
    namespace: 'py.u',
    fields: [
      {
        name: 'u',
        type: ['null', 'string', 'int', { type: 'record', name: 'Pt', fields: [{ name: 'x', type: 'int' }] }],
        default: null,
      },
      { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    ],
  });
  const values = [
    { u: null, color: 'RED' },
    { u: 'x', color: 'GREEN' },
    { u: 7, color: 'RED' },
    { u: { x: 3 }, color: 'GREEN' },
  ];
  const py = runPython({ encode: values.map((value) => ({ topic, schema: pySchema, value })) });
  const c = converter(false);
  const read: { schema: Schema | null; value: unknown }[] = py.encoded.map((h: string) =>
    c.toConnectData(topic, Buffer.from(h, 'hex')),
  );
  const union = read[0]!.schema!.field('u')!.schema;
  assert.equal(union.name, 'io.confluent.connect.avro.Union');
  assert.ok(union.isOptional);
  assert.deepEqual(
    union.fields.map((f) => [f.name, f.schema.type, f.schema.name]),
    [
      ['string', 'STRING', null],
      ['int32', 'INT32', null],
      ['Pt', 'STRUCT', 'py.u.Pt'],
    ],
  );
  const color = read[0]!.schema!.field('color')!.schema;
  assert.deepEqual(color.parameters, {
    'io.confluent.connect.avro.Enum': 'py.u.Color',
    'io.confluent.connect.avro.Enum.RED': 'RED',
    'io.confluent.connect.avro.Enum.GREEN': 'GREEN',
  });
  const members = read.map((r: { value: unknown }) => {
    const u = (r.value as Struct).getStruct('u');
    if (u === null) return null;
    const set = u.schema.fields.find((f) => u.get(f) !== null)!;
    const v = u.get(set);
    return [set.name, v instanceof Struct ? v.get('x') : v];
  });
  assert.deepEqual(members, [null, ['string', 'x'], ['int32', 7], ['Pt', 3]]);
  assert.deepEqual(
    read.map((r: { value: unknown }) => (r.value as Struct).get('color')),
    ['RED', 'GREEN', 'RED', 'GREEN'],
  );
  // Written back by Sluice (under another topic) with enhanced.avro.schema.support (enums stay
  // enums; without it they are written as strings, as Confluent's AvroData does): the same Avro
  // payload, and Python decodes it.
  const outTopic = uniqueName('py-unions-back');
  const enhanced = converter(false, { 'enhanced.avro.schema.support': 'true' });
  const written = read.map((r: { schema: Schema | null; value: unknown }) =>
    enhanced.fromConnectData(outTopic, r.schema, r.value),
  );
  written.forEach((b: Uint8Array | null, i: number) => {
    assert.equal(Buffer.from(b!).subarray(5).toString('hex'), py.encoded[i].slice(10), `record ${i}`);
  });
  const back = runPython({
    decode: written.map((b: Uint8Array | null) => ({ topic: outTopic, hex: hex(b) })),
  });
  assert.deepEqual(back.decoded, values);
});
