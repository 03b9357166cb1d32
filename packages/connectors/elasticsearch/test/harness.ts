/** Helpers for the tests on a real OpenSearch node: records, a task driven directly, and reading the index back. */
import {
  type ErrantRecordReporter,
  type OffsetAndMetadata,
  type Schema,
  SinkRecord,
  type StringMap,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { ElasticsearchSinkTask, type TaskLogger } from '@sluice/connector-elasticsearch';
import { http, type Json, TestSinkTaskContext } from '@sluice/testing';

export interface Doc {
  _id: string;
  _version?: number;
  _source: Record<string, unknown>;
}

/** Messages a task or connector logged. */
export class MemoryLogger implements TaskLogger {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
  info(message: string): void {
    this.infos.push(message);
  }
}

/** A task context with an errant record reporter that keeps what it is given. */
export class ReportingContext extends TestSinkTaskContext {
  readonly reported: { record: SinkRecord; error: Error }[] = [];
  override errantRecordReporter(): ErrantRecordReporter {
    return {
      report: async (record, error) => {
        this.reported.push({ record, error });
      },
    };
  }
}

export function record(
  topic: string,
  offset: number,
  key: unknown,
  value: unknown,
  options: {
    keySchema?: Schema | null;
    valueSchema?: Schema | null;
    partition?: number;
    timestamp?: number;
  } = {},
): SinkRecord {
  return new SinkRecord({
    topic,
    kafkaPartition: options.partition ?? 0,
    kafkaOffset: offset,
    key,
    keySchema: options.keySchema ?? null,
    value,
    valueSchema: options.valueSchema ?? null,
    timestamp: options.timestamp ?? 1_700_000_000_000 + offset,
  });
}

export async function startTask(
  url: string,
  props: StringMap,
  options: { context?: TestSinkTaskContext; task?: ElasticsearchSinkTask } = {},
): Promise<{ task: ElasticsearchSinkTask; logger: MemoryLogger; context: TestSinkTaskContext }> {
  const logger = new MemoryLogger();
  const task = options.task ?? new ElasticsearchSinkTask({ logger });
  task.logger = logger;
  const config = { 'connection.url': url, 'read.timeout.ms': '30000', ...props };
  const context = options.context ?? new TestSinkTaskContext(config);
  task.initialize(context);
  await task.start(config);
  return { task, logger, context };
}

/** The offsets map the runtime would pass: one partition at `offset`. */
export function offsets(topic: string, offset: number, partition = 0): TopicPartitionMap<OffsetAndMetadata> {
  return new TopicPartitionMap<OffsetAndMetadata>([[new TopicPartition(topic, partition), { offset }]]);
}

export async function flush(task: ElasticsearchSinkTask, topic: string): Promise<void> {
  await task.flush(offsets(topic, 0));
}

export async function request(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await http(url, method, path, { body });
  return { status: res.status, body: res.text === '' ? null : res.json };
}

/** Every document of an index (after a refresh), sorted by id, with versions. */
export async function allDocs(url: string, index: string): Promise<Doc[]> {
  await request(url, 'POST', `/${index}/_refresh`);
  const res = await request(url, 'POST', `/${index}/_search?version=true`, {
    size: 10000,
    query: { match_all: {} },
  });
  if (res.status !== 200) throw new Error(`search ${index}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.hits.hits as Doc[])
    .map((h) => ({ _id: h._id, _version: h._version, _source: h._source }))
    .sort((a, b) => a._id.localeCompare(b._id, 'en', { numeric: true }));
}

export async function getDoc(url: string, index: string, id: string): Promise<Doc | null> {
  const res = await request(url, 'GET', `/${index}/_doc/${encodeURIComponent(id)}`);
  return res.status === 404 ? null : (res.body as Doc);
}

/** The offsets of a preCommit answer, in order. */
export function values(map: TopicPartitionMap<OffsetAndMetadata>): OffsetAndMetadata[] {
  return [...map].map(([, v]) => v);
}
