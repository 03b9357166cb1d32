/**
 * The sink task on a real OpenSearch 2.x node (the test kit's): documents, ids, external versions,
 * replays, upserts, deletes, mappings, malformed documents, null values, data streams, type.name,
 * offsets of acknowledged documents only, and failures.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ConnectError, DataError, Schema, SchemaBuilder, Struct } from '@sluice/api';
import { OpenSearchSinkTask } from '@sluice/connector-elasticsearch';
import { uniqueName, useOpenSearch } from '@sluice/testing';
import {
  allDocs,
  flush,
  getDoc,
  offsets,
  ReportingContext,
  record,
  request,
  startTask,
  values,
} from './harness.ts';

let url: string;

before(async () => {
  url = (await useOpenSearch()).url;
});

/** A topic with upper-case letters: the index is its lower-case form. */
function topicName(prefix: string): string {
  return `${uniqueName(prefix)}_Topic`;
}

describe('keyed inserts (write.method=insert)', () => {
  test('index = topic lower-cased, id = key, version = offset; updates overwrite; a replay never writes an older version', async () => {
    const topic = topicName('es_insert');
    const index = topic.toLowerCase();
    const { task } = await startTask(url, { 'schema.ignore': 'true', 'behavior.on.null.values': 'delete' });
    try {
      await task.put([
        record(topic, 0, 'a', { n: 1, name: 'first' }),
        record(topic, 1, 'b', { n: 2 }),
        record(topic, 2, 'a', { n: 3, name: 'updated' }),
        record(topic, 3, 'c', { n: 4 }),
        record(topic, 4, 'c', null), // tombstone: delete
      ]);
      await flush(task, topic);
      let docs = await allDocs(url, index);
      assert.deepEqual(
        docs.map((d) => [d._id, d._version, d._source]),
        [
          ['a', 2, { n: 3, name: 'updated' }],
          ['b', 1, { n: 2 }],
        ],
      );
      // Replay from offset 0 (a restart before the commit): nothing older is written back, c stays deleted.
      await task.put([
        record(topic, 0, 'a', { n: 1, name: 'first' }),
        record(topic, 1, 'b', { n: 2 }),
        record(topic, 3, 'c', { n: 4 }),
      ]);
      await flush(task, topic);
      docs = await allDocs(url, index);
      assert.deepEqual(
        docs.map((d) => [d._id, d._version, d._source]),
        [
          ['a', 2, { n: 3, name: 'updated' }],
          ['b', 1, { n: 2 }],
        ],
      );
      const committed = await task.preCommit(offsets(topic, 5));
      assert.deepEqual(values(committed), [{ offset: 5 }]);
    } finally {
      await task.stop();
    }
  });

  test('external.version.header: the header value is the version', async () => {
    const topic = topicName('es_verheader');
    const { task } = await startTask(url, { 'schema.ignore': 'true', 'external.version.header': 'ver' });
    try {
      const r = (offset: number, version: number, n: number) => {
        const rec = record(topic, offset, 'a', { n });
        rec.headers.addLong('ver', version);
        return rec;
      };
      await task.put([r(0, 100, 1), r(1, 50, 2)]); // the second is older by its header: not written
      await flush(task, topic);
      const doc = await getDoc(url, topic.toLowerCase(), 'a');
      assert.equal(doc?._version, 100);
      assert.deepEqual(doc?._source, { n: 1 });
    } finally {
      await task.stop();
    }
  });

  test('key.ignore: id = topic+partition+offset, replays do not duplicate; topic.key.ignore per topic', async () => {
    const topic = topicName('es_keyignore');
    const other = topicName('es_keyed');
    const { task } = await startTask(url, { 'schema.ignore': 'true', 'topic.key.ignore': topic });
    try {
      const batch = [
        record(topic, 10, null, { v: 'x' }, { partition: 2 }),
        record(topic, 11, 'ignored', { v: 'y' }, { partition: 2 }),
        record(other, 0, 'k', { v: 'z' }),
      ];
      await task.put(batch);
      await task.put(batch);
      await flush(task, topic);
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => [d._id, d._source]),
        [
          [`${topic}+2+10`, { v: 'x' }],
          [`${topic}+2+11`, { v: 'y' }],
        ],
      );
      assert.deepEqual(
        (await allDocs(url, other.toLowerCase())).map((d) => [d._id, d._version]),
        [['k', 0]],
      );
    } finally {
      await task.stop();
    }
  });

  test('a struct key of one field (Debezium) is the id, said once in the log', async () => {
    const topic = topicName('es_structkey');
    const keySchema = SchemaBuilder.struct().name('k.Key').field('id', Schema.INT32_SCHEMA).build();
    const { task, logger } = await startTask(url, { 'schema.ignore': 'true' });
    try {
      await task.put([
        record(topic, 0, new Struct(keySchema).put('id', 1001), { id: 1001, name: 'Sally' }, { keySchema }),
        record(topic, 1, new Struct(keySchema).put('id', 1002), { id: 1002, name: 'George' }, { keySchema }),
        record(topic, 2, { id: 1003 }, { id: 1003, name: 'Edward' }),
      ]);
      await flush(task, topic);
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => d._id),
        ['1001', '1002', '1003'],
      );
      assert.equal(logger.infos.filter((m) => m.includes('structs of one field')).length, 1);
    } finally {
      await task.stop();
    }
  });
});

