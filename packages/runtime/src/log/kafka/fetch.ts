/**
 * The read part of the Kafka {@link LogClient} ({@link LogReader}): fetches through the library's
 * low-level Fetch API on connections of their own (the library's high-level consumer has no
 * per-partition pause/resume/seek; a sink task drives fetch offsets itself), the response decoded
 * by Sluice (fetch-response.ts, ADR 0007); and the earliest, latest and by-timestamp offsets of
 * partitions (ListOffsets, through the library's `Admin`).
 */

import type { Admin, API, ClusterMetadata, fetchV17, Writer } from '@platformatic/kafka';
import { ConnectError } from '@sluice/api';
import type {
  FetchedPartition,
  FetchOptions,
  FetchPartitionRequest,
  ListedOffset,
  LogReader,
  LogRecord,
  OffsetSpec,
  PartitionError,
  TimestampOffset,
  TimestampOffsetRequest,
  TopicPartition,
} from '../log-client.ts';
import { throwMissingTopics } from './admin.ts';
import { isUnknownTopic, toConnectError, toSafeNumber } from './errors.ts';
import {
  appendLogRecords,
  batchRecords,
  type FastFetchResponse,
  type FetchedBatch,
  type FetchedPartitionData,
  LazyLogRecords,
  parseFetchResponse,
} from './fetch-response.ts';
import { kafkaLibrary } from './library.ts';
import { getApi, getConnection, type LibraryClients } from './library-clients.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;

export class KafkaReader implements LogReader {
  readonly #clients: LibraryClients;

  constructor(clients: LibraryClients) {
    this.#clients = clients;
  }

