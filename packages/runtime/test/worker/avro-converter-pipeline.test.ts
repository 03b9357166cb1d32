/**
 * io.confluent.connect.avro.AvroConverter in a running worker: a FileStream source → the embedded
 * log → a FileStream sink, both with Confluent's converter config, against Sluice's registry
 * running in its own process (so the converter's requests go over real HTTP). The records in the
 * log are in Confluent's wire format under the id the registry gave the schema.
 */
import assert from 'node:assert/strict';
import { converterPipelineTest, int32 } from '../helpers/registry-converter-pipeline.ts';

converterPipelineTest({
  name: 'avro',
  label: 'Avro',
  converterClass: 'io.confluent.connect.avro.AvroConverter',
  check(latest, log, lines) {
    // The registry holds the value schema ("string": FileStreamSource's values are strings).
    assert.equal(latest.schema, '"string"');
    // The records in the log are Confluent's wire format with that id.
    const marker = Buffer.from([0, ...int32(latest.id)]);
    const first = Buffer.concat([marker, avroString(lines[0]!)]);
    assert.ok(log.includes(first), 'the first record value, framed, is in the embedded log');
  },
});

/** Avro's binary string: zig-zag varint length, then UTF-8 (the strings here are short). */
function avroString(s: string): Buffer {
  const utf8 = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([utf8.length * 2]), utf8]);
}
