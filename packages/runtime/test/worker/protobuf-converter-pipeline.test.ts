/**
 * io.confluent.connect.protobuf.ProtobufConverter in a running worker: a FileStream source → the
 * embedded log → a FileStream sink, both with Confluent's converter config, against Sluice's
 * registry in its own process. FileStreamSource's values are strings: Confluent's converter writes
 * them as google.protobuf.StringValue (schema google/protobuf/wrappers.proto, message index [7]).
 */
import assert from 'node:assert/strict';
import { converterPipelineTest, int32 } from '../helpers/registry-converter-pipeline.ts';

converterPipelineTest({
  name: 'protobuf',
  label: 'Protobuf',
  converterClass: 'io.confluent.connect.protobuf.ProtobufConverter',
  check(latest, log, lines) {
    // The registry holds the value schema: wrappers.proto, registered as PROTOBUF.
    assert.equal(latest.schemaType, 'PROTOBUF');
    assert.match(latest.schema, /message StringValue \{/);
    // The records in the log: magic byte, id, index list [7] (count 1, index 7, zigzag), StringValue.
    const marker = Buffer.from([0, ...int32(latest.id), 2, 14]);
    const first = Buffer.concat([marker, stringValue(lines[0]!)]);
    assert.ok(log.includes(first), 'the first record value, framed, is in the embedded log');
  },
});

/** google.protobuf.StringValue: field 1, length-delimited (the strings here are short). */
function stringValue(s: string): Buffer {
  const utf8 = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, utf8.length]), utf8]);
}