  async fetch(partitions: FetchPartitionRequest[], options: FetchOptions = {}): Promise<FetchedPartition[]> {
    const results = new Array<FetchedPartition>(partitions.length);
    if (partitions.length === 0) return results;
    const client = this.#clients.fetcher();
    const readCommitted = options.isolationLevel === 'read_committed';
    const maxPartitionBytes = options.maxPartitionBytes ?? 1024 * 1024;

    const seen = new Set<string>();
    for (const p of partitions) {
      const key = `${p.partition}\0${p.topic}`;
      if (seen.has(key))
        throw new ConnectError(`Partition ${p.topic}-${p.partition} appears twice in one fetch`);
      seen.add(key);
    }
    const metadata = await this.#fetchMetadata(client, [...new Set(partitions.map((p) => p.topic))]);
    // Group the partitions by leader; report the ones that cannot be fetched right away.
    const byLeader = new Map<number, number[]>();
    for (let i = 0; i < partitions.length; i++) {
      const request = partitions[i]!;
      const topic = metadata.topics.get(request.topic);
      if (topic === undefined || request.partition < 0 || request.partition >= topic.partitionsCount) {
        results[i] = failedPartition(request, 'UNKNOWN_TOPIC_OR_PARTITION');
        continue;
      }
      const leader = topic.partitions[request.partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        results[i] = failedPartition(request, 'LEADER_NOT_AVAILABLE');
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(i);
    }
    if (byLeader.size === 0) return results;

    const api = await fetchApi(client);
    const useTopicNames = api.version <= 12;
    await Promise.all(
      [...byLeader].map(async ([leader, indexes]) => {
        const broker = metadata.brokers.get(leader)!;
        // Build the request: topics by id (v13+) or by name, partitions in request order.
        const topicsById = new Map<string, FetchRequestTopic>();
        for (const i of indexes) {
          const request = partitions[i]!;
          const topicKey = useTopicNames ? request.topic : metadata.topics.get(request.topic)!.id;
          let topic = topicsById.get(topicKey);
          if (topic === undefined) {
            topic = { topicId: topicKey, partitions: [] };
            topicsById.set(topicKey, topic);
          }
          topic.partitions.push({
            partition: request.partition,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(request.offset),
            lastFetchedEpoch: -1,
            partitionMaxBytes: request.maxBytes ?? maxPartitionBytes,
          });
        }
        let response: FastFetchResponse;
        try {
          const connection = await getConnection(client, broker);
          response = await api.async(
            connection,
            options.maxWaitMs ?? 500,
            options.minBytes ?? 1,
            options.maxBytes ?? 50 * 1024 * 1024,
            readCommitted
              ? kafkaLibrary().FetchIsolationLevels.READ_COMMITTED
              : kafkaLibrary().FetchIsolationLevels.READ_UNCOMMITTED,
            0, // no fetch session: every request is complete in itself (sessionless, epoch -1)
            -1,
            [...topicsById.values()],
            [],
            '',
          );
          if (response.errorCode !== 0) {
            const code =
              kafkaLibrary().protocolErrorsCodesById[response.errorCode] ?? `ERROR_${response.errorCode}`;
            throw new ConnectError(`Fetch failed: ${code}`);
          }
        } catch (err) {
          client.clearMetadata();
          throw toConnectError(err, `Fetch from broker ${leader} (${broker.host}:${broker.port}) failed`);
        }
        // Index the response, then answer in request order.
        const names = new Map<string, string>();
        if (!useTopicNames) for (const [name, t] of metadata.topics) names.set(t.id, name);
        const answered = new Map<string, FetchedPartitionData>();
        for (const topicResponse of response.responses) {
          const name = useTopicNames ? topicResponse.topic : (names.get(topicResponse.topic) ?? '');
          for (const p of topicResponse.partitions) answered.set(`${p.partitionIndex}\0${name}`, p);
        }
        for (const i of indexes) {
          const request = partitions[i]!;
          const p = answered.get(`${request.partition}\0${request.topic}`);
          if (p === undefined) {
            results[i] = failedPartition(
              request,
              'UNKNOWN_SERVER_ERROR',
              'The broker did not answer for the partition',
            );
            continue;
          }
          if (p.errorCode !== 0) {
            const failed = failedPartition(
              request,
              kafkaLibrary().protocolErrorsCodesById[p.errorCode] ?? `ERROR_${p.errorCode}`,
            );
            failed.highWatermark = p.highWatermark;
            failed.logStartOffset = p.logStartOffset;
            failed.lastStableOffset = p.lastStableOffset;
            if (failed.error?.retriable === true) client.clearMetadata();
            results[i] = failed;
            continue;
          }
          results[i] = decodePartition(request, p, readCommitted, options.lazy === true);
        }
      }),
    );
    return results;
  }

  /** Metadata for the topics; a missing topic is left out rather than failing the whole call. */
  async #fetchMetadata(client: Admin, topics: string[]): Promise<ClusterMetadata> {
    try {
      // No retries first: the library retries an unknown topic like a transient error.
      return await client.metadata({ topics, retries: 0 });
    } catch (err) {
      if (!isUnknownTopic(err)) {
        try {
          return await client.metadata({ topics });
        } catch (again) {
          if (!isUnknownTopic(again)) throw toConnectError(again, 'Could not read metadata for fetch');
        }
      }
    }
    // Some topic is missing: ask topic by topic and keep the ones that exist.
    const merged: ClusterMetadata = {
      id: '',
      brokers: new Map(),
      controllerId: -1,
      topics: new Map(),
      lastUpdate: Date.now(),
    };
    for (const topic of topics) {
      try {
        const one = await client.metadata({ topics: [topic], forceUpdate: true, retries: 0 });
        merged.id = one.id;
        merged.brokers = one.brokers;
        merged.controllerId = one.controllerId;
        const t = one.topics.get(topic);
        if (t !== undefined) merged.topics.set(topic, t);
      } catch (err) {
        if (!isUnknownTopic(err)) throw toConnectError(err, 'Could not read metadata for fetch');
      }
    }
    return merged;
  }

