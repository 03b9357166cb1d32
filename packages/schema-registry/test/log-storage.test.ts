// The registry kept in a log of Confluent's `_schemas` records: the record format (checked against
// the format of Confluent's SchemaRegistrySerializer and its key/value classes: SchemaKey's
// @JsonPropertyOrder {keytype, subject, version, magic} with magic 1, the other keys' {keytype,
// subject, magic} with magic 0, SchemaValue's fields, a null value for a permanent delete,
// DELETE_SUBJECT carrying the last deleted version), and two registries sharing one log. The
// real logs (Kafka, the embedded log) are tested in packages/runtime/test/schema-registry-log.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  eventToRecords,
  LogStorage,
  noopRecord,
  type RegistryLog,
  type RegistryRecord,
  recordToEvent,
  SchemaRegistry,
} from '../src/index.ts';

const user = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [{ name: 'name', type: 'string' }],
});
const user2 = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: ['null', 'int'], default: null },
  ],
});

/** A log in memory: appended records are handed to every reader on a later turn, in order. */
class MemoryLog {
  readonly records: RegistryRecord[] = [];
  readonly #readers: ((key: Buffer | null, value: Buffer | null) => void)[] = [];
  fail = false;

  reader(): RegistryLog {
    let onRecord: ((key: Buffer | null, value: Buffer | null) => void) | null = null;
    return {
      start: async (handler) => {
        for (const r of this.records) handler(r.key, r.value);
        onRecord = handler;
        this.#readers.push((k, v) => onRecord?.(k, v));
      },
      append: async (records) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.fail) throw new Error('the log is down');
        for (const r of records) {
          this.records.push(r);
          for (const read of this.#readers) setImmediate(() => read(r.key, r.value));
        }
      },
      stop: async () => {
        onRecord = null;
      },
    };
  }
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("Confluent's _schemas record format", () => {
  test('a registered version: SCHEMA key in Confluent order, magic 1; the value with id, type, schema, deleted', () => {
    const [r] = eventToRecords({
      t: 'version',
      subject: 'orders-value',
      version: 1,
      id: 7,
      schemaType: 'AVRO',
      schema: user,
      references: [],
      deleted: false,
    });
    assert.equal(text(r!.key), '{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}');
    assert.deepEqual(JSON.parse(text(r!.value)!), {
      subject: 'orders-value',
      version: 1,
      id: 7,
      schemaType: 'AVRO',
      schema: user,
      deleted: false,
    });
  });

  test('references are written when there are any', () => {
    const [r] = eventToRecords({
      t: 'version',
      subject: 's',
      version: 2,
      id: 3,
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3";',
      references: [{ name: 'other.proto', subject: 'other', version: 1 }],
      deleted: true,
    });
    const value = JSON.parse(text(r!.value)!);
    assert.deepEqual(value.references, [{ name: 'other.proto', subject: 'other', version: 1 }]);
    assert.equal(value.deleted, true);
    assert.equal(value.schemaType, 'PROTOBUF');
  });

  test('permanent delete: the SCHEMA key with a null value', () => {
    const [r] = eventToRecords({ t: 'delete-version', subject: 's', version: 3, permanent: true });
    assert.equal(text(r!.key), '{"keytype":"SCHEMA","subject":"s","version":3,"magic":1}');
    assert.equal(r!.value, null);
  });

  test('DELETE_SUBJECT, CONFIG, MODE and NOOP keys with magic 0; global config and mode have no subject', () => {
    const [del] = eventToRecords({ t: 'delete-subject', subject: 's', version: 4 });
    assert.equal(text(del!.key), '{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}');
    assert.deepEqual(JSON.parse(text(del!.value)!), { subject: 's', version: 4 });
    const [cfg] = eventToRecords({ t: 'config', subject: 's', compatibility: 'FULL' });
    assert.equal(text(cfg!.key), '{"keytype":"CONFIG","subject":"s","magic":0}');
    assert.deepEqual(JSON.parse(text(cfg!.value)!), { subject: 's', compatibilityLevel: 'FULL' });
    const [global] = eventToRecords({ t: 'config', subject: null, compatibility: 'NONE' });
    assert.equal(text(global!.key), '{"keytype":"CONFIG","magic":0}');
    assert.deepEqual(JSON.parse(text(global!.value)!), { compatibilityLevel: 'NONE' });
    const [cfgGone] = eventToRecords({ t: 'config', subject: 's', compatibility: null });
    assert.equal(cfgGone!.value, null);
    const [mode] = eventToRecords({ t: 'mode', subject: 's', mode: 'READONLY' });
    assert.equal(text(mode!.key), '{"keytype":"MODE","subject":"s","magic":0}');
    assert.deepEqual(JSON.parse(text(mode!.value)!), { subject: 's', mode: 'READONLY' });
    const noop = noopRecord();
    assert.equal(text(noop.key), '{"keytype":"NOOP","magic":0}');
    assert.equal(noop.value, null);
  });

  test("reads records as Confluent's registry and other writers store them", () => {
    const b = (s: string) => Buffer.from(s);
    // An older writer: no schemaType (AVRO), "subject": null for the global config.
    assert.deepEqual(
      recordToEvent(
        b('{"keytype":"SCHEMA","subject":"x","version":1,"magic":1}'),
        b(`{"subject":"x","version":1,"id":1,"schema":${JSON.stringify(user)},"deleted":false}`),
      ),
      {
        t: 'version',
        subject: 'x',
        version: 1,
        id: 1,
        schemaType: 'AVRO',
        schema: user,
        references: [],
        deleted: false,
      },
    );
    assert.deepEqual(
      recordToEvent(b('{"keytype":"CONFIG","subject":null,"magic":0}'), b('{"compatibilityLevel":"FULL"}')),
      { t: 'config', subject: null, compatibility: 'FULL' },
    );
    assert.deepEqual(
      recordToEvent(
        b('{"keytype":"DELETE_SUBJECT","subject":"x","magic":0}'),
        b('{"subject":"x","version":2}'),
      ),
      { t: 'delete-subject', subject: 'x', version: 2 },
    );
    assert.equal(recordToEvent(b('{"keytype":"NOOP","magic":0}'), null), null);
    assert.equal(
      recordToEvent(b('{"keytype":"CONTEXT","tenant":"t","context":".c","magic":0}'), b('{}')),
      null,
    );
    assert.throws(() => recordToEvent(b('{"keytype":"BOGUS"}'), null), /unknown keytype "BOGUS"/);
    assert.throws(() => recordToEvent(b('not json'), null), /the key is not JSON/);
  });
});

