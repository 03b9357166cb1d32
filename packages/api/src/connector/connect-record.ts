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

  /**
   * A record of `fields`; or, with `base`, a copy of `base` with the fields present in `fields`
   * (even as null) replacing its own, and its headers duplicated unless `fields` has headers:
   * {@link newRecord}'s way, without building the whole field set first.
   */
  constructor(fields: ConnectRecordFields, base?: ConnectRecord<R>) {
    if (base === undefined) {
      if (typeof fields.topic !== 'string') throw new TypeError('A record needs a topic');
      this.topic = fields.topic;
      this.kafkaPartition = fields.kafkaPartition ?? null;
      this.keySchema = fields.keySchema ?? null;
      this.key = fields.key ?? null;
      this.valueSchema = fields.valueSchema ?? null;
      this.value = fields.value ?? null;
      this.timestamp = fields.timestamp ?? null;
      this.headers = fields.headers ?? new ConnectHeaders();
      return;
    }
    const topic = 'topic' in fields ? fields.topic : base.topic;
    if (typeof topic !== 'string') throw new TypeError('A record needs a topic');
    this.topic = topic;
    this.kafkaPartition = ('kafkaPartition' in fields ? fields.kafkaPartition : base.kafkaPartition) ?? null;
    this.keySchema = ('keySchema' in fields ? fields.keySchema : base.keySchema) ?? null;
    this.key = ('key' in fields ? fields.key : base.key) ?? null;
    this.valueSchema = ('valueSchema' in fields ? fields.valueSchema : base.valueSchema) ?? null;
    this.value = ('value' in fields ? fields.value : base.value) ?? null;
    this.timestamp = ('timestamp' in fields ? fields.timestamp : base.timestamp) ?? null;
    this.headers = fields.headers ?? base.headers.duplicate();
  }

  /** A copy of this record with `changes` applied; headers are copied so the copy can change them freely. */
  abstract newRecord(changes: RecordChanges): R;

  toString(): string {
    return `${this.constructor.name}{topic='${this.topic}', kafkaPartition=${this.kafkaPartition}, key=${String(this.key)}, keySchema=${String(this.keySchema)}, value=${String(this.value)}, valueSchema=${String(this.valueSchema)}, timestamp=${this.timestamp}, headers=${this.headers.size}}`;
  }
}