  async listOffsets(
    partitions: TopicPartition[],
    spec: OffsetSpec,
    options: { isolationLevel?: FetchOptions['isolationLevel'] } = {},
  ): Promise<ListedOffset[]> {
    const { ListOffsetTimestamps } = kafkaLibrary();
    const timestamp = spec === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST;
    const found = await this.#listOffsets(
      partitions.map((p) => ({ ...p, timestamp })),
      `Could not list the ${spec} offsets`,
      options.isolationLevel === 'read_committed',
    );
    return partitions.map((p) => {
      const o = found.get(`${p.partition}\0${p.topic}`);
      if (o === undefined) throw new ConnectError(`No ${spec} offset returned for ${p.topic}-${p.partition}`);
      return { topic: p.topic, partition: p.partition, offset: o.offset };
    });
  }

  async offsetsForTimes(requests: TimestampOffsetRequest[]): Promise<TimestampOffset[]> {
    const found = await this.#listOffsets(
      requests.map((r) => ({ topic: r.topic, partition: r.partition, timestamp: BigInt(r.timestamp) })),
      'Could not look up offsets by timestamp',
    );
    return requests.map((r) => {
      const o = found.get(`${r.partition}\0${r.topic}`);
      const none = o === undefined || o.offset < 0;
      return {
        topic: r.topic,
        partition: r.partition,
        offset: none ? null : o.offset,
        timestamp: none ? null : o.timestamp,
      };
    });
  }

  async #listOffsets(
    requests: Array<TopicPartition & { timestamp: bigint }>,
    what: string,
    readCommitted = false,
  ): Promise<Map<string, { offset: number; timestamp: number }>> {
    const found = new Map<string, { offset: number; timestamp: number }>();
    if (requests.length === 0) return found;
    const byTopic = new Map<string, Array<{ partitionIndex: number; timestamp: bigint }>>();
    for (const r of requests) {
      let list = byTopic.get(r.topic);
      if (list === undefined) {
        list = [];
        byTopic.set(r.topic, list);
      }
      list.push({ partitionIndex: r.partition, timestamp: r.timestamp });
    }
    let listed: Awaited<ReturnType<Admin['listOffsets']>>;
    try {
      listed = await this.#clients.admin().listOffsets({
        topics: [...byTopic].map(([name, parts]) => ({ name, partitions: parts })),
        isolationLevel: readCommitted
          ? kafkaLibrary().FetchIsolationLevels.READ_COMMITTED
          : kafkaLibrary().FetchIsolationLevels.READ_UNCOMMITTED,
      });
    } catch (err) {
      if (isUnknownTopic(err)) await throwMissingTopics(this.#clients, [...byTopic.keys()], err);
      throw toConnectError(err, what);
    }
    for (const topic of listed) {
      for (const p of topic.partitions) {
        found.set(`${p.partitionIndex}\0${topic.name}`, {
          offset: toSafeNumber(p.offset),
          timestamp: toSafeNumber(p.timestamp),
        });
      }
    }
    return found;
  }
}

type FetchArgs = [
  maxWaitMs: number,
  minBytes: number,
  maxBytes: number,
  isolationLevel: number,
  sessionId: number,
  sessionEpoch: number,
  topics: FetchRequestTopic[],
  forgottenTopicsData: [],
  rackId: string,
];

/** The library's Fetch request builders by version (taken on first use: library.ts). */
function fetchRequest(version: number): ((...args: FetchArgs) => Writer) | undefined {
  const { fetchV12, fetchV13, fetchV14, fetchV15, fetchV16, fetchV17 } = kafkaLibrary();
  return new Map<number, (...args: FetchArgs) => Writer>([
    [12, fetchV12.createRequest as (...args: FetchArgs) => Writer],
    [13, fetchV13.createRequest as (...args: FetchArgs) => Writer],
    [14, fetchV14.createRequest as (...args: FetchArgs) => Writer],
    [15, fetchV15.createRequest as (...args: FetchArgs) => Writer],
    [16, fetchV16.createRequest as (...args: FetchArgs) => Writer],
    [17, fetchV17.createRequest as (...args: FetchArgs) => Writer],
  ]).get(version);
}
const fetchApis = new Map<number, API<FetchArgs, FastFetchResponse>>();

