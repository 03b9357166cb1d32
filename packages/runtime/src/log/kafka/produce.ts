/**
 * The produce part of the Kafka {@link LogClient} ({@link LogWriter}). Partitions are chosen here
 * as Kafka's Java producer chooses them (`../partitioner.ts`). Then one of two paths:
 * - Sluice's own Produce requests (produce-request.ts) on the library's connections, when the
 *   producer is neither idempotent nor compressing (Kafka Connect's default for task producers);
 * - else the library's `Producer`, whose gaps are filled here: offsets per record (the library
 *   reports one base offset per partition), inputs split below `max.message.bytes`, and records
 *   whose timestamps are 2^31 ms or more apart put in separate batches.
 * Both wait for a topic the broker does not know yet (`maxBlockMs`) and retry stale-metadata
 * failures until the delivery time-out, as Kafka's producer does.
 */

import type {
  Admin,
  API,
  ClusterMetadata,
  MessageToProduce,
  Producer,
  produceV11,
  ResponseParser,
} from '@platformatic/kafka';
import { ConnectError, NotFoundError, RetriableError } from '@sluice/api';
import type { LogWriter, ProduceOptions, ProduceRecord, RecordAck } from '../log-client.ts';
import { ProducerPartitioner } from '../partitioner.ts';
import { isMetadataError, METADATA_ERRORS, toConnectError, toSafeNumber } from './errors.ts';
import { kafkaLibrary } from './library.ts';
import { getApi, getConnection, type LibraryClients } from './library-clients.ts';
import { encodeRecordBatch, type ProduceTopicData, produceRequestBody } from './produce-request.ts';

type ProduceResponse = produceV11.ProduceResponse;

/**
 * The library (its dynamic-buffer 0.3.1 `writeVarInt64`) encodes a record's timestamp delta
 * wrongly once it reaches 2^31 in magnitude (its zigzag shifts by 31 instead of 63 and its
 * varint loop stops at 32 bits): the broker then stores a wrong timestamp. Records of one
 * partition are therefore sent in separate batches when their timestamps are further apart.
 */
const MAX_TIMESTAMP_DELTA = 2 ** 31 - 1;
const RECORD_OVERHEAD_BYTES = 32;

export class KafkaProducer implements LogWriter {
  readonly #clients: LibraryClients;
  /** Per-topic round-robin counter for batches of null-key records. */
  readonly #partitioner = new ProducerPartitioner();

  constructor(clients: LibraryClients) {
    this.#clients = clients;
  }

  async produce(records: ProduceRecord[], options: ProduceOptions = {}): Promise<RecordAck[]> {
    const count = records.length;
    if (count === 0) return [];
    const { signal } = options;
    const producer = this.#clients.direct() ? this.#clients.sender() : this.#clients.producer();
    const topics = new Set<string>();
    for (let i = 0; i < count; i++) topics.add(records[i]!.topic);
    const start = Date.now();
    const blockDeadline = start + (this.#clients.config.maxBlockMs ?? 60_000);
    const deliveryDeadline = start + (this.#clients.config.deliveryTimeoutMs ?? 120_000);
    const metadata = await this.#produceMetadata(producer, [...topics], blockDeadline, false, signal);

    // Choose every record's partition, as Kafka's Java producer would.
    const partitions = new Int32Array(count);
    const choose = this.#partitioner.batch();
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      const partitionCount = metadata.topics.get(record.topic)!.partitionsCount;
      const partition = choose(record.topic, record.partition, record.key, partitionCount);
      partitions[i] = partition;
    }

    if (this.#clients.direct())
      return this.#produceDirect(records, partitions, metadata, deliveryDeadline, signal);

    const acks = new Array<RecordAck>(count);
    const now = Date.now();
    const maxBytes = this.#clients.config.maxRequestBytes ?? 900_000;
    let from = 0;
    while (from < count) {
      const start = from;
      const end = librarySendEnd(records, partitions, start, now, maxBytes);
      const messages: MessageToProduce[] = [];
      for (let i = start; i < end; i++) {
        const record = records[i]!;
        messages.push(toMessage(record, partitions[i]!, record.timestamp ?? now));
      }
      const baseOffsets = new Map<string, number>();
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await (producer as Producer).send({ messages });
          for (const o of result.offsets ?? [])
            baseOffsets.set(`${o.partition}\0${o.topic}`, toSafeNumber(o.offset));
          break;
        } catch (err) {
          // The topic deleted (and maybe created again) or its leader moved since the metadata
          // was read: read it again and send again, until the delivery time-out.
          const wait = this.#clients.backoff(attempt);
          if (!isMetadataError(err) || this.#clients.closed || Date.now() + wait > deliveryDeadline)
            throw toConnectError(err, `Could not produce ${end - start} records`);
          await sleep(wait, signal);
          producer.clearMetadata();
          await this.#produceMetadata(
            producer,
            [...new Set(messages.map((m) => m.topic))],
            deliveryDeadline,
            true,
            signal,
          );
        }
      }
      fillAcks(acks, records, partitions, start, end, baseOffsets, now);
      from = end;
    }
    return acks;
  }