describe('a registry kept in a shared log', () => {
  test('changes go to the log; a second registry on the log reads them, a restarted one rebuilds the same state', async () => {
    const log = new MemoryLog();
    const a = new SchemaRegistry(await LogStorage.open(log.reader()));
    const b = new SchemaRegistry(await LogStorage.open(log.reader()));
    assert.deepEqual(a.register('orders-value', { schema: user }), { id: 1, version: 1 });
    assert.deepEqual(a.register('orders-value', { schema: user2 }), { id: 2, version: 2 });
    a.setCompatibility('orders-value', 'FULL');
    a.setMode(null, 'READWRITE');
    await a.flush();
    assert.equal(log.records.length, 4);
    await tick();
    assert.equal(b.version('orders-value', 'latest').id, 2);
    assert.equal(b.compatibility('orders-value'), 'FULL');

    a.deleteVersion('orders-value', 2, false);
    await a.flush();
    await tick();
    assert.deepEqual(b.versions('orders-value'), [1]);
    // b's own change reaches a; a's own records read back are not applied twice.
    assert.deepEqual(b.register('items-value', { schema: user2 }), { id: 2, version: 1 });
    await b.flush();
    await tick();
    assert.deepEqual(a.subjects(), ['items-value', 'orders-value']);
    assert.equal(log.records.length, 6);
  });

  test('soft and permanent deletes travel as Confluent records and replay to the same state', async () => {
    const log = new MemoryLog();
    const a = new SchemaRegistry(await LogStorage.open(log.reader()));
    a.register('s', { schema: user });
    a.register('s', { schema: user2 });
    a.register('t', { schema: user });
    a.setCompatibility('t', 'NONE');
    a.deleteVersion('s', 2, false);
    a.deleteSubject('t', false);
    a.deleteSubject('t', true);
    await a.flush();
    const keys = log.records.map((r) => JSON.parse(text(r.key)!).keytype);
    assert.deepEqual(keys, [
      'SCHEMA',
      'SCHEMA',
      'SCHEMA',
      'CONFIG',
      'SCHEMA',
      'DELETE_SUBJECT',
      'SCHEMA',
      'CONFIG',
    ]);
    assert.equal(log.records[6]!.value, null, 'the permanent delete is a tombstone');
    assert.equal(log.records[7]!.value, null, "the subject's config goes with its last version");

    const replay = new SchemaRegistry(await LogStorage.open(log.reader()));
    assert.deepEqual(replay.versions('s'), [1]);
    assert.deepEqual(replay.versions('s', true), [1, 2]);
    assert.deepEqual(replay.subjects(true), ['s']);
    assert.equal(replay.schemaById(1).schema, a.schemaById(1).schema);
    assert.throws(() => replay.compatibility('t'), /does not have subject-level compatibility/);

    // After compaction only the last record per key is left: the state must not change.
    const last = new Map<string, RegistryRecord>();
    for (const r of log.records) {
      last.delete(text(r.key)!);
      last.set(text(r.key)!, r);
    }
    const compacted = new MemoryLog();
    compacted.records.push(...[...last.values()].filter((r) => r.value !== null));
    const afterCompaction = new SchemaRegistry(await LogStorage.open(compacted.reader()));
    assert.deepEqual(afterCompaction.versions('s', true), [1, 2]);
    assert.deepEqual(afterCompaction.versions('s'), [1]);
    assert.deepEqual(afterCompaction.subjects(true), ['s']);
  });

  test('a later record giving a taken id to another schema is ignored, as Confluent ignores it', async () => {
    const log = new MemoryLog();
    const a = new SchemaRegistry(await LogStorage.open(log.reader()));
    a.register('s', { schema: user });
    await a.flush();
    const [clash] = eventToRecords({
      t: 'version',
      subject: 'u',
      version: 1,
      id: 1,
      schemaType: 'AVRO',
      schema: user2,
      references: [],
      deleted: false,
    });
    log.records.push(clash!);
    const b = new SchemaRegistry(await LogStorage.open(log.reader()));
    assert.equal(b.schemaById(1).schema, a.schemaById(1).schema);
  });

  test('a change the log refuses: flush() rejects, so the REST answer is an error', async () => {
    const log = new MemoryLog();
    const a = new SchemaRegistry(await LogStorage.open(log.reader()));
    log.fail = true;
    a.register('s', { schema: user });
    await assert.rejects(a.flush(), /the log is down/);
    log.fail = false;
    a.register('s', { schema: user2 });
    await a.flush();
    assert.equal(log.records.length, 1);
  });
});
