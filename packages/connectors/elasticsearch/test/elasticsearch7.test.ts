/**
 * The sink against real Elasticsearch (7.10.2, the last release on Maven Central, run by
 * `org.codelibs:elasticsearch-cluster-runner`), where the other tests use OpenSearch: the server is
 * told apart by its answer to `GET /`, `type.name` is sent (Elasticsearch 6/7 only), and inserts
 * with external versions, mappings from schemas, upserts and deletes behave as on OpenSearch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Schema, SchemaBuilder, Struct } from '@sluice/api';
import { ElasticsearchSinkConnector } from '@sluice/connector-elasticsearch';
import { type OpenSearchServer, startOpenSearch, uniqueName } from '@sluice/testing';
import { allDocs, flush, getDoc, record, request, startTask } from './harness.ts';

let node: OpenSearchServer;
let url: string;

before(async () => {
  node = await startOpenSearch({ ownerPid: process.pid, product: 'elasticsearch' });
  url = node.url;
});

after(async () => {
  await node?.stop();
});

const index = (prefix: string): string => uniqueName(prefix).toLowerCase();

describe('Elasticsearch 7.10.2', () => {
  test('GET / answers as Elasticsearch 7 (the server these tests are about)', async () => {
    const res = await request(url, 'GET', '/');
    assert.equal(res.status, 200);
    assert.equal(res.body.version.number, '7.10.2');
    assert.equal(res.body.version.distribution, undefined);
    assert.deepEqual(
      (await new ElasticsearchSinkConnector().validate({ 'connection.url': url, topics: 't' })).configValues
        .filter((v) => v.errorMessages.length > 0)
        .map((v) => v.name),
      [],
    );
  });

  test('type.name is sent: documents carry that type, and no warning is logged', async () => {
    const topic = index('es7_typename');
    const { task, logger } = await startTask(url, { 'schema.ignore': 'true', 'type.name': 'customer_event' });
    try {
      await task.put([record(topic, 0, 'a', { id: 1 }), record(topic, 1, 'b', { id: 2 })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    const doc = (await request(url, 'GET', `/${topic}/customer_event/a`)).body;
    assert.equal(doc._type, 'customer_event');
    assert.deepEqual(doc._source, { id: 1 });
    assert.deepEqual(
      (await allDocs(url, topic)).map((d) => d._id),
      ['a', 'b'],
    );
    assert.deepEqual(
      logger.warnings.filter((w) => /type\.name/.test(w)),
      [],
    );
  });

  test('keyed inserts use the offset as external version: a replay never writes an older version', async () => {
    const topic = index('es7_versions');
    const { task } = await startTask(url, { 'schema.ignore': 'true' });
    try {
      await task.put([record(topic, 5, 'k', { v: 'new' })]);
      await flush(task, topic);
      await task.put([record(topic, 3, 'k', { v: 'old' })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    const doc = await getDoc(url, topic, 'k');
    assert.equal(doc?._version, 5);
    assert.deepEqual(doc?._source, { v: 'new' });
  });

  test('schema.ignore=false: the mapping comes from the Connect schema', async () => {
    const topic = index('es7_mapping');
    const schema = SchemaBuilder.struct()
      .field('id', Schema.INT64_SCHEMA)
      .field('name', Schema.STRING_SCHEMA)
      .field('score', Schema.FLOAT64_SCHEMA)
      .build();
    const { task } = await startTask(url, { 'schema.ignore': 'false' });
    try {
      const value = new Struct(schema).put('id', 1).put('name', 'ada').put('score', 1.5);
      await task.put([record(topic, 0, 'k1', value, { valueSchema: schema })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    const mapping = (await request(url, 'GET', `/${topic}/_mapping`)).body;
    assert.deepEqual(mapping[topic].mappings.properties, {
      id: { type: 'long' },
      name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      score: { type: 'double' },
    });
    assert.deepEqual((await getDoc(url, topic, 'k1'))?._source, { id: 1, name: 'ada', score: 1.5 });
  });

  test("type.name with a schema (the articles' type on Elasticsearch 7): mapping and documents under one type", async () => {
    const topic = index('es7_typed_mapping');
    const schema = SchemaBuilder.struct().field('id', Schema.INT32_SCHEMA).build();
    const { task } = await startTask(url, { 'schema.ignore': 'false', 'type.name': 'customer_event' });
    try {
      await task.put([record(topic, 0, 'k', new Struct(schema).put('id', 7), { valueSchema: schema })]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    const doc = (await request(url, 'GET', `/${topic}/customer_event/k`)).body;
    assert.deepEqual([doc._type, doc._source], ['customer_event', { id: 7 }]);
    const mapping = (await request(url, 'GET', `/${topic}/_mapping`)).body;
    assert.deepEqual(mapping[topic].mappings.properties, { id: { type: 'integer' } });
  });

  test('upserts merge into the document; a tombstone deletes it with behavior.on.null.values=delete', async () => {
    const topic = index('es7_upsert');
    const { task } = await startTask(url, {
      'schema.ignore': 'true',
      'write.method': 'upsert',
      'behavior.on.null.values': 'delete',
    });
    try {
      await task.put([
        record(topic, 0, 'a', { x: 1 }),
        record(topic, 1, 'a', { y: 2 }),
        record(topic, 2, 'b', { z: 3 }),
      ]);
      await flush(task, topic);
      assert.deepEqual((await getDoc(url, topic, 'a'))?._source, { x: 1, y: 2 });
      await task.put([record(topic, 3, 'b', null)]);
      await flush(task, topic);
    } finally {
      await task.stop();
    }
    assert.deepEqual(
      (await allDocs(url, topic)).map((d) => d._id),
      ['a'],
    );
  });
});