describe('upserts (write.method=upsert)', () => {
  test('a record merges into the document, creating it when missing', async () => {
    const topic = topicName('es_upsert');
    const { task } = await startTask(url, { 'schema.ignore': 'true', 'write.method': 'upsert' });
    try {
      await task.put([record(topic, 0, 'a', { x: 1, y: 1 }), record(topic, 1, 'a', { y: 2, z: 3 })]);
      await flush(task, topic);
      assert.deepEqual((await getDoc(url, topic.toLowerCase(), 'a'))?._source, { x: 1, y: 2, z: 3 });
    } finally {
      await task.stop();
    }
  });
});

describe('upserts over many concurrent bulks', () => {
  // Bulks holding the same document are never in flight together (upserts have no versions). A
  // single-shard local node happens to apply concurrent bulks in arrival order anyway, so this checks
  // the outcome (and that the guard never stalls), not the race itself.
  test('many small bulks in flight, the same few documents in each: every document ends at its last record', async () => {
    const topic = topicName('es_upsert_order');
    const { task } = await startTask(url, {
      'schema.ignore': 'true',
      'write.method': 'upsert',
      'batch.size': '4',
      'max.in.flight.requests': '5',
      'linger.ms': '0',
    });
    try {
      for (let first = 0; first < 600; first += 40) {
        await task.put(
          Array.from({ length: 40 }, (_, i) =>
            record(topic, first + i, `k${(first + i) % 3}`, { n: first + i }),
          ),
        );
      }
      await flush(task, topic);
      const docs = await allDocs(url, topic.toLowerCase());
      assert.deepEqual(
        docs.map((d) => [d._id, d._source.n]),
        [
          ['k0', 597],
          ['k1', 598],
          ['k2', 599],
        ],
      );
    } finally {
      await task.stop();
    }
  });
});

