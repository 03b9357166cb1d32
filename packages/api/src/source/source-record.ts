import { ConnectRecord, type ConnectRecordFields, type RecordChanges } from '../connector/connect-record.ts';

/** A connector-defined source partition or offset: a JSON-compatible map. */
export type SourceMap = Readonly<Record<string, unknown>>;

export interface SourceRecordFields extends ConnectRecordFields {
  sourcePartition: SourceMap | null;
  sourceOffset: SourceMap | null;
}

/**
 * A record read from a source system (`org.apache.kafka.connect.source.SourceRecord`), with the
 * source partition and offset the runtime stores so a restart resumes after it.
 */
export class SourceRecord extends ConnectRecord<SourceRecord> {
  readonly sourcePartition: SourceMap | null;
  readonly sourceOffset: SourceMap | null;

  /** With `base`, `fields` holds only changes and the source partition and offset are `base`'s (see ConnectRecord). */
  constructor(fields: SourceRecordFields, base?: SourceRecord) {
    super(fields, base);
    this.sourcePartition = base === undefined ? fields.sourcePartition : base.sourcePartition;
    this.sourceOffset = base === undefined ? fields.sourceOffset : base.sourceOffset;
  }

  newRecord(changes: RecordChanges): SourceRecord {
    return new SourceRecord(changes as SourceRecordFields, this);
  }
}

/** Where a produced record landed (`RecordMetadata`), passed to `SourceTask.commitRecord`. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
}
