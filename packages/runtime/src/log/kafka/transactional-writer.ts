/**
 * Kafka transactions for exactly-once source tasks (KIP-618), over `@platformatic/kafka`'s
 * transactional producer: Sluice's own Produce encoding (produce-request.ts) stays the
 * at-least-once hot path; this path is the library's, which knows InitProducerId,
 * AddPartitionsToTxn, transactional Produce and EndTxn.
 *
 * - {@link KafkaTransactionalWriter}: one producer with a `transactional.id`. `init()` is Kafka's
 *   `initTransactions()` (fences older producers of the id and aborts their open transaction);
 *   records of one transaction are partitioned as Java's producer does (`log/partitioner.ts`).
 * - {@link fenceTransactionalIds}: Kafka's `Admin.fenceProducers`: an InitProducerId for each id,
 *   so that no earlier producer of it can write or commit any more.
 *
 * The library sends InitProducerId with the producer id and epoch of its options: Sluice passes
 * -1/-1 (Java's "no producer yet"), so a new process can take over an id an earlier process used.
 */
import type { MessageToProduce, Producer } from '@platformatic/kafka';
import { ConnectError } from '@sluice/api';
import type { ProduceOptions, ProduceRecord, RecordAck, TransactionalWriter } from '../log-client.ts';
import { ProducerPartitioner } from '../partitioner.ts';
import { toConnectError } from './errors.ts';
import { kafkaLibrary } from './library.ts';
import { fillAcks, librarySendEnd, toMessage } from './produce.ts';

/** The library client options Sluice's Kafka client builds (`bootstrapBrokers`, timeouts, TLS, SASL...). */
export type LibraryClientOptions = ConstructorParameters<typeof Producer<Buffer, Buffer, Buffer, Buffer>>[0];

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** Kafka's error names that mean "another producer took this transactional id over". */
const FENCING_ERRORS = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'];

/** Kafka's `transaction.timeout.ms` default: a dead producer's open transaction is aborted after it. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

function transactionalProducer(options: LibraryClientOptions, transactionalId: string): Producer {
  const { Producer: LibraryProducer, ProduceAcks } = kafkaLibrary();
  return new LibraryProducer<Buffer, Buffer, Buffer, Buffer>({
    ...options,
    idempotent: true,
    acks: ProduceAcks.ALL,
    transactionalId,
    producerId: -1n,
    producerEpoch: -1,
    // The library turns retries <= 1 of an idempotent producer into endless retries.
    retries: Math.max(2, typeof options.retries === 'number' ? options.retries : 5),
    autocreateTopics: true,
  } as LibraryClientOptions);
}

function failure(err: unknown, message: string, transactionalId: string): ConnectError {
  const text = JSON.stringify(collect(err));
  if (FENCING_ERRORS.some((e) => text.includes(e)))
    return new ConnectError(
      `${message}: the producer with transactional id ${transactionalId} was fenced out by a newer producer of the same id (a newer generation of this task)`,
      { cause: err },
    );
  const e = toConnectError(err, message);
  // Inside a transaction nothing is retried by the caller: the transaction is aborted instead.
  return e.constructor === ConnectError ? e : new ConnectError(e.message, { cause: err });
}

/** The error and its nested errors' names, codes and messages (for recognising fencing). */
function collect(err: unknown, depth = 0): unknown {
  if (depth > 5 || err === null || typeof err !== 'object') return String(err);
  const e = err as { message?: unknown; code?: unknown; apiId?: unknown; errors?: unknown; cause?: unknown };
  return {
    m: e.message,
    c: e.code,
    a: e.apiId,
    errors: Array.isArray(e.errors) ? e.errors.map((x) => collect(x, depth + 1)) : undefined,
    cause: e.cause === undefined ? undefined : collect(e.cause, depth + 1),
  };
}

export class KafkaTransactionalWriter implements TransactionalWriter {
  readonly transactionalId: string;
  readonly #producer: Producer;
  readonly #partitioner = new ProducerPartitioner();
  #transaction: Transaction | undefined;
  #initialized = false;
  #closed = false;

  readonly #maxRequestBytes: number;