/**
 * The Fetch API at the version the library negotiated (12 to 17: the flexible versions), its
 * request built by the library and its response decoded by {@link parseFetchResponse}.
 */
async function fetchApi(client: Admin): Promise<API<FetchArgs, FastFetchResponse>> {
  const negotiated = await getApi<unknown[], unknown>(client, 'Fetch');
  const version = Math.min(negotiated.version, 17);
  const createRequest = fetchRequest(version);
  if (createRequest === undefined)
    throw new ConnectError(
      `The brokers support Fetch up to version ${negotiated.version}; Sluice needs 12 or later`,
    );
  let api = fetchApis.get(version);
  if (api === undefined) {
    api = kafkaLibrary().createAPI<FetchArgs, FastFetchResponse>(
      1,
      version,
      createRequest,
      (_id, _key, _version, reader) => {
        const rest = reader.buffer.subarray(reader.position);
        return parseFetchResponse(Buffer.isBuffer(rest) ? rest : rest.buffer, version);
      },
    );
    fetchApis.set(version, api);
  }
  return api;
}

function failedPartition(request: FetchPartitionRequest, code: string, message?: string): FetchedPartition {
  const definition = kafkaLibrary().protocolErrors[code];
  return {
    topic: request.topic,
    partition: request.partition,
    records: [],
    nextOffset: request.offset,
    highWatermark: -1,
    logStartOffset: -1,
    lastStableOffset: -1,
    error: {
      code,
      message: message ?? definition?.message ?? code,
      retriable: definition?.canRetry ?? false,
    } satisfies PartitionError,
  };
}

/**
 * Turns a partition's record batches into LogRecords from the requested offset on: all at once in
 * `records`, or (`lazy`) the batches to read kept for {@link LazyLogRecords} to decode on demand.
 */
function decodePartition(
  request: FetchPartitionRequest,
  response: FetchedPartitionData,
  readCommitted: boolean,
  lazy: boolean,
): FetchedPartition {
  const records: LogRecord[] = [];
  const kept: FetchedBatch[] = [];
  const fetchOffset = request.offset;
  let nextOffset = fetchOffset;
  const batches = response.batches;
  // read_committed: producers whose open transaction was aborted, per Kafka's consumer.
  const aborted =
    readCommitted && response.abortedTransactions !== null && response.abortedTransactions.length > 0
      ? [...response.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset)
      : undefined;
  const abortedProducers = new Set<bigint>();
  let abortedIndex = 0;
  const { IS_CONTROL, IS_TRANSACTIONAL } = kafkaLibrary();
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!;
    const base = batch.firstOffset;
    const lastOffset = base + batch.lastOffsetDelta;
    if (lastOffset < fetchOffset) continue;
    const isControl = (batch.attributes & IS_CONTROL) !== 0;
    if (aborted !== undefined) {
      while (abortedIndex < aborted.length && aborted[abortedIndex]!.firstOffset <= lastOffset) {
        abortedProducers.add(aborted[abortedIndex]!.producerId);
        abortedIndex++;
      }
      if (isControl) {
        // Control record key: version (int16), type (int16; 0 = abort, 1 = commit).
        const key = batchRecords(batch)[0]?.key;
        if (key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === 0) {
          abortedProducers.delete(batch.producerId);
        }
      } else if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId)) {
        nextOffset = lastOffset + 1;
        continue;
      }
    }
    if (isControl) {
      nextOffset = lastOffset + 1;
      continue;
    }
    if (lazy) kept.push(batch);
    else appendLogRecords(batch, request.topic, request.partition, fetchOffset, records);
    nextOffset = lastOffset + 1;
  }
  return {
    topic: request.topic,
    partition: request.partition,
    records,
    ...(lazy ? { lazyRecords: new LazyLogRecords(kept, request.topic, request.partition, fetchOffset) } : {}),
    nextOffset,
    highWatermark: response.highWatermark,
    logStartOffset: response.logStartOffset,
    lastStableOffset: response.lastStableOffset,
  };
}