  /**
   * The metadata of the topics a produce writes to, once the broker knows each. Like Kafka's
   * producer, a topic the broker does not know yet (auto-created by this request, created by
   * someone else later, or deleted and being created again) is asked for again, with back-off,
   * until `deadline`; then a NotFoundError naming the topics. (A partition without a leader is
   * the send's to retry: records may go to the other partitions meanwhile.)
   */
  async #produceMetadata(
    client: Admin | Producer,
    topics: string[],
    deadline: number,
    refresh: boolean,
    signal?: AbortSignal,
  ): Promise<ClusterMetadata> {
    const autocreateTopics = this.#clients.config.autoCreateTopics ?? true;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      this.#clients.checkOpen();
      let unknown: string[] = [];
      let cause: unknown;
      try {
        // The first attempt keeps the library's own retries (network errors, a broker
        // restarting); later ones are this loop's.
        const metadata = await client.metadata({
          topics,
          autocreateTopics,
          ...(refresh || attempt > 0 ? { forceUpdate: true } : {}),
          ...(attempt > 0 ? { retries: 0 } : {}),
        });
        for (const name of topics) {
          const topic = metadata.topics.get(name);
          if (topic === undefined || topic.partitionsCount <= 0) unknown.push(name);
        }
        if (unknown.length === 0) return metadata;
      } catch (err) {
        // UNKNOWN_TOPIC_OR_PARTITION, or LEADER_NOT_AVAILABLE while the broker creates it.
        if (!isMetadataError(err)) throw toConnectError(err, 'Cannot produce: no metadata for the topics');
        unknown = topics;
        cause = err;
      }
      const now = Date.now();
      if (now >= deadline) {
        throw new NotFoundError(
          `Cannot produce: topic ${unknown.join(', ')} not present in metadata after ${now - started} ms` +
            (autocreateTopics ? '' : ' (topic auto-creation is off for this client)'),
          cause === undefined ? {} : { cause },
        );
      }
      await sleep(Math.min(this.#clients.backoff(attempt), deadline - now), signal);
      client.clearMetadata();
    }
  }

  /**
   * Produce with Sluice's own batch encoding: records are cut into requests of at most
   * `maxRequestBytes`, in input order; each request holds one batch per partition and goes to
   * the partition leaders in parallel. Partitions answering with a retriable error (leader moved,
   * not enough replicas, ...) are sent again after `retryBackoffMs`, up to `retries` times.
   */
  async #produceDirect(
    records: ProduceRecord[],
    partitions: Int32Array,
    firstMetadata: ClusterMetadata,
    deliveryDeadline: number,
    signal: AbortSignal | undefined,
  ): Promise<RecordAck[]> {
    const client = this.#clients.sender();
    const count = records.length;
    const acks = new Array<RecordAck>(count);
    const now = Date.now();
    const timestamps = new Float64Array(count);
    for (let i = 0; i < count; i++) timestamps[i] = records[i]!.timestamp ?? now;
    const acksMode = this.#clients.config.acks ?? 'all';
    const acksValue = acksMode === 'all' ? -1 : acksMode;
    const timeoutMs = this.#clients.config.requestTimeoutMs ?? 30_000;
    const maxBytes = this.#clients.config.maxRequestBytes ?? 900_000;
    const api = await produceApi(client);
    let metadata = firstMetadata;
    let start = 0;
    while (start < count) {
      let end = start;
      let bytes = 0;
      while (end < count) {
        const size = recordSize(records[end]!);
        if (end > start && bytes + size > maxBytes) break;
        bytes += size;
        end++;
      }
      // partition key → record indexes, in input order
      let pending = new Map<string, number[]>();
      for (let i = start; i < end; i++) {
        const key = `${partitions[i]}\0${records[i]!.topic}`;
        let list = pending.get(key);
        if (list === undefined) {
          list = [];
          pending.set(key, list);
        }
        list.push(i);
      }
      for (let attempt = 0; ; attempt++) {
        const failed = await this.#sendBatches(
          client,
          api,
          metadata,
          records,
          timestamps,
          pending,
          acksValue,
          timeoutMs,
          acks,
        );
        if (failed.size === 0) break;
        const all = [...failed.values()];
        const retriable = all.every((f) => f.retriable);
        // Metadata errors (topic deleted or not there yet, leader moving) are retried until the
        // delivery time-out, as Kafka's producer does; other retriable ones `retries` times.
        const metadataOnly = all.every((f) => f.metadata);
        const wait = metadataOnly
          ? this.#clients.backoff(attempt)
          : (this.#clients.config.retryBackoffMs ?? 250);
        if (
          !retriable ||
          this.#clients.closed ||
          (metadataOnly
            ? Date.now() + wait > deliveryDeadline
            : attempt >= (this.#clients.config.retries ?? 5))
        ) {
          const detail = all.map((f) => f.message).join('; ');
          const error = `Could not produce ${end - start} records: ${detail}`;
          throw retriable ? new RetriableError(error) : new ConnectError(error);
        }
        await sleep(wait, signal);
        client.clearMetadata();
        const topics = [...new Set([...failed.keys()].map((k) => k.slice(k.indexOf('\0') + 1)))];
        try {
          metadata = await this.#produceMetadata(client, topics, deliveryDeadline, true, signal);
        } catch (err) {
          // A broker that is down answers no metadata either: as retriable as the send was.
          throw toConnectError(err, `Could not produce ${end - start} records: no metadata for the topics`);
        }
        pending = new Map([...pending].filter(([k]) => failed.has(k)));
      }
      start = end;
    }
    return acks;
  }

  /** One request per leader; fills `acks`; returns the partitions that failed, with why. */
  async #sendBatches(
    client: Admin,
    api: API<[number, number, Buffer[]], ProduceResponse>,
    metadata: ClusterMetadata,
    records: ProduceRecord[],
    timestamps: Float64Array,
    pending: Map<string, number[]>,
    acksValue: number,
    timeoutMs: number,
    acks: RecordAck[],
  ): Promise<Map<string, SendFailure>> {
    const failed = new Map<string, SendFailure>();
    const byLeader = new Map<number, Map<string, ProduceTopicData>>();
    const indexesOf = new Map<string, number[]>();
    for (const [key, indexes] of pending) {
      const sep = key.indexOf('\0');
      const partition = Number(key.slice(0, sep));
      const topic = key.slice(sep + 1);
      const leader = metadata.topics.get(topic)?.partitions[partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        failed.set(key, {
          retriable: true,
          metadata: true,
          message: `${topic}-${partition}: LEADER_NOT_AVAILABLE`,
        });
        continue;
      }
      let topics = byLeader.get(leader);
      if (topics === undefined) {
        topics = new Map();
        byLeader.set(leader, topics);
      }
      let data = topics.get(topic);
      if (data === undefined) {
        data = { topic, partitions: [] };
        topics.set(topic, data);
      }
      data.partitions.push({ partition, batch: encodeRecordBatch(records, indexes, timestamps) });
      indexesOf.set(key, indexes);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const broker = metadata.brokers.get(leader)!;
        const sent = [...topics.values()];
        let response: ProduceResponse | null;
        try {
          const connection = await getConnection(client, broker);
          try {
            response = await api.async(
              connection,
              acksValue,
              timeoutMs,
              produceRequestBody(acksValue, timeoutMs, sent),
            );
          } catch (err) {
            const partial = (err as { response?: ProduceResponse }).response;
            if (partial === undefined || !Array.isArray(partial.responses)) throw err;
            response = partial;
          }
        } catch (err) {
          const e = toConnectError(err, `Produce to broker ${leader} (${broker.host}:${broker.port}) failed`);
          for (const t of sent)
            for (const p of t.partitions)
              failed.set(`${p.partition}\0${t.topic}`, {
                retriable: e instanceof RetriableError,
                metadata: false,
                message: e.message,
              });
          return;
        }
        if (acksValue === 0 || response === null || response === undefined) {
          for (const t of sent)
            for (const p of t.partitions)
              this.#ack(
                acks,
                records,
                timestamps,
                indexesOf.get(`${p.partition}\0${t.topic}`)!,
                p.partition,
                -1,
              );
          return;
        }
        for (const tr of response.responses) {
          for (const pr of tr.partitionResponses) {
            const key = `${pr.index}\0${tr.name}`;
            const indexes = indexesOf.get(key);
            if (indexes === undefined) continue;
            if (pr.errorCode !== 0) {
              const { protocolErrors, protocolErrorsCodesById } = kafkaLibrary();
              const code = protocolErrorsCodesById[pr.errorCode] ?? `error ${pr.errorCode}`;
              const definition = protocolErrors[code];
              failed.set(key, {
                retriable: definition?.canRetry ?? false,
                metadata: METADATA_ERRORS.has(code),
                message: `${tr.name}-${pr.index}: ${code}${pr.errorMessage ? `: ${pr.errorMessage}` : ''}`,
              });
              continue;
            }
            this.#ack(acks, records, timestamps, indexes, pr.index, toSafeNumber(pr.baseOffset));
            indexesOf.delete(key);
          }
        }
        for (const t of sent)
          for (const p of t.partitions) {
            const key = `${p.partition}\0${t.topic}`;
            if (indexesOf.has(key) && !failed.has(key))
              failed.set(key, {
                retriable: true,
                metadata: false,
                message: `${t.topic}-${p.partition}: no answer for the partition`,
              });
          }
      }),
    );
    return failed;
  }

  #ack(
    acks: RecordAck[],
    records: ProduceRecord[],
    timestamps: Float64Array,
    indexes: number[],
    partition: number,
    base: number,
  ): void {
    for (let n = 0; n < indexes.length; n++) {
      const i = indexes[n]!;
      acks[i] = {
        topic: records[i]!.topic,
        partition,
        offset: base < 0 ? -1 : base + n,
        timestamp: timestamps[i]!,
      };
    }
  }
}

