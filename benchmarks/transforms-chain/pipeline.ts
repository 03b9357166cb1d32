// The pieces of the transform-chain benchmark that the worker process (worker.ts), the driver
// (run.ts) and the tests share: the synthetic row, the source connector that emits it, the three
// transform chains, and the expected JSON envelope of a record after each chain, computed here by
// hand (not by the transforms) so a transform that silently does nothing fails the check.

import {
  AbstractConfig,
  BigDecimal,
  ConfigDef,
  ConfigError,
  Decimal,
  Schema,
  SchemaBuilder,
  SourceConnector,
  type SourceMap,
  SourceRecord,
  SourceTask,
  type StringMap,
  Struct,
  type TaskClass,
  Timestamp,
  type Transformation,
} from '@sluice/api';
import { TRANSFORMATIONS } from '@sluice/transforms';

/** Distinct rows the source cycles through: record i carries row `i % POOL_SIZE`. */
export const POOL_SIZE = 1000;

/** A realistic row: 10 fields of mixed types, a named struct as a JDBC or CDC source would emit. */
export const ROW_SCHEMA: Schema = SchemaBuilder.struct()
  .name('bench.Row')
  .field('id', Schema.INT64_SCHEMA)
  .field('customer_name', Schema.STRING_SCHEMA)
  .field('email', Schema.STRING_SCHEMA)
  .field('age', Schema.INT32_SCHEMA)
  .field('score', Schema.FLOAT64_SCHEMA)
  .field('active', Schema.BOOLEAN_SCHEMA)
  .field('created_at', Timestamp.SCHEMA)
  .field('balance', Decimal.schema(2))
  .field('country', Schema.OPTIONAL_STRING_SCHEMA)
  .field('internal_id', Schema.STRING_SCHEMA)
  .build();

const COUNTRIES = ['NL', 'DE', 'FR', 'US', 'JP', null] as const;

/** Row `n` of the pool (0 <= n < POOL_SIZE), built fresh each call. */
export function row(n: number): Struct {
  return new Struct(ROW_SCHEMA)
    .put('id', 1_000_000 + n * 7919)
    .put('customer_name', `Customer Number ${n} Trading Company Ltd.`)
    .put('email', `customer.number.${n}@example-corp.com`)
    .put('age', 18 + (n % 60))
    .put('score', n * 0.25 + 0.5)
    .put('active', n % 3 !== 0)
    .put('created_at', new Date(1_700_000_000_000 + n * 1000))
    .put('balance', new BigDecimal(BigInt(n * 12345 + 99), 2))
    .put('country', COUNTRIES[n % COUNTRIES.length]!)
    .put('internal_id', `int-${(n * 2654435761) % 4294967296}`);
}

// ---------------------------------------------------------------------------------------------
// The source connector

export const TOPIC_CONFIG = 'topic';
export const RECORDS_CONFIG = 'records';
export const BATCH_SIZE_CONFIG = 'batch.size';

const SOURCE_CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    TOPIC_CONFIG,
    ConfigDef.Type.STRING,
    ConfigDef.NO_DEFAULT_VALUE,
    ConfigDef.Importance.HIGH,
    'Topic to write to.',
  )
  .define(
    RECORDS_CONFIG,
    ConfigDef.Type.LONG,
    ConfigDef.NO_DEFAULT_VALUE,
    ConfigDef.Importance.HIGH,
    'Records to emit in all; then the task idles.',
  )
  .define(
    BATCH_SIZE_CONFIG,
    ConfigDef.Type.INT,
    2000,
    ConfigDef.Importance.LOW,
    'Records returned by one poll().',
  );

interface SourceSettings {
  topic: string;
  records: number;
  batchSize: number;
}

/** Parses and checks the connector's settings; throws ConfigError naming the key. */
function sourceSettings(props: StringMap): SourceSettings {
  const config = new AbstractConfig(SOURCE_CONFIG_DEF, props);
  const topic = config.getString(TOPIC_CONFIG) ?? '';
  const records = Number(config.getLong(RECORDS_CONFIG));
  const batchSize = config.getInt(BATCH_SIZE_CONFIG) ?? 0;
  if (topic === '') throw ConfigError.invalidValue(TOPIC_CONFIG, topic, 'must not be empty');
  if (!Number.isSafeInteger(records) || records <= 0)
    throw ConfigError.invalidValue(RECORDS_CONFIG, records, 'must be a positive integer');
  if (batchSize <= 0)
    throw ConfigError.invalidValue(BATCH_SIZE_CONFIG, batchSize, 'must be a positive integer');
  return { topic, records, batchSize };
}