describe('mapping from the Connect schema (schema.ignore=false)', () => {
  test('the index is created with the mapping of the value schema', async () => {
    const topic = topicName('es_mapping');
    const schema = SchemaBuilder.struct()
      .name('v')
      .field('id', Schema.INT64_SCHEMA)
      .field('name', Schema.STRING_SCHEMA)
      .field('score', Schema.FLOAT64_SCHEMA)
      .field('ok', Schema.BOOLEAN_SCHEMA)
      .field('small', Schema.INT16_SCHEMA)
      .build();
    const { task } = await startTask(url, {});
    try {
      await task.put([
        record(
          topic,
          0,
          '1',
          new Struct(schema).put('id', 1n).put('name', 'n').put('score', 1.5).put('ok', true).put('small', 3),
          { keySchema: Schema.STRING_SCHEMA, valueSchema: schema },
        ),
      ]);
      await flush(task, topic);
      const index = topic.toLowerCase();
      const mapping = await request(url, 'GET', `/${index}/_mapping`);
      assert.deepEqual(mapping.body[index].mappings.properties, {
        id: { type: 'long' },
        name: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
        score: { type: 'double' },
        ok: { type: 'boolean' },
        small: { type: 'short' },
      });
      assert.deepEqual((await getDoc(url, index, '1'))?._source, {
        id: 1,
        name: 'n',
        score: 1.5,
        ok: true,
        small: 3,
      });
    } finally {
      await task.stop();
    }
  });

  test('topic.schema.ignore: that topic gets dynamic mapping, others the schema mapping', async () => {
    const dynamic = topicName('es_tsi_dyn');
    const mapped = topicName('es_tsi_map');
    const schema = SchemaBuilder.struct().field('small', Schema.INT16_SCHEMA).build();
    const { task } = await startTask(url, { 'topic.schema.ignore': dynamic });
    try {
      const value = new Struct(schema).put('small', 3);
      await task.put([
        record(dynamic, 0, 'a', value, { valueSchema: schema }),
        record(mapped, 0, 'a', value, { valueSchema: schema }),
      ]);
      await flush(task, dynamic);
      const type = async (topic: string): Promise<string> => {
        const index = topic.toLowerCase();
        return (await request(url, 'GET', `/${index}/_mapping`)).body[index].mappings.properties.small.type;
      };
      assert.equal(await type(dynamic), 'long', 'inferred by the server');
      assert.equal(await type(mapped), 'short', 'from the Connect schema');
    } finally {
      await task.stop();
    }
  });

  test('schemaless values with schema.ignore=false: dynamic mapping, said once', async () => {
    const topic = topicName('es_schemaless');
    const { task, logger } = await startTask(url, {});
    try {
      await task.put([record(topic, 0, 'a', { n: 1 }), record(topic, 1, 'b', { n: 2 })]);
      await flush(task, topic);
      assert.equal((await allDocs(url, topic.toLowerCase())).length, 2);
      assert.equal(logger.infos.filter((m) => m.includes('dynamic mapping')).length, 1);
      assert.match(logger.infos.join('\n'), /schema\.ignore=true/);
    } finally {
      await task.stop();
    }
  });
});