/** Why a partition's batch was not written, for the produce retry loop. */
interface SendFailure {
  retriable: boolean;
  /** Fixed by fresh metadata (Kafka's InvalidMetadataException family): retried until the delivery time-out. */
  metadata: boolean;
  message: string;
}

/** Waits `ms`; a ConnectError caused by the signal's reason once `signal` is aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const abandoned = () =>
    new ConnectError('Produce abandoned: the caller stopped waiting', { cause: signal!.reason });
  if (signal?.aborted) return Promise.reject(abandoned());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abandoned());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Where the next send of the library's Producer that starts at `start` ends: at most `maxBytes` of
 * records (at least one), and within each partition timestamps less than 2^31 ms from the
 * partition's first one (see MAX_TIMESTAMP_DELTA). Used by the at-least-once and the transactional
 * paths.
 */
export function librarySendEnd(
  records: readonly ProduceRecord[],
  partitions: ArrayLike<number>,
  start: number,
  now: number,
  maxBytes: number,
): number {
  let end = start;
  let bytes = 0;
  const firstTimestamps = new Map<string, number>();
  while (end < records.length) {
    const record = records[end]!;
    const size = recordSize(record);
    if (end > start && bytes + size > maxBytes) break;
    const timestamp = record.timestamp ?? now;
    const key = `${partitions[end]}\0${record.topic}`;
    const first = firstTimestamps.get(key);
    if (first === undefined) firstTimestamps.set(key, timestamp);
    else if (Math.abs(timestamp - first) > MAX_TIMESTAMP_DELTA) break;
    bytes += size;
    end++;
  }
  return end;
}