/** The pool, built once per process (the "pre-built" rows). */
let pool: Struct[] | undefined;
const SOURCE_PARTITION: SourceMap = { source: 'bench' };

/**
 * Emits `records` records of the pre-built rows, `batch.size` per poll, then idles until stopped.
 * The per-record work is one SourceRecord and its offset map, the same in every configuration.
 */
export class BenchRowSourceTask extends SourceTask {
  #s: SourceSettings = { topic: '', records: 0, batchSize: 0 };
  #next = 0;
  #stopped = false;
  #wake: (() => void) | null = null;

  version(): string {
    return '1';
  }

  start(props: StringMap): void {
    this.#s = sourceSettings(props);
    pool ??= Array.from({ length: POOL_SIZE }, (_, n) => row(n));
  }

  async poll(): Promise<SourceRecord[] | null> {
    const { topic, records, batchSize } = this.#s;
    if (this.#next >= records) {
      // Done: wait until stop() (or 1 s) instead of spinning.
      if (!this.#stopped) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, 1000);
        });
      }
      return null;
    }
    const rows = pool!;
    const end = Math.min(records, this.#next + batchSize);
    const batch: SourceRecord[] = new Array(end - this.#next);
    for (let i = this.#next; i < end; i++) {
      batch[i - this.#next] = new SourceRecord({
        sourcePartition: SOURCE_PARTITION,
        sourceOffset: { position: i + 1 },
        topic,
        valueSchema: ROW_SCHEMA,
        value: rows[i % POOL_SIZE]!,
      });
    }
    this.#next = end;
    return batch;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}

export class BenchRowSourceConnector extends SourceConnector {
  #props: StringMap = {};

  version(): string {
    return '1';
  }