  /** `maxRequestBytes`: the most record bytes per produce request (default 900000, below the broker's 1 MiB). */
  constructor(options: LibraryClientOptions, transactionalId: string, maxRequestBytes = 900_000) {
    this.transactionalId = transactionalId;
    this.#maxRequestBytes = maxRequestBytes;
    this.#producer = transactionalProducer(options, transactionalId);
  }

  get inTransaction(): boolean {
    return this.#transaction !== undefined;
  }

  async init(): Promise<void> {
    this.#check();
    try {
      // beginTransaction registers the id (FindCoordinator + InitProducerId) the first time; the
      // transaction itself only starts on the broker with its first partition.
      const t = await this.#producer.beginTransaction();
      await t.cancel();
      this.#initialized = true;
    } catch (err) {
      throw failure(
        err,
        `Could not initialize the transactional producer ${this.transactionalId}`,
        this.transactionalId,
      );
    }
  }

  async produce(records: ProduceRecord[], options: ProduceOptions = {}): Promise<RecordAck[]> {
    this.#check();
    if (!this.#initialized)
      throw new ConnectError(`Transactional producer ${this.transactionalId} not initialized`);
    if (records.length === 0) return [];
    try {
      this.#transaction ??= await this.#producer.beginTransaction();
      const topics = [...new Set(records.map((r) => r.topic))];
      const metadata = await this.#producer.metadata({ topics, autocreateTopics: true });
      const choose = this.#partitioner.batch();
      const now = Date.now();
      const messages: MessageToProduce[] = [];
      const partitions: number[] = [];
      for (const r of records) {
        const count = metadata.topics.get(r.topic)?.partitionsCount ?? 0;
        if (count <= 0) throw new ConnectError(`Topic ${r.topic} not present in metadata`);
        const partition = choose(r.topic, r.partition, r.key, count);
        partitions.push(partition);
        messages.push(toMessage(r, partition, r.timestamp ?? now));
      }
      const acks = new Array<RecordAck>(records.length);
      // One send per chunk, in order, cut as the at-least-once path cuts its batches (by size, and
      // by the library's timestamp-delta limit).
      let from = 0;
      while (from < records.length) {
        const end = librarySendEnd(records, partitions, from, now, this.#maxRequestBytes);
        options.signal?.throwIfAborted();
        const result = await this.#transaction.send({ messages: messages.slice(from, end) });
        const base = new Map<string, number>();
        for (const o of result.offsets ?? []) base.set(`${o.partition}\0${o.topic}`, Number(o.offset));
        fillAcks(acks, records, partitions, from, end, base, now);
        from = end;
      }
      return acks;
    } catch (err) {
      throw failure(
        err,
        `Could not produce ${records.length} records in a transaction`,
        this.transactionalId,
      );
    }
  }

  async commit(): Promise<void> {
    this.#check();
    const t = this.#transaction;
    if (t === undefined) return;
    try {
      await t.commit();
      this.#transaction = undefined;
    } catch (err) {
      throw failure(err, `Could not commit the transaction of ${this.transactionalId}`, this.transactionalId);
    }
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    const t = this.#transaction;
    if (t === undefined) return;
    try {
      await t.abort();
    } catch (err) {
      // The local state is dropped either way; the coordinator aborts the transaction itself at
      // its time-out or when the next producer of the id initializes.
      await t.cancel().catch(() => {});
      throw failure(err, `Could not abort the transaction of ${this.transactionalId}`, this.transactionalId);
    } finally {
      this.#transaction = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#producer.close(true).catch(() => {});
  }

  #check(): void {
    if (this.#closed) throw new ConnectError(`Transactional producer ${this.transactionalId} is closed`);
  }
}

/**
 * Kafka's `Admin.fenceProducers`: registers each id anew (InitProducerId), which bumps its epoch:
 * earlier producers of the id can no longer write or commit, and an open transaction is aborted.
 */
export async function fenceTransactionalIds(
  options: LibraryClientOptions,
  ids: readonly string[],
): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const writer = new KafkaTransactionalWriter(options, id);
      try {
        await writer.init();
      } finally {
        await writer.close();
      }
    }),
  );
}