/** A record's size estimate for cutting requests. */
function recordSize(record: ProduceRecord): number {
  let size = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  const headers = record.headers;
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h]!;
    size += Buffer.byteLength(header[0]) + (header[1]?.length ?? 0) + 2;
  }
  return size;
}

/** A record as the library's Producer sends it. */
export function toMessage(record: ProduceRecord, partition: number, timestamp: number): MessageToProduce {
  // Header keys become distinct Buffer objects, so a repeated key stays two entries of the Map.
  // Null keys, values and header values are written as null (-1 length); the library's types
  // do not say so, hence the casts.
  const headers = new Map<Buffer, Buffer>();
  const source = record.headers;
  for (let h = 0; h < source.length; h++) {
    const header = source[h]!;
    headers.set(Buffer.from(header[0], 'utf8'), header[1] as Buffer);
  }
  return {
    topic: record.topic,
    partition,
    key: record.key as Buffer,
    value: record.value as Buffer,
    headers,
    timestamp: BigInt(timestamp),
  };
}

/** The library's Produce response parsers by version (built on first use: library.ts). */
function produceParser(version: number): ResponseParser<ProduceResponse> | undefined {
  const { produceV9, produceV10, produceV11 } = kafkaLibrary();
  return new Map([
    [9, produceV9.parseResponse],
    [10, produceV10.parseResponse],
    [11, produceV11.parseResponse],
  ]).get(version);
}
const produceApis = new Map<number, API<[number, number, Buffer[]], ProduceResponse>>();

