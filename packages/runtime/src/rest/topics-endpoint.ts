/**
 * Sluice's own REST endpoint for `sluice topics --url`: the topics of the log a worker holds,
 * read and written through the worker, for the embedded log, whose directory no other process
 * may open while the worker runs. Not part of Kafka Connect's API; served under `/sluice/` only
 * when the worker passes its log (see RestServerOptions.topicLog). Keys and values travel as
 * UTF-8 text (null stays null).
 *
 *   GET  /sluice/topics                                  [{name, partitions: [{partition, start, end}]}]
 *   GET  /sluice/topics/{topic}                          {name, partitions: [...]} (404 when missing)
 *   GET  /sluice/topics/{topic}/partitions/{p}/records?offset=N&maxRecords=M&maxWaitMs=W
 *                                                        {records: [...], nextOffset, highWatermark}
 *   POST /sluice/topics/{topic}/records  {records: [{key, value, partition?}]}
 *                                                        {offsets: [{partition, offset}]}
 */
import type { FastifyInstance } from 'fastify';
import type { LogClient } from '../log/log-client.ts';
import { RestError } from './errors.ts';

export const TOPICS_ENDPOINT_PREFIX = '/sluice/topics';

interface PartitionRange {
  partition: number;
  start: number;
  end: number;
}

async function ranges(
  log: LogClient,
  topics: string[],
): Promise<Array<{ name: string; partitions: PartitionRange[] }>> {
  if (topics.length === 0) return [];
  const described = await log.describeTopics(topics);
  const result: Array<{ name: string; partitions: PartitionRange[] }> = [];
  for (const name of topics) {
    const tps = (described.get(name)?.partitions ?? []).map((p) => ({ topic: name, partition: p.partition }));
    const [start, end] = await Promise.all([
      log.listOffsets(tps, 'earliest'),
      log.listOffsets(tps, 'latest'),
    ]);
    result.push({
      name,
      partitions: tps.map((tp, i) => ({
        partition: tp.partition,
        start: start[i]!.offset,
        end: end[i]!.offset,
      })),
    });
  }
  return result;
}

function intParam(raw: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > max) {
    throw new RestError(400, `${name} must be an integer from 0 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** Registers the routes on `app`, serving `log`. */
export function registerTopicsEndpoint(app: FastifyInstance, log: LogClient): void {
  app.get(TOPICS_ENDPOINT_PREFIX, async () => ranges(log, await log.listTopics()));

  app.get(`${TOPICS_ENDPOINT_PREFIX}/:topic`, async (request) => {
    const { topic } = request.params as { topic: string };
    return (await ranges(log, [topic]))[0];
  });

  app.get(`${TOPICS_ENDPOINT_PREFIX}/:topic/partitions/:partition/records`, async (request) => {
    const { topic, partition: rawPartition } = request.params as { topic: string; partition: string };
    const query = request.query as Record<string, unknown>;
    const partition = intParam(rawPartition, 'partition', 0);
    const offset = intParam(query.offset, 'offset', 0);
    const maxRecords = intParam(query.maxRecords, 'maxRecords', 10_000, 10_000);
    const maxWaitMs = intParam(query.maxWaitMs, 'maxWaitMs', 0, 30_000);
    // About one answer's worth: the log decodes what it reads, so a large read cut short is waste.
    const [fetched] = await log.fetch([{ topic, partition, offset, maxBytes: 256 * 1024 }], { maxWaitMs });
    if (fetched === undefined) throw new RestError(500, 'no answer from the log');
    if (fetched.error !== undefined) {
      const status =
        fetched.error.code === 'UNKNOWN_TOPIC_OR_PARTITION' ? 404 : fetched.error.retriable ? 503 : 400;
      throw new RestError(status, `${topic}-${partition}: ${fetched.error.code}: ${fetched.error.message}`);
    }
    const records = fetched.records.slice(0, maxRecords);
    const last = records.at(-1);
    return {
      records: records.map((r) => ({
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: text(r.key),
        value: text(r.value),
        headers: r.headers.map(([key, value]) => ({ key, value: text(value) })),
      })),
      nextOffset:
        last === undefined || records.length === fetched.records.length
          ? fetched.nextOffset
          : last.offset + 1,
      highWatermark: fetched.highWatermark,
    };
  });

  app.post(`${TOPICS_ENDPOINT_PREFIX}/:topic/records`, async (request) => {
    const { topic } = request.params as { topic: string };
    const body = request.body as { records?: unknown } | undefined;
    if (body === undefined || body === null || !Array.isArray(body.records)) {
      throw new RestError(
        400,
        'The body must be {"records": [{"key": ..., "value": ..., "partition": ...}]}',
      );
    }
    const records = body.records.map((r: unknown, i: number) => {
      const { key, value, partition } = (r ?? {}) as { key?: unknown; value?: unknown; partition?: unknown };
      for (const [name, v] of [
        ['key', key],
        ['value', value],
      ] as const) {
        if (v !== undefined && v !== null && typeof v !== 'string') {
          throw new RestError(400, `records[${i}].${name} must be a string or null`);
        }
      }
      if (
        partition !== undefined &&
        (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0)
      ) {
        throw new RestError(400, `records[${i}].partition must be a non-negative integer`);
      }
      return {
        topic,
        key: typeof key === 'string' ? Buffer.from(key) : null,
        value: typeof value === 'string' ? Buffer.from(value) : null,
        headers: [],
        ...(partition === undefined ? {} : { partition: partition as number }),
      };
    });
    const acks = await log.produce(records);
    return { offsets: acks.map((a) => ({ partition: a.partition, offset: a.offset })) };
  });
}
