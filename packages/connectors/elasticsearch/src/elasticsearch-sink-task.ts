/**
 * The sink task: turns records into bulk actions, sends bulk requests concurrently (up to
 * `max.in.flight.requests`), holds `put` back when `max.buffered.records` are outstanding, and
 * tells the runtime (preCommit) only the offsets of records whose documents the server
 * acknowledged (or that were deliberately skipped or reported).
 */
import {
  ConnectError,
  DataError,
  type OffsetAndMetadata,
  type Schema,
  type SinkRecord,
  SinkTask,
  type StringMap,
  Struct,
  TopicPartition,
  TopicPartitionMap,
} from '@sluice/api';
import { indexName, readSettings, type SinkSettings } from './config.ts';
import { buildMapping, documentId, type KeyKind, toJson } from './data-converter.ts';
import {
  errorReason,
  type HttpResponse,
  HttpStatusError,
  SearchHttpClient,
  type ServerInfo,
  TransportError,
} from './http-client.ts';
import { runtimeLogger, type TaskLogger } from './task-log.ts';
import { VERSION } from './version.ts';

type Op = 'index' | 'create' | 'update' | 'delete';

/** One document operation of a bulk request. */
export interface BulkAction {
  record: SinkRecord;
  op: Op;
  /** Versioned with `version_type=external`: a conflict means a newer version is there already. */
  external: boolean;
  /** The NDJSON lines (metadata, and the source unless a delete), each ending in `\n`. */
  lines: string;
  /**
   * `<index>\0<id>` for keyed writes without external versions (upserts, and deletes in upsert
   * mode): two bulks holding the same document are never in flight at once, so they apply in order.
   */
  orderKey?: string;
}

interface Batch {
  id: number;
  actions: BulkAction[];
  bytes: number;
  /** Per partition key, the lowest offset in the batch. */
  partitions: Map<string, number>;
  /** The order keys of its actions, or null when none has one. */
  orderKeys: Set<string> | null;
}

interface PartitionState {
  tp: TopicPartition;
  /** The highest offset seen. */
  maxSeen: number;
  /** Lowest offset of each unacknowledged batch holding records of this partition. */
  pending: Map<number, number>;
}

/** Error types of a bulk item that mean "the document is malformed" (Confluent's list, plus ES 8's). */
const MALFORMED_TYPES = new Set([
  'mapper_parsing_exception',
  'illegal_argument_exception',
  'action_request_validation_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
]);

/** Options for embedding and tests; the runtime constructs the task without any. */
export interface ElasticsearchSinkTaskOptions {
  logger?: TaskLogger;
}

export class ElasticsearchSinkTask extends SinkTask {
  /** True for the Aiven OpenSearch variant (its keys and defaults). */
  protected readonly aiven: boolean = false;
  logger: TaskLogger;
  #settings!: SinkSettings;
  #client: SearchHttpClient | null = null;
  #server!: ServerInfo;
  #sendType = false;
  #buffer: Batch;
  #nextBatchId = 1;
  readonly #ready: Batch[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  /** Order keys of the batches in flight, with how many batches hold each. */
  readonly #inFlightKeys = new Map<string, number>();
  /** Records in the buffer, ready queue and in flight. */
  #outstanding = 0;
  readonly #partitions = new Map<string, PartitionState>();
  readonly #targets = new Map<string, Promise<void>>();
  /** Targets known to exist (no await needed). */
  readonly #readyTargets = new Set<string>();
  readonly #notes = new Set<string>();
  #lingerTimer: NodeJS.Timeout | null = null;
  #fatal: Error | null = null;
  /** Resolved whenever a bulk request settles, for waiters on back-pressure and flush. */
  #settled: { promise: Promise<void>; resolve: () => void } = Promise.withResolvers<void>();
  #stopped = false;

  constructor(options: ElasticsearchSinkTaskOptions = {}) {
    super();
    this.logger = options.logger ?? runtimeLogger('io.confluent.connect.elasticsearch.ElasticsearchSinkTask');
    this.#buffer = this.#newBatch();
  }

  version(): string {
    return VERSION;
  }