describe('malformed documents and null values', () => {
  async function indexWithInteger(topic: string): Promise<void> {
    const res = await request(url, 'PUT', `/${topic.toLowerCase()}`, {
      mappings: { properties: { n: { type: 'integer' } } },
    });
    assert.equal(res.status, 200);
  }

  test('behavior.on.malformed.documents=fail (default) fails the task with the server reason', async () => {
    const topic = topicName('es_malformed_fail');
    await indexWithInteger(topic);
    const { task } = await startTask(url, { 'schema.ignore': 'true' });
    try {
      await task.put([record(topic, 0, 'a', { n: 'not a number' })]);
      await assert.rejects(
        flush(task, topic),
        (e: Error) => e instanceof ConnectError && /mapper_parsing_exception/.test(e.message),
      );
      await assert.rejects(task.put([record(topic, 1, 'b', { n: 1 })]), /mapper_parsing_exception/);
    } finally {
      await task.stop();
    }
  });

  test('warn: logged and skipped, its offset committed; ignore with errors.tolerance=all: to the reporter', async () => {
    const topic = topicName('es_malformed_warn');
    await indexWithInteger(topic);
    const { task, logger } = await startTask(url, {
      'schema.ignore': 'true',
      'behavior.on.malformed.documents': 'warn',
    });
    try {
      await task.put([record(topic, 0, 'a', { n: 'x' }), record(topic, 1, 'b', { n: 2 })]);
      await flush(task, topic);
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => d._id),
        ['b'],
      );
      assert.match(logger.warnings.join('\n'), /index of .*\/0\/0 failed: mapper_parsing_exception/);
      assert.deepEqual(values(await task.preCommit(offsets(topic, 2))), [{ offset: 2 }]);
    } finally {
      await task.stop();
    }
    const props = {
      'schema.ignore': 'true',
      'behavior.on.malformed.documents': 'ignore',
      'errors.tolerance': 'all',
    };
    const context = new ReportingContext({ 'connection.url': url, ...props });
    const second = await startTask(url, props, { context });
    try {
      await second.task.put([record(topic, 2, 'c', { n: 'y' })]);
      await flush(second.task, topic);
      assert.equal(context.reported.length, 1);
      assert.equal(context.reported[0]!.record.kafkaOffset, 2);
      assert.equal(second.logger.warnings.length, 0);
    } finally {
      await second.task.stop();
    }
  });

  test('fail with an errant record reporter: the document goes to the reporter', async () => {
    const topic = topicName('es_malformed_dlq');
    await indexWithInteger(topic);
    const props = { 'schema.ignore': 'true' };
    const context = new ReportingContext({ 'connection.url': url, ...props });
    const { task } = await startTask(url, props, { context });
    try {
      await task.put([record(topic, 0, 'a', { n: 'x' }), record(topic, 1, 'b', { n: 1 })]);
      await flush(task, topic);
      assert.deepEqual(
        context.reported.map((r) => [r.record.kafkaOffset, r.error instanceof DataError]),
        [[0, true]],
      );
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => d._id),
        ['b'],
      );
    } finally {
      await task.stop();
    }
  });

  test('behavior.on.null.values: fail (default) throws, ignore skips (offset still committed)', async () => {
    const topic = topicName('es_nulls');
    const failing = await startTask(url, { 'schema.ignore': 'true' });
    try {
      await assert.rejects(
        failing.task.put([record(topic, 0, 'a', null)]),
        (e: Error) => e instanceof DataError && /behavior\.on\.null\.values/.test(e.message),
      );
    } finally {
      await failing.task.stop();
    }
    const ignoring = await startTask(url, { 'schema.ignore': 'true', 'behavior.on.null.values': 'IGNORE' });
    try {
      await ignoring.task.put([record(topic, 0, 'a', null), record(topic, 1, 'b', { n: 1 })]);
      await flush(ignoring.task, topic);
      assert.deepEqual(values(await ignoring.task.preCommit(offsets(topic, 2))), [{ offset: 2 }]);
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => d._id),
        ['b'],
      );
    } finally {
      await ignoring.task.stop();
    }
  });

  test('a null key: DataError, or dropped with drop.invalid.message', async () => {
    const topic = topicName('es_nullkey');
    const failing = await startTask(url, { 'schema.ignore': 'true' });
    try {
      await assert.rejects(failing.task.put([record(topic, 0, null, { n: 1 })]), /can not be null/);
    } finally {
      await failing.task.stop();
    }
    const dropping = await startTask(url, { 'schema.ignore': 'true', 'drop.invalid.message': 'true' });
    try {
      await dropping.task.put([record(topic, 0, null, { n: 1 }), record(topic, 1, 'k', { n: 2 })]);
      await flush(dropping.task, topic);
      assert.deepEqual(
        (await allDocs(url, topic.toLowerCase())).map((d) => d._id),
        ['k'],
      );
      assert.match(dropping.logger.warnings.join('\n'), /drop\.invalid\.message/);
    } finally {
      await dropping.task.stop();
    }
  });
});