  start(props: StringMap): void {
    sourceSettings(props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return BenchRowSourceTask;
  }

  taskConfigs(_maxTasks: number): StringMap[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  config(): ConfigDef {
    return SOURCE_CONFIG_DEF;
  }
}

// ---------------------------------------------------------------------------------------------
// The chains

export const CHAIN_LENGTHS = [0, 3, 6] as const;
export type ChainLength = (typeof CHAIN_LENGTHS)[number];

const T = 'org.apache.kafka.connect.transforms';
export const STATIC_FIELD = 'pipeline';
export const STATIC_VALUE = 'sluice-bench';
export const MASK_REPLACEMENT = '***';
export const NEW_SCHEMA_NAME = 'bench.RowV2';
export const NEW_SCHEMA_VERSION = 2;

/** The topic a record of `topic` lands in after a chain (RegexRouter appends `-v2`). */
export function targetTopic(topic: string, chain: ChainLength): string {
  return chain === 0 ? topic : `${topic}-v2`;
}

/** The connector properties of a chain (the 6-transform chain extends the 3-transform chain). */
export function chainConfig(chain: ChainLength): Record<string, string> {
  if (chain === 0) return {};
  const three: Record<string, string> = {
    'transforms.dropInternal.type': `${T}.ReplaceField$Value`,
    'transforms.dropInternal.exclude': 'internal_id',
    'transforms.addPipeline.type': `${T}.InsertField$Value`,
    'transforms.addPipeline.static.field': STATIC_FIELD,
    'transforms.addPipeline.static.value': STATIC_VALUE,
    'transforms.route.type': `${T}.RegexRouter`,
    'transforms.route.regex': '(.*)',
    'transforms.route.replacement': '$1-v2',
  };
  if (chain === 3) return { transforms: 'dropInternal,addPipeline,route', ...three };
  return {
    transforms: 'dropInternal,addPipeline,route,maskEmail,castTypes,setSchema',
    ...three,
    'transforms.maskEmail.type': `${T}.MaskField$Value`,
    'transforms.maskEmail.fields': 'email',
    'transforms.maskEmail.replacement': MASK_REPLACEMENT,
    'transforms.castTypes.type': `${T}.Cast$Value`,
    'transforms.castTypes.spec': 'age:int64,score:float32',
    'transforms.setSchema.type': `${T}.SetSchemaMetadata$Value`,
    'transforms.setSchema.schema.name': NEW_SCHEMA_NAME,
    'transforms.setSchema.schema.version': String(NEW_SCHEMA_VERSION),
  };
}

/** One step of a chain: its alias, its Java class name and the configured transform. */
export interface ChainStep {
  alias: string;
  type: string;
  transform: Transformation<SourceRecord>;
}

/**
 * The chain's transforms built directly from `@sluice/transforms` and configured with the chain's
 * properties, for measuring them outside a worker (micro.ts) and for the tests.
 */
export function buildChain(chain: ChainLength): ChainStep[] {
  const props = chainConfig(chain);
  const aliases = chain === 0 ? [] : (props.transforms ?? '').split(',');
  return aliases.map((alias) => {
    const prefix = `transforms.${alias}.`;
    const type = props[`${prefix}type`] ?? '';
    const cls = TRANSFORMATIONS.find((t) => t.javaClass === type);
    if (cls === undefined) throw new Error(`${prefix}type: no transform ${type} in @sluice/transforms`);
    const transform = new cls() as unknown as Transformation<SourceRecord>;
    transform.configure(
      Object.fromEntries(
        Object.entries(props)
          .filter(([k]) => k.startsWith(prefix) && k !== `${prefix}type`)
          .map(([k, v]) => [k.slice(prefix.length), v]),
      ),
    );
    return { alias, type, transform };
  });
}

/** One line per chain for reports: the transforms in order with their settings. */
export function describeChain(chain: ChainLength): string {
  const c = chainConfig(chain);
  if (chain === 0) return 'no transforms';
  return (c.transforms ?? '')
    .split(',')
    .map((alias) => {
      const prefix = `transforms.${alias}.`;
      const type = (c[`${prefix}type`] ?? '').replace(`${T}.`, '');
      const settings = Object.entries(c)
        .filter(([k]) => k.startsWith(prefix) && k !== `${prefix}type`)
        .map(([k, v]) => `${k.slice(prefix.length)}=${v}`);
      return `${type} (${settings.join(', ')})`;
    })
    .join(' → ');
}

// ---------------------------------------------------------------------------------------------
// The expected output

/** A JsonConverter envelope (`schemas.enable=true`) as parsed JSON. */
export interface Envelope {
  schema: { type: string; fields: Array<Record<string, unknown>>; [k: string]: unknown };
  payload: Record<string, unknown>;
}

/**
 * What a record of pool row `n` must look like after `chain`, starting from the envelope of the
 * untransformed row (`original`, as the JsonConverter encodes it) and applying, by hand on the
 * JSON, what each transform is documented to do. Returns a fresh object.
 */
export function expectedEnvelope(original: Envelope, chain: ChainLength): Envelope {
  const e = structuredClone(original);
  if (chain === 0) return e;
  // ReplaceField$Value exclude=internal_id
  e.schema.fields = e.schema.fields.filter((f) => f.field !== 'internal_id');
  delete e.payload.internal_id;
  // InsertField$Value static field: an optional string appended to the schema.
  e.schema.fields.push({ type: 'string', optional: true, field: STATIC_FIELD });
  e.payload[STATIC_FIELD] = STATIC_VALUE;
  // RegexRouter changes the topic only (checked by where the record landed).
  if (chain === 3) return e;
  // MaskField$Value fields=email replacement=***
  e.payload.email = MASK_REPLACEMENT;
  // Cast$Value age:int64, score:float32 (the scores are exact in float32).
  const field = (name: string) => {
    const f = e.schema.fields.find((x) => x.field === name);
    if (f === undefined) throw new Error(`expected envelope: no field ${name}`);
    return f;
  };
  field('age').type = 'int64';
  field('score').type = 'float'; // the JsonConverter's name for FLOAT32
  e.payload.score = Math.fround(e.payload.score as number);
  // SetSchemaMetadata$Value schema.name, schema.version
  e.schema.name = NEW_SCHEMA_NAME;
  e.schema.version = NEW_SCHEMA_VERSION;
  return e;
}

/** Sorted-key JSON text, for comparing envelopes regardless of key order and showing differences. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