  /**
   * Reads the configuration and asks the server what it is (`GET /`), retrying with back-off.
   * @throws ConfigError for a bad configuration; ConnectError when the server cannot be reached
   */
  async start(props: StringMap): Promise<void> {
    this.#settings = readSettings(props, this.aiven);
    this.#client = new SearchHttpClient(this.#settings);
    this.#server = await this.#withRetries('GET /', () => this.#client!.serverInfo());
    const { typeName } = this.#settings;
    this.#sendType =
      typeName !== null && this.#server.distribution === 'elasticsearch' && this.#server.major <= 7;
    if (typeName !== null && !this.#sendType) {
      this.logger.warn(
        `type.name=${typeName} is ignored: ${this.#server.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ` +
          `${this.#server.number} has no mapping types (type.name is only sent to Elasticsearch 6 and 7)`,
      );
    }
  }

  /** Records given to `put` whose documents the server has not acknowledged yet. */
  get outstandingRecords(): number {
    return this.#outstanding;
  }

  /** The server `start` found. */
  get server(): ServerInfo {
    return this.#server;
  }

  async put(records: SinkRecord[]): Promise<void> {
    this.#throwIfFailed();
    for (const record of records) {
      const action = await this.#toAction(record);
      if (action === null) {
        this.#markSkipped(record);
        continue;
      }
      const size = action.lines.length;
      if (
        this.#buffer.actions.length > 0 &&
        (this.#buffer.actions.length >= this.#settings.batchSize ||
          this.#buffer.bytes + size > this.#settings.bulkSizeBytes)
      ) {
        this.#dispatch();
      }
      this.#add(action, size);
      if (this.#buffer.actions.length >= this.#settings.batchSize) this.#dispatch();
      if (this.#outstanding >= this.#settings.maxBuffered) await this.#awaitCapacity();
    }
    if (this.#buffer.actions.length > 0) {
      if (this.#settings.lingerMs <= 0) this.#dispatch();
      else if (this.#lingerTimer === null) {
        this.#lingerTimer = setTimeout(() => {
          this.#lingerTimer = null;
          this.#dispatch();
        }, this.#settings.lingerMs);
      }
    }
  }

  /** Sends everything buffered and waits until every bulk request has been answered. */
  override async flush(_currentOffsets: TopicPartitionMap<OffsetAndMetadata>): Promise<void> {
    this.#throwIfFailed();
    this.#dispatch();
    const deadline = Date.now() + this.#settings.flushTimeoutMs;
    while (this.#outstanding > 0 && this.#fatal === null) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new ConnectError(
          `Flush timeout expired with ${this.#outstanding} unacknowledged records after ${this.#settings.flushTimeoutMs} ms (flush.timeout.ms)`,
        );
      await this.#waitSettled(left);
    }
    this.#throwIfFailed();
  }

  /**
   * With `flush.synchronously=true`, flushes and commits everything; otherwise sends what is
   * buffered without waiting and commits the offsets of the acknowledged records only.
   */
  override async preCommit(
    currentOffsets: TopicPartitionMap<OffsetAndMetadata>,
  ): Promise<TopicPartitionMap<OffsetAndMetadata>> {
    if (this.#settings.flushSynchronously) await this.flush(currentOffsets);
    else {
      this.#throwIfFailed();
      this.#dispatch();
    }
    return this.committableOffsets(currentOffsets);
  }

  /** For each partition of `currentOffsets` this task has seen, the next offset that is safe to commit. */
  committableOffsets(
    currentOffsets: TopicPartitionMap<OffsetAndMetadata>,
  ): TopicPartitionMap<OffsetAndMetadata> {
    const out = new TopicPartitionMap<OffsetAndMetadata>();
    for (const [tp] of currentOffsets) {
      const state = this.#partitions.get(partitionKey(tp.topic, tp.partition));
      if (state === undefined) continue;
      let safe = state.maxSeen + 1;
      for (const min of state.pending.values()) if (min < safe) safe = min;
      out.set(tp, { offset: safe });
    }
    return out;
  }

  override close(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#partitions.delete(partitionKey(tp.topic, tp.partition));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    const deadline = Date.now() + (this.#settings?.flushTimeoutMs ?? 0);
    while (this.#inFlight.size > 0 && Date.now() < deadline) await this.#waitSettled(deadline - Date.now());
    this.#client?.close();
    this.#client = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Records to actions

  async #toAction(record: SinkRecord): Promise<BulkAction | null> {
    const s = this.#settings;
    const topic = record.topic;
    const dataStream = s.dataStreamName;
    const target = dataStream === null ? indexName(topic) : dataStream(topic);
    const keyIgnored = s.keyIgnore || s.topicKeyIgnore.has(topic);
    let id: string | null = null;
    let kind: KeyKind = 'primitive';
    try {
      if (s.autogeneratedIds) id = null;
      else if (keyIgnored) id = `${topic}+${record.kafkaPartition}+${record.kafkaOffset}`;
      else if (record.value === null && record.key === null) id = null;
      else ({ id, kind } = documentId(record.key, record.keySchema));
    } catch (err) {
      return this.#invalid(record, err as Error);
    }
    if (kind !== 'primitive') this.#noteKey(topic, kind);

    if (record.value === null) {
      switch (s.onNullValues) {
        case 'ignore':
          return null;
        case 'delete':
          if (id === null || dataStream !== null) return null; // nothing to delete by
          break;
        case 'fail':
          return this.#invalid(
            record,
            new DataError(
              `Sink record with key of ${String(record.key)} and null value encountered for topic/partition/offset ` +
                `${topic}/${record.kafkaPartition}/${record.kafkaOffset} (to ignore future records like this ` +
                'change the configuration behavior.on.null.values to IGNORE or DELETE)',
            ),
          );
      }
    }

    if (!this.#readyTargets.has(target)) {
      await this.#ensureTarget(target, record);
      this.#readyTargets.add(target);
    }

    const external = !keyIgnored && !s.autogeneratedIds && dataStream === null && s.writeMethod === 'insert';
    let version: string | null = null;
    if (external) {
      version = String(record.kafkaOffset);
      if (s.externalVersionHeader !== '') {
        const h = record.headers.lastWithName(s.externalVersionHeader);
        if (h !== null && h.value !== null) version = String(h.value);
      }
    }
    const meta: string[] = [`"_index":${JSON.stringify(target)}`];
    if (this.#sendType) meta.push(`"_type":${JSON.stringify(s.typeName)}`);
    if (id !== null) meta.push(`"_id":${JSON.stringify(id)}`);
    if (version !== null) meta.push(`"version":${version}`, '"version_type":"external"');

    const orderKey =
      !external && !keyIgnored && id !== null && dataStream === null ? `${target}\u0000${id}` : undefined;
    if (record.value === null) {
      return { record, op: 'delete', external, lines: `{"delete":{${meta.join(',')}}}\n`, orderKey };
    }
    let source: string;
    try {
      source = toJson(record.value, record.valueSchema, s.compactMapEntries);
      if (dataStream !== null) source = this.#withTimestamp(source, record);
    } catch (err) {
      return this.#invalid(record, err as Error);
    }
    if (dataStream !== null)
      return { record, op: 'create', external: false, lines: `{"create":{${meta.join(',')}}}\n${source}\n` };
    if (s.writeMethod === 'upsert') {
      meta.push(`"retry_on_conflict":${Math.min(s.maxInFlight, 5)}`);
      return {
        record,
        op: 'update',
        external: false,
        lines: `{"update":{${meta.join(',')}}}\n{"doc":${source},"upsert":${source}}\n`,
        orderKey,
      };
    }
    return { record, op: 'index', external, lines: `{"index":{${meta.join(',')}}}\n${source}\n` };
  }

  /** `@timestamp` for a data stream document: the first configured field present, else the record's timestamp. */
  #withTimestamp(source: string, record: SinkRecord): string {
    if (!source.startsWith('{')) throw new DataError('A data stream document must be a JSON object');
    let stamp: string | null = null;
    for (const field of this.#settings.dataStreamTimestampFields) {
      const value = record.value;
      if (value instanceof Struct) {
        const f = value.schema.field(field);
        if (f !== null && value.get(f) !== null) {
          if (field === '@timestamp') return source;
          stamp = toJson(value.get(f), f.schema, true);
          break;
        }
      } else if (
        value !== null &&
        typeof value === 'object' &&
        (value as Record<string, unknown>)[field] != null
      ) {
        if (field === '@timestamp') return source;
        stamp = toJson((value as Record<string, unknown>)[field], null, true);
        break;
      }
    }
    stamp ??= String(record.timestamp ?? Date.now());
    return source === '{}' ? `{"@timestamp":${stamp}}` : `{"@timestamp":${stamp},${source.slice(1)}`;
  }

  /**
   * A record that cannot become a document: dropped with `drop.invalid.message`, else reported
   * to the errant record reporter when there is one, else the task fails.
   */
  async #invalid(record: SinkRecord, err: Error): Promise<null> {
    if (this.#settings.dropInvalidMessage) {
      this.logger.warn(
        `Dropping invalid record ${record.topic}/${record.kafkaPartition}/${record.kafkaOffset} (drop.invalid.message=true): ${err.message}`,
      );
      return null;
    }
    const reporter = this.context?.errantRecordReporter() ?? null;
    if (reporter === null)
      throw err instanceof ConnectError ? err : new DataError(err.message, { cause: err });
    await reporter.report(record, err);
    return null;
  }

  #noteKey(topic: string, kind: KeyKind): void {
    const note = `key:${topic}`;
    if (this.#notes.has(note)) return;
    this.#notes.add(note);
    this.logger.info(
      `Topic ${topic}: the record keys are ${kind === 'single-field-struct' ? 'structs of one field' : 'structs of several fields'}, ` +
        "which Confluent's connector refuses as document ids. Sluice uses " +
        (kind === 'single-field-struct' ? "the field's value" : "the key's JSON text") +
        ' as the document id. To make this explicit, extract the field with the ExtractField$Key transform, ' +
        'or set key.ignore=true for topic+partition+offset ids.',
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Indices, mappings and data streams

  #ensureTarget(target: string, record: SinkRecord): Promise<void> {
    let ready = this.#targets.get(target);
    if (ready === undefined) {
      ready = this.#createTarget(target, record);
      this.#targets.set(target, ready);
      ready.catch(() => this.#targets.delete(target));
    }
    return ready;
  }

  async #createTarget(target: string, record: SinkRecord): Promise<void> {
    const s = this.#settings;
    if (s.dataStreamName !== null) {
      await this.#createDataStream(target);
      return;
    }
    const schemaIgnored = s.schemaIgnore || s.topicSchemaIgnore.has(record.topic);
    let mapping: Record<string, unknown> | null = null;
    if (!schemaIgnored) {
      const schema: Schema | null = record.valueSchema;
      if (schema === null) {
        if (record.value !== null) this.#noteSchemaless(record.topic);
      } else if (schema.type === 'STRUCT') mapping = buildMapping(schema);
      else
        this.logger.warn(
          `Topic ${record.topic}: the value schema is ${schema.type}, not a struct: no mapping is created for index ${target}`,
        );
    }
    // Documents sent with type.name (Elasticsearch 6 and 7) need their mapping under that type, or
    // Elasticsearch 7 maps the type's fields dynamically beside the typeless mapping and refuses
    // the first field whose types differ; 7 takes typed mappings only with include_type_name.
    const typeName = this.#sendType ? s.typeName : null;
    const typed = (m: Record<string, unknown>): Record<string, unknown> =>
      typeName === null ? m : { [typeName]: m };
    const typeQuery = typeName !== null && this.#server.major === 7 ? '?include_type_name=true' : '';
    const path = `/${encodeURIComponent(target)}`;
    const head = await this.#withRetries(`HEAD ${path}`, () => this.#client!.request('HEAD', path));
    if (head.status === 404) {
      const body = mapping === null ? '{}' : JSON.stringify({ mappings: typed(mapping) });
      const create = mapping === null ? path : `${path}${typeQuery}`;
      const res = await this.#withRetries(`PUT ${path}`, () => this.#client!.request('PUT', create, body));
      if (res.status >= 300 && !/resource_already_exists_exception/.test(JSON.stringify(res.body)))
        throw new ConnectError(`Could not create index ${target}: ${errorReason(res.body)}`);
      if (res.status < 300) return;
    } else if (head.status >= 300) {
      throw new HttpStatusError(`HEAD ${path}`, head);
    }
    if (mapping === null) return;
    // The index exists: put the mapping only when it has none (as Confluent does).
    const current = await this.#withRetries(`GET ${path}/_mapping`, () =>
      this.#client!.request('GET', `${path}/_mapping`),
    );
    const body = current.body as Record<string, { mappings?: Record<string, unknown> }> | null;
    const mappings = body?.[target]?.mappings ?? {};
    if (Object.keys(mappings).length > 0) return;
    const typeSuffix = typeName === null ? '' : `/${encodeURIComponent(typeName)}${typeQuery}`;
    const put = await this.#withRetries(`PUT ${path}/_mapping`, () =>
      this.#client!.request('PUT', `${path}/_mapping${typeSuffix}`, JSON.stringify(mapping)),
    );
    if (put.status >= 300)
      throw new ConnectError(`Could not put the mapping of ${target}: ${errorReason(put.body)}`);
  }

  /**
   * Creates the data stream when missing. Elasticsearch has built-in templates for `logs-*-*` and
   * `metrics-*-*`; OpenSearch has none, so a data-stream index template for exactly this name is
   * created first when the server says there is no matching template.
   */
  async #createDataStream(name: string): Promise<void> {
    const path = `/_data_stream/${encodeURIComponent(name)}`;
    const get = await this.#withRetries(`GET ${path}`, () => this.#client!.request('GET', path));
    if (get.status === 200) return;
    let put = await this.#withRetries(`PUT ${path}`, () => this.#client!.request('PUT', path));
    if (put.status >= 300 && /matching index template/i.test(JSON.stringify(put.body))) {
      const template = `/_index_template/${encodeURIComponent(`sluice-${name}`)}`;
      const res = await this.#withRetries(`PUT ${template}`, () =>
        this.#client!.request(
          'PUT',
          template,
          JSON.stringify({ index_patterns: [name], data_stream: {}, priority: 200 }),
        ),
      );
      if (res.status >= 300)
        throw new ConnectError(
          `Could not create an index template for data stream ${name}: ${errorReason(res.body)}`,
        );
      put = await this.#withRetries(`PUT ${path}`, () => this.#client!.request('PUT', path));
    }
    if (put.status >= 300 && !/already exists|resource_already_exists/.test(JSON.stringify(put.body)))
      throw new ConnectError(`Could not create data stream ${name}: ${errorReason(put.body)}`);
  }

  #noteSchemaless(topic: string): void {
    const note = `schema:${topic}`;
    if (this.#notes.has(note)) return;
    this.#notes.add(note);
    this.logger.info(
      `Topic ${topic}: the values have no schema while schema.ignore=false, which Confluent's connector ` +
        'refuses ("Cannot infer mapping without schema"). Sluice indexes them with dynamic mapping ' +
        '(the server infers the field types). Set schema.ignore=true (or topic.schema.ignore) to make this explicit.',
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Batching, bulk requests and offsets

  #newBatch(): Batch {
    return { id: this.#nextBatchId++, actions: [], bytes: 0, partitions: new Map(), orderKeys: null };
  }

  #partition(record: SinkRecord): PartitionState {
    const key = partitionKey(record.topic, record.kafkaPartition);
    let state = this.#partitions.get(key);
    if (state === undefined) {
      state = {
        tp: new TopicPartition(record.topic, record.kafkaPartition),
        maxSeen: -1,
        pending: new Map(),
      };
      this.#partitions.set(key, state);
    }
    return state;
  }

  #markSkipped(record: SinkRecord): void {
    const state = this.#partition(record);
    if (record.kafkaOffset > state.maxSeen) state.maxSeen = record.kafkaOffset;
  }

  #add(action: BulkAction, size: number): void {
    const batch = this.#buffer;
    const record = action.record;
    const key = partitionKey(record.topic, record.kafkaPartition);
    const state = this.#partition(record);
    if (record.kafkaOffset > state.maxSeen) state.maxSeen = record.kafkaOffset;
    const min = batch.partitions.get(key);
    if (min === undefined || record.kafkaOffset < min) {
      batch.partitions.set(key, record.kafkaOffset);
      state.pending.set(batch.id, record.kafkaOffset);
    }
    batch.actions.push(action);
    batch.bytes += size;
    if (action.orderKey !== undefined) {
      batch.orderKeys ??= new Set();
      batch.orderKeys.add(action.orderKey);
    }
    this.#outstanding++;
  }

  /** Moves the buffer to the ready queue and starts what the in-flight limit allows. */
  #dispatch(): void {
    if (this.#lingerTimer !== null) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = null;
    }
    if (this.#buffer.actions.length > 0) {
      this.#ready.push(this.#buffer);
      this.#buffer = this.#newBatch();
    }
    this.#pump();
  }

  #pump(): void {
    while (
      this.#ready.length > 0 &&
      this.#inFlight.size < this.#settings.maxInFlight &&
      this.#fatal === null
    ) {
      const head = this.#ready[0]!;
      if (head.orderKeys !== null && this.#inFlightKeys.size > 0) {
        let busy = false;
        for (const k of head.orderKeys) {
          if (this.#inFlightKeys.has(k)) {
            busy = true;
            break;
          }
        }
        if (busy) break; // a document of this batch is still being written by an earlier one
      }
      const batch = this.#ready.shift()!;
      if (batch.orderKeys !== null)
        for (const k of batch.orderKeys) this.#inFlightKeys.set(k, (this.#inFlightKeys.get(k) ?? 0) + 1);
      const run: Promise<void> = this.#execute(batch)
        .then(
          () => this.#acknowledge(batch),
          (err: unknown) => {
            this.#fatal ??=
              err instanceof ConnectError ? err : new ConnectError((err as Error).message, { cause: err });
          },
        )
        .finally(() => {
          this.#inFlight.delete(run);
          if (batch.orderKeys !== null) {
            for (const k of batch.orderKeys) {
              const n = (this.#inFlightKeys.get(k) ?? 1) - 1;
              if (n === 0) this.#inFlightKeys.delete(k);
              else this.#inFlightKeys.set(k, n);
            }
          }
          const settled = this.#settled;
          this.#settled = Promise.withResolvers<void>();
          settled.resolve();
          if (!this.#stopped) this.#pump();
        });
      this.#inFlight.add(run);
    }
  }

  #acknowledge(batch: Batch): void {
    for (const key of batch.partitions.keys()) this.#partitions.get(key)?.pending.delete(batch.id);
    this.#outstanding -= batch.actions.length;
  }

  /** Waits while `max.buffered.records` are outstanding (back-pressure on `put`). */
  async #awaitCapacity(): Promise<void> {
    if (this.#outstanding < this.#settings.maxBuffered) return;
    this.#dispatch();
    const deadline = Date.now() + this.#settings.flushTimeoutMs;
    while (this.#outstanding >= this.#settings.maxBuffered) {
      this.#throwIfFailed();
      const left = deadline - Date.now();
      if (left <= 0)
        throw new ConnectError(
          `${this.#outstanding} records are still unacknowledged after ${this.#settings.flushTimeoutMs} ms ` +
            '(max.buffered.records reached; flush.timeout.ms expired)',
        );
      await this.#waitSettled(left);
    }
    this.#throwIfFailed();
  }

  async #waitSettled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#settled.promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(1, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
  }

  #throwIfFailed(): void {
    if (this.#fatal !== null) throw this.#fatal;
  }

  /** Sends a batch, retrying the whole request or the items the server could not take now. */
  async #execute(batch: Batch): Promise<void> {
    const s = this.#settings;
    let actions = batch.actions;
    for (let attempt = 0; ; attempt++) {
      const body = actions.length === 1 ? actions[0]!.lines : actions.map((a) => a.lines).join('');
      let res: HttpResponse | null = null;
      let failure: string;
      try {
        res = await this.#client!.request('POST', '/_bulk', body, 'application/x-ndjson');
        failure = `bulk request answered ${res.status}: ${errorReason(res.body)}`;
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        failure = err.message;
      }
      if (res !== null && res.status === 200) {
        const retry = await this.#handleItems(actions, res.body);
        if (retry.length === 0) return;
        actions = retry;
        failure = `${retry.length} documents were rejected for now (e.g. ${retry[0]!.record.topic}/${retry[0]!.record.kafkaOffset})`;
      } else if (res !== null && res.status !== 429 && res.status < 500) {
        // Not retriable (bad credentials, bad request): the server's message, without the password.
        throw new ConnectError(`Bulk request to ${this.#client!.describe()} failed: ${failure}`);
      }
      if (attempt >= s.maxRetries || this.#stopped)
        throw new ConnectError(
          `Bulk request to ${this.#client!.describe()} failed after ${attempt + 1} attempts (max.retries=${s.maxRetries}): ${failure}`,
        );
      await sleep(backoff(attempt, s.retryBackoffMs));
    }
  }

  /** Handles a bulk answer's items; returns the actions to retry (rejected for load or server errors). */
  async #handleItems(actions: BulkAction[], body: unknown): Promise<BulkAction[]> {
    const b = body as { errors?: boolean; items?: Record<string, { status: number; error?: unknown }>[] };
    if (!Array.isArray(b?.items) || b.items.length !== actions.length)
      throw new ConnectError(`Unexpected bulk answer: ${JSON.stringify(body).slice(0, 300)}`);
    if (b.errors === false) return [];
    const retry: BulkAction[] = [];
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      const item = b.items[i]!;
      const result = item[action.op] ?? Object.values(item)[0]!;
      const error = result.error as
        | { type?: string; reason?: string; caused_by?: { type?: string } }
        | undefined;
      if (error === undefined) continue;
      const type = error.type ?? '';
      if (type === 'version_conflict_engine_exception' && (action.external || action.op === 'create')) {
        continue; // a replay: the server holds this version or a newer one already
      }
      if (result.status === 429 || result.status >= 500) {
        retry.push(action);
        continue;
      }
      const record = action.record;
      const message = `${action.op} of ${record.topic}/${record.kafkaPartition}/${record.kafkaOffset} failed: ${errorReason({ error })}`;
      const malformed = MALFORMED_TYPES.has(type) || MALFORMED_TYPES.has(error.caused_by?.type ?? '');
      const behavior =
        type === 'version_conflict_engine_exception'
          ? this.#settings.onVersionConflict
          : malformed
            ? this.#settings.onMalformed
            : 'fail';
      await this.#rejected(record, message, behavior);
    }
    return retry;
  }

  /** A document the server refused: per behavior, then the errant record reporter or a failed task. */
  async #rejected(record: SinkRecord, message: string, behavior: 'ignore' | 'warn' | 'fail'): Promise<void> {
    const reporter = this.context?.errantRecordReporter() ?? null;
    const tolerant = (this.context?.configs()['errors.tolerance'] ?? 'none').toLowerCase() === 'all';
    if (behavior === 'warn') this.logger.warn(`Ignoring a document the server rejected: ${message}`);
    if (behavior !== 'fail') {
      if (reporter !== null && tolerant) await reporter.report(record, new DataError(message));
      return;
    }
    if (reporter === null)
      throw new ConnectError(
        `${message} (set behavior.on.malformed.documents=warn or ignore, or errors.tolerance=all with a dead letter queue, to skip such documents)`,
      );
    await reporter.report(record, new DataError(message));
  }

  /** Runs a request, retrying transport errors and 429/5xx answers with back-off; other answers are returned. */
  async #withRetries<T>(what: string, call: () => Promise<T>): Promise<T> {
    const s = this.#settings;
    for (let attempt = 0; ; attempt++) {
      let failure: string;
      try {
        const result = await call();
        const status = (result as { status?: unknown })?.status;
        if (typeof status !== 'number' || (status !== 429 && status < 500)) return result;
        failure = `${what} answered ${status}: ${errorReason((result as unknown as HttpResponse).body)}`;
      } catch (err) {
        if (err instanceof HttpStatusError && (err.status === 401 || err.status === 403))
          throw new ConnectError(
            `${what} on ${this.#client!.describe()} was refused (${err.status}): check connection.username and connection.password: ${errorReason(err.body)}`,
          );
        if (!(err instanceof TransportError) && !(err instanceof HttpStatusError && err.status >= 500))
          throw err;
        failure = err.message;
      }
      if (attempt >= s.maxRetries || this.#stopped)
        throw new ConnectError(
          `Could not reach ${this.#client!.describe()} after ${attempt + 1} attempts (max.retries=${s.maxRetries}): ${failure}`,
        );
      await sleep(backoff(attempt, s.retryBackoffMs));
    }
  }
}

/** Aiven's OpenSearch sink task: the same task with Aiven's keys and defaults. */
export class OpenSearchSinkTask extends ElasticsearchSinkTask {
  protected override readonly aiven: boolean = true;
  constructor(options: ElasticsearchSinkTaskOptions = {}) {
    super({
      logger: options.logger ?? runtimeLogger('io.aiven.kafka.connect.opensearch.OpensearchSinkTask'),
    });
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

/** Exponential back-off with full jitter: a random wait up to `initial * 2^attempt` (at least 1 ms). */
export function backoff(attempt: number, initialMs: number): number {
  const cap = initialMs * 2 ** Math.min(attempt, 20);
  return Math.max(1, Math.round(cap / 2 + (Math.random() * cap) / 2));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
