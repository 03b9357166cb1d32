import { ConnectRecord, type ConnectRecordFields, type RecordChanges } from '../connector/connect-record.ts';

/** How a record's timestamp was set (`TimestampType`). */
export type TimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

export interface SinkRecordFields extends ConnectRecordFields {
  kafkaPartition: number;
  kafkaOffset: number;
  timestampType?: TimestampType;
  originalTopic?: string;
  originalKafkaPartition?: number;
  originalKafkaOffset?: number;
}

/**
 * A record read from Kafka for a sink (`org.apache.kafka.connect.sink.SinkRecord`). The original
 * topic, partition and offset survive transforms that rename or repartition the record, so
 * offsets are committed for where it was really read.
 */
export class SinkRecord extends ConnectRecord<SinkRecord> {
  /** Always set for sink records. */
  declare readonly kafkaPartition: number;
  readonly kafkaOffset: number;
  readonly timestampType: TimestampType;
  readonly originalTopic: string;
  readonly originalKafkaPartition: number;
  readonly originalKafkaOffset: number;

  /**
   * With `base`, `fields` holds only changes (see ConnectRecord): the offset, timestamp type and
   * original coordinates are `base`'s, and a partition changed to null falls back to the original.
   */
  constructor(fields: SinkRecordFields, base?: SinkRecord) {
    super(fields, base);
    if (base === undefined) {
      this.kafkaOffset = fields.kafkaOffset;
      this.timestampType = fields.timestampType ?? 'NoTimestampType';
      this.originalTopic = fields.originalTopic ?? fields.topic;
      this.originalKafkaPartition = fields.originalKafkaPartition ?? fields.kafkaPartition;
      this.originalKafkaOffset = fields.originalKafkaOffset ?? fields.kafkaOffset;
    } else {
      if (this.kafkaPartition === null) this.kafkaPartition = base.originalKafkaPartition;
      this.kafkaOffset = base.kafkaOffset;
      this.timestampType = base.timestampType;
      this.originalTopic = base.originalTopic;
      this.originalKafkaPartition = base.originalKafkaPartition;
      this.originalKafkaOffset = base.originalKafkaOffset;
    }
  }

  newRecord(changes: RecordChanges): SinkRecord {
    return new SinkRecord(changes as SinkRecordFields, this);
  }
}
