/** Document ids, document JSON, mappings for every Connect type, settings and server detection, without a server. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConfigError,
  ConnectDate,
  DataError,
  Decimal,
  Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import {
  backoff,
  buildMapping,
  documentId,
  ES_CONFIG_DEF,
  indexName,
  OPENSEARCH_CONFIG_DEF,
  parseServerInfo,
  readSettings,
  toJson,
  unknownKeys,
} from '@sluice/connector-elasticsearch';

describe('document id', () => {
  test('string and integer keys (with or without schema) are the id as text', () => {
    assert.deepEqual(documentId('abc', Schema.STRING_SCHEMA), { id: 'abc', kind: 'primitive' });
    assert.equal(documentId(42, Schema.INT32_SCHEMA).id, '42');
    assert.equal(documentId(9007199254740993n, Schema.INT64_SCHEMA).id, '9007199254740993');
    assert.equal(documentId(7, Schema.INT8_SCHEMA).id, '7');
    assert.equal(documentId(7, Schema.INT16_SCHEMA).id, '7');
    assert.equal(documentId('k', null).id, 'k');
    assert.equal(documentId(12, null).id, '12');
  });

  test('a one-field struct key (Debezium) gives the field value; several fields give the JSON text', () => {
    const one = SchemaBuilder.struct()
      .name('dbserver1.public.customers.Key')
      .field('id', Schema.INT32_SCHEMA)
      .build();
    assert.deepEqual(documentId(new Struct(one).put('id', 1001), one), {
      id: '1001',
      kind: 'single-field-struct',
    });
    const two = SchemaBuilder.struct()
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.STRING_SCHEMA)
      .build();
    assert.deepEqual(documentId(new Struct(two).put('a', 1).put('b', 'x'), two), {
      id: '{"a":1,"b":"x"}',
      kind: 'multi-field-struct',
    });
    // Schemaless JSON keys (JsonConverter with schemas.enable=false).
    assert.deepEqual(documentId({ id: 1001 }, null), { id: '1001', kind: 'single-field-struct' });
    assert.deepEqual(documentId({ id: 1, region: 'eu' }, null), {
      id: '{"id":1,"region":"eu"}',
      kind: 'multi-field-struct',
    });
  });

  test('null, empty and unsupported keys are errors naming the problem', () => {
    assert.throws(
      () => documentId(null, null),
      (e: Error) => e instanceof DataError && /can not be null/.test(e.message),
    );
    assert.throws(() => documentId('', Schema.STRING_SCHEMA), /can not be empty/);
    assert.throws(() => documentId(1.5, Schema.FLOAT64_SCHEMA), /FLOAT64 is not supported/);
    assert.throws(() => documentId(true, null), /not supported as document id/);
    assert.throws(() => documentId({ id: null }, null), /can not be null/);
  });
});

describe('document JSON', () => {
  test('every Connect type is written as JsonConverter without schemas writes it', () => {
    const schema = SchemaBuilder.struct()
      .field('i8', Schema.INT8_SCHEMA)
      .field('i16', Schema.INT16_SCHEMA)
      .field('i32', Schema.INT32_SCHEMA)
      .field('i64', Schema.INT64_SCHEMA)
      .field('f32', Schema.FLOAT32_SCHEMA)
      .field('f64', Schema.FLOAT64_SCHEMA)
      .field('b', Schema.BOOLEAN_SCHEMA)
      .field('s', Schema.STRING_SCHEMA)
      .field('bytes', Schema.BYTES_SCHEMA)
      .field('arr', SchemaBuilder.array(Schema.INT32_SCHEMA).build())
      .field('smap', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
      .field('imap', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
      .field('dec', Decimal.schema(2))
      .field('date', ConnectDate.SCHEMA)
      .field('time', Time.SCHEMA)
      .field('ts', Timestamp.SCHEMA)
      .field('opt', SchemaBuilder.string().optional().build())
      .field('def', SchemaBuilder.int32().optional().defaultValue(5).build())
      .field('nested', SchemaBuilder.struct().field('x', Schema.STRING_SCHEMA).build())
      .build();
    const nested = new Struct(schema.field('nested')!.schema).put('x', 'y');
    const value = new Struct(schema)
      .put('i8', -1)
      .put('i16', 300)
      .put('i32', 70000)
      .put('i64', 9007199254740993n)
      .put('f32', 1.5)
      .put('f64', -2.25)
      .put('b', true)
      .put('s', 'he said "hi"\n')
      .put('bytes', new Uint8Array([1, 2, 255]))
      .put('arr', [1, 2])
      .put('smap', new Map([['a', 1]]))
      .put('imap', new Map([[1, 'one']]))
      .put('dec', BigDecimal.parse('12.50'))
      .put('date', new Date(Date.UTC(2024, 0, 2)))
      .put('time', new Date(3_600_000))
      .put('ts', new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))
      .put('opt', null)
      .put('def', null)
      .put('nested', nested);
    const json = toJson(value, schema, true);
    assert.equal(
      json,
      '{"i8":-1,"i16":300,"i32":70000,"i64":9007199254740993,"f32":1.5,"f64":-2.25,"b":true,' +
        '"s":"he said \\"hi\\"\\n","bytes":"AQL/","arr":[1,2],"smap":{"a":1},"imap":[{"key":1,"value":"one"}],' +
        '"dec":12.5,"date":19724,"time":3600000,"ts":1704164645000,"opt":null,"def":5,"nested":{"x":"y"}}',
    );
    JSON.parse(json);
    // compact.map.entries=false: string-keyed maps as entries too.
    const smap = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build();
    assert.equal(toJson(new Map([['a', 1]]), smap, false), '[{"key":"a","value":1}]');
  });

  test('schemaless values: objects stay objects, big integers exact, NaN as null', () => {
    assert.equal(
      toJson(
        { id: 1, name: 'n', big: 12345678901234567890n, nested: { a: [1, null] }, nan: Number.NaN },
        null,
        true,
      ),
      '{"id":1,"name":"n","big":12345678901234567890,"nested":{"a":[1,null]},"nan":null}',
    );
    assert.equal(toJson({ a: 1 }, null, false), '{"a":1}');
  });
});

describe('mapping from the Connect schema', () => {
  test('every type maps as Confluent maps it', () => {
    const schema = SchemaBuilder.struct()
      .field('i8', Schema.INT8_SCHEMA)
      .field('i16', Schema.INT16_SCHEMA)
      .field('i32', Schema.INT32_SCHEMA)
      .field('i64', Schema.INT64_SCHEMA)
      .field('f32', Schema.FLOAT32_SCHEMA)
      .field('f64', Schema.FLOAT64_SCHEMA)
      .field('b', Schema.BOOLEAN_SCHEMA)
      .field('s', Schema.STRING_SCHEMA)
      .field('bytes', Schema.BYTES_SCHEMA)
      .field('arr', SchemaBuilder.array(Schema.INT64_SCHEMA).build())
      .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build())
      .field('dec', Decimal.schema(2))
      .field('date', ConnectDate.SCHEMA)
      .field('time', Time.SCHEMA)
      .field('ts', Timestamp.SCHEMA)
      .field('def', SchemaBuilder.int32().optional().defaultValue(5).build())
      .field('nested', SchemaBuilder.struct().field('x', Schema.BOOLEAN_SCHEMA).build())
      .build();
    const text = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
    assert.deepEqual(buildMapping(schema), {
      properties: {
        i8: { type: 'byte' },
        i16: { type: 'short' },
        i32: { type: 'integer' },
        i64: { type: 'long' },
        f32: { type: 'float' },
        f64: { type: 'double' },
        b: { type: 'boolean' },
        s: text,
        bytes: { type: 'binary' },
        arr: { type: 'long' },
        map: { properties: { key: text, value: { type: 'double' } } },
        dec: { type: 'double' },
        date: { type: 'date' },
        time: { type: 'date' },
        ts: { type: 'date' },
        def: { type: 'integer', null_value: 5 },
        nested: { properties: { x: { type: 'boolean' } } },
      },
    });
  });
});

describe('settings', () => {
  test("Confluent's defaults", () => {
    const s = readSettings({ 'connection.url': 'http://127.0.0.1:9200/' }, false);
    assert.deepEqual(s.urls, ['http://127.0.0.1:9200']);
    assert.equal(s.keyIgnore, false);
    assert.equal(s.schemaIgnore, false);
    assert.equal(s.compactMapEntries, true);
    assert.equal(s.onNullValues, 'fail');
    assert.equal(s.onMalformed, 'fail');
    assert.equal(s.writeMethod, 'insert');
    assert.equal(s.batchSize, 2000);
    assert.equal(s.bulkSizeBytes, 5 * 1024 * 1024);
    assert.equal(s.maxInFlight, 5);
    assert.equal(s.maxBuffered, 20000);
    assert.equal(s.lingerMs, 1);
    assert.equal(s.flushTimeoutMs, 180000);
    assert.equal(s.flushSynchronously, false);
    assert.equal(s.maxRetries, 5);
    assert.equal(s.retryBackoffMs, 100);
    assert.equal(s.compression, false);
    assert.equal(s.connectionTimeoutMs, 1000);
    assert.equal(s.readTimeoutMs, 3000);
    assert.equal(s.dataStreamName, null);
    assert.equal(s.typeName, null);
    assert.equal(ES_CONFIG_DEF.configKeys().get('connection.password')?.type, 'PASSWORD');
  });

  test("Aiven's defaults and keys", () => {
    const s = readSettings({ 'connection.url': 'http://h:9200', 'index.write.method': 'UPSERT' }, true);
    assert.equal(s.onNullValues, 'ignore');
    assert.equal(s.flushTimeoutMs, 10000);
    assert.equal(s.writeMethod, 'upsert');
    assert.ok(OPENSEARCH_CONFIG_DEF.names().has('data.stream.prefix'));
    const ds = readSettings(
      { 'connection.url': 'http://h:9200', 'data.stream.enabled': 'true', 'data.stream.prefix': 'p' },
      true,
    );
    assert.equal(ds.dataStreamName?.('Orders'), 'p-orders');
    const none = readSettings({ 'connection.url': 'http://h:9200', 'key.ignore.id.strategy': 'none' }, true);
    assert.equal(none.autogeneratedIds, true);
  });

  test('case-insensitive enums, per-topic lists, data streams', () => {
    const s = readSettings(
      {
        'connection.url': 'http://a:1,http://b:2',
        'behavior.on.null.values': 'Delete',
        'behavior.on.malformed.documents': 'warn',
        'write.method': 'upsert',
        'topic.key.ignore': 't1,t2',
        'topic.schema.ignore': 't3',
        'data.stream.type': 'logs',
        'data.stream.dataset': 'app',
        'data.stream.timestamp.field': 'ts,created',
        'type.name': 'customer_event',
      },
      false,
    );
    assert.deepEqual(s.urls, ['http://a:1', 'http://b:2']);
    assert.equal(s.onNullValues, 'delete');
    assert.equal(s.onMalformed, 'warn');
    assert.equal(s.writeMethod, 'upsert');
    assert.deepEqual([...s.topicKeyIgnore], ['t1', 't2']);
    assert.deepEqual([...s.topicSchemaIgnore], ['t3']);
    assert.equal(s.dataStreamName?.('Events'), 'logs-app-events');
    assert.deepEqual(s.dataStreamTimestampFields, ['ts', 'created']);
    assert.equal(s.typeName, 'customer_event');
  });

  test('bad values are ConfigErrors naming the key', () => {
    const bad = (props: Record<string, string>, re: RegExp): void => {
      assert.throws(
        () => readSettings({ 'connection.url': 'http://h:9200', ...props }, false),
        (e: Error) => e instanceof ConfigError && re.test(e.message),
      );
    };
    assert.throws(() => readSettings({}, false), /connection\.url/);
    bad({ 'connection.url': 'ftp://h' }, /connection\.url.*scheme must be http or https/);
    bad({ 'connection.url': 'not a url' }, /connection\.url.*not a URL/);
    bad({ 'behavior.on.null.values': 'drop' }, /behavior\.on\.null\.values/);
    bad({ 'behavior.on.malformed.documents': 'skip' }, /behavior\.on\.malformed\.documents/);
    bad({ 'write.method': 'merge' }, /write\.method/);
    bad({ 'batch.size': '0' }, /batch\.size/);
    bad({ 'max.in.flight.requests': 'x' }, /max\.in\.flight\.requests/);
    bad({ 'data.stream.type': 'LOGS' }, /data\.stream\.dataset.*must be set/);
    bad({ 'data.stream.dataset': 'x' }, /data\.stream\.dataset.*needs data\.stream\.type/);
    bad({ 'use.autogenerated.ids': 'true', 'write.method': 'upsert' }, /write\.method/);
    bad(
      { 'elastic.security.protocol': 'SSL', 'elastic.https.ssl.truststore.location': '/x.jks' },
      /truststore\.type.*PEM/,
    );
  });

  test('unknown keys, with a hint: schema.enable → schema.ignore', () => {
    const unknown = unknownKeys(
      {
        'connector.class': 'x',
        'tasks.max': '1',
        topics: 't',
        'connection.url': 'http://h',
        'key.converter': 'j',
        'key.converter.schemas.enable': 'false',
        'transforms.unwrap.type': 'x',
        'errors.tolerance': 'all',
        'schema.enable': 'false',
        'batch.sise': '10',
        'something.else.entirely': '1',
      },
      ES_CONFIG_DEF,
    );
    assert.deepEqual(unknown, [
      { key: 'schema.enable', hint: 'schema.ignore' },
      { key: 'batch.sise', hint: 'batch.size' },
      { key: 'something.else.entirely', hint: null },
    ]);
  });

  test('index names as Confluent makes them', () => {
    assert.equal(indexName('DbServer1.Public.Customers'), 'dbserver1.public.customers');
    assert.equal(indexName('_private'), 'private');
    assert.equal(indexName('-x'), 'x');
    assert.equal(indexName('.'), 'dot');
    assert.equal(indexName('..'), 'dotdot');
    assert.equal(indexName('a'.repeat(300)).length, 255);
  });
});

describe('server detection', () => {
  test('OpenSearch by its distribution, whatever its version number', () => {
    assert.deepEqual(parseServerInfo({ version: { distribution: 'opensearch', number: '2.19.1' } }), {
      distribution: 'opensearch',
      number: '2.19.1',
      major: 2,
    });
    assert.equal(
      parseServerInfo({ version: { distribution: 'opensearch', number: '7.10.2' } }).distribution,
      'opensearch',
    );
  });
  test('Elasticsearch by its version number (no distribution field)', () => {
    // The shape of Elasticsearch's `GET /` (no recorded 8.x answer: no Elasticsearch 8 runs here).
    const es8 = parseServerInfo({
      version: { number: '8.15.0', build_flavor: 'default' },
      tagline: 'You Know, for Search',
    });
    assert.deepEqual(es8, { distribution: 'elasticsearch', number: '8.15.0', major: 8 });
    assert.equal(parseServerInfo({ version: { number: '7.17.3' } }).major, 7);
    assert.throws(
      () => parseServerInfo({ hello: 'world' }),
      /did not answer like Elasticsearch or OpenSearch/,
    );
  });
  test('back-off grows exponentially with jitter', () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const ms = backoff(attempt, 100);
      assert.ok(ms >= 50 * 2 ** attempt && ms <= 100 * 2 ** attempt, `attempt ${attempt}: ${ms}`);
    }
  });
});
