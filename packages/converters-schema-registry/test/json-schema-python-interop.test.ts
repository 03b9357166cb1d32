/**
 * Sluice's JsonSchemaConverter against Confluent's Python client (JSONSerializer and the
 * validating JSONDeserializer) through Sluice's registry in its own process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal, Schema, SchemaBuilder, Struct, valueEquals } from '@sluice/api';
import { uniqueName } from '@sluice/testing';
import { fromConnectSchemaJson, JsonSchemaConverter } from '../src/index.ts';
import { PYTHON_REQUIREMENTS, PYTHON_VENV } from './python/requirements.ts';
import { usePythonInterop } from './python-interop.ts';
import { rowFixture } from './row-fixture.ts';

const interop = usePythonInterop({
  venv: PYTHON_VENV,
  requirements: PYTHON_REQUIREMENTS,
  script: 'confluent_client.py',
  timeoutMs: 120_000,
});
const runPython = interop.runPython;

const { schema, row } = rowFixture({
  name: 'js.Row',
  innerName: 'js.Inner',
  extraMap: {
    name: 'nkmap',
    schema: SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(),
    value: new Map([[7, 'seven']]),
  },
  dec: '12.34',
  date: new Date(Date.UTC(2024, 0, 2)),
  time: new Date(1000),
  ts: new Date(1_700_000_000_000),
});
const value = row();

test("the JSON Schema of a Connect schema has Confluent's shape", () => {
  const json = fromConnectSchemaJson(
    SchemaBuilder.struct()
      .name('x.Y')
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.OPTIONAL_STRING_SCHEMA)
      .build(),
  );
  assert.deepEqual(json, {
    type: 'object',
    properties: {
      a: { type: 'integer', 'connect.index': 0, 'connect.type': 'int32' },
      b: { oneOf: [{ type: 'null' }, { type: 'string' }], 'connect.index': 1 },
    },
    title: 'x.Y',
  });
});

test('what Sluice writes, Python validates and decodes; what Python writes, Sluice reads', () => {
  const topic = uniqueName('json-interop');
  const c = new JsonSchemaConverter();
  c.configure({ 'schema.registry.url': interop.url, 'decimal.format': 'NUMERIC' }, false);
  const bytes = c.fromConnectData(topic, schema, value)!;
  assert.equal(bytes[0], 0);
  const text = Buffer.from(bytes).subarray(5).toString('utf8');
  assert.equal(
    text,
    '{"i8":8,"i16":-16,"i32":32,"i64":9007199254740993,"f32":1.5,"f64":1.0E300,"b":true,"s":"ünï \\"q\\"","bytes":"AQID","arr":["x","y"],"map":{"a":1},"nkmap":[{"key":7,"value":"seven"}],"inner":{"q":3},"opt":null,"dec":12.34,"date":19724,"time":1000,"ts":1700000000000}',
  );

  const pySchema = JSON.stringify({
    type: 'object',
    title: 'py.Thing',
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      price: { type: 'number' },
      tags: { type: 'array', items: { type: 'string' } },
      note: { oneOf: [{ type: 'null' }, { type: 'string' }] },
    },
  });
  const otherTopic = uniqueName('py-json');
  const py = runPython({
    jsonDecode: [{ topic, hex: Buffer.from(bytes).toString('hex') }],
    jsonEncode: [
      {
        topic: otherTopic,
        schema: pySchema,
        value: { id: 5, name: 'n', price: 2.5, tags: ['t'], note: null },
      },
    ],
  });
  const decoded = py.jsonDecoded[0];
  assert.equal(decoded.i32, 32);
  assert.equal(decoded.f64, 1e300);
  assert.equal(decoded.bytes, 'AQID');
  assert.deepEqual(decoded.nkmap, [{ key: 7, value: 'seven' }]);
  assert.equal(decoded.dec, 12.34);

  // Sluice reads its own bytes back.
  const back = c.toConnectData(topic, bytes);
  for (const f of schema.fields) {
    assert.ok(valueEquals((back.value as Struct).get(f.name), value.get(f)), `field ${f.name}`);
  }
  assert.equal(back.schema!.field('i64')!.schema.type, 'INT64');
  assert.equal(back.schema!.field('dec')!.schema.name, Decimal.LOGICAL_NAME);

  // Sluice reads what Python wrote with its own (plain) JSON Schema.
  const read = c.toConnectData(otherTopic, Buffer.from(py.jsonEncoded[0], 'hex'));
  const expectedSchema = SchemaBuilder.struct()
    .name('py.Thing')
    .version(1)
    .field('id', Schema.INT64_SCHEMA)
    .field('name', Schema.STRING_SCHEMA)
    .field('price', Schema.FLOAT64_SCHEMA)
    .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
    .field('note', Schema.OPTIONAL_STRING_SCHEMA)
    .build();
  assert.ok(read.schema!.equals(expectedSchema), `${read.schema}`);
  const expected = new Struct(expectedSchema)
    .put('id', 5)
    .put('name', 'n')
    .put('price', 2.5)
    .put('tags', ['t'])
    .put('note', null);
  assert.ok(valueEquals(read.value, expected), `${read.value}`);
  const requests = c.registryRequests;
  for (let i = 0; i < 100; i++) {
    c.fromConnectData(topic, schema, value);
    c.toConnectData(topic, bytes);
  }
  assert.equal(c.registryRequests, requests, 'no registry request per record');
});
