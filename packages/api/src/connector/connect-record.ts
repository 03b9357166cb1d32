import type { Schema } from '../data/schema.ts';
import { ConnectHeaders } from '../header/headers.ts';

/** The fields every record has; all but `topic` default to null (headers to empty). */
export interface ConnectRecordFields {
  topic: string;
  kafkaPartition?: number | null;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  /** Epoch milliseconds. */
  timestamp?: number | null;
  headers?: ConnectHeaders | null;
}

/** Changes for {@link ConnectRecord.newRecord}: a key that is present (even as null) replaces that field. */
export type RecordChanges = Partial<ConnectRecordFields>;

/**
 * The base of source and sink records (`org.apache.kafka.connect.connector.ConnectRecord`).
 * Records are immutable; transforms derive changed copies with {@link newRecord}.
 */
export abstract class ConnectRecord<R extends ConnectRecord<R>> {
  readonly topic: string;
  readonly kafkaPartition: number | null;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: unknown;
  readonly timestamp: number | null;
  readonly headers: ConnectHeaders;

  constructor(fields: ConnectRecordFields) {
    if (typeof fields.topic !== 'string') throw new TypeError('A record needs a topic');
    this.topic = fields.topic;
    this.kafkaPartition = fields.kafkaPartition ?? null;
    this.keySchema = fields.keySchema ?? null;
    this.key = fields.key ?? null;
    this.valueSchema = fields.valueSchema ?? null;
    this.value = fields.value ?? null;
    this.timestamp = fields.timestamp ?? null;
    this.headers = fields.headers ?? new ConnectHeaders();
  }

  /** A copy of this record with `changes` applied; headers are copied so the copy can change them freely. */
  abstract newRecord(changes: RecordChanges): R;

  /** The fields after applying `changes`, for subclasses' {@link newRecord}. */
  protected changed(changes: RecordChanges): ConnectRecordFields {
    return {
      topic: 'topic' in changes ? changes.topic! : this.topic,
      kafkaPartition: 'kafkaPartition' in changes ? changes.kafkaPartition : this.kafkaPartition,
      keySchema: 'keySchema' in changes ? changes.keySchema : this.keySchema,
      key: 'key' in changes ? changes.key : this.key,
      valueSchema: 'valueSchema' in changes ? changes.valueSchema : this.valueSchema,
      value: 'value' in changes ? changes.value : this.value,
      timestamp: 'timestamp' in changes ? changes.timestamp : this.timestamp,
      headers: 'headers' in changes && changes.headers ? changes.headers : this.headers.duplicate(),
    };
  }

  toString(): string {
    return `${this.constructor.name}{topic='${this.topic}', kafkaPartition=${this.kafkaPartition}, key=${String(this.key)}, keySchema=${String(this.keySchema)}, value=${String(this.value)}, valueSchema=${String(this.valueSchema)}, timestamp=${this.timestamp}, headers=${this.headers.size}}`;
  }
}