describe('servers, batching and offsets', () => {
  test('type.name is never sent to OpenSearch (which rejects _type): a warning, and documents indexed', async () => {
    const topic = topicName('es_typename');
    const { task, logger } = await startTask(url, { 'schema.ignore': 'true', 'type.name': 'customer_event' });
    try {
      assert.equal(task.server.distribution, 'opensearch');
      assert.match(logger.warnings.join('\n'), /type\.name=customer_event is ignored: OpenSearch 2\./);
      await task.put([record(topic, 0, 'a', { n: 1 })]);
      await flush(task, topic);
      assert.equal((await allDocs(url, topic.toLowerCase())).length, 1);
    } finally {
      await task.stop();
    }
  });

  test('many small bulks in flight with back-pressure; preCommit never goes past the acknowledged; gzip bodies', async () => {
    const topic = topicName('es_batches');
    const { task } = await startTask(url, {
      'schema.ignore': 'true',
      'batch.size': '7',
      'max.in.flight.requests': '3',
      'max.buffered.records': '20',
      'linger.ms': '50',
      'connection.compression': 'true',
    });
    try {
      const records = Array.from({ length: 500 }, (_, i) =>
        record(topic, i, `k${i % 130}`, { i, pad: 'x'.repeat(i % 50) }),
      );
      for (let i = 0; i < records.length; i += 50) {
        await task.put(records.slice(i, i + 50));
        const committed = values(await task.preCommit(offsets(topic, i + 50)))[0]?.offset ?? 0;
        assert.ok(committed <= i + 50, `committed ${committed} after ${i + 50} records`);
        // max.buffered.records: fewer than 20 records unacknowledged when put returns.
        assert.ok(
          task.outstandingRecords < 20,
          `${task.outstandingRecords} outstanding after ${i + 50} records`,
        );
      }
      await flush(task, topic);
      assert.deepEqual(values(await task.preCommit(offsets(topic, 500))), [{ offset: 500 }]);
      const docs = await allDocs(url, topic.toLowerCase());
      assert.equal(docs.length, 130);
      // Each key holds its latest record, at the version of that record's offset.
      for (const d of docs) {
        const k = Number(d._id.slice(1));
        const last = k + 130 * Math.floor((499 - k) / 130);
        assert.equal(d._source.i, last, d._id);
        assert.equal(d._version, last, d._id);
      }
    } finally {
      await task.stop();
    }
  });

  test('batch.size, bulk.size.bytes and linger.ms: full batches go at once, the rest lingers until flush', async () => {
    const count = async (topic: string): Promise<number> => {
      const index = topic.toLowerCase();
      await request(url, 'POST', `/${index}/_refresh`);
      return (await request(url, 'GET', `/${index}/_count`)).body.count as number;
    };
    const ten = (topic: string) =>
      Array.from({ length: 10 }, (_, i) => record(topic, i, `k${i}`, { i, pad: 'x'.repeat(100) }));
    const bulkBytes = topicName('es_bulkbytes');
    /** The NDJSON size of one of these index actions (all ten are the same size). */
    const actionBytes = (topic: string): number =>
      `{"index":{"_index":"${topic.toLowerCase()}","_id":"k0","version":0,"version_type":"external"}}\n`
        .length + `${JSON.stringify({ i: 0, pad: 'x'.repeat(100) })}\n`.length;
    const cases: [string, Record<string, string>, number][] = [
      // 10 records in batches of 3: three batches sent, one record lingers.
      [topicName('es_batchsize'), { 'batch.size': '3' }, 9],
      // Room for two actions per bulk: four batches sent, two records linger.
      [bulkBytes, { 'bulk.size.bytes': String(2 * actionBytes(bulkBytes) + 5) }, 8],
      // Neither limit reached: everything lingers.
      [topicName('es_linger'), {}, 0],
    ];
    for (const [topic, props, sent] of cases) {
      await request(url, 'PUT', `/${topic.toLowerCase()}`);
      const { task } = await startTask(url, { 'schema.ignore': 'true', 'linger.ms': '600000', ...props });
      try {
        await task.put(ten(topic).slice(0, 5));
        await task.put(ten(topic).slice(5));
        for (let i = 0; i < 100 && task.outstandingRecords > 10 - sent; i++)
          await new Promise((r) => setTimeout(r, 20));
        assert.equal(task.outstandingRecords, 10 - sent, `${JSON.stringify(props)}: lingering`);
        assert.equal(await count(topic), sent, `${JSON.stringify(props)}: sent before the flush`);
        await flush(task, topic);
        assert.equal(await count(topic), 10, `${JSON.stringify(props)}: all after the flush`);
      } finally {
        await task.stop();
      }
    }
  });

  test('flush.synchronously=true: preCommit waits and commits everything', async () => {
    const topic = topicName('es_sync');
    const { task } = await startTask(url, {
      'schema.ignore': 'true',
      'flush.synchronously': 'true',
      'linger.ms': '60000',
    });
    try {
      await task.put([record(topic, 0, 'a', { n: 1 }), record(topic, 1, 'b', { n: 2 })]);
      assert.deepEqual(values(await task.preCommit(offsets(topic, 2))), [{ offset: 2 }]);
      assert.equal((await allDocs(url, topic.toLowerCase())).length, 2);
    } finally {
      await task.stop();
    }
  });

  test('data streams: logs-<dataset>-<topic> with @timestamp from the record or the configured field', async () => {
    const topic = uniqueName('es_ds');
    const { task } = await startTask(url, {
      'schema.ignore': 'true',
      'data.stream.type': 'LOGS',
      'data.stream.dataset': 'sluice',
      'data.stream.timestamp.field': 'created',
    });
    try {
      await task.put([
        record(topic, 0, 'a', { msg: 'one' }, { timestamp: Date.UTC(2024, 0, 1) }),
        record(topic, 1, 'b', { msg: 'two', created: '2024-02-03T04:05:06Z' }),
      ]);
      await flush(task, topic);
      await task.put([record(topic, 0, 'a', { msg: 'one' }, { timestamp: Date.UTC(2024, 0, 1) })]); // replay
      await flush(task, topic);
      const name = `logs-sluice-${topic}`;
      const ds = await request(url, 'GET', `/_data_stream/${name}`);
      assert.equal(ds.status, 200);
      const docs = await allDocs(url, name);
      assert.deepEqual(
        docs.map((d) => d._source).sort((a, b) => String(a.msg).localeCompare(String(b.msg))),
        [
          { '@timestamp': Date.UTC(2024, 0, 1), msg: 'one' },
          { '@timestamp': '2024-02-03T04:05:06Z', msg: 'two', created: '2024-02-03T04:05:06Z' },
        ],
      );
    } finally {
      await task.stop();
    }
  });

  test("Aiven's OpenSearch task: index.write.method=upsert", async () => {
    const topic = topicName('os_aiven');
    const { task } = await startTask(
      url,
      { 'schema.ignore': 'true', 'index.write.method': 'upsert' },
      { task: new OpenSearchSinkTask() },
    );
    try {
      await task.put([
        record(topic, 0, 'a', { x: 1 }),
        record(topic, 1, 'a', { y: 2 }),
        record(topic, 2, 'a', null),
      ]);
      await flush(task, topic);
      // Aiven's default behavior.on.null.values is ignore: the tombstone leaves the document.
      assert.deepEqual((await getDoc(url, topic.toLowerCase(), 'a'))?._source, { x: 1, y: 2 });
    } finally {
      await task.stop();
    }
  });

  test('an unreachable server: start retries with back-off, then fails naming the URL, never the password', async () => {
    const task = startTask('http://127.0.0.1:1', {
      'max.retries': '2',
      'retry.backoff.ms': '10',
      'connection.username': 'elastic',
      'connection.password': 's3cret-pw',
    });
    await assert.rejects(task, (e: Error) => {
      assert.ok(e instanceof ConnectError);
      assert.match(e.message, /Could not reach http:\/\/127\.0\.0\.1:1 after 3 attempts \(max\.retries=2\)/);
      assert.doesNotMatch(e.message, /s3cret-pw/);
      return true;
    });
  });
});
