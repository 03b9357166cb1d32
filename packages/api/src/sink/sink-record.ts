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

  constructor(fields: SinkRecordFields) {
    super(fields);
    this.kafkaOffset = fields.kafkaOffset;
    this.timestampType = fields.timestampType ?? 'NoTimestampType';
    this.originalTopic = fields.originalTopic ?? fields.topic;
    this.originalKafkaPartition = fields.originalKafkaPartition ?? fields.kafkaPartition;
    this.originalKafkaOffset = fields.originalKafkaOffset ?? fields.kafkaOffset;
  }

  newRecord(changes: RecordChanges): SinkRecord {
    const f = this.changed(changes) as SinkRecordFields;
    f.kafkaPartition ??= this.originalKafkaPartition;
    f.kafkaOffset = this.kafkaOffset;
    f.timestampType = this.timestampType;
    f.originalTopic = this.originalTopic;
    f.originalKafkaPartition = this.originalKafkaPartition;
    f.originalKafkaOffset = this.originalKafkaOffset;
    return new SinkRecord(f);
  }
}