/**
 * The Produce API at the version the library negotiated with the brokers, sending a body made
 * by {@link produceRequestBody} (flexible versions 9 to 11 share the request layout).
 */
async function produceApi(client: Admin): Promise<API<[number, number, Buffer[]], ProduceResponse>> {
  const negotiated = await getApi<unknown[], ProduceResponse>(client, 'Produce');
  const version = Math.min(negotiated.version, 11);
  const parse = produceParser(version);
  if (parse === undefined)
    throw new ConnectError(
      `The brokers support Produce up to version ${negotiated.version}; Sluice needs 9 or later`,
    );
  let api = produceApis.get(version);
  if (api === undefined) {
    const { createAPI, Writer } = kafkaLibrary();
    api = createAPI<[number, number, Buffer[]], ProduceResponse>(
      0,
      version,
      (acks: number, _timeout: number, parts: Buffer[]) => {
        const writer = Writer.create();
        for (const part of parts) writer.append(part);
        if (acks === 0) writer.context.noResponse = true;
        return writer;
      },
      parse,
    );
    produceApis.set(version, api);
  }
  return api;
}

/**
 * The acks of `records[from, end)`, sent in one request: each record's offset is its partition's
 * base offset (keyed `partition\0topic`, as the broker answered) plus its position among the
 * records for that partition; -1 when the broker gave none.
 */
export function fillAcks(
  acks: RecordAck[],
  records: readonly ProduceRecord[],
  partitions: ArrayLike<number>,
  from: number,
  end: number,
  baseOffsets: ReadonlyMap<string, number>,
  now: number,
): void {
  const positions = new Map<string, number>();
  for (let i = from; i < end; i++) {
    const record = records[i]!;
    const key = `${partitions[i]}\0${record.topic}`;
    const position = positions.get(key) ?? 0;
    positions.set(key, position + 1);
    const base = baseOffsets.get(key);
    acks[i] = {
      topic: record.topic,
      partition: partitions[i]!,
      offset: base === undefined ? -1 : base + position,
      timestamp: record.timestamp ?? now,
    };
  }
}
