import {
  ConnectHeaders,
  type ConnectRecord,
  type Schema,
  SinkRecord,
  SourceRecord,
  type Transformation,
} from '@sluice/api';

export interface RecordParts {
  topic?: string;
  partition?: number | null;
  keySchema?: Schema | null;
  key?: unknown;
  valueSchema?: Schema | null;
  value?: unknown;
  timestamp?: number | null;
  headers?: ConnectHeaders;
}

/** A source record with sensible defaults (topic `test`, partition 0, timestamp 1700000000000). */
export function sourceRecord(parts: RecordParts = {}): SourceRecord {
  return new SourceRecord({
    topic: parts.topic ?? 'test',
    kafkaPartition: parts.partition === undefined ? 0 : parts.partition,
    keySchema: parts.keySchema ?? null,
    key: parts.key ?? null,
    valueSchema: parts.valueSchema ?? null,
    value: parts.value ?? null,
    timestamp: parts.timestamp === undefined ? 1_700_000_000_000 : parts.timestamp,
    headers: parts.headers ?? new ConnectHeaders().addString('h1', 'one'),
    sourcePartition: { file: 'f' },
    sourceOffset: { position: 1 },
  });
}

/** A sink record at offset 42 of partition 3. */
export function sinkRecord(parts: RecordParts = {}): SinkRecord {
  return new SinkRecord({
    topic: parts.topic ?? 'test',
    kafkaPartition: parts.partition ?? 3,
    kafkaOffset: 42,
    keySchema: parts.keySchema ?? null,
    key: parts.key ?? null,
    valueSchema: parts.valueSchema ?? null,
    value: parts.value ?? null,
    timestamp: parts.timestamp === undefined ? 1_700_000_000_000 : parts.timestamp,
    timestampType: 'CreateTime',
    headers: parts.headers ?? new ConnectHeaders(),
  });
}

/** A configured transformation instance. */
export function configured<T extends { configure(c: Record<string, unknown>): void }>(
  cls: new () => T,
  configs: Record<string, unknown>,
): T {
  const t = new cls();
  t.configure(configs);
  return t;
}

/** Applies and asserts a record came out. */
export function applied<R extends ConnectRecord<R>>(t: Transformation<R>, record: R): R {
  const out = t.apply(record);
  if (out === null) throw new Error('record was dropped');
  return out;
}
